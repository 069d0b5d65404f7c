"""Where a question says the goods are going: country names, codes, demonyms and cities.

Destination policy is keyed by ISO 3166-1 alpha-2 codes, plus ISO 3166-2 codes for the embargoed
regions of Ukraine (Crimea UA-43, Sevastopol UA-40, so-called DNR UA-14, so-called LNR UA-09), so
everything a user may type for a place is reduced to one of those codes here.

False positives are as harmful as misses: "ship it to us" must not mean the United States and
"parts in stock" must not mean India. So two-and three-letter codes count only when written in
upper case (or inside parentheses, as in "ZTE (cn)"), never when the whole message is shouted, and
never for codes that are common words, units or company suffixes ("IT", "GB", "S.A.", "AG").
Names that are ordinary English words ("Chad", "Jordan", "turkey") count only when capitalised.

Why one module (~450 lines): over half of it is the tables (names, aliases, demonyms,
cities) that the matching rules below are tuned against, and the false-positive guards
(`_UPPER_ONLY`, `_STOP`, `_WORDY`, `_CAPITALISED_ONLY`) only make sense read with those tables;
one change to a place name is reviewed against both. The lookup code itself is under 200 lines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pycountry


@dataclass(frozen=True)
class Destination:
    """A resolved destination.

    `code` is ISO 3166-1 alpha-2 (`CN`) or, for the embargoed regions of Ukraine, ISO 3166-2
    (`UA-43`). `name` is the display name of that code. `region` is the more specific place the
    user named, if any (a city or region such as "Shenzhen" or "Crimea"), so answers can echo it.
    """

    code: str
    name: str
    region: str | None = None

    @property
    def country(self) -> str:
        """The ISO 3166-1 alpha-2 country (`UA` for `UA-43`)."""
        return self.code.split("-", 1)[0]


_REGION_NAMES = {
    "UA-43": "Crimea region of Ukraine",
    "UA-40": "Sevastopol (Crimea region of Ukraine)",
    "UA-14": "so-called Donetsk People's Republic (DNR) region of Ukraine",
    "UA-09": "so-called Luhansk People's Republic (LNR) region of Ukraine",
}
# Display names people use, where pycountry's differ ("Russian Federation", "Korea, Republic of").
_DISPLAY = {
    "RU": "Russia",
    "KP": "North Korea",
    "KR": "South Korea",
    "IR": "Iran",
    "SY": "Syria",
    "VE": "Venezuela",
    "TW": "Taiwan",
    "BO": "Bolivia",
    "LA": "Laos",
    "MD": "Moldova",
    "TZ": "Tanzania",
    "VN": "Vietnam",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "PS": "Palestine",
    "FM": "Micronesia",
    "VA": "Holy See (Vatican City)",
    "VG": "British Virgin Islands",
    "VI": "U.S. Virgin Islands",
    "BN": "Brunei",
    "MO": "Macau",
}

# Codes that are also words, units, acronyms, company suffixes or US state abbreviations ("San
# Jose, CA"): written bare they are not taken as places; inside parentheses they are.
_WORDY = (
    "AD AG AI AL AM AN AR AS AT AZ BE BT BV BY CA CC CM CO CV DE DO EE FM GA GB GM GU HR ID IE IL "
    "IN IO IS IT KG KY LA LB MA MD ME MH ML MM MN MO MP MS MT MY NA NC NE NH NL NO OR PA PM PR PS "
    "PW QA SA SC SD SE SK SO ST TM TN TO TV UM VA VI AND ARE ARM ATA BEN BRA CAN COD COL COM CUB "
    "DMA DOM ESP ETH FIN GIN GUM GUY HUN IRL ISR JAM KEN LIE MAC MAR NIC NOR PAN PER PNG SSD SUR "
    "TON TUN VAT"
)
_WORDY_CODES = set(_WORDY.split())
# Names and demonyms that are also ordinary words: they count only when capitalised.
_CAPITALISED_ONLY = {
    "chad", "jordan", "georgia", "turkey", "jersey", "guinea", "reunion", "polish", "danish",
    "chile", "china", "japan", "panama", "cuba", "cuban",
}  # fmt: skip
_CAPITALISED_ONLY -= {"china", "cuba", "cuban"}  # too important to miss when typed lower case

# Other names for a whole country or an embargoed region, and demonyms: key -> code.
_ALIASES = {
    "CN": "prc|mainland china|chinese|people's republic of china",
    "HK": "hong kong sar|hongkong|hk",
    "MO": "macau|macao sar",
    "TW": "republic of china|taiwanese|roc",
    "IR": "persia|iranian",
    "KP": "north korea|dprk|n korea|north korean",
    "KR": "south korea|korea|rok|korean|south korean",
    "RU": "russia|russian",
    "BY": "byelorussia|belorussia|belarusian|belarussian",
    "CU": "cuban",
    "SY": "syria|syrian",
    "VE": "venezuelan",
    "MM": "burma|burmese",
    "TR": "turkey|turkiye|turkish",
    "CI": "ivory coast|cote d'ivoire|cote divoire",
    "AE": "uae|emirates|emirati",
    "GB": "uk|britain|great britain|united kingdom|england|scotland|wales|british",
    "US": "usa|united states of america|u s of a",
    "PK": "pakistani",
    "IN": "indian",
    "CZ": "czech republic|czech",
    "MK": "macedonia",
    "SZ": "swaziland",
    "CV": "cape verde",
    "TL": "east timor",
    "NL": "holland|the netherlands|dutch",
    "CD": "drc|dr congo|democratic republic of the congo",
    "PS": "palestine",
    "VA": "vatican|vatican city|holy see",
    "LA": "lao|laotian",
    "VN": "vietnamese",
    "IQ": "iraqi",
    "AF": "afghan",
    "LB": "lebanese",
    "LY": "libyan",
    "SD": "sudanese",
    "YE": "yemeni",
    "NI": "nicaraguan",
    "KZ": "kazakh|kazakhstani",
    "KG": "kyrgyz",
    "UZ": "uzbek",
    "TJ": "tajik",
    "TM": "turkmen",
    "AM": "armenian",
    "AZ": "azerbaijani",
    "GE": "georgian",
    "UA": "ukrainian",
    "IL": "israeli",
    "SA": "saudi|ksa",
    "QA": "qatari",
    "OM": "omani",
    "KW": "kuwaiti",
    "EG": "egyptian",
    "SG": "singaporean",
    "MY": "malaysian",
    "TH": "thai",
    "ID": "indonesian",
    "PH": "filipino|philippine",
    "JP": "japanese",
    "DE": "german",
    "FR": "french",
    "IT": "italian",
    "ES": "spanish",
    "PL": "polish",
    "CH": "swiss",
    "SE": "swedish",
    "FI": "finnish",
    "NO": "norwegian",
    "DK": "danish",
    "BE": "belgian",
    "AT": "austrian",
    "IE": "irish",
    "CA": "canadian",
    "MX": "mexican",
    "BR": "brazilian",
    "AU": "australian",
    "ZA": "south african",
    "NG": "nigerian",
    "ET": "ethiopian",
    "SO": "somali",
    "ER": "eritrean",
    "SS": "south sudanese",
    "ZW": "zimbabwean",
    "UA-43": "crimea|crimean|crimean peninsula|autonomous republic of crimea|republic of crimea|"
    "avtonomna respublika krym|krym",
    "UA-40": "sevastopol|sebastopol",
    # Donbas spans both DNR and LNR; both are embargoed, so either code gives the same answer.
    "UA-14": "donetsk|dnr|dpr|donetsk people's republic|so called donetsk people's republic|"
    "donetsk oblast|donetsk region|donbas|donbass",
    "UA-09": "luhansk|lugansk|lnr|lpr|luhansk people's republic|lugansk people's republic|"
    "so called luhansk people's republic|luhansk oblast|luhansk region",
}
# Cities and regions that come up in restricted-party questions: key -> code. The place becomes
# `Destination.region`. Names shared by several countries (Brest, Tripoli, Cambridge) are left out.
_PLACES = {
    "CN": "beijing|shanghai|shenzhen|dongguan|hangzhou|guangzhou|wuhan|chengdu|harbin|tianjin|"
    "nanjing|xi'an|changsha|hefei|suzhou|zhuhai|xiamen|chongqing|shenyang|dalian|qingdao|ningbo|"
    "foshan|kunming|zhengzhou|jinan|changchun|mianyang|urumqi|xinjiang|tibet|guangdong",
    "HK": "kowloon",
    "TW": "taipei|hsinchu|kaohsiung|taichung",
    "IR": "tehran|teheran|isfahan|esfahan|mashhad|tabriz|shiraz|bandar abbas|qom|kish island",
    "KP": "pyongyang",
    "KR": "seoul|busan|incheon|suwon",
    "RU": "moscow|st petersburg|saint petersburg|sankt peterburg|novosibirsk|yekaterinburg|"
    "ekaterinburg|kazan|nizhny novgorod|samara|vladivostok|chelyabinsk|tomsk|kaliningrad",
    "BY": "minsk|gomel|grodno|vitebsk",
    "CU": "havana|habana",
    "SY": "damascus|aleppo|latakia|homs",
    "VE": "caracas",
    "MM": "yangon|rangoon|naypyidaw|mandalay",
    "TR": "istanbul|ankara|izmir",
    "AE": "dubai|abu dhabi|sharjah|jebel ali",
    "GB": "london|northern ireland",
    "US": "new york|new jersey|new mexico|california|texas|washington dc",
    "AU": "new south wales|sydney|melbourne",
    "PK": "karachi|lahore|islamabad|rawalpindi",
    "IN": "mumbai|bombay|delhi|new delhi|bangalore|bengaluru|chennai|hyderabad|pune",
    "NL": "amsterdam|rotterdam|eindhoven",
    "CD": "kinshasa",
    "PS": "gaza|west bank",
    "VN": "hanoi|ho chi minh city|saigon",
    "IQ": "baghdad|basra|erbil",
    "AF": "kabul",
    "LB": "beirut",
    "SD": "khartoum",
    "YE": "sanaa",
    "NI": "managua",
    "KZ": "almaty|astana",
    "KG": "bishkek",
    "UZ": "tashkent",
    "AM": "yerevan",
    "AZ": "baku",
    "GE": "tbilisi",
    "UA": "kyiv|kiev|kharkiv|kharkov|odesa|odessa|lviv|dnipro|zaporizhzhia|kherson",
    "IL": "tel aviv|jerusalem|haifa",
    "SA": "riyadh|jeddah",
    "QA": "doha",
    "OM": "muscat",
    "KW": "kuwait city",
    "EG": "cairo",
    "MY": "kuala lumpur|penang",
    "TH": "bangkok",
    "ID": "jakarta|batam",
    "PH": "manila",
    "JP": "tokyo|osaka|yokohama",
    "DE": "berlin|munich|frankfurt|hamburg|stuttgart",
    "FR": "paris|lyon|toulouse",
    "IT": "rome|milan|turin",
    "ES": "madrid|barcelona",
    "PL": "warsaw",
    "CH": "zurich|geneva|basel",
    "SE": "stockholm",
    "FI": "helsinki",
    "NO": "oslo",
    "DK": "copenhagen",
    "BE": "brussels|antwerp",
    "AT": "vienna",
    "IE": "dublin",
    "CA": "toronto|montreal|vancouver|ottawa",
    "MX": "mexico city|monterrey|tijuana",
    "BR": "sao paulo|rio de janeiro",
    "ZA": "johannesburg|cape town",
    "NG": "lagos",
    "ET": "addis ababa",
    "SO": "mogadishu",
    "ER": "asmara",
    "ZW": "harare",
    "UA-43": "simferopol|yalta|kerch|yevpatoria|feodosia|dzhankoi",
    "UA-14": "mariupol|makiivka|horlivka|gorlovka|kramatorsk",
    "UA-09": "alchevsk|sievierodonetsk",
}
# Keys that need the exact upper-case spelling, because the lower-case word means something else.
_UPPER_ONLY = {"rok", "roc", "dpr", "lao", "ksa", "prc", "drc", "dnr", "lnr", "lpr", "hk"}
# Lower-case forms that are ordinary words in questions.
_STOP = {"us", "in", "to", "it", "no", "is", "at", "be", "me", "my", "am", "as", "by", "do", "so"}

_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*\.?")
_MAX_WORDS = 6


def _key(text: str) -> str:
    """Normalise a name for lookup: case, accents, dots, hyphens and apostrophe shapes."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for sep in ".-,()":
        text = text.replace(sep, " ")
    return " ".join(text.split())


