"""The dashboard workbench in a real browser, on a database built from tests/fixtures/dashboard/.

One `tracker dashboard` server and one Debian chromium for the module, a fresh browser context
(a fresh Streamlit session) per test. The flows a user follows: narrow the graph's dates and
click a node, open a post's provenance, reopen its bookmarked URL in a new session, run a SQL
query and download its CSV, read an article whose text holds a <script> (shown as text, never
run). Every page is screenshotted into the test's temporary folder.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect, sync_playwright
from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, click_a_node, dashboard_server, wait_for_layout

from tracker.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "dashboard"
PNG = b"\x89PNG\r\n\x1a\n"
MEA_POST = "India and the US held the Inaugural Drug Policy Executive Working Group"
SCRIPT = '<script>alert("pwned")</script>'
QUERY = "select actor_id, count(*) as n from posts group by 1 order by 2 desc, 1"
EXPECT_MS = 20_000


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The database a user makes: `tracker ingest` of the fixture folder, then `tracker dashboard`.
    folder = tmp_path_factory.mktemp("workbench")
    db = folder / "tracker.duckdb"
    tracker = [sys.executable, "-m", "tracker.cli"]
    ingested = subprocess.run([*tracker, "ingest", "--db", str(db), str(FIXTURES)], cwd=ROOT,
                              capture_output=True, text=True)
    assert ingested.returncode == 0 and "new=3" in ingested.stdout and "errors=0" in ingested.stdout, \
        ingested.stdout + ingested.stderr
    log = folder / "streamlit.log"
    with dashboard_server(db, log) as url:
        yield url
    # Every rerun of every session ran cleanly: the server logged no uncaught exception.
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`) to run the browser tests")
    expect.set_options(timeout=EXPECT_MS)
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield launched
            finally:
                launched.close()
    finally:
        expect.set_options(timeout=5_000)


def new_page(browser: Browser) -> Page:
    """A page in a fresh context: its own cookies, so its own Streamlit session."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = new_page(browser)
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:  # an alert() from page content would land here
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    opened.on("dialog", record)
    try:
        yield opened
        expect(opened.get_by_test_id("stException")).to_have_count(0)
    finally:
        opened.context.close()
    assert not dialogs, f"the page opened dialogs: {dialogs}"


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


