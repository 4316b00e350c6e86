"""Wire copy: syndicated copies of one story are one story; different stories stay apart."""

from __future__ import annotations

import html
import json
from pathlib import Path

from click.testing import CliRunner
from conftest import SEED

from tracker import store
from tracker.cli import main
from tracker.pipeline import article_key, ingest, text_article
from tracker.registry import Registry
from tracker.stories import MIN_SHINGLES, THRESHOLD, assign_stories, shingles, similarity

SEED_TEXT = SEED.read_text(encoding="utf-8")
PARAGRAPHS = [p.strip() for p in SEED_TEXT.split("\n\n") if p.strip()]
BODY = [PARAGRAPHS[0].removeprefix("date 2026-01-22").strip(), *PARAGRAPHS[1:]]
MEA_QUOTE = PARAGRAPHS[1]  # '"India and the US held ...," the MEA posted on X.'


def outlet_copy(date: str, headline: str, drop: int, boilerplate: str) -> str:
    """Another outlet's copy of the seed story: its headline, one paragraph cut, its boilerplate."""
    kept = [p for i, p in enumerate(BODY) if i != drop]
    return f" date {date} {headline}\n\n" + "\n\n".join(kept) + f"\n\n{boilerplate}"


COPY_A = outlet_copy("2026-01-22", "India, US reaffirm drug fight", 2,
                     "Follow us on X and Facebook for the latest news.")
COPY_B = outlet_copy("2026-01-23", "Drug policy group meets in Washington", 8,
                     "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)")
OTHER_STORY = (
    " date 2026-01-23 New Delhi, Jan 23 (PTI) Opposition leaders on Friday questioned the government's "
    "outreach to Washington on narcotics cooperation, saying the joint statements did not address tariffs on "
    "Indian pharmaceutical exports that have hurt small manufacturers across Gujarat and Telangana.\n\n"
    f"{MEA_QUOTE}\n\n"
    "A Congress spokesperson said the meeting produced no concrete commitments and demanded that the minister "
    "brief Parliament on its outcomes. Analysts at a Delhi think tank said cooperation on precursor chemicals "
    "was overdue, pointing to seizures at Mundra port last year and the rising trade in counterfeit tablets "
    "sold online. Officials said a follow-up meeting was planned in New Delhi later this year, with customs and "
    "postal authorities joining the talks, and that a joint working paper on digital platforms would follow."
)


