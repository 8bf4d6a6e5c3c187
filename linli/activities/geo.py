"""Where a scan was made: the phone's reported position, the great-circle distance to the
activity's check-in point, and the check an organiser can ask for (a setting per activity:
a point in WGS-84 and a radius in metres).

Pure (no ORM): the services call ``check_position`` under the activity's row lock, so a web
page, an API or a management command all get the same refusal. Positions come from the
phone's browser (``navigator.geolocation``) and are what the phone says: the check stops a
forwarded screenshot used from home, not someone who fakes their phone's position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from linli.core.errors import DomainError, ValidationFailed

from .choices import Direction

EARTH_RADIUS_M = 6_371_008.8  # the mean Earth radius (IUGG), metres
RADIUS_MIN_M = 20  # below this a phone's fix (5–50 m outdoors) refuses honest people
RADIUS_MAX_M = 5000  # beyond this the check means nothing
RADIUS_DEFAULT_M = 200
MAX_ACCURACY_M = 100_000.0  # a reported accuracy beyond this is not a position at all
SIX_PLACES = Decimal("0.000001")  # about 0.1 m: what the columns keep
_MAX_RAW = 32  # characters of a number as typed or posted


class LocationRejected(DomainError):
    """The activity asks for the phone's position near its place, and the scan has none,
    or one too far away."""

    code = "location"


@dataclass(frozen=True)
class Position:
    """A phone's position: latitude and longitude in degrees (WGS-84), and the accuracy the
    phone reports (metres, a 95 % radius; None when not given)."""

    lat: float
    lng: float
    accuracy_m: float | None = None

    def __post_init__(self) -> None:
        for value in (self.lat, self.lng, self.accuracy_m):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationFailed(_("位置数据无效，请重新定位"))
            if not math.isfinite(value):
                raise ValidationFailed(_("位置数据无效，请重新定位"))
        if not -90 <= self.lat <= 90 or not -180 <= self.lng <= 180:
            raise ValidationFailed(_("位置数据无效，请重新定位"))
        if self.accuracy_m is not None and not 0 <= self.accuracy_m <= MAX_ACCURACY_M:
            raise ValidationFailed(_("位置数据无效，请重新定位"))

    @classmethod
    def parse(cls, lat: object, lng: object, accuracy: object = "") -> Position | None:
        """From posted text: None when latitude and longitude are both empty (no position
        given); ValidationFailed for anything that is not a finite number in range."""
        raw_lat, raw_lng, raw_acc = (str(v or "").strip() for v in (lat, lng, accuracy))
        if not raw_lat and not raw_lng:
            return None
        return cls(
            lat=_number(raw_lat),
            lng=_number(raw_lng),
            accuracy_m=_number(raw_acc) if raw_acc else None,
        )


def _number(raw: str) -> float:
    if not raw or len(raw) > _MAX_RAW:
        raise ValidationFailed(_("位置数据无效，请重新定位"))
    try:
        value = float(raw)
    except ValueError:
        raise ValidationFailed(_("位置数据无效，请重新定位")) from None
    if not math.isfinite(value):
        raise ValidationFailed(_("位置数据无效，请重新定位"))
    return value


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres between two WGS-84 points (haversine on a
    sphere of the mean radius: within 0.5 % of the ellipsoid, plenty for a radius check)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def format_distance(metres: float) -> str:
    """For people: "350 米" under a kilometre (to 10 m), else "1.2 公里"."""
    if metres < 1000:
        return _("%(n)d 米") % {"n": max(10, int(round(metres, -1)))}
    return _("%(n)s 公里") % {"n": f"{metres / 1000:.1f}"}


def _decimal(value: object, low: int, high: int) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(_("签到地点的经纬度无效"))
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValidationFailed(_("签到地点的经纬度无效")) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationFailed(_("签到地点的经纬度无效"))
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN)


def clean_checkin(
    lat: object, lng: object, radius_m: object
) -> tuple[Decimal, Decimal, int] | tuple[None, None, None]:
    """The activity's check-in point and radius, all three or none (None, None, None: no
    position asked for). Refuses a half-filled setting, a point off the globe, a radius
    outside 20..5000 m."""
    given = [v not in (None, "") for v in (lat, lng, radius_m)]
    if not any(given):
        return None, None, None
    if not given[0] or not given[1]:
        raise ValidationFailed(_("要求定位签到时，请在地图上标出活动地点"))
    if not given[2]:
        raise ValidationFailed(_("要求定位签到时，请填写签到范围（米）"))
    clean_lat = _decimal(lat, -90, 90)
    clean_lng = _decimal(lng, -180, 180)
    if isinstance(radius_m, bool) or not isinstance(radius_m, int):
        raise ValidationFailed(_("签到范围必须是整数（米）"))
    if not RADIUS_MIN_M <= radius_m <= RADIUS_MAX_M:
        raise ValidationFailed(
            _("签到范围应在 %(a)d 到 %(b)d 米之间") % {"a": RADIUS_MIN_M, "b": RADIUS_MAX_M}
        )
    return clean_lat, clean_lng, radius_m


def check_position(
    *,
    lat: Decimal | None,
    lng: Decimal | None,
    radius_m: int | None,
    position: Position | None,
    direction: str,
) -> float | None:
    """Refuse (LocationRejected) unless ``position`` lies within ``radius_m`` of the point.
    No point set: nothing is asked, returns None. Otherwise returns the distance in metres.
    The reported accuracy never widens the radius (the phone reports it, so anyone can)."""
    if lat is None or lng is None or radius_m is None:
        return None
    if position is None:
        raise LocationRejected(
            _(
                "这场活动要求在活动地点附近签到，需要知道您手机的位置。"
                "请允许定位：浏览器询问时点“允许”，或在手机设置里为浏览器或微信打开定位，然后再点一次。"
            ),
            code="location_missing",
        )
    metres = distance_m(float(lat), float(lng), position.lat, position.lng)
    if metres <= radius_m:
        return metres
    params = {"distance": format_distance(metres), "radius": radius_m}
    if direction == Direction.OUT:
        text = _("您距离活动地点约 %(distance)s，需在 %(radius)d 米内签退") % params
    else:
        text = _("您距离活动地点约 %(distance)s，需在 %(radius)d 米内签到") % params
    if position.accuracy_m is not None and position.accuracy_m > radius_m:
        text += _("（手机定位误差约 %(accuracy)s：请打开 GPS 或到室外后再试）") % {
            "accuracy": format_distance(position.accuracy_m)
        }
    raise LocationRejected(text, code="location_far")
