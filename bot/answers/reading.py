"""Read a whole message: every party and place in it, and whether anything was left unread.

`bot.answers.questions` parses the usual ways of asking into one party, item and destination. People
write in many more ways, so this module reads the message as a whole on top of that parse:

* **Places anywhere**: every country, region or major city named in the message is found
  (`bot.screening.countries.find_places`), not only the one the grammar took as the destination.
* **Parties anywhere**: every stretch of text around a word that identifies listed parties is
  linked against the name index (`bot.screening.spans`), so a listed name is found whatever words
  surround it, and the grammar's party phrase is trimmed of chatter ("good to go?", "thanks").
* **What is left**: the words not accounted for by a party, place, item, quantity or the
  question's own words. Words that could be a name and were not understood make the reading
  *unsure*: the bot then asks back (with its best guesses) instead of answering `clear`.

The result, a `Reading`, lists exactly what will be screened; the answer shows it ("Screened
“Acme GmbH” · destination Germany · item routers") so a wrong split is visible at a glance.
No Slack here, and no store: the caller passes a `linker` bound to the list in use.

Why one module (~840 lines): `read_message` is one pass over the message's words, keeping
which words are accounted for (`covered`) while it finds places, parties and the rest; the helpers
around it (chatter, name runs, party trimming, place rank) are the heuristics that pass applies,
tuned against each other and against the same word-frequency thresholds at the top. It is pure
(no store, no Slack), so its size costs no coupling.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from rigour.names.org_types import remove_org_types
from wordfreq import zipf_frequency

from bot.answers import grammar as g
from bot.answers.questions import Question, normalise_text
from bot.screening.countries import Destination, find_places, match_place
from bot.screening.spans import LinkedSpan, Word, words_of

__all__ = ["Linker", "Reading", "edge_chatter", "is_chatter", "read_message"]

#: (text, words) -> listed names found in the text.
Linker = Callable[[str, list[Word]], list[LinkedSpan]]

#: A lower-case word at least this common in English is chatter, not a name ("good", "allowed").
COMMON_ZIPF = 2.5
#: A listed name inside a longer stretch of name words stands alone at this score or more, and
#: if it is one word, only when rarer than ALONE_ZIPF in English ("Rosoboronexport", not "Optics").
#: Words this common in English do not name a party on their own ("Institute", "Trade").
COMMON_NAME_WORD_ZIPF = 4.0
ALONE_SCORE = 95.0
#: A listed name of several words found inside a longer name stands alone from this score.
FRAGMENT_SCORE = 90.0
ALONE_ZIPF = 3.4
#: A lower-case word found alone must be rarer still: "dahua", "rostec", not "supplies".
LOWER_ALONE_ZIPF = 2.0
#: A lower-case word this common ends a party phrase: "… Rosoboronexport next week".
EDGE_ZIPF = 4.6
#: A capitalised word this common at the start of a sentence is not a name ("Quick", "Can").
COMMON_CAPITALISED_ZIPF = 5.5
#: Alone at the start of a sentence, a word this common is screened but raises no doubt
#: ("Checking before I invoice …").
SENTENCE_START_ZIPF = 3.5

# The words of questions themselves, whatever their frequency: verbs, filler, chat shorthand.
_CHAT_WORDS = """
    can could would will shall should may might must we i you they he she it us our my your me
    is are was were be been being am do does did done have has had ok okay okey fine good go
    allowed permitted possible legal please pls plz thanks thank thx ty cheers hi hey hello yo
    hiya team all folks everyone guys asap fyi eod eow qq quick question check screen screening
    lookup look up verify vet clear cleared clean safe restricted restriction restrictions list
    listed sanctioned sanctions embargo embargoed entity sdn csl ship shipping shipped shipment
    shipments export exporting exported exports sell selling sold send sending sent supply
    supplying supplied deliver delivery delivering provide providing transfer release mail
    what about how and or also plus then any anything issue issues problem problems concern
    concerns need needs wants want wanted asks asked asking order orders ordered po pos rfq quote
    quotation invoice deal customer client distributor reseller partner supplier vendor buyer
    new our their this that these those there here to into for from in at on of with by via
    the a an some if whether not no yes yep nope right now today tomorrow week month soon
    again still already just only really actually pretty sure let know tell someone anyone
    approve approved approval ready green light greenlight proceed ahead receive received
    clearance consignee license licence licensed permit permits rfq end-user enduser ship-to
    shipto sample samples tmrw urgent looking hows how's thoughts download software visit
    service engineer region mainland both via hub through
    getting get got sending units pcs pieces qty quantity item items goods product products
    stuff parts equipment """
_CHAT = set(_CHAT_WORDS.split())
_CHAT |= {w for phrase in g.HELP | g.ACK for w in phrase.split()}
_CONNECTORS = {"&", "and", "of", "de", "du", "des", "der", "la", "le", "el", "al", "the", "y", "e"}


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


@lru_cache(maxsize=65536)
def _typo_of_chatter(w: str) -> bool:
    """ "shipp", "exprot": a question word mistyped (one edit), not a name."""
    if len(w) < 4 or w in _CHAT:
        return False
    return any(
        abs(len(c) - len(w)) <= 1 and Levenshtein.distance(c, w, score_cutoff=1) <= 1
        for c in _CHAT
        if len(c) >= 4
    )


def _has_name_word(text: str) -> bool:
    """Does a stretch contain a word written as a name (capitalised, another script, or unknown
    to English)? "power supplies" does not; "Acme", "华为", "hikvison" do."""
    for w in re.findall(r"[^\W_][\w'’&.\-]*", text):
        if w[:1].isupper() or not w.isascii() or (w.isalpha() and _zipf(w.lower()) == 0):
            return True
    return False


def _names_part(text: str) -> bool:
    """Is one part of "A and B" / "A, B" a name of its own? Not a legal form alone ("Tbk" of
    "PT Telekomunikasi Indonesia, Tbk") nor one common word ("One" of "One and One Green
    Technologies"); the phrase as a whole is screened as well."""
    return _has_name_word(text) and not _only_common_words(text.strip(" ,;:"))


def is_chatter(word: str) -> bool:
    """A word that never begins or ends a party name: a question word, verb or filler."""
    raw = word.strip(".'’")
    w = raw.lower()
    if raw.isupper() and len(raw) > 2 and w not in _SHOUTED_CHAT:
        return False  # "GREAT LAKES BUSINESS COMPANY": a name written in capitals
    # "They're", "we'll", "isn't": a contraction of a question word is one.
    head = _CONTRACTION.sub("", w)
    if head != w and head in _CHAT:
        return True
    # Kind-of-party words are generic only in lower case: "a university", not "University of X".
    generic = w in g.GENERIC and raw.islower()
    return (
        (w in _CHAT and not _capitalised_name_word(raw))
        or generic
        or not any(ch.isalpha() for ch in w)
        or (raw.islower() and _typo_of_chatter(w))
    )


_CONTRACTION = re.compile(r"(?:['’](?:re|s|ll|ve|d|m)|n['’]t)$")
_CALENDAR = {
    *(d.lower() for d in calendar.day_name),
    *(m.lower() for m in calendar.month_name if m and m != "May"),  # "May" is also a verb
}


def _capitalised_name_word(raw: str) -> bool:
    """A capitalised word that is chatter in lower case but names in names: "Group", "Trading"."""
    return raw[:1].isupper() and raw.lower() in _NAME_WORDS


# Chat words that people also write in capitals ("URGENT:", "FYI", "ASAP").
_SHOUTED_CHAT = {"urgent", "fyi", "asap", "pls", "plz", "rfq", "eod", "thx", "help", "hey", "hello"}
# Question words that are also common words of names when capitalised.
_NAME_WORDS_TEXT = """
    group trading international supply deal new partner all global first best great good united
    export exports import imports
    general clear safe light green service services software engineering equipment products
    parts solutions systems hub region quote"""
_NAME_WORDS = set(_NAME_WORDS_TEXT.split())


def _name_like(word: Word, first_in_sentence: bool) -> bool:
    """Could this word, left over after reading, be part of a name nobody screened?"""
    raw = word.text.strip(".'’")
    w = raw.lower()
    if not any(ch.isalpha() for ch in raw) or is_chatter(raw):
        return False
    if any(ch.isdigit() for ch in raw):  # "PO-88213", "EAR99", "3D", "5G": codes, not names
        return False
    if len(raw) <= 2 or re.fullmatch(r"[A-Z]{2,}s", raw):  # "DE", "GPUs", "FPGAs": not names
        return False
    if w.strip(".") in g.ABBREV:  # a legal form alone names no one
        return False
    if w in _CALENDAR:  # "next Tuesday", "by March": dates, not names
        return False
    if raw.islower():
        # Lower-case: only a word English does not know at all ("hikvison", not "oscilloscopes").
        return _zipf(w) == 0 and len(w) >= 5 and not _typo_of_chatter(w)
    return not (first_in_sentence and _zipf(w) >= COMMON_CAPITALISED_ZIPF)


@dataclass(frozen=True)
class Reading:
    """What a message asks, read whole: the parties to screen, the destination, and doubts."""

    question: Question
    parties: tuple[str, ...] = ()
    destination: Destination | None = None
    #: Places named in the message other than the destination ("from Iran", a second country).
    other_places: tuple[Destination, ...] = ()
    #: Words that could be a name and were not screened as part of one.
    leftover: tuple[str, ...] = ()
    #: Short acronyms beside a party ("RMA", "SFP"): screened, but no reason to ask back.
    minor: tuple[str, ...] = ()
    #: Parties found by linking the message against the list, beyond the grammar's party.
    linked: tuple[str, ...] = ()
    #: Listed acronyms found inside a longer name ("AIAI" in "AIAI Holdings Corporation"):
    #: screened, but their answer is never stricter than review.
    fragments: tuple[str, ...] = ()
    #: The message as read (plain text, normalised).
    question_text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        """True when every word that could name a party was screened as one."""
        return bool(self.parties or self.destination) and not self.leftover

    @property
    def guesses(self) -> tuple[str, ...]:
        """Best guesses to offer as buttons when the bot asks back."""
        return tuple(dict.fromkeys((*self.leftover, *self.parties)))[:3]


def _locate(text: str, phrase: str | None) -> tuple[int, int] | None:
    if not phrase:
        return None
    at = text.lower().find(phrase.lower())
    return None if at < 0 else (at, at + len(phrase))


def edge_chatter(word: str) -> bool:
    """Chatter, or a very common lower-case word ("placed", "next"), at the end of a phrase."""
    raw = word.strip(".'’,")
    return (
        is_chatter(word)
        or (raw.islower() and _zipf(raw) >= EDGE_ZIPF)
        or raw.lower() in _CALENDAR  # "… next Tuesday"
    )


def _trim_chatter(words: Sequence[Word]) -> list[Word]:
    """Drop chatter from both ends of a party phrase ("Acme Ltd good to go" -> "Acme Ltd")."""
    out = list(words)
    while out and edge_chatter(out[-1].text) and not _legal(out[-1].text):
        out.pop()
    while out and edge_chatter(out[0].text) and not _initial_of_capitals(out):
        out.pop(0)
    return out


def _initial_of_capitals(words: Sequence[Word]) -> bool:
    """ "A A TRADING FZCO": a capital letter before a word in capitals is the name's initial,
    not the article."""
    first = words[0].text.strip(".,")
    nxt = words[1].text.strip(".,") if len(words) > 1 else ""
    if len(first) != 1 or not first.isupper() or not nxt[:1].isupper():
        return False
    return (nxt.isupper() and nxt.isalpha()) or first not in ("A", "I")


def _runs(words: list[Word], keep: list[bool]) -> list[list[Word]]:
    """Contiguous runs of kept words in one sentence; connectors join two kept words."""
    runs: list[list[Word]] = []
    current: list[Word] = []
    for i, w in enumerate(words):
        joined = (
            current
            and w.text.lower() in _CONNECTORS
            and i + 1 < len(words)
            and keep[i + 1]
            and words[i + 1].sentence == w.sentence
        )
        if (keep[i] or joined) and (not current or current[-1].sentence == w.sentence):
            current.append(w)
            continue
        if current:
            runs.append(current)
        current = [w] if keep[i] else []
    if current:
        runs.append(current)
    return runs


_LEGAL_AFTER = "|".join(sorted(g.ABBREV | {"limited", "company", "gmbh", "s.a", "s.a.", "sa"}))
# List separators between parties; a comma before a legal form ("Co., Ltd.") is not one.
_SEPARATOR = re.compile(
    rf"\s*(?:,(?!\s*(?:{_LEGAL_AFTER})\b)|/|\+|\band\b|\bor\b|\bas\s+well\s+as\b)\s*",
    re.IGNORECASE,
)


_SIGN_OFF = re.compile(
    r"(?:thanks|thank\s+you|thx|ty|cheers|regards|best|br|kind\s+regards|many\s+thanks)\b",
    re.IGNORECASE,
)


# A sign-off ("thanks, Bob", "Regards, Maria") or a closing word to a colleague ("Thoughts,
# Jane?", "pls advise, Tom") at the end names the asker or a colleague, not a party.
_SIGNATURE = re.compile(
    r"(?:^|(?<=[\s,.!?]))(?:thanks|thank\s+you|thx|ty|cheers|regards|best|br|kind\s+regards|"
    r"many\s+thanks|thoughts|any\s+thoughts|ideas|advice|please\s+advise|pls\s+advise)\b"
    r"[\s,!.-]*(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)?)?[\s.!?]*$",
    re.IGNORECASE,
)


# Legal forms rigour's table lacks: Indonesian "Tbk" (Terbuka, a listed company).
_MORE_LEGAL_FORMS = {"tbk"}


@lru_cache(maxsize=65536)
def _legal(word: str) -> bool:
    """A legal form ("Ltd.", "GmbH", "FZCO", "S.A."): the grammar's short forms, then the
    maintained table of organisation types (rigour)."""
    bare = word.strip(".,")
    if bare.islower() and _zipf(bare) >= 5:
        return False  # "as" in running text is the word, not the Norwegian AS
    if bare.lower() in g.ABBREV or bare.lower() in _MORE_LEGAL_FORMS:
        return True
    # (The table also holds "in", "at", "is" as forms of some country: only a word written as
    # a legal form, with a capital, and never a question word, counts.)
    written = any(ch.isupper() for ch in bare) and bare.lower() not in _CHAT
    return len(bare) > 1 and written and not remove_org_types(bare).strip()


#: How many lower-case words before a legal form are read as a name ("devon energy corporation").
MAX_LOWER_NAME_WORDS = 5


def _ends_lower_name(word: str) -> bool:
    """Where a lower-case name read back from its legal form begins: after a question word,
    verb or preposition ("from", "is", "ship"), a number or punctuation; not after a word that
    also names ("foods", "safe", "institute": chatter alone, part of "b&g foods, inc.")."""
    raw = word.strip(".,'’")
    w = raw.lower()
    if not any(ch.isalpha() for ch in raw):
        return True
    if w in _NAME_WORDS or w in g.GENERIC:
        return False
    return w in _CHAT or _zipf(w) >= FUNCTION_WORD_ZIPF


#: Words this common end a lower-case name read back from its legal form ("the", "a", "our").
FUNCTION_WORD_ZIPF = 6.0


@lru_cache(maxsize=65536)
def _lower_legal_form(word: str) -> bool:
    """A legal form typed in lower case that is no everyday word: "inc.", "corp", "gmbh",
    "corporation", "s.a.", "co." (with its stop); not "company", "limited", "as", "co"."""
    raw = word.strip(",;:()")
    if not raw.islower():
        return False
    bare = raw.strip(".")
    dotted = "." in raw
    if len(bare) < 3 and "." not in bare and not (dotted and len(bare) == 2):
        return False
    known = (
        bare in g.ABBREV
        or bare in _MORE_LEGAL_FORMS
        or bare == "corporation"  # (not in rigour's table of forms)
        or not remove_org_types(bare).strip()
    )
    return known and (_zipf(bare.replace(".", "")) < 4.8 or dotted) and bare not in _CHAT


def _name_runs(words: list[Word], text: str = "") -> list[tuple[int, int]]:
    """Index ranges [i, j] of stretches with no chatter in one sentence: where names can be.

    Connectors ("&", "of", "and") stay inside a stretch between two other words, so "Bank of
    China" and "ZTE and Apple" are one stretch each (the latter is split into parties later).
    """
    runs: list[tuple[int, int]] = []
    i = 0
    n = len(words)
    while i < n:
        if is_chatter(words[i].text) and not _legal(words[i].text):
            i += 1
            continue
        j = i
        while j + 1 < n and words[j + 1].sentence == words[i].sentence:
            nxt = words[j + 1]
            if _FIELD_BREAK.search(text, words[j].end, nxt.start):
                break  # "Most Development Limited / CN / valves": fields, not one name
            if not is_chatter(nxt.text) or _legal(nxt.text) or _inner_name_word(words, j + 1):
                j += 1
                continue
            if (
                (nxt.text.lower() in _CONNECTORS or _NUMBER.fullmatch(nxt.text))
                and j + 2 < n
                and words[j + 2].sentence == words[i].sentence
                and not is_chatter(words[j + 2].text)
            ):
                j += 2  # ("China Academy of Space Technology 513 Research Institute")
                continue
            if _numbered(words, j + 1):
                j += 2  # ("Joint Stock Company Zavod No. 9")
                continue
            break
        runs.append((i, j))
        i = j + 1
    return runs


# After a code in parentheses, more of a name: a quote, or a capitalised word that is no
# question word ("(TZ) “October”", not "(DE) wants", "(CN) Can we").
_NAME_GOES_ON = re.compile(
    r"\)\s*(?:[“\"«]|(?!(?:Can|Is|Are|Do|Does|Please|Pls|OK|Ok)\b)[A-Z][a-z])"
)
_NUMBER = re.compile(r"#?\d+[\w\-/]*")
# A slash or bar set off by spaces separates fields of a message ("Acme Ltd / CN / valves").
_FIELD_BREAK = re.compile(r"\s[/|]\s")


def _numbered(words: list[Word], i: int) -> bool:
    """ "No. 9", "No 28", "Nr. 3" at words[i:i+2], within one sentence: a number of a name."""
    return (
        i + 1 < len(words)
        and words[i].text.rstrip(".").lower() in ("no", "nr", "n°")
        and words[i].text[:1].isupper()
        and words[i + 1].sentence == words[i].sentence
        and _NUMBER.fullmatch(words[i + 1].text.rstrip(".,")) is not None
    )


def _written_like_name(raw: str) -> bool:
    return raw[:1].isupper() and raw.isalpha()


def _inner_name_word(words: list[Word], i: int) -> bool:
    """A question word written as part of the name around it: "Ardmore Shipping Corporation",
    "AMERICAN TUNE UP, S.A.". Capitalised, inside one sentence, between a name word before it
    and a name word or legal form after it (never the sentence's first word: "Can", "Ship")."""
    if i == 0 or i + 1 >= len(words):
        return False
    w, before, after = words[i], words[i - 1], words[i + 1]
    if before.sentence != w.sentence or after.sentence != w.sentence:
        return False
    raw = w.text.strip(".'’,")
    if not _written_like_name(raw) or raw.lower() in _NEVER_INSIDE:
        return False
    if raw.lower() in _TITLE_INSIDE and not raw.istitle():
        return False
    if raw.isupper() != before.text.strip(".,").isupper() and not raw.istitle():
        return False
    name_before = not is_chatter(before.text) and before.text[:1].isupper()
    name_after = (not is_chatter(after.text) and after.text[:1].isupper()) or _legal(after.text)
    return name_before and name_after


# Question words that never sit inside a name, however written ("… Corp Can we …").
_NEVER_INSIDE = {"i", "we", "you", "they", "can", "could", "would", "is", "are", "do", "does", "or"}
# Written in title case between two name words, these belong to the name ("Drugs Made In
# America Acquisition Corp.", "Bank For Foreign Trade"); in lower case they never do.
_TITLE_INSIDE = {"to", "for", "from", "in", "at", "on", "with", "by", "and", "the"}


def _spans_a_separator(found: list[LinkedSpan], parts: list[tuple[int, int]]) -> bool:
    """Does a listed name found in the text run across the "and" between two parts ("Moscow
    Institute of Physics and Technology")? Then the parts are not separate parties."""
    return any(f.start < p[0] < f.end for f in found for p in parts[1:])


def _parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a stretch at list separators: "ZTE and Apple" -> "ZTE", "Apple"."""
    out: list[tuple[int, int]] = []
    at = start
    for m in _SEPARATOR.finditer(text, start, end):
        if m.start() > at:
            out.append((at, m.start()))
        at = m.end()
    if at < end:
        out.append((at, end))
    return out


_DASH = re.compile(r"\s[—–|]\s|\s-\s")


def _cut_at_dash(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """ "X — China — PO 123", "X — are we ok": the name ends at a dash followed by no more name
    ("inIT - Institut Industrial IT" goes on: more name words follow the dash)."""
    seg = text[span[0] : span[1]]
    for m in _DASH.finditer(seg):
        if m.start() == 0:
            continue
        rest = seg[m.end() :]
        nxt = _DASH.search(rest)
        if not _names_more(rest[: nxt.start()] if nxt else rest):
            return (span[0], span[0] + m.start())
    return span


def _names_more(piece: str) -> bool:
    """Does the stretch after a dash go on with a name (not a place, chatter or a code)?"""
    words = words_of(piece)
    if not words or is_chatter(words[0].text) or any(ch.isdigit() for ch in words[0].text):
        return False
    places = find_places(piece)
    named = [
        w
        for w in words
        if w.text[:1].isupper()
        and not is_chatter(w.text)
        and not any(s <= w.start < e for s, e, _ in places)
    ]
    return bool(named)


def _trim_party(text: str, words: list[Word], span: tuple[int, int]) -> tuple[int, int] | None:
    """The grammar's party without chatter at its ends, nor a trailing "in <place>"."""
    span = _cut_at_dash(text, span)
    inside = [w for w in words if span[0] <= w.start < span[1]]
    # "End customer: Acme GmbH": a label of common words before a colon names no one.
    for k in range(len(inside) - 1, 0, -1):
        if text[inside[k - 1].end : inside[k].start].strip() == ":" and _label(inside[:k]):
            inside = inside[k:]
            break
    inside = _trim_chatter(inside)
    while inside:
        tail = text[inside[0].start : inside[-1].end]
        m = re.search(r"\s+(?:in|at|from|based\s+in|located\s+in)\s+(?P<p>[^,]+)$", tail, re.I)
        if m is None or not find_places(m.group("p")):
            # "…, Texas", "… (Munich)", "… Ltd. England": a place after a comma, in parentheses
            # or after a full stop locates the party (the last such break that leaves a place).
            m = next(
                (
                    c
                    for b in reversed(list(_PLACE_BREAK.finditer(tail)))
                    if (c := _PLACE_AFTER.match(tail, b.start())) is not None
                    and c.start() > 0
                    and match_place(c.group("p")) is not None
                ),
                None,
            )
            if m is None:
                # "A A TRADING FZCO United Arab Emirates": a place right after the legal form
                # that ends a name is where the party is, not more of its name.
                after_legal = _place_after_legal_form(text, inside)
                if after_legal is None:
                    break
                inside = _trim_chatter([w for w in inside if w.end <= after_legal])
                continue
        cut = inside[0].start + m.start()
        inside = _trim_chatter([w for w in inside if w.end <= cut])
    return (inside[0].start, inside[-1].end) if inside else None


def _capitalised_core(party: str) -> str | None:
    """The party without lower-case words at its ends, when what is left is still a name of
    more than one word ("Most Technology Limited" of "q wupioza Most Technology Limited")."""
    words = party.split()

    def lower(word: str, nxt: str = "") -> bool:
        """No capital in it; but "10x" before "Genomics" begins the name."""
        bare = word.strip(".,;:…")
        if any(ch.isupper() for ch in bare):
            return False
        return not (any(ch.isdigit() for ch in bare) and nxt[:1].isupper())

    while words and lower(words[0], words[1] if len(words) > 1 else ""):
        words.pop(0)
    while words and lower(words[-1]):
        words.pop()
    core = _without_full_stop(" ".join(words).strip(" ,;:…"))
    if len(words) < 2 or not _has_name_word(core):
        return None
    return core


def _label(words: Sequence[Word]) -> bool:
    """Words before a colon that label a field ("End User", "Deal desk question", "Item"): a
    few common words ending in a field's noun ("Keen Vision Acquisition Corporation:" and
    "Apple:" are names)."""
    return (
        0 < len(words) <= 4
        and _bare(words[-1].text) in _LABEL_NOUNS
        and all(is_chatter(w.text) or _zipf(_bare(w.text)) >= COMMON_NAME_WORD_ZIPF for w in words)
    )


# The nouns that end the labels of a message's fields ("End user:", "Ship-to address:").
_LABEL_NOUNS_TEXT = """
    customer user party consignee buyer question item items product products goods country
    destination dest name company client distributor reseller end-user enduser note subject re
    order po qty quantity address location contact vendor supplier ship-to shipto bill-to
    recipient prospect lead account entity counterparty"""
_LABEL_NOUNS = set(_LABEL_NOUNS_TEXT.split())


def _place_after_legal_form(text: str, inside: list[Word]) -> int | None:
    """Where the name ends when the words after one of its legal forms are only a place."""
    for k in range(1, len(inside)):
        if _legal(inside[k - 1].text) and not _legal(inside[k].text):
            rest = text[inside[k].start : inside[-1].end].strip(" ,.;:()")
            if match_place(rest) is not None:
                return inside[k - 1].end
    return None


_PLACE_BREAK = re.compile(r",|\s*\(|(?<=\.)\s")
_PLACE_AFTER = re.compile(r"(?:,|\s*\(|(?<=\.)\s)\s*(?P<p>[^,()]+?)\)?\.?$")


def read_message(raw: str, question: Question, linker: Linker | None) -> Reading:
    """Read ``raw`` (plain text) given the grammar's parse ``question``."""
    text = normalise_text(raw)
    words = words_of(text)
    covered = [False] * len(words)

    def cover(span: tuple[int, int] | None) -> None:
        if span is None:
            return
        for i, w in enumerate(words):
            if w.start >= span[0] and w.end <= span[1]:
                covered[i] = True

    places = find_places(text)
    # "Hangzhou Xueji Technology", "Beijing Aerospace …": a place written right before more
    # name words begins a name; it is not where the shipment goes (a restricted one still
    # counts below, as a place named elsewhere).
    # So is a place between name words and a legal form ("PT Telekomunikasi Indonesia, Tbk",
    # "Sunrise Import and Export (Ningbo) Co., Ltd.").
    prefixes = [
        (s0, e0, d)
        for s0, e0, d in places
        if (_begins_name(text, places, s0, e0) or _within_name(text, s0, e0))
        and not (e0 - s0 <= 2 and text[s0:e0].isupper())  # ("PT Telekomunikasi": a legal form)
    ]
    places = [p for p in places if p not in prefixes]

    # "@canweship", "#exports": a handle or a channel, not a party.
    for i, w in enumerate(words):
        if w.start > 0 and text[w.start - 1] in "@#":
            covered[i] = True

    # "End User:", "Deal desk question:": a label of common words before a colon names no one.
    for i, w in enumerate(words):
        if not text[w.end :].startswith(":"):
            continue
        k = i
        while k > 0 and words[k - 1].sentence == w.sentence:
            k -= 1
        if _label(words[k : i + 1]):
            for j in range(k, i + 1):
                covered[j] = True

    # A sign-off at the end ("thanks, Bob") names the asker, not a party.
    if m := _SIGNATURE.search(text):
        cover((m.start(), m.end()))
    # A "party" of lower-case common words only ("distribute our valves" of "TOP Ships, Inc.
    # wants to distribute our valves") is the grammar misreading a verb: it found no party, and
    # its split of the rest of the message is a guess too.
    if question.party and not _has_name_word(question.party):
        question = replace(question, party=None)
    # The grammar's item, quantity and purpose are accounted for.
    # (Only when it also found the party: without one, its split of the message is a guess, and
    # "ship-to: MBIA Inc., Texas / 12x …" must not hide the party inside the "item".)
    for phrase in (question.item, question.quantity, question.purpose) if question.party else ():
        cover(_locate(text, phrase))

    # Parties: (start, end) spans of the text, in the order found.
    spans: list[tuple[int, int]] = []
    grammar_span = _locate(text, question.party)
    # A party the grammar took that is not in the text verbatim is screened as given.
    spans_text_only = question.party if grammar_span is None else None
    if grammar_span is not None:
        # "for K Logistics (China) Limited": a capital initial right before the phrase begins it.
        before = [w for w in words if w.end <= grammar_span[0]]
        if before and text[before[-1].end : grammar_span[0]].strip() == "":
            initial = before[-1].text.strip(".")
            if len(initial) == 1 and initial.isupper() and initial not in ("A", "I"):
                grammar_span = (before[-1].start, grammar_span[1])
        # "End customer: Acme GmbH (London)\nItem: GPUs": a name ends with its line.
        first_line = text.find("\n", *grammar_span)
        if first_line > grammar_span[0]:
            grammar_span = (grammar_span[0], first_line)
        # "Prospect: Immunovant, Inc.. HQ: Pyongyang.": a name also ends with its sentence.
        grammar_span = _first_sentence(text, words, grammar_span)
        grammar_span = _trim_party(text, words, _through_name(words, grammar_span))
        if grammar_span is not None:
            spans.append(grammar_span)
            # "Hikvision says Northwest Institute of Nuclear Technology wants cameras": common
            # lower-case words inside the phrase separate names; each is screened as well.
            spans.extend(p for p in _pieces(text, words, grammar_span) if p not in spans)
    found_all = linker(text, words) if linker else []
    if grammar_span is not None:
        # "can we ship to A and B?": each party named is screened, and the phrase as a whole —
        # unless a listed name spans the separator ("Moscow Institute of Physics and Technology").
        parts = _parts(text, *grammar_span)
        if len(parts) > 1 and not _spans_a_separator(found_all, parts):
            # "…, thanks Bob": a sign-off and what follows it is the asker, not a party.
            kept = [p for p in parts if not _SIGN_OFF.match(text, p[0])]
            trimmed = [_trim_party(text, words, p) for p in kept]
            if trimmed != parts:
                # A part that is chatter ("…, thanks Bob"): the phrase as a whole is no name.
                spans.remove(grammar_span)
            spans.extend(
                p
                for p in trimmed
                if p is not None and p not in spans and _names_part(text[p[0] : p[1]])
            )

    # Listed names anywhere: the linker's window is the name as written around the listed one
    # (it prefers the longer window when that costs little: "Apple Inc.", not "Apple"). The
    # grammar's phrase is screened too, when different: the strictest of the two stands.
    # A listed name found inside a longer stretch of name words ("Kestrel Optics Inc." around
    # "Optics") stands alone only when it is near-exact and distinctive; otherwise the stretch
    # as written is the party, so one common word of a longer name does not decide for it.
    runs = []
    for i, j in _name_runs(words, text):
        run = _trim_party(text, words, (words[i].start, words[j].end))
        if run:
            runs.append(run)
    linked: list[str] = []
    linked_spans: list[tuple[int, int]] = []
    fragments: list[str] = []
    for found in found_all:
        if not _credible(found):
            continue
        part = (found.start, found.end)
        run = next((r for r in runs if r[0] <= part[0] and part[1] <= r[1]), part)
        if run != part and not _stands_alone(found):
            part = run
        elif run != part and len(found.text.split()) == 1:
            # "AIAI Holdings Corporation" around the listed acronym "AIAI", "Silver Pegasus
            # Acquisition Corp" around a listed "Pegasus": screened, but one word does not
            # make a longer name that party: at most review.
            fragments.append(found.text)
        if part in spans:
            continue
        spans.append(part)
        linked.append(text[part[0] : part[1]])
        linked_spans.append(part)
        if run != part and run not in spans:
            spans.append(run)  # the whole stretch too: the strictest of the two stands
    # A stretch that is only a place ("India", "Luhansk") is a place, not a party.
    for span in [sp for sp in spans if match_place(_PLACE_CUE.sub("", text[sp[0] : sp[1]]))]:
        spans.remove(span)
        if span in linked_spans:
            linked.remove(text[span[0] : span[1]])
    # A bare code ("GD", "DE", the "PT" of "PT Telekomunikasi") counts as a place only in
    # parentheses or after in/to/from; otherwise it is neither a place nor covered as one.
    places = [
        (s0, e0, d)
        for s0, e0, d in places
        if not (e0 - s0 <= 2 and text[s0:e0].isupper())
        # ("(TZ)" in parentheses, but not inside a name that goes on after it: "Tambov Plant
        # (TZ) “October”")
        or (text[:s0].rstrip().endswith("(") and not _NAME_GOES_ON.match(text, e0))
        or re.search(r"\b(?:in|to|from|at|into|the)\s*$", text[:s0], re.I)
        # "destination IR", "country: CU" (not "ship-to: TD SYNNEX": a party follows that)
        or re.search(r"\b(?:destination|dest|country)\s*:?\s*$", text[:s0], re.I)
        # a field of its own: "XIAO-I Corporation / IR / software licenses", "Acme | CU",
        # "Ship-to: IR | Item: GPUs", "check Tely Labs pls, IR, sensors" (not "IR sensors")
        or (
            re.search(r"[/|,:]\s*$", text[:s0]) is not None
            and re.match(r"\s*(?:[/|,;.?!]|$)", text[e0:]) is not None
        )
    ]
    for span in spans:
        cover(span)
    cover_places = [(s, e) for s, e, _ in places]
    for span in cover_places:
        cover(span)

    # Places anywhere. "from X" names an origin; a place inside a party's name ("Hangzhou
    # Hikvision", "Bank of China") is not a destination, but a restricted one still counts below.
    def in_party(start: int, end: int) -> bool:
        """Is the place part of a party's name? Not when it follows the name as its location
        (", Texas", "(Munich)", "in Iran") or is written in lower case ("… cuba")."""
        before = text[:start].rstrip()
        located = (
            before.endswith((",", "(", "/"))
            or re.search(r"\b(?:in|at|from|based|near|to|into)(?:\s+the)?$", before, re.I)
            or _TO.search(before)  # "destination Donetsk"
        )
        if located or text[start:end].islower():
            return False
        return any(s0 <= start and end <= e0 for s0, e0 in spans)

    destination = question.destination
    if destination is None:
        # The destination is the place said most clearly to be one: "to X" / "destination X"
        # first, then "in X", then a place set off by a comma, slash or parentheses, then any.
        ranked: dict[int, list[Destination]] = {}
        for s0, e0, d in places:
            before = text[max(0, s0 - 30) : s0]
            if in_party(s0, e0) or (
                re.search(r"\bfrom\s+$", before, re.I) and not _located(before)
            ):
                continue
            ranked.setdefault(_place_rank(before), []).append(d)
        for rank in sorted(ranked):
            if len({d.country for d in ranked[rank]}) == 1:
                destination = ranked[rank][0]
                break
            break  # the clearest mentions disagree: no destination, and all count as others
    others = tuple(
        dict.fromkeys(
            d
            for _, _, d in sorted(places + prefixes, key=lambda p: p[0])
            if destination is None or d.country != destination.country
        )
    )

    # What is left that could be a name.
    first = {i for i, w in enumerate(words) if i == 0 or words[i - 1].sentence != w.sentence}
    keep = [
        not covered[i] and _name_like(w, i in first or (i > 0 and not words[i - 1].text.isalpha()))
        for i, w in enumerate(words)
    ]
    for i in range(1, len(words)):
        # A legal form after a name belongs to it: "Apple Inc." is screened whole.
        if keep[i - 1] and not covered[i] and _legal(words[i].text):
            keep[i] = True
    for i in range(1, len(words) - 1):
        # "Ardmore Shipping Corporation": a question word written inside a name is part of it.
        inner = not keep[i] and not covered[i] and not covered[i + 1] and keep[i - 1]
        if inner and _inner_name_word(words, i):
            keep[i] = True
            if _legal(words[i + 1].text):
                keep[i + 1] = True

    for i in range(len(words) - 2, -1, -1):
        # "T N K FABRICS LIMITED": capital initials before a name in capitals are part of it.
        initial = words[i].text.strip(".")
        nxt = words[i + 1]
        if (
            not covered[i]
            and len(initial) == 1
            and initial.isupper()
            and keep[i + 1]
            and nxt.sentence == words[i].sentence
            and (
                nxt.text.strip(".,").isupper()
                # ("K Logistics (China) Limited"; "A" and "I" before a capital are words)
                or (nxt.text[:1].isupper() and initial not in ("A", "I"))
            )
        ):
            keep[i] = True
    for i, w in enumerate(words):
        # "is devon energy corporation allowed …", "a request from twfg, inc.": a name typed in
        # lower case still ends in its legal form; the words before it, back to chatter, are
        # the name (screened, or asked about), never passed over as common words.
        if covered[i] or keep[i] or not _lower_legal_form(w.text):
            continue
        k = i
        while (
            k > 0
            and i - k < MAX_LOWER_NAME_WORDS
            and words[k - 1].sentence == w.sentence
            and not covered[k - 1]
            and not _ends_lower_name(words[k - 1].text)
            and not _lower_legal_form(words[k - 1].text)
        ):
            k -= 1
        if k < i:
            for j in range(k, i + 1):
                keep[j] = True
    for i in range(1, len(words) - 1):
        # "Joint Stock Company Zavod No. 9": the number of a name belongs to it.
        if keep[i - 1] and not covered[i] and not covered[i + 1] and _numbered(words, i):
            keep[i] = keep[i + 1] = True

    # "Two Harbors Investments Corp 7.25% Series C Fixed", "Lehman ABS 3.50 3.50% Adjustable …":
    # numbers or short acronyms between two stretches of name words in one sentence are part of
    # the name; so is "10x" / "CH4" written before one ("10x Genomics, Inc.").
    def filler(i: int) -> bool:
        raw = words[i].text.strip(".,")
        short_caps = raw.isupper() and raw.isalpha() and len(raw) <= 3  # "SuperX AI Technology"
        return not keep[i] and not covered[i] and (short_caps or any(c.isdigit() for c in raw))

    i = 0
    while i < len(words):
        if not filler(i):
            i += 1
            continue
        j = i
        while j + 1 < len(words) and words[j + 1].sentence == words[i].sentence and filler(j + 1):
            j += 1
        sentence = words[i].sentence
        prev = i > 0 and words[i - 1].sentence == sentence and keep[i - 1]
        nxt = j + 1 < len(words) and words[j + 1].sentence == sentence and keep[j + 1]
        leading = (
            nxt
            and not prev
            and i == j
            and any(ch.isalpha() for ch in words[i].text)
            and words[j + 1].text[:1].isupper()
            # ("12x SFP transceivers": a quantity before jargon, not a name)
            and not _ACRONYM.fullmatch(words[j + 1].text.strip(".,"))
        )
        # "Bank7 Corp.": a letters-and-digits word right before a legal form is a name.
        named_by_form = (
            i == j
            and j + 1 < len(words)
            and words[j + 1].sentence == sentence
            and not covered[j + 1]
            and any(ch.isalpha() for ch in words[i].text)
            and words[i].text[:1].isupper()
            and _legal(words[j + 1].text)
        )
        if (prev and nxt) or leading or named_by_form:
            for k in range(i, j + 1):
                keep[k] = True
            if named_by_form:
                keep[j + 1] = True
        i = j + 1
    runs_left = _merge_dashed(text, _runs(words, keep))
    # A stretch right after a word that introduces a party ("via X", "c/o X", "consignee X")
    # is a party, not a doubt.
    for r in list(runs_left):
        i = words.index(r[0])
        if i > 0 and words[i - 1].text.lower().strip(":") in _PARTY_CUES:
            spans.append((r[0].start, r[-1].end))
            runs_left.remove(r)
    # "Checking before I invoice …": one common word that begins a sentence is capitalised by
    # grammar, not as a name; it is screened (a listed one would say so) but raises no doubt.
    opening = [
        r
        for r in runs_left
        if len(r) == 1
        and words.index(r[0]) in first
        and _zipf(_bare(r[0].text)) >= SENTENCE_START_ZIPF
    ]
    runs_left = [r for r in runs_left if r not in opening]
    leftover = [text[r[0].start : r[-1].end] for r in runs_left]
    parties = [_without_full_stop(text[s:e].strip(" ,;:")) for s, e in spans]
    if parties:
        # Beside a party, a stretch of common words ("Institute", "Trade Limited Company") names
        # no one by itself: it is not screened as a party of its own.
        leftover = [w for w in leftover if not _only_common_words(w)]
    if not spans and question.party and grammar_span is None and spans_text_only:
        parties.append(spans_text_only)
    # "End customer is Acme GmbH in Canada. Distributor is Arrow.": a name alone in a sentence of
    # its own is a party of its own (screened and shown), not a piece of another name. Without
    # any other party, this holds only when every such name stands alone in its sentence.
    taken = {w.sentence for w in words for s0, e0 in spans if s0 <= w.start < e0}
    alone = [
        r
        for r in runs_left
        if r[0].sentence not in taken
        and sum(1 for q in runs_left if q[0].sentence == r[0].sentence) == 1
        and _looks_like_party(text[r[0].start : r[-1].end])
    ]
    if (spans and alone) or (not spans and len(alone) > 1 and len(alone) == len(runs_left)):
        for r in alone:
            parties.append(_without_full_stop(text[r[0].start : r[-1].end].strip(" ,;:")))
            leftover = [w for w in leftover if w != text[r[0].start : r[-1].end]]
    # "Hi Team, Sales Ops here. Customer Revvity …", "End User Statement received from …": a
    # stretch of everyday words with no legal form, beside a candidate that is more of a name,
    # is a title or a role more often than a party. It is still screened (a listed one, such as
    # "Northwest Institute of Nuclear Technology", would say so: the strictest answer stands),
    # but raises no doubt of its own.
    everyday = [w for w in leftover if _everyday_words(w)]
    if (
        parties
        and len(everyday) < len(leftover)
        and all(_everyday_words(p) and p not in linked for p in parties)
    ):
        # ("Sales Ops here. Customer Revvity …": the grammar's party is the title; the name
        # left over is the party.)
        minor_everyday, parties = list(parties), []
    else:
        minor_everyday = []
    if everyday and (parties or minor_everyday or len(everyday) < len(leftover)):
        minor_everyday += everyday
        leftover = [w for w in leftover if w not in everyday]
        runs_left = [r for r in runs_left if text[r[0].start : r[-1].end] not in everyday]
    # A short acronym ("RMA", "SFP") beside another candidate is jargon more often than a
    # party: it is still screened (a listed one would say so), but raises no doubt of its own.
    minor = [w for w in leftover if _ACRONYM.fullmatch(w)] if len(leftover) > 1 or parties else []
    leftover = [w for w in leftover if w not in minor]
    minor += [r[0].text.strip(".,") for r in opening] + minor_everyday
    if not parties and len(leftover) == 1 and _looks_like_party(leftover[0]):
        # Nothing else in the message could be the party: read it as the party, and each part
        # of "A and B" too (the strictest stands), unless a listed name spans the "and".
        run = runs_left[0]
        parts = _parts(text, run[0].start, run[-1].end)
        named = [text[a:b].strip(" ,;:") for a, b in parts if _names_part(text[a:b])]
        split = len(parts) > 1 and not _spans_a_separator(found_all, parts)
        parties = [leftover[0], *(named if split else [])]
        # ("new distributor archipel sa": read back from its legal form, the lower-case name may
        # have taken words that introduce it; the name without them is screened as well.)
        core = _trim_chatter(run)
        if core and core != run and len(core) > 1:
            parties.append(text[core[0].start : core[-1].end])
        leftover = []
    elif not parties and len(runs_left) > 1 and _a_list(text, runs_left):
        # "orders from 10x Genomics, Inc. and CH4 Natural Solutions Corporation": stretches
        # joined only by "and", "&", "/" or commas are the parties named, each screened.
        candidates = [text[r[0].start : r[-1].end] for r in runs_left]
        if set(candidates) == set(leftover) and all(_looks_like_party(c) for c in candidates):
            parties, leftover = candidates, []
    # "q wupioza Most Technology Limited", "Smart Mail Services engfrlxf": lower-case words
    # at the edge of a stretch may be typos or words of another language rather than its
    # name; the name as capitalised is screened as well (the strictest stands).
    parties += [core for p in parties if (core := _capitalised_core(p)) and core != p]
    parties = list(dict.fromkeys(p for p in parties if p))
    first_party = parties[0] if parties else None
    return Reading(
        question=replace(question, destination=destination, party=first_party),
        parties=tuple(parties),
        destination=destination,
        other_places=others,
        leftover=tuple(leftover),
        minor=tuple(minor),
        linked=tuple(linked),
        fragments=tuple(f for f in map(_without_full_stop, fragments) if f in parties),
        question_text=text,
    )


def _first_sentence(text: str, words: list[Word], span: tuple[int, int]) -> tuple[int, int]:
    """The span up to the end of the sentence it starts in, when a full stop, "?" or "!"
    (not an abbreviation's stop, nor a colon: "End customer: Acme") ends that sentence."""
    inside = [w for w in words if span[0] <= w.start < span[1]]
    for a, b in itertools.pairwise(inside):
        if a.sentence != b.sentence and re.search(r"[.?!]", text[a.end : b.start]):
            return (span[0], a.end)
    return span


def _through_name(words: list[Word], span: tuple[int, int]) -> tuple[int, int]:
    """The grammar's party, carried on to the end of the stretch of name words it stops inside
    ("Arthur J" of "… to Arthur J. Gallagher & Co. next week": the grammar stopped at the full
    stop of an initial, which ends no sentence). Only capitalised words, legal forms and the
    connectors between them carry it; chatter ends it, and `_trim_party` trims what is left."""
    inside = [i for i, w in enumerate(words) if span[0] <= w.start < span[1]]
    if not inside:
        return span
    j = inside[-1]
    if words[j].end < span[1]:
        return span  # the phrase ends inside a word: leave it as the grammar read it
    end = span[1]
    k = j + 1
    while k < len(words) and words[k].sentence == words[j].sentence:
        raw = words[k].text
        if _legal(raw) or (raw[:1].isupper() and not is_chatter(raw)):
            end = words[k].end
            k += 1
        elif (
            raw.lower() in _CONNECTORS
            and k + 1 < len(words)
            and words[k + 1].sentence == words[j].sentence
            and (words[k + 1].text[:1].isupper() or _legal(words[k + 1].text))
        ):
            k += 1
        else:
            break
    return (span[0], end)


def _begins_name(
    text: str, places: list[tuple[int, int, Destination]], start: int, end: int
) -> bool:
    """Is the place at [start, end) the first word of a name: capitalised, and followed in the
    same sentence by a capitalised word that is no place and no question word?"""
    if not text[start : start + 1].isupper() or text[start:end].endswith("."):
        return False  # ("Bangalore. SFP transceivers": the sentence ended)
    m = re.match(r" +([^\W\d_][\w'’&.\-]*)", text[end:])
    if m is None:
        return False
    nxt = m.group(1)
    at = end + m.start(1)
    if any(s0 <= at < e0 for s0, e0, _ in places):
        return False
    return nxt[:1].isupper() and not is_chatter(nxt) and not _legal(nxt)


def _within_name(text: str, start: int, end: int) -> bool:
    """Is the place at [start, end) inside a name: after a name word, and followed only by a
    legal form ("… Indonesia, Tbk", "… (Ningbo) Co., Ltd.")?"""
    before = re.search(r"([^\W\d_][\w'’&.\-]*)[\s(]*$", text[:start])
    if before is None or not text[start : start + 1].isupper():
        return False
    word = before.group(1)
    if not word[:1].isupper() or is_chatter(word):
        return False
    # Then a legal form, perhaps after a few more name words ("( Thailand ) Public Company
    # Limited"), before anything else.
    rest = text[end:]
    for _ in range(4):
        m = re.match(r"[\s),]*([^\W\d_][\w'’&.\-]*)", rest)
        if m is None:
            return False
        nxt = m.group(1)
        if _legal(nxt):
            return True
        if not nxt[:1].isupper() or is_chatter(nxt):
            return False
        rest = rest[m.end() :]
    return False


_LOCATED = re.compile(r"(?:[A-Z][\w'’&.\-]*|[A-Za-z.]+\.)\s+from\s+$")


def _located(before: str) -> bool:
    """ "ACME Ltd from Canada": "from" right after a name says where the party is; after a
    verb ("ship from Germany") it names an origin."""
    m = _LOCATED.search(before)
    return m is not None and not is_chatter(m.group().split()[0])


def _pieces(text: str, words: list[Word], span: tuple[int, int]) -> list[tuple[int, int]]:
    """The stretches of name words inside a phrase split at common lower-case words ("says",
    "wants"; connectors such as "of", "and", "de" stay inside), when there are two or more."""
    inside = [w for w in words if span[0] <= w.start and w.end <= span[1]]
    pieces: list[list[Word]] = [[]]
    for w in inside:
        raw = w.text.strip(".,'’")
        if _SIGN_OFF.fullmatch(raw):
            break  # "…, thanks Bob": the asker, not a party
        if raw.islower() and raw not in _CONNECTORS and edge_chatter(w.text):
            if pieces[-1]:
                pieces.append([])
            continue
        pieces[-1].append(w)
    named = [
        p
        for p in pieces
        if p
        and _has_name_word(text[p[0].start : p[-1].end])
        and not _only_common_words(text[p[0].start : p[-1].end])  # ("New lead Acme": not "New")
    ]
    if len([p for p in pieces if p]) < 2 or not named:
        return []
    return [(p[0].start, p[-1].end) for p in named]


def _without_full_stop(name: str) -> str:
    """ "Hikvision." at the end of a sentence is "Hikvision"; "Acme Inc." keeps its stop."""
    words = name.split()
    if name.endswith(".") and words and not _legal(words[-1]) and not re.search(r"\.\w", words[-1]):
        return name[:-1]
    return name


def _merge_dashed(text: str, runs: list[list[Word]]) -> list[list[Word]]:
    """Join two stretches of name words separated only by a dash: "inIT - Institut Industrial",
    "SUPSI - University of Applied Sciences" (a dash otherwise ends a stretch)."""
    out: list[list[Word]] = []
    for run in runs:
        if out and re.fullmatch(r"\s+[-–]\s+", text[out[-1][-1].end : run[0].start]):
            out[-1] = out[-1] + run
        else:
            out.append(run)
    return out


def _a_list(text: str, runs: list[list[Word]]) -> bool:
    """Are the stretches a list, with only separators between them ("A and B", "A, B / C")?"""
    return all(
        re.fullmatch(r"\s*(?:,|/|&|\+|,?\s*and|,?\s*or)\s*", text[a[-1].end : b[0].start], re.I)
        for a, b in itertools.pairwise(runs)
    )


def _credible(found: LinkedSpan) -> bool:
    """A listed name found in free text: one word counts only when it is rare in English and
    written as a name ("Rosoboronexport", "ZTE"); "Corporation", "Planet", "shipp" do not."""
    words = found.text.split()
    if len(words) > 1:
        return True
    raw = found.text.strip(".,'’")
    if raw.islower():
        return _zipf(raw) < LOWER_ALONE_ZIPF
    return _zipf(raw.lower()) < ALONE_ZIPF


def _stands_alone(found: LinkedSpan) -> bool:
    """Is a listed name found inside a longer stretch of name words a party of its own? When
    it holds an identifying word and matches strongly (several words), or is one rare word
    matching near-exactly ("Rosoboronexport next week")."""
    if not found.identifying:
        return False
    if len(found.text.split()) > 1:
        # Several words with an identifying one, matching strongly: screened beside the
        # stretch (the strictest stands; a listed name followed by stray words must not hide
        # in the stretch). A weaker match of part of a longer name ("Scientific Corporation"
        # of "Boston Scientific Corporation" ~ "TRANS SCIENTIFIC CORP.", 89) is no party of
        # its own: the stretch as written is screened instead.
        return found.score >= FRAGMENT_SCORE
    rare = _zipf(_bare(found.text)) < ALONE_ZIPF
    return found.score >= ALONE_SCORE and rare


def _bare(word: str) -> str:
    return word.strip(".,'’()").lower()


def _everyday_words(text: str) -> bool:
    """Every word of the stretch is an everyday English word and none is a legal form ("Sales
    Ops", "User Statement", "OK. Country"): a title or a role, not a company's name as written."""
    words = [w.strip(".,'’()") for w in text.split()]
    words = [w for w in words if w and w.lower() not in _CONNECTORS]
    if not words or any(w.lower() in _FORMS_WRITTEN_OUT or w.lower() in g.ABBREV for w in words):
        return False
    return all(w.isalpha() and _zipf(w.lower()) >= EVERYDAY_ZIPF for w in words)


_FORMS_WRITTEN_OUT = {"company", "corporation", "limited", "incorporated"}
#: Everyday words ("sales" 5.0, "ops" 3.8), not rarer name words ("Peloton" 2.8, "Revvity" 0).
EVERYDAY_ZIPF = 3.5


def _only_common_words(text: str) -> bool:
    """One common word, legal forms aside ("Institute", "Trade Limited Company"). A longer
    stretch of common words can be a name ("Northwest Institute of Nuclear Technology")."""
    words = [w for w in text.split() if not _legal(w) and w.lower() not in _CONNECTORS]
    return len(words) <= 1 and all(
        _zipf(w.strip(".,'’").lower()) >= COMMON_NAME_WORD_ZIPF for w in words
    )


_TO = re.compile(
    r"\b(?:to|into|destination|dest|going\s+to|bound\s+for|ship\s+to|country)\s*:?\s*"
    r"(?:the\s+)?$",
    re.I,
)
# A place with the word that names it as one ("destination Donetsk", "country: CU") is a place.
_PLACE_CUE = re.compile(
    r"^[\s,.;:()]*(?:(?:destination|dest|country|ship[\s-]+to)\b\s*:?)?|[\s,.;:()]*$", re.I
)
_IN = re.compile(r"\b(?:in|at|based\s+in|located\s+in|near)\s*$", re.I)


def _place_rank(before: str) -> int:
    """How clearly the words before a place make it the destination (0 is clearest)."""
    if _TO.search(before):
        return 0
    if _IN.search(before):
        return 1
    if before.rstrip().endswith((",", "/", "(", "—", "-", ":")):
        return 2
    return 3


_ACRONYM = re.compile(r"[A-Z]{2,4}")
_PARTY_CUES = {"via", "through", "thru", "c/o", "consignee", "consignee:", "ship-to", "shipto"}


# As the grammar's, but a percentage may be part of a name ("… Corp 7.25% Series C Fixed").
_BAD_IN_PARTY = re.compile(g.BAD_CHARS.pattern.replace("%", ""))


def _looks_like_party(text: str) -> bool:
    return bool(text) and len(text) <= 150 and not _BAD_IN_PARTY.search(text)
