"""The words and patterns of the question grammar (`bot.answers.questions`), apart from the logic.

Everything here is data: vocabularies and compiled regular expressions. Patterns that may see a
whole message are written without nested repetition (or with possessive quantifiers), so that no
input of the 1,000 characters the parser accepts can make them backtrack for long.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _words(text: str, sep: str = " ") -> set[str]:
    """A vocabulary written as one string: long word lists read better that way."""
    return set(text.split(sep))


# Whole messages that ask for usage, and acknowledgements that ask nothing. "|"-separated.
HELP = _words(
    "help|?|hi|hello|hey|hiya|yo|usage|commands|menu|start|info|how does this work|what can you do|"
    "what do you do|how do i use this|help me|help please|hi there|hello there|hey there|"
    "good morning|morning|h",
    "|",
)
ACK = _words(
    "thanks|thank you|thx|ty|ok|okay|k|cool|great|nice|got it|perfect|awesome|yes|no|yep|nope|"
    "sure|lol|bye|cheers|test|testing|ping|thanks a lot|many thanks|thank you very much|"
    "ok thanks",
    "|",
)
GREETING = r"(?:hi|hey|hello|yo|hiya|good\s+(?:morning|afternoon|evening))"
LEAD = re.compile(
    rf"^(?:(?:@\S+|{GREETING}(?:\s+(?:team|all|folks|everyone|guys|there|bot|y'all))?|quick\s+"
    r"question|question|qq|sorry|also|ok|okay|um|hmm|please|pls|plz)\b[\s,:;!.\-–—]*)+",
    _I,
)
# Closing filler, stripped one phrase at a time from the end (one alternation, no nested
# repetition: a message of 500 "ok"s must not backtrack for ever).
TRAIL = re.compile(
    r"(?<![\w'’-])(?:ok|okay|fine|allowed|permitted|possible|legal|please|pls|plz|thanks|thank you|"
    r"thx|asap|today|tomorrow|now|right|or not|next week|next month|this week|this month|"
    r"is (?:that|this|it) (?:ok|okay|allowed|fine)|any issues?|any problems?)$",
    _I,
)
ABBREV = _words(
    "ltd inc co corp llc plc jsc pjsc ojsc cjsc ag sa nv bv kg oy ab as spa srl bhd pte pty intl "
    "mfg bros jr sr st dept est ltda cia sdn"
)
# "check X", "screen: X", "can you look up X", "run a check on X".
LOOKUP = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+|please\s+)?(?:check|screen|look\s*up|lookup|search|"
    r"find|verify|vet|query|run(?:\s+an?)?\s+(?:check|screening|search))(?:\s+(?:on|for|up))?"
    r"(?:\s*[:\-–—]\s*|\s+)(?P<t>\S.*)$",
    _I,
)
# Case-sensitive on purpose: "check Acme Restricted Ltd" keeps its capitalised "Restricted".
LOOKUP_SUFFIX = re.compile(
    r"\s+(?:(?:is|are)\s+)?(?:(?:on|in|against)\s+(?:the|a|any|our)?\s*(?:[\w-]++\s+){0,4}?"
    r"(?i:lists?|sdn|csl)|listed|sanctioned|restricted|blocked|banned|denied|flagged|for me|please)"
    r"\b.*$"
)
# "is X on the entity list", "is X sanctioned", "is X ok" (but not "is it ok to ...").
IS_LISTED = re.compile(
    r"^(?:is|are|was)\s+(?!(?:it|this|that|there|we|i|they)\b)(?P<t>.+?)\s+(?:(?:on|in)\s+(?:the|a|any|our)?\s*(?:[\w-]++\s+){0,4}?"
    r"(?:lists?|sdn|csl)|(?:still\s+)?(?:listed|sanctioned|restricted|blocked|banned|denied|"
    r"debarred|embargoed|blacklisted|flagged|designated)|an?\s+(?:restricted|denied|sanctioned|"
    r"listed|blocked|entity|sdn)\b|ok|okay|allowed|clean|clear|safe|fine|a problem|an issue)\b",
    _I,
)
# "what about X", "anything on X", "who is X", "can we do business with X".
ABOUT = re.compile(
    r"^(?:(?:what|how)\s+about|any(?:thing)?\s+(?:hits?\s+|matches\s+|results?\s+)?(?:on|for)|"
    r"who\s+(?:is|are)|tell\s+me\s+about|info\s+on|status\s+of|can\s+(?:we|i)\s+"
    r"(?:do\s+business|work|deal|trade|partner|transact|engage)\s+with)\s+(?P<t>\S.*)$",
    _I,
)
# The verbs of a shipping question, in any tense; the first one splits the message.
SHIP = re.compile(
    r"\b(?:re-?)?(?:ship(?:s|ped|ping|ments?)?|export(?:s|ed|ing)?|sell(?:s|ing)?|sold|send(?:s|"
    r"ing)?|sent|suppl(?:y|ies|ied|ying)|deliver(?:s|ed|ing|y|ies)?|provid(?:e|es|ed|ing)|"
    r"transfer(?:s|red|ring)?|releas(?:e|es|ed|ing)|mail(?:s|ed|ing)?)\b",
    _I,
)
# "is X ok to ship to?": the party comes before the verb.
PRE_PARTY = re.compile(
    r"^(?:is|are)\s+(?P<t>.+?)\s+(?:ok|okay|allowed|fine|safe|cleared|approved|good)\b", _I
)
# The recipient starts at the first "to"/"into" that is not "up to" or "to be".
TO = re.compile(r"(?<!\bup)(?<!\bclose)(?<!\bdue)(?<!\baccording)\s+(?:to|into)\s+(?!be\b)", _I)
# End use: "for existing networks", "for use in X", "to support ...". A capitalised word
# after "for" belongs to a name ("Institute for Advanced Study"), so it is not a purpose.
PURPOSE = re.compile(
    r"(?:^|\s+)(?P<p>(?:(?:for\s+use|to\s+be\s+used|intended|used|destined)\s+(?:for|in|by|with|as|"
    r"on)|for\s+(?![A-Z])|in\s+order\s+to|to\s+(?:support|maintain|repair|service|build|upgrade|"
    r"replace|fix|run|operate|use|help|keep|power|equip|develop|make|produce|test|be)\b).*)$",
)
# Where a party is: "in Shenzhen", "based in Moscow", "which is located at Minsk".
AT = re.compile(
    r"\s+(?:(?:which|that|who)\s+(?:is|are)\s+)?(?:(?:based|located|headquartered|registered|"
    r"incorporated)\s+)?(?:in|at|from)\s+",
    _I,
)
# A leading quantity, with an optional unit: "200", "3 pallets of", "up to 50", "a dozen".
QTY = re.compile(
    r"^(?P<q>(?:(?:up\s+to|about|around|approx(?:imately|\.)?|roughly|over|under|more\s+than|"
    r"less\s+than|at\s+least|at\s+most)\s+)?(?:\d[\d,.]*\s*(?:k|m|x)?|a\s+(?:few|couple|dozen|hundred|thousand|pair|batch)|"
    r"several|dozens|hundreds|thousands|one|two|three|four|five|six|seven|eight|nine|ten|twelve|"
    r"twenty|fifty|hundred|thousand)\b(?:\s+of\b)?(?:\s*(?:pallets?|box(?:es)?|units?|pcs|pieces?|"
    r"cases?|crates?|containers?|cartons?|kgs?|kilos?|lbs?|pounds|tons?|tonnes?|sets?|lots?|"
    r"reels?|rolls?|spools?|packs?|packages?|truckloads?|bags?|drums?|meters?|metres?|licen[cs]es?"
    r"|seats?)\b(?:\s+of\b)?)?)\s*(?P<rest>.*)$",
    _I,
)
# "Russian company Rostec", "our customer Acme", "a distributor called X": the name is
# what follows (checked by the caller to start like a name). Case-sensitive on purpose.
DESCRIPTOR = re.compile(
    r"^(?:(?:a|an|the|our|their|my|this|that|some)\s+)?(?P<adj>(?:[\w'-]++\s+){0,2}?)"
    r"(?P<noun>company|firm|customer|client|distributor|reseller|partner|supplier|vendor|buyer|"
    r"university|institute|entity|group|manufacturer|subsidiary|affiliate|contractor|bank|"
    r"operator|startup)\s+(?:(?:called|named|known\s+as)\s+|[,:]\s*)?(?P<rest>[^\s\w]*\w.*)$"
)
# Words that describe a kind of party rather than name one: "a distributor", "someone".
# Only lower-case occurrences count, so "University of Tehran" is still a name.
GENERIC = _words(
    "a an the some any our their my your this that these those new existing potential prospective "
    "local foreign overseas big small large major certain one of state owned state-owned private "
    "government military end user users end-user end-users enduser distributor distributors "
    "reseller resellers dealer dealers customer customers client clients buyer buyers company "
    "companies firm firms business businesses entity entities party parties someone somebody "
    "anyone anybody person people individual individuals partner partners university "
    "universities hospital hospitals school schools lab labs laboratory institute research "
    "center centre agency ministry army navy vendor vendors supplier suppliers importer importers "
    "integrator integrators oem oems manufacturer manufacturers factory factories plant office "
    "subsidiary subsidiaries branch affiliate affiliates contractor contractors there them him "
    "her it us you me somewhere anywhere country countries guy guys folks team startup retailer "
    "retailers wholesaler wholesalers shop store operator carrier bank friend contact agent "
    "broker national nationals student students researcher researchers engineer engineers "
    "based located"
)
NOT_ITEM = {"it", "them", "this", "that", "these", "those", "stuff", "something", "anything", ""}
# Party names never contain these; markup, code and injection attempts do.
BAD_CHARS = re.compile(r"[<>{}\[\]\\|;=*^~$%#@`]|--|/\*|\*/|://")
SQL = re.compile(
    r"\b(?:select|insert|update|delete|drop|union|alter|exec)\b\s+\S*\s*\b(?:"
    r"from|table|into|set|all|database|select)\b",
    _I,
)
# "Huawei engineers", "Huawei's subsidiary": the party is Huawei.
PEOPLE_TAIL = re.compile(
    r"(?:'s|’s)?(?:\s+(?:engineers|employees|staff|people|team|folks|guys|researchers|students|"
    r"nationals|personnel|reps|representatives|office|offices|subsidiary|subsidiaries|branch))+$"
)
HELP_RE = re.compile(
    r"\b(?:what (?:can|do) (?:you|i) do|how (?:does this|do i use)|usage|commands|instructions)\b",
    _I,
)
# Words of a sentence: a message containing any of them is not a bare name.
FRAME = re.compile(
    r"\b(?:can|could|may|might|should|would|will|we|i|is|are|am|ok|okay|allowed|what|how|why|who|"
    r"when|where|do|does|did|to|you|me|my|our|us|please|help|hi|hello|thanks|thank)\b",
    _I,
)
QUOTES = '"“”«»「」„'