# key -> (code, region label or None, kind) where kind is "name", "code" or "upper"
_TABLE: dict[str, tuple[str, str | None, str]] = {}


def _build() -> None:
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                _TABLE.setdefault(_key(value), (country.alpha_2, None, "name"))
        for code in (country.alpha_2, country.alpha_3):
            _TABLE.setdefault("#" + code, (country.alpha_2, None, "code"))
    for table, is_place in ((_ALIASES, False), (_PLACES, True)):
        for code, names in table.items():
            for name in names.split("|"):
                kind = "upper" if name in _UPPER_ONLY else "name"
                _TABLE[_key(name)] = (code, name if is_place else None, kind)
    for code, target in {"UK": "GB", "USA": "US", "UAE": "AE", "DPRK": "KP"}.items():
        _TABLE["#" + code] = (target, None, "code")


_build()
_FIRST_WORDS = {key.split(" ", 1)[0] for key in _TABLE if " " in key}
_PRETTY_REGION = {"xi'an": "Xi'an", "washington dc": "Washington DC"}


def country_name(code: str) -> str:
    """Display name for an ISO 3166-1 alpha-2 code or one of the Ukrainian region codes.

    Unknown codes come back unchanged, so rendering never fails on bad data.
    """
    code = (code or "").strip().upper()
    if code in _REGION_NAMES:
        return _REGION_NAMES[code]
    if code in _DISPLAY:
        return _DISPLAY[code]
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def _destination(code: str, region: str | None) -> Destination:
    if region is not None:
        region = _PRETTY_REGION.get(region) or region.title()
    return Destination(code=code, name=country_name(code), region=region)


