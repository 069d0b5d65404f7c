"""Slack markup in (to plain text) and out (escaping user text for the bot's own messages)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.markup import (
    MAX_INPUT_CHARS,
    escape_mrkdwn,
    escape_plain,
    mentions,
    to_plain_text,
)


@pytest.mark.parametrize(
    ("markup", "plain"),
    [
        ("<@U123> can we ship to Huawei?", "can we ship to Huawei?"),
        ("<@U123|bob> is Dahua listed", "is Dahua listed"),
        ("see <#C1|general>", "see #general"),
        ("see <#C1>", "see #C1"),
        ("<https://a.example|b>", "b"),
        ("<https://a.example>", "https://a.example"),
        ("<mailto:x@y|x@y>", "x@y"),
        ("<mailto:x@y>", "x@y"),
        ("<!channel> hi", "@channel hi"),
        ("<!here>", "@here"),
        ("<!everyone>", "@everyone"),
        ("<!subteam^S1|@team> look", "@team look"),
        ("<!subteam^S1>", "@subteam"),
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("Acme &amp; Sons &lt;b&gt;", "Acme & Sons <b>"),
        ("&amp;lt;", "&lt;"),  # unescaped once only
        ("&lt;script&gt;", "<script>"),
        ("<script>", "<script>"),  # not Slack markup: left visible for the parser to reject
        ("a  \n\t b", "a b"),
        ("```SELECT 1```", "SELECT 1"),
        ("```\nHuawei\n```", "Huawei"),
        ("is `Huawei` listed", "is Huawei listed"),
        ("*bold* _it_ ~strike~", "bold it strike"),
        ("*Huawei Technologies*", "Huawei Technologies"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("snake_case_name", "snake_case_name"),
        ("a\u202eb\u200bc", "abc"),  # bidi override and zero-width space dropped
        ("", ""),
    ],
)
def test_to_plain_text(markup: str, plain: str) -> None:
    assert to_plain_text(markup) == plain


def test_mentions_in_order_without_repeats() -> None:
    text = "<@U1> and <@U2|bob> and <@U1> in <#C9|x> <!here>"
    assert mentions(text) == ["U1", "U2"]
    assert mentions("no mentions") == []


def test_input_is_capped() -> None:
    assert len(to_plain_text("a" * 40_000)) == MAX_INPUT_CHARS


@pytest.mark.parametrize("bad", [None, 42, b"bytes"])
def test_non_strings_do_not_raise(bad: object) -> None:
    assert to_plain_text(bad) == ""  # type: ignore[arg-type]
    assert mentions(bad) == []  # type: ignore[arg-type]
    assert escape_mrkdwn(bad) == ""  # type: ignore[arg-type]
    assert escape_plain(bad) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("Acme & Sons", "Acme &amp; Sons"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<https://evil|bank>", "&lt;https://evil|bank&gt;"),
        ("@channel now", "@\u200dchannel now"),
        ("@HERE", "@\u200dHERE"),
        ("@everyone", "@\u200deveryone"),
        ("@channelx", "@channelx"),
        ("bob@here.com", "bob@\u200dhere.com"),
        ("&amp;", "&amp;amp;"),
    ],
)
def test_escape_mrkdwn(text: str, escaped: str) -> None:
    assert escape_mrkdwn(text) == escaped


def test_escape_plain_keeps_entities_but_neutralises_broadcasts() -> None:
    assert escape_plain("Acme & Sons <b> @here") == "Acme & Sons <b> @\u200dhere"


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_to_plain_text_never_raises(text: str) -> None:
    out = to_plain_text(text)
    assert isinstance(out, str)
    assert len(out) <= MAX_INPUT_CHARS


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("<>@#!|&;amplgt*_~`:/^ xU1")), max_size=200))
def test_to_plain_text_never_raises_on_markup_soup(text: str) -> None:
    to_plain_text(text)
    mentions(text)


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_escaped_text_has_no_live_markup(text: str) -> None:
    escaped = escape_mrkdwn(text)
    assert "<" not in escaped and ">" not in escaped
    for word in ("@channel", "@here", "@everyone"):
        assert word not in escaped.lower()
