"""The dashboard in a real browser: the server started from the command line, driven by
Playwright in headless Chromium (the system's /usr/bin/chromium; `make test` installs it).

Set ``DASHBOARD_SCREENSHOT=docs/dashboard.png`` to refresh the README's screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import SCENARIOS

playwright = pytest.importorskip("playwright.sync_api", reason="needs the viz extra")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: Flags for a closed network: no background connections, no sandbox as root, no GPU.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
#: The first page and the first step may load or compile the kernels (cold numba cache).
SLOW_MS = 180_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(scenario: Path) -> tuple[subprocess.Popen, str]:
    """Start ``vicinity-sim dashboard`` and wait until it answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "vicinity_sim.cli", "dashboard", str(scenario)]
    cmd += ["--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dashboard server exited: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("dashboard server did not answer within 90 s")


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def day_text(page) -> str:
    return page.locator(".vicinity-day").inner_text()


def day_number(page) -> int:
    """The day shown, from "Day N of M"."""
    return int(day_text(page).split()[1])


#: SHA-256 of the bytes behind an image's source (figures arrive as blob URLs, new each render).
DIGEST_JS = """async img => {
    const bytes = await (await fetch(img.src)).arrayBuffer();
    const hash = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, "0")).join("");
}"""


def image(page, n: int) -> str:
    """Digest of the n-th figure on the page (0 the plan, 1 the series)."""
    return page.locator("img").nth(n).evaluate(DIGEST_JS)


def wait_for_image(page, n: int, digest: str, timeout_s: float = 30) -> None:
    """Wait until the n-th figure shows the image with this digest."""
    deadline = time.monotonic() + timeout_s
    while image(page, n) != digest:
        assert time.monotonic() < deadline, f"figure {n} did not return to the expected image"
        page.wait_for_timeout(250)


def comparison_table(page) -> dict[str, tuple[float, float, float]]:
    """The side-by-side table: outcome → (baseline, with interventions, difference)."""
    rows = page.locator(".vicinity-comparison table tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        out[cells[0]] = tuple(float(c.replace(",", "")) for c in cells[1:4])
    return out


def wait_for_day(page, day: int, timeout: float = SLOW_MS) -> None:
    page.locator(".vicinity-day", has_text=f"Day {day} of").wait_for(timeout=timeout)


def test_step_toggle_reset_and_play(browser, tmp_path):
    proc, url = serve(SCENARIOS / "tiny.toml")
    try:
        page = browser.new_page(viewport={"width": 1500, "height": 1150})
        page.goto(url)
        wait_for_day(page, 0)
        assert day_text(page) == "Day 0 of 365"
        assert page.title().startswith("vicinity_sim"), page.title()
        # Sliders show their values without being dragged.
        slider = page.locator(".v-slider__thumb-label").first
        assert slider.is_visible() and slider.inner_text().strip() != ""
        plan0, series0 = image(page, 0), image(page, 1)

        step = page.get_by_role("button", name="Step")
        for day in (1, 2, 3, 4, 5):
            step.click()
            wait_for_day(page, day)
        assert image(page, 1) != series0, "the plotted series did not change after steps"

        # Reset alone returns to day 0 and the same picture (same seed, same settings).
        page.get_by_role("button", name="Reset").click()
        wait_for_day(page, 0)
        wait_for_image(page, 0, plan0)
        assert "none" in page.locator(".vicinity-interventions").inner_text()

        # Switch on micro fire stations, reset: the run now has them, and the plan shows them.
        switch = page.get_by_label("micro_fire_stations", exact=True)
        page.locator("label", has_text=re.compile(r"^micro_fire_stations$")).click()
        assert switch.is_checked()
        page.get_by_role("button", name="Reset").click()
        page.locator(".vicinity-interventions", has_text="micro_fire_stations").wait_for(
            timeout=30_000
        )
        wait_for_day(page, 0)
        assert image(page, 0) != plan0, "switching an intervention on left the plan unchanged"
        step.click()
        wait_for_day(page, 1)
        assert "stations installed" in page.locator(".vicinity-interventions").inner_text()

        # Side by side: the run with the stations and its baseline (same village, seed and
        # streams, no interventions), with their difference, live.
        page.locator(".vicinity-comparison", has_text="Day 1").wait_for(timeout=30_000)
        for day in (2, 3):
            step.click()
            wait_for_day(page, day)
        page.locator(".vicinity-comparison", has_text="Day 3").wait_for(timeout=30_000)
        table = comparison_table(page)
        assert "micro_fire_stations" in page.locator(".vicinity-comparison").inner_text()
        base, run, diff = table["cost_total_cny"]
        assert base == 0 and run > 0 and diff == pytest.approx(run - base, rel=1e-3)
        assert table["trust_institutional"][0] > 0
        # The export holds both runs, day by day.
        with page.expect_download(timeout=30_000) as download:
            page.locator(".vicinity-export").get_by_text("CSV").click()
        exported = pd.read_csv(download.value.path())
        assert set(exported["run"]) == {"with interventions", "baseline"}
        per_run = exported.groupby("run")
        assert per_run["day"].max().to_dict() == {"with interventions": 2, "baseline": 2}
        cost = per_run["cost_total_cny"].last()
        assert cost["with interventions"] > 0 and cost["baseline"] == 0

        # Play runs on by itself until paused.
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(
            "() => parseInt(document.querySelector('.vicinity-day').innerText.split(' ')[1]) >= 15",
            timeout=SLOW_MS,
        )
        page.get_by_role("button", name="❚❚").click()
        at_pause = day_number(page)
        # The step under way when the button is pressed still lands (a step and its redraw can
        # take seconds on a busy machine), then the day stays put. Playing on, a step every
        # 150 ms, would be many days further by then.
        page.wait_for_timeout(8000)
        settled = day_number(page)
        assert settled <= at_pause + 1, ("the model kept running after pause", at_pause, settled)
        page.wait_for_timeout(3000)
        assert day_number(page) == settled, "the model kept running after pause"

        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 50_000
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            shutil.copy(shot, os.environ["DASHBOARD_SCREENSHOT"])
        text = page.locator("body").inner_text()
        assert "Traceback" not in text

        # A new seed takes effect on Reset.
        page.get_by_label("seed").fill("7")
        page.get_by_role("button", name="Reset").click()
        wait_for_day(page, 0)
        page.get_by_text("seed 7.").wait_for(timeout=30_000)
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log


def test_bad_scenario_shows_a_message_in_the_page(browser, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\ndays = 30\n\n[[villages]]\nname = "v"\n[villages.population]\n'
                   "n_residnts = 500\n")  # fmt: skip
    proc, url = serve(bad)
    try:
        page = browser.new_page()
        page.goto(url)
        error = page.locator(".vicinity-error")
        error.wait_for(timeout=SLOW_MS)
        message = error.inner_text()
        assert "bad.toml" in message and "n_residnts" in message and "n_residents" in message
        assert "Traceback" not in page.locator("body").inner_text()

        # Fixing the file and pressing Reset brings the village.
        bad.write_text('[run]\ndays = 30\n\n[[villages]]\nname = "v"\n'
                       "[villages.plan]\nn_buildings = 60\n"
                       "[villages.population]\nn_residents = 500\n")  # fmt: skip
        page.get_by_role("button", name="Reset").click()
        wait_for_day(page, 0)
        assert page.locator(".vicinity-error").count() == 0
    finally:
        log = stop(proc)
    assert "Traceback" not in log, log