def _shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 12 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)


def _lookup(raw: str, *, in_parens: bool, shouting: bool, key: str = "") -> Destination | None:
    """Resolve one phrase as written, applying the case rules in the module docstring."""
    key = key or _key(raw)
    letters = "".join(ch for ch in raw if ch.isalpha())
    entry = _TABLE.get(key)
    if entry is not None and entry[2] == "upper" and not (letters.isupper() or in_parens):
        entry = None
    if entry is not None and key in _CAPITALISED_ONLY and not raw[:1].isupper():
        entry = None
    coded = letters.isupper() and not any(ch.isdigit() for ch in raw)  # "CH4", "US2": not codes
    if entry is None and coded and 2 <= len(letters) <= 4 and key.count(" ") < 3:
        if in_parens or (not shouting and letters not in _WORDY_CODES):
            entry = _TABLE.get("#" + letters)
    elif entry is None and in_parens and 2 <= len(letters) <= 3 and letters == key:
        entry = _TABLE.get("#" + letters.upper())
    if entry is None or (key in _STOP and entry[2] != "code"):
        return None
    return _destination(entry[0], entry[1])


def _more_specific(a: Destination, b: Destination) -> Destination | None:
    """Combine "Shenzhen" and "China": the more specific one, or None when they disagree."""
    if a.country != b.country:
        return None
    if "-" in b.code or (b.region and not a.region):
        return b
    return a


