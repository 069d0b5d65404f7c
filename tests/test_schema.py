"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from storage.db import get_engine, upgrade
from storage.events import claim_event, complete_event
from storage.types import utcnow


def test_migrations_match_models(database_url):
    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(database_url):
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    assert upgrade(database_url) == upgrade(database_url) == head


def test_an_event_is_claimed_once_until_its_lease_runs_out(database_url):
    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    lease = timedelta(seconds=60)
    now = utcnow()
    assert claim_event(engine=engine, event_id="Ev1", owner="a", lease=lease, now=now)
    assert not claim_event(engine=engine, event_id="Ev1", owner="b", lease=lease, now=now)
    # owner a died: after the lease, b takes over, once
    later = now + timedelta(seconds=61)
    assert claim_event(engine=engine, event_id="Ev1", owner="b", lease=lease, now=later)
    assert not claim_event(engine=engine, event_id="Ev1", owner="c", lease=lease, now=later)
    complete_event(engine=engine, event_id="Ev1")
    much_later = now + timedelta(days=1)
    assert not claim_event(engine=engine, event_id="Ev1", owner="d", lease=lease, now=much_later)
