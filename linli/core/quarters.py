"""Calendar periods in China's time zone: days, months and quarters.

A community may shift its quarters (``start_month`` 1 = calendar quarters Jan/Apr/Jul/Oct;
2 = Feb/May/Aug/Nov …); every figure names its quarter by the year and number of the
quarter's first month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4
    start: dt.date
    end: dt.date  # exclusive

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year} 年第 {self.number} 季度"


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_of(day: dt.date, start_month: int = 1) -> Quarter:
    if not 1 <= start_month <= 3:
        raise ValueError("start_month is 1, 2 or 3")
    offset = (day.month - start_month) % 3
    start = _add_months(dt.date(day.year, day.month, 1), -offset)
    number = (start.month - start_month) // 3 + 1
    return Quarter(year=start.year, number=number, start=start, end=_add_months(start, 3))


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, day.month, 1)
    return start, _add_months(start, 1)


def day_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    return day, day + dt.timedelta(days=1)
