"""AppTest smoke tests of the dashboard on the seed article's snapshot and on empty databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dash_helpers import build_db, build_seed_snapshot
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
SEED_ACCOUNTS = {"MEAIndia", "IndianEmbassyUS", "USAndIndia", "AmitShah"}


def run_app(monkeypatch: pytest.MonkeyPatch, db: Path) -> AppTest:
    monkeypatch.setenv("TRACKER_DB", str(db))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def echarts_payload(at: AppTest) -> dict[str, Any]:
    """The data streamlit-echarts hands its frontend (a custom component: an unknown element)."""
    components = [
        element for element in at.get("bidi_component")
        if element.proto.component_name.startswith("streamlit-echarts")
    ]
    assert len(components) == 1, at.get("bidi_component")
    payload: dict[str, Any] = json.loads(components[0].proto.json)
    return payload


def texts(at: AppTest) -> list[str]:
    return [element.value for element in at.text]


@pytest.fixture
def seed_db(tmp_path: Path) -> Path:
    return build_seed_snapshot(tmp_path)


def test_graph_page_renders_the_seed_graph(monkeypatch: pytest.MonkeyPatch, seed_db: Path) -> None:
    at = run_app(monkeypatch, seed_db)

    assert [t.value for t in at.title] == ["Amplification graph"]
    assert not at.info
    payload = echarts_payload(at)
    series = payload["options"]["series"][0]
    assert series["type"] == "graph"
    assert {node["name"] for node in series["data"]} >= SEED_ACCOUNTS
    assert {"source": "USAndIndia", "target": "AmitShah", "relation": "response"}.items() <= next(
        link for link in series["links"] if link["relation"] == "response"
    ).items()
    assert {c["name"] for c in series["categories"]} == {"IN", "US"}
    assert "params.name" in payload["onEvents"]["click"]


def test_selecting_an_account_shows_its_posts_and_evidence(
    monkeypatch: pytest.MonkeyPatch, seed_db: Path
) -> None:
    at = run_app(monkeypatch, seed_db)
    account = at.selectbox(key="account")
    assert any(option.endswith("(USAndIndia)") for option in account.options)
    assert account.value is None

    account.select("USAndIndia").run()

    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(texts(at))
    assert "Thanks to NCB and Indian authorities" in shown
    assert "In a post on X, the US Embassy in India had stated" in shown  # the evidence sentence
    assert "Congratulations to NCB" in shown  # Shah's post, through the response relation
    assert "The Embassy's statement came in response" in shown
    citations = at.dataframe[0].value
    assert list(citations["outlet"]) == ["IANS"]
    assert str(citations["source"].iloc[0]).endswith("seed-article.txt")


def test_a_graph_click_selects_through_the_session_state_key(
    monkeypatch: pytest.MonkeyPatch, seed_db: Path
) -> None:
    # A node click copies the actor_id into this plain key (the callback the graph fires).
    at = run_app(monkeypatch, seed_db)
    at.session_state["account"] = "AmitShah"
    at.run()

    assert not at.exception
    assert at.selectbox(key="account").value == "AmitShah"
    assert any("Congratulations to NCB" in text for text in texts(at))


def test_cross_government_only_drops_domestic_edges(monkeypatch: pytest.MonkeyPatch, seed_db: Path) -> None:
    at = run_app(monkeypatch, seed_db)
    at.checkbox[0].check().run()

    assert not at.exception
    series = echarts_payload(at)["options"]["series"][0]
    pairs = {(link["source"], link["target"]) for link in series["links"]}
    assert ("AmitShah", "narcoticsbureau") not in pairs
    assert ("USAndIndia", "AmitShah") in pairs
    assert "MEAIndia" not in {node["name"] for node in series["data"]}


def test_no_snapshot_shows_how_to_ingest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, tmp_path / "tracker.duckdb")

    assert [t.value for t in at.title] == ["Amplification graph"]
    assert len(at.info) == 1
    assert "tracker ingest" in at.info[0].value
    assert not at.get("bidi_component")


def test_empty_snapshot_shows_how_to_ingest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = run_app(monkeypatch, build_db(tmp_path, seed=False))

    assert len(at.info) == 1
    assert "tracker ingest" in at.info[0].value
    assert not at.selectbox
