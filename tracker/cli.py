"""The ``tracker`` command: thin click commands over the library.

Only this module configures logging and turns a ``TrackerError`` into one line on stderr
and a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from tracker import __version__
from tracker.errors import TrackerError
from tracker.output import LAYERS

F = TypeVar("F", bound=Callable[..., Any])
ROOT = Path(__file__).resolve().parent.parent

# One option, two names: --store takes any store URL, --db the path of a DuckDB file (duckdb:PATH).
db_option = click.option(
    "--store", "--db", "db", default=None, metavar="URL",
    help="The store: duckdb:PATH (a plain path works too), ducklake:postgres:CONNINFO?data=PATH or "
         "ducklake:sqlite:PATH?data=PATH (default: $TRACKER_STORE, $TRACKER_DB, data/tracker.duckdb). "
         "Readers of a DuckDB file use its published snapshot.",
)


def _db(value: str | Path | None, config: Path | None = None) -> Any:
    """The store named by --store/--db, else $TRACKER_STORE/$TRACKER_DB, else the config's
    ``store``, else the default file (tracker.store.Target: a URL string or a Path)."""
    from tracker.store import default_target, store_from_config

    if value is not None:
        text = str(value)
        return text if text.startswith(("duckdb:", "ducklake:")) else Path(text)
    if config is not None and not (os.environ.get("TRACKER_STORE") or os.environ.get("TRACKER_DB")):
        configured = store_from_config(config)
        if configured:
            return configured
    return default_target()


def clean_errors(func: F) -> F:
    """Turn the tracker's own errors into one line and exit code 1 (2 for usage errors)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TrackerError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return cast(F, wrapper)


class _OneLineUsage(click.ClickException):
    """A usage error as one line on stderr, like every other error of the tracker."""

    exit_code = 2

    def __init__(self, error: click.UsageError) -> None:
        where = error.ctx.command_path if error.ctx is not None else "tracker"
        super().__init__(f"{error.format_message().rstrip('.')} (see '{where} --help')")

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class _Tracker(click.Group):
    """The command group: a bad option or argument, here or in a command, is one line and exit 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _OneLineUsage(exc) from exc

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _OneLineUsage(exc) from exc


@click.group(cls=_Tracker, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """Find social-media posts cited in news articles and record their provenance in DuckDB."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.command()
@db_option
@clean_errors
def init(db: str | None) -> None:
    """Create or migrate the store and load the registry of accounts (safe to re-run)."""
    from tracker import store
    from tracker.registry import load_registry

    where = store.open_store(_db(db))
    con = where.connect_writer()
    try:
        applied = store.migrate(con)
        actors = store.load_registry_rows(con, load_registry())
        where.publish(con)
    finally:
        con.close()
    done = ", ".join(applied) if applied else "none (up to date)"
    name = where.path if isinstance(where, store.FileStore) else where.url
    click.echo(f"{name}: migrations applied: {done}; {actors} registry accounts loaded")


@main.command()
@db_option
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TOML file of sources: feeds, sitemaps, URL lists, folders (see seeds/sources.toml).")
@click.option("--allow-private", is_flag=True,
              help="Allow URLs that resolve to private, loopback or link-local addresses.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Overall deadline per request, in seconds.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=10_000_000, show_default=True,
              help="Stop reading a response after this many bytes (after decompression).")
@click.option("--concurrency", type=click.IntRange(min=1, max=256), default=8, show_default=True,
              help="Requests in flight at once.")
@click.option("--per-host", type=click.IntRange(min=1, max=256), default=2, show_default=True,
              help="Requests in flight at once to one host (raise it only for servers you run).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Summary as one line of text or a JSON object.")
@click.option("--worker", default=None, metavar="K/N",
              help="Be worker K of N: take only the article URLs and files whose hash falls to K, so N "
                   "processes (on N machines, with one --config and a DuckLake store) split the work.")
