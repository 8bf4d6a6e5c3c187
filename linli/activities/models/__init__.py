from .activity import Activity, ActivitySeries, ActivitySettings, Attendance, Signup
from .record import Certificate, Correction, ServiceHours

__all__ = [
    "Activity",
    "ActivitySeries",
    "ActivitySettings",
    "Attendance",
    "Certificate",
    "Correction",
    "ServiceHours",
    "Signup",
]
