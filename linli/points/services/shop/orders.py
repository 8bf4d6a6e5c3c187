"""Orders: redemption inside the open window, cancel, fulfil, voucher confirmation and
expiry with refunds. Points move only through the ledger writer (``linli.points.ledger``:
one statement on PostgreSQL, the ORM elsewhere)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.actors import SYSTEM, Actor, is_system
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.quarters import local_date, quarter_of, start_of_day
from linli.core.text import INT_MAX
from linli.people.models import Resident
from linli.people.policies import acting_user
from linli.places.models import Place

from ... import policies, workflows
from ...choices import AccountKind, OrderStatus, RewardKind
from ...ledger import Audit, Held, hold, write_order, write_refund
from ...limits import MAX_QUANTITY
from ...models import (
    Order,
    PointsSettings,
    Posting,
    RedemptionWindow,
    Reward,
)
from ...policies import PointsAction
from ._common import _clean_key, _community, _hash, _is_own, _positive, _text

# Open orders of a window that closed more than this long ago are expired (points and
# stock returned): a week to collect goods or use a voucher after the window closes.
EXPIRY_GRACE = dt.timedelta(days=7)
# Voucher codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B — read aloud or typed by a shopkeeper.
VOUCHER_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
VOUCHER_LENGTH = 8


def new_voucher_code() -> str:
    return "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_LENGTH))


def normalize_voucher_code(raw: str) -> str:
    """What a shopkeeper types: spaces and dashes dropped, lower case raised, and the
    look-alikes we never issue read as the characters we do (O→0 is not issued either, so
    it stays wrong and simply finds nothing)."""
    code = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return code[:16]


def _quarter_bounds(
    community_id: int, when: dt.datetime, start_month: int | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The community's quarter (PointsSettings.quarter_start_month) that contains ``when``."""
    if start_month is None:
        start_month = (
            PointsSettings.objects.filter(community_id=community_id)
            .values_list("quarter_start_month", flat=True)
            .first()
            or 1
        )
    quarter = quarter_of(local_date(when), start_month)
    return start_of_day(quarter.start), start_of_day(quarter.end)


