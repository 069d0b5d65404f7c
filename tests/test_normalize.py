"""Normalization: the equivalences screening relies on, and idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.screening.normalize import (
    NORMALIZER_VERSION,
    cyrillic_readings,
    normalize_name,
    prepare,
    skeleton,
    sound_key,
)


def test_version_is_a_string() -> None:
    assert isinstance(NORMALIZER_VERSION, str) and NORMALIZER_VERSION


@pytest.mark.parametrize(
    "a, b",
    [
        ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES COMPANY LIMITED"),
        ("Huawei Technologies Co., Ltd.", "huawei technologies co ltd"),
        ("Rostec LLC", "Rostec Limited Liability Company"),
        ("OOO Rostec", "LLC Rostec"),
        ("Gazprom JSC", "Gazprom Joint Stock Company"),
        ("Joint Stock Co Eleron", "Joint Stock Company Eleron"),
        ("Siemens GmbH", "Siemens Ltd"),
    ],
)
def test_legal_forms_are_equivalent(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("Huawei Tech", "Huawei Technologies"),
        ("Acme Intl Trading", "Acme International Trading"),
        ("Acme Int'l Corp.", "Acme International Corporation"),
        ("Acme Grp", "Acme Group"),
        ("Acme Mfg", "Acme Manufacturing"),
        ("Acme Elec", "Acme Electronics"),
        ("Smith & Wesson", "Smith and Wesson"),
    ],
)
def test_abbreviations_are_equivalent(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_diacritics_and_case() -> None:
    assert normalize_name("Société Générale") == normalize_name("SOCIETE GENERALE")
    assert normalize_name("Müller") == "muller"


def test_transliteration_of_cyrillic_and_chinese() -> None:
    assert normalize_name("Рособоронэкспорт").isascii()
    # Cyrillic is romanized as the lists spell Russian names (BGN/PCGN-like).
    assert normalize_name("ООО Ростех") == normalize_name("OOO Rostekh")
    assert normalize_name("Фарадж Щукин") == "faradzh shchukin"
    assert normalize_name("Объединение Ёлка") == "obedinenie elka"
    assert normalize_name("华为").isascii() and normalize_name("华为")


def test_person_tokens_survive_reordering() -> None:
    assert sorted(normalize_name("KHAMENEI, Ali").split()) == sorted(
        normalize_name("Ali Khamenei").split()
    )


def test_empty_and_punctuation_only() -> None:
    assert normalize_name("") == ""
    assert normalize_name(" ,.;- ") == ""


def test_prepare_is_the_first_half_of_normalize() -> None:
    for text in ("Joint Stock Company Dux", "ООО «Ростех»", "Huawei Tech. Co., Ltd."):
        assert normalize_name(prepare(text)) == normalize_name(text)
    assert prepare("S.A. & Int'l") == "sa and intl"


def test_skeleton_joins_romanizations() -> None:
    assert skeleton("khamenei") == skeleton("hamenei")
    assert skeleton("dzhose") == skeleton("jose")
    assert skeleton("eksport") == skeleton("export")


@pytest.mark.parametrize(
    "by_ear, english",
    [
        ("sayens", "science"),
        ("sayentifik", "scientific"),
        ("chayna", "china"),
        ("riserch", "research"),
        ("korporeyshn", "corporation"),
        ("informeyshn", "information"),
        ("teknolodzhi", "technology"),
        ("inzhiniring", "engineering"),
        ("senter", "center"),
        ("end", "and"),
    ],
)
def test_sound_key_joins_english_words_spelt_by_ear(by_ear: str, english: str) -> None:
    assert sound_key(by_ear) == sound_key(english)


def test_sound_key_keeps_different_words_apart() -> None:
    keys = {sound_key(w) for w in ("science", "china", "research", "corporation", "space")}
    assert len(keys) == 5


def _other_readings(text: str) -> dict[str, tuple[str, ...]]:
    return dict(cyrillic_readings(text))


def test_cyrillic_readings_standard_first() -> None:
    # The standard reading is the prepare() spelling; the others are extra.
    readings = _other_readings("Хонгюан Ёгоне ХК")
    assert list(readings) == [prepare(w) for w in ("Хонгюан", "Ёгоне", "ХК")]
    assert "hongyuan" in readings["khongyuan"]  # English and pinyin h is х
    assert "yogone" in readings["egone"]  # yo is ё
    assert "hk" in readings["khk"]


@pytest.mark.parametrize(
    "palladius, pinyin",
    [
        ("Синту", "xintu"),  # x -> с before i
        ("Чжун", "zhong"),  # zh -> чж, ong -> ун
        ("Цзи", "ji"),  # j -> цз before i
        ("Цинхуа", "qinhua"),  # q -> ц before i ("qinghua" is one edit away)
        ("Бэйцзин", "beijin"),  # ei -> эй
        ("Лю", "liu"),  # iu -> ю after a consonant
        ("Жэньминь", "renmin"),  # r -> ж
    ],
)
def test_cyrillic_readings_reverse_palladius(palladius: str, pinyin: str) -> None:
    ((_std, others),) = _other_readings(palladius).items()
    assert pinyin in others


def test_cyrillic_readings_ignore_latin_and_leave_normalize_alone() -> None:
    assert cyrillic_readings("Huawei Technologies") == ()
    # The readings are for matching only: the normalized (stored) form is unchanged.
    assert normalize_name("Хонгюан") == "khongyuan"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Huawei", "Technologies", "Co.,", "Ltd.", "Shenzhen", "Int'l", "S.A.", "&", "AO"]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_idempotent_on_company_like_names(words: list[str]) -> None:
    once = normalize_name(" ".join(words))
    assert normalize_name(once) == once
