from .activities import (
    activity_cancel,
    activity_checkin_set,
    activity_publish,
    activity_settings_update,
    rules_for_activities,
    series_create,
    series_generate,
)
from .attendance import (
    attendance_mark,
    attendance_scan,
    attendance_scan_check,
    attendance_sign_out_all,
)
from .closing import CloseResult, activity_close
from .records import (
    certificate_issue,
    correction_request,
    correction_settle,
    hours_add,
    hours_export_xlsx,
)
from .signups import signup_create, signup_decide, signup_withdraw

__all__ = [
    "CloseResult",
    "activity_cancel",
    "activity_checkin_set",
    "activity_close",
    "activity_publish",
    "activity_settings_update",
    "attendance_mark",
    "attendance_scan",
    "attendance_scan_check",
    "attendance_sign_out_all",
    "certificate_issue",
    "correction_request",
    "correction_settle",
    "hours_add",
    "hours_export_xlsx",
    "rules_for_activities",
    "series_create",
    "series_generate",
    "signup_create",
    "signup_decide",
    "signup_withdraw",
]
