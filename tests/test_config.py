"""Settings: defaults, validation, and `.env.example` listing every variable the code reads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.config import ENV_VARS, ConfigError, Settings, parse_duration, redact_url
from tests.conftest import REPO


def test_env_example_lists_exactly_the_settings_the_code_reads():
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert listed == set(ENV_VARS)
    source = (REPO / "bot" / "config.py").read_text()
    read = set(re.findall(r'get\("([A-Z][A-Z0-9_]+)"\)', source))
    read.discard("XDG_DATA_HOME")  # the freedesktop standard, not ours
    assert read == set(ENV_VARS)


def test_defaults_use_a_sqlite_file_in_the_data_dir(tmp_path):
    s = Settings.from_env(env={"CANWESHIP_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'canweship.db'}"
    assert s.stale_after == timedelta(days=7)
    assert s.reminder_offsets == (30, 14, 7, 3, 1, 0, -1)
    assert s.slack_api_url == "https://slack.com/api/"
    assert not s.has_slack_credentials


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CANWESHIP_STALE_AFTER": "soon"}, "CANWESHIP_STALE_AFTER: 'soon' is not a duration"),
        ({"CANWESHIP_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"PORT": "http"}, "PORT: 'http' is not a whole number"),
        ({"CANWESHIP_REMINDER_OFFSETS": "30,x"}, "must be whole days"),
        ({"CANWESHIP_STRONG_MATCH": "70", "CANWESHIP_REVIEW_MATCH": "80"}, "at most"),
    ],
)
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.from_env(env=env)


def test_durations_and_redaction():
    assert parse_duration("12h") == timedelta(hours=12)
    assert parse_duration("90") == timedelta(seconds=90)
    assert (
        redact_url("postgresql+psycopg://u:s3cret@h:5432/db")
        == "postgresql+psycopg://u:***@h:5432/db"
    )
    s = Settings.from_env(env={"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "abc"})
    assert "xoxb-secret" not in str(s.redacted()) and "abc" not in s.redacted().values()


def test_slack_api_url_gets_a_trailing_slash_for_govslack():
    s = Settings.from_env(env={"SLACK_API_URL": "https://slack-gov.com/api"})
    assert s.slack_api_url == "https://slack-gov.com/api/"
