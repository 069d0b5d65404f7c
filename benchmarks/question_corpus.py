"""Question corpus (issue 14 "Measure"): export questions the way people type them in Slack.

Each question fills one phrasing (template) with parties, a destination, an item, quantities and
PO numbers. Parties come from three pools:

* listed: organisations sampled from csl_composite.json (every list), asked about with their own
  country as the destination;
* clean: organisations from dev_negatives.csv and dev_negatives_listed.csv (people left out);
* embargoed: a clean party shipping to Iran, Cuba, North Korea, Syria or an occupied region of
  Ukraine (the default `embargoed` destinations of the store).

Expected verdict: an embargoed destination -> ``prohibited``; a party on SDN or DPL ->
``prohibited``; on EL or MEU -> ``license_required``; on any other list -> ``not_clear`` (any
verdict but clear); a clean party to a non-embargoed place -> ``clear`` (``license_required``
when the place is Russia or Belarus, the default license_required destinations).

Phrasings and parties are split dev (80%) / holdout (20%) by a fixed hash of their text
(``sha256 % 5 == 4`` is holdout). A dev question uses only dev phrasings and dev parties, a
holdout question only holdout ones: never look at the holdout slice while tuning.

    python benchmarks/question_corpus.py [--slice dev|holdout|all] [--out FILE.csv]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._data import require_data, source_code

PROHIBITED = "prohibited"
LICENSE_REQUIRED = "license_required"
REVIEW = "review"
CLEAR = "clear"
NOT_CLEAR = "not_clear"  # any verdict but clear; the exact class is not determinable

EMBARGOED = {"IR", "CU", "KP", "SY", "UA-43", "UA-40", "UA-14", "UA-09"}
LICENSE_COUNTRIES = {"RU", "BY"}

# How people name embargoed places in Slack: code -> spellings (the reader must know them all).
EMBARGO_FORMS = {
    "IR": ["Iran", "iran", "Tehran", "Iran (IR)", "the Islamic Republic of Iran", "Isfahan, Iran"],
    "CU": ["Cuba", "cuba", "Havana", "Havana, Cuba", "Cuba (CU)"],
    "KP": ["North Korea", "N. Korea", "DPRK", "Pyongyang", "north korea", "N Korea"],
    "SY": ["Syria", "syria", "Damascus", "Aleppo, Syria", "Syria (SY)"],
    "UA-43": ["Crimea", "Simferopol, Crimea", "crimea"],
    "UA-40": ["Sevastopol"],
    "UA-14": ["Donetsk", "the DNR", "Donetsk region"],
    "UA-09": ["Luhansk", "Lugansk", "the LNR"],
}
# Non-embargoed destinations and how they get typed: code -> spellings.
CLEAN_FORMS = {
    "DE": ["Germany", "germany", "Munich", "Germany (DE)", "DE", "Stuttgart, Germany"],
    "JP": ["Japan", "Tokyo", "Osaka, Japan", "Japan (JP)", "japan"],
    "FR": ["France", "Lyon", "Paris, France", "FR"],
    "GB": ["the UK", "UK", "United Kingdom", "England", "London"],
    "AE": ["the UAE", "UAE", "Dubai", "United Arab Emirates"],
    "NL": ["the Netherlands", "Netherlands", "Holland", "Rotterdam"],
    "CA": ["Canada", "Toronto", "canada"],
    "MX": ["Mexico", "Monterrey, Mexico"],
    "BR": ["Brazil", "São Paulo", "Brazil (BR)"],
    "IN": ["India", "Bangalore", "Mumbai, India"],
    "KR": ["South Korea", "Seoul", "Korea (KR)"],
    "TW": ["Taiwan", "Hsinchu", "Taipei"],
    "SG": ["Singapore"],
    "AU": ["Australia", "Sydney"],
    "CN": ["China", "PRC", "the PRC", "Shenzhen", "Shanghai, China", "mainland China"],
    "HK": ["Hong Kong", "HK"],
    "US": ["the US", "Texas"],
    "RU": ["Russia", "Moscow"],
    "BY": ["Belarus", "Minsk"],
}
ITEMS = [
    "routers",
    "FPGAs",
    "oscilloscopes",
    "servo motors",
    "GPUs",
    "laptops",
    "pumps",
    "ball valves",
    "EAR99 cables",
    "pressure sensors",
    "3D printers",
    "thermal cameras",
    "spare parts",
    "the firmware update",
    "network switches",
    "lab centrifuges",
    "drone motors",
    "SFP transceivers",
    "power supplies",
    "test fixtures",
]
HELLO = ["hi", "hey", "Hi team", "hey @canweship", "morning", "yo", "hello", "hiya", ":wave:"]

# (id, text). Slots: {p} {p2} party, {d} destination, {item}, {qty}, {po}, {hi}.
# Written the way people write in Slack DMs and channels: typos, emoji, lower case, no question
# mark, the party first or last, PO numbers, quantities, two parties, country first.
PHRASINGS: list[tuple[str, str]] = [
    ("can_we_ship", "can we ship {item} to {p} in {d}?"),
    ("quick_q", "quick q - can we ship {item} to {p} ({d})?"),
    ("customer_wants", "customer {p} wants {qty} {item}, can we? they're in {d}"),
    ("dash_ok", "{p} — are we ok to ship {item} to {d}?"),
    ("new_distributor", "new distributor {p} in {d}: cleared to ship?"),
    ("hi_lowercase", "{hi} can we send {item} to {p} {d}"),
    ("po_number", "got PO {po} from {p} ({d}) for {qty} {item}. good to go?"),
    ("is_listed", "is {p} on any list? they're based in {d}"),
    ("country_first", "{d}: {p} ordered {qty} {item}, ok to ship?"),
    ("two_parties", "can we ship {item} to {p} in {d} via {p2}?"),
    ("two_parties_and", "we have orders from {p} and {p2}, both {d}, can we ship?"),
    ("typo_shipp", "can we shipp {item} to {p} in {d}??"),
    ("emoji", ":thinking_face: ok to ship {qty} {item} to {p}, {d}? :pray:"),
    ("please_check", "pls check {p} ({d}) before I send the quote"),
    ("screen_cmd_like", "screen {p} {d}"),
    ("sales_pushing", "heads up, sales is pushing an order for {p} in {d}, thoughts?"),
    ("allowed", "we got a PO from {p} in {d} for {qty} {item}. Is that allowed?"),
    ("any_issues", "any issues selling {item} to {p}? ({d})"),
    ("end_user", "end user is {p}, {d}. {item}, qty {qty}. can we?"),
    ("ship_to_address", "ship-to: {p}, {d} / {qty}x {item} / PO#{po} — ok?"),
    ("can_i_sell", "can i sell {item} to {p} in {d}"),
    ("are_we_allowed", "Are we allowed to export {item} to {p} located in {d}?"),
    ("question_last", "{p} in {d} wants {item}. can we ship or not"),
    ("rma", "RMA return to {p} ({d}) - replacement {item}, any problem?"),
    ("forwarder", "freight forwarder {p2} will take {item} on to {p} in {d}, fine?"),
    ("multi_line", "hi!\nnew lead: {p}\ncountry: {d}\nitem: {item} x{qty}\nok?"),
    ("bullet", "• customer: {p}\n• dest: {d}\n• {qty} {item}\ncan we ship?"),
    ("lol_casual", "lol another one — {p} in {d} asking for {item} again, we good?"),
    ("boss_asked", "my boss asked if we can ship {item} to {p} in {d}, can you check"),
    ("clearance", "need export clearance for {p}, {d}, {qty} {item}"),
    ("do_we_need_license", "do we need a license to ship {item} to {p} in {d}?"),
    ("trade_show", "met {p} from {d} at the trade show, they want a demo unit of {item}. ok?"),
    ("distributor_sub", "our distributor {p2} wants to resell {item} to {p} in {d}"),
    ("urgent", "URGENT: truck leaves at 3pm, {qty} {item} for {p} ({d}). clear?"),
    ("thanks_end", "can we ship to {p} in {d}? thanks!!"),
    ("no_item", "{p}, {d} - good to ship?"),
    ("quote_request", "{p} ({d}) sent an RFQ for {qty} {item}, can we quote them?"),
    ("parenthetical", "shipping {item} (qty {qty}) to {p} — {d} — PO {po} — ok??"),
    ("sorry_bother", "sorry to bother, is {p} in {d} someone we can do business with?"),
    ("hows_this", "how's {p} looking? {d}. want to ship {item} tmrw"),
    ("pls_screen", "pls screen {p} and {p2} ({d}), thx"),
    ("can_we_do_business", "can we do business with {p} ({d})?"),
    ("invoice", "invoice {po} is for {p}, {d}. anything stopping us from shipping the {item}?"),
    ("sample_units", "sending {qty} sample {item} to {p} in {d}, fine right?"),
    ("fyi_check", "fyi {p} from {d} placed an order — {item}. just checking we're ok"),
    ("ok_to_export", "ok to export to {p}, {d}?"),
    ("destination_first", "to {d}: {qty} {item}, consignee {p}. allowed?"),
    ("repeat_customer", "repeat customer {p} ({d}) — same {item} as last time, still ok?"),
    ("service_visit", "can our engineer do a service visit at {p} in {d}?"),
    ("software", "can {p} in {d} download our software? they asked for a license key"),
    ("via_hub", "shipping {item} to {p} in {d} through our Singapore hub, ok?"),
    ("exclamation", "{hi}! {p} in {d} wants {qty} units of {item}!! can we???"),
    ("check_please_en", "Could you please check whether {p} ({d}) is a restricted party?"),
    ("we_good", "{p} / {d} / {item} — we good?"),
    (
        "greeting_long",
        "{hi}, hope you're well :slightly_smiling_face: quick one: can we ship "
        "{item} to {p} in {d}?",
    ),
    ("approve", "approve shipment {po} to {p}, {d}?"),
    # Added 2026-12-04 (second corpus round): phrasings written fresh for this round, appended so
    # the earlier questions stay the same; split dev/holdout by id like the rest.
    ("send_over", "hey, is it fine to send {item} over to {p} ({d})?"),
    (
        "emailed_quote",
        "{p} just emailed asking for a quote on {qty} {item} — they're in {d}. "
        "can we sell to them?",
    ),
    ("before_booking", "Checking before I book the shipment: {p}, {d}. {item}."),
    ("anyone_know", "anyone know if we can work with {p}? based in {d}"),
    ("be_a_problem", "would shipping {item} to {p} in {d} be a problem?"),
    ("compliance_check", "{hi} - compliance check for {p} ({d}) please"),
    ("pipe_fields", "prospect: {p} | country: {d} | product: {item}"),
    ("deal_desk", "Deal desk question: {p} in {d} wants to buy {qty} {item}. OK?"),
    ("any_restriction_on", "is there any restriction on {p}? they want {item} shipped to {d}"),
    ("export_to_country", "can we export {item} to {d}? customer is {p}"),
    ("approved_short", "{p} ({d}) - approved?"),
    ("yes_no_asap", "Need a yes/no on {p} in {d} for {item} asap"),
    ("denied_party", "Is {p} a denied party? Shipping to {d}."),
    ("re_order", "re order {po}: {p}, {d} — ok from an export standpoint?"),
    ("status_of", "what's the status of {p} in {d}"),
    (
        "formal_proceed",
        "{hi}, quick compliance question. {p} located in {d} would like to purchase "
        "{item}. Are we able to proceed?",
    ),
    ("receive_our", "Can {p} receive our {item}? They are in {d}."),
    ("quick_check_for", "quick check please: {item} for {p} in {d}"),
    ("lol_can_we", "ok so {p} from {d} wants {qty} {item} lol can we"),
    ("any_flags", "shipping to {d} for {p} tomorrow, any flags?"),
    ("double_checking", "double-checking {p}, {d} before the PO goes out"),
    ("any_issue_with", "do we have any issue with {p} ({d})?"),
    ("yn", "{p} in {d} - ship {item}? y/n"),
    (
        "partner_fulfil",
        "Hello! Our partner {p} in {d} has requested {qty} {item}. "
        "Can you confirm we can fulfil this?",
    ),
    ("screen_this_one", "can you screen this one: {p}, {d}"),
    ("ok_as_customer", "would {p} be OK as a customer? they're in {d} and want {item}"),
    ("delivered_to", "{p} is asking for {item} to be delivered to {d}. good?"),
    ("onboard_reseller", "we want to onboard {p} ({d}) as a reseller, are they clean?"),
    ("pls_advise", "order from {p} — {d} — {qty} pcs {item} — pls advise"),
    ("thoughts_selling", "thoughts on selling {item} to {p}, {d}?"),
    ("question_marks", "{p}? {d}? {item}? can we"),
    ("is_it_legal", "Is it legal to sell {item} to {p} in {d}"),
    ("customer_items", "customer: {p} ({d}). items: {item}. clear to ship?"),
    ("hey_bot", "hey bot, {p} {d} ok?"),
    ("inquiry_out_of", "just got an inquiry from {p} out of {d} for {item}"),
    ("support_repairs", "can we support {p} in {d} with {item} repairs?"),
    ("restrictions_buying", "any export restrictions for {p}, located in {d}, buying {item}?"),
    ("please_advise_formal", "Please advise if we can proceed with {p} ({d}) for {qty} {item}."),
]


def _bucket(text: str) -> str:
    """Fixed 80/20 split: holdout when sha256(text) % 5 == 4."""
    return "holdout" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 5 == 4 else "dev"


@dataclass
class Party:
    name: str
    kind: str  # listed | clean
    country: str | None  # ISO alpha-2 (or UA-xx), or None
    source: str | None = None  # list code for listed parties
    ended: bool = False  # a listing whose end date has passed (e.g. a Denied Persons order)

    @property
    def slice(self) -> str:
        return _bucket(self.name)


@dataclass
class Item:
    qid: str
    slice: str
    phrasing: str
    kind: str  # listed | clean | embargoed
    expected: str  # prohibited | license_required | not_clear | clear
    question: str
    parties: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    destination: str | None = None


# Lists such as EL and DPL leave `type` empty and hold people too: an organisation is a name
# with a word only organisations carry.
_ORG_WORD = re.compile(
    r"\b(?:co|corp|corporation|company|ltd|limited|llc|inc|gmbh|ag|s\.?a|jsc|ooo|oao|pjsc|pte|"
    r"pvt|b\.?v|srl|technolog\w*|tech|industr\w*|institute|university|academy|group|trading|"
    r"electronic\w*|engineering|enterprise\w*|international|systems|research|bank|services|"
    r"holding\w*|cent(?:er|re)|factory|laborator\w*|aviation|aerospace|shipping|logistics|"
    r"import|export|establishment|organi[sz]ation|ministry|bureau|foundation|party|plant|"
    r"works|solutions|industries|firm|agency|commission|committee)\b",
    re.IGNORECASE,
)


def _is_org(r: dict) -> bool:
    name = r.get("name") or ""
    return (
        (r.get("type") or "Entity") == "Entity" and len(name) >= 6 and bool(_ORG_WORD.search(name))
    )


def load_listed() -> list[Party]:
    path = require_data("csl_composite.json") / "csl_composite.json"
    with open(path, encoding="utf-8") as fh:
        results = json.load(fh)["results"]
    out: list[Party] = []
    for r in results:
        if not _is_org(r):
            continue
        countries = [a.get("country") for a in r.get("addresses") or [] if a.get("country")]
        cc = countries[0].strip().upper() if countries else None
        if cc and not pycountry.countries.get(alpha_2=cc):
            cc = None
        # EL names carry their aliases ("X (a.k.a., Y"): people type the first name only.
        name = re.split(r"\s*[,;(]?\s*\b(?:a\.k\.a\.?|f\.k\.a\.?|aka)\b", r["name"], flags=re.I)[0]
        name = name.split(";")[0].strip(" ,;(")  # "; and any successor, sub-unit, ..."
        ended = bool(r.get("end_date")) and str(r["end_date"])[:10] < date.today().isoformat()
        if len(name) >= 6:
            out.append(Party(name, "listed", cc, source_code(r.get("source") or ""), ended))
    return out


def load_clean() -> list[Party]:
    folder = require_data("dev_negatives.csv", "dev_negatives_listed.csv")
    out: list[Party] = []
    for fname in ("dev_negatives.csv", "dev_negatives_listed.csv"):
        with open(folder / fname, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("kind") == "neg_person" or not (row.get("name") or "").strip():
                    continue
                cc = (row.get("country") or "").strip().upper() or None
                if cc and not pycountry.countries.get(alpha_2=cc):
                    cc = None
                out.append(Party(row["name"].strip(), "clean", cc))
    return out


def _place(code: str | None, rng: random.Random) -> tuple[str, str]:
    """(code, how it is typed) for a party's country; a clean country when it has none."""
    if code in EMBARGO_FORMS:
        return code, rng.choice(EMBARGO_FORMS[code])
    if code in CLEAN_FORMS:
        return code, rng.choice(CLEAN_FORMS[code])
    if code:
        country = pycountry.countries.get(alpha_2=code)
        name = getattr(country, "common_name", None) or country.name
        return code, rng.choice([name, f"{name} ({code})"])
    code = rng.choice([c for c in CLEAN_FORMS if c not in LICENSE_COUNTRIES])
    return code, rng.choice(CLEAN_FORMS[code])


