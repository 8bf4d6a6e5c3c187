"""Signing in and out, the password, the preferences and the home page."""
