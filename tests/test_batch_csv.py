"""`screen --file` reads CSV over the whole file: one result per input row, in order (14.7)."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main

pytestmark = pytest.mark.usefixtures("store_env")


def batch(capsys, tmp_path, data: bytes):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    code = main(["screen", "--file", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\u0085", "\f", "\v", "\x1c", "\x1e"])
def test_separators_inside_a_cell_never_start_a_row(capsys, demo, tmp_path, sep):
    data = f"name,country\nAcme{sep}Widgets,DE\nHuawei Technologies Co., Ltd.,\nSome Bakery,IR\n"
    data = data.replace("Huawei Technologies Co., Ltd.,", '"Huawei Technologies Co., Ltd.",CN')
    results = batch(capsys, tmp_path, data.encode())
    assert len(results) == 3
    assert [r["verdict"] for r in results] == ["clear", "license_required", "prohibited"]
    assert results[0]["query"]["name"] == "Acme Widgets"


def test_quoted_newline_is_a_space_not_glued(capsys, demo, tmp_path):
    data = b'name,country\n"Huawei\r\nTechnologies Co., Ltd.",CN\nAcme,DE\n'
    results = batch(capsys, tmp_path, data)
    assert [r["query"]["name"] for r in results] == ["Huawei Technologies Co., Ltd.", "Acme"]
    assert results[0]["verdict"] == "license_required"


def test_bom_and_empty_rows_keep_their_place(capsys, demo, tmp_path):
    data = "\ufeffname,country\nAcme,DE\n\nSome Bakery,IR\n".encode()
    results = batch(capsys, tmp_path, data)
    assert [r["verdict"] for r in results] == ["clear", "unavailable", "prohibited"]


def test_plain_list_without_header_is_one_name_a_line(capsys, demo, tmp_path):
    data = b"Huawei Technologies Co., Ltd.\nAcme Widgets Inc\n"
    results = batch(capsys, tmp_path, data)
    assert [r["query"]["name"] for r in results] == [
        "Huawei Technologies Co., Ltd.",
        "Acme Widgets Inc",
    ]
    assert results[0]["verdict"] != "clear"


def test_unreadable_rows_are_unavailable_naming_the_row_never_a_shift(capsys, demo, tmp_path):
    data = (
        b"name,country\nAcme,DE\nHuawei Technologies Co., Ltd.,CN\n"
        b"Bad\xff\xfeName,DE\nSome Bakery,IR\n"
    )
    results = batch(capsys, tmp_path, data)
    assert [r["verdict"] for r in results] == ["clear", "unavailable", "unavailable", "prohibited"]
    assert "Row 2" in results[1]["reasons"][0]
    assert "Row 3" in results[2]["reasons"][0]
