"""Runner start-up: options a streaming job needs to live for more than five minutes, and where it listens."""

from __future__ import annotations

import os
import platform

import psutil
import pytest
from apache_beam.options.pipeline_options import PortableOptions

from ceasefire_watch import runners
from ceasefire_watch.runners import (
    STREAMING_JOB_SERVER_TIMEOUT_SECONDS,
    WORKER_POOL_HOST,
    loopback_worker_pool,
    new_pipeline,
)


def test_streaming_job_server_deadline_is_years_not_minutes():
    """Beam's 300 s default deadline on the job-state stream is replaced for streaming jobs."""
    options = new_pipeline("fnapi", streaming=True)._options.view_as(PortableOptions)
    assert options.job_server_timeout == STREAMING_JOB_SERVER_TIMEOUT_SECONDS >= 365 * 24 * 3600


def test_a_users_own_job_server_timeout_wins():
    """A --job_server_timeout passed after -- is kept as given."""
    pipeline = new_pipeline("beam-args", streaming=True, beam_args=["--job_server_timeout=60"])
    assert pipeline._options.view_as(PortableOptions).job_server_timeout == 60


def test_batch_jobs_keep_beams_default():
    """Batch jobs end by themselves, so their deadline stays Beam's."""
    assert new_pipeline("fnapi", streaming=False)._options.view_as(PortableOptions).job_server_timeout == 300


def test_the_worker_pool_listens_on_loopback_only():
    """The SDK worker pool Prism is given binds 127.0.0.1, not every interface as Beam's LOOPBACK does."""
    host, _, port = loopback_worker_pool(1 << 20).rpartition(":")
    assert host == WORKER_POOL_HOST == "127.0.0.1"
    listening = [
        connection.laddr.ip
        for connection in psutil.Process().net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == int(port)
    ]
    assert listening
    assert all(ip.removeprefix("::ffff:") == "127.0.0.1" for ip in listening)


def test_prism_jobs_use_the_loopback_worker_pool(monkeypatch, tmp_path):
    """A Prism pipeline runs its SDK harness in the loopback-bound pool (an EXTERNAL environment)."""
    monkeypatch.setattr(runners, "prism_launcher", lambda: tmp_path / "prism")
    options = runners.new_pipeline("prism", streaming=True)._options.view_as(PortableOptions)
    assert options.environment_type == "EXTERNAL"
    assert options.environment_config.startswith("127.0.0.1:")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the threshold is glibc's")
def test_large_buffers_are_returned_to_the_os_on_glibc(monkeypatch):
    """On glibc the mmap threshold and arena count are fixed here and passed on to the job's processes."""
    from ceasefire_watch import memory

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memory.return_large_buffers_to_the_os() is True
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == str(memory.MMAP_THRESHOLD_BYTES)
    assert os.environ["MALLOC_ARENA_MAX"] == str(memory.ARENAS)
