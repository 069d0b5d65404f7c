"""Property: `authorized` implies party, item, destination and date are all covered.

Random licenses and extensions (real `LicenseAuthorization` / `ExtensionAuthorization` over
in-memory rows) against random questions through `decide`. The oracle below re-states each
dimension on its own, over a vocabulary without fillers or plurals, so it does not lean on the
code under test.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from bot.answers.verdicts import AUTHORIZED, DestinationPolicy, Family, Match, Thresholds, decide
from bot.licensing.extensions import ExtensionAuthorization
from bot.licensing.license_screening import LicenseAuthorization
from storage.models import Extension
from storage.models_licenses import License

TODAY = date(2024, 6, 1)
WORDS = ("lte", "spare", "part", "network", "camera", "router", "5g", "chip", "base", "station")
RECORDS = [("EL", f"el-{i}") for i in range(4)] + [("MEU", "meu-0"), ("SSI", "ssi-0")]
COUNTRIES = ("CN", "DE", "RU")
FAMILIES = ("huawei", "hikvision")

phrase = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)
some_words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
day = st.integers(min_value=-30, max_value=30).map(lambda n: TODAY + timedelta(days=n))
records_entry = st.lists(st.sampled_from(RECORDS), min_size=1, max_size=3, unique=True).map(
    lambda rs: {"name": "p", "records": [{"source": s, "list_id": i} for s, i in rs]}
)
family_entry = st.sampled_from(FAMILIES).map(lambda f: {"name": f, "family": f, "count": 5})
party_entry = st.one_of(records_entry, records_entry, family_entry)


@st.composite
def licenses(draw) -> LicenseAuthorization:
    start = draw(st.none() | st.none() | day)
    end = draw(st.none() | st.none() | day)
    row = License(
        number=f"D{draw(st.integers(1000000, 9999999))}",
        decision="granted",
        recorded_by="U0",
        parties=draw(st.lists(party_entry, min_size=min(1, draw(st.integers(0, 4))), max_size=2)),
        scope=draw(st.one_of(some_words, some_words, st.none(), phrase)),
        destination=draw(st.one_of(st.sampled_from(COUNTRIES), st.none())),
        valid_from=start,
        valid_until=end,
        conditions=draw(st.lists(st.sampled_from(WORDS).map(lambda w: f"not for {w}"), max_size=2)),
    )
    return LicenseAuthorization(row)


@st.composite
def extensions(draw) -> ExtensionAuthorization:
    row = Extension(
        name=f"rule-{draw(st.integers(0, 99))}",
        parties=draw(st.lists(party_entry, max_size=2)),
        activities=draw(st.lists(some_words, max_size=2)),
        effective=draw(day),
        expires=draw(day),
        created_by="U0",
    )
    return ExtensionAuthorization(row)


@st.composite
def matches(draw) -> list[Match]:
    picked = draw(st.lists(st.sampled_from(RECORDS), max_size=3, unique=True))
    family_word = draw(st.sampled_from(FAMILIES))
    return [
        Match(
            entry_key=n,
            entry_id=list_id,
            source=source,
            name=f"{family_word.title()} {list_id} Co",
            matched_name=f"{family_word.title()} {list_id} Co",
            score=draw(st.floats(min_value=80, max_value=100)),
        )
        for n, (source, list_id) in enumerate(picked)
    ]


def _words(text: str | None) -> set[str]:
    return set((text or "").split())


def _names(entry: dict, match: Match) -> bool:
    if "family" in entry:
        return entry["family"] in match.name.lower().split()
    return any(
        (r["source"], r["list_id"]) == (match.source, match.entry_id) for r in entry["records"]
    )


def _near(data, auth) -> tuple[list[Match], str | None, str | None, str | None]:
    """A question built to fit `auth`, each dimension kept (3 in 4) or left to chance."""

    def keep() -> bool:
        return data.draw(st.integers(0, 3)) > 0

    records = [(r["source"], r["list_id"]) for e in auth.row.parties for r in e.get("records", [])]
    if records and keep():
        picked = data.draw(st.lists(st.sampled_from(records), min_size=1, max_size=3, unique=True))
    else:
        picked = data.draw(st.lists(st.sampled_from(RECORDS), max_size=3, unique=True))
    found = [
        Match(
            entry_key=n,
            entry_id=list_id,
            source=source,
            name=f"Acme {list_id}",
            matched_name=f"Acme {list_id}",
            score=100.0 if keep() else data.draw(st.sampled_from((85.0, 95.0))),
        )
        for n, (source, list_id) in enumerate(picked)
    ]
    if isinstance(auth, LicenseAuthorization):
        fits = auth.row.scope
    else:
        fits = data.draw(st.sampled_from(auth.row.activities)) if auth.row.activities else None
    item = f"{fits or ''} {data.draw(phrase)}".strip() if keep() else data.draw(phrase)
    own = getattr(auth.row, "destination", None)
    dest = own if keep() else data.draw(st.none() | st.sampled_from(COUNTRIES))
    return found, dest, item or None, data.draw(st.none() | phrase)


@settings(max_examples=1000, deadline=None)
@given(
    auths=st.lists(
        st.one_of(licenses(), extensions()), min_size=1, max_size=3, unique_by=lambda a: a.reference
    ),
    found=matches(),
    dest=st.none() | st.sampled_from(COUNTRIES),
    dest_policy=st.sampled_from(("none", "license_required")),
    family=st.none() | st.sampled_from(FAMILIES).map(lambda f: Family(f, 7, {"EL": 7})),
    item=st.none() | phrase,
    purpose=st.none() | phrase,
    data=st.data(),
)
def test_authorized_implies_every_dimension_is_covered(
    auths, found, dest, dest_policy, family, item, purpose, data
):
    if data.draw(st.booleans()):
        found, dest, item, purpose = _near(data, auths[0])
        family = None if data.draw(st.integers(0, 3)) else family
    destination = (
        DestinationPolicy(code=dest, name=dest, policy=dest_policy, reason="r") if dest else None
    )
    d = decide(
        party=family.token.title() if family else "p",  # the brand itself: the family drives
        matches=found,
        destination=destination,
        item=item,
        purpose=purpose,
        authorizations=auths,
        list_version="v",
        list_age="1 hour",
        list_problem=None,
        list_empty=False,
        thresholds=Thresholds(strong=90, review=80),
        today=TODAY,
        family=family,
    )
    event(f"verdict {d.verdict}")
    if d.verdict != AUTHORIZED:
        return
    (auth,) = [a for a in auths if a.reference == d.authorization["reference"]]
    row = auth.row
    licensed = [m for m in found if m.score >= 90 and m.source in ("EL", "MEU")]
    asked = _words(item) | _words(purpose)
    # Party: something to cover, every license-bearing record named, a family only by its name.
    assert licensed or family is not None
    assert all(any(_names(e, m) for e in row.parties) for m in licensed)
    if family is not None:
        assert any(e.get("family") == family.token for e in row.parties)
    if isinstance(auth, LicenseAuthorization):
        # Date, destination, item (containment), conditions.
        assert row.valid_from is None or row.valid_from <= TODAY
        assert row.valid_until is None or row.valid_until >= TODAY
        assert dest is not None and row.destination == dest
        assert row.scope and _words(row.scope) <= asked
        assert not any(_words(c.removeprefix("not for ")) & asked for c in row.conditions)
    else:
        assert row.effective <= TODAY <= row.expires
        assert dest_policy != "license_required" or dest is None
        assert any(len(_words(a) & asked) >= min(2, len(_words(a))) for a in row.activities)
