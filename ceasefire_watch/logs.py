"""Logging: the project's own lines on stderr, and library warnings a user cannot act on dropped.

Only exact, known messages are dropped, where they are logged; every other warning stays.
"""

from __future__ import annotations

import logging
import os
import sys

import structlog

# Logger name, and the start of each message from it that is dropped.
_UNACTIONABLE = {
    "": (
        # Beam's BigQuery stubs, imported by apache_beam.io: the job never talks to BigQuery.
        "apitools not found",
        # RunInference probes memory with a module this platform lacks; the job measures RSS itself.
        "Resource module is not available",
    ),
    # Beam logs the start of its Prism job server as a warning.
    "apache_beam.utils.subprocess_server": ("Really starting service at",),
    # kafka-python times its own event loop; on a loaded machine it warns of slow tasks.
    "kafka.net.selector": ("Task ",),
}
# Loggers of the job's clients, muted once the job is being stopped on purpose. Prism's own lines
# come through the logger named after Beam's job server class, renamed "PrismRunner" on the way.
_SHUTDOWN_NOISE = ("apache_beam", "PrismJobServer", "PrismRunner", "kafka")


class _DropUnactionable(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self._prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._prefixes)


def quiet_library_warnings() -> None:
    """Install the filter on the root logger, where Beam logs these, and silence transformers'
    advice that PyTorch is missing: the runtime needs only its tokenizers."""
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for name, prefixes in _UNACTIONABLE.items():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _DropUnactionable) for existing in logger.filters):
            logger.addFilter(_DropUnactionable(prefixes))


def mute_shutdown_noise() -> None:
    """While a job is cancelled on purpose, the bundles it interrupts fail and its Kafka clients
    lose their broker; Beam and kafka-python log each with a traceback. Those are expected
    (nothing interrupted is committed, so it is read again on restart) and are muted."""
    for name in _SHUTDOWN_NOISE:
        logging.getLogger(name).setLevel(logging.CRITICAL)


_TIMESTAMP = structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=False)


def configure() -> None:
    """The command line's logging: structlog lines on stderr. The standard library's records
    (kafka-python, Beam, the launcher's own warnings) are rendered the same way, with their time
    and logger, so a user can read one log in order; warnings and errors only, as before."""
    quiet_library_warnings()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.dev.ConsoleRenderer(colors=False),
            foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name, _TIMESTAMP],
        )
    )
    logging.basicConfig(handlers=[handler], level=logging.WARNING, force=True)
