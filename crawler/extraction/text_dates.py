"""Dates as pages print them, in many languages and scripts: "14 марта 2024", "2020年6月7日".

Month names come from the CLDR data of Babel (wide and abbreviated, format and stand-alone
forms): those of a base set of languages always, plus those of the page's declared language,
each loaded once per process on first use (about 20 ms a language). Eastern Arabic, Persian,
Devanagari, Bengali and full-width digits are read as ASCII digits. Persian (Solar
Hijri) dates with an Iranian month name ("۱۶ آذر ۱۴۰۳") become Gregorian ones. Numeric dates
are read day first unless the year comes first; a slashed date with day and month both under 13 is
ambiguous and skipped. Publication and update labels ("Опубликовано", "Publicado",
"发布时间", "نشر في"; "Обновлено", "Actualizado") tell a date line's meaning.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from functools import lru_cache

from crawler.extraction import solar_hijri

logger = logging.getLogger(__name__)

# languages whose month names are always known (pages often lack a lang attribute)
BASE_LOCALES = ("en", "en_GB", "de", "de_AT", "fr", "es", "it", "nl", "pt")
# extra locales for a language: Levantine and Iraqi month names ("آذار") beside Egyptian ones
LOCALE_VARIANTS = {"ar": ("ar", "ar_SY", "ar_IQ")}
EXTRA_MONTHS = {"mrz": 3}  # German "Mrz", absent from CLDR
DIGIT_ZEROS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0xFF10)  # Arabic, Persian, Devanagari...
DIGITS = str.maketrans({chr(zero + i): str(i) for zero in DIGIT_ZEROS for i in range(10)})
MAX_DATE_LINE_CHARS = 80
_YEAR = r"(?P<y>(?:19|20)\d\d)"
# any word starting with a letter: the month table decides ("марта", "मार्च", "Μαρτίου")
_MONTH_WORD = r"(?P<mon>[^\W\d_][^\s\d.,/()|:;]{1,15})\.?"
_TIME = (
    r"(?:[,|\s]*(?:um|at|à|klo|a las|alle|в|-)?\s*"
    r"(?P<H>[0-2]?\d)[:.h](?P<M>[0-5]\d)(?!\d)\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
TEXT_DATE_RES = (
    re.compile(r"(?<!\d)" + _YEAR + r"-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?!\d)" + _TIME),
    # year first, CJK ("2020年6月7日", "2020년 6월 7일") and dotted or slashed ("2024.03.14")
    re.compile(
        r"(?<!\d)" + _YEAR + r"\s*(?:年|년|\.|/)\s*(?P<m>[01]?\d)\s*(?:月|월|\.|/)\s*"
        r"(?P<d>[0-3]?\d)(?!\d)\s*(?:日|일)?" + _TIME
    ),
    re.compile(
        r"(?<![\d.])(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.\s?(?P<y>(?:19|20)?\d\d)(?!\d|\.\d)" + _TIME
    ),
    re.compile(r"(?<![\d/])(?P<d>[0-3]?\d)/(?P<m>[01]?\d)/" + _YEAR + r"(?!\d)" + _TIME),
    re.compile(
        r"(?<!\d)(?P<d>[0-3]?\d)(?:\.|st|nd|rd|th|-?го)?\s+(?:de\s+)?"
        + _MONTH_WORD
        + r",?\s+(?:de\s+|del\s+)?"
        + _YEAR
        + r"(?!\d)"
        + _TIME
    ),
    re.compile(
        _MONTH_WORD + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+" + _YEAR + r"(?!\d)" + _TIME
    ),
)
SLASH_DATE_RE = TEXT_DATE_RES[3]
# a Solar Hijri date with an Iranian month name ("۱۶ آذر ۱۴۰۳", "۱۶ آذر ماه ۱۴۰۳")
SOLAR_DATE_RE = re.compile(
    r"(?<!\d)(?P<d>[0-3]?\d)\s+(?P<mon>[^\W\d_]+)(?:\s+ماه)?\s+(?P<y>1[234]\d\d)(?!\d)" + _TIME
)
UPDATE_CUE_RE = re.compile(
    r"updat|aktualisiert|geändert|modifi|mis à jour|actualiza|päivitetty|bijgewerkt|aggiornat"
    r"|atualizad|обновлен|оновлен|zaktualizowan|güncellen|更新|تحديث|به‌?روز|अपडेट|업데이트",
    re.I,
)
# a line opening with one of these gives the publication date
PUBLISHED_LABEL_RE = re.compile(
    r"^\W*(?:published|posted|veröffentlicht|erschienen|publié|publicado|publicada|pubblicato"
    r"|gepubliceerd|opublikowano|yayınlanma|yayınlandı|опубликовано|опубліковано|дата публикации"
    r"|发布时间|發布時間|发布日期|発行日|公開日|掲載日|게시|등록|نشر في|نشر بتاريخ|تاريخ النشر"
    r"|منتشر شده|تاریخ انتشار|प्रकाशित|publicerad|julkaistu|publikováno|publicat)",
    re.I,
)


def _locales(language: str | None) -> tuple[str, ...]:
    """The Babel locales whose month names are read for a page in ``language`` ("ru-RU")."""
    code = (language or "").replace("-", "_").split("_")[0].casefold()
    if not code.isalpha() or len(code) not in (2, 3):
        return BASE_LOCALES
    return (*BASE_LOCALES, *LOCALE_VARIANTS.get(code, (code,)))


@lru_cache(maxsize=64)
def _locale_months(locale: str) -> dict[str, int]:
    """Month names of one Babel locale, casefolded without a final dot; {} if unknown."""
    # imported here: Babel's import costs about 150 ms, paid only by pages that need it
    from babel.core import UnknownLocaleError
    from babel.dates import get_month_names

    table: dict[str, int] = {}
    try:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    word = name.casefold().rstrip(".")
                    if not any(ch.isdigit() for ch in word):
                        table.setdefault(word, int(number))
    except (UnknownLocaleError, ValueError):
        logger.debug("no month names for locale %r", locale)
    return table


@lru_cache(maxsize=64)
def month_names(language: str | None = None) -> dict[str, int]:
    """Map month names (casefolded) of the base languages and ``language`` to numbers."""
    table = dict(EXTRA_MONTHS)
    for locale in _locales(language):
        for word, number in _locale_months(locale).items():
            table.setdefault(word, number)
    return table


def ascii_digits(text: str) -> str:
    """Return ``text`` with Arabic, Persian, Devanagari, Bengali and full-width digits as ASCII."""
    return text.translate(DIGITS)


def parse_text_date(text: str, language: str | None = None) -> datetime | date | None:
    """Parse the first date in a short line of page text ("29.04.2020, 12:01 Uhr").

    ``language`` (the page's, "ru") adds its month names to the base languages'. A time
    right after the date is kept, without a zone.
    """
    text = " ".join(ascii_digits(text).split())
    if len(text) > MAX_DATE_LINE_CHARS:
        return None
    months = month_names(language)
    found: list[tuple[int, datetime | date]] = []
    for pattern in (*TEXT_DATE_RES, SOLAR_DATE_RE):
        for match in pattern.finditer(text):
            slash, solar = pattern is SLASH_DATE_RE, pattern is SOLAR_DATE_RE
            value = _match_date(match, months, ambiguous_slash=slash, solar=solar)
            if value is not None:
                found.append((match.start(), value))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def _match_date(
    match: re.Match[str], months: dict[str, int], ambiguous_slash: bool, solar: bool = False
) -> datetime | date | None:
    """The date (and time) of one match; ``solar``: a Solar Hijri date, read as Gregorian."""
    groups = match.groupdict()
    if solar:
        month = solar_hijri.month_number(groups["mon"])
    else:
        month = months.get(groups["mon"].casefold()) if groups.get("mon") else int(groups["m"])
    day, year = int(groups["d"]), int(groups["y"])
    if not month or (ambiguous_slash and day <= 12):
        return None
    if solar:
        found = solar_hijri.to_gregorian(year, month, day)
        if found is None:
            return None
        day_value = found
    else:
        try:
            day_value = date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            return None
    if groups["H"] is None:
        return day_value
    hour, meridiem = int(groups["H"]), (groups["ampm"] or "").lower()
    if meridiem:
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    try:
        return datetime(day_value.year, day_value.month, day_value.day, hour, int(groups["M"]))
    except ValueError:  # "24.00 Uhr", a score or a price read as a time: the day stands
        return day_value
