"""The Grafana dashboard: generated from code, committed, consistent with the exporter and provisioning."""

from __future__ import annotations

import importlib.util
import json
import re
from types import ModuleType

import yaml

from tests.deploy.artifacts import (
    DASHBOARD,
    GRAFANA_DIR,
    PROMETHEUS_CONFIG,
    dashboard_queries,
    exported_metric_names,
    metric_names_in,
)


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ceasefire_dashboard_generator", GRAFANA_DIR / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_dashboard_matches_the_generator():
    """The committed JSON is exactly what generate.py produces now: run it after editing the panels."""
    assert DASHBOARD.read_text("utf-8") == generator().render()


def test_panels_cover_the_pipeline_metrics():
    """Every metric the pipeline exports is charted somewhere on the dashboard, and nothing else is."""

    def family(name: str) -> str:
        return re.sub(r"_(bucket|sum|count)$", "", name)

    used = set().union(*(metric_names_in(q.expr) for q in dashboard_queries()))
    assert used <= exported_metric_names()
    assert {family(name) for name in used} == {family(name) for name in exported_metric_names()}


def test_every_panel_queries_the_datasource_variable():
    """Panels and their queries use ${datasource}, so the dashboard works with any Prometheus it is given."""
    document = json.loads(DASHBOARD.read_text("utf-8"))
    panels = [p for p in document["panels"] if p["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(t["datasource"] == panel["datasource"] for t in panel["targets"]), panel["title"]
    variables = {v["name"]: v for v in document["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"


def test_panel_ids_are_unique():
    """Grafana links to panels by id; two panels with one id would shadow each other."""
    document = json.loads(DASHBOARD.read_text("utf-8"))
    ids = [p["id"] for p in document["panels"]]
    assert len(ids) == len(set(ids))


def test_provisioned_datasource_matches_prometheus():
    """The provisioned datasource is the Prometheus container, with its scrape interval for rate windows."""
    provisioning = GRAFANA_DIR / "provisioning"
    datasource = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text("utf-8"))
    (prometheus,) = datasource["datasources"]
    scrape_interval = yaml.safe_load(PROMETHEUS_CONFIG.read_text("utf-8"))["global"]["scrape_interval"]
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == "http://prometheus:9090"
    assert prometheus["isDefault"] is True
    assert prometheus["jsonData"]["timeInterval"] == scrape_interval
    providers = yaml.safe_load((provisioning / "dashboards" / "ceasefire-watch.yml").read_text("utf-8"))
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"].startswith("/var/lib/grafana/dashboards")
