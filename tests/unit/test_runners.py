"""Runner start-up: options a streaming job needs to live for more than five minutes."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PortableOptions

from ceasefire_watch.runners import STREAMING_JOB_SERVER_TIMEOUT_SECONDS, new_pipeline


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
