"""The dashboard in a real browser: `regcycle dashboard` driven by headless Chromium.

Starts the command on a free port of 127.0.0.1, loads the page in Debian's Chromium through
Playwright, steps the model three times, plays and pauses it, moves the θ slider, resets, and
checks the step counter, the plots and the rebuilt model. Without Chromium or Playwright the
test is skipped with what to install, unless ``REGCYCLE_REQUIRE_BROWSER=1`` demands the browser:
then it fails (.ci/run sets it and installs Chromium). Without the dashboard extra it always
fails (``pip install -e '.[test]'`` installs it). Each step's time from click to redrawn plots is
printed (never asserted).

``REGCYCLE_UPDATE_FIGURES=1`` also plays the baseline for a few simulated years and saves the
README's screenshot to docs/figures/dashboard_browser.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from sim.app.dashboard import INSTALL_HINT, missing_extra
from sim.app.dashboard.cli import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("REGCYCLE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FIGURE = ROOT / "docs" / "figures" / "dashboard_browser.png"
PLOTS = (".regcycle-plot-enforcement", ".regcycle-plot-alarm", ".regcycle-plot-markets")
SERVER_START_S = 90
UI_TIMEOUT_MS = 30_000


REQUIRE_BROWSER = "REGCYCLE_REQUIRE_BROWSER"
"""Set to 1 (as .ci/run does), a missing Chromium or Playwright fails the test instead of
skipping it."""


def browser_check(chromium: Path, environ: Mapping[str, str],
                  playwright: bool = True, extra: str | None = None) -> tuple[str, str] | None:
    """Whether the browser test can run: None, or ``("skip" | "fail", why and what to install)``.

    ``chromium`` is the browser's path, ``playwright`` whether Playwright imports, ``extra`` the
    first missing module of the dashboard extra. A missing browser or Playwright skips, unless
    ``environ`` has ``REGCYCLE_REQUIRE_BROWSER=1``; a missing extra always fails (regcycle's
    test install has it).
    """
    browser = []
    if not chromium.exists():
        browser.append(f"Chromium is not at {chromium}: install Debian's package "
                       "(apt-get install chromium) or point REGCYCLE_CHROMIUM at one")
    if not playwright:
        browser.append("Playwright for Python is missing: pip install -e '.[test]' "
                       "(no 'playwright install': the test drives the system Chromium)")
    install = [f"the dashboard extra is missing ({extra}): {INSTALL_HINT}"] if extra else []
    if not browser and not install:
        return None
    why = "the browser test cannot run: " + "; ".join(browser + install)
    if install:
        return "fail", why
    if environ.get(REQUIRE_BROWSER) == "1":
        return "fail", f"{why} ({REQUIRE_BROWSER}=1 demands the browser)"
    return "skip", f"{why} (set {REQUIRE_BROWSER}=1 to make this a failure)"


def _require_browser() -> None:
    """Skip or fail, with what to install, when the browser test cannot run."""
    try:
        import playwright.sync_api  # noqa: F401
        has_playwright = True
    except ImportError:
        has_playwright = False
    verdict = browser_check(CHROMIUM, os.environ, has_playwright, missing_extra())
    if verdict is None:
        return
    action, why = verdict
    if action == "skip":
        pytest.skip(why)
    pytest.fail(why, pytrace=False)


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"regcycle dashboard exited with {proc.returncode}:\n"
                        f"{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"the dashboard did not answer on {url} within {timeout:.0f} s:\n"
                f"{log.read_text()}", pytrace=False)


@contextlib.contextmanager
def dashboard_server(tmp_path: Path) -> Iterator[str]:
    """``regcycle dashboard baseline`` on a free port; stopped (its whole group) at the end."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "baseline", "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, proc, log, SERVER_START_S)
        assert f"http://127.0.0.1:{port}" in log.read_text()  # the command prints the address
        yield url
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            if proc.poll() is not None:
                break
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue


# --------------------------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------------------------


def _month(page) -> int:
    text = page.locator(".regcycle-month").inner_text()
    match = re.search(r"Month (\d+)", text)
    assert match, text
    return int(match.group(1))


def _mesa_time(page, expected: float) -> float:
    """SolaraViz's own step counter ("Time: 3.0"), once it shows ``expected`` (or times out)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    counter = page.get_by_text(re.compile(r"^Time: "))
    try:
        page.wait_for_function(
            "([want]) => Array.from(document.querySelectorAll('span')).some("
            "s => s.innerText === 'Time: ' + want.toFixed(1))", arg=[expected], timeout=10_000)
    except PlaywrightTimeout:  # the assertion reports what it shows instead
        pass
    return float(counter.inner_text().split(":")[1])


def _wait_month(page, pattern: str, timeout: float = UI_TIMEOUT_MS) -> None:
    """Wait until the status shows a month matching the regular expression ``pattern``."""
    page.wait_for_function(
        """([pattern]) => {
            const m = document.querySelector('.regcycle-month');  // absent while redrawn
            return m !== null && new RegExp('Month ' + pattern + ' ').test(m.innerText);
        }""", arg=[pattern], timeout=timeout)


def _srcs(page) -> list[str]:
    return [page.locator(f"img{sel}").get_attribute("src") or "" for sel in PLOTS]


def _pixels(page) -> list[bytes]:
    return [_screenshot(page, f"img{sel}") for sel in PLOTS]


def _screenshot(page, selector: str, attempts: int = 3) -> bytes:
    """The element's pixels, once it is visible. Solara may swap an <img> node while it is being
    captured ("Node is either not visible or not an HTMLElement", seen once in a full-suite run
    from a fresh clone): wait for it to be visible and try again, a bounded number of times."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(attempts):
        locator = page.locator(selector)
        locator.wait_for(state="visible")
        try:
            return locator.screenshot()
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
            page.wait_for_timeout(500)
    raise AssertionError("unreachable")