def open_window(community_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return (
        RedemptionWindow.objects.filter(
            community_id=community_id, opens_at__lte=now, closes_at__gt=now
        )
        .order_by("-opens_at")
        .first()
    )


def _closed_message(community_id: int, now: dt.datetime) -> str:
    upcoming = (
        RedemptionWindow.objects.filter(community_id=community_id, opens_at__gt=now)
        .order_by("opens_at")
        .first()
    )
    if upcoming is not None:
        return _("兑换期还没开始：%(start)s 开始，%(end)s 结束") % {
            "start": timezone.localtime(upcoming.opens_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(upcoming.closes_at).strftime("%Y-%m-%d %H:%M"),
        }
    last = (
        RedemptionWindow.objects.filter(community_id=community_id, closes_at__lte=now)
        .order_by("-closes_at")
        .first()
    )
    if last is not None:
        return _("本季度兑换期已于 %(end)s 结束，请等下一季度公示定稿后再来兑换") % {
            "end": timezone.localtime(last.closes_at).strftime("%Y-%m-%d %H:%M")
        }
    return _("现在不在兑换期内：每季度积分公示定稿后才开放兑换")


def quarter_used(resident_id: int, reward: Reward, when: dt.datetime) -> int:
    """How many of ``reward`` the resident has redeemed in the quarter containing ``when``
    (orders that hold or used their points: placed, voucher, fulfilled, confirmed)."""
    start, end = _quarter_bounds(reward.community_id, when)
    used = Order.objects.filter(
        resident_id=resident_id,
        reward_id=reward.pk,
        placed_at__gte=start,
        placed_at__lt=end,
        status__in=list(workflows.ORDER_COUNTS),
    ).aggregate(n=Sum("quantity"))["n"]
    return int(used or 0)


def _replay(existing: Order, request_hash: str) -> Order:
    if existing.request_hash != request_hash:
        raise Conflict(_("该请求编号已用于另一次不同的兑换，请刷新页面后重新提交"))
    return existing


def _refuse_limit(reward: Reward, resident: Resident, used: int, quantity: int) -> None:
    limit = reward.per_resident_limit
    if limit is not None and used + quantity > limit:
        raise Conflict(
            _("“%(name)s”每人每季度限兑 %(limit)d 份：%(resident)s 本季度已兑 %(used)d 份")
            % {"name": reward.name, "limit": limit, "resident": resident.name, "used": used}
        )


def _refuse_balance(reward: Reward, resident: Resident, balance: int, points: int) -> None:
    if balance < points:
        raise Conflict(
            _("积分不足：%(resident)s 的余额 %(balance)d 分，兑换“%(name)s”需要 %(points)d 分")
            % {"resident": resident.name, "balance": balance, "name": reward.name, "points": points}
        )


def _refuse_stock(reward: Reward, quantity: int) -> None:
    if not reward.active:
        raise Conflict(_("“%(name)s”已下架") % {"name": reward.name})
    if reward.stock < quantity:
        if reward.stock <= 0:
            raise Conflict(_("“%(name)s”已兑完") % {"name": reward.name})
        raise Conflict(
            _("“%(name)s”只剩 %(left)d 份") % {"name": reward.name, "left": reward.stock}
        )


def redemption_place(
    *,
    actor: Actor,
    resident: Resident,
    reward: Reward,
    quantity: object = 1,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> Order:
    """A resident (themself, or staff on their behalf) redeems ``quantity`` of ``reward``:
    points and stock are taken in one transaction; goods wait to be handed over, services
    get a voucher code. Only inside the community's open redemption window. A repeated
    request with the same key returns the first order; the same key with another body is
    refused."""
    key = _clean_key(idempotency_key)
    household = resident.household
    own = _is_own(actor, resident)
    if not (own or policies.can(actor, PointsAction.ORDER_MANAGE, household)):
        raise NotFound(_("找不到该居民"))
    community_id = household.community_id
    if community_id is None or reward.community_id != community_id:
        raise NotFound(_("找不到该兑换商品"))
    q = _positive(quantity, _("数量"), high=INT_MAX)
    if q > MAX_QUANTITY:
        raise ValidationFailed(_("一次最多兑换 99 份"))
    request_hash = _hash({"resident": resident.pk, "reward": reward.pk, "quantity": q})
    when = now or timezone.now()
    if not resident.is_current:
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        raise ValidationFailed(_("该居民已迁出，不能兑换"))
    try:
        return _place(actor, resident, reward, q, key, request_hash, when)
    except IntegrityError:
        # A concurrent request with the same key won the race (both waited on the account
        # lock, so this is rare); anything else is a real error.
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        raise


def _posting_key(key: str) -> str:
    return "order:" + hashlib.sha256(key.encode()).hexdigest()[:48]


def _place(
    actor: Actor,
    resident: Resident,
    reward: Reward,
    q: int,
    key: str,
    request_hash: str,
    when: dt.datetime,
) -> Order:
    """Lock the resident's account; re-check the key, the window, the stock, the limit and
    the balance; write the order with its posting through the ledger writer; take the stock
    last (the one row every order of the shop updates, so it is held the shortest time)."""
    community_id = reward.community_id
    with transaction.atomic(durable=True):
        held = hold(resident, AccountKind.REDEMPTION)
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, request_hash)
        window = open_window(community_id, when)
        if window is None:
            raise Conflict(_closed_message(community_id, when))
        current = Reward.objects.get(pk=reward.pk)
        _refuse_stock(current, q)
        if current.per_resident_limit is not None:
            _refuse_limit(current, resident, quarter_used(resident.pk, current, when), q)
        points = current.price * q
        _refuse_balance(current, resident, held.account.balance, points)
        service = current.kind == RewardKind.SERVICE
        order = Order(
            community_id=community_id,
            window=window,
            reward=current,
            resident=resident,
            quantity=q,
            points=points,
            status=OrderStatus.VOUCHER if service else OrderStatus.PLACED,
            voucher_code=new_voucher_code() if service else None,
            idempotency_key=key,
            request_hash=request_hash,
            placed_by=acting_user(actor),
            placed_at=when,
        )
        write_order(
            order,
            held=held,
            actor=actor,
            posting_key=_posting_key(key),
            memo=f"{current.name} × {q}",
            audit=Audit(
                actor,
                "shop.redeem",
                resident.household_id,
                {"reward": current.pk, "quantity": q, "points": points, "resident": resident.pk},
            ),
            new_voucher=new_voucher_code,
        )
        if not _take_stock(current.pk, q):
            # Another order took the last items meanwhile: everything above is rolled back.
            _refuse_stock(Reward.objects.get(pk=reward.pk), q)
            raise Conflict(_("“%(name)s”已兑完") % {"name": reward.name})
        return order


# On PostgreSQL the foreign keys of the rows written before (deferred in Django's schema) are
# checked first by SET CONSTRAINTS … IMMEDIATE, which PostgreSQL applies retroactively (the
# ledger's balance check, points migration 0007, runs then too), so the reward row is locked
# only for the UPDATE and the COMMIT. Then everything is deferred again, as Django declares it:
# IMMEDIATE would otherwise last to the end of the transaction, and a posting written later in
# it would be checked before its entries exist. ``stock >= q`` is re-evaluated on the row
# version the UPDATE waited for, so two orders for the last item cannot both pass.
def _take_stock(reward_id: int, quantity: int) -> bool:
    """Take the stock (locking the reward row until COMMIT); False if there is not enough."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    taken = Reward.objects.filter(pk=reward_id, active=True, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    return taken == 1


def _lock_order_rows(order: Order) -> tuple[Held, Order]:
    """Lock in the fixed order: the resident's account, the reward, the order."""
    held = hold(order.resident, AccountKind.REDEMPTION)
    Reward.objects.select_for_update().filter(pk=order.reward_id).first()
    locked = Order.objects.select_for_update().select_related("reward").get(pk=order.pk)
    return held, locked


def _refund(actor: Actor, held: Held, order: Order, kind: str, note: str) -> Posting:
    refund = write_refund(
        order, held=held, actor=actor, memo=(note or kind)[:200], now=timezone.now()
    )
    Reward.objects.filter(pk=order.reward_id).update(stock=F("stock") + order.quantity)
    return refund


def _close(order: Order, actor: Actor, status: str, note: str) -> None:
    order.status = status
    order.closed_by = acting_user(actor)
    order.closed_at = timezone.now()
    order.close_note = _text(note, 200)


def order_cancel(*, actor: Actor, order: Order, reason: str = "") -> Order:
    """Staff, or the resident who owns the order, cancel an open order: the points come
    back by a REFUND posting that names the original, and the stock comes back."""
    resident = order.resident
    own = _is_own(actor, resident)
    staff = policies.can(actor, PointsAction.ORDER_MANAGE, resident.household)
    if not (own or staff):
        raise NotFound(_("找不到该订单"))
    role = workflows.STAFF if staff else workflows.RESIDENT
    note = _text(reason, 200, _("取消理由")) or _("取消兑换")
    with transaction.atomic(durable=True):
        held, locked = _lock_order_rows(order)
        if locked.status not in workflows.ORDER_OPEN:
            raise Conflict(
                _("该订单已%(status)s，不能取消") % {"status": locked.get_status_display()}
            )
        target = workflows.transition(workflows.ORDER, locked.status, "cancel", role)
        locked.refund_posting = _refund(actor, held, locked, "cancel", note)
        _close(locked, actor, target, note)
        locked.save(
            update_fields=["status", "refund_posting", "closed_by", "closed_at", "close_note"]
        )
        audit_record(
            actor=actor,
            action="shop.cancel",
            target=locked,
            place_id=resident.household_id,
            data={"points": locked.points, "quantity": locked.quantity, "reason": note},
        )
    return locked


def order_fulfil(*, actor: Actor, order: Order, note: str = "") -> Order:
    """Staff hand goods over: the order is fulfilled (its points stay redeemed)."""
    if not policies.can(actor, PointsAction.ORDER_MANAGE, order.resident.household):
        raise NotFound(_("找不到该订单"))
    with transaction.atomic(durable=True):
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.FULFILLED:
            raise Conflict(_("该订单已领取，不能重复登记"))
        target = workflows.transition(workflows.ORDER, locked.status, "fulfil", workflows.STAFF)
        _close(locked, actor, target, note)
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        audit_record(
            actor=actor,
            action="shop.fulfil",
            target=locked,
            place_id=order.resident.household_id,
            data={"reward": locked.reward_id, "quantity": locked.quantity},
        )
    return locked


def voucher_find_for_sponsor(actor: Actor, code: str) -> Order:
    """The order behind a voucher code, if the actor is the sponsor of its reward (the
    user linked to the sponsor, holding the sponsor role on that community)."""
    code = normalize_voucher_code(code)
    user_id = getattr(actor, "pk", None)
    if not code or not user_id:
        raise NotFound(_("找不到该兑换码"))
    order = (
        Order.objects.select_related("reward", "reward__sponsor", "resident")
        .filter(voucher_code=code)
        .first()
    )
    if order is None or not _may_confirm(actor, order):
        raise NotFound(_("找不到该兑换码"))
    return order


def _may_confirm(actor: Actor, order: Order) -> bool:
    sponsor = order.reward.sponsor
    if sponsor is None or sponsor.user_id is None or sponsor.user_id != getattr(actor, "pk", 0):
        return False
    return policies.can(actor, PointsAction.VOUCHER_CONFIRM, _community(order.community_id))


def voucher_confirm(
    *, actor: Actor, code: str | None = None, order: Order | None = None, note: str = ""
) -> Order:
    """The sponsor confirms a service voucher once the service is done. Only the reward's
    own sponsor may (anyone else: not found); a voucher is confirmed once."""
    if order is None:
        order = voucher_find_for_sponsor(actor, code or "")
    elif not _may_confirm(actor, order):
        raise NotFound(_("找不到该兑换码"))
    with transaction.atomic(durable=True):
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == OrderStatus.CONFIRMED:
            raise Conflict(
                _("兑换码 %(code)s 已于 %(when)s 确认过，不能重复确认")
                % {
                    "code": locked.voucher_code,
                    "when": timezone.localtime(locked.closed_at or timezone.now()).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                }
            )
        if locked.status != OrderStatus.VOUCHER:
            raise Conflict(
                _("兑换码 %(code)s 已%(status)s，不能确认")
                % {"code": locked.voucher_code, "status": locked.get_status_display()}
            )
        target = workflows.transition(workflows.ORDER, locked.status, "confirm", workflows.SPONSOR)
        _close(locked, actor, target, note)
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        audit_record(
            actor=actor,
            action="shop.voucher_confirm",
            target=locked,
            place_id=locked.community_id,
            data={"code": locked.voucher_code, "reward": locked.reward_id},
        )
    return locked


def orders_expire(
    *, actor: Actor = SYSTEM, now: dt.datetime | None = None, community: Place | None = None
) -> int:
    """Expire open orders of windows that closed more than ``EXPIRY_GRACE`` ago: points and
    stock go back. Each order in its own transaction; running it again changes nothing.
    Returns how many orders were expired."""
    when = now or timezone.now()
    if not is_system(actor) and (
        community is None or not policies.can(actor, PointsAction.ORDER_MANAGE, community)
    ):
        raise NotFound(_("找不到该社区"))
    due = Order.objects.filter(
        status__in=list(workflows.ORDER_OPEN), window__closes_at__lt=when - EXPIRY_GRACE
    )
    if community is not None:
        due = due.filter(community=community)
    expired = 0
    for order in due.select_related("resident", "resident__household").order_by("pk"):
        role = workflows.SYSTEM if is_system(actor) else workflows.STAFF
        with transaction.atomic(durable=True):
            held, locked = _lock_order_rows(order)
            if locked.status not in workflows.ORDER_OPEN:
                continue  # cancelled, fulfilled or expired meanwhile
            target = workflows.transition(workflows.ORDER, locked.status, "expire", role)
            note = _("兑换期结束后 %(days)d 天未领取/未使用，积分退回") % {
                "days": EXPIRY_GRACE.days
            }
            locked.refund_posting = _refund(actor, held, locked, "expire", note)
            _close(locked, actor, target, note)
            locked.save(
                update_fields=["status", "refund_posting", "closed_by", "closed_at", "close_note"]
            )
            audit_record(
                actor=actor,
                action="shop.expire",
                target=locked,
                place_id=order.resident.household_id,
                data={"points": locked.points, "quantity": locked.quantity},
            )
            expired += 1
    return expired
