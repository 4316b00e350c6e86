"""The graph filters shared by the dashboard, its URLs and ``tracker export``.

A filter set round-trips through URL query parameters (``to_params``/``from_params``) so any
view can be bookmarked; a bad value in a URL is dropped with a one-line message and never
reaches SQL. ``edge_where`` turns the filters into a parameterised SQL condition over
``amplification_edge_posts`` (one row per edge occurrence, with its posted date and platform).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tracker.models import PLATFORMS, RELATION_TYPES

DEFAULT_TOP_N = 200
MAX_TOP_N = 5_000
_GOVERNMENT = re.compile(r"^[A-Za-z]{2,8}$|^unknown$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# URL parameter names: short, stable, documented in the README.
PARAMS = ("since", "until", "gov", "rel", "platform", "min", "cross", "top")


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # YYYY-MM-DD, inclusive, on the posted date of the edge's source post
    until: str | None = None  # YYYY-MM-DD, inclusive
    governments: tuple[str, ...] = ()  # either end of the edge belongs to one of them
    relations: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    min_count: int = 1
    cross_government_only: bool = False
    top_n: int | None = DEFAULT_TOP_N  # the strongest N edges; None keeps all
    problems: tuple[str, ...] = field(default=(), compare=False)

    def with_problems(self, problems: Sequence[str]) -> Filters:
        return replace(self, problems=tuple(problems))


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """All values of a parameter: repeated keys or one comma-separated value."""
    getter = getattr(params, "get_all", None)
    raw = getter(name) if callable(getter) else params.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _date(value: str, name: str, problems: list[str]) -> str | None:
    if not _DATE.match(value):
        problems.append(f"ignored {name}={value!r}: expected a date as YYYY-MM-DD")
        return None
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"ignored {name}={value!r}: not a calendar date")
        return None
    return value


def _int(value: str, name: str, low: int, high: int, problems: list[str]) -> int | None:
    try:
        number = int(value)
    except ValueError:
        problems.append(f"ignored {name}={value!r}: expected a whole number")
        return None
    if not low <= number <= high:
        problems.append(f"ignored {name}={value!r}: expected {low} to {high}")
        return None
    return number


def from_params(params: Mapping[str, Any]) -> Filters:
    """Filters from URL query parameters; each bad value is left out and named in ``problems``."""
    problems: list[str] = []
    since = until = None
    if values := _values(params, "since"):
        since = _date(values[0], "since", problems)
    if values := _values(params, "until"):
        until = _date(values[0], "until", problems)
    if since and until and since > until:
        problems.append(f"ignored since={since} and until={until}: the range is empty")
        since = until = None
    governments = []
    for value in _values(params, "gov"):
        if _GOVERNMENT.match(value):
            governments.append(value if value == "unknown" else value.upper())
        else:
            problems.append(f"ignored gov={value!r}: expected a country code such as IN or US")
    relations = []
    for value in _values(params, "rel"):
        if value in RELATION_TYPES:
            relations.append(value)
        else:
            problems.append(f"ignored rel={value!r}: expected one of {', '.join(RELATION_TYPES)}")
    platforms = []
    for value in _values(params, "platform"):
        if value in PLATFORMS:
            platforms.append(value)
        else:
            problems.append(f"ignored platform={value!r}: expected one of {', '.join(PLATFORMS)}")
    min_count = 1
    if values := _values(params, "min"):
        min_count = _int(values[0], "min", 1, 1_000_000, problems) or 1
    cross = False
    if values := _values(params, "cross"):
        if values[0].lower() in ("1", "true", "yes"):
            cross = True
        elif values[0].lower() not in ("0", "false", "no"):
            problems.append(f"ignored cross={values[0]!r}: expected 1 or 0")
    top_n: int | None = DEFAULT_TOP_N
    if values := _values(params, "top"):
        top = values[0].lower()
        top_n = None if top == "all" else (_int(top, "top", 1, MAX_TOP_N, problems) or DEFAULT_TOP_N)
    return Filters(
        since=since, until=until, governments=tuple(dict.fromkeys(governments)),
        relations=tuple(dict.fromkeys(relations)), platforms=tuple(dict.fromkeys(platforms)),
        min_count=min_count, cross_government_only=cross, top_n=top_n, problems=tuple(problems),
    )


def to_params(filters: Filters) -> dict[str, str | list[str]]:
    """The URL query parameters of ``filters``; defaults are left out so URLs stay short."""
    params: dict[str, str | list[str]] = {}
    if filters.since:
        params["since"] = filters.since
    if filters.until:
        params["until"] = filters.until
    if filters.governments:
        params["gov"] = list(filters.governments)
    if filters.relations:
        params["rel"] = list(filters.relations)
    if filters.platforms:
        params["platform"] = list(filters.platforms)
    if filters.min_count != 1:
        params["min"] = str(filters.min_count)
    if filters.cross_government_only:
        params["cross"] = "1"
    if filters.top_n != DEFAULT_TOP_N:
        params["top"] = "all" if filters.top_n is None else str(filters.top_n)
    return params


def _since(alias: str) -> str:
    # A post known only to the month ('2026-01') is kept when its month overlaps the range;
    # `until` needs no such care: '2026-01' <= '2026-01-20' already holds. Undated posts drop out.
    return f"({alias}.posted >= $since or (length({alias}.posted) = 7 and {alias}.posted = substr($since, 1, 7)))"


def dated_where(filters: Filters, alias: str) -> tuple[list[str], dict[str, Any]]:
    """The posted-date and platform conditions (a list, "true" first), shared by edges, posts and exports."""
    clauses = ["true"]
    params: dict[str, Any] = {}
    if filters.since:
        clauses.append(_since(alias))
        params["since"] = filters.since
    if filters.until:
        clauses.append(f"{alias}.posted <= $until")
        params["until"] = filters.until
    if filters.platforms:
        clauses.append(f"{alias}.platform in (select unnest($platforms))")
        params["platforms"] = list(filters.platforms)
    return clauses, params


def edge_where(filters: Filters, alias: str = "e") -> tuple[str, dict[str, Any]]:
    """A SQL condition over edge occurrences (columns posted, platform, relation, governments)."""
    clauses, params = dated_where(filters, alias)
    if filters.relations:
        clauses.append(f"{alias}.relation in (select unnest($relations))")
        params["relations"] = list(filters.relations)
    if filters.governments:
        clauses.append(
            f"(coalesce({alias}.source_government, 'unknown') in (select unnest($governments))"
            f" or coalesce({alias}.target_government, 'unknown') in (select unnest($governments)))"
        )
        params["governments"] = list(filters.governments)
    if filters.cross_government_only:
        clauses.append(f"coalesce({alias}.source_government, '?') <> coalesce({alias}.target_government, '?')")
    return " and ".join(clauses), params


def post_where(filters: Filters, alias: str = "p") -> tuple[str, dict[str, Any]]:
    """The date, platform and government filters as a condition over ``post_actors`` rows."""
    clauses, params = dated_where(filters, alias)
    if filters.governments:
        clauses.append(f"coalesce({alias}.government, 'unknown') in (select unnest($governments))")
        params["governments"] = list(filters.governments)
    return " and ".join(clauses), params