def _wait_redrawn(page, month: int, old_srcs: list[str]) -> None:
    """Wait until the status says ``month`` and every plot image has been replaced."""
    page.wait_for_function(
        """([month, sels, old]) => {
            const m = document.querySelector('.regcycle-month');
            if (!m || !m.innerText.includes('Month ' + month + ' ')) return false;
            return sels.every((s, i) => {
                const img = document.querySelector('img' + s);
                return img && img.getAttribute('src') && img.getAttribute('src') !== old[i];
            });
        }""", arg=[month, list(PLOTS), old_srcs], timeout=UI_TIMEOUT_MS)


def _step(page, timings: list[float]) -> None:
    before, srcs = _month(page), _srcs(page)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_redrawn(page, before + 1, srcs)
    timings.append(time.perf_counter() - t0)


def _render_ms(page) -> str:
    return page.locator(".regcycle-render").inner_text()


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


def test_dashboard_steps_plays_and_resets_in_chromium(tmp_path: Path):
    _require_browser()
    from playwright.sync_api import sync_playwright

    t_start = time.perf_counter()
    with dashboard_server(tmp_path) as dashboard_url, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(dashboard_url, timeout=60_000)
            for sel in PLOTS:
                page.wait_for_selector(f"img{sel}[src]", timeout=60_000)
            page.wait_for_selector(".regcycle-month")
            assert "regcycle · baseline" in page.inner_text("body")
            assert _month(page) == 0
            assert _mesa_time(page, 0) == 0
            start_pixels = _pixels(page)

            # step ×3: the counters advance and every plot is redrawn
            timings: list[float] = []
            for _ in range(3):
                _step(page, timings)
            assert _month(page) == 3
            assert _mesa_time(page, 3) == 3
            stepped_pixels = _pixels(page)
            for before, after, sel in zip(start_pixels, stepped_pixels, PLOTS, strict=True):
                assert before != after, f"{sel} did not change after three steps"
            events = page.locator(".regcycle-events li").all_inner_texts()
            assert events and all(re.match(r"\d{4}-\d{2} ", e) for e in events), events
            print(f"step, click to redrawn plots: {', '.join(f'{t:.2f}' for t in timings)} s; "
                  f"server drew the last step's figures in {_render_ms(page)} ms")

            # play, then pause: the month advances while playing and stops when paused
            page.get_by_role("button", name="▶").click()
            pause = page.get_by_role("button", name="❚❚")
            pause.wait_for()  # the play button turned into pause
            _wait_month(page, r"([5-9]|\d\d+)", timeout=60_000)
            pause.click()
            page.get_by_role("button", name="▶").wait_for()
            page.wait_for_timeout(1500)
            paused = _month(page)
            page.wait_for_timeout(2000)
            assert _month(page) == paused >= 5
            played_pixels = _pixels(page)

            # move the θ slider (the alarm threshold) two steps right: 1.0 → 1.1
            slider = page.get_by_role("slider", name=re.compile(r"^θ —"))
            assert slider.get_attribute("aria-valuenow") == "1"  # a JS number: 1.0 is "1"
            slider.focus()
            slider.press("ArrowRight")
            slider.press("ArrowRight")
            page.wait_for_function(
                "() => document.querySelector('[role=slider][aria-label^=\"θ —\"]')"
                "?.getAttribute('aria-valuenow') === '1.1'")

            # reset: a new model at month 0 with the new θ, plots redrawn
            srcs = _srcs(page)
            page.get_by_role("button", name="Reset", exact=True).click()
            _wait_redrawn(page, 0, srcs)
            page.wait_for_selector(".regcycle-changed")
            assert "θ = 1.1" in page.locator(".regcycle-changed").inner_text()
            assert _month(page) == 0
            assert _mesa_time(page, 0) == 0
            reset_pixels = _pixels(page)
            for before, after, sel in zip(played_pixels, reset_pixels, PLOTS, strict=True):
                assert before != after, f"{sel} did not change on reset"
            _step(page, timings)
            assert _month(page) == 1

            page.screenshot(path=str(tmp_path / "dashboard.png"))
            if os.environ.get("REGCYCLE_UPDATE_FIGURES") == "1":
                _save_readme_figure(page)
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"the page at the failure: {tmp_path / 'failure.png'}")
            raise
        finally:
            context.close()
    print(f"browser test took {time.perf_counter() - t_start:.1f} s; "
          f"screenshot: {tmp_path / 'dashboard.png'}")


def _save_readme_figure(page) -> None:
    """Reset to the scenario, play a few simulated years, pause and save the screenshot."""
    slider = page.get_by_role("slider", name=re.compile(r"^θ —"))
    slider.focus()
    slider.press("ArrowLeft")
    slider.press("ArrowLeft")
    srcs = _srcs(page)
    page.get_by_role("button", name="Reset", exact=True).click()
    _wait_redrawn(page, 0, srcs)
    interval = page.get_by_role("slider", name="Render Interval (steps)")
    interval.focus()
    interval.press("ArrowRight")  # draw every third month while playing
    page.get_by_role("button", name="▶").click()
    _wait_month(page, r"(1[7-9]\d|[2-9]\d\d)", timeout=600_000)  # past 2022: v2's first crackdowns
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(2500)
    tmp = FIGURE.with_suffix(".tmp.png")
    page.screenshot(path=str(tmp))
    shutil.move(tmp, FIGURE)
    print(f"wrote {FIGURE}")