def _party_class(p: Party) -> str:
    if p.kind == "clean":
        return CLEAR
    if p.ended:
        return NOT_CLEAR  # an order that has ended is shown for review, not as a block
    if p.source in ("SDN", "DPL"):
        return PROHIBITED
    if p.source in ("EL", "MEU"):
        return LICENSE_REQUIRED
    return NOT_CLEAR


def _place_class(code: str) -> str:
    if code in EMBARGOED:
        return PROHIBITED
    if code in LICENSE_COUNTRIES:
        return LICENSE_REQUIRED
    return CLEAR


_ORDER = {CLEAR: 0, REVIEW: 1, LICENSE_REQUIRED: 2, PROHIBITED: 3}


def expected_for(classes: list[str]) -> str:
    """Strictest of the parts; `not_clear` when an undeterminable part may be the strictest."""
    if PROHIBITED in classes:
        return PROHIBITED
    if NOT_CLEAR in classes:
        return NOT_CLEAR
    return max(classes, key=lambda c: _ORDER[c])


def build(per_phrasing: int = 14, seed: int = 14) -> list[Item]:
    rng = random.Random(seed)
    listed = load_listed()
    clean = load_clean()
    pools = {
        (kind, sl): [p for p in pool if p.slice == sl]
        for kind, pool in (("listed", listed), ("clean", clean))
        for sl in ("dev", "holdout")
    }
    items: list[Item] = []
    for pid, text in PHRASINGS:
        sl = _bucket(pid)
        for i in range(per_phrasing):
            roll = i % 7  # 3 listed, 3 clean, 1 embargoed of every 7
            kind = "listed" if roll < 3 else "clean" if roll < 6 else "embargoed"
            main = rng.choice(pools[("listed" if kind == "listed" else "clean", sl)])
            other = rng.choice(pools[("clean", sl)])  # a second party is always clean
            if kind == "embargoed":
                code = rng.choice(sorted(EMBARGO_FORMS))
                code, dest = code, rng.choice(EMBARGO_FORMS[code])
            else:
                code, dest = _place(main.country, rng)
            classes = [_party_class(main), _place_class(code)]
            if "{p2}" in text:
                classes.append(_party_class(other))
            slots = {
                "p": main.name,
                "p2": other.name,
                "d": dest,
                "item": rng.choice(ITEMS),
                "qty": rng.choice(["12", "50", "1500", "2,000", "3x", "200"]),
                "po": rng.choice(["4500123987", "PO-88213", "#77120", "SO-2291", "23-0045"]),
                "hi": rng.choice(HELLO),
            }
            if "({d})" in text and " (" in dest:
                slots["d"] = dest.split(" (")[0]  # "(Malaysia)", not "(Malaysia (MY))"
            question = text.format(**slots)
            parties = [main.name] + ([other.name] if "{p2}" in text else [])
            items.append(
                Item(
                    qid=f"{pid}-{i:02d}",
                    slice=sl,
                    phrasing=pid,
                    kind=kind,
                    expected=expected_for(classes),
                    question=question,
                    parties=parties,
                    sources=[main.source or "-"] if main.kind == "listed" else [],
                    destination=code,
                )
            )
    return items


def select(items: list[Item], slice_: str) -> list[Item]:
    return items if slice_ == "all" else [q for q in items if q.slice == slice_]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slice", choices=("dev", "holdout", "all"), default="dev")
    ap.add_argument("--out", help="write the corpus as CSV (default: summary only)")
    args = ap.parse_args(argv)
    items = select(build(), args.slice)
    phrasings = {q.phrasing for q in items}
    print(f"{len(items)} questions, {len(phrasings)} phrasings ({args.slice})")
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(asdict(items[0])))
            w.writeheader()
            for q in items:
                row = asdict(q)
                row["parties"] = " | ".join(q.parties)
                row["sources"] = " | ".join(q.sources)
                w.writerow(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
