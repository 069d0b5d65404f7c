"""The names a list record really lists, when its name field carries more than a name.

The Entity List publishes some names with their aliases and boilerplate in the same field:
"Mesbah Energy Company (a.k.a. “MEC”)", "Gazprom Flot, OOO (f.k.a., Obshchestvo S Ogranichennoi
Otvetstvennostyu Gazflot)", "Wisdom Import and Export (Shanghai) Co., Ltd. and any successor,
sub-unit, or subsidiary thereof", "… (See alternate address under Russia)". Nobody types those
tails, and scored as one name they pull the listed name itself below the review threshold: the
party as anyone writes it was answered clear. Each such field also stands for the names in it.
"""

from __future__ import annotations

import re

# "and any successor, sub-unit, or subsidiary thereof", "and its sub-units and successors".
_SUCCESSORS = re.compile(
    r"[,;]?\s+(?:and|&)\s+(?:any|its|all)\s+(?:successors?|sub-?units?|subsidiar\w*)\b.*$",
    re.IGNORECASE,
)
# "(See alternate address under Russia)", "(See also addresses under Finland and Russia)".
_SEE_ALSO = re.compile(r"\.?\s*\(\s*see\s+(?:also|alternate)\b[^)]*\)?\s*$", re.IGNORECASE)
# "(a.k.a. X", "(a.k.a., X)", ", F.K.A. X", "(formerly X)": the name, then another name of it.
_ALSO_KNOWN = re.compile(
    r"\s*[(,;]?\s*\b(?:a\.?k\.?a|f\.?k\.?a|formerly(?:\s+known\s+as)?|also\s+known\s+as)\b\.?,?\s*",
    re.IGNORECASE,
)
# "(a subordinate institute of CETC-7)", "(a subsidiary of China National Offshore Oil
# Corporation)": what the party is, not its name.
_DESCRIBED = re.compile(
    r"\s*\((?:a|an|the)\s+(?:\w+\s+)?(?:subordinate|subsidiary|division|unit|branch|affiliate|"
    r"part|institute|entity|front|company)\b[^)]*\)?\s*$",
    re.IGNORECASE,
)
_EDGES = " ,;:()[]\"'“”‘’"


def listed_forms(name: str) -> list[str]:
    """The other names written inside one name field (none when it is just a name)."""
    forms: list[str] = []
    for part in _ALSO_KNOWN.split(name):
        part = _DESCRIBED.sub("", _SEE_ALSO.sub("", _SUCCESSORS.sub("", part))).strip(_EDGES)
        if part.count("(") > part.count(")"):
            part = part + ")"  # "… (Shanghai" cut by the alias marker keeps its bracket
        if len(part) >= 2 and any(ch.isalpha() for ch in part) and part not in forms:
            forms.append(part)
    return [f for f in forms if f != name.strip()]
