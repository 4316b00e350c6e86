"""Scoring extraction against a gold set, with the rules at the end of shared/eval/FORMAT.md.

Matching: a gold post with a quote matches the first unused prediction whose quote text
contains the gold ``quote_start`` (after normalising case, quote marks, dashes and spacing),
preferring a prediction by the right actor; a paraphrased gold post matches an unused
prediction by the same actor, preferring unquoted ones. Detection, attribution, platform, date
and relation figures follow from that matching. ``--gov-only`` restricts to posts whose gold
``gov`` is not false.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Name words that say nothing about who an actor is ("the", "minister", "handle"...).
NAME_NOISE = frozenset(
    {"the", "a", "an", "of", "in", "on", "and", "to", "for", "us", "s", "mr", "ms", "dr", "minister", "union",
     "official", "handle", "account", "its", "his", "her"}
)
# Reply and response are one relation type for scoring.
RELATION_CLASS = {"reply": "respond", "response": "respond"}


def tokens(text: str | None) -> list[str]:
    """Lower-case word tokens; apostrophes vanish so "don't" and "dont" agree."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = re.sub(r"[\u2018\u2019\u201a\u201b`\u00b4']", "", folded)
    return re.findall(r"\w+", folded)


def occurs(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    if not needle:
        return False
    size = len(needle)
    first = needle[0]
    return any(haystack[i] == first and list(haystack[i:i + size]) == list(needle)
               for i in range(len(haystack) - size + 1))


def post_tokens(post: Mapping[str, Any]) -> list[str]:
    quote = post.get("quote")
    if isinstance(quote, list):
        quote = " ".join(q for q in quote if q)
    return tokens(quote if isinstance(quote, str) else None)


def same_actor(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> bool:
    gold_handle = str(gold.get("actor") or "").lower()
    pred_handle = str(pred.get("actor") or "").lower()
    if gold_handle:
        return gold_handle == pred_handle
    gold_words = set(tokens(gold.get("actor_name"))) - NAME_NOISE
    pred_words = set(tokens(pred.get("actor_name"))) - NAME_NOISE
    if gold_words:
        return bool(gold_words & pred_words)
    return not pred_handle


def match_posts(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> dict[str, str]:
    """Gold post key -> predicted post key; each prediction used at most once."""
    predictions = list(pred.get("posts") or [])
    quoted_text = {p["key"]: post_tokens(p) for p in predictions}
    taken: set[str] = set()
    pairs: dict[str, str] = {}
    gold_posts = list(gold.get("posts") or [])
    for g in (g for g in gold_posts if g.get("quote_start")):
        needle = tokens(g["quote_start"])
        candidates = [p for p in predictions if p["key"] not in taken and occurs(quoted_text[p["key"]], needle)]
        candidates.sort(key=lambda p: not same_actor(g, p))  # stable: keeps text order among equals
        if candidates:
            pairs[g["key"]] = candidates[0]["key"]
            taken.add(candidates[0]["key"])
    for g in (g for g in gold_posts if not g.get("quote_start")):
        candidates = [p for p in predictions if p["key"] not in taken and same_actor(g, p)]
        candidates.sort(key=lambda p: bool(quoted_text[p["key"]]))
        if candidates:
            pairs[g["key"]] = candidates[0]["key"]
            taken.add(candidates[0]["key"])
    return pairs


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    actor_ok: int = 0
    platform_ok: int = 0
    date_ok: int = 0
    dated: int = 0
    rel_tp: int = 0
    rel_fp: int = 0
    rel_fn: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    missing: int = 0
    misses: list[str] = field(default_factory=list)


def _score_article(t: Tally, gold: Mapping[str, Any], pred: Mapping[str, Any], gov_only: bool) -> None:
    every = list(gold.get("posts") or [])
    pairs_all = match_posts(gold, pred)
    counted = [g for g in every if not gov_only or g.get("gov") is not False]
    counted_keys = {g["key"] for g in counted}
    pairs = {g: p for g, p in pairs_all.items() if g in counted_keys}
    ignored = {p for g, p in pairs_all.items() if g not in counted_keys}
    by_key = {p["key"]: p for p in pred.get("posts") or []}
    extra = [k for k in by_key if k not in pairs.values() and k not in ignored]
    t.tp += len(pairs)
    t.fn += len(counted) - len(pairs)
    t.fp += len(extra)
    if gold.get("negative"):
        t.negatives += 1
        t.negatives_flagged += bool(by_key)
    for g in counted:
        if g["key"] not in pairs:
            t.misses.append(f"{gold['id']}: missed {g.get('actor_name')!r} {g.get('quote_start')!r}")
    for k in extra:
        t.misses.append(f"{gold['id']}: spurious {by_key[k].get('actor_name')!r} "
                        f"{' '.join(post_tokens(by_key[k])[:6])!r}")
    gold_by_key = {g["key"]: g for g in counted}
    for gk, pk in pairs.items():
        g, p = gold_by_key[gk], by_key[pk]
        t.actor_ok += same_actor(g, p)
        t.platform_ok += (g.get("platform") or "unspecified") == (p.get("platform") or "unspecified")
        if g.get("posted"):
            t.dated += 1
            t.date_ok += str(p.get("posted") or "").startswith(g["posted"])
    back = {pk: gk for gk, pk in pairs.items()}
    gold_rel = {(r["from"], r["to"], RELATION_CLASS.get(r["type"], r["type"]))
                for r in gold.get("relations") or [] if r["from"] in gold_by_key and r["to"] in gold_by_key}
    pred_rel = set()
    for r in pred.get("relations") or []:
        if r.get("from") in ignored or r.get("to") in ignored:
            continue
        source, target = back.get(r.get("from")), back.get(r.get("to"))
        kind = RELATION_CLASS.get(r.get("type"), r.get("type"))
        if source and target:
            pred_rel.add((source, target, kind))
        else:
            t.rel_fp += 1
    t.rel_tp += len(gold_rel & pred_rel)
    t.rel_fp += len(pred_rel - gold_rel)
    t.rel_fn += len(gold_rel - pred_rel)


def score(gold_rows: Iterable[Mapping[str, Any]], predictions: Mapping[str, Mapping[str, Any]],
          gov_only: bool = False) -> dict[str, Any]:
    t = Tally()
    rows = list(gold_rows)
    for gold in rows:
        pred = predictions.get(str(gold["id"]))
        if pred is None:
            t.missing += 1
            pred = {"posts": [], "relations": []}
        _score_article(t, gold, pred, gov_only)
    precision, recall, f1 = _prf(t.tp, t.fp, t.fn)
    r_precision, r_recall, r_f1 = _prf(t.rel_tp, t.rel_fp, t.rel_fn)
    return {
        "articles": len(rows), "missing_predictions": t.missing,
        "posts_gold": t.tp + t.fn, "tp": t.tp, "fp": t.fp, "fn": t.fn,
        "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
        "attribution": round(t.actor_ok / t.tp, 3) if t.tp else 0.0,
        "platform": round(t.platform_ok / t.tp, 3) if t.tp else 0.0,
        "date": round(t.date_ok / t.dated, 3) if t.dated else 0.0,
        "relations_gold": t.rel_tp + t.rel_fn, "relation_precision": round(r_precision, 3),
        "relation_recall": round(r_recall, 3), "relation_f1": round(r_f1, 3),
        "negatives": t.negatives, "negatives_flagged": t.negatives_flagged,
        "misses": t.misses,
    }


# ---------------------------------------------------------------- embedded posts on HTML pages
#
# The HTML gold (shared/fixtures/html/README.md) names pages by "file" and lists the article's
# embedded posts by status id. A predicted post counts by its status id (its own field, or the
# id inside its URL); ids the gold lists as not the article's count as false positives; handle,
# text and date are checked on the matched posts; a negative page is flagged if any post is
# reported on it.

STATUS_IN_URL = re.compile(r"/status(?:es)?/(\d{5,25})")


def is_html_gold(rows: Sequence[Mapping[str, Any]]) -> bool:
    return bool(rows) and all("file" in row and "embeds" in row for row in rows)


def status_id_of(post: Mapping[str, Any]) -> str | None:
    if post.get("status_id"):
        return str(post["status_id"])
    for key in ("status_url", "url", "source_url"):
        found = STATUS_IN_URL.search(str(post.get(key) or ""))
        if found:
            return found.group(1)
    return None


def _page_key(name: object) -> str:
    text = str(name)
    base = text.rsplit("/", 1)[-1]
    return base[: -len(".html")] if base.endswith(".html") else base


def score_html(gold_rows: Iterable[Mapping[str, Any]], predictions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    by_page: dict[str, Mapping[str, Any]] = {}
    for row in predictions:
        by_page.setdefault(str(row.get("id")), row)
        by_page.setdefault(_page_key(row.get("id")), row)
    tp = fp = fn = missing = negatives = flagged = 0
    handle = [0, 0]
    text = [0, 0]
    date = [0, 0]
    misses: list[str] = []
    rows = list(gold_rows)
    for gold in rows:
        page = str(gold["file"])
        pred = by_page.get(page) or by_page.get(_page_key(page))
        if pred is None:
            missing += 1
            pred = {"posts": []}
        reported: dict[str, Mapping[str, Any]] = {}
        for post in pred.get("posts") or []:
            status = status_id_of(post)
            if status and status not in reported:
                reported[status] = post
        others = {str(o["status_id"]) if isinstance(o, Mapping) else str(o) for o in gold.get("other_status_ids") or []}
        expected: dict[str, Mapping[str, Any]] = {}
        for embed in gold["embeds"]:
            expected.setdefault(str(embed["status_id"]), embed)
        found = set(reported) - others
        tp += len(found & set(expected))
        fn += len(set(expected) - found)
        fp += len(found - set(expected)) + len(set(reported) & others)
        if not gold.get("has_post", bool(gold["embeds"])):
            negatives += 1
            flagged += bool(pred.get("posts"))
        misses += [f"{page}: missed {s} ({expected[s]['kind']})" for s in set(expected) - found]
        misses += [f"{page}: spurious {s}" for s in (found - set(expected)) | (set(reported) & others)]
        for status in found & set(expected):
            embed, post = expected[status], reported[status]
            if embed.get("handle") and embed["handle"] != "X":
                handle[1] += 1
                handle[0] += str(post.get("actor") or post.get("handle") or "").lower().lstrip("@") == \
                    str(embed["handle"]).lower()
            if embed.get("text_start"):
                text[1] += 1
                text[0] += occurs(post_tokens(post), tokens(str(embed["text_start"])))
            if embed.get("date"):
                date[1] += 1
                date[0] += str(post.get("posted") or "").startswith(str(embed["date"]))
    precision, recall, f1 = _prf(tp, fp, fn)

    def ratio(pair: list[int]) -> float:
        return round(pair[0] / pair[1], 3) if pair[1] else 0.0

    return {
        "pages": len(rows), "missing_predictions": missing, "embeds_gold": tp + fn, "tp": tp, "fp": fp, "fn": fn,
        "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
        "handle": ratio(handle), "text": ratio(text), "date": ratio(date),
        "negatives": negatives, "negatives_flagged": flagged, "misses": misses,
    }
