"""Persian (Solar Hijri) calendar dates as Iranian pages print them: "۱۶ آذر ۱۴۰۳" is 2024-12-06.

A tiny exact conversion: from 1210 to 1633 AP (1831 to 2255) the calendar's leap years follow
one 33-year cycle (year y is leap when (25y + 11) mod 33 < 8, as in Borkowski's algorithm that
jalaali and jdatetime use), and 1 Farvardin 1403 fell on 20 March 2024. Months 1 to 6 have
31 days, 7 to 11 have 30, Esfand 29 (30 in a leap year). Outside that range nothing is read.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 1210, 1633
EPOCH_YEAR, EPOCH = 1403, date(2024, 3, 20)  # 1 Farvardin 1403
# Iranian month names (Persian letters; Arabic "ي"/"ك" are folded to "ی"/"ک" first)
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("فروردین",),
            ("اردیبهشت",),
            ("خرداد",),
            ("تیر",),
            ("مرداد", "امرداد"),
            ("شهریور",),
            ("مهر",),
            ("آبان",),
            ("آذر",),
            ("دی",),
            ("بهمن",),
            ("اسفند",),
        ),
        start=1,
    )
    for name in names
}
ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def month_number(name: str) -> int | None:
    """Return the number of an Iranian month name ("آذر" -> 9), else None."""
    return MONTHS.get(name.translate(ARABIC_LETTERS))


def is_leap(year: int) -> bool:
    """Tell whether Solar Hijri ``year`` has 366 days (Esfand 30)."""
    return (25 * year + 11) % 33 < 8


def to_gregorian(year: int, month: int, day: int) -> date | None:
    """Return the Gregorian date of a Solar Hijri one, or None when it is no valid date."""
    month_days = 31 if month <= 6 else 30 if month <= 11 else 30 if is_leap(year) else 29
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12 and 1 <= day <= month_days):
        return None
    low, high = sorted((year, EPOCH_YEAR))
    days = sum(366 if is_leap(y) else 365 for y in range(low, high))
    new_year = EPOCH + timedelta(days=days if year >= EPOCH_YEAR else -days)
    return new_year + timedelta(days=(month - 1) * 31 - max(month - 7, 0) + day - 1)
