"""The page for dashboard users, on a real worker with data: trends, changes, downloads, WCAG 2.1
AA (axe-core in headless Chromium, desktop and phone), the keyboard, and the HTTP API against
its own OpenAPI document (schemathesis).

Needs Debian's chromium and chromedriver (.ci/install-browser) and axe-core (.ci/install-axe);
locally the browser tests skip without them, in CI they fail. The past is written to the
history topic as snapshots (streams/kafka/history.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.devtools.stack import Worker, cli, load_expected, stack_env, wait_until
from streams.devtools.stack.env import PROJECT, CommandFailed
from streams.domain import COUNT_FIELDS, RegionCounts
from streams.kafka.history import write_snapshots
from streams.service.history import Provenance, Snapshot
from streams.settings import Settings
from tests.integration.live import converged
from tests.integration.test_live_page import PHONE, browser  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


AS_OF = "2026-11-29"
AXE = PROJECT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: The WCAG 2.0 and 2.1 rules of levels A and AA: what Dutch government sites must meet.
CONFIG = Path(__file__).with_name("schemathesis.toml")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def a_past(counts: list[dict[str, Any]], today: date, days: int) -> list[Snapshot]:
    """Daily snapshots of the `days` days before today that grow towards today's table: each
    figure one smaller for every 45 days back (never below 0), every day's rows adding up."""
    live = [RegionCounts(**{**r, "as_of": date.fromisoformat(r["as_of"])}) for r in counts]
    snapshots = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        rows = []
        for row in live[:-1]:
            figures = {f: max(0, getattr(row, f) - back // 45) for f in COUNT_FIELDS}
            figures["totaal"] = sum(figures[f] for f in COUNT_FIELDS[:4])
            rows.append(replace(row, **figures, as_of=day))
        national = {f: sum(getattr(r, f) for r in rows) for f in COUNT_FIELDS}
        rows.append(replace(live[-1], **national, as_of=day))
        snapshots.append(Snapshot(day, tuple(rows), Provenance({})))
    return snapshots


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings an environment of a stack gives."""
    prefix = "TRANSPARANTIE_"
    return Settings(**{k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)})


@pytest.fixture(scope="module")
def stack(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    """One worker that has counted a small generated population."""
    tmp = tmp_path_factory.mktemp("trends")
    population = tmp / "population"
    cli({}, "generate", "--clients", "300", "--seed", "7", "--out", str(population),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    env = stack_env(kafka_broker, "trends", tmp, TRANSPARANTIE_AS_OF=AS_OF)
    cli(env, "topics", "create")
    worker = Worker(env, tmp / "worker.log").start()
    try:
        worker.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        # a past of 400 days, so that the page has a 13-month trend and a year-earlier figure
        past = a_past(worker.counts(), date.fromisoformat(AS_OF), 400)
        asyncio.run(write_snapshots(settings_of(env), past))
        wait_until(lambda: len(json.loads(fetch(worker.url + "/history?regio=NL")[2])) >= 400,
                   60, "the worker's history view to hold the past")  # fmt: skip
        yield worker
    finally:
        worker.stop()


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET a URL: status, content type, body (also for non-2xx answers)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """Run axe-core's WCAG 2.1 A/AA rules on the page; the violations, each with its nodes."""
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing; CI must run .ci/install-axe")
        pytest.skip("axe-core is not installed (run .ci/install-axe)")
    driver.execute_script(AXE.read_text("utf-8"))
    driver.set_script_timeout(60)
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))}))"
        ".catch(e => done({error: String(e)}));",
        WCAG_TAGS,
    )
    assert "error" not in result, result
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def load_page(driver: Any, worker: Worker) -> None:
    """Open the page and wait until the table, the changes and the trend section are filled."""
    driver.get(worker.url + "/")
    wait_until(
        lambda: driver.execute_script(
            "return document.querySelectorAll('#counts-table tr[data-regio]').length >= 36"
            " && document.querySelectorAll('#trend-regio option').length >= 36"
            " && document.querySelector('#trend-changes tbody tr th') !== null"
            " && !document.getElementById('trend-figure').hidden"
            " && document.getElementById('trend-img').complete"
            " && document.getElementById('trend-img').naturalWidth > 0"
            " && document.querySelector('#pub-link:not([hidden])') !== null"
        ),
        30, "the page's table, changes and trend section",
    )  # fmt: skip