def write(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def story_rows(db: Path) -> dict[str, tuple[str, int, bool]]:
    """article file stem -> (story_id as a file stem, shingles, has a signature)."""
    con = store.connect_writer(db)
    try:
        rows = con.execute(
            "select a.source, s.story_id, s.shingles, s.minhash is not null from article_stories as s "
            "join articles as a using (article_id)").fetchall()
        ids = dict(con.execute("select article_id, source from articles").fetchall())
    finally:
        con.close()
    return {Path(source).stem: (Path(ids[story]).stem, n, signed) for source, story, n, signed in rows}


def mea_counts(db: Path) -> tuple[int, int]:
    result = store.run_query(db, "select c.stories, c.articles from post_story_counts as c "
                                 "join posts as p using (post_id) where p.actor_id = 'MEAIndia'")
    assert len(result.rows) == 1, result.rows
    return result.rows[0]


def test_the_fixtures_sit_on_the_right_side_of_the_threshold() -> None:
    assert similarity(COPY_A, COPY_B) >= THRESHOLD
    assert similarity(SEED_TEXT, OTHER_STORY) < THRESHOLD / 2
    assert len(shingles(OTHER_STORY)) >= MIN_SHINGLES


def test_two_outlets_copies_of_one_wire_story_are_one_story(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    summary = ingest(db, [str(write(tmp_path / "in", a=COPY_A, b=COPY_B))], registry)
    assert summary.new_articles == 2
    rows = story_rows(db)
    # the earlier copy (22 January) gives the story its id; the later one joins it
    assert rows["a"][0] == "a" and rows["b"][0] == "a"
    assert rows["a"][2] and rows["b"][2]
    assert mea_counts(db) == (1, 2)


def test_different_stories_quoting_the_same_post_are_two_stories(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    ingest(db, [str(write(tmp_path / "in", seed=SEED_TEXT, other=OTHER_STORY))], registry)
    rows = story_rows(db)
    assert rows["seed"][0] == "seed" and rows["other"][0] == "other"
    assert mea_counts(db) == (2, 2)


def test_a_rerun_is_idempotent_and_a_changed_text_is_assigned_again(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    folder = write(tmp_path / "in", a=COPY_A, b=COPY_B)
    ingest(db, [str(folder)], registry)
    before = story_rows(db)
    con = store.connect_writer(db)
    try:
        signatures = con.execute("select article_id, minhash, assigned_at from article_stories order by 1").fetchall()
        assert assign_stories(con) == 0
        assert con.execute("select article_id, minhash, assigned_at from article_stories order by 1"
                           ).fetchall() == signatures
    finally:
        con.close()
    again = ingest(db, [str(folder)], registry)
    assert again.unchanged == 2 and story_rows(db) == before
    # b is rewritten into another story: it is signed again and leaves a's story
    write(folder, b=OTHER_STORY)
    ingest(db, [str(folder)], registry)
    after = story_rows(db)
    assert after["a"][0] == "a" and after["b"][0] == "b"
    assert mea_counts(db) == (2, 2)


def test_short_texts_are_each_their_own_story(tmp_path: Path, registry: Registry) -> None:
    short = f" date 2026-01-22 {MEA_QUOTE}"
    assert len(shingles(short)) < MIN_SHINGLES
    db = tmp_path / "t.duckdb"
    ingest(db, [str(write(tmp_path / "in", one=short, two=short + " Reuters."))], registry)
    rows = story_rows(db)
    assert rows["one"][0] == "one" and rows["two"][0] == "two"
    assert not rows["one"][2] and not rows["two"][2]  # no signature below the minimum


def test_copies_further_apart_than_the_window_are_not_compared(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    late = COPY_B.replace(" date 2026-01-23", " date 2026-03-23", 1)
    ingest(db, [str(write(tmp_path / "in", a=COPY_A, b=late))], registry)
    rows = story_rows(db)
    assert rows["b"][0] == "b"
    # within the window the same two texts are one story (the window, not the text, split them)
    con = store.connect_writer(db)
    try:
        con.execute("delete from article_stories")
        assert assign_stories(con, window_days=90) == 2
    finally:
        con.close()
    assert story_rows(db)["b"][0] == "a"


def test_an_article_ingested_in_a_later_run_joins_the_stored_story(tmp_path: Path, registry: Registry) -> None:
    db = tmp_path / "t.duckdb"
    ingest(db, [str(write(tmp_path / "one", a=COPY_A))], registry)
    ingest(db, [str(write(tmp_path / "two", b=COPY_B))], registry)
    assert story_rows(db)["b"][0] == "a"
    key = article_key(text_article(COPY_B, id="b", source=str(tmp_path / "two" / "b.txt")))
    assert key in {row[0] for row in store.run_query(db, "select article_id from article_stories").rows}


def _page(site: str, headline: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<html><head><title>{headline} | {site}</title><meta property="og:site_name" content="{site}">'
            '<meta property="article:published_time" content="2026-01-22T10:00:00Z"></head>'
            f"<body><article><h1>{headline}</h1>{body}</article></body></html>")


def test_tracker_ingest_of_syndicated_pages_counts_one_story_with_two_outlets(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "ledger.html").write_text(_page("Daily Ledger", "India, US reaffirm drug fight",
                                              [*BODY[:3], *BODY[4:], "Follow us on X for the latest news."]))
    (folder / "courier.html").write_text(_page("Morning Courier", "Drug policy group meets in Washington",
                                               [*BODY[:-1], "This story is auto-generated from a syndicated feed."]))
    db = str(tmp_path / "t.duckdb")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", "--db", db, str(folder)])
    assert result.exit_code == 0 and "new=2" in result.output, result.output
    query = ("select c.stories, c.articles, c.outlets from post_story_counts as c "
             "join posts as p using (post_id) where p.actor_id = 'MEAIndia'")
    out = runner.invoke(main, ["sql", "--db", db, "--format", "json", query])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"stories": 1, "articles": 2, "outlets": ["Daily Ledger", "Morning Courier"]}]
