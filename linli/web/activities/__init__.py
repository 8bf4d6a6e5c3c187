"""Volunteer activities: publishing, signing up, the organiser's screen, scanning, volunteer
records and teams."""
