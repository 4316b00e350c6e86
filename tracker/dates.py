"""Dates: the article's date, and a post's date from the relative expression near its cue.

dateparser misses news idioms ("last July", "earlier this week", "the day before") and moves a
same-weekday "on Friday" a week back (DESIGN.md), so this rule layer resolves the idioms news
copy uses against the article date and keeps the granularity: a day (YYYY-MM-DD) or a month
(YYYY-MM). An expression that spans two months resolves to nothing rather than to a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from tracker.patterns import AnyOf, Memo, factored, prefiltered

MONTHS: Final = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
WEEKDAYS: Final = {d: i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}

_MONTH: Final = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY: Final = r"(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

# The ` date YYYY-MM-DD` header some wire files begin with.
HEADER: Final = factored(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b")
# A dateline: "Washington, Jan 22 (IANS)", "New Delhi, March 3, 2026 (PTI)".
DATELINE: Final = factored(
    r"^\s*(?:date\s+\S+\s+)?[A-Z][\w .'’-]{1,40},\s+" + _MONTH + r"\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?\s*\(",
    re.IGNORECASE,
)

# The wire agency a dateline names: "Washington, Jan 22 (IANS)".
DATELINE_AGENCY: Final = factored(r"^\s*(?:date\s+\S+\s+)?[A-Z][\w .'’-]{1,40},\s+[A-Za-z]+\.?\s+\d{1,2}(?:,?\s+\d{4})?\s*\((?P<agency>[A-Za-z][\w&. -]{1,20})\)")


def dateline_agency(text: str) -> str | None:
    match = DATELINE_AGENCY.match(text[:300])
    return match.group("agency").strip() if match else None


# Each rule: a pattern over the text near a cue, and how it resolves against the article date.
# Ordered: the more specific phrase first ("earlier this week" before "this week").
# ASCII digits (not \d, which takes any script's): the day's digits open a match as the month's
# letters do, so the engine is tried only where a word opens with either, not at every character.
EXPLICIT_DAY: Final = prefiltered(
    r"\b(?:" + _MONTH + r"\s+(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>[0-9]{4}))?"
    r"|(?P<day2>[0123456789]{1,2})(?:st|nd|rd|th)?\s+(?P<month2>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?:,?\s+(?P<year2>[0-9]{4}))?)\b",
    re.IGNORECASE,
)
RELATIVE: Final = prefiltered(
    r"\b(?P<expr>"
    r"(?:on\s+|last\s+|this\s+past\s+)?" + _WEEKDAY + r"(?:\s+(?:night|morning|evening|afternoon))?"
    r"|(?:last|earlier\s+this|this|in|since)\s+" + _MONTH.replace("?P<month>", "?P<month_rel>")
    + r"|earlier\s+this\s+week|this\s+week|last\s+week|earlier\s+this\s+month|this\s+month|last\s+month"
    r"|earlier\s+today|(?:earlier|later)\s+in\s+the\s+day|today|tonight|this\s+morning|this\s+evening|yesterday"
    r"|the\s+previous\s+day"
    r"|(?:a|one)\s+day\s+(?:earlier|before)|the\s+day\s+before|last\s+night"
    r"|(?:a|one)\s+day\s+later|the\s+next\s+day|the\s+following\s+day"
    r"|earlier\s+this\s+year|last\s+year"
    r")\b",
    re.IGNORECASE,
)


# Whether a text can hold a date expression at all: one search instead of one per rule.
ANY_DATE: Final = AnyOf(EXPLICIT_DAY, RELATIVE)


def parse_iso(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def article_date(text: str, published: str | None = None) -> dt.date | None:
    """The article's date: the given published date, the ` date` header, or the dateline."""
    found = parse_iso(published)
    if found:
        return found
    header = HEADER.match(text)
    if header:
        found = parse_iso(header.group(1))
        if found:
            return found
    line = DATELINE.match(text[:300])
    if line and line.group("year"):
        try:
            return dt.date(int(line.group("year")), MONTHS[line.group("month").lower().rstrip(".")],
                           int(line.group("day")))
        except ValueError:
            return None
    return None


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_back(base: dt.date, months: int) -> dt.date:
    index = base.year * 12 + base.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _span_value(first: dt.date, last: dt.date) -> str | None:
    """A range of days resolves to its month when it lies in one month, else to nothing."""
    if first > last:
        return None
    if (first.year, first.month) == (last.year, last.month):
        return month_of(first)
    return None