def test_the_page_meets_wcag_2_1_aa_on_a_desktop_and_a_phone(
    stack: Worker,
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    load_page(browser, stack)
    browser.execute_script("document.getElementById('trend-details').open = true")
    violations = axe_violations(browser)
    browser.save_screenshot(str(tmp_path / "trends-desktop.png"))
    browser.execute_script("document.getElementById('ontwikkeling').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "trends-desktop-trend.png"))
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    load_page(browser, stack)
    browser.execute_script("document.getElementById('trend-details').open = true")
    violations = axe_violations(browser)
    browser.save_screenshot(str(tmp_path / "trends-phone.png"))
    browser.execute_script("document.getElementById('ontwikkeling').scrollIntoView()")
    browser.save_screenshot(str(tmp_path / "trends-phone-trend.png"))
    assert violations == [], json.dumps(violations, indent=2, ensure_ascii=False)
    widths = browser.execute_script(
        "return {inner: window.innerWidth, doc: document.documentElement.scrollWidth}"
    )
    assert widths["doc"] <= widths["inner"], widths

    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.get(stack.url + "/toegankelijkheid")
    assert "Toegankelijkheidsverklaring" in browser.find_element("tag name", "h1").text
    assert axe_violations(browser) == []
    # axe really looks: an image without a text alternative is found
    browser.execute_script("document.body.appendChild(document.createElement('img'))")
    assert "image-alt" in [v["id"] for v in axe_violations(browser)]


def test_the_trend_is_chosen_and_compared_with_the_keyboard_alone(
    stack: Worker,
    browser: Any,  # noqa: F811
) -> None:
    from selenium.webdriver.common.keys import Keys

    load_page(browser, stack)
    select = browser.find_element("id", "trend-regio")
    # Tab from the page's start to the region choice: every stop on the way is reachable
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.TAB)
    for _ in range(40):
        if browser.switch_to.active_element == select:
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element == select, "the region choice is not reachable by Tab"
    select.send_keys(Keys.ARROW_DOWN)  # Nederland -> the first region
    wait_until(
        lambda: browser.execute_script(
            "return document.querySelectorAll('#trend-changes tbody tr').length === 2"
        ),
        10, "the chosen region beside Nederland in the changes",
    )  # fmt: skip
    first_region = browser.execute_script("return document.getElementById('trend-regio').value")
    assert first_region.startswith("AM")
    compare = browser.find_element("id", "trend-vergelijk")
    assert compare.is_enabled()
    browser.switch_to.active_element.send_keys(Keys.TAB)  # to the measure radios
    browser.switch_to.active_element.send_keys(Keys.TAB)  # to the compare box
    assert browser.switch_to.active_element == compare
    compare.send_keys(Keys.SPACE)
    assert compare.is_selected()
    focus = browser.execute_script(
        "const e = document.activeElement; const s = getComputedStyle(e);"
        "return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;"
    )
    assert focus, "the keyboard focus is not visible"


def test_the_downloads_give_the_table_as_csv_and_json(stack: Worker) -> None:
    status, kind, body = fetch(stack.url + "/counts.csv")
    assert status == 200 and kind.startswith("text/csv")
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "Dutch Excel needs the byte order mark"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    counts = stack.counts()
    nl = next(r for r in counts if r["regio_code"] == "NL")
    assert rows[-1][:2] == ["NL", "Nederland"] and int(rows[-1][6]) == nl["totaal"]
    assert len(rows) == 1 + len(counts)


def test_the_changes_cover_every_row_of_the_live_table(stack: Worker) -> None:
    status, kind, body = fetch(stack.url + "/changes")
    assert status == 200 and kind.startswith("application/json")
    changes = json.loads(body)
    assert changes["peildatum"] == AS_OF
    assert (changes["vorig_kwartaaleinde"], changes["jaar_eerder"]) == ("2026-09-30", "2025-11-29")
    assert changes["laatste_publicatie"] == "2026-09-30"
    counts = stack.counts()
    assert [r["regio_code"] for r in changes["rows"]] == [r["regio_code"] for r in counts]
    nl = changes["rows"][-1]
    assert (
        nl["totaal"] == counts[-1]["totaal"] and nl["vorig_kwartaaleinde"]["totaal"] < nl["totaal"]
    )


def test_the_page_shows_the_trend_its_figures_and_the_changes(
    stack: Worker,
    browser: Any,  # noqa: F811
) -> None:
    load_page(browser, stack)
    alt = browser.find_element("id", "trend-img").get_attribute("alt")
    assert alt.startswith("Lijngrafiek van totaal in Sonar in Nederland")
    months = browser.find_elements("css selector", "#trend-table tbody tr")
    assert len(months) == 14  # the ends of thirteen months before today, and today
    nl = stack.counts()[-1]
    changes = browser.execute_script(
        "return Array.from(document.querySelectorAll("
        "'#counts-table tr[data-regio=NL] [data-change]')).map(td => td.textContent)"
    )
    assert all(c.startswith("+") for c in changes), changes
    last = months[-1].find_elements("tag name", "td")[0].get_attribute("textContent")
    assert last == f"{nl['totaal']:,}".replace(",", ".")
    link = browser.find_element("id", "pub-link")
    assert link.get_attribute("href").endswith("/publication/2026-09-30.pdf")


def test_the_publication_command_writes_the_edition_of_a_quarter_end(
    stack: Worker, tmp_path: Path
) -> None:
    out = tmp_path / "q3.xlsx"
    cli(
        stack.env,
        "publication",
        "--peildatum",
        "2026-09-30",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    from openpyxl import load_workbook

    nl = next(
        r for r in load_workbook(out)["Tabel"].iter_rows(values_only=True) if r[0] == "Nederland"
    )
    history = json.loads(fetch(stack.url + "/history?regio=NL&from=2026-09-30&to=2026-09-30")[2])
    assert nl[5] == history[0]["totaal"]
    html = cli(stack.env, "publication", "--peildatum", "2026-09-30")
    assert "Bronvermelding bij overname is verplicht." in html
    with pytest.raises(CommandFailed, match="no snapshot of 2024-09-30"):
        cli(stack.env, "publication", "--peildatum", "2024-09-30", "--format", "csv")


def test_the_last_quarters_publication_downloads_as_a_pdf(stack: Worker) -> None:
    status, kind, body = fetch(stack.url + "/publication/2026-09-30.pdf")
    assert status == 200 and kind == "application/pdf" and body.startswith(b"%PDF")
    status, _, body = fetch(stack.url + "/publication/2026-09-31.pdf")
    assert status == 400 and "no day" in json.loads(body)["error"]
    status, _, body = fetch(stack.url + "/publication/2024-09-30.pdf")
    assert status == 404 and "backfill" in json.loads(body)["error"]


def test_the_api_answers_as_its_openapi_document_says(stack: Worker, tmp_path: Path) -> None:
    status, kind, body = fetch(stack.url + "/openapi.json")
    assert status == 200 and kind.startswith("application/json")
    document = json.loads(body)
    for path in ("/counts", "/counts/{regio_code}", "/healthz", "/readyz", "/metrics",
                 "/explain/{client_id}", "/history", "/changes", "/trend/{regio_code}.svg",
                 "/publication/{peildatum}.pdf", "/toegankelijkheid", "/openapi.json"):  # fmt: skip
        assert path in document["paths"], path
    done = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG),
         "run", f"{stack.url}/openapi.json",
         "--checks", "all", "--max-examples", "15", "--workers", "2", "--seed", "1",
         "--phases", "examples,coverage,fuzzing", "--no-color"],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
