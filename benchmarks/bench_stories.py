"""Wire-copy detection: articles/s of ``assign_stories``, and how well it groups copies.

A corpus of distinct articles is made from the development set's sentences (each article a
random draw of 12 sentences, so two articles rarely share more than one), plus one outlet copy
of every fifth article (another headline, a sentence cut, boilerplate added), all stored in a
real DuckDB file. The first run signs and assigns all of them; the second run assigns a new
day's articles against the stored signatures (the incremental case of every ingestion run).
It also prints the similarities the threshold in tracker/stories.py was chosen from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from tracker import store  # noqa: E402
from tracker.stories import THRESHOLD, assign_stories, similarity  # noqa: E402

DEV = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
SEED = (ROOT / "seeds" / "seed-article.txt").read_text(encoding="utf-8")
SENTENCE = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])")
BOILERPLATE = ["Follow us on X and Facebook for the latest news.",
               "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)",
               "Subscribe to our newsletter for the day's top stories."]
# Another story quoting the seed's MEA post: what must stay a separate story.
OPPOSITION = ("New Delhi, Jan 23 (PTI) Opposition leaders on Friday questioned the government's outreach to "
              "Washington on narcotics cooperation, saying the joint statements did not address tariffs on Indian "
              "pharmaceutical exports that have hurt small manufacturers across Gujarat and Telangana.")
REACTIONS = ("A Congress spokesperson said the meeting produced no concrete commitments and demanded that the "
             "minister brief Parliament on its outcomes. Analysts at a Delhi think tank said cooperation on "
             "precursor chemicals was overdue, pointing to seizures at Mundra port last year. Officials said a "
             "follow-up meeting was planned in New Delhi later this year.")


def sentences() -> list[str]:
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [s.strip() for t in texts for s in SENTENCE.split(t) if len(s.split()) >= 6]


def corpus(n: int, rng: random.Random, start: dt.date) -> list[dict[str, object]]:
    pool = sentences()
    rows: list[dict[str, object]] = []
    for i in range(n):
        picked = rng.sample(pool, 12)
        day = start + dt.timedelta(days=i * 30 // n)
        rows.append(_row(f"a{start:%m%d}-{i}", " ".join(picked), day))
        if i % 5 == 0:
            cut = rng.randrange(12)
            copy = [f"Headline {i}: {picked[0][:40]}"] + [s for j, s in enumerate(picked) if j != cut]
            copy.append(rng.choice(BOILERPLATE))
            rows.append(_row(f"a{start:%m%d}-{i}-copy", " ".join(copy), day + dt.timedelta(days=1)))
    return rows


def _row(article_id: str, text: str, day: dt.date) -> dict[str, object]:
    return {"article_id": article_id, "source": "bench", "published": day.isoformat(), "text": text,
            "content_hash": hashlib.sha256(text.encode()).hexdigest()}


def load(con: object, rows: list[dict[str, object]]) -> None:
    frame = pa.Table.from_pylist(rows)
    con.register("_bench", frame)  # type: ignore[attr-defined]
    con.execute("insert into articles by name select * from _bench")  # type: ignore[attr-defined]
    con.unregister("_bench")  # type: ignore[attr-defined]


def main() -> None:
    seed_paras = [p for p in SEED.split("\n\n") if p.strip()]
    edited = "Headline\n\n" + "\n\n".join(seed_paras[:3] + seed_paras[4:]) + "\n\n" + BOILERPLATE[1]
    other = (f"{OPPOSITION} {seed_paras[1]} {REACTIONS}")
    print(f"threshold {THRESHOLD}: seed vs edited copy {similarity(SEED, edited):.2f}; "
          f"seed vs another story quoting its MEA post {similarity(SEED, other):.2f}")

    rng = random.Random(7)
    first = corpus(5000, rng, dt.date(2026, 1, 1))
    second = corpus(500, rng, dt.date(2026, 1, 31))
    with tempfile.TemporaryDirectory() as folder:
        con = store.connect_writer(Path(folder) / "bench.duckdb")
        store.migrate(con)
        load(con, first)
        start = time.perf_counter()
        assigned = assign_stories(con)
        elapsed = time.perf_counter() - start
        print(f"assign_stories, first run: {assigned / elapsed:,.0f} articles/s "
              f"({assigned:,} articles, {elapsed:.2f} s)")
        load(con, second)
        start = time.perf_counter()
        assigned = assign_stories(con)
        elapsed = time.perf_counter() - start
        print(f"assign_stories, next day against stored signatures: {assigned / elapsed:,.0f} articles/s "
              f"({assigned:,} new articles, {elapsed:.2f} s)")
        start = time.perf_counter()
        assign_stories(con)
        print(f"assign_stories with nothing new: {time.perf_counter() - start:.3f} s")
        copies, joined, merged = con.execute("""
            select
                count(*) filter (where article_id like '%-copy'),
                count(*) filter (where article_id like '%-copy' and story_id = replace(article_id, '-copy', '')),
                count(*) filter (where article_id not like '%-copy' and story_id <> article_id),
            from article_stories
        """).fetchone()
        print(f"copies joined to their original: {joined}/{copies}; distinct articles merged wrongly: {merged}")
        con.close()


if __name__ == "__main__":
    main()
