"""Keep large messages and broker outages from raising the job's memory for good.

glibc serves large allocations with mmap and gives them back on free, but each time it frees one
it raises its mmap threshold to that size (up to 32 MiB). After one 25 MiB message, buffers of
that size come from the heap instead and stay resident: on Prism the job's RSS rose by 70-140 MiB
per such message and did not come back. A fixed threshold turns that adjustment off, so large
buffers stay on mmap and leave with their message.

glibc also gives each new thread that allocates its own arena, up to eight per core, and keeps
them. The threads Beam and the Kafka clients start while a broker is away then leave a step in
RSS after the first outage. Two arenas are enough for a process that runs Python under one lock.
`benchmarks/soak.py` measures both.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import structlog

log = structlog.get_logger(__name__)

MMAP_THRESHOLD_BYTES = 1024 * 1024
"""Allocations of at least this size are mapped and unmapped on their own."""

ARENAS = 2
"""The most malloc arenas a process of the job keeps."""

_M_MMAP_THRESHOLD = -3  # mallopt's parameter numbers, from glibc's malloc.h
_M_ARENA_MAX = -8


def return_large_buffers_to_the_os() -> bool:
    """Fix glibc's mmap threshold and arena count in this process and in those it starts (SDK
    workers). Returns False where the C library is not glibc, which has neither setting."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD_BYTES))
    os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS))
    library = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(library).mallopt if library else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        log.info("allocator left as it is", reason="not glibc")
        return False
    settings = [mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES), mallopt(_M_ARENA_MAX, ARENAS)]
    return all(settings)  # mallopt returns 1 on success