def _explicit(match: re.Match[str], base: dt.date | None) -> str | None:
    month_name = match.group("month") or match.group("month2")
    day = match.group("day") or match.group("day2")
    year = match.group("year") or match.group("year2")
    month = MONTHS.get(month_name.lower().rstrip("."))
    if month is None or day is None:
        return None
    if year is None:
        if base is None:
            return None
        year_n = base.year if (month, int(day)) <= (base.month, base.day) else base.year - 1
    else:
        year_n = int(year)
    try:
        return dt.date(year_n, month, int(day)).isoformat()
    except ValueError:
        return None


def resolve_expression(expr: str, base: dt.date) -> str | None:
    """Resolve one relative expression found by ``RELATIVE`` against the article date."""
    words = expr.lower().split()
    phrase = " ".join(words)
    weekday = next((w for w in words if w in WEEKDAYS), None)
    if weekday is not None:
        back = (base.weekday() - WEEKDAYS[weekday]) % 7
        if words[0] == "last" and back == 0:
            back = 7
        return (base - dt.timedelta(days=back)).isoformat()
    month_word = next((w.rstrip(".") for w in words if w.rstrip(".") in MONTHS), None)
    if month_word is not None and words[0] in ("last", "earlier", "this", "in", "since"):
        month = MONTHS[month_word]
        year = base.year if month < base.month else base.year - 1
        if words[0] in ("this", "in", "earlier", "since") and month == base.month:
            year = base.year
        if words[0] == "last" and month >= base.month:
            year = base.year - 1
        return f"{year:04d}-{month:02d}"
    if phrase in ("today", "tonight", "this morning", "this evening", "earlier today", "earlier in the day",
                  "later in the day"):
        return base.isoformat()
    if phrase in ("yesterday", "last night", "the previous day", "a day earlier", "one day earlier",
                  "a day before", "one day before", "the day before"):
        return (base - dt.timedelta(days=1)).isoformat()
    if phrase == "earlier this week":
        monday = base - dt.timedelta(days=base.weekday())
        return _span_value(monday, base - dt.timedelta(days=1)) if base > monday else None
    if phrase == "this week":
        monday = base - dt.timedelta(days=base.weekday())
        return _span_value(monday, base)
    if phrase == "last week":
        monday = base - dt.timedelta(days=base.weekday() + 7)
        return _span_value(monday, monday + dt.timedelta(days=6))
    if phrase in ("earlier this month", "this month"):
        return month_of(base)
    if phrase == "last month":
        return month_of(_month_back(base, 1))
    if phrase in ("a day later", "one day later", "the next day", "the following day"):
        return "+1"  # relative to the post it follows: resolved by the extractor
    return None  # "earlier this year", "last year": coarser than a month


def find_date(text: str, base: dt.date | None) -> tuple[str | None, bool]:
    """The date a stretch of text gives, and whether it held a date expression at all.

    Returns (value, found): found with a None value means an expression was there but does
    not resolve to a day or a month (the caller must not fall back to a default).
    """
    if not ANY_DATE.possible(text):
        return None, False
    return find_possible_date(text, base)


_FIND_POSSIBLE_DATE_MEMO: Final = Memo[tuple[str, dt.date | None], tuple[str | None, bool]](8192)


def find_possible_date(text: str, base: dt.date | None) -> tuple[str | None, bool]:
    """``find_date`` for a text the caller knows ``ANY_DATE.possible`` of (answers remembered: patterns.Memo)."""
    key = (text, base)
    kept = _FIND_POSSIBLE_DATE_MEMO.kept
    return kept[key] if key in kept else _FIND_POSSIBLE_DATE_MEMO.keep(key, _find_possible_date_of(text, base))


def forget_dates() -> None:
    """Drop the answers kept (benchmarks clear every cache between articles)."""
    _FIND_POSSIBLE_DATE_MEMO.clear()


def _find_possible_date_of(text: str, base: dt.date | None) -> tuple[str | None, bool]:
    explicit = EXPLICIT_DAY.search(text)
    if explicit:
        value = _explicit(explicit, base)
        if value:
            return value, True
    relative = RELATIVE.search(text)
    if relative and base is not None:
        return resolve_expression(relative.group("expr"), base), True
    return None, bool(relative)
