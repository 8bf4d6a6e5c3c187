"""Where ``linli demo`` may run.

The demo creates sign-ins whose password is published in the README — among them the
operator 13907160008, a superuser with /admin/. So the command loads it only

- when ``LINLI_DEBUG`` is on (a developer's machine, ``make demo``), or told ``--force``; and
- into a database with no people and no places yet, or one that already holds the demo
  (its ``DemoMarker``, written before the first load). No flag lifts this one: the demo is
  never mixed into a database with real residents.

``load_heping`` itself is not guarded: it is the library the tests call on their own
database; the command is the door an operator could walk through.
"""

from __future__ import annotations

from django.db import transaction

from linli.people.models import Resident, User
from linli.places.models import Place

from .models import DemoMarker

MARKER = "heping"


class DemoRefused(Exception):
    """``linli demo`` will not run here; the message says why, in Chinese."""


def holds_demo() -> bool:
    return DemoMarker.objects.filter(key=MARKER).exists()


def is_empty() -> bool:
    """No people (accounts, residents) and no places: a freshly migrated database."""
    return not (Place.objects.exists() or User.objects.exists() or Resident.objects.exists())


def check_demo_allowed(*, debug: bool, force: bool) -> None:
    """Raise DemoRefused unless the demo may be loaded here; reads, never writes."""
    if not debug and not force:
        raise DemoRefused(
            "拒绝载入演示数据：LINLI_DEBUG 未开启，这可能是正式环境。演示数据会创建密码公开的"
            "账号（其中 13907160008 是可进入 /admin/ 的超级管理员）。开发环境请用 make demo"
            "（或设置 LINLI_DEBUG=1）；确需在未开启调试的空数据库上载入，请加 --force。"
        )
    if holds_demo() or is_empty():
        return
    raise DemoRefused(
        "拒绝载入演示数据：这个数据库里已有人员或地点，但不是演示数据库（没有演示数据标记）。"
        "演示数据只能载入空数据库或之前由 linli demo 建立的演示数据库；--force 也不能绕过这一点。"
        "如果这是旧版 make demo 建的演示库，请先 make clean-demo 再 make demo。"
    )


def mark_demo() -> None:
    """Record, before the first write of the load, that this database holds the demo (so a
    load interrupted half way may be run again). Re-checks under the transaction."""
    with transaction.atomic():
        if holds_demo():
            return
        if not is_empty():
            raise DemoRefused("拒绝载入演示数据：数据库在检查之后被写入了人员或地点。")
        DemoMarker.objects.get_or_create(key=MARKER)  # two loads at once: one row
