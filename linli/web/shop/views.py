"""The reward shop (积分超市) pages: the shop and a resident's orders on a phone, staff's
orders, rewards and sponsors, the sponsor's voucher page and the public thanks list.
Reads through points.selectors_shop, writes through points.services.shop; outside one's
places is 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from linli.core.actors import Actor
from linli.core.errors import NotFound
from linli.core.quarters import local_date, quarter_of
from linli.people import selectors as people_selectors
from linli.people.models import Resident
from linli.places.choices import PlaceKind
from linli.places.models import Place
from linli.places.models.place import within_any_q
from linli.points import policies
from linli.points import selectors_shop as shop_selectors
from linli.points.choices import OrderStatus
from linli.points.models import Order, Reward, Sponsor
from linli.points.policies import PointsAction
from linli.points.selectors import communities_for, resident_balance
from linli.points.services import shop
from linli.web.common.door import run_service
from linli.web.common.params import query_int, query_text
from linli.web.common.qr import qr_svg
from linli.web.common.redirects import safe_next
from linli.web.common.scoping import community_from_request

from .forms import PledgeForm, RedeemForm, RewardForm, SponsorForm

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
        "web/shop/shop_redeem_for.html",
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


def _communities(actor: Actor, action: str) -> QuerySet[Place]:
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
    return qr_svg(url, scale=scale)


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
        "web/shop/shop_home.html",
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
        placed = run_service(
            request,
            shop.redemption_place,
            form=form,
            ok=lambda order: (
                _("兑换成功：%(name)s × %(n)d，扣 %(points)d 分。")
                % {"name": reward.name, "n": order.quantity, "points": order.points}
            ),
            resident=resident,
            reward=reward,
            quantity=form.cleaned_data["quantity"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
        if placed:
            return redirect("web:shop_order", pk=placed.value.pk)
    used = shop_selectors.used_this_quarter(resident, reward.community_id, now).get(reward.pk, 0)
    return render(
        request,
        "web/shop/shop_redeem.html",
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
        "web/shop/shop_my_orders.html",
        {
            "page": page,
            "resident": resident,
            "balance": resident_balance(resident),
        },
    )


@login_required
def shop_order(request: HttpRequest, pk: int) -> HttpResponse:
    order = shop_selectors.order_get_for_actor(request.user, pk)
    own = order.resident.user_id == request.user.pk
    staff = policies.can(request.user, PointsAction.ORDER_MANAGE, order.resident.household)
    return render(
        request,
        "web/shop/shop_order.html",
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
    order = shop_selectors.order_get_for_actor(request.user, pk)
    run_service(
        request,
        shop.order_cancel,
        ok=_("已取消，%(n)d 分已退回。") % {"n": order.points},
        order=order,
        reason=request.POST.get("reason", ""),
    )
    return redirect(_back(request, reverse("web:shop_order", args=[order.pk])))


# --- staff -----------------------------------------------------------------------------------


@login_required
@require_POST
def shop_order_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    order = shop_selectors.order_get_for_actor(request.user, pk)
    if not policies.can(request.user, PointsAction.ORDER_MANAGE, order.resident.household):
        raise Http404
    run_service(
        request,
        shop.order_fulfil,
        ok=_("已登记领取：%(who)s · %(name)s × %(n)d")
        % {"who": order.resident.name, "name": order.reward.name, "n": order.quantity},
        order=order,
    )
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
        "web/shop/shop_orders.html",
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
        "web/shop/shop_rewards.html",
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
        photo = form.cleaned_data["photo"]
        saved = (
            run_service(
                request,
                shop.reward_create,
                form=form,
                ok=_("兑换商品已保存。"),
                community=community,
                photo=photo,
                **data,
            )
            if reward is None
            else run_service(
                request,
                shop.reward_update,
                form=form,
                ok=_("兑换商品已保存。"),
                reward=reward,
                photo=photo,
                **data,
            )
        )
        if saved:
            return redirect(f"{reverse('web:shop_rewards')}?community={community.pk}")
    return render(
        request,
        "web/shop/shop_form.html",
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
    reward = shop_selectors.reward_get_for_staff(request.user, pk)
    return _reward_form_page(request, Place.objects.get(pk=reward.community_id), reward)


@login_required
@require_POST
def shop_reward_restock(request: HttpRequest, pk: int) -> HttpResponse:
    reward = shop_selectors.reward_get_for_staff(request.user, pk)
    run_service(
        request,
        shop.reward_restock,
        ok=lambda done: (
            _("已补充，“%(name)s”现有 %(n)d 份。") % {"name": done.name, "n": done.stock}
        ),
        reward=reward,
        add=request.POST.get("add", ""),
    )
    return redirect(f"{reverse('web:shop_rewards')}?community={reward.community_id}")


@login_required
def shop_sponsors(request: HttpRequest) -> HttpResponse:
    community, communities = community_from_request(request, PointsAction.SHOP_MANAGE)
    today = local_date(timezone.now())
    quarter = quarter_of(today)
    return render(
        request,
        "web/shop/shop_sponsors.html",
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
        saved = (
            run_service(
                request,
                shop.sponsor_create,
                form=form,
                ok=_("赞助方已保存。"),
                community=community,
                **data,
            )
            if sponsor is None
            else run_service(
                request,
                shop.sponsor_update,
                form=form,
                ok=_("赞助方已保存。"),
                sponsor=sponsor,
                **data,
            )
        )
        if saved:
            return redirect(f"{reverse('web:shop_sponsors')}?community={community.pk}")
    return render(
        request,
        "web/shop/shop_form.html",
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
    sponsor = shop_selectors.sponsor_get_for_staff(request.user, pk)
    return _sponsor_form_page(request, Place.objects.get(pk=sponsor.community_id), sponsor)


@login_required
@require_http_methods(["GET", "POST"])
def shop_pledge_new(request: HttpRequest, pk: int) -> HttpResponse:
    sponsor = shop_selectors.sponsor_get_for_staff(request.user, pk)
    quarter = quarter_of(local_date(timezone.now()))
    form = PledgeForm(
        request.POST or None, initial={"year": quarter.year, "quarter": quarter.number}
    )
    back = f"{reverse('web:shop_sponsors')}?community={sponsor.community_id}"
    if request.method == "POST" and form.is_valid():
        pledged = run_service(
            request,
            shop.pledge_create,
            form=form,
            ok=_("赞助承诺已登记。"),
            sponsor=sponsor,
            **form.cleaned_data,
        )
        if pledged:
            return redirect(back)
    return render(
        request,
        "web/shop/shop_form.html",
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
    pledge = shop_selectors.pledge_get_for_staff(request.user, pk)
    run_service(
        request,
        shop.pledge_deliver,
        ok=_("已登记交付。"),
        pledge=pledge,
        note=request.POST.get("note", ""),
    )
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
        confirmed = run_service(
            request,
            shop.voucher_confirm,
            quiet=True,
            ok=_("已确认：%(code)s · %(name)s · %(who)s")
            % {
                "code": found.voucher_code,
                "name": found.reward.name,
                "who": found.resident.name,
            },
            order=found,
        )
        if confirmed:
            return redirect("web:shop_sponsor")
        error = str(confirmed.error)
    return render(
        request,
        "web/shop/shop_sponsor.html",
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
        "web/shop/shop_thanks.html",
        {
            "community": community,
            "year": year,
            "quarter": number,
            "sponsors": shop_selectors.thanks_list(community, year, number),
            "prev": (prev_year, prev_q),
            "next": (next_year, next_q),
        },
    )
