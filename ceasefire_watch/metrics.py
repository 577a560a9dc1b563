"""Every Prometheus metric the pipeline exports, declared in one place with units in the names.

The pipeline's DoFns update these process-wide objects; ``serve`` exposes them over HTTP.
On runners whose workers live in other processes, each worker serves its own copy.
"""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600)
_BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)

ARTICLES_READ = Counter("ceasefire_articles_read", "Messages read from the articles topic.")
PARSE_FAILURES = Counter(
    "ceasefire_parse_failures", "Messages sent to the dead-letter topic, by reason.", ["reason"]
)
STATEMENTS_FOUND = Counter(
    "ceasefire_statements_found", "Candidate ceasefire sentences found by the lexicon."
)
STATEMENTS_OUTSIDE_ARMED_CONFLICT = Counter(
    "ceasefire_statements_outside_armed_conflict",
    "Candidate statements dropped because their article is about no armed conflict (figurative truces).",
)
ALERTS = Counter("ceasefire_alerts", "Alerts written to the alerts topic, by stance.", ["stance"])
CONFLICT_ALERTS = Counter(
    "ceasefire_conflict_alerts",
    "Alerts written to the alerts topic, by the conflict they concern ('unknown' when untagged).",
    ["conflict"],
)
POSITIONS = Counter(
    "ceasefire_positions",
    "Positions written to the positions topic: one per speaker, conflict and article.",
    ["conflict", "stance"],
)
STANCE_SHIFTS = Counter(
    "ceasefire_stance_shifts", "Stance-shift alerts: a speaker's stance on a conflict changed."
)
INFERENCE_BATCH_SIZE = Histogram(
    "ceasefire_inference_batch_size_statements",
    "Statements per model call.",
    buckets=_BATCH_SIZE_BUCKETS,
)
INFERENCE_BATCH_LATENCY = Histogram(
    "ceasefire_inference_batch_latency_seconds",
    "Wall time of one model call, tokenisation included.",
    buckets=_LATENCY_BUCKETS_SECONDS,
)
END_TO_END_LATENCY = Histogram(
    "ceasefire_end_to_end_latency_seconds",
    "From a reference time to the alert's detection; reference is 'published' or 'ingested'.",
    ["reference"],
    buckets=_LATENCY_BUCKETS_SECONDS,
)
CONSUMER_LAG = Gauge(
    "ceasefire_consumer_lag_messages",
    "Messages between the reader's position and the end of each partition.",
    ["topic", "partition"],
)

_serve_lock = threading.Lock()
_serving_on: tuple[str, int] | None = None


class MetricsAddressInUseError(RuntimeError):
    """The exporter's address is taken, most often by another job on the default port."""


def serve(host: str, port: int) -> None:
    """Start the HTTP exporter once per process; later calls are no-ops."""
    global _serving_on
    with _serve_lock:
        if _serving_on is None:
            try:
                start_http_server(port, addr=host)
            except OSError as error:
                raise MetricsAddressInUseError(
                    f"cannot serve metrics on {host}:{port} ({error.strerror}): another job may be using "
                    "it; choose another --metrics-address, or port 0 to serve none"
                ) from error
            _serving_on = (host, port)
