"""Dashboard speed at scale: each page's loaders, and the graph's payload, on 100,000 posts.

A synthetic store is built with SQL (5,000 accounts over 20 governments, ~40,000 articles of
~3 KB over 200 outlets, 100,000 posts over two years, 150,000 citations, 30,000 relations,
50,000 mentions, runs and fetches with errors), then published as the dashboard reads it (copy
and full-text index). Each page's loaders from tracker.dashboard_data are timed as the pages call
them, each opening its own read connection; every loader is run 3 times and its median shown.
The selected account, post and article are the busiest ones (the worst case a click can reach).

The baseline in the same process is the same loaders on a store ten times smaller: the ratio
shows how each grows (10 would be linear), since absolute times drift on shared machines.
Issue 7's target: every page's queries, and the graph's payload, under 1 s at 100,000 posts.

    python benchmarks/bench_dashboard.py [--posts N] [--baseline-posts N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from tracker import dashboard_data as data  # noqa: E402
from tracker import store  # noqa: E402
from tracker.filters import Filters  # noqa: E402

DEV = ROOT / "tests" / "fixtures" / "eval" / "dev.jsonl"
SEED = ROOT / "seeds" / "seed-article.txt"
SENTENCE = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])")
LIMIT_MS = 1000.0
ROUNDS = 3
SEARCH = "drug cooperation"
GOVERNMENTS = ["IN", "US", "CN", "PK", "BD", "LK", "NP", "GB", "FR", "DE",
               "JP", "AU", "RU", "UA", "IL", "IR", "SA", "AE", "BR", "ZA"]


def sentence_pool() -> list[str]:
    """Real sentences (the dev set's and the seed article's) to write articles and posts from."""
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts.append(SEED.read_text(encoding="utf-8"))
    return sorted({s.strip() for t in texts for s in SENTENCE.split(t) if len(s.split()) >= 6})


# ---------------------------------------------------------------- the synthetic store

# u(i, salt): a deterministic uniform number in [0, 1) per row and purpose.
MACROS = [
    "create or replace temp macro u(i, salt) as (hash(i, salt) % 1000003) / 1000003.0",
    "create or replace temp macro pick(i, salt, n) as (hash(i, salt) % n)::bigint",
    # n sentences of the pool, drawn per row
    "create or replace temp macro prose(i, salt, n) as array_to_string(list_transform(range(n),"
    " x -> getvariable('pool')[1 + (hash(i, salt, x) % len(getvariable('pool')))::int]), ' ')",
]


def build(path: Path, n_posts: int) -> dict[str, int]:
    """Write the synthetic working database at ``path``; the row counts of its main tables."""
    scale = n_posts / 100_000
    n = {
        "actors": max(50, round(5_000 * scale)), "unknown": max(5, round(300 * scale)),
        "articles": max(100, round(40_000 * scale)), "outlets": max(10, round(200 * scale)),
        "posts": n_posts, "citations": round(1.5 * n_posts), "relations": round(0.3 * n_posts),
        "mentions": round(0.5 * n_posts), "runs": 60, "fetches": round(0.5 * n_posts),
    }
    con = store.connect_writer(path)
    try:
        store.migrate(con)
        con.execute("set variable pool = ?", [sentence_pool()])
        con.execute("set variable govs = ?", [GOVERNMENTS])
        for macro in MACROS:
            con.execute(macro)
        con.execute("begin transaction")
        _actors(con, n)
        _posts(con, n)
        _articles(con, n)
        _citations(con, n)
        _relations_and_mentions(con, n)
        _runs_and_fetches(con, n)
        con.execute("insert into saved_searches (name, page, params) values"
                    " ('India, last year', 'graph', '{\"gov\": [\"IN\"], \"since\": \"2025-01-01\"}'),"
                    " ('drugs', 'posts', '{\"q\": \"drug\"}')")
        con.execute("commit")
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
                  for t in ("actors", "articles", "posts", "post_citations", "post_relations", "post_mentions",
                            "runs", "fetches")}
    finally:
        con.close()
    return counts


def _actors(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    registered = n["actors"] - n["unknown"]
    con.execute(f"""
    create temp table g_actors as
    with base as (
        select
            i,
            i < {registered} as in_registry,
            getvariable('govs')[1 + least(19, floor(20 * pow(u(i, 'gov'), 1.6)))::int] as gov,
            ['ministry', 'embassy', 'official', 'official', 'agency', 'media', 'person'][1 + pick(i, 'kind', 7)]
                as kind,
            ['Aarav', 'Maria', 'Chen', 'Fatima', 'John', 'Olga', 'Kenji', 'Amina', 'Lucas', 'Priya',
             'Ahmed', 'Sofia', 'David', 'Mei', 'Ivan', 'Grace'][1 + pick(i, 'first', 16)] as first,
            ['Sharma', 'Smith', 'Wang', 'Khan', 'Garcia', 'Petrov', 'Tanaka', 'Okafor', 'Silva', 'Rahman',
             'Cohen', 'Muller', 'Dubois', 'Kim', 'Haddad', 'Nguyen'][1 + pick(i, 'last', 16)] as last,
            ['Foreign Affairs', 'Defence', 'Commerce', 'Health', 'Home Affairs', 'Finance', 'Energy',
             'Agriculture'][1 + pick(i, 'dept', 8)] as dept,
        from range({n['actors']}) as t(i)
    )
    select
        i,
        case when in_registry then gov || '_' || replace(kind, 'ministry', 'Min') || '_' || i
             else '~' || lower(first || ' ' || last || ' ' || i) end as actor_id,
        case when in_registry then gov || '_' || replace(kind, 'ministry', 'Min') || '_' || i end as handle,
        case
            when not in_registry then first || ' ' || last || ' ' || i
            when kind = 'ministry' then 'Ministry of ' || dept || ', ' || gov || ' (' || i || ')'
            when kind = 'embassy' then 'Embassy of ' || gov || ' in '
                 || getvariable('govs')[1 + pick(i, 'host', 20)] || ' (' || i || ')'
            when kind = 'agency' then gov || ' ' || dept || ' Agency ' || i
            when kind = 'media' then gov || ' State Broadcaster ' || i
            else first || ' ' || last || ', Minister of ' || dept || ' of ' || gov || ' (' || i || ')'
        end as display_name,
        case when in_registry then gov end as government,
        case when in_registry then kind else 'person' end as kind,
        in_registry,
    from base
    """)
    con.execute("""
    insert into actors (actor_id, handle, platform, display_name, aliases, titles, government, kind, parent,
                        in_registry)
    select actor_id, handle, 'x', display_name,
           case when in_registry then [display_name, handle, split_part(display_name, ',', 1)] else [] end,
           case when kind in ('official', 'ministry') then ['Minister', 'Spokesperson'] else [] end,
           government, kind,
           case when in_registry and kind = 'official' then government || '_Min_' || (i % 50) end,
           in_registry
    from g_actors order by i
    """)


def _posts(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    # A few accounts post most (a power law); 3% of posts have no resolved poster.
    con.execute(f"""
    create temp table g_posts as
    with base as (
        select
            i,
            case when u(i, 'anon') < 0.03 then null else floor({n['actors']} * pow(u(i, 'actor'), 2.5))::bigint
                end as actor_i,
            case when u(i, 'pf') < 0.86 then 'x'
                 else ['facebook', 'instagram', 'truth_social', 'telegram', 'youtube', 'bluesky', 'threads',
                       'weibo'][1 + pick(i, 'pf2', 8)] end as platform,
            date '2024-01-01' + pick(i, 'day', 730)::int as day,
            u(i, 'gran') as g,
        from range({n['posts']}) as t(i)
    )
    select
        b.i,
        b.actor_i,
        b.platform,
        case when b.platform = 'x' and u(b.i, 'sid') < 0.85 then (1745000000000000000 + b.i * 7919)::varchar
            end as status_id,
        case when b.g < 0.02 then null
             when b.g < 0.12 then strftime(b.day, '%Y-%m')
             else strftime(b.day, '%Y-%m-%d') end as posted,
        case when b.g < 0.02 then null when b.g < 0.12 then 'month' else 'day' end as granularity,
        case when u(b.i, 'para') < 0.05 then null else prose(b.i, 'text', 1 + pick(b.i, 'tn', 2)::int) end as text,
        a.actor_id,
        a.handle,
    from base as b
    left join g_actors as a on a.i = b.actor_i
    """)
    con.execute("""
    create temp table g_post_ids as
    select i, actor_i, coalesce(platform || ':' || status_id, 'q:' || substr(sha256('post' || i), 1, 32)) as post_id,
           posted, text
    from g_posts
    """)
    con.execute("""
    insert into posts (post_id, platform, actor_id, status_id, url, text, posted, posted_granularity, confidence,
                       first_seen)
    select d.post_id, p.platform, p.actor_id, p.status_id,
           case when p.status_id is not null and p.handle is not null
                then 'https://x.com/' || p.handle || '/status/' || p.status_id end,
           p.text, p.posted, p.granularity, round(0.6 + 0.4 * u(p.i, 'conf'), 2),
           timestamp '2024-01-02' + to_days(pick(p.i, 'seen', 730)::int)
    from g_posts as p join g_post_ids as d on d.i = p.i
    order by p.i
    """)


def _articles(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    con.execute(f"""
    create temp table g_articles as
    with base as (
        select
            i,
            floor({n['outlets']} * pow(u(i, 'outlet'), 1.5))::bigint as o,
            date '2024-01-01' + pick(i, 'pub', 730)::int as day,
        from range({n['articles']}) as t(i)
    )
    select
        i,
        o,
        ['Daily', 'Herald', 'Times', 'Post', 'Tribune', 'Chronicle', 'Express', 'Observer'][1 + o % 8] as kind,
        ['Delhi', 'Dhaka', 'Lahore', 'Colombo', 'London', 'Boston', 'Sydney', 'Lagos', 'Tokyo', 'Kyiv',
         'Paris', 'Dubai', 'Berlin', 'Manila', 'Nairobi', 'Lima', 'Oslo', 'Cairo', 'Seoul', 'Doha',
         'Quito', 'Riga', 'Accra', 'Hanoi', 'Perth'][1 + (o // 8) % 25] as city,
        day,
        'https://www.' || lower(city) || lower(kind) || o || '.com/' || strftime(day, '%Y/%m/%d') || '/story-' || i
            as url,
    from base
    """)
    con.execute("""
    insert into articles (article_id, url, source, outlet, title, published, language, authors, content_hash, text,
                          fetched_at, updated_at)
    select sha256(url), url, 'feed-' || lower(city) || lower(kind) || o,
           'The ' || city || ' ' || kind || case when o >= 200 then ' ' || o else '' end,
           left(prose(i, 'title', 1), 110),
           case when u(i, 'nopub') < 0.03 then null else strftime(day, '%Y-%m-%d') end,
           case when u(i, 'lang') < 0.95 then 'en' else 'hi' end,
           case when u(i, 'noauth') < 0.3 then [] else ['Staff Reporter ' || (i % 400)] end,
           md5('content' || i),
           prose(i, 'body', (18 + pick(i, 'len', 10))::int),
           day + to_hours(6 + pick(i, 'h', 18)::int), day + to_hours(30)
    from g_articles
    """)
    # Wire copies: a quarter of the articles repeat an earlier article's story.
    con.execute("""
    insert into article_stories (article_id, story_id, content_hash, shingles, minhash, assigned_at)
    select sha256(a.url), sha256(coalesce(s.url, a.url)), md5('content' || a.i), 400 + pick(a.i, 'sh', 300),
           unhex(repeat(md5('mh' || a.i), 32)), a.day + to_hours(31)
    from (select *, case when u(i, 'copy') < 0.25 then greatest(0, i - 1 - pick(i, 'orig', 5)) end as orig
          from g_articles) as a
    left join g_articles as s on s.i = a.orig
    """)


def _citations(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    # Every post is cited once, then half as many citations again go mostly to a few posts.
    con.execute(f"""
    create temp table g_citations as
    with base as (
        select
            c,
            case when c < {n['posts']} then c else floor({n['posts']} * pow(u(c, 'post'), 2))::bigint end as post_i,
            pick(c, 'article', {n['articles']}) as article_i,
        from range({n['citations']}) as t(c)
    ),
    placed as (
        select
            b.*,
            'p' || row_number() over (partition by b.article_i order by b.c) as post_key,
            sha256(ga.url) as article_id,
        from base as b join g_articles as ga on ga.i = b.article_i
    )
    select
        p.*,
        pick(p.c, 'sstart', greatest(1, length(a.text) - 320)) as sentence_start,
        120 + pick(p.c, 'slen', 180) as sentence_len,
    from placed as p join articles as a on a.article_id = p.article_id
    """)
    con.execute("""
    insert into post_citations (article_id, post_key, post_id, actor_name, quote, quote_starts, quote_ends,
                                paraphrase, cue, cue_start, cue_end, sentence, sentence_start, sentence_end,
                                platform_inferred, embed_kind, posted, confidence)
    select
        c.article_id, c.post_key, d.post_id, coalesce(a.display_name, 'a spokesperson'),
        case when para then [] when two then [substr(sentence, 31, 40), substr(sentence, 81, 30)]
             else [substr(sentence, 31, 60)] end,
        case when para then [] when two then [c.sentence_start + 30, c.sentence_start + 80]
             else [c.sentence_start + 30] end,
        case when para then [] when two then [c.sentence_start + 70, c.sentence_start + 110]
             else [c.sentence_start + 90] end,
        para,
        case when u(c.c, 'nocue') < 0.15 then null else 'said in a post on X' end,
        case when u(c.c, 'nocue') < 0.15 then null else c.sentence_start + 5 end,
        case when u(c.c, 'nocue') < 0.15 then null else c.sentence_start + 24 end,
        sentence, c.sentence_start, c.sentence_start + length(sentence),
        u(c.c, 'inf') < 0.1, case when u(c.c, 'embed') < 0.08 then 'twitter-tweet' end,
        d.posted, round(0.6 + 0.4 * u(c.c, 'conf'), 2),
    from (select g.*, substr(ar.text, g.sentence_start + 1, g.sentence_len) as sentence,
                 u(g.c, 'para') < 0.2 as para, u(g.c, 'two') < 0.3 as two
          from g_citations as g join articles as ar on ar.article_id = g.article_id) as c
    join g_post_ids as d on d.i = c.post_i
    left join g_actors as a on a.i = d.actor_i
    order by c.article_i, c.c
    """)


def _relations_and_mentions(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    # Each relation's source is a distinct post answering one earlier post; early posts draw many
    # answers (threads). The evidence is the source's first citation.
    con.execute(f"""
    insert into post_relations (article_id, source_post, target_post, relation, evidence, span_start, span_end)
    with base as (
        select
            k,
            (k * 7919 + 13) % {n['posts']} as s,
            floor(((k * 7919 + 13) % {n['posts']}) * pow(u(k, 'target'), 2))::bigint as t,
            ['reply', 'reply', 'reply', 'reply', 'response', 'response', 'response', 'quote', 'quote', 'repost']
                [1 + pick(k, 'rel', 10)] as relation,
        from range({n['relations']}) as t(k)
    ),
    first_citation as (
        select post_i, arg_min(c, c) as c from g_citations group by post_i
    )
    select c.article_id, src.post_id, dst.post_id, b.relation, pc.sentence, pc.sentence_start, pc.sentence_end
    from base as b
    join first_citation as f on f.post_i = b.s
    join g_citations as c on c.c = f.c
    join post_citations as pc on pc.article_id = c.article_id and pc.post_key = c.post_key
    join g_post_ids as src on src.i = b.s
    join g_post_ids as dst on dst.i = b.t
    where b.s <> b.t
    qualify row_number() over (partition by c.article_id, src.post_id, dst.post_id, b.relation) = 1
    """)
    con.execute(f"""
    insert into post_mentions (article_id, post_id, actor_id, actor_name, span_start, span_end)
    with base as (
        select
            m,
            pick(m, 'cit', {n['citations']}) as c,
            case when u(m, 'unres') < 0.12 then null
                 else floor({n['actors']} * pow(u(m, 'actor'), 2))::bigint end as actor_i,
        from range({n['mentions']}) as t(m)
    ),
    named as (
        select c.article_id, d.post_id, a.actor_id,
               coalesce(a.display_name, 'the ' || ['minister', 'ambassador', 'envoy', 'spokesperson'][1 + b.m % 4])
                   as actor_name,
               c.sentence_start + pick(b.m, 'at', 100) as span_start,
               c.article_i,
               b.m,
        from base as b
        join g_citations as c on c.c = b.c
        join g_post_ids as d on d.i = c.post_i
        left join g_actors as a on a.i = b.actor_i
    )
    select article_id, post_id, actor_id, actor_name, span_start, span_start + length(actor_name)
    from named
    qualify row_number() over (partition by article_id, post_id, actor_name, span_start) = 1
    order by article_i, m
    """)


def _runs_and_fetches(con: duckdb.DuckDBPyConnection, n: dict[str, int]) -> None:
    con.execute(f"""
    insert into runs (run_id, started_at, finished_at, status, sources, fetched, not_modified, new_articles,
                      updated, unchanged, posts, relations, errors, options)
    select 'run-' || lpad(k::varchar, 4, '0'), timestamp '2024-01-01 03:00' + to_hours(k * 292),
           case when k = {n['runs']} - 1 then null
                else timestamp '2024-01-01 03:00' + to_hours(k * 292) + to_seconds(300 + pick(k, 'dur', 3000)) end,
           case when k = {n['runs']} - 1 then 'running' when k % 17 = 5 then 'failed' else 'finished' end,
           40, 800 + pick(k, 'f', 400), 100, 600 + pick(k, 'n', 200), 20, 40, 1500, 500, 40 + pick(k, 'e', 40),
           '{{"sources": "seeds/sources.toml"}}'
    from range({n['runs']}) as t(k)
    """)
    con.execute(f"""
    insert into fetches (run_id, url, status, bytes, elapsed_ms, error, error_kind, fetched_at)
    with base as (
        select f, f % {n['runs']} as k, u(f, 'err') < 0.06 as failed,
               ['timeout', 'http', 'http', 'dns', 'tls', 'robots'][1 + pick(f, 'kind', 6)] as kind,
               g.url as url,
        from range({n['fetches']}) as t(f)
        join g_articles as g on g.i = f % {n['articles']}
    )
    select 'run-' || lpad(k::varchar, 4, '0'), url,
           case when not failed then 200 when kind = 'http' then [403, 404, 429, 500, 503][1 + pick(f, 's', 5)] end,
           case when not failed then 20000 + pick(f, 'b', 200000) end,
           50 + pick(f, 'ms', 4000),
           case when not failed then null
                when kind = 'http' then 'HTTP error ' || [403, 404, 429, 500, 503][1 + pick(f, 's', 5)]
                    || ' for ' || url
                when kind = 'timeout' then 'timed out after 30 s reading ' || url
                when kind = 'dns' then 'name resolution failed for ' || split_part(url, '/', 3)
                when kind = 'tls' then 'certificate verify failed: unable to get local issuer certificate'
                else 'disallowed by robots.txt: ' || url end,
           case when failed then kind end,
           timestamp '2024-01-01 03:00' + to_hours(k * 292) + to_seconds(f // {n['runs']} % 3000)
    from base order by f
    """)


# ---------------------------------------------------------------- the pages' loaders


@dataclass
class Picks:
    """The account, post and article a user clicks: the busiest of each."""

    account: str
    post: str
    article: str
    governments: list[str]
    since: str
    until: str


def picks(db: Path) -> Picks:
    con = store.connect_reader(db)
    try:
        def one(sql: str) -> Any:
            row = con.execute(sql).fetchone()
            assert row is not None
            return row[0]

        return Picks(
            account=one("select actor_id from posts where actor_id is not null group by all order by count(*) desc,"
                        " actor_id limit 1"),
            post=one("select target_post from post_relations group by all order by count(*) desc, target_post"
                     " limit 1"),
            article=one("select article_id from post_citations group by all order by count(*) desc, article_id"
                        " limit 1"),
            governments=["IN", "US"],
            since=one("select strftime(max(try_cast(posted as date)) - interval 180 days, '%Y-%m-%d') from posts"),
            until=one("select max(posted) from posts where length(posted) = 10"),
        )
    finally:
        con.close()


class Timer:
    """Each step's median time in ms, measured once and shared by the views that call it."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.results: dict[str, Any] = {}

    def __call__(self, name: str, run: Callable[[], Any]) -> str:
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            self.results[name] = run()
            times.append(time.perf_counter() - start)
        self.ms[name] = statistics.median(times) * 1000
        return name

    def __getitem__(self, name: str) -> Any:
        return self.results[name]


# A view: one render of a page (its name, the steps it runs in order).
View = tuple[str, list[str]]


def views(db: Path, p: Picks, step: Timer) -> list[View]:
    """Every page's loaders, with the arguments the page calls them with, grouped by render.

    Each render also runs the sidebar's saved searches (dashboards/app.py) and, on all pages but
    SQL, the empty-store check (ui.stop_if_empty); those are timed once and counted in each.
    """
    sidebar = step("saved_searches (sidebar, every page)", lambda: data.saved_searches(db))
    check = step("snapshot_message (every page but SQL)", lambda: data.snapshot_message(db))
    common = [sidebar, check]
    out: list[View] = []

    domain = step("filter_domain", lambda: data.filter_domain(db))
    options = step("actor_options", lambda: data.actor_options(db))
    chosen: list[str] = []
    for label, filters in (("default filters", Filters()),
                           (f"last 180 days, {'+'.join(p.governments)}",
                            Filters(since=p.since, until=p.until, governments=tuple(p.governments)))):
        edges = step(f"graph_edges ({label})", lambda f=filters: data.graph_edges(db, f))
        nodes = step(f"graph_nodes ({label})", lambda f=filters, e=edges: data.graph_nodes(db, f, step[e]))
        payload = step(f"graph payload: echarts option + json ({label})",
                       lambda n=nodes, e=edges: json.dumps(data.echarts_graph_option(step[n], step[e])))
        weekly = step(f"timeline ({label})", lambda f=filters: data.timeline(db, f))
        if not chosen:
            chosen = [step("actor_posts (busiest account)", lambda: data.actor_posts(db, p.account)),
                      step("actor_relations (busiest account)", lambda: data.actor_relations(db, p.account))]
        out.append((f"Graph, {label}, an account chosen",
                    [*common, domain, edges, nodes, payload, weekly, options, *chosen]))

    listing = step("accounts", lambda: data.accounts(db))
    out.append(("Accounts, the list", [*common, listing, step("unknown_posters", lambda: data.unknown_posters(db))]))
    out.append(("Accounts, the busiest account", [
        *common, listing, step("account", lambda: data.account(db, p.account)),
        step("actor_edges", lambda: data.actor_edges(db, p.account)), chosen[0]]))

    found = [
        step("search_posts ('')", lambda: data.search_posts(db, "", Filters(), 200)),
        step(f"search_posts ({SEARCH!r})", lambda: data.search_posts(db, SEARCH, Filters(), 200)),
    ]
    citations = step("post_citations (busiest post)", lambda: data.post_citations(db, p.post))
    provenance = [
        step("post_detail (busiest post)", lambda: data.post_detail(db, p.post)), citations,
        step("quote_variants", lambda: data.quote_variants(step[citations])),
        step("reply_tree (busiest post)", lambda: data.reply_tree(db, p.post)),
    ]
    out.append(("Posts, no query, a post chosen", [*common, found[0], *provenance]))
    out.append((f"Posts, query {SEARCH!r}, a post chosen", [*common, found[1], *provenance]))

    detail = step("article_detail (most cited article)", lambda: data.article_detail(db, p.article))
    spans = step("article_spans (most cited article)", lambda: data.article_spans(db, p.article))
    out.append(("Articles, an article chosen", [
        *common, step("articles ('', 500)", lambda: data.articles(db, "", 500)), detail, spans,
        step("highlight_html", lambda: data.highlight_html(str(step[detail].iloc[0]["text"]), step[spans]))]))

    for name, text in data.example_queries().items():
        query = step(f"run_query {name}", lambda t=text: store.run_query(db, t, max_rows=10_000, timeout=10.0))
        out.append((f"SQL, {name}", [sidebar, query]))

    out.append(("Runs, all runs", [*common, step("runs (200)", lambda: data.runs(db, 200)),
                                   step("fetch_errors (all runs)", lambda: data.fetch_errors(db, None))]))
    return out


def connection_ms(db: Path) -> float:
    """What every loader pays before its query: a fresh read-only connection, fts loaded, closed."""
    timer = Timer()
    timer("connect", lambda: store.connect_reader(db).close())
    return timer.ms["connect"]


@dataclass
class Built:
    posts: int
    db: Path
    counts: dict[str, int]
    build_s: float
    publish_s: float
    bytes: int


def prepare(folder: Path, n_posts: int) -> Built:
    db = folder / f"bench-{n_posts}.duckdb"
    start = time.perf_counter()
    counts = build(db, n_posts)
    built = time.perf_counter() - start
    con = store.connect_writer(db)
    try:
        start = time.perf_counter()
        snapshot = store.publish(con, db)
        published = time.perf_counter() - start
    finally:
        con.close()
    return Built(n_posts, db, counts, built, published, snapshot.stat().st_size)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--baseline-posts", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the stores in this folder and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        big = prepare(folder, args.posts)
        c = big.counts
        print(f"synthetic store: {c['posts']:,} posts, {c['actors']:,} accounts, {c['articles']:,} articles, "
              f"{c['post_citations']:,} citations, {c['post_relations']:,} relations, {c['post_mentions']:,} "
              f"mentions, {c['runs']} runs, {c['fetches']:,} fetches", flush=True)
        print(f"build: {big.build_s:.1f} s ({c['posts'] / big.build_s:,.0f} posts/s); publish (copy + full-text "
              f"index): {big.publish_s:.1f} s; snapshot {big.bytes / 2**20:,.0f} MB", flush=True)
        small = prepare(folder, args.baseline_posts)
        print(f"baseline store: {small.counts['posts']:,} posts; build {small.build_s:.1f} s, "
              f"publish {small.publish_s:.1f} s", flush=True)
        big_t, small_t = Timer(), Timer()
        shown = views(big.db, picks(big.db), big_t)
        views(small.db, picks(small.db), small_t)
        connect = connection_ms(big.db), connection_ms(small.db)
    return report(shown, big_t, small_t, big.posts, small.posts, connect)


def _flag(ms: float) -> str:
    return "  OVER 1 s" if ms > LIMIT_MS else ""


def report(shown: list[View], big: Timer, small: Timer, n_big: int, n_small: int,
           connect: tuple[float, float]) -> int:
    over: list[str] = []
    width = max(map(len, big.ms)) + 2
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"\neach loader: median of {ROUNDS} runs, each opening its own read connection "
          f"({connect[0]:.0f} ms at {n_big:,} posts, {connect[1]:.0f} ms at {n_small:,} for the connection alone); "
          f"ratio = time at {n_big:,} / at {n_small:,} posts (10 would be linear); {load}")
    print(f"  {'loader':<{width}}{n_big:>10,}{n_small:>10,}{'ratio':>7}")
    for name, ms in big.ms.items():
        print(f"  {name:<{width}}{ms:>8,.0f}ms{small.ms[name]:>8,.0f}ms{ms / max(small.ms[name], 1e-3):>7.1f}"
              f"{_flag(ms)}")
        if ms > LIMIT_MS:
            over.append(f"{name} ({ms:,.0f} ms)")
    width = max(len(name) for name, _ in shown) + 2
    print("\neach page render: the sum of the loaders it calls (the sidebar's and empty-store check's included)")
    print(f"  {'page render':<{width}}{n_big:>10,}{n_small:>10,}{'ratio':>7}")
    for name, steps in shown:
        total = sum(big.ms[s] for s in steps)
        base = sum(small.ms[s] for s in steps)
        print(f"  {name:<{width}}{total:>8,.0f}ms{base:>8,.0f}ms{total / base:>7.1f}{_flag(total)}")
        if total > LIMIT_MS:
            over.append(f"page {name} ({total:,.0f} ms)")
    payload = max(ms for name, ms in big.ms.items() if "payload" in name)
    graph = sum(big.ms[f"{what} (default filters)"] for what in
                ("graph_edges", "graph_nodes", "graph payload: echarts option + json"))
    if graph > LIMIT_MS:
        over.append(f"graph payload with its queries ({graph:,.0f} ms)")
    slowest = max(big.ms, key=lambda name: big.ms[name])
    print(f"\ngraph payload (echarts option + json): {payload:,.0f} ms at most; with the edges' and nodes' queries "
          f"{graph:,.0f} ms (default filters){_flag(graph)}; slowest loader {slowest}: "
          f"{big.ms[slowest]:,.0f} ms at {n_big:,} posts, {big.ms[slowest] / small.ms[slowest]:.1f}x its time "
          f"at {n_small:,}")
    if over:
        print(f"OVER 1 s at {n_big:,} posts: " + "; ".join(over))
    else:
        print(f"every page's queries and the graph's payload under 1 s at {n_big:,} posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
