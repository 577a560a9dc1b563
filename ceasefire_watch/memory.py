"""Keep one large Kafka message from raising the job's memory for good.

glibc serves large allocations with mmap and gives them back on free, but each time it frees one
it raises its mmap threshold to that size (up to 32 MiB). After one 25 MiB message, buffers of
that size come from the heap instead and stay resident: on Prism the job's RSS rose by 70-140 MiB
per such message and did not come back. A fixed threshold turns that adjustment off, so large
buffers stay on mmap and leave with their message (`benchmarks/soak.py` shows the effect).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import structlog

log = structlog.get_logger(__name__)

MMAP_THRESHOLD_BYTES = 1024 * 1024
"""Allocations of at least this size are mapped and unmapped on their own."""

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def return_large_buffers_to_the_os() -> bool:
    """Fix glibc's mmap threshold in this process and in the processes it starts (SDK workers).

    Returns False where the C library is not glibc, which has no such adjustment to turn off."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD_BYTES))
    library = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(library).mallopt if library else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        log.info("allocator left as it is", reason="not glibc")
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
