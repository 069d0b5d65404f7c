"""Announcements read from watched channels: parsing, fields, patterns, recording."""
