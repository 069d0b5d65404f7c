"""Keeping the list current: sync, list changes, re-screening, staleness."""
