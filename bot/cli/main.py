"""The `canweship` command line (also `python -m bot`). Contract: ../shared/DESIGN.md.

Exit status: 0 on success (whatever a verdict says), 2 on bad input with a one-line reason,
1 when the store or another service the command needs is unavailable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli.common import Command, UsageError
from bot.config import ConfigError
from storage.csl import ListFormatError
from storage.db import StoreUnavailable
from storage.importer import ListSourceError


def build_parser() -> argparse.ArgumentParser:
    # (lazy: a command loads only what it runs)
    from bot import __version__
    from bot.cli import commands as cli_commands

    parser = argparse.ArgumentParser(
        prog="canweship",
        description="Export-control screening bot: screen parties, track licenses and expiries.",
    )
    parser.add_argument("--version", action="version", version=f"canweship {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except (UsageError, ConfigError, ListFormatError, ListSourceError) as exc:
        print(f"canweship: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"canweship: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("canweship: interrupted", file=sys.stderr)
        return 130
