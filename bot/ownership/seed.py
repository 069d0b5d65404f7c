"""`canweship seed huawei-affiliates`: a small, clearly marked ILLUSTRATIVE ownership set.

The owners are real Entity List records (Huawei Technologies Co., Ltd. and Huawei Device Co.,
Ltd., listed 2019-05-16, 84 FR 22961). The owned companies are FICTIONAL, named as examples
("Exampleton ..."): no real company's ownership is asserted. Each edge's cite says so.
"""

from __future__ import annotations

from sqlalchemy import Engine

from bot.audit import Actor
from bot.ownership.edges import EdgeIn, ImportReport, edge_in, import_edges

CITE = (
    "ILLUSTRATIVE EXAMPLE (canweship seed huawei-affiliates): fictional company, not a real record"
)
HUAWEI = "Huawei Technologies Co., Ltd."
DEVICE = "Huawei Device Co., Ltd."
#: (owned, owner, percent, country, what it shows)
EXAMPLES = (
    ("Exampleton Cloud Services Ltd", HUAWEI, "60", "HK", "directly owned 60%"),
    ("Exampleton Device Trading Co., Ltd.", HUAWEI, "30", "CN", "aggregated: 30% ..."),
    ("Exampleton Device Trading Co., Ltd.", DEVICE, "25", "CN", "... + 25% = 55%"),
    (
        "Exampleton Logistics Ltd",
        "Exampleton Cloud Services Ltd",
        "100",
        "HK",
        "indirect: owned by a covered affiliate",
    ),
    ("Exampleton Research Institute Ltd", HUAWEI, "unknown", "CN", "share not on record"),
    ("Exampleton Minority Ventures Ltd", HUAWEI, "20", "SG", "a minority share"),
)


def seed_edges() -> list[EdgeIn]:
    return [
        edge_in(owned=owned, owner=owner, percent=pct, country=cc, cite=CITE)
        for owned, owner, pct, cc, _ in EXAMPLES
    ]


def seed(engine: Engine, *, actor: Actor) -> tuple[ImportReport, list[str]]:
    """Record the example edges (again: harmless); the report and one line per edge."""
    report = import_edges(engine, seed_edges(), actor=actor, origin="seed huawei-affiliates")
    lines = [f"{owned} ← {owner} {pct}% ({what})" for owned, owner, pct, _, what in EXAMPLES]
    return report, [line.replace("unknown%", "share unknown") for line in lines]
