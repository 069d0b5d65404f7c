"""What every command module shares: the command type and the one error a command raises for bad
input. Below bot/cli/main.py, which imports every command module to register it."""

from __future__ import annotations

import argparse
from collections.abc import Callable

Command = Callable[[argparse.Namespace], int]


class UsageError(ValueError):
    """Bad input from the person at the keyboard: printed as one line, exit status 2."""
