"""The dashboard in a real browser: Debian's chromium driven by Playwright, the app as a server.

No browser download is possible offline, so this drives /usr/bin/chromium (`make chromium`).
Streamlit scrolls inside its own container: a tall viewport instead of a full-page screenshot;
waits are for elements, never for network idle (the app keeps a websocket open).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect, sync_playwright

from tracker.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent.parent

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
TIMEOUT_MS = 60_000
# Counts the painted pixels of the chart's canvas: a drawn graph has thousands.
PAINTED_PIXELS = """canvas => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
    return painted;
}"""

# Hovers a grid of points over the chart with synthetic mouse moves and returns those where
# ECharts shows the pointer cursor (over a node, its label or an edge), in page coordinates;
# the top 40 px hold the legend, whose entries are clickable too.
POINTER_SPOTS = """container => {
    const root = container.querySelector('canvas').parentElement;
    const box = root.getBoundingClientRect();
    const spots = [];
    for (let y = box.top + 40; y < box.bottom - 4; y += 6) {
        for (let x = box.left + 4; x < box.right - 4; x += 6) {
            root.dispatchEvent(new MouseEvent('mousemove', {clientX: x, clientY: y, bubbles: true}));
            if (root.style.cursor === 'pointer') spots.push([x, y]);
        }
    }
    root.dispatchEvent(new MouseEvent('mouseout', {clientX: 0, clientY: 0, bubbles: true}));
    return spots;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_server(server: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the dashboard did not answer on {url} within {timeout:g} s:\n{log.read_text(errors='replace')}")


@contextmanager
def dashboard_server(db: Path, log: Path) -> Iterator[str]:
    """`tracker dashboard --db DB` on a free port of 127.0.0.1; yields its URL, stops it after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_STORE")}
    command = [sys.executable, "-m", "tracker.cli", "dashboard", "--db", str(db), "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_server(server, url, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def click_a_node(page: Page, container: Locator, account: Locator) -> None:
    """Click the graph's nodes until one selects an account in the ``account`` combobox."""
    spots: list[list[float]] = []
    for _ in range(5):  # a rerun may re-mount the chart between the layout wait and the hover scan
        expect(container.locator("canvas").first).to_be_visible()
        try:
            spots = container.evaluate(POINTER_SPOTS)
            break
        except PlaywrightError:
            page.wait_for_timeout(500)
    assert spots, "no hoverable node found on the graph"
    # Nodes are discs: prefer spots whose neighbours are hoverable too (edges are thin lines).
    spot_set = {(x, y) for x, y in spots}
    spots.sort(key=lambda s: -sum((s[0] + dx, s[1] + dy) in spot_set for dx in (-6, 0, 6) for dy in (-6, 0, 6)))
    for x, y in spots[:40]:
        page.mouse.click(x, y)
        try:
            expect(account).not_to_have_value("", timeout=3_000)
        except AssertionError:
            continue
        return
    pytest.fail("clicking the graph's nodes never selected an account")


@pytest.fixture
def dashboard_url(tmp_path: Path) -> Iterator[str]:
    # A freshly seeded database, made the way a user makes it.
    db = tmp_path / "tracker.duckdb"
    tracker = [sys.executable, "-m", "tracker.cli"]
    subprocess.run([*tracker, "init", "--db", str(db)], cwd=ROOT, check=True, capture_output=True)
    ingested = subprocess.run([*tracker, "ingest", "--db", str(db), "seeds/"], cwd=ROOT, check=True,
                              capture_output=True, text=True)
    assert "posts=4" in ingested.stdout, ingested.stdout + ingested.stderr
    with dashboard_server(db, tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`) to run the browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2400})
            context.set_default_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


def test_graph_click_through_to_posts(dashboard_url: str, page: Page, tmp_path: Path) -> None:
    page.goto(dashboard_url, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Amplification graph")).to_be_visible()

    canvas = page.locator(".echarts-container canvas").first
    expect(canvas).to_be_visible()
    page.wait_for_function(f"() => ({PAINTED_PIXELS})(document.querySelector('.echarts-container canvas')) > 2000")

    account = page.get_by_test_id("stSelectbox").filter(has_text="Account")
    account.click()
    page.keyboard.type("USAndIndia")
    page.get_by_role("option", name=re.compile(r"\(USAndIndia\)$")).click()

    details = page.get_by_test_id("stMain")
    expect(details.get_by_text("Thanks to NCB and Indian authorities", exact=False).first).to_be_visible()
    expect(details.get_by_text("Congratulations to NCB", exact=False).first).to_be_visible()
    expect(details.get_by_text("In a post on X, the US Embassy in India had stated", exact=False).first) \
        .to_be_visible()

    expect(details.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
    painted = canvas.evaluate(PAINTED_PIXELS)
    assert painted > 2000, f"the graph canvas looks blank ({painted} painted pixels)"
    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000, screenshot.stat().st_size


def wait_for_layout(page: Page) -> None:
    """Wait until the force layout has drawn and stopped moving (the same frame for 1 s)."""
    page.wait_for_function(
        f"""() => new Promise(resolve => {{
            const canvas = document.querySelector('.echarts-container canvas');
            if (!canvas || ({PAINTED_PIXELS})(canvas) < 2000) {{ resolve(false); return; }}
            const first = canvas.toDataURL();
            setTimeout(() => resolve(canvas.toDataURL() === first), 1000);
        }})""",
        polling=250,
    )


def test_clicking_a_node_selects_its_account(dashboard_url: str, page: Page) -> None:
    page.goto(dashboard_url, wait_until="domcontentloaded")
    container = page.locator(".echarts-container").first
    expect(container.locator("canvas").first).to_be_visible()
    wait_for_layout(page)
    account = page.get_by_test_id("stSelectbox").filter(has_text="Account").get_by_role("combobox")
    registry = load_registry()
    labels = [f"{registry.actors[h].display_name} ({h})" for h in
              ("AmitShah", "IndianEmbassyUS", "MEAIndia", "USAndIndia", "narcoticsbureau", "ONDCP")]

    click_a_node(page, container, account)
    assert account.input_value() in labels
    expect(page.get_by_role("heading", name="Replies, responses and mentions")).to_be_visible()
