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


def test_completions_written_in_the_background_stop_every_later_claim(database_url):
    import threading

    from sqlalchemy import select
    from sqlmodel import Session

    from storage.events import Completions
    from storage.models import ProcessedEvent

    engine = get_engine(database_url)
    upgrade(database_url, engine=engine)
    lease = timedelta(seconds=60)
    ids = [f"Ev{n}" for n in range(200)]
    for event_id in ids:
        assert claim_event(engine=engine, event_id=event_id, owner="a", lease=lease)
    completions = Completions(engine)

    def complete(part: list[str]) -> None:
        for event_id in part:
            completions.add(event_id)

    threads = [threading.Thread(target=complete, args=(ids[n::4],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert completions.flush(timeout=30)
    with Session(engine) as session:
        rows = session.execute(select(ProcessedEvent)).scalars().all()
    assert sorted(r.event_id for r in rows) == sorted(ids)
    assert all(r.completed_at is not None for r in rows)
    much_later = utcnow() + timedelta(days=1)
    assert not any(
        claim_event(engine=engine, event_id=event_id, owner="b", lease=lease, now=much_later)
        for event_id in ids
    )
