"""Notifications: the inbox and the e-mail digest address."""
