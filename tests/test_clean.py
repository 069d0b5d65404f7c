"""Names cleaned the same way on every path (issue 14 item 6)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.screening.clean import clean_party


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hua\u00adwei Technologies", "Huawei Technologies"),
        ("Hua\u200bwei Technologies", "Huawei Technologies"),
        ("Hua\u200dwei\u200e Technologies", "Huawei Technologies"),
        ("<https://www.huawei.com|Huawei>", "Huawei"),
        ("<b>Huawei</b>", "Huawei"),
        ("&lt;Hikvision&gt;", "Hikvision"),
        ("Hua&shy;wei", "Huawei"),
        ("\x1b[31mHuawei\x1b[0m", "Huawei"),
        ("=HUAWEI", "HUAWEI"),
        ("'=+Huawei'", "Huawei'"),
        ("@Huawei", "Huawei"),
        ("H U A W E I Technologies", "HUAWEI Technologies"),
        ("Acme\x00 GmbH\x07", "Acme GmbH"),
        ("AT&amp;T Inc.", "AT&T Inc."),
    ],
)
def test_markup_and_invisible_characters_are_removed(raw, expected):
    assert clean_party(raw).text == expected


def test_invisible_character_is_noted():
    assert "removed an invisible character" in clean_party("Hua\u200bwei").notes


@pytest.mark.parametrize(
    "raw", ["...", "\U0001f600\U0001f680", "<@U123ABC>", "<!channel>", "\x01\x02", ""]
)
def test_input_that_is_no_name_cleans_to_nothing(raw):
    assert clean_party(raw).text == ""


def test_junk_prefix_keeps_the_name_at_the_end():
    for junk in ("x" * 10_000 + " !!! ", "#" * 10_000, "-=" * 5000 + " "):
        assert clean_party(junk + "Huawei Technologies Co., Ltd.").text == (
            "Huawei Technologies Co., Ltd."
        )


def test_look_alike_letters_fold_to_latin_in_mixed_words():
    # Cyrillic Н and а inside a Latin word
    assert clean_party("\u041duawei").text == "Huawei"
    assert clean_party("Hu\u0430wei Technologies").text == "Huawei Technologies"


def test_genuine_cyrillic_words_stay():
    # a real Russian word with letters that have no Latin twin is not folded
    assert clean_party("Ростех").text == "Ростех"


def test_chinese_characters_get_pinyin_variants():
    cleaned = clean_party("华为")
    assert cleaned.text == "华为"
    assert "huawei" in cleaned.variants
    assert "hua wei" in cleaned.variants


def test_ordinary_names_are_unchanged():
    for name in ("Apple Inc.", "Arrow Electronics (Hong Kong) Co., Ltd.", "Johnson & Johnson"):
        assert clean_party(name).text == name
        assert clean_party(name).notes == ()


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_cleaning_is_idempotent_and_never_grows(raw):
    once = clean_party(raw)
    assert clean_party(once.text).text == once.text
    assert len(once.text) <= len(raw)
