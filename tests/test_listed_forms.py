"""Names written inside one list name field (issue 14): "X (a.k.a. Y", "X and any successor…".

The Entity List publishes some names with an alias or boilerplate in the same field; a party
typed as anyone writes it must still be found at full strength.
"""

from __future__ import annotations

import pytest

from bot.screening.index import IndexedName, NameIndex
from bot.screening.listed_forms import listed_forms


@pytest.mark.parametrize(
    ("field", "forms"),
    [
        ("Mesbah Energy Company (a.k.a. “MEC”)", ["Mesbah Energy Company", "MEC"]),
        ("Sabanican Company (a.k.a.", ["Sabanican Company"]),
        (
            "Gazprom Flot, OOO (f.k.a., Obshchestvo S Ogranichennoi Otvetstvennostyu Gazflot)",
            ["Gazprom Flot, OOO", "Obshchestvo S Ogranichennoi Otvetstvennostyu Gazflot"],
        ),
        (
            "Wisdom Import and Export (Shanghai) Co., Ltd. and any successor, sub-unit, or "
            "subsidiary thereof",
            ["Wisdom Import and Export (Shanghai) Co., Ltd."],
        ),
        (
            "Beijing J&A Industry & Trade Co. Ltd.; and any successor, sub-unit, or subsidiary "
            "thereof",
            ["Beijing J&A Industry & Trade Co. Ltd."],
        ),
        (
            "Poly Technologies Incorporated (PTI), and its sub-units and successors",
            ["Poly Technologies Incorporated (PTI)"],
        ),
        (
            "Southeast Trading LTD. Bucharest, Romania. (See also addresses under Finland and "
            "Russia)",
            ["Southeast Trading LTD. Bucharest, Romania"],
        ),
        # A description of what the party is, in brackets, is not its name.
        (
            "Guangzhou Hongyu Technology Co., Ltd. (a subordinate institute of CETC-7)",
            ["Guangzhou Hongyu Technology Co., Ltd."],
        ),
        (
            "CNOOC Limited (a subsidiary of China National Offshore Oil Corporation)",
            ["CNOOC Limited"],
        ),
        # Plain names stand for nothing else.
        ("Huawei Technologies Co., Ltd.", []),
        ("Osaka Trading Akademie", []),
        ("Formerlyn Shipping", []),
    ],
)
def test_the_names_inside_a_name_field(field, forms):
    assert listed_forms(field) == forms


def test_a_name_as_people_type_it_is_found_at_full_strength():
    field = (
        "Zhengzhou Nanbei Instrument Equipment Co. Ltd and any successor, sub-unit, or "
        "subsidiary thereof"
    )
    index = NameIndex.build(
        [
            IndexedName(1, field, "ISN", ("CN",), True, "Entity"),
            IndexedName(2, "Mesbah Energy Company (a.k.a. “MEC”)", "EL", ("IR",), True, "Entity"),
            IndexedName(3, "Zhengzhou Instrument Works", "EL", ("CN",), True, "Entity"),
        ]
    )
    top = index.search("Zhengzhou Nanbei Instrument Equipment Co. Ltd").hits[0]
    assert top.entry_key == 1 and top.score >= 99
    top = index.search("Mesbah Energy Company").hits[0]
    assert top.entry_key == 2 and top.score >= 99
    # The field as published still matches itself.
    top = index.search(field).hits[0]
    assert top.entry_key == 1 and top.score >= 99
