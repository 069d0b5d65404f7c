"""Named regular expressions used to recognise license-decision announcements.

Kept apart from the parsing logic so each pattern can carry a comment saying what it is for and
what it deliberately does not match. Every pattern here is written to run in linear time on any
input (no nested unbounded quantifiers over overlapping character classes), because the bot reads
every message in a watched channel and Slack messages can be 40,000 characters long.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# --- License and application numbers -------------------------------------------------------------
# Accepted pattern: one letter D or Z, an optional hyphen, then exactly 6 or 7 digits, standing
# alone as a token (not inside a longer word, URL path, e-mail address or decimal number).
#   D + 6/7 digits  -> a BIS license number               (e.g. D1234567, D-123456)
#   Z + 6/7 digits  -> a BIS application control number   (e.g. Z123456)
# Other letters are not accepted: part numbers, ticket ids and state driver's-license numbers look
# the same and a false record is worse than a missed one. Normalised to upper-case without hyphen.
NUMBER = re.compile(
    r"(?<![\w/@.\-])(?P<letter>[DZ])-?(?P<digits>\d{6,7})(?![\w\-]|\.\d)",
    _I,
)

# --- Decision words -------------------------------------------------------------------------------
# Only past-tense / passive forms (and a few fixed noun phrases) count: "approved", never "approve"
# ("I approve of this pizza") or "denies" ("if BIS denies ..."). A hyphen or letters glued in front
# ("pre-approved", "unapproved") disqualify the word. "strong" words can make a record "clear";
# "weak" ones ("returned" alone, "suspended") are only ever "uncertain".
_NOT_GLUED = r"(?<![\w\-])"
DECISION = re.compile(
    _NOT_GLUED
    + r"""(?:
        (?P<returned_strong>returned\s+without\s+action|(?-i:RWA(?:'?d|ed)?))
      | (?P<granted_strong>approved|granted|issued
            |(?:got|received|have|has)\s+(?:the\s+|our\s+|an?\s+)?(?:BIS\s+)?approval
            |approval\s+(?:received|came\s+through|granted|letter\s+received))
      | (?P<denied_strong>denied|rejected|refused|turned\s+down
            |(?:got|received)\s+(?:the\s+|our\s+|an?\s+)?denial)
      | (?P<revoked_strong>revoked|rescinded)
      | (?P<returned_weak>returned)
      | (?P<revoked_weak>suspended|cancell?ed|revocation\s+(?:notice|letter|order))
    )(?![\w\-])""",
    re.IGNORECASE | re.VERBOSE,
)

# Negation right before the decision word: "not denied", "wasn't approved", "has not yet been
# granted", "never approved", "neither approved nor denied". Applied to the text just before it.
NEGATION_BEFORE = re.compile(
    r"(?:\bnot|n['’]t|\bnever|\bno\s+longer|\bnor|\bneither|\bhardly)"
    r"(?:\s+(?:yet|been|be|being|officially|formally|actually|really|fully|even|exactly|quite))*"
    r"\s*$",
    _I,
)

# Future, wishes and conditions before the decision word in the same sentence: "if BIS denied",
# "hoping Z123456 gets approved", "we expect it to be granted", "once it is approved".
HYPOTHETICAL_BEFORE = re.compile(
    r"\b(?:if|once|unless|whether|assuming|suppose|supposing|in\s+case|when|whenever"
    r"|expect\w*|hop(?:e|es|ed|ing|efully)|wish\w*|pray\w*|want\w*|need\w*"
    r"|will|would|could|should|shall|might|may\s+(?:be|get)|going\s+to|gonna|about\s+to"
    r"|likely|unlikely|to\s+be|get|gets|getting|fingers\s+crossed)\b",
    _I,
)

# Future right after the decision word: "approved next week", "denied soon".
FUTURE_AFTER = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:next\s+(?:week|month|year|quarter)|soon|tomorrow|eventually"
    r"|any\s+day(?:\s+now)?|in\s+the\s+coming|later\s+this|by\s+end\s+of)\b",
    _I,
)

# Hedges: the writer is not sure it happened. Never "clear", but worth asking about.
HEDGE = re.compile(
    r"\b(?:apparently|seem(?:s|ingly)?|looks\s+like|sounds\s+like|i\s+think|i\s+believe|i\s+heard|heard"
    r"|hearing|rumou?r\w*|unofficial(?:ly)?|informal(?:ly)?|verbal(?:ly)?|supposedly|probably"
    r"|maybe|perhaps|might\s+have|may\s+have|not\s+sure|unconfirmed|pretty\s+sure|allegedly"
    r"|partially|in\s+part|tentative(?:ly)?|preliminar\w*|intent\s+to)\b",
    _I,
)

# Notes that the matter is still open; with a decision word present they make it "uncertain".
PENDING = re.compile(
    r"\b(?:pending|under\s+review|in\s+review|being\s+reviewed|awaiting|waiting|on\s+hold"
    r"|not\s+yet|no\s+(?:word|news|decision|update)|still\s+(?:open|waiting|pending|under))\b",
    _I,
)

# Someone inside the company approved something ("approved by legal", "I approved the PR"):
# that is not a BIS decision.
APPROVED_BY_OTHER = re.compile(
    r"^\s+by\s+(?!BIS\b|Commerce\b|the\s+(?:BIS|Commerce|Department|Bureau|government)\b"
    r"|(?:the\s+)?(?:U\.?S\.?\s+)?(?:Dep(?:artmen)?t\.?|Bureau)\b|OEE\b|ECASS\b|SNAP-?R\b)",
    _I,
)
INTERNAL_SUBJECT_BEFORE = re.compile(
    r"(?:\b(?i:you|legal|finance|manager|boss|mgmt|management|invoice|expenses?|budget|timesheet"
    r"|vacation)|\b(?:I|HR|IT|PTO|PR|MR|PO))\s+"
    r"(?i:(?:has|have|had|was|were|just|finally|been|already)\s+)*$"
)
# Right after a decision word, a word that shows it is not our license being decided: an object
# ("approved the PR", "issued invoice") or a noun it qualifies ("approved items list").
OBJECT_AFTER = re.compile(
    r"^[ \t]+(?:(?i:the|this|that|my|your|his|her|a|an)\s+)?(?P<noun>[a-z][a-z\-]*)\b"
)
# Words that may follow a decision word in a real announcement.
WORDS_AFTER_DECISION = frozenset(
    {"for", "to", "by", "on", "in", "at", "as", "and", "or", "with", "without", "effective",
     "until", "through", "thru", "valid", "today", "yesterday", "this", "just", "finally", "again",
     "earlier", "officially", "formally", "now", "already", "after", "per", "under", "subject",
     "but", "so", "it", "back", "yet", "we", "all", "from", "expires", "exp", "expiring", "not",
     "no", "only", "except", "conditions", "conditionally", "in-full", "fully", "w", "re",
     "application", "applications", "license", "licence", "licenses", "our", "the", "bis",
     "export", "new", "huawei", "final", "request", "license-application", "everyone", "team"}
)  # fmt: skip
# Adjective use: "the approved license", "an issued license".
ARTICLE_BEFORE = re.compile(r"\b(?:the|an?|this|that|these|those|our|their|its)\s*$", _I)
# Past events, reported or second-hand speech: real decisions may be described this way, but the
# message is not the announcement itself.
HISTORIC = re.compile(
    r"\b(?:last\s+(?:year|month|quarter)|years?\s+ago|months\s+ago|back\s+in|in\s+(?:19|20)\d\d"
    r"|previously|originally|used\s+to|expired|tell|ask|asked|asking|said|says|told|claims?"
    r"|nobody|no\s+one|why|how\s+come|what\s+if|imagine|once|if|unless|whether|draft)\b",
    _I,
)

# --- Things that say "this is not about our license decision" -----------------------------------
QUESTION_START = re.compile(
    r"^\W*(?:did|does|do|has|have|had|is|are|was|were|will|would|can(?!\s+confirm)|could|should"
    r"|when|why|how"
    r"|what|who|which|any|anyone|anybody|wonder\w*|curious)\b",
    _I,
)

# Jokes and sarcasm markers.
JOKE = re.compile(r"\b(?:lol|lmao|rofl|haha\w*|jk|j/k|kidding)\b|(?<!\w)/s\b|😂|🤣|😜|🙃", _I)

# Licenses that are not export licenses. Always None: a driver's-license number can look like
# D + 7 digits.
PERSONAL_LICENSE = re.compile(
    r"\b(?:driver['’]?s|drivers|driving|fishing|hunting|marriage|liquor|business|software|pilot['’]?s"
    r"|medical|nursing|real\s+estate|poetic|creative|amateur\s+radio|ham\s+radio|gun|firearms?"
    r"|dog|music|broadcast|professional|teaching|contractor['’]?s)\s+licen[cs]e"
    r"|\blicen[cs]e\s+(?:key|plate|to\s+(?:chill|kill|drive|print|party|thrill|ill))"
    r"|\bmy\s+(?:\w+\s+)?licen[cs]e\b",
    _I,
)

# Forwarded news about someone else's license: outlets and reporting phrases anywhere, or a
# "News:" / "Breaking:" label at the start ("Good news: BIS issued ..." is not news).
NEWS = re.compile(
    r"\b(?:reuters|bloomberg|wsj|wall\s+street\s+journal|financial\s+times|nikkei|scmp"
    r"|south\s+china\s+morning\s+post|cnbc|cnn|bbc|nyt|new\s+york\s+times|washington\s+post"
    r"|politico|axios|associated\s+press|techcrunch|the\s+verge|semafor|caixin|global\s+times"
    r"|the\s+information|reportedly|according\s+to|sources\s+say|people\s+familiar"
    r"|headline|article|report(?:s|ed)?\s+that)\b"
    r"|^\W*(?:news|breaking|in\s+the\s+news|fyi\W+news)\s*[:\-–—]"
    r"|(?-i:(?<!\w)(?:FT|AP)(?!\w))",
    _I,
)

# A capitalised name (1-4 words) used in patterns about other companies.
# Starts only at a word start and never gives words back (possessive quantifiers), so a long run
# of capitalised words costs linear time.
_NAME = r"(?<![\w&.\-])(?P<name>[A-Z][\w&.\-]*+(?:\s+[A-Z][\w&.\-]*+){0,3}+)"
# "Intel's license", "Qualcomm's licenses", "their license".
OTHER_POSSESSIVE = re.compile(
    _NAME + r"['’]s\s+(?:[\w\-]+\s+){0,2}?licen[cs]es?\b|\b(?P<their>their|its)\s+licen[cs]es?\b"
)
# "granted Micron a license", "gave Intel licenses".
OTHER_RECIPIENT = re.compile(
    r"\b(?:granted|issued|gave|given|awarded|handed)\s+" + _NAME + r"\s+(?:an?\s+|new\s+|the\s+)*"
    r"(?:[\w\-]+\s+)?licen[cs]es?\b"
)
# "Micron was granted a license", "Intel received licenses".
OTHER_SUBJECT = re.compile(
    _NAME + r"\s+(?:was|were|has\s+been|have\s+been|got|gets|received|obtained|won|wins|secured)"
    r"\s+(?:granted\s+|issued\s+)?(?:an?|new|its|their|the)\s+(?:[\w\-]+\s+)?licen[cs]es?\b"
)
# Names that may precede those patterns but mean us or the agency, not another company.
NOT_OTHER_COMPANY = frozenset(
    {"bis", "commerce", "we", "our", "us", "the", "update", "good", "news", "fyi", "great",
     "license", "licence", "application", "d", "z", "department", "bureau", "i", "it"}
)  # fmt: skip

# Policy talk and general discussion rather than a decision on one of our licenses.
POLICY = re.compile(
    r"\b(?:presumption\s+of|case[\s\-]by[\s\-]case|review\s+policy|policy|policies|rule|rules"
    r"|regulation\w*|entity\s+list|fdpr|foreign\s+direct\s+product|suppliers|vendors|companies"
    r"|firms|industry|chipmakers|exporters|license\s+exceptions?|license\s+requirements?"
    r"|licensing|federal\s+register|\d+\s+fr\s+\d+)\b",
    _I,
)
PLURAL_LICENSES = re.compile(r"\blicen[cs]es\b", _I)

# "us" only in lower case: "US" is the country.
OWNERSHIP = re.compile(r"\b(?i:our|ours|we|we['’](?:ve|re))\b|\bus\b")
LICENSE_NOUN = re.compile(r"\b(?:licen[cs]es?|applications?)\b", _I)

# --- Sentences ------------------------------------------------------------------------------------
# A sentence ends at ! ? or a newline, or at a full stop followed by a capital letter unless the
# word before it is an abbreviation ("Co., Ltd. for", "Nov. 20", "U.S. Dept.").
SENTENCE_BREAK = re.compile(r"[!?]+|\n|\.(?=\s+[A-Z\"'(\[]|\s*$)")
ABBREVIATIONS = frozenset(
    {"co", "ltd", "inc", "corp", "llc", "plc", "no", "st", "mr", "ms", "mrs", "dr", "jr", "sr",
     "s", "u", "e", "i", "vs", "etc", "dept", "gov", "govt", "bros", "jan", "feb", "mar", "apr",
     "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "a", "b", "v", "ag", "bhd", "pte",
     "pty", "sa", "nv", "bv", "gmbh", "intl", "mfg", "tech", "tel", "approx", "exp"}
)  # fmt: skip
