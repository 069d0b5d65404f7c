"""The name cleaner is used on every screening path (issue 14 item 6): CLI single and batch."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main

pytestmark = pytest.mark.usefixtures("store_env")


def screen(capsys, *args):
    code = main(["screen", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    "disguised",
    [
        "Hua\u00adwei Technologies Co., Ltd.",
        "Hua\u200bwei Technologies Co., Ltd.",
        "<https://www.huawei.com|Huawei Technologies Co., Ltd.>",
        "<b>Huawei Technologies Co., Ltd.</b>",
        "&lt;Huawei Technologies Co., Ltd.&gt;",
        "\x1b[1mHuawei Technologies Co., Ltd.\x1b[0m",
        "=Huawei Technologies Co., Ltd.",
        "~" * 10_000 + "Huawei Technologies Co., Ltd.",
        "\u041du\u0430wei Technologies Co., Ltd.",
        "H U A W E I Technologies Co., Ltd.",
    ],
)
def test_a_disguised_listed_name_is_found(capsys, demo, disguised):
    doc = screen(capsys, disguised, "--country", "CN")
    assert doc["verdict"] == "license_required"
    assert doc["matches"][0]["name"] == "Huawei Technologies Co., Ltd."


def test_chinese_characters_are_screened_as_pinyin(capsys, demo):
    doc = screen(capsys, "华为")
    assert doc["verdict"] != "clear"
    named = " ".join(m["name"] for m in doc["matches"]) + " ".join(doc["reasons"])
    assert "huawei" in named.casefold()


@pytest.mark.parametrize("nothing", ["...", "<@U123ABC>", "<!channel>", "\x01\x02", "\U0001f600"])
def test_a_name_that_cleans_to_nothing_is_review_never_clear(capsys, demo, nothing):
    doc = screen(capsys, nothing)
    assert doc["verdict"] == "review"
    assert doc["reasons"][0].startswith("No party named:")
    assert doc["matches"] == []


def test_no_party_named_keeps_an_embargo(capsys, demo):
    doc = screen(capsys, "...", "--country", "IR")
    assert doc["verdict"] == "prohibited"
    assert doc["reasons"][0].startswith("No party named:")


@pytest.mark.parametrize(
    "split", ["Hua wei Technologies Co., Ltd.", "Hua-wei Technologies Co., Ltd."]
)
def test_a_name_split_in_the_middle_is_joined(capsys, demo, split):
    doc = screen(capsys, split, "--country", "CN")
    assert doc["verdict"] == "license_required"
    assert doc["matches"][0]["name"] == "Huawei Technologies Co., Ltd."


def test_a_verdict_stricter_than_review_names_its_record(capsys, demo):
    doc = screen(capsys, "华为")
    assert doc["verdict"] in ("review", "clear") or doc["matches"]
