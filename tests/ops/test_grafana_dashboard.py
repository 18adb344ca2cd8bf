"""The Grafana dashboard is valid JSON, every panel queries something, and only known metrics."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ops.promql_names import (
    documented_metrics,
    exposed_series_names,
    grafana_query_names,
    is_framework_metric,
    metric_names,
    recording_rule_names,
)

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/dashboards/transparantie.json"
RULE_FILES = sorted((ROOT / "deploy/prometheus/rules").glob("*.yml"))


def load_dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def all_panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Panels including those nested in collapsed rows."""
    out: list[dict[str, Any]] = []
    for panel in panels:
        out.append(panel)
        out += all_panels(panel.get("panels", []))
    return out


def data_panels() -> list[dict[str, Any]]:
    return [p for p in all_panels(load_dashboard()["panels"]) if p["type"] != "row"]


def dashboard_queries() -> list[tuple[str, str]]:
    """(where, query) for every panel target and every query variable."""
    queries = [
        (f"panel {p['title']!r} {t['refId']}", t["expr"])
        for p in data_panels()
        for t in p.get("targets", [])
    ]
    for var in load_dashboard()["templating"]["list"]:
        if var["type"] == "query":
            q = var["query"]
            queries.append((f"variable {var['name']}", q["query"] if isinstance(q, dict) else q))
    return queries


@cache
def known_names() -> frozenset[str]:
    documented = exposed_series_names(documented_metrics(ROOT / "docs/metrics.md"))
    return frozenset(documented | recording_rule_names(RULE_FILES))


def test_the_dashboard_is_json_with_a_uid_a_title_and_panels() -> None:
    dash = load_dashboard()
    assert dash["uid"] == "transparantie"
    assert dash["title"]
    assert data_panels()


def test_panel_ids_are_unique() -> None:
    ids = [p["id"] for p in all_panels(load_dashboard()["panels"])]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("panel", data_panels(), ids=lambda p: p["title"])
def test_every_panel_has_a_prometheus_query(panel: dict[str, Any]) -> None:
    targets = panel.get("targets", [])
    assert targets, f"panel {panel['title']!r} has no query"
    for target in targets:
        assert target.get("expr", "").strip(), f"panel {panel['title']!r} has an empty query"
        assert target["datasource"]["type"] == "prometheus"


@pytest.mark.parametrize(
    ("where", "query"), dashboard_queries(), ids=[w for w, _ in dashboard_queries()]
)
def test_every_query_reads_only_documented_metrics_or_recording_rules(
    where: str, query: str
) -> None:
    names = grafana_query_names(query)
    assert names, f"{where}: no metric in {query!r}"
    unknown = {n for n in names if n not in known_names() and not is_framework_metric(n)}
    assert not unknown, f"{where}: {sorted(unknown)} are not in docs/metrics.md nor recording rules"


def test_the_dashboard_shows_the_publication_table_coverage_throughput_lag_and_latency() -> None:
    exprs = " ".join(q for _, q in dashboard_queries())
    types = {p["type"] for p in data_panels()}
    assert {"table", "stat", "timeseries"} <= types
    for needed in (
        "transparantie_region_clients",
        "profile_coverage",
        "transparantie_events_total",
        "transparantie_consumer_lag_messages",
        "transparantie_dead_letters_total",
        "histogram_quantile(0.5",
        "histogram_quantile(0.99",
    ):
        assert needed in exprs, needed


def test_rule_expressions_read_only_documented_metrics_or_other_recording_rules() -> None:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/rules/recording.yml").read_text())
    rules_alerts = yaml.safe_load((ROOT / "deploy/prometheus/rules/alerts.yml").read_text())
    for group in rules["groups"] + rules_alerts["groups"]:
        for rule in group["rules"]:
            unknown = {
                n
                for n in metric_names(str(rule["expr"]))
                if n not in known_names() and not is_framework_metric(n)
            }
            assert not unknown, f"{rule.get('record') or rule.get('alert')}: {sorted(unknown)}"


def test_the_provisioned_datasource_is_the_dashboards_default() -> None:
    prov = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    (source,) = prov["datasources"]
    variable = next(v for v in load_dashboard()["templating"]["list"] if v["name"] == "datasource")
    assert source["type"] == variable["query"] == "prometheus"
    assert source["uid"] == variable["current"]["value"]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (regio) (rate(a_total{x="y"}[$__rate_interval]))', {"a_total"}),
        ("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))", {"h_bucket"}),
        ("x offset 1h - y > on () group_left () :z:sum", {"x", "y", ":z:sum"}),
        ('{__name__="named", job="j"} or vector(0)', {"named"}),
        ("label_values(regio:m:sum, regio)", {"regio:m:sum"}),
        ("sum(x) by (le, quantile) / clampmin(y, 1)", {"x", "y", "clampmin"}),
    ],
)
def test_the_name_extractor_finds_metrics_and_skips_functions_and_labels(
    expr: str, names: set[str]
) -> None:
    assert grafana_query_names(expr) == names
