"""The date rule layer against the article date, with granularity kept."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.dates import article_date, find_date, resolve_expression

THU = dt.date(2026, 1, 22)  # a Thursday
FRI = dt.date(2024, 5, 17)


@pytest.mark.parametrize(("expr", "base", "expected"), [
    ("on Thursday", THU, "2026-01-22"),  # same weekday: the article's own day, not a week back
    ("on Wednesday", THU, "2026-01-21"),
    ("on Monday night", THU, "2026-01-19"),
    ("on Friday", THU, "2026-01-16"),
    ("last Thursday", THU, "2026-01-15"),
    ("Last July", THU, "2025-07"),
    ("last January", THU, "2025-01"),
    ("in January", THU, "2026-01"),
    ("earlier this week", FRI, "2024-05"),  # 13-16 May
    ("earlier this week", dt.date(2024, 10, 4), None),  # 30 Sep - 3 Oct spans two months
    ("earlier this month", THU, "2026-01"),
    ("last month", THU, "2025-12"),
    ("yesterday", THU, "2026-01-21"),
    ("a day earlier", THU, "2026-01-21"),
    ("today", THU, "2026-01-22"),
    ("earlier this year", THU, None),
])
def test_relative_expressions(expr: str, base: dt.date, expected: str | None) -> None:
    assert resolve_expression(expr, base) == expected


def test_explicit_dates_take_the_article_year_when_missing() -> None:
    assert find_date("said on March 3, 2026", THU) == ("2026-03-03", True)
    assert find_date("on 17 February", dt.date(2026, 2, 5)) == ("2025-02-17", True)  # not in the future
    assert find_date("on 3 February", dt.date(2026, 2, 5)) == ("2026-02-03", True)
    assert find_date("nothing here", THU) == (None, False)
    assert find_date("earlier this year", THU) == (None, True)


def test_article_date_sources() -> None:
    assert article_date(" date 2026-01-22 Washington, Jan 22 (IANS) text") == THU
    assert article_date("New Delhi, March 3, 2026 (PTI) text") == dt.date(2026, 3, 3)
    assert article_date("Washington, Jan 22 (IANS) text", published="2026-01-22") == THU
    assert article_date("Washington, Jan 22 (IANS) no year and no header") is None
    assert article_date(" date 2026-13-40 broken header") is None
