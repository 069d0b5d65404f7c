"""What every entry point needs: settings and an upgraded store."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from storage.db import StoreUnavailable, describe_location, get_engine, upgrade


@dataclass
class Runtime:
    settings: Settings
    engine: Engine

    @property
    def store_location(self) -> str:
        return describe_location(self.settings.database_url)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name


def open_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    """Connect to the store named by the settings and bring its schema up to date."""
    settings = settings or Settings.from_env()
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = get_engine(settings.database_url)
    if migrate:
        try:
            upgrade(settings.database_url, engine=engine)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(
                f"cannot open the store at {describe_location(settings.database_url)}: "
                f"{type(exc.orig or exc).__name__}: {str(exc.orig or exc).splitlines()[0]}"
            ) from exc
    return Runtime(settings=settings, engine=engine)
