"""AppTest tests of every dashboard page, on a database built by real ingestion and on empty ones.

The database holds the seed article, a second outlet's copy of the MEA's post, and an article
whose text carries <script> and Markdown (tests/fixtures/dashboard/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from dash_helpers import build_db, build_fixture_db
from streamlit.testing.v1 import AppTest

from tracker import saved

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
MEA_QUOTE = "India and the US held the Inaugural Drug Policy Executive Working Group"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("dash"))


def app(monkeypatch: pytest.MonkeyPatch, db: Path, page: str | None = None, **params: str) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    monkeypatch.delenv("TRACKER_STORE", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def qp(at: AppTest, key: str) -> list[str]:
    """All values of a URL parameter (AppTest gives one value as a str, several as a list)."""
    value = at.query_params.get(key)
    return [] if value is None else list(value) if isinstance(value, list) else [value]


def frame(at: AppTest, column: str) -> pd.DataFrame:
    """The one table on the page that has ``column``."""
    [found] = [d.value for d in at.dataframe if column in d.value.columns]
    return found


def texts(at: AppTest) -> str:
    return "\n".join(str(t.value) for t in at.text)


def echarts_series(at: AppTest) -> dict[str, Any]:
    [chart] = [e for e in at.get("bidi_component") if e.proto.component_name.startswith("streamlit-echarts")]
    series: dict[str, Any] = json.loads(chart.proto.json)["options"]["series"][0]
    return series


def post_id_of(db: Path, actor: str, words: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        sql = "select post_id from posts where actor_id = ? and text like ?"
        row = con.execute(sql, [actor, f"%{words}%"]).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


# ---------------------------------------------------------------- graph


def test_graph_filters_narrow_edges_and_go_to_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db)
    pairs = {(link["source"], link["target"]) for link in echarts_series(at)["links"]}
    assert ("USAndIndia", "AmitShah") in pairs and ("IndianEmbassyUS", "ONDCP") in pairs

    at.multiselect(key="f_rel").select("response").run()
    assert not at.exception
    pairs = {(link["source"], link["target"], link["relation"]) for link in echarts_series(at)["links"]}
    assert pairs == {("USAndIndia", "AmitShah", "response")}
    assert qp(at, "rel") == ["response"]


def test_graph_date_range_from_the_url_drops_older_edges(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, since="2026-01-01", until="2026-12-31")
    assert at.slider(key="f_dates").value[0].isoformat() == "2026-01-01"
    pairs = {(link["source"], link["target"]) for link in echarts_series(at)["links"]}
    assert ("IndianEmbassyUS", "ONDCP") in pairs
    assert ("USAndIndia", "AmitShah") not in pairs  # posted in July 2025
    assert at.get("vega_lite_chart"), "the weekly timeline is drawn"


def test_graph_bad_url_values_are_named_and_ignored(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, since="yesterday", rel="likes", min="-3", account="nobody_here")
    warnings = " | ".join(w.value for w in at.warning)
    assert "since='yesterday'" in warnings and "rel='likes'" in warnings and "min='-3'" in warnings
    assert "unknown account 'nobody_here'" in warnings
    assert echarts_series(at)["links"], "the graph still shows every edge"


def test_graph_account_from_the_url_shows_its_posts(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, account="MEAIndia")
    assert at.selectbox(key="account").value == "MEAIndia"
    shown = texts(at)
    assert MEA_QUOTE in shown
    assert "The Hindu" in shown and "IANS" in shown


def test_graph_top_n_keeps_the_strongest_edges(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, top="1")
    assert len(echarts_series(at)["links"]) == 1
    assert at.selectbox(key="f_top").value == 1


# ---------------------------------------------------------------- accounts


def test_accounts_lists_the_registry_with_counts(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/accounts.py")
    table = frame(at, "in_registry")
    mea = table[table["actor_id"] == "MEAIndia"].iloc[0]
    assert (mea["posts"], mea["citing_articles"], mea["outlets"]) == (1, 2, 2)
    assert len(table) >= 120  # the whole registry, cited or not


def test_account_view_shows_who_it_amplifies(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/accounts.py", account="USAndIndia")
    assert at.selectbox(key="accounts_account").value == "USAndIndia"
    frames = [d.value for d in at.dataframe]
    amplifies = next(f for f in frames if "other_actor" in f.columns)
    assert {"AmitShah", "narcoticsbureau"} <= set(amplifies["other_actor"])
    assert any("Thanks to NCB" in " ".join(map(str, f.get("text", []))) for f in frames)


def test_accounts_unknown_id_in_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/accounts.py", account="<b>nobody</b>")
    assert "unknown account '<b>nobody</b>'" in at.warning[0].value
    assert at.selectbox(key="accounts_account").value is None


# ---------------------------------------------------------------- posts


def test_posts_search_ranks_matching_posts(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/posts.py")
    at.text_input(key="posts_query").input("synthetic opioids").run()
    results = frame(at, "stories")
    assert results.iloc[0]["actor"].startswith("Ministry of External Affairs")
    assert "Thanks to NCB" not in " ".join(results["text"].fillna(""))
    assert qp(at, "q") == ["synthetic opioids"]


def test_post_provenance_shows_two_outlets_and_the_evidence(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    post = post_id_of(fixture_db, "MEAIndia", "Inaugural Drug Policy")
    at = app(monkeypatch, fixture_db, "views/posts.py", post=post)
    shown = texts(at)
    assert "Outlets: IANS, The Hindu" in shown
    assert "Earliest citation: IANS, 2026-01-22" in shown
    citing = frame(at, "story_id")
    assert sorted(citing["outlet"]) == ["IANS", "The Hindu"]
    assert all("the MEA posted on X" in sentence for sentence in citing["sentence"])
    assert [m.value for m in at.metric][:3] == ["2", "2", "2"]


def test_post_reply_chain_is_a_tree(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    post = post_id_of(fixture_db, "AmitShah", "Congratulations to NCB")
    at = app(monkeypatch, fixture_db, "views/posts.py", post=post)
    lines = [line for t in at.text for line in str(t.value).splitlines()]
    root = next(i for i, line in enumerate(lines) if "[this post]" in line)
    assert lines[root].startswith("Amit Shah")
    assert lines[root + 1].startswith("    ↳ response: U.S. Embassy")


def test_posts_unknown_post_in_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/posts.py", post="x:0000")
    assert "unknown post 'x:0000'" in at.warning[0].value


# ---------------------------------------------------------------- articles


def test_article_text_with_script_and_markdown_is_shown_as_text(
    monkeypatch: pytest.MonkeyPatch, fixture_db: Path
) -> None:
    at = app(monkeypatch, fixture_db, "views/articles.py")
    listing = frame(at, "language")
    article = listing[listing["outlet"] == "PTI"].iloc[0]["article_id"]
    at.selectbox(key="articles_article").select(article).run()
    assert not at.exception
    [body] = [h.proto.body for h in at.get("html")]
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body
    assert "<script" not in body
    assert "**bold claims**" in body and "[a link](javascript:alert(1))" in body  # Markdown left as typed
    assert '<mark class="ev-quote"' in body
    assert qp(at, "article") == [article]


def test_articles_unknown_article_in_the_url(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/articles.py", article="nope")
    assert "unknown article 'nope'" in at.warning[0].value


# ---------------------------------------------------------------- SQL


def test_sql_runs_a_query_and_offers_csv_and_parquet(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/sql.py")
    at.text_area(key="sql_text").input("select actor_id, count(*) as n from posts group by 1 order by 2 desc, 1").run()
    at.button[0].click().run()
    assert not at.exception
    result = at.dataframe[0].value
    assert result.iloc[0].to_dict() == {"actor_id": "AmitShah", "n": 2}
    labels = {b.label for b in at.get("download_button")}
    assert {"Download CSV", "Download Parquet"} <= labels


@pytest.mark.parametrize("query, words", [
    ("drop table posts", "only read queries"),
    ("select * from read_csv('/etc/passwd')", "Permission"),
    ("attach 'x.duckdb' as x", "only read queries"),
    ("select * from nowhere", "nowhere"),
    ("select sum(a.range * b.range) from range(100000000) a, range(100000000) b", "stopped after 1 s"),
])
def test_sql_refusals_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, fixture_db: Path, query: str, words: str
) -> None:
    monkeypatch.setenv("TRACKER_SQL_TIMEOUT", "1")
    at = app(monkeypatch, fixture_db, "views/sql.py", q=query)
    if not at.error:
        at.button[0].click().run()
    [error] = at.error
    assert words in error.value and "\n" not in error.value
    con = duckdb.connect(str(fixture_db), read_only=True)
    try:
        assert con.execute("select count(*) from posts").fetchone() == (5,)
    finally:
        con.close()


def test_sql_caps_rows(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/sql.py", q="select * from range(20000)")
    at.button[0].click().run()
    assert len(at.dataframe[0].value) == 10_000
    assert "first 10,000 rows" in at.warning[0].value


# ---------------------------------------------------------------- runs


def test_runs_page_shows_the_ingestion_run(monkeypatch: pytest.MonkeyPatch, fixture_db: Path) -> None:
    at = app(monkeypatch, fixture_db, "views/runs.py")
    runs = frame(at, "new_articles")
    assert list(runs["status"]) == ["finished"]
    assert int(runs.iloc[0]["new_articles"]) == 3
    assert "No failed fetches." in texts(at)


# ---------------------------------------------------------------- saved searches


def test_a_saved_search_is_listed_in_the_sidebar(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = build_fixture_db(tmp_path)
    at = app(monkeypatch, db, rel="response")
    at.sidebar.text_input(key="saved_name").input("Responses only")
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert any("saved “Responses only”" in s.value for s in at.success)
    links = [p for p in at.get("page_link") if p.proto.label == "Responses only"]
    assert links and "rel=response" in links[0].proto.page + links[0].proto.query_string
    assert saved.check("Responses only", "graph", {"rel": "response"})[2] == '{"rel": "response"}'


def test_saving_with_a_bad_name_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(saved.SavedSearchError, match="needs a name"):
        saved.save(build_db(tmp_path, seed=False), "<script>", "graph", {})


# ---------------------------------------------------------------- empty databases


@pytest.mark.parametrize("page", [None, "views/accounts.py", "views/posts.py", "views/articles.py", "views/runs.py"])
def test_every_page_on_an_empty_database_says_how_to_ingest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str | None
) -> None:
    at = app(monkeypatch, build_db(tmp_path, seed=False), page)
    assert len(at.info) == 1 and "tracker ingest" in at.info[0].value
    assert not at.dataframe


@pytest.mark.parametrize("page", [None, "views/accounts.py", "views/posts.py", "views/articles.py", "views/runs.py"])
def test_every_page_without_a_snapshot_says_how_to_ingest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str | None
) -> None:
    at = app(monkeypatch, tmp_path / "none.duckdb", page)
    assert "tracker ingest" in at.info[0].value


def test_sql_page_on_an_empty_database_answers_with_zero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = app(monkeypatch, build_db(tmp_path, seed=False), "views/sql.py", q="select count(*) as n from posts")
    at.button[0].click().run()
    assert at.dataframe[0].value.iloc[0]["n"] == 0


def test_saved_searches_replace_and_delete(tmp_path: Path) -> None:
    db = build_db(tmp_path, seed=False)
    saved.save(db, "IN only", "graph", {"gov": ["IN"]})
    saved.save(db, "IN only", "graph", {"gov": ["IN", "US"]})  # same name: replaced
    con = duckdb.connect(str(db.with_name("tracker.published.duckdb")), read_only=True)
    try:
        assert con.execute("select name, params from saved_searches").fetchall() == [
            ("IN only", '{"gov": ["IN", "US"]}')
        ]
    finally:
        con.close()
    assert saved.delete(db, "IN only") is True
    assert saved.delete(db, "IN only") is False


def test_saving_while_a_run_holds_the_lock_is_refused(tmp_path: Path) -> None:
    from tracker.schedule import run_lock

    db = build_db(tmp_path, seed=False)
    with run_lock(db), pytest.raises(saved.SavedSearchError, match="ingestion run is writing"):
        saved.save(db, "later", "posts", {"q": "opioids"})


def test_wire_copies_count_once_on_the_posts_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A second agency's lightly edited copy of the seed story: three articles, two stories."""
    import shutil

    from dash_helpers import DASHBOARD_FIXTURES

    from tracker.pipeline import ingest
    from tracker.registry import load_registry

    folder = tmp_path / "articles"
    shutil.copytree(DASHBOARD_FIXTURES, folder)
    seed = (folder / "ians-seed-article.txt").read_text(encoding="utf-8")
    copy = seed.replace("(IANS)", "(ANI)").replace("concluded the inaugural", "wrapped up the first")
    (folder / "ani-copy.txt").write_text(copy, encoding="utf-8")
    db = tmp_path / "tracker.duckdb"
    assert ingest(db, [str(folder)], load_registry()).errors == 0

    post = post_id_of(db, "MEAIndia", "Inaugural Drug Policy")
    at = app(monkeypatch, db, "views/posts.py", post=post)
    assert [m.value for m in at.metric][:3] == ["2", "3", "3"]  # stories, citing articles, outlets
    assert "Outlets: ANI, IANS, The Hindu" in texts(at)
    citing = frame(at, "story_id")
    assert citing["story_id"].nunique() == 2
