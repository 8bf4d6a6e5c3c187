"""Bounds on the numbers people enter for activities and hours; the services refuse anything
outside them, the forms show them, the models carry them as validators."""

from __future__ import annotations

MAX_CAPACITY = 1000  # places on one activity
MAX_HALF_HOURS = 48  # one line of hours: at most a day (24 hours)
MAX_SIGNIN_OPEN_MINUTES = 240
