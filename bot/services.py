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

    def warm(self) -> None:
        """Build the name index of the list in use in this process, now (raises if the store
        cannot be read). A web worker does this before it accepts traffic."""
        with session_scope(self.engine) as session:
            snap = current_snapshot(session)
        if snap is not None and snap.id is not None:
            self.screener.cache.warm(self.engine, snap.id)

    def readiness(self) -> str | None:
        """None when this process is ready to answer fast, else why not. Ready means: the store
        answers, and the index of the list in use is built here (a newer list's index is then
        built beside it, and the old one answers meanwhile, so readiness does not drop)."""
        try:
            with session_scope(self.engine) as session:
                snap = current_snapshot(session)
        except Exception as exc:
            return f"the store cannot be read ({type(exc).__name__})"
        if snap is None or snap.id is None:
            return None  # no list: nothing to build; answers fail closed and say so
        if self.screener.cache.ready(snap.id):
            return None
        if self.screener.cache.loaded is not None:
            self.screener.cache.get(self.engine, snap.id)  # builds the new index beside
            return None
        return f"building the name index of list version {snap.version}"

    def warm_up(self) -> threading.Thread:
        """Build the name index in the background so the first question is fast."""

        def build() -> None:
            try:
                self.warm()
            except Exception:  # warm-up is an optimisation; the first question retries
                logging.getLogger(__name__).exception("index warm-up failed")

        thread = threading.Thread(target=build, name="index-warm-up", daemon=True)
        thread.start()
        return thread
