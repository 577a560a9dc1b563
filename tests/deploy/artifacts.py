"""The committed deployment files, read the way Prometheus and Grafana read them, for the deploy tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY

import ceasefire_watch.metrics  # noqa: F401  (registers every metric)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
PROMETHEUS_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULES = PROMETHEUS_DIR / "rules" / "ceasefire-watch.rules.yml"
RULE_TESTS = sorted((PROMETHEUS_DIR / "rules" / "tests").glob("*.yml"))
GRAFANA_DIR = REPO_ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "ceasefire-watch.json"
JOB = "ceasefire-watch"

_SAMPLE_SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


@dataclass(frozen=True)
class PanelQuery:
    panel: str
    ref_id: str
    expr: str


def alerting_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text("utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def dashboard_queries() -> list[PanelQuery]:
    """Every query of every panel in the committed dashboard, rows' nested panels included."""
    document = json.loads(DASHBOARD.read_text("utf-8"))
    panels = [p for top in document["panels"] for p in (top, *top.get("panels", []))]
    return [
        PanelQuery(panel["title"], target["refId"], target["expr"])
        for panel in panels
        for target in panel.get("targets", [])
    ]


def exported_metric_names() -> set[str]:
    """Every ceasefire_* series name the exporter can serve, by metric type."""
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("ceasefire_")
        for suffix in _SAMPLE_SUFFIXES[family.type]
    }


def metric_names_in(expr: str) -> set[str]:
    return set(re.findall(r"\bceasefire_[a-z_]+", expr))
