"""Shared fixtures: a fresh store on SQLite and on PostgreSQL, settings, and the shared data."""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.cli.main import main
from bot.config import Settings
from bot.localslack.fake_api import FakeSlackAPI
from bot.runtime.wiring import build_services
from bot.services import Services
from storage.db import dispose_engines

REPO = Path(__file__).resolve().parents[1]
FIXTURE_LIST = REPO / "storage" / "fixtures" / "demo_csl.json"
SHARED_DATA = Path(os.environ.get("CANWESHIP_SHARED_DATA") or REPO.parent / "shared" / "data")
POSTGRES_URL = os.environ.get(
    "CANWESHIP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")


@functools.cache
def postgres_unreachable_reason() -> str | None:
    """None when the test PostgreSQL answers, else why not (shown as the skip reason)."""
    if os.environ.get("CANWESHIP_TEST_POSTGRES", "").lower() in {"0", "no", "off"}:
        return "PostgreSQL tests turned off by CANWESHIP_TEST_POSTGRES=0"
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PostgreSQL at {POSTGRES_URL} ({first}); set CANWESHIP_TEST_POSTGRES_URL"
    return None


_SCRUBBED = ("SLACK_", "DATABASE_URL", "CANWESHIP_", "PORT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's tokens or store; Bolt reads SLACK_* implicitly."""
    for name in list(os.environ):
        if name.startswith(_SCRUBBED) and name not in (
            "CANWESHIP_TEST_POSTGRES_URL",
            "CANWESHIP_TEST_POSTGRES",
            "CANWESHIP_SHARED_DATA",
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANWESHIP_DATA_DIR", str(tmp_path / "data"))
    yield
    dispose_engines()


def _postgres_schema_url() -> Iterator[str]:
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()
        _drop_schema(admin, schema)
        admin.dispose()


def _drop_schema(admin: Any, schema: str) -> None:
    """Drop a test's schema. A background thread the test left (a batch of completions, an
    index build) may still be reading or writing it, and PostgreSQL then ends one of the two
    with a deadlock error: wait for it and try again."""
    for attempt in range(5):
        try:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5)


def store_url(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty store: a SQLite file in `directory`, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'store.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store on each backend."""
    yield from store_url(request.param, tmp_path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def store_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the process environment (and so the CLI) at the test store."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        env={"DATABASE_URL": database_url, "CANWESHIP_DATA_DIR": str(tmp_path / "data")}
    )


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "csl_composite.json").exists():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set CANWESHIP_SHARED_DATA)")
    return SHARED_DATA


# ---- a store with the demo list, and the fake Slack -------------------------------------------


@pytest.fixture
def make_svc(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Services]:
    """Make the services for a store at `url` with the demo list (or `list_path`) imported.

    The process environment (and so the CLI) points at the store and holds `env`; each of
    `commands` is then run through the CLI (e.g. ``["watch", "C0LIC"]``), and must succeed.
    """

    def make(
        url: str,
        *commands: list[str],
        env: dict[str, str] | None = None,
        list_path: Path = FIXTURE_LIST,
    ) -> Services:
        monkeypatch.setenv("DATABASE_URL", url)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        for argv in (["import", str(list_path)], *commands):
            assert main(argv) == 0, argv
        capsys.readouterr()
        return build_services(Settings.from_env())

    return make


@pytest.fixture
def demo(store_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo list imported into the `store_env` store, through the CLI."""
    assert main(["import", str(FIXTURE_LIST)]) == 0
    capsys.readouterr()


@pytest.fixture
def svc_env() -> dict[str, str]:
    """Extra environment for `svc` (admins, alert channel...): a module overrides it."""
    return {}


@pytest.fixture
def svc_commands() -> list[list[str]]:
    """CLI commands run on the `svc` store after the import: a module overrides it."""
    return []


@pytest.fixture
def svc(
    make_svc: Callable[..., Services],
    database_url: str,
    svc_env: dict[str, str],
    svc_commands: list[list[str]],
) -> Services:
    """The services for a store on each backend with the demo list imported."""
    return make_svc(database_url, *svc_commands, env=svc_env)


@pytest.fixture
def services(make_svc: Callable[..., Services], sqlite_url: str) -> Services:
    """The demo-list store on SQLite only, for tests that do not depend on the backend."""
    return make_svc(sqlite_url)


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    """A fake Slack Web API on a local port."""
    with FakeSlackAPI() as api:
        yield api