@click.argument("inputs", nargs=-1)
@clean_errors
def ingest(db: str | None, config: Path | None, allow_private: bool, timeout: float, max_bytes: int,
           concurrency: int, per_host: int, fmt: str, worker: str | None, inputs: tuple[str, ...]) -> None:
    """One ingestion run over PATH or URL inputs and the sources of --config, then publish.

    Files and folders (.txt, .html, .jsonl) are read directly; a URL is fetched, and read as a
    feed or sitemap when it is one. Failed inputs are recorded and the run goes on: the exit
    code is 0 when the run finished, 1 when it could not proceed.
    """
    from tracker.pipeline import IngestOptions, Share
    from tracker.pipeline import ingest as run_ingest
    from tracker.registry import load_registry
    from tracker.schedule import run_lock
    from tracker.store import open_store

    sources: tuple[Any, ...] = ()
    if config is not None:
        from tracker.sources import load_sources

        sources = tuple(load_sources(config))
    if not inputs and not sources:
        raise click.UsageError("give files, folders or URLs to ingest, or --config with sources")
    share = Share.parse(worker) if worker is not None else None
    options = IngestOptions(allow_private=allow_private, timeout=timeout, max_bytes=max_bytes,
                            concurrency=concurrency, per_host=per_host, sources=sources, share=share)
    bar: Any = None
    progress = None
    if sys.stderr.isatty() and fmt == "text":
        bar = click.progressbar(length=1, label="ingesting", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

    where = open_store(_db(db, config))
    with run_lock(where, None if share is None else str(share)):
        summary = run_ingest(where, list(inputs), load_registry(), progress=progress, options=options)
    if bar is not None:
        bar.render_finish()
    if fmt == "json":
        click.echo(json.dumps(summary.as_json()))
        return
    for failure in summary.failures[:50]:
        click.echo(f"skipped {failure.source}: {failure.message}", err=True)
    if len(summary.failures) > 50:
        click.echo(f"... and {len(summary.failures) - 50} more (see the fetches table)", err=True)
    click.echo(summary.line())


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--every", default=None, help="Run every DURATION (30s, 15m, 2h, 1d).")
@click.option("--cron", default=None, help="Run on a crontab schedule, e.g. '*/15 * * * *'.")
@click.option("--max-runs", type=int, default=None, help="Stop after this many runs (default: run until stopped).")
@click.option("--store", "--db", "db", default=None, metavar="URL", help="The store each run writes (as for ingest).")
@click.option("--worker", default=None, metavar="K/N", help="The share of the articles each run takes (as for ingest).")
@click.argument("ingest_args", nargs=-1, type=click.UNPROCESSED)
@clean_errors
def schedule(every: str | None, cron: str | None, max_runs: int | None, db: str | None, worker: str | None,
             ingest_args: tuple[str, ...]) -> None:
    """Run `tracker ingest INGEST_ARGS...` repeatedly, one run at a time.

    Each run is a fresh process holding the database's run lock, the same lock that
    `flock -n <db>.lock tracker ingest ...` takes from cron, so runs never overlap; a failed
    run is logged and the schedule goes on. Example: tracker schedule --every 15m --db data/tracker.duckdb seeds/
    """
    from tracker.pipeline import Share
    from tracker.schedule import schedule as run_schedule
    from tracker.schedule import trigger

    trigger(every, cron)  # a bad --every/--cron is reported before anything starts
    if worker is not None:
        Share.parse(worker)
    if not ingest_args:
        raise click.UsageError("give the ingest arguments to run, e.g. --db data/tracker.duckdb seeds/")
    given = [*(["--store", db] if db else []), *(["--worker", worker] if worker else [])]
    run_schedule([*given, *ingest_args], every=every, cron=cron, max_runs=max_runs)


@main.command()
@click.option("--layer", type=click.Choice(LAYERS), default=LAYERS[0], show_default=True,
              help="what 'posts' lists: auto (an HTML page's posts known by a status id, its prose-only "
                   "citations under 'prose_posts'; all of a text's), all, or embeds (the split for any input).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.argument("inputs", nargs=-1, required=True)
@clean_errors
def extract(fmt: str, layer: str, inputs: tuple[str, ...]) -> None:
    """Print the posts each article cites, without a database (one JSON line per article).

    Inputs: .txt (optional ' date YYYY-MM-DD' header), .html, or .jsonl with one article per
    line (id, text or html, optional url and published). On an HTML page, 'posts' lists the posts
    known by a status id (embedded or linked: the unit of the HTML gold) and 'prose_posts' the posts
    its prose cites without one; `tracker ingest` stores both.
    """
    from tracker.output import extraction_record, record_line, render
    from tracker.pipeline import Failure, extract_paths
    from tracker.registry import load_registry

    failures = 0
    rows: list[tuple[Any, ...]] = []
    out = getattr(sys.stdout, "buffer", None)  # the lines are UTF-8 already: no text layer needed
    for item in extract_paths(inputs, load_registry()):
        if isinstance(item, Failure):
            failures += 1
            click.echo(f"skipped {item.source}: {item.message}", err=True)
            continue
        record = extraction_record(item, layer)
        if fmt == "jsonl":
            line = record_line(record)
            if out is not None:
                out.write(line)
            else:
                sys.stdout.write(line.decode())
        else:
            for post in [*record["posts"], *record.get("prose_posts", [])]:  # a table shows every post
                rows.append((record["id"], post["key"], post["actor"] or "", post["actor_name"] or "",
                             post["platform"], post["posted"] or "", " … ".join(post["quote"]) or "(paraphrase)"))
    if fmt == "table":
        click.echo(render(["article", "post", "actor", "name", "platform", "posted", "quote"], rows, "table"))
    if failures:
        click.echo(f"{failures} input(s) skipped", err=True)


@main.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Predictions in the gold format; by default the extractor runs on the gold texts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--misses", type=int, default=20, show_default=True, help="How many misses to list (text format).")
@click.option("--gov-only", is_flag=True, help="Score only posts whose gold 'gov' is not false.")
@click.option("--layer", type=click.Choice(LAYERS), default=LAYERS[0], show_default=True,
              help="Posts scored when the extractor runs, as `tracker extract --layer` lists them.")
@clean_errors
def evaluate(gold: Path, predictions: Path | None, fmt: str, misses: int, gov_only: bool, layer: str) -> None:
    """Score extraction against a gold JSONL file: the text gold (shared/eval/FORMAT.md) or the
    HTML pages' gold (shared/fixtures/html/README.md, pages beside the gold file)."""
    from tracker.evaluate import is_html_gold, score, score_html
    from tracker.extract import extract as run_extract
    from tracker.output import extraction_record
    from tracker.pipeline import Failure, extract_paths, text_article
    from tracker.registry import load_registry

    gold_rows = _read_jsonl(gold)
    html = is_html_gold(gold_rows)
    if html:
        if predictions is not None:
            pages = _read_jsonl(predictions)
        else:
            pages = []
            for item in extract_paths([str(gold.parent / str(row["file"])) for row in gold_rows], load_registry()):
                if isinstance(item, Failure):
                    click.echo(f"skipped {item.source}: {item.message}", err=True)
                    continue
                pages.append(extraction_record(item, layer))
        result = score_html(gold_rows, pages)
    elif predictions is not None:
        preds = {str(r.get("id")): r for r in _read_jsonl(predictions)}
    else:
        registry = load_registry()
        preds = {}
        for row in gold_rows:
            article = text_article(row.get("text") or "", id=str(row["id"]), source=str(gold),
                                   url=row.get("url"), published=row.get("published"))
            preds[str(row["id"])] = extraction_record(run_extract(article, registry), layer)
    if not html:
        result = score(gold_rows, preds, gov_only=gov_only)
    listed = result.pop("misses")
    if fmt == "json":
        click.echo(json.dumps({**result, "misses": listed}))
        return
    for line in listed[:misses]:
        click.echo(f"  {line}")
    click.echo(" ".join(f"{k}={v}" for k, v in result.items()))


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    from tracker.errors import InputError

    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or not ("id" in row or "file" in row):
            raise InputError(f"{path}:{number}: each line must be an object with an 'id' (or a page 'file')")
        rows.append(row)
    return rows


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--max-rows", type=int, default=None, help="Stop after this many rows (default: all).")
@click.option("--timeout", type=float, default=None, help="Stop the query after this many seconds.")
@click.argument("query")
@clean_errors
def sql(db: str | None, fmt: str, max_rows: int | None, timeout: float | None, query: str) -> None:
    """Run a read-only SQL query on the published snapshot (of a DuckLake: its latest snapshot).

    Writes, file access (read_csv, COPY ... TO), ATTACH and INSTALL are refused.
    """
    from tracker.output import render
    from tracker.store import run_query

    result = run_query(_db(db), query, max_rows=max_rows, timeout=timeout)
    click.echo(render(result.columns, result.rows, fmt))
    if result.truncated:
        click.echo(f"(stopped at {max_rows} rows)", err=True)


@main.command()
@db_option
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to serve on.")
@clean_errors
def dashboard(db: str | None, port: int, address: str) -> None:
    """Serve the Streamlit dashboard over the published snapshot (of a DuckLake: its latest snapshot)."""
    from tracker.store import FileStore, open_store

    where = open_store(_db(db))
    # TRACKER_STORE is what the dashboard reads (tracker.store.default_target); TRACKER_DB too,
    # for pages that still read only that one (connect_reader takes a URL there as well).
    url = f"duckdb:{where.path.resolve()}" if isinstance(where, FileStore) else where.url
    named = str(where.path.resolve()) if isinstance(where, FileStore) else where.url
    env = {**os.environ, "TRACKER_STORE": url, "TRACKER_DB": named}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards" / "app.py"),
        "--server.address", address, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    click.echo(f"serving the dashboard on http://{address}:{port}", err=True)
    # Become the server process, so a supervisor's signals (and Ctrl-C) reach Streamlit itself.
    os.execve(sys.executable, command, env)



@main.command("export")
@db_option
@click.option("--what", default=None, metavar="WHAT", help="graph | posts | citations | relations (required).")
@click.option("--format", "fmt", default=None, metavar="FORMAT",
              help="gexf | graphml (graph only) | csv | parquet | jsonl; by default from OUT's suffix.")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Posted on or after this day.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Posted on or before this day.")
@click.option("--government", "governments", multiple=True, metavar="CODE",
              help="Country code (IN, US, ... or 'unknown'), repeatable: the poster's, or either end of an edge.")
@click.option("--relation", "relations", multiple=True, metavar="TYPE",
              help="reply | response | repost | quote | mention, repeatable (graph, relations).")
@click.option("--platform", "platforms", multiple=True, metavar="NAME", help="x, facebook, ..., repeatable.")
@click.option("--actor", "actors", multiple=True, metavar="ID",
              help="Only these accounts' posts, repeatable (posts, citations, relations).")
@click.option("--min-count", type=int, default=1, show_default=True, help="Only edges seen at least N times (graph).")
@click.option("--cross-government", is_flag=True, help="Only edges between governments (graph, relations).")
@click.option("--top", type=int, default=None, help="Only the N strongest edges (graph; default: all).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@click.argument("out", metavar="OUT", required=False)
@clean_errors
def export_command(db: Path | None, what: str | None, fmt: str | None, since: str | None, until: str | None,
                   governments: tuple[str, ...], relations: tuple[str, ...], platforms: tuple[str, ...],
                   actors: tuple[str, ...], min_count: int, cross_government: bool, top: int | None,
                   force: bool, out: str | None) -> None:
    """Export the graph, posts, citations or relations of the published snapshot to OUT ('-': stdout).

    GEXF and GraphML open in Gephi; CSV and Parquet in pandas and the DuckDB CLI. All rows are
    written (no cap). Example: tracker export --what graph --cross-government graph.gexf
    """
    from tracker.errors import ConfigError
    from tracker.export import WHATS, check, export_file, format_for, write_export
    from tracker.filters import Filters

    # Every mistake here is one line and exit code 1, like the tracker's other errors.
    if what is None:
        raise ConfigError(f"give --what {'|'.join(WHATS)}")
    if out is None:
        raise ConfigError("give the OUT file to write ('-' for stdout)")
    fmt = fmt or format_for(out)
    if fmt is None:
        raise ConfigError(f"give --format: {out} does not end in .gexf, .graphml, .csv, .parquet or .jsonl")
    check(what, fmt)
    if min_count < 1 or (top is not None and top < 1):
        raise ConfigError("--min-count and --top take a whole number of at least 1")
    given = {"--relation": bool(relations), "--cross-government": cross_government,
             "--min-count": min_count != 1, "--top": top is not None, "--actor": bool(actors)}
    not_for = {"graph": ("--actor",), "relations": ("--min-count", "--top"),
               "posts": ("--relation", "--cross-government", "--min-count", "--top")}
    for option in not_for.get(what, not_for["posts"]):
        if given[option]:
            raise ConfigError(f"{option} does not apply to --what {what}")
    filters = Filters(since=_export_day(since, "--since"), until=_export_day(until, "--until"),
                      governments=tuple(g if g == "unknown" else g.upper() for g in governments),
                      relations=_export_choices(relations, "--relation", "RELATION_TYPES"),
                      platforms=_export_choices(platforms, "--platform", "PLATFORMS"),
                      min_count=min_count, cross_government_only=cross_government, top_n=top)
    path = _db(db)
    if out == "-":
        write_export(path, what, fmt, sys.stdout.buffer, filters, actors=actors)
        sys.stdout.buffer.flush()
        return
    rows = export_file(path, what, fmt, Path(out), filters, actors=actors, force=force)
    click.echo(f"wrote {rows} {'edges' if what == 'graph' else 'rows'} to {out}", err=True)


def _export_day(value: str | None, option: str) -> str | None:
    import datetime as dt

    from tracker.errors import ConfigError

    if value is None:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ConfigError(f"{option} {value!r}: expected a date as YYYY-MM-DD")


def _export_choices(values: tuple[str, ...], option: str, allowed_name: str) -> tuple[str, ...]:
    from tracker import models
    from tracker.errors import ConfigError

    allowed: tuple[str, ...] = getattr(models, allowed_name)
    for value in values:
        if value not in allowed:
            raise ConfigError(f"{option} {value!r}: expected one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))

if __name__ == "__main__":
    main()
