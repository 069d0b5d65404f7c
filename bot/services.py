"""The long-lived objects one process shares between its Slack listeners, CLI and scheduler."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.announcements.service import AnnouncementService
from bot.answers.screener import Screener
from bot.config import Settings
from bot.licensing.extensions import Extensions
from bot.licensing.licenses import Licenses
from storage.db import session_scope
from storage.events import Completions
from storage.importer import current_snapshot


@dataclass
class Services:
    settings: Settings
    engine: Engine
    screener: Screener
    instance_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    completions: Completions = field(init=False)
    #: License decisions, extensions and announcements, built once over the same screener.
    licenses: Licenses = field(init=False)
    extensions: Extensions = field(init=False)
    announcements: AnnouncementService = field(init=False)

    def __post_init__(self) -> None:
        self.completions = Completions(self.engine)
        self.licenses = Licenses(self.settings, self.engine, self.screener)
        self.extensions = Extensions(self.settings, self.engine, self.screener)
        self.announcements = AnnouncementService(self.licenses)

    def warm_up(self) -> threading.Thread:
        """Build the name index in the background so the first question is fast."""

        def build() -> None:

            try:
                with session_scope(self.engine) as session:
                    snap = current_snapshot(session)
                if snap is not None and snap.id is not None:
                    self.screener.cache.get(self.engine, snap.id)
            except Exception:  # warm-up is an optimisation; the first question retries
                logging.getLogger(__name__).exception("index warm-up failed")

        thread = threading.Thread(target=build, name="index-warm-up", daemon=True)
        thread.start()
        return thread
