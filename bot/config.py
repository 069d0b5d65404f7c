"""Settings, read once from the environment.

Every setting the bot understands is declared here, with its default, so that `.env.example`, the
README and the code cannot drift apart (a test holds `.env.example` to this list).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A setting has a value the bot cannot use; the message names the variable."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, *, name: str = "duration") -> timedelta:
    """Parse `90`, `45s`, `30m`, `12h`, `7d` or `2w` into a timedelta."""
    match = _DURATION.match(text or "")
    if not match:
        raise ConfigError(f"{name}: {text!r} is not a duration (use e.g. 30s, 15m, 12h, 7d)")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "canweship"


@dataclass(frozen=True)
class Settings:
    """All runtime settings. Build with `Settings.from_env()`; tests pass overrides directly."""

    database_url: str = ""
    data_dir: Path = field(default_factory=default_data_dir)
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    web_concurrency: int = 2  # granian worker processes for `canweship serve`
    web_threads: int = 8  # threads per worker
    access_log: bool = False  # one line per HTTP request on stdout
    admins: tuple[str, ...] = ()
    alert_channel: str | None = None
    review_channel: str | None = None  # review cases; None: the alert channel
    # Screening thresholds, on the 0-100 score scale.
    strong_match: float = 90.0
    review_match: float = 80.0
    stale_after: timedelta = timedelta(days=7)
    # Reminders.
    timezone: str = "America/New_York"
    reminder_hour: int = 9
    reminder_offsets: tuple[int, ...] = (30, 14, 7, 3, 1, 0, -1)
    tick_interval: timedelta = timedelta(seconds=30)
    claim_lease: timedelta = timedelta(minutes=5)
    # A question's claim (its intake row and its event): after this, another process answers it.
    answer_lease: timedelta = timedelta(minutes=2)
    # Write each question to the store before Slack is acknowledged (off only to measure it).
    durable_intake: bool = True
    # List sync.
    sync_url: str = (
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"
    )
    sync_interval: timedelta = timedelta(hours=6)
    min_record_ratio: float = 0.9
    keep_snapshots: int = 3
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_slack_credentials(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_app_token or self.slack_signing_secret))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value is not None and value.strip() != "" else None

        data_dir = Path(get("CANWESHIP_DATA_DIR") or default_data_dir()).expanduser()
        values["data_dir"] = data_dir
        values["database_url"] = get("DATABASE_URL") or f"sqlite:///{data_dir / 'canweship.db'}"
        values["slack_bot_token"] = get("SLACK_BOT_TOKEN")
        values["slack_app_token"] = get("SLACK_APP_TOKEN")
        values["slack_signing_secret"] = get("SLACK_SIGNING_SECRET")
        api_url = get("SLACK_API_URL") or cls.slack_api_url
        values["slack_api_url"] = api_url if api_url.endswith("/") else api_url + "/"
        if get("PORT"):
            values["port"] = _int(get("PORT"), "PORT", low=1, high=65535)
        if get("WEB_CONCURRENCY"):
            values["web_concurrency"] = _int(
                get("WEB_CONCURRENCY"), "WEB_CONCURRENCY", low=1, high=64
            )
        if get("CANWESHIP_WEB_THREADS"):
            values["web_threads"] = _int(
                get("CANWESHIP_WEB_THREADS"), "CANWESHIP_WEB_THREADS", low=1, high=256
            )
        if get("CANWESHIP_ACCESS_LOG"):
            values["access_log"] = (get("CANWESHIP_ACCESS_LOG") or "").lower() in {
                "1",
                "true",
                "yes",
                "on",
            }
        if get("CANWESHIP_ADMINS"):
            values["admins"] = tuple(
                u.strip() for u in (get("CANWESHIP_ADMINS") or "").split(",") if u.strip()
            )
        values["alert_channel"] = get("CANWESHIP_ALERT_CHANNEL")
        values["review_channel"] = get("CANWESHIP_REVIEW_CHANNEL")
        if get("CANWESHIP_STRONG_MATCH"):
            values["strong_match"] = _float(get("CANWESHIP_STRONG_MATCH"), "CANWESHIP_STRONG_MATCH")
        if get("CANWESHIP_REVIEW_MATCH"):
            values["review_match"] = _float(get("CANWESHIP_REVIEW_MATCH"), "CANWESHIP_REVIEW_MATCH")
        if get("CANWESHIP_STALE_AFTER"):
            values["stale_after"] = parse_duration(
                get("CANWESHIP_STALE_AFTER") or "", name="CANWESHIP_STALE_AFTER"
            )
        if get("CANWESHIP_TIMEZONE"):
            values["timezone"] = get("CANWESHIP_TIMEZONE")
        if get("CANWESHIP_REMINDER_HOUR"):
            values["reminder_hour"] = _int(
                get("CANWESHIP_REMINDER_HOUR"), "CANWESHIP_REMINDER_HOUR", low=0, high=23
            )
        if get("CANWESHIP_REMINDER_OFFSETS"):
            values["reminder_offsets"] = _offsets(get("CANWESHIP_REMINDER_OFFSETS") or "")
        if get("CANWESHIP_TICK_INTERVAL"):
            values["tick_interval"] = parse_duration(
                get("CANWESHIP_TICK_INTERVAL") or "", name="CANWESHIP_TICK_INTERVAL"
            )
        if get("CANWESHIP_CLAIM_LEASE"):
            values["claim_lease"] = parse_duration(
                get("CANWESHIP_CLAIM_LEASE") or "", name="CANWESHIP_CLAIM_LEASE"
            )
        if get("CANWESHIP_ANSWER_LEASE"):
            values["answer_lease"] = parse_duration(
                get("CANWESHIP_ANSWER_LEASE") or "", name="CANWESHIP_ANSWER_LEASE"
            )
        if get("CANWESHIP_DURABLE_INTAKE"):
            values["durable_intake"] = (get("CANWESHIP_DURABLE_INTAKE") or "").lower() not in {
                "0",
                "false",
                "no",
                "off",
            }
        if get("CANWESHIP_SYNC_URL"):
            values["sync_url"] = get("CANWESHIP_SYNC_URL")
        if get("CANWESHIP_SYNC_INTERVAL"):
            values["sync_interval"] = parse_duration(
                get("CANWESHIP_SYNC_INTERVAL") or "", name="CANWESHIP_SYNC_INTERVAL"
            )
        if get("CANWESHIP_MIN_RECORD_RATIO"):
            values["min_record_ratio"] = _float(
                get("CANWESHIP_MIN_RECORD_RATIO"), "CANWESHIP_MIN_RECORD_RATIO", high=1.0
            )
        if get("CANWESHIP_KEEP_SNAPSHOTS"):
            values["keep_snapshots"] = _int(
                get("CANWESHIP_KEEP_SNAPSHOTS"), "CANWESHIP_KEEP_SNAPSHOTS", low=1, high=1000
            )
        if get("CANWESHIP_LOG_LEVEL"):
            values["log_level"] = (get("CANWESHIP_LOG_LEVEL") or "INFO").upper()
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"CANWESHIP_TIMEZONE: unknown time zone {self.timezone!r}") from exc
        if not 0 < self.review_match <= self.strong_match <= 100:
            raise ConfigError(
                "CANWESHIP_REVIEW_MATCH must be above 0 and at most CANWESHIP_STRONG_MATCH (≤ 100)"
            )

    def redacted(self) -> dict[str, str]:
        """Settings as text with secrets masked, safe for logs and `status`."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in {"slack_bot_token", "slack_app_token", "slack_signing_secret"}:
                value = "set" if value else "unset"
            elif f.name == "database_url":
                value = redact_url(str(value))
            out[f.name] = str(value)
        return out


