"""Alert rules follow the house rules, each has a runbook section and unit tests both ways."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/rules"
TESTS = ROOT / "deploy/prometheus/tests"
RUNBOOK = ROOT / "docs/runbook.md"
RUNBOOK_URL = "https://github.com/transparantie/transparantie-streams/blob/main/docs/runbook.md#"


def alerts() -> list[dict[str, Any]]:
    data = yaml.safe_load((RULES / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"] if "alert" in rule]


def alert_rule_tests() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(TESTS.glob("*.yml")):
        for test in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            cases += test.get("alert_rule_test", [])
    return cases


ALERT_NAMES = [a["alert"] for a in alerts()]


def test_the_expected_alerts_exist() -> None:
    assert set(ALERT_NAMES) == {
        "RegionProfileCoverageDrop",
        "CountedTotalDropSharply",
        "PipelineStalled",
        "DeadLettersAppearing",
        "WorkerNotReady",
        "SchemaRegistryUnavailable",
        "ReconcileDrift",
        "ReconcileNotRun",
        "ConsumerGroupLagging",
        "GroupLagUnknown",
        "WorkerMemoryGrowing",
    }


@pytest.mark.parametrize("alert", alerts(), ids=ALERT_NAMES)
def test_every_alert_has_a_severity_summary_description_and_runbook_url(
    alert: dict[str, Any],
) -> None:
    assert alert["labels"]["severity"] in {"critical", "warning", "info"}
    annotations = alert["annotations"]
    assert annotations["summary"].strip()
    assert annotations["description"].strip()
    assert annotations["runbook_url"] == RUNBOOK_URL + alert["alert"].lower()


@pytest.mark.parametrize("name", ALERT_NAMES)
def test_every_alert_has_a_runbook_section_named_after_it(name: str) -> None:
    headings = re.findall(r"^## (\S+)\s*$", RUNBOOK.read_text(encoding="utf-8"), re.MULTILINE)
    assert name in headings


@pytest.mark.parametrize("name", ALERT_NAMES)
def test_every_alert_is_unit_tested_firing_and_not_firing(name: str) -> None:
    cases = [c for c in alert_rule_tests() if c["alertname"] == name]
    assert any(c.get("exp_alerts") for c in cases), f"{name}: no case where it fires"
    assert any(not c.get("exp_alerts") for c in cases), f"{name}: no case where it stays quiet"


def test_every_unit_tested_alertname_exists() -> None:
    assert {c["alertname"] for c in alert_rule_tests()} <= set(ALERT_NAMES)


def test_the_alert_thresholds_are_recorded_constants() -> None:
    data = yaml.safe_load((RULES / "recording.yml").read_text(encoding="utf-8"))
    config = next(g for g in data["groups"] if g["name"] == "transparantie.config")
    constants = {r["record"] for r in config["rules"]}
    exprs = " ".join(str(a["expr"]) for a in alerts())
    for constant in constants:
        assert constant in exprs, f"{constant} is recorded but no alert uses it"


@pytest.mark.skipif(
    shutil.which("promtool") is None and not os.environ.get("CI"),
    reason="promtool not installed (.ci/install-ops-tools); required when CI is set",
)
def test_promtool_checks_and_unit_tests_pass() -> None:
    rule_files = sorted(str(p) for p in RULES.glob("*.yml"))
    test_files = sorted(str(p) for p in TESTS.glob("*.yml"))
    for cmd in (
        ["promtool", "check", "rules", *rule_files],
        ["promtool", "test", "rules", *test_files],
    ):
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
