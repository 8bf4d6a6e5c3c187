"""The reward shop (积分超市) pages: the shop and a resident's orders on a phone, staff's
orders, rewards and sponsors, the sponsor's voucher page and the public thanks list.
Reads through points.selectors_shop, writes through points.services.shop; outside one's
places is 404."""

from __future__ import annotations

import uuid
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.errors import DomainError, NotFound
from linli.core.quarters import local_date, quarter_of
from linli.people import selectors as people_selectors
from linli.people.choices import Role
from linli.people.models import Resident, User
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_any_q
from linli.points import policies
from linli.points import selectors_shop as shop_selectors
from linli.points.choices import OrderStatus, RewardKind, SponsorKind
from linli.points.limits import MAX_PER_RESIDENT, MAX_POINTS, MAX_QUANTITY, MAX_STOCK
from linli.points.models import Order, Reward, Sponsor
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for, resident_balance
from linli.points.services import shop

from .common.fields import BoundedIntegerField, NameField, TextField
from .common.forms import NoColonLabels, add_domain_error
from .common.params import query_int, query_text
from .common.redirects import safe_next
from .common.scoping import community_from_request

# --- forms -----------------------------------------------------------------------------------


class RedeemForm(NoColonLabels, forms.Form):
    quantity = BoundedIntegerField(
        label=gettext_lazy("数量"), min_value=1, max_value=MAX_QUANTITY, initial=1
    )
    idempotency_key = NameField(widget=forms.HiddenInput, max_length=120)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class RewardForm(NoColonLabels, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=RewardKind.choices)
    name = NameField(label=gettext_lazy("名称"), max_length=60)
    description = TextField(
        label=gettext_lazy("说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    price = BoundedIntegerField(label=gettext_lazy("所需积分"), min_value=1, max_value=MAX_POINTS)
    stock = BoundedIntegerField(label=gettext_lazy("库存/名额"), min_value=0, max_value=MAX_STOCK)
    per_resident_limit = BoundedIntegerField(
        label=gettext_lazy("每人每季度限兑"),
        min_value=1,
        max_value=MAX_PER_RESIDENT,
        required=False,
        help_text=gettext_lazy("留空表示不限"),
    )
    sponsor = forms.ModelChoiceField(
        label=gettext_lazy("赞助方"), queryset=Sponsor.objects.none(), required=False
    )
    photo = forms.FileField(
        label=gettext_lazy("图片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    active = forms.BooleanField(label=gettext_lazy("上架"), required=False, initial=True)

    def __init__(self, *args: Any, sponsors: QuerySet[Sponsor], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = sponsors  # type: ignore[attr-defined]


class SponsorForm(NoColonLabels, forms.Form):
    name = NameField(label=gettext_lazy("名称"), max_length=80)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=SponsorKind.choices)
    contact_name = NameField(label=gettext_lazy("联系人"), max_length=32, required=False)
    contact_phone = NameField(label=gettext_lazy("联系电话"), max_length=20, required=False)
    address = NameField(label=gettext_lazy("地址"), max_length=120, required=False)
    user = forms.ModelChoiceField(
        label=gettext_lazy("商家账号"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy("有“辖区企业”角色的账号，用来确认服务兑换码"),
    )
    thanks_public = forms.BooleanField(
        label=gettext_lazy("在感谢名单中公开"), required=False, initial=True
    )

    def __init__(self, *args: Any, community: Place, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            grants__role=Role.SPONSOR, grants__place=community, grants__revoked_at__isnull=True
        ).distinct()


class PledgeForm(NoColonLabels, forms.Form):
    year = BoundedIntegerField(label=gettext_lazy("年"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"), choices=[(i, i) for i in range(1, 5)], coerce=int
    )
    description = NameField(label=gettext_lazy("赞助内容"), max_length=200)
    value_yuan = forms.DecimalField(
        label=gettext_lazy("折合金额（元）"), min_value=0, max_digits=10, decimal_places=2
    )


# --- helpers ---------------------------------------------------------------------------------


def _resident_for_staff(request: HttpRequest) -> Resident | None:
    """The resident named by ``?for=`` if the user manages orders at their place (else 404)."""
    if not request.GET.get("for", ""):
        return None
    resident_id = query_int(request.GET, "for")
    if resident_id is None:
        raise Http404
    resident = (
        Resident.objects.filter(pk=resident_id, moved_out__isnull=True)
        .select_related("household")
        .first()
    )
    if resident is None or not policies.can(
        request.user, PointsAction.ORDER_MANAGE, resident.household
    ):
        raise Http404
    return resident


@login_required
def shop_redeem_for(request: HttpRequest) -> HttpResponse:
    """Staff: find a resident (name, pinyin initials, phone tail), then pick a reward for
    them; the redeem page then posts on their behalf."""
    if not policies.can_anywhere(request.user, PointsAction.ORDER_MANAGE):
        raise Http404
    query = query_text(request.GET, "q", limit=40)
    resident = _resident_for_staff(request)
    residents = (
        people_selectors.resident_list(request.user, query=query).filter(
            policies.scope_q(request.user, PointsAction.ORDER_MANAGE, "household__")
        )[:20]
        if query and resident is None
        else []
    )
    rewards = (
        list(shop_selectors.shop_rewards(resident.household.community_id))
        if resident is not None and resident.household.community_id
        else []
    )
    return render(
        request,
        "web/shop_redeem_for.html",
        {
            "query": query,
            "residents": residents,
            "resident": resident,
            "balance": resident_balance(resident) if resident is not None else None,
            "rewards": rewards,
        },
    )


def _own_resident(request: HttpRequest) -> Resident | None:
    if not request.user.is_authenticated:
        return None
    return (
        Resident.objects.filter(user_id=request.user.pk, moved_out__isnull=True)
        .select_related("household")
        .first()
    )


def _communities(actor: Any, action: str) -> QuerySet[Place]:
    return (
        Place.objects.filter(kind=PlaceKind.COMMUNITY)
        .filter(within_any_q(policies.places_for(actor, action)))
        .order_by("name")
    )


def _qr(request: HttpRequest, order: Order, scale: int = 4) -> SafeString:
    """An inline SVG QR code: the sponsor's confirm page with the code filled in."""
    url = request.build_absolute_uri(
        reverse("web:shop_sponsor") + f"?code={order.voucher_code or ''}"
    )
    svg = segno.make(url, error="m").svg_inline(scale=scale, dark="#111", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG markup, the URL is encoded as modules


def _back(request: HttpRequest, fallback: str) -> str:
    return safe_next(request, fallback, target=request.POST.get("next", ""))


# --- residents -------------------------------------------------------------------------------


@login_required
def shop_home(request: HttpRequest) -> HttpResponse:
    """The shop of the resident's community (or, for staff, of one of theirs)."""
    resident = _own_resident(request)
    staff_communities = communities_for(request.user, PointsAction.ORDER_MANAGE)
    wanted = query_int(request.GET, "community")
    if wanted is not None:
        community = staff_communities.filter(pk=wanted).first()
        if community is None and not (
            resident is not None and resident.household.community_id == wanted
        ):
            raise Http404
        community = community or Place.objects.get(pk=wanted)
    elif resident is not None and resident.household.community_id:
        community = Place.objects.get(pk=resident.household.community_id)
    else:
        community = staff_communities.first()
    if community is None:
        if shop_selectors.sponsors_of_user(request.user).exists():
            return redirect("web:shop_sponsor")
        raise Http404
    now = timezone.now()
    window = shop_selectors.current_window(community.pk, now)
    if resident is not None and resident.household.community_id != community.pk:
        resident = None  # staff browsing another of their communities
    used = shop_selectors.used_this_quarter(resident, community.pk, now) if resident else {}
    rewards = list(shop_selectors.shop_rewards(community.pk))
    for reward in rewards:
        mine = used.get(reward.pk, 0)
        limit = reward.per_resident_limit
        reward.used = mine  # type: ignore[attr-defined]
        reward.left_for_me = None if limit is None else max(0, limit - mine)  # type: ignore[attr-defined]
    orders = list(shop_selectors.resident_orders(resident)[:3]) if resident else []
    return render(
        request,
        "web/shop_home.html",
        {
            "community": community,
            "resident": resident,
            "balance": resident_balance(resident) if resident else None,
            "window": window,
            "next_window": None if window else shop_selectors.next_window(community.pk, now),
            "last_window": None if window else shop_selectors.last_window(community.pk, now),
            "rewards": rewards,
            "orders": orders,
            "is_staff": policies.can(request.user, PointsAction.ORDER_MANAGE, community),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    """Redeem one reward: a confirm step with the quantity, posted with an idempotency key.
    With ``?for=<resident>``, staff redeem on behalf of a resident (older residents without
    a phone come to the service station)."""
    on_behalf = _resident_for_staff(request)
    resident = on_behalf or _own_resident(request)
    reward = Reward.objects.select_related("sponsor").filter(pk=pk, active=True).first()
    if resident is None or reward is None or reward.community_id != resident.household.community_id:
        raise Http404
    form = RedeemForm(request.POST or None)
    now = timezone.now()
    if request.method == "POST" and form.is_valid():
        try:
            order = shop.redemption_place(
                actor=request.user,
                resident=resident,
                reward=reward,
                quantity=form.cleaned_data["quantity"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("兑换成功：%(name)s × %(n)d，扣 %(points)d 分。")
                % {"name": reward.name, "n": order.quantity, "points": order.points},
            )
            return redirect("web:shop_order", pk=order.pk)
    used = shop_selectors.used_this_quarter(resident, reward.community_id, now).get(reward.pk, 0)
    return render(
        request,
        "web/shop_redeem.html",
        {
            "on_behalf": on_behalf,
            "reward": reward,
            "form": form,
            "balance": resident_balance(resident),
            "window": shop_selectors.current_window(reward.community_id, now),
            "used": used,
        },
    )


@login_required
def shop_my_orders(request: HttpRequest) -> HttpResponse:
    resident = _own_resident(request)
    if resident is None:
        raise Http404
    page = Paginator(shop_selectors.resident_orders(resident), 20).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.qr = _qr(request, order, 3) if order.status == OrderStatus.VOUCHER else ""
    return render(
        request,
        "web/shop_my_orders.html",
        {
            "page": page,
            "resident": resident,
            "balance": resident_balance(resident),
        },
    )


@login_required
def shop_order(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = shop_selectors.order_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    own = order.resident.user_id == request.user.pk
    staff = policies.can(request.user, PointsAction.ORDER_MANAGE, order.resident.household)
    return render(
        request,
        "web/shop_order.html",
        {
            "order": order,
            "own": own,
            "is_staff": staff,
            "qr": _qr(request, order, 6) if order.status == OrderStatus.VOUCHER else None,
            "is_open": order.status in (OrderStatus.PLACED, OrderStatus.VOUCHER),
        },
    )


@login_required
@require_POST
def shop_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = shop_selectors.order_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        shop.order_cancel(actor=request.user, order=order, reason=request.POST.get("reason", ""))
        messages.success(request, _("已取消，%(n)d 分已退回。") % {"n": order.points})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_back(request, reverse("web:shop_order", args=[order.pk])))


# --- staff -----------------------------------------------------------------------------------


@login_required
@require_POST
def shop_order_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        order = shop_selectors.order_get_for_actor(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    if not policies.can(request.user, PointsAction.ORDER_MANAGE, order.resident.household):
        raise Http404
    try:
        shop.order_fulfil(actor=request.user, order=order)
        messages.success(
            request,
            _("已登记领取：%(who)s · %(name)s × %(n)d")
            % {"who": order.resident.name, "name": order.reward.name, "n": order.quantity},
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_back(request, reverse("web:shop_order", args=[order.pk])))


@login_required
def shop_orders(request: HttpRequest) -> HttpResponse:
    community, communities = community_from_request(request, PointsAction.ORDER_MANAGE)
    status = request.GET.get("status", "")
    if status not in OrderStatus.values:
        status = ""
    reward_id = query_int(request.GET, "reward")
    query = query_text(request.GET, "q", limit=40)
    orders = shop_selectors.orders_for_staff(
        request.user, community, status=status, reward_id=reward_id, query=query
    )
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/shop_orders.html",
        {
            "community": community,
            "communities": communities,
            "page": page,
            "statuses": OrderStatus.choices,
            "status": status,
            "rewards": Reward.objects.filter(community=community).order_by("name"),
            "reward_id": reward_id,
            "query": query,
            "next": request.get_full_path(),
        },
    )


@login_required
def shop_rewards(request: HttpRequest) -> HttpResponse:
    community, communities = community_from_request(request, PointsAction.SHOP_MANAGE)
    return render(
        request,
        "web/shop_rewards.html",
        {
            "community": community,
            "communities": communities,
            "rewards": shop_selectors.rewards_for_staff(request.user, community),
        },
    )


def _reward_form_page(
    request: HttpRequest, community: Place, reward: Reward | None
) -> HttpResponse:
    sponsors = Sponsor.objects.filter(community=community).order_by("name")
    initial: dict[str, Any] = {}
    if reward is not None:
        initial = {f: getattr(reward, f) for f in shop.REWARD_FIELDS}
    form = RewardForm(
        request.POST or None, request.FILES or None, sponsors=sponsors, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in shop.REWARD_FIELDS}
        try:
            if reward is None:
                shop.reward_create(
                    actor=request.user,
                    community=community,
                    photo=form.cleaned_data["photo"],
                    **data,
                )
            else:
                shop.reward_update(
                    actor=request.user, reward=reward, photo=form.cleaned_data["photo"], **data
                )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("兑换商品已保存。"))
            return redirect(f"{reverse('web:shop_rewards')}?community={community.pk}")
    return render(
        request,
        "web/shop_form.html",
        {
            "form": form,
            "community": community,
            "title": _("修改兑换商品") if reward else _("新增兑换商品"),
            "back": f"{reverse('web:shop_rewards')}?community={community.pk}",
            "multipart": True,
            "photo": reward.photo if reward and reward.photo else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_reward_new(request: HttpRequest) -> HttpResponse:
    community = community_from_request(request, PointsAction.SHOP_MANAGE)[0]
    return _reward_form_page(request, community, None)


@login_required
@require_http_methods(["GET", "POST"])
def shop_reward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reward = shop_selectors.reward_get_for_staff(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return _reward_form_page(request, Place.objects.get(pk=reward.community_id), reward)


@login_required
@require_POST
def shop_reward_restock(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reward = shop_selectors.reward_get_for_staff(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        done = shop.reward_restock(
            actor=request.user, reward=reward, add=request.POST.get("add", "")
        )
        messages.success(
            request, _("已补充，“%(name)s”现有 %(n)d 份。") % {"name": done.name, "n": done.stock}
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('web:shop_rewards')}?community={reward.community_id}")


@login_required
def shop_sponsors(request: HttpRequest) -> HttpResponse:
    community, communities = community_from_request(request, PointsAction.SHOP_MANAGE)
    today = local_date(timezone.now())
    quarter = quarter_of(today)
    return render(
        request,
        "web/shop_sponsors.html",
        {
            "community": community,
            "communities": communities,
            "sponsors": shop_selectors.sponsors_for_staff(request.user, community),
            "quarter": quarter,
        },
    )


def _sponsor_form_page(
    request: HttpRequest, community: Place, sponsor: Sponsor | None
) -> HttpResponse:
    initial: dict[str, Any] = {}
    if sponsor is not None:
        initial = {f: getattr(sponsor, f) for f in (*shop.SPONSOR_FIELDS, "user")}
    form = SponsorForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in (*shop.SPONSOR_FIELDS, "user")}
        try:
            if sponsor is None:
                shop.sponsor_create(actor=request.user, community=community, **data)
            else:
                shop.sponsor_update(actor=request.user, sponsor=sponsor, **data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("赞助方已保存。"))
            return redirect(f"{reverse('web:shop_sponsors')}?community={community.pk}")
    return render(
        request,
        "web/shop_form.html",
        {
            "form": form,
            "community": community,
            "title": _("修改赞助方") if sponsor else _("新增赞助方"),
            "back": f"{reverse('web:shop_sponsors')}?community={community.pk}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def shop_sponsor_new(request: HttpRequest) -> HttpResponse:
    community = community_from_request(request, PointsAction.SHOP_MANAGE)[0]
    return _sponsor_form_page(request, community, None)


@login_required
@require_http_methods(["GET", "POST"])
def shop_sponsor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        sponsor = shop_selectors.sponsor_get_for_staff(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return _sponsor_form_page(request, Place.objects.get(pk=sponsor.community_id), sponsor)


@login_required
@require_http_methods(["GET", "POST"])
def shop_pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        sponsor = shop_selectors.sponsor_get_for_staff(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    quarter = quarter_of(local_date(timezone.now()))
    form = PledgeForm(
        request.POST or None, initial={"year": quarter.year, "quarter": quarter.number}
    )
    back = f"{reverse('web:shop_sponsors')}?community={sponsor.community_id}"
    if request.method == "POST" and form.is_valid():
        try:
            shop.pledge_create(actor=request.user, sponsor=sponsor, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("赞助承诺已登记。"))
            return redirect(back)
    return render(
        request,
        "web/shop_form.html",
        {
            "form": form,
            "community": Place.objects.get(pk=sponsor.community_id),
            "title": format_html("{} · {}", _("登记赞助承诺"), sponsor.name),
            "back": back,
        },
    )


@login_required
@require_POST
def shop_pledge_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        pledge = shop_selectors.pledge_get_for_staff(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        shop.pledge_deliver(actor=request.user, pledge=pledge, note=request.POST.get("note", ""))
        messages.success(request, _("已登记交付。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('web:shop_sponsors')}?community={pledge.sponsor.community_id}")


# --- sponsors --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def shop_sponsor(request: HttpRequest) -> HttpResponse:
    """The sponsor's own page: its rewards, a voucher to confirm by code (or by the QR, which
    opens this page with the code filled in), open vouchers and the confirmed history."""
    sponsors = shop_selectors.sponsors_of_user(request.user)
    if not sponsors.exists():
        raise Http404
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:20]
    found: Order | None = None
    error = ""
    if code:
        try:
            found = shop.voucher_find_for_sponsor(request.user, code)
        except NotFound as exc:
            error = str(exc)
    if request.method == "POST" and found is not None:
        try:
            shop.voucher_confirm(actor=request.user, order=found)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("已确认：%(code)s · %(name)s · %(who)s")
                % {
                    "code": found.voucher_code,
                    "name": found.reward.name,
                    "who": found.resident.name,
                },
            )
            return redirect("web:shop_sponsor")
    return render(
        request,
        "web/shop_sponsor.html",
        {
            "sponsors": sponsors,
            "rewards": Reward.objects.filter(sponsor__in=sponsors).order_by("name"),
            "code": code,
            "found": found,
            "error": error,
            "open": shop_selectors.sponsor_orders(sponsors, open_only=True)[:50],
            "confirmed": shop_selectors.sponsor_orders(sponsors, open_only=False)[:50],
        },
    )


# --- public ----------------------------------------------------------------------------------


def shop_thanks(request: HttpRequest, community_pk: int) -> HttpResponse:
    """The public thanks list of a community for a quarter (no sign-in needed)."""
    community = Place.objects.filter(pk=community_pk, kind=PlaceKind.COMMUNITY).first()
    if community is None:
        raise Http404
    current = quarter_of(local_date(timezone.now()))
    year = query_int(request.GET, "year", min_value=2000, max_value=2100) or current.year
    number = query_int(request.GET, "quarter", min_value=1, max_value=4) or current.number
    prev_year, prev_q = (year, number - 1) if number > 1 else (year - 1, 4)
    next_year, next_q = (year, number + 1) if number < 4 else (year + 1, 1)
    return render(
        request,
        "web/shop_thanks.html",
        {
            "community": community,
            "year": year,
            "quarter": number,
            "sponsors": shop_selectors.thanks_list(community, year, number),
            "prev": (prev_year, prev_q),
            "next": (next_year, next_q),
        },
    )
