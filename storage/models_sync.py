"""Tables for list sync state and counterparties."""

from __future__ import annotations
