"""Output shapes shared by the commands: the gold JSONL line, and table/CSV/JSON rendering."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Sequence
from typing import Any

import orjson

from tracker.models import Extraction

# Which posts a record lists under "posts" (LAYERS[0] is the default):
# - auto: an HTML page's posts known by a status id (the unit of the HTML gold: an embedded or
#   linked post), its prose-only citations under "prose_posts"; a text article's posts all;
# - all: every post under "posts", whatever the input;
# - embeds: as auto for HTML, for any input.
LAYERS = ("auto", "all", "embeds")


def extraction_record(extraction: Extraction, layer: str = "auto") -> dict[str, Any]:
    """One article in the gold format of shared/eval/FORMAT.md (the evaluation contract).

    The split between "posts" and "prose_posts" changes only what is listed where: relations
    and mentions name posts of either list, and ingestion stores them all.
    """
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, not {layer!r}")
    article = extraction.article
    split = layer == "embeds" or (layer == "auto" and article.html)
    posts: list[dict[str, Any]] = []  # all of them, or those known by a status id when split
    prose: list[dict[str, Any]] = []  # when split: those the prose cites without one
    for post in extraction.posts:
        record: dict[str, Any] = {
            "key": post.key,
            "actor": post.actor,
            "actor_name": post.actor_name,
            "platform": post.platform,
            "platform_inferred": post.platform_inferred,
            "quote": list(post.quote),
            "quote_spans": [list(s) for s in post.quote_spans],
            "paraphrase": post.paraphrase,
            "posted": post.posted,
            "cue": post.cue,
            "cue_span": list(post.cue_span) if post.cue_span else None,
            "sentence_span": list(post.sentence_span),
            "truncated": post.truncated,
            "confidence": post.confidence,
        }
        known = bool(post.status_id or post.url)
        if known:
            record["status_id"] = post.status_id
            record["url"] = post.url
            record["embed_kind"] = post.embed_kind
        (posts if known or not split else prose).append(record)
    out: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "outlet": article.outlet,
        "title": article.title,
        "published": article.published,
        "negative": not extraction.posts,
        "posts": posts,
    }
    if split:
        out["prose_posts"] = prose
    out["relations"] = [
        {"from": r.source, "to": r.target, "type": r.type, "span": list(r.span)} for r in extraction.relations
    ]
    out["mentions"] = [
        {"post": m.post, "actor": m.actor, "actor_name": m.actor_name, "span": list(m.span)}
        for m in extraction.mentions
    ]
    return out


def record_line(record: dict[str, Any]) -> bytes:
    """One JSONL line (UTF-8, newline included) of a record: what `tracker extract` prints.

    orjson writes it in a tenth of json.dumps's time, which at a thousand articles a second is
    a twentieth of the whole run; the text is the same JSON (compact, non-ASCII kept as is)."""
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, max_width: int = 60) -> str:
    """Rows as an aligned text table, CSV (with header) or a JSON array of objects."""
    if fmt == "json":
        return json.dumps([{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                          ensure_ascii=False, default=str)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: Any, max_width: int) -> str:
    text = "NULL" if value is None else str(_plain(value))
    text = text.replace("\n", " ")
    return text if len(text) <= max_width else text[: max_width - 1] + "…"
