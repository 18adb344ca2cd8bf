"""The live page in a real headless browser (Debian chromium + chromedriver, driven by selenium).

A worker on the real broker counts a small generated population; the page must show the same
table as /counts, in Dutch number format, then follow one more counted client without a
reload, stay inside a phone's width, and say so visibly when its refresh fails.
Install the browser with `.ci/install-browser`; locally the test skips without it, in CI it fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import fastavro
import pytest

from streams.codecs.avro import parsed_schema
from streams.codecs.events import event_to_record
from streams.devtools.stack import Worker, cli, load_expected, stack_env, wait_until
from streams.domain.events import (
    ClientRegistration,
    Event,
    Indication,
    IndicationOwner,
    RegisterMembership,
    RegistrationStatus,
)
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

AS_OF = "2026-11-29"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: The machine has no network: nothing in the browser may try to reach out.
CHROME_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)  # fmt: skip
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
FIELDS = (
    "gemeente_met_profiel", "gemeente_zonder_profiel", "uwv_met_profiel", "uwv_zonder_profiel",
    "totaal", "beschut_wsw",
)  # fmt: skip

#: Everything the test reads from the page, in one call: rows, cells, status.
READ_TABLE_JS = """
const rows = Array.from(document.querySelectorAll('#counts-table tr[data-regio]'));
return rows.map(tr => ({
  regio_code: tr.dataset.regio,
  regio_naam: tr.querySelector('th[scope=row] .regio-naam').textContent,
  in_tfoot: tr.parentElement.tagName === 'TFOOT',
  cells: Object.fromEntries(
    Array.from(tr.querySelectorAll('[data-field]')).map(td => [td.dataset.field, td.textContent])),
}));
"""


def dutch(n: int) -> str:
    """12032 -> '12.032'."""
    return f"{n:,}".replace(",", ".")


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return f"{' and '.join(missing)} not installed" if missing else None


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium (fresh profile) driven through chromedriver."""
    reason = browser_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"live-page browser test: {reason}; CI must run .ci/install-browser")
        pytest.skip(f"live-page browser test: {reason} (run .ci/install-browser; pip selenium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.add_argument("--window-size=1280,1000")
    options.add_argument("--lang=nl-NL")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def write_events(path: Path, events: list[Event]) -> None:
    """One Avro container file with the events (all of one schema)."""
    name = type(events[0]).__name__
    with path.open("wb") as f:
        fastavro.writer(f, parsed_schema(name), [event_to_record(e) for e in events])


def one_counted_client_in_amsterdam(out: Path) -> Path:
    """The event set of one new client who counts in AM18 (UWV, no profile): three files."""
    out.mkdir()
    now = int(time.time() * 1000)
    client = "live-page-test-client-1"
    start = date(2026, 1, 5)
    registration = ClientRegistration(
        client, "lp-reg-1", now, RegistrationStatus.INGESCHREVEN, "GM0363"
    )
    indication = Indication(
        client, "lp-ind-1", now, "lp-ind", IndicationOwner.UWV, "WAJONG", start, None
    )
    membership = RegisterMembership(
        client, "lp-mem-1", now, "WAJONG", start, None,
        beschut_werkend_wsw=False, banenafspraak=True,
    )  # fmt: skip
    write_events(out / "registrations.avro", [registration])
    write_events(out / "indications.avro", [indication])
    write_events(out / "memberships.avro", [membership])
    return out


def page_table(driver: Any) -> list[dict[str, Any]]:
    """The page's table as rows of displayed text."""
    rows: list[dict[str, Any]] = driver.execute_script(READ_TABLE_JS)
    return rows


def as_displayed(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """/counts rows as the page must show them."""
    return [
        {
            "regio_code": row["regio_code"],
            "regio_naam": row["regio_naam"],
            "in_tfoot": row["regio_code"] == "NL",
            "cells": {field: dutch(row[field]) for field in FIELDS},
        }
        for row in counts
    ]


def cell(driver: Any, regio: str, field: str) -> str:
    """The displayed text of one number cell."""
    text: str = driver.execute_script(
        "const td = document.querySelector(`#counts-table tr[data-regio='${arguments[0]}'] "
        "[data-field='${arguments[1]}']`); return td ? td.textContent : null;",
        regio, field,
    )  # fmt: skip
    return text


def test_live_page_shows_counts_follows_a_new_client_and_fits_a_phone(
    kafka_broker: str, browser: Any, tmp_path: Path
) -> None:
    population = tmp_path / "population"
    cli({}, "generate", "--clients", "300", "--seed", "5", "--out", str(population),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    env = stack_env(kafka_broker, "page", tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    cli(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        counts = worker.counts()
        regions = [row for row in counts if row["regio_code"].startswith("AM")]
        assert len(regions) == 35 and counts[-1]["regio_code"] == "NL"

        # The page: the same table as /counts, Dutch numbers, Nederland last in the footer.
        browser.get(worker.url + "/")
        wait_until(
            lambda: page_table(browser) == as_displayed(counts), 30,
            "the page's table to equal /counts",
        )  # fmt: skip
        shown = page_table(browser)
        assert [r["regio_code"] for r in shown if r["regio_code"].startswith("AM")] == [
            r["regio_code"] for r in regions
        ]
        assert shown[-1]["regio_code"] == "NL" and shown[-1]["regio_naam"] == "Nederland"
        assert browser.execute_script("return TransparantiePage.nl(193038)") == "193.038"
        assert browser.execute_script("return TransparantiePage.nl(12032)") == "12.032"
        assert browser.find_element("id", "as-of").text == "29 november 2026"
        assert browser.find_element("id", "updated").get_attribute("aria-live") == "polite"
        assert browser.find_element("id", "status").get_attribute("data-state") == "live"
        thead = browser.find_element("css selector", "#counts-table thead")
        headers = thead.text.replace("\xad", "")  # soft hyphens
        for label in ("Arbeidsmarktregio", "Gemeentecliënten", "UWV-cliënten", "Profiel ja",
                      "Profiel nee", "Totaal", "Beschut WSW", "Profieldekking"):  # fmt: skip
            assert label in headers
        assert browser.find_element("css selector", "#counts-table caption").text
        bars = browser.find_elements(
            "css selector", "#counts-table tr[data-regio='NL'] [data-coverage] .bar[role=img]"
        )
        assert len(bars) == 3 and all(b.get_attribute("aria-label") for b in bars)
        browser.save_screenshot(str(tmp_path / "live-page-desktop.png"))

        # One more counted client in Amsterdam (AM18): +1 on screen, without a reload.
        before_nl = int(cell(browser, "NL", "totaal").replace(".", ""))
        before_am18 = int(cell(browser, "AM18", "totaal").replace(".", ""))
        browser.execute_script("window.__sameDocument = true;")
        cli(env, "produce", str(one_counted_client_in_amsterdam(tmp_path / "one")), "--no-progress")
        want = (dutch(before_nl + 1), dutch(before_am18 + 1))
        wait_until(
            lambda: (cell(browser, "NL", "totaal"), cell(browser, "AM18", "totaal")) == want,
            60, f"NL and AM18 totaal on screen to become {want}",
        )  # fmt: skip
        assert browser.execute_script("return window.__sameDocument === true")
        after = worker.counts()
        assert next(r for r in after if r["regio_code"] == "NL")["totaal"] == before_nl + 1
        assert next(r for r in after if r["regio_code"] == "AM18")["totaal"] == before_am18 + 1
        wait_until(lambda: page_table(browser) == as_displayed(worker.counts()), 30,
                   "the whole page to equal /counts after the new client")  # fmt: skip

        # A phone: 390 x 844 CSS pixels. The table scrolls in its box; the page does not.
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        browser.refresh()
        wait_until(lambda: page_table(browser) == as_displayed(worker.counts()), 30,
                   "the page on a phone to show the table")  # fmt: skip
        browser.execute_script("window.scrollTo(0, 0)")
        time.sleep(2.5)  # let a changed-cell flash fade before the screenshot
        widths = browser.execute_script(
            "const w = document.getElementById('tabel');"
            "return {inner: window.innerWidth, body: document.body.scrollWidth,"
            " doc: document.documentElement.scrollWidth,"
            " wrapScroll: w.scrollWidth, wrapClient: w.clientWidth};"
        )
        browser.save_screenshot(str(tmp_path / "live-page-390x844.png"))
        browser.execute_script("document.getElementById('tabel').scrollIntoView()")
        browser.save_screenshot(str(tmp_path / "live-page-390x844-table.png"))
        assert widths["inner"] == PHONE["width"], widths
        assert widths["body"] <= widths["inner"] and widths["doc"] <= widths["inner"], widths
        assert widths["wrapScroll"] > widths["wrapClient"], "the table should scroll in its box"

        # The source goes away: the page must say so visibly.
        worker.stop()
        wait_until(
            lambda: browser.find_element("id", "status").get_attribute("data-state") == "error",
            20, "the status to show a failed refresh",
        )  # fmt: skip
        banner = browser.find_element("id", "stale-banner")
        assert banner.is_displayed() and "niet actueel" in banner.text.lower()
        browser.save_screenshot(str(tmp_path / "live-page-390x844-error-in-table.png"))
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(tmp_path / "live-page-390x844-error.png"))
    finally:
        worker.stop()
