"""Licenses, extensions, activities and destination policies on record."""