def _scan(text: str, *, in_parens: bool = False) -> list[tuple[int, int, Destination]]:
    """Every place mentioned in `text`: (start, end, destination), longest phrase first."""
    shouting = _shouting(text)
    tokens = [(m.start(), m.end(), _key(m.group())) for m in _TOKEN.finditer(text)]
    found: list[tuple[int, int, Destination]] = []
    i = 0
    while i < len(tokens):
        # Only words that start some multi-word name are worth joining with the next ones.
        longest = _MAX_WORDS if tokens[i][2].split(" ", 1)[0] in _FIRST_WORDS else 1
        for n in range(min(longest, len(tokens) - i), 0, -1):
            start, end = tokens[i][0], tokens[i + n - 1][1]
            gap = text[start:end]
            if n > 1 and re.search(r"[^\w\s'’.\-]", gap):
                continue  # never join across punctuation such as commas
            before = text[start - 1] if start > 0 else ""
            after = text[end] if end < len(text) else ""
            paren = in_parens or (before in ("(", "（") and after in (")", "）"))
            key = " ".join(token[2] for token in tokens[i : i + n])
            dest = _lookup(gap, in_parens=paren, shouting=shouting, key=key)
            if dest is None and gap.endswith(("'s", "’s")):
                dest = _lookup(gap[:-2], in_parens=paren, shouting=shouting)
            if dest is not None:
                found.append((start, end, dest))
                i += n
                break
        else:
            i += 1
    return found