def redact_url(url: str) -> str:
    """Hide the password in a database URL (`postgresql://u:secret@h/db` → `u:***@h`)."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _int(text: str | None, name: str, *, low: int, high: int) -> int:
    try:
        value = int(text or "")
    except ValueError as exc:
        raise ConfigError(f"{name}: {text!r} is not a whole number") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is outside {low}..{high}")
    return value


def _float(text: str | None, name: str, *, high: float = 100.0) -> float:
    try:
        value = float(text or "")
    except ValueError as exc:
        raise ConfigError(f"{name}: {text!r} is not a number") from exc
    if not 0 <= value <= high:
        raise ConfigError(f"{name}: {value} is outside 0..{high}")
    return value


def _offsets(text: str) -> tuple[int, ...]:
    try:
        offsets = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    except ValueError as exc:
        raise ConfigError(
            f"CANWESHIP_REMINDER_OFFSETS: {text!r} must be whole days, e.g. 30,14,7,3,1,0,-1"
        ) from exc
    if not offsets:
        raise ConfigError("CANWESHIP_REMINDER_OFFSETS: give at least one offset in days")
    return tuple(offsets)


ENV_VARS: tuple[str, ...] = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "WEB_CONCURRENCY",
    "CANWESHIP_WEB_THREADS",
    "CANWESHIP_ACCESS_LOG",
    "CANWESHIP_DATA_DIR",
    "CANWESHIP_ADMINS",
    "CANWESHIP_ALERT_CHANNEL",
    "CANWESHIP_REVIEW_CHANNEL",
    "CANWESHIP_STRONG_MATCH",
    "CANWESHIP_REVIEW_MATCH",
    "CANWESHIP_STALE_AFTER",
    "CANWESHIP_TIMEZONE",
    "CANWESHIP_REMINDER_HOUR",
    "CANWESHIP_REMINDER_OFFSETS",
    "CANWESHIP_TICK_INTERVAL",
    "CANWESHIP_CLAIM_LEASE",
    "CANWESHIP_ANSWER_LEASE",
    "CANWESHIP_DURABLE_INTAKE",
    "CANWESHIP_SYNC_URL",
    "CANWESHIP_SYNC_INTERVAL",
    "CANWESHIP_MIN_RECORD_RATIO",
    "CANWESHIP_KEEP_SNAPSHOTS",
    "CANWESHIP_LOG_LEVEL",
)
