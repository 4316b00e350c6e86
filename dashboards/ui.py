"""The dashboard's one module of cached loaders and shared page helpers.

Every loader wraps a function of ``tracker.dashboard_data`` in ``st.cache_data`` with a ttl, and
takes the snapshot's version stamp as an argument, so a new publish is read at once while
repeated reruns cost nothing. Pages call only these and stay thin.

State that makes a view (filters, the selected account, post or article) lives in
``st.query_params``: ``url_state`` copies it into session state the first time a page runs in a
session, and ``set_url`` writes the page's current state back, so the address bar can be
bookmarked and shared at any moment.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from tracker import dashboard_data as data
from tracker import store
from tracker.errors import TrackerError
from tracker.filters import Filters

CACHE_TTL = 60  # seconds; the snapshot's version is in every cache key, so a publish shows at once
F = TypeVar("F", bound=Callable[..., Any])
# The loaders read one at a time per process: each is short, and a search opened while another
# reader holds the snapshot's shared DuckDB instance would find it locked without the fts extension
# (tracker.search) and fall back to substring matching.
READ_LOCK = threading.RLock()


def target() -> str:
    """The store the dashboard reads (TRACKER_STORE, else TRACKER_DB, else the default file) as
    text: every tracker.store function takes it, and it keys the caches."""
    return str(store.default_target())


def stamp() -> int:
    """The snapshot's version: a DuckDB snapshot's mtime (cheap, read on every call), or a lake's
    latest snapshot id (a connection: looked up at most every LAKE_VERSION_TTL seconds)."""
    value = target()
    try:
        is_file = isinstance(store.open_store(value), store.FileStore)
    except TrackerError:
        return 0  # a bad store URL: the loaders say what is wrong with it
    return store.data_version(value) if is_file else _lake_version(value)


LAKE_VERSION_TTL = 10


@st.cache_data(ttl=LAKE_VERSION_TTL, show_spinner=False)
def _lake_version(value: str) -> int:
    return store.data_version(value)


def _cached(function: F) -> F:
    def load(store: str, version: int, *args: Any, **kwargs: Any) -> Any:
        with READ_LOCK:
            return function(store, *args, **kwargs)

    # st.cache_data keys a cache by the function's qualified name and source: one name each.
    load.__qualname__ = load.__name__ = f"cached_{function.__name__}"
    cached = st.cache_data(ttl=CACHE_TTL, show_spinner=False)(load)

    def call(*args: Any, **kwargs: Any) -> Any:
        return cached(target(), stamp(), *args, **kwargs)

    call.__doc__ = function.__doc__
    return call  # type: ignore[return-value]


snapshot_message = _cached(data.snapshot_message)
filter_domain = _cached(data.filter_domain)
graph_edges = _cached(data.graph_edges)
graph_nodes = _cached(data.graph_nodes)
timeline = _cached(data.timeline)
actor_options = _cached(data.actor_options)
actor_posts = _cached(data.actor_posts)
actor_relations = _cached(data.actor_relations)
accounts = _cached(data.accounts)
account = _cached(data.account)
actor_edges = _cached(data.actor_edges)
unknown_posters = _cached(data.unknown_posters)
search_posts = _cached(data.search_posts)
post_detail = _cached(data.post_detail)
post_citations = _cached(data.post_citations)
reply_tree = _cached(data.reply_tree)
articles = _cached(data.articles)
article_detail = _cached(data.article_detail)
article_spans = _cached(data.article_spans)
runs = _cached(data.runs)
fetch_errors = _cached(data.fetch_errors)
saved_searches = _cached(data.saved_searches)


def export_download(what: str, fmt: str, filters: Filters) -> bytes:
    """The bytes of ``tracker export`` for a download button (same code path as the CLI)."""
    from tracker import export

    with READ_LOCK:
        return export.export_bytes(target(), what, fmt, filters)


# ---------------------------------------------------------------- URL state


def url_state(page: str, keys: Iterable[str]) -> dict[str, list[str]]:
    """The page's URL parameters (all values of each), read once per session and page."""
    flag = f"_url_loaded_{page}"
    params = {key: st.query_params.get_all(key) for key in keys if st.query_params.get_all(key)}
    if st.session_state.get(flag):
        return {}
    st.session_state[flag] = True
    return params


def set_url(params: dict[str, str | list[str]]) -> None:
    """Replace the URL's query parameters with ``params`` (empty values left out)."""
    clean = {key: value for key, value in params.items() if value not in (None, "", [])}
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = {key: value if isinstance(value, list) else [value] for key, value in clean.items()}
    if current != wanted:
        st.query_params.from_dict(clean)


def select_from_url(params: dict[str, list[str]], name: str, key: str, known: Callable[[str], bool],
                    what: str, fallback: str = "no such {what} in this database") -> None:
    """Put the URL's ``name`` value into the widget state ``key`` when ``known``; else say why not."""
    wanted = (params.get(name) or [None])[0]
    if not wanted:
        return
    if known(wanted):
        st.session_state[key] = wanted
    else:
        st.warning(f"unknown {what} {wanted!r} in the URL: {fallback.format(what=what)}")


def with_current(choices: list[str], key: str) -> list[str]:
    """The choices of a selectbox, with the value it holds (from a URL or a link) kept first."""
    current = st.session_state.get(key)
    return [current, *choices] if current and current not in choices else choices


def show_problems(problems: Iterable[str]) -> None:
    for problem in problems:
        st.warning(problem)


def stop_if_empty() -> None:
    """Show how to fill the database, and stop the page, when there is nothing to show."""
    message = snapshot_message()
    if message:
        st.info(message)
        st.stop()


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def present(value: object) -> str:
    """A cell as plain text ('' for missing values)."""
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def web_link(url: object) -> str | None:
    """Only http(s) URLs become links; anything else (javascript:, file:) is left out."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


def one_line_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def saved_search_json(page: str, params: dict[str, Any]) -> str:
    return json.dumps({"page": page, "params": params}, sort_keys=True)