def find_places(text: str) -> list[tuple[int, int, Destination]]:
    """Every place named anywhere in ``text``, as (start, end, destination), in order."""
    if not isinstance(text, str) or not text.strip():
        return []
    return _scan(text[:4000])


def match_place(text: str, *, in_parentheses: bool = False) -> Destination | None:
    """Resolve `text` only if the whole of it names one place ("Shenzhen", "Shenzhen, China").

    The question parser uses this on the tail of "... in X" or "(X)" so that a party called
    "Bank of China" is never cut in two. `in_parentheses` admits lower-case codes ("(cn)").
    """
    if not isinstance(text, str):
        return None
    text = text.strip().strip(".,;:!?").strip()
    text = re.sub(r"^(?:the\s+)?(?:so[\s-]called\s+)?", "", text, flags=re.IGNORECASE)
    if not text or len(text) > 80:
        return None
    whole = _lookup(text, in_parens=in_parentheses, shouting=False)
    if whole is not None:
        return whole
    found = _scan(text, in_parens=in_parentheses)
    rest = text
    for start, end, _ in reversed(found):
        rest = rest[:start] + " " + rest[end:]
    if not found or re.sub(r"[\s,/]+|\band\b", "", rest):
        return None
    best = found[0][2]
    for _, _, dest in found[1:]:
        combined = _more_specific(best, dest)
        if combined is None:
            return None
        best = combined
    return best


def resolve_destination(text: str) -> Destination | None:
    """The destination named anywhere in free text, or None.

    Adjacent mentions of the same country are merged to the most specific ("Shenzhen, China" ->
    CN with region Shenzhen). A place right after "from" is taken as the origin and skipped when
    another place is named.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    text = text[:4000]
    whole = match_place(text)
    if whole is not None:
        return whole
    found = _scan(text)
    candidates = [
        dest
        for start, _, dest in found
        if not re.search(r"\bfrom\s+$", text[max(0, start - 10) : start], re.I)
    ] or [dest for _, _, dest in found]
    if not candidates:
        return None
    best = candidates[0]
    for dest in candidates[1:]:
        best = _more_specific(best, dest) or best
    return best