# Every table on the page has been laid out and drawn (the data grid sizes itself after a first
# paint, a sliver of a box until then).
TABLES_DRAWN = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')]
    .every(t => t.getBoundingClientRect().width > 200 && t.querySelector('canvas'))"""


def screenshot(page: Page, shots: Path, name: str) -> Path:
    """Save the viewport (tall enough for the page) and check it is a real, non-trivial PNG."""
    page.wait_for_function(TABLES_DRAWN)
    path = shots / f"{name}.png"
    page.screenshot(path=str(path))
    data = path.read_bytes()
    assert data[:8] == PNG, f"{path} is not a PNG"
    assert len(data) > 20_000, f"{path} is only {len(data)} bytes: a blank page?"
    return path


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def choose(page: Page, label: str, typed: str, option: re.Pattern[str]) -> None:
    """Pick an option of the selectbox labelled ``label`` by typing and clicking, as a user does."""
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.keyboard.type(typed)
    page.get_by_role("option", name=option).click()


# ---------------------------------------------------------------- graph


def test_graph_date_range_narrows_the_graph_and_a_node_click_selects_an_account(
    dashboard_url: str, page: Page, shots: Path
) -> None:
    page.goto(dashboard_url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Amplification graph")).to_be_visible()
    caption = main(page).get_by_text(re.compile(r"^\d+ edges? between \d+ accounts?"))
    expect(caption).to_have_text(re.compile(r"^4 edges between 6 accounts"))
    assert "since=" not in page.url

    # Keyboard on the slider's first thumb: two PageUps (22 days each) move the start past July
    # 2025, whose posts (USAndIndia → AmitShah, → narcoticsbureau; AmitShah → narcoticsbureau) drop
    # out. At a person's pace: each press starts a rerun while the last one still runs (the app's
    # reads must not collide; two overlapping snapshot connections once failed here).
    start = page.get_by_role("slider", name="Posted between — start")
    start.focus()
    for _ in range(2):
        page.keyboard.press("PageUp")
        page.wait_for_timeout(150)
    expect(start).to_have_attribute("aria-valuetext", "2025-08-14")
    expect(caption).to_have_text(re.compile(r"^1 edge between 4 accounts"))
    expect(page).to_have_url(re.compile(r"[?&]since=2025-08-14(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]until=2026-02-09(&|$)"))

    # Click a node of the narrowed graph: its account is selected and joins the URL.
    container = page.locator(".echarts-container").first
    wait_for_layout(page)
    account = page.get_by_test_id("stSelectbox").filter(has_text="Account").get_by_role("combobox")
    registry = load_registry()
    shown = ("AmitShah", "IndianEmbassyUS", "MEAIndia", "ONDCP")
    labels = {f"{registry.actors[h].display_name} ({h})": h for h in shown}
    click_a_node(page, container, account)
    chosen = account.input_value()
    assert chosen in labels, chosen
    expect(page).to_have_url(re.compile(rf"[?&]account={labels[chosen]}(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]since=2025-08-14(&|$)"))
    expect(main(page).get_by_role("heading", name="Replies, responses and mentions")).to_be_visible()
    expect(caption).to_have_text(re.compile(r"^1 edge between 4 accounts"))
    page.mouse.move(0, 0)  # no tooltip or hover fading in the screenshot
    wait_for_layout(page)
    screenshot(page, shots, "graph")


# ---------------------------------------------------------------- posts and a bookmark


def expect_mea_provenance(page: Page) -> None:
    body = main(page)
    expect(body.get_by_text("Outlets: IANS, The Hindu", exact=True)).to_be_visible()
    expect(body.get_by_text("Earliest citation: IANS, 2026-01-22", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stSelectbox").filter(has_text="Post").get_by_role("combobox")) \
        .to_have_value(re.compile(r"^Ministry of External Affairs, India: " + re.escape(MEA_POST[:40])))
    metrics = {label: body.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")
               for label in ("Stories", "Citing articles", "Outlets")}
    expect(metrics["Citing articles"]).to_have_text("2")
    expect(metrics["Outlets"]).to_have_text("2")
    expect(body.get_by_role("link", name="Read in IANS")).to_be_visible()
    expect(body.get_by_role("link", name="Read in The Hindu")).to_be_visible()


def test_post_search_provenance_and_its_bookmark(
    dashboard_url: str, page: Page, browser: Browser, shots: Path
) -> None:
    page.goto(f"{dashboard_url}/posts", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Posts", exact=True)).to_be_visible()
    search = page.get_by_role("textbox", name="Search post text")
    search.fill("synthetic opioids")
    search.press("Enter")
    expect(main(page).get_by_text("1 post matching “synthetic opioids”")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=synthetic(\+|%20)opioids(&|$)"))

    choose(page, "Post", "Ministry", re.compile(r"^Ministry of External Affairs, India: India and the US held"))
    expect_mea_provenance(page)
    expect(page).to_have_url(re.compile(r"[?&]post=q(:|%3A)[0-9a-f]+(&|$)"))
    screenshot(page, shots, "posts")

    # The address bar is the bookmark: a new session on it shows the same provenance.
    bookmark = page.url
    other = new_page(browser)
    try:
        other.goto(bookmark, wait_until="domcontentloaded")
        expect_mea_provenance(other)
        expect(other.get_by_role("textbox", name="Search post text")).to_have_value("synthetic opioids")
        expect(other).to_have_url(bookmark)
    finally:
        other.context.close()


# ---------------------------------------------------------------- SQL


def test_sql_query_and_its_csv_download(dashboard_url: str, page: Page, shots: Path, tmp_path: Path) -> None:
    page.goto(f"{dashboard_url}/sql", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="SQL", exact=True)).to_be_visible()
    query = page.get_by_role("textbox", name="Query")
    query.fill(QUERY)
    query.press("Control+Enter")  # commits the text area, as leaving it does
    expect(page).to_have_url(re.compile(r"[?&]q=select"))
    page.get_by_role("button", name="Run query").click()
    body = main(page)
    expect(body.get_by_text("4 rows", exact=True)).to_be_visible()
    expect(body.get_by_test_id("stDataFrame")).to_be_visible()
    expect(body.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()

    with page.expect_download() as download_info:
        body.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "query.csv"
    saved = tmp_path / "query.csv"
    download.save_as(saved)
    with saved.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["actor_id", "n"]
    assert rows[1] == ["AmitShah", "2"]
    assert len(rows) == 5, rows
    screenshot(page, shots, "sql")


# ---------------------------------------------------------------- articles


def test_article_script_is_shown_as_text_and_never_runs(dashboard_url: str, page: Page, shots: Path) -> None:
    page.goto(f"{dashboard_url}/articles", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Articles", exact=True)).to_be_visible()
    choose(page, "Article", "PTI", re.compile(r"^PTI · 2026-02-10"))
    expect(page).to_have_url(re.compile(r"[?&]article=[0-9a-f]+(&|$)"))

    body = main(page)
    expect(body.get_by_text(SCRIPT, exact=False)).to_be_visible()
    expect(body.get_by_text("**bold claims** with [a link](javascript:alert(1))", exact=False)).to_be_visible()
    expect(body.locator("mark.ev-quote").first).to_be_visible()
    scripts = page.evaluate("""() => [...document.querySelectorAll('script')]
        .filter(s => s.textContent.includes('pwned')).length""")
    assert scripts == 0, "the article's <script> became a script element"
    assert page.evaluate("() => document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0
    screenshot(page, shots, "articles")


# ---------------------------------------------------------------- the other pages


def test_accounts_and_runs_pages(dashboard_url: str, page: Page, shots: Path) -> None:
    page.goto(f"{dashboard_url}/accounts?account=USAndIndia", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    body = main(page)
    expect(body.get_by_role("heading", name=re.compile(r"\(USAndIndia\)$"))).to_be_visible()
    expect(body.get_by_text("Amplifies", exact=True)).to_be_visible()
    expect(body.get_by_test_id("stDataFrame").first).to_be_visible()
    screenshot(page, shots, "accounts")

    page.goto(f"{dashboard_url}/runs", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Runs", exact=True)).to_be_visible()
    body = main(page)
    runs = body.get_by_test_id("stMetric").filter(has_text="New articles (last run)")
    expect(runs.get_by_test_id("stMetricValue")).to_have_text("3")
    expect(body.get_by_text("No failed fetches.")).to_be_visible()
    screenshot(page, shots, "runs")
