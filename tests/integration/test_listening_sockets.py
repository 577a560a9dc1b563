"""Where a running streaming job listens: on loopback only, the Prism runner included."""

from __future__ import annotations

import contextlib
import ipaddress
import json

import psutil
import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from tests.integration.harness import Topics, collect, free_port, kill_job, sample_articles, start_job

pytestmark = pytest.mark.integration


def listening_sockets(pid: int) -> list[tuple[str, str, int]]:
    """(process name, address, port) of every listening TCP socket of a process and its descendants."""
    root = psutil.Process(pid)
    found = []
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            found += [
                (process.name(), connection.laddr.ip, connection.laddr.port)
                for connection in process.net_connections(kind="tcp")
                if connection.status == psutil.CONN_LISTEN
            ]
    return found


def is_loopback(address: str) -> bool:
    return ipaddress.ip_address(address.removeprefix("::ffff:")).is_loopback


def test_every_socket_of_a_running_prism_job_listens_on_loopback_only(
    kafka_bootstrap, unique_topic_prefix, tmp_path
):
    """While a job streams on Prism, every listening socket of its processes, Prism's too, is on loopback."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix)
    article = sample_articles()[0]
    metrics_port = free_port()
    log = tmp_path / "job.log"
    job = start_job(kafka_bootstrap, topics, f"{unique_topic_prefix}group", log, metrics_port)
    try:
        publish(
            KafkaSettings(bootstrap_servers=kafka_bootstrap),
            topics.articles,
            [(article["id"].encode(), json.dumps(article).encode())],
        )
        assert collect(kafka_bootstrap, topics.alerts, until=1, timeout_s=120), log.read_text()[-3000:]
        sockets = listening_sockets(job.pid)
    finally:
        kill_job(job)

    assert "prism" in {name for name, _, _ in sockets}, sockets
    assert metrics_port in {port for _, _, port in sockets}, sockets
    assert all(is_loopback(address) for _, address, _ in sockets), sockets
