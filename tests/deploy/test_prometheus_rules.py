"""The Prometheus config and alerting rules, checked and unit-tested by the real promtool."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.deploy.artifacts import (
    PROMETHEUS_CONFIG,
    REPO_ROOT,
    RULE_TESTS,
    RULES,
    alerting_rules,
    exported_metric_names,
    metric_names_in,
)


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: run scripts/install_prometheus.sh (part of `make setup`)")
    return path


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def test_config_is_valid(promtool):
    """`promtool check config` accepts prometheus.yml and finds the rule file through it."""
    result = run([promtool, "check", "config", str(PROMETHEUS_CONFIG)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerting_rules())} rules found" in result.stdout + result.stderr


def test_rules_are_valid(promtool):
    """`promtool check rules` accepts the rule file."""
    result = run([promtool, "check", "rules", str(RULES)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass(promtool):
    """Every promtool unit test of the rules passes."""
    assert RULE_TESTS, "no rule unit tests found"
    result = run([promtool, "test", "rules", *map(str, RULE_TESTS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_is_tested_firing_and_not_firing():
    """Each alert has a unit test where it fires and one where it stays quiet."""
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text("utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerting_rules()}
    assert firing == names
    assert quiet == names


def test_every_rule_has_severity_and_annotations():
    """Alerts carry a severity Alertmanager can route on and a summary and description for people."""
    for rule in alerting_rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]


def test_rules_use_only_exported_metrics():
    """Every ceasefire_* series a rule reads is one the pipeline exports, so no rule waits on a typo."""
    exported = exported_metric_names()
    used = {rule["alert"]: metric_names_in(rule["expr"]) for rule in alerting_rules()}
    assert set().union(*used.values()), "the rules read no pipeline metric at all"
    assert {alert: names - exported for alert, names in used.items() if names - exported} == {}
