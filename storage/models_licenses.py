"""Tables for license decisions, watched channels and admins' data changes."""

from __future__ import annotations
