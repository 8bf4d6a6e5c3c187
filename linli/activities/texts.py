"""What the system tells people about activities, as data: the notice kinds (installed into
``linli.notifications``), each one template rendered in the reader's language when read
(``linli.core.texts``). Titles, names and reasons are parameters as they were typed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from linli.core.texts import TextRegistry

NOTICES = TextRegistry("activity notices")

N = NOTICES.add
N("activity.hours_added", _("社区为您补录了志愿服务时长 %(hours)s 小时（%(title)s）"))
N("activity.correction", _("您的时长更正申请已处理：更正 %(hours)s 小时"))
N("activity.correction_rejected", _("您的时长更正申请不予更正：%(answer)s"))
N("activity.points", _("参加“%(title)s”，积分 +%(points)s 已入账"))
N("activity.signup_pending", _("%(name)s 报名了“%(title)s”（%(when)s），等待您审核"))
N("activity.promoted", _("“%(title)s”（%(when)s）有空位了，您已从候补转为正式报名"))
N("activity.promoted_pending", _("“%(title)s”（%(when)s）有空位了，您的报名已转为待审核"))
N("activity.signup_decided", _("您报名的“%(title)s”（%(when)s）已通过审核"))
N("activity.signup_rejected", _("您报名的“%(title)s”（%(when)s）未通过：%(reason)s"))
N("activity.cancelled", _("活动“%(title)s”（%(when)s）已取消：%(reason)s"))
