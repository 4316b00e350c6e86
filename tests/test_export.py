"""tracker export: the graph for Gephi (GEXF, GraphML) and tables for pandas and DuckDB, uncapped."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import SEED, scalar
from dash_helpers import build_db

from tracker import export
from tracker.cli import main
from tracker.export import export_bytes, export_file, export_filename
from tracker.filters import Filters
from tracker.pipeline import ingest

SEED_ACCOUNTS = {"MEAIndia", "IndianEmbassyUS", "USAndIndia", "AmitShah"}


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed article ingested once for the module (exports only read the snapshot)."""
    from tracker.registry import load_registry

    db = tmp_path_factory.mktemp("export") / "tracker.duckdb"
    assert ingest(db, [str(SEED)], load_registry()).new_articles == 1
    return db


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["export", *args])
    return result.exit_code, result.output


def read_sql(sql: str) -> int:
    """A count from DuckDB reading an exported file (a fresh in-memory database, as the CLI would)."""
    con = duckdb.connect()
    try:
        row = con.execute(sql).fetchone()
        assert row is not None
        return int(row[0])
    finally:
        con.close()


def test_seed_graph_as_gexf_opens_in_networkx_with_the_accounts_and_the_response(seed_db: Path,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "graph.gexf"
    code, output = run("--db", str(seed_db), "--what", "graph", str(out))
    assert code == 0, output
    assert "wrote 4 edges" in output
    graph = nx.read_gexf(out)
    assert set(graph.nodes) >= SEED_ACCOUNTS
    assert graph.nodes["MEAIndia"]["label"] == "Ministry of External Affairs, India"
    assert graph.nodes["USAndIndia"]["government"] == "US" and graph.nodes["AmitShah"]["posts"] == 1
    assert graph.has_edge("USAndIndia", "AmitShah")
    response = graph.get_edge_data("USAndIndia", "AmitShah")
    assert response["relation"] == "response" and response["weight"] == 1 and response["cross_government"] is True
    assert graph.number_of_edges() == scalar(seed_db, "select count(*) from amplification_edges")
    # no None anywhere: Gephi and networkx's writers refuse it
    for _, data in graph.nodes(data=True):
        assert None not in data.values()


def test_seed_graph_as_graphml_reads_back_too(seed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.graphml"
    assert export_file(seed_db, "graph", "graphml", out, Filters(top_n=None)) == 4
    graph = nx.read_graphml(out)
    assert set(graph.nodes) >= SEED_ACCOUNTS
    assert graph.get_edge_data("USAndIndia", "AmitShah")["relation"] == "response"
    assert graph.nodes["ONDCP"]["government"] == "US"  # a named account with no post of its own


@pytest.mark.parametrize(("what", "table_sql"), [
    ("graph", "select count(*) from amplification_edges"),
    ("posts", "select count(*) from posts"),
    ("citations", "select count(*) from post_citations"),
    ("relations", "select (select count(*) from post_relations) + (select count(*) from post_mentions)"),
])
def test_parquet_reads_back_in_duckdb_with_the_tables_row_count(seed_db: Path, tmp_path: Path, what: str,
                                                                table_sql: str) -> None:
    out = tmp_path / f"{what}.parquet"
    code, output = run("--db", str(seed_db), "--what", what, str(out))
    assert code == 0, output
    expected = scalar(seed_db, table_sql)
    assert expected > 0
    assert read_sql(f"select count(*) from read_parquet('{out}')") == expected
    assert len(pd.read_parquet(out)) == expected


def test_posts_parquet_keeps_types_and_story_counts(seed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.parquet"
    export_file(seed_db, "posts", "parquet", out)
    posts = pd.read_parquet(out).set_index("actor_id")
    assert set(posts.index) == SEED_ACCOUNTS
    assert list(posts.loc["MEAIndia", "outlets"]) == ["IANS"]
    assert posts.loc["MEAIndia", "stories"] == 1 and posts.loc["MEAIndia", "government"] == "IN"


def test_csv_reads_in_pandas_and_in_duckdb(seed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.csv"
    assert run("--db", str(seed_db), "--what", "posts", str(out))[0] == 0
    frame = pd.read_csv(out)
    assert len(frame) == 4 and set(frame["actor_id"]) == SEED_ACCOUNTS
    assert json.loads(frame.loc[frame["actor_id"] == "MEAIndia", "outlets"].iloc[0]) == ["IANS"]
    assert read_sql(f"select count(*) from read_csv('{out}') where actor_id = 'USAndIndia'") == 1
    citations = tmp_path / "citations.csv"
    assert run("--db", str(seed_db), "--what", "citations", str(citations))[0] == 0
    quoted = pd.read_csv(citations)
    assert len(quoted) == 4 and all(isinstance(json.loads(q), list) for q in quoted["quote"])
    assert quoted["sentence"].str.contains("posted on X").any()
    edges = tmp_path / "edges.csv"
    assert run("--db", str(seed_db), "--what", "graph", str(edges))[0] == 0
    assert read_sql(f"select count(*) from read_csv('{edges}') where relation = 'response'") == 1


def test_jsonl_has_one_object_per_row(seed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "relations.jsonl"
    assert run("--db", str(seed_db), "--what", "relations", str(out))[0] == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    expected = scalar(seed_db, "select (select count(*) from post_relations) + (select count(*) from post_mentions)")
    assert len(lines) == expected
    rows = [json.loads(line) for line in lines]
    assert {"relation": "response", "source_actor": "USAndIndia", "target_actor": "AmitShah"}.items() <= next(
        r for r in rows if r["relation"] == "response").items()


def test_rows_stream_in_batches_without_a_cap(seed_db: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BATCH_ROWS", 1)  # every row its own Arrow batch
    for fmt in ("parquet", "csv", "jsonl"):
        out = tmp_path / f"citations.{fmt}"
        assert export_file(seed_db, "citations", fmt, out) == 4
    assert read_sql(f"select count(distinct post_id) from read_parquet('{tmp_path / 'citations.parquet'}')") == 4
    assert len(pd.read_csv(tmp_path / "citations.csv")) == 4
    assert len((tmp_path / "citations.jsonl").read_text().splitlines()) == 4


def test_filters_narrow_the_export(seed_db: Path, tmp_path: Path) -> None:
    cross = tmp_path / "cross.gexf"
    assert run("--db", str(seed_db), "--what", "graph", "--cross-government", str(cross))[0] == 0
    graph = nx.read_gexf(cross)
    assert graph.number_of_edges() == 3 and not graph.has_edge("AmitShah", "narcoticsbureau")
    assert run("--db", str(seed_db), "--what", "graph", "--relation", "response", str(tmp_path / "r.graphml"))[0] == 0
    assert list(nx.read_graphml(tmp_path / "r.graphml").edges()) == [("USAndIndia", "AmitShah")]
    assert run("--db", str(seed_db), "--what", "graph", "--top", "1", str(tmp_path / "top.csv"))[0] == 0
    assert len(pd.read_csv(tmp_path / "top.csv")) == 1
    us = tmp_path / "us.csv"
    assert run("--db", str(seed_db), "--what", "posts", "--government", "us", str(us))[0] == 0
    assert list(pd.read_csv(us)["actor_id"]) == ["USAndIndia"]
    since = tmp_path / "since.jsonl"
    assert run("--db", str(seed_db), "--what", "posts", "--since", "2026-01-01", str(since))[0] == 0
    assert {json.loads(line)["actor_id"] for line in since.read_text().splitlines()} == {"MEAIndia", "IndianEmbassyUS"}
    until = tmp_path / "until.parquet"
    assert run("--db", str(seed_db), "--what", "citations", "--until", "2025-12-31", str(until))[0] == 0
    assert set(pd.read_parquet(until)["actor_id"]) == {"AmitShah", "USAndIndia"}
    relations = tmp_path / "rel.csv"
    assert run("--db", str(seed_db), "--what", "relations", "--cross-government", "--relation", "mention",
               str(relations))[0] == 0
    assert set(pd.read_csv(relations)["target_actor"]) == {"ONDCP", "narcoticsbureau"}
    actor = tmp_path / "actor.csv"
    assert run("--db", str(seed_db), "--what", "citations", "--actor", "MEAIndia", str(actor))[0] == 0
    assert list(pd.read_csv(actor)["actor_id"]) == ["MEAIndia"]
    nothing = tmp_path / "nothing.csv"
    assert run("--db", str(seed_db), "--what", "posts", "--platform", "telegram", str(nothing))[0] == 0
    assert pd.read_csv(nothing).empty


def test_export_bytes_is_what_the_dashboard_downloads(seed_db: Path, tmp_path: Path) -> None:
    data = export_bytes(seed_db, "graph", "gexf", Filters(cross_government_only=True))
    path = tmp_path / export_filename("graph", "gexf")
    path.write_bytes(data)
    assert nx.read_gexf(path).number_of_edges() == 3
    export_file(seed_db, "posts", "csv", tmp_path / "posts.csv")
    assert export_bytes(seed_db, "posts", "csv") == (tmp_path / "posts.csv").read_bytes()
    assert export.MEDIA_TYPES["parquet"] == "application/vnd.apache.parquet"


def test_an_empty_database_exports_valid_empty_files(tmp_path: Path) -> None:
    db = build_db(tmp_path, seed=False)
    out = tmp_path / "out"
    for what in export.WHATS:
        for fmt in export.FORMATS[what]:
            assert export_file(db, what, fmt, out / f"{what}.{fmt}") == 0
    assert nx.read_gexf(out / "graph.gexf").number_of_nodes() == 0
    assert nx.read_graphml(out / "graph.graphml").number_of_edges() == 0
    for what in export.WHATS:
        assert read_sql(f"select count(*) from read_parquet('{out / what}.parquet')") == 0
        frame = pd.read_csv(out / f"{what}.csv")
        assert frame.empty and len(frame.columns) > 5  # the header names every column
        assert (out / f"{what}.jsonl").read_bytes() == b""
    assert "n" in pd.read_parquet(out / "graph.parquet").columns


@pytest.mark.parametrize(("args", "message"), [
    (["--what", "posts", "--format", "gexf", "x.gexf"], "posts cannot be exported as 'gexf'"),
    (["--what", "graph", "--format", "xlsx", "x.xlsx"], "graph cannot be exported as 'xlsx'"),
    (["--what", "nodes", "x.csv"], "unknown export 'nodes'"),
    (["--what", "posts", "x.txt"], "give --format"),
    (["x.csv"], "give --what"),
    (["--what", "posts"], "give the OUT file"),
    (["--what", "posts", "--since", "22-01-2026", "x.csv"], "--since '22-01-2026'"),
    (["--what", "graph", "--relation", "likes", "x.csv"], "--relation 'likes'"),
    (["--what", "posts", "--top", "3", "x.csv"], "--top does not apply"),
    (["--what", "graph", "--min-count", "0", "x.csv"], "at least 1"),
])
def test_bad_arguments_are_one_line_errors(seed_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    code, output = run("--db", str(seed_db), *[str(tmp_path / a) if a.startswith("x.") else a for a in args])
    assert code == 1
    assert output.startswith("error: ") and output.count("\n") == 1 and message in output
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_an_existing_file_is_kept_unless_forced(seed_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph.csv"
    out.write_text("keep me")
    code, output = run("--db", str(seed_db), "--what", "graph", str(out))
    assert code == 1 and output == f"error: {out} exists: give --force to replace it\n"
    assert out.read_text() == "keep me"
    assert run("--db", str(seed_db), "--what", "graph", "--force", str(out))[0] == 0
    assert len(pd.read_csv(out)) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["graph.csv"]


def test_no_snapshot_is_one_line(tmp_path: Path) -> None:
    code, output = run("--db", str(tmp_path / "none.duckdb"), "--what", "graph", str(tmp_path / "g.gexf"))
    assert code == 1 and output.startswith("error: no published snapshot") and output.count("\n") == 1
    assert not (tmp_path / "g.gexf").exists()
