"""A real Prometheus scrapes the real streaming job; every dashboard query and alert rule runs against it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from tests.deploy.artifacts import (
    JOB,
    PROMETHEUS_CONFIG,
    PROMETHEUS_DIR,
    alerting_rules,
    dashboard_queries,
)
from tests.integration.harness import (
    SAMPLES,
    Topics,
    free_port,
    kill_job,
    sample_articles,
    start_job,
    wait_for_commits,
)

pytestmark = pytest.mark.integration

# Grafana fills these in before it sends a query; Prometheus would reject the `$`.
GRAFANA_VARIABLES = {"$__rate_interval": "1m"}
# With the sample articles processed, which rule expressions must be empty (not firing). The
# dead-letter rate and the latency p99 depend on scrape timing and machine speed: only evaluated.
QUIET_RULES = {"CeasefireWatchDown", "CeasefireWatchNoArticlesRead", "CeasefireWatchConsumerLagGrowing"}
DATA_TIMEOUT_S = 150


class Prometheus:
    """A Prometheus server from the Debian package, on its own port and storage."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params: str) -> Any:
        """The `data` of an API answer; an error answer fails the test with Prometheus' message."""
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        assert body["status"] == "success", f"{params}: {body.get('errorType')}: {body.get('error')}"
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector (or scalar) as Prometheus returns it."""
        data = self.get("/api/v1/query", query=expr)
        return data["result"] if data["resultType"] == "vector" else [data["result"]]

    def wait_for(self, expr: str, what: str, timeout_s: float = DATA_TIMEOUT_S) -> list[dict[str, Any]]:
        """Poll a query until it returns data; fails the test on a query error or when time runs out."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = self.query(expr)
            if result:
                return result
            assert time.monotonic() < deadline, f"no data after {timeout_s:.0f} s for {what}: {expr}"
            time.sleep(1)

    def rule_health(self, timeout_s: float = 30) -> dict[str, tuple[str, str]]:
        """(health, last error) of every alerting rule, once Prometheus has evaluated each of them."""
        deadline = time.monotonic() + timeout_s
        while True:
            groups = self.get("/api/v1/rules", type="alert")["groups"]
            states = {r["name"]: (r["health"], r.get("lastError", "")) for g in groups for r in g["rules"]}
            if states and all(health != "unknown" for health, _ in states.values()):
                return states
            assert time.monotonic() < deadline, f"rules not evaluated: {states}"
            time.sleep(1)


def prometheus_config(metrics_port: int) -> dict[str, Any]:
    """The committed config, scraping the test's job every second and evaluating the committed rules."""
    config: dict[str, Any] = yaml.safe_load(PROMETHEUS_CONFIG.read_text("utf-8"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config["rule_files"]]
    (job,) = [c for c in config["scrape_configs"] if c["job_name"] == JOB]
    job["static_configs"] = [{"targets": [f"127.0.0.1:{metrics_port}"]}]
    return config


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[Prometheus, int]]:
    """A running Prometheus and the metrics port it scrapes (nothing listens there yet)."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: run scripts/install_prometheus.sh (part of `make setup`)")
    metrics_port, port = free_port(), free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(metrics_port)), "utf-8")
    log_path = tmp_path / "prometheus.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        client = Prometheus(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{client.url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "Prometheus did not become ready"
            time.sleep(0.3)
        yield client, metrics_port
    finally:
        server.terminate()
        server.wait(timeout=30)


def grafana_expr(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable the test does not know: {expr}"
    return expr


def test_dashboard_and_rules_work_on_real_metrics(kafka_bootstrap, unique_topic_prefix, tmp_path, prometheus):
    """After the samples and malformed messages, every panel query has data and every rule evaluates."""
    server, metrics_port = prometheus
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix)
    group = f"{unique_topic_prefix}group"
    articles = sample_articles()
    malformed = json.loads((SAMPLES / "malformed.json").read_text("utf-8"))
    reasons = {re.search(r"reason: (\w+)", item["description"]).group(1) for item in malformed}
    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job.log", metrics_port)
    try:
        # Publish only once Prometheus scrapes the job, so it sees every counter start from zero.
        server.wait_for(f'up{{job="{JOB}"}} == 1', "the job's exporter", timeout_s=90)
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        publish(kafka, topics.articles, ((str(a["id"]).encode(), json.dumps(a).encode()) for a in articles))
        publish(kafka, topics.articles, ((None, item["payload"].encode()) for item in malformed))
        total = len(articles) + len(malformed)
        server.wait_for(f"sum(ceasefire_articles_read_total) == {total}", "every message read")
        # Offsets are committed after the whole bundle, alerts written: then two more scrapes, so
        # every series has the final values and at least two samples for rate().
        assert wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=90), "offsets committed"
        processed_at = time.time()
        server.wait_for(f'timestamp(up{{job="{JOB}"}}) > {processed_at + 2}', "two scrapes after processing")

        queries = dashboard_queries()
        assert len(queries) >= 10
        for query in queries:
            result = server.query(grafana_expr(query.expr))
            assert result, f"no data for panel {query.panel!r} query {query.ref_id}: {query.expr}"
            if "by (reason)" in query.expr:
                assert {sample["metric"]["reason"] for sample in result} == reasons

        # Prometheus evaluates the rule file itself: every rule must have run without an error.
        assert server.rule_health() == {rule["alert"]: ("ok", "") for rule in alerting_rules()}
        # And each expression evaluates on demand; the ones that must stay quiet return nothing.
        for rule in alerting_rules():
            result = server.query(rule["expr"])
            if rule["alert"] in QUIET_RULES:
                assert result == [], (rule["alert"], result)
    except AssertionError as failure:
        log = (tmp_path / "job.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{failure}\n--- job log (end) ---\n{log}") from None
    finally:
        kill_job(job)
