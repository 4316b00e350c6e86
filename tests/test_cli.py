"""The tracker command as users run it: help everywhere, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEED

from tracker.cli import main

COMMANDS = sorted(main.commands)


def test_every_command_has_help() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for name in COMMANDS:
        assert name in top.output
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        command = main.commands[name]
        assert isinstance(command, click.Command) and command.help, f"{name} has no help text"
        assert " ".join(command.help.split()[:6]) in " ".join(result.output.split())
        assert "--help" in result.output
    assert {"init", "ingest", "extract", "evaluate", "sql", "dashboard"} <= set(COMMANDS)


def test_the_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "tracker.cli", "--version"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and "tracker" in result.stdout


def test_init_ingest_twice_sql_and_refused_drop(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    assert runner.invoke(main, ["init", "--db", db]).exit_code == 0
    first = runner.invoke(main, ["ingest", "--db", db, str(SEED)])
    assert first.exit_code == 0 and "new=1" in first.output and "posts=4" in first.output
    second = runner.invoke(main, ["ingest", "--db", db, str(SEED)])
    assert second.exit_code == 0 and "unchanged=1" in second.output
    count = runner.invoke(main, ["sql", "--db", db, "--format", "csv", "select count(*) as n from posts"])
    assert count.exit_code == 0 and count.output == "n\n4\n"
    drop = runner.invoke(main, ["sql", "--db", db, "drop table posts"])
    assert drop.exit_code == 1
    assert drop.output.count("\n") == 1 and drop.output.startswith("error: ")
    for query in ("insert into posts (post_id, platform) values ('a', 'x')", "copy posts to 'x.csv'",
                  "attach 'y.duckdb' as y", "install fts", "select nonsense from nowhere"):
        result = runner.invoke(main, ["sql", "--db", db, query])
        assert result.exit_code == 1 and result.output.startswith("error: ") and result.output.count("\n") == 1
    again = runner.invoke(main, ["sql", "--db", db, "--format", "json", "select count(*) as n from posts"])
    assert json.loads(again.output) == [{"n": 4}]


def test_bad_inputs_get_one_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "noposts.txt").write_text("The council met on Monday and said nothing of note.", encoding="utf-8")
    bad_jsonl = tmp_path / "lines.jsonl"
    bad_jsonl.write_text('{"id": "a", "text": "Nothing here."}\nnot json\n{"id": "b"}\n', encoding="utf-8")
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    result = runner.invoke(main, ["ingest", "--db", db, str(tmp_path / "missing.txt"), str(tmp_path), str(SEED)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    summary = result.output.strip().splitlines()[-1]
    assert "posts=4" in summary and "errors=4" in summary
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert any("missing.txt: no such file or folder" in line for line in skipped)
    assert any("binary.txt: binary data" in line for line in skipped)
    assert any("lines.jsonl:2: not JSON" in line for line in skipped)
    assert any("lines.jsonl:3: no 'text' or 'html'" in line for line in skipped)


def test_extract_prints_gold_format_lines(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(SEED)])
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["id"] == "seed-article"
    assert {"key", "actor", "actor_name", "platform", "quote", "paraphrase", "posted", "cue"} <= set(record["posts"][0])
    assert [(r["from"], r["to"], r["type"]) for r in record["relations"]] == [("p3", "p4", "response")]
    table = CliRunner().invoke(main, ["extract", "--format", "table", str(SEED)])
    assert table.exit_code == 0 and "USAndIndia" in table.output and "(4 rows)" in table.output


def test_extract_reads_jsonl_with_ids(tmp_path: Path) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_text(json.dumps({"id": "one", "text": SEED.read_text(encoding="utf-8")}) + "\n"
                     + json.dumps({"id": "two", "text": "", "published": "2026-01-01"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(lines)])
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["id"] for r in records] == ["one", "two"]
    assert len(records[0]["posts"]) == 4 and records[1]["posts"] == []


@pytest.mark.parametrize("args", [["sql", "--db", "/nonexistent/x.duckdb", "select 1"],
                                  ["evaluate", "/nonexistent.jsonl"]])
def test_missing_files_are_one_line_errors(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output


def test_ingest_stores_the_prose_posts_that_extract_lists_apart_on_html(tmp_path: Path) -> None:
    """The HTML gold's unit (posts known by a status id) shapes `tracker extract`'s 'posts' only:
    ingestion stores the Metro page's prose citation with its evidence."""
    page = FIXTURES / "html" / "fundus__uk-Metro_2024_11_29.html"
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    assert runner.invoke(main, ["init", "--db", db]).exit_code == 0
    ingested = runner.invoke(main, ["ingest", "--db", db, str(page)])
    assert ingested.exit_code == 0 and "posts=1" in ingested.output, ingested.output
    rows = runner.invoke(main, ["sql", "--db", db, "--format", "json",
                                "select p.status_id, c.sentence from posts p join post_citations c using (post_id)"])
    stored = json.loads(rows.output)
    assert len(stored) == 1 and stored[0]["status_id"] is None
    assert "Military Industrial Complex" in stored[0]["sentence"]


@pytest.mark.parametrize(("args", "words"), [
    (["export", "--bogus", "x"], ["No such option '--bogus'", "tracker export --help"]),
    (["sql", "--format", "xml", "select 1"], ["'--format'", "tracker sql --help"]),
    (["nosuchcommand"], ["No such command", "tracker --help"]),
    (["schedule", "--every", "15m"], ["give the ingest arguments", "tracker schedule --help"]),
])
def test_usage_errors_are_one_line_and_exit_2(args: list[str], words: list[str]) -> None:
    script = Path(sys.executable).parent / "tracker"  # the console script, so the command path is 'tracker'
    result = subprocess.run([str(script), *args], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert all(w in result.stderr for w in words), result.stderr


def test_extract_lines_are_the_records_as_utf8_json(tmp_path: Path) -> None:
    """The JSONL writer (orjson) gives what json.dumps gives, one line per article, with
    non-ASCII text written as UTF-8 rather than escaped; also through a real pipe."""
    from tracker.extract import extract
    from tracker.output import extraction_record
    from tracker.pipeline import text_article

    text = ('Le ministère a écrit sur X : « Très bien ». The MEA posted on X: "Namaste — नमस्ते, '
            'friends". Modi wrote on X: "Thank you, Président."\n')
    article = tmp_path / "accents.txt"
    article.write_text(text, encoding="utf-8")
    expected = extraction_record(extract(text_article(text, id="accents", source=str(article))), "auto")
    assert expected["posts"], "the article must give posts for this test to compare anything"
    done = subprocess.run([sys.executable, "-m", "tracker.cli", "extract", str(article), str(article)],
                          capture_output=True, check=True)
    lines = done.stdout.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3  # two records, each ending in a newline
    for line in lines[:2]:
        assert "नमस्ते".encode() in line and b"\\u" not in line
        assert json.loads(line) == expected
