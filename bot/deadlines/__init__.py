"""Deadlines on record and the reminders sent before they pass."""
