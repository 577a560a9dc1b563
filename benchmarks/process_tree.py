"""CPU time and memory of a process and everything it started (the job's driver, SDK worker and
Prism; or the plain loop), as the operating system accounts them."""

from __future__ import annotations

import contextlib
import itertools
import threading
import time

import psutil


def _tree(root: psutil.Process) -> list[psutil.Process]:
    return [root, *root.children(recursive=True)]


PSS_EVERY_SAMPLES = 5
"""PSS is read once a second, not at every RSS sample: the kernel walks each process's page tables
for it, and every 0.2 s that cost the benchmark more CPU than the job's Prism runner used."""


class ProcessTree(threading.Thread):
    """Samples the summed RSS of the tree every 0.2 s and its PSS every second, keeping the peaks;
    reads its CPU on demand. RSS counts a page shared by several processes (a fork server's spaCy,
    copied on write into its children) once in each; PSS divides it among them, so its sum is the
    tree's real use."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_rss_bytes = 0
        self.peak_rss_by_process: dict[str, int] = {}
        """Each process's RSS at the moment of the peak, by "pid name": which one holds it."""
        self.peak_pss_bytes = 0
        self._running = True

    def run(self) -> None:
        for sample in itertools.count():
            if not self._running:
                return
            with contextlib.suppress(psutil.Error):
                by_process = self.rss_by_process()
                if sum(by_process.values()) > self.peak_rss_bytes:
                    self.peak_rss_bytes = sum(by_process.values())
                    self.peak_rss_by_process = by_process
                if sample % PSS_EVERY_SAMPLES == 0:
                    self.peak_pss_bytes = max(self.peak_pss_bytes, self.pss_bytes())
            time.sleep(0.2)

    def rss_by_process(self) -> dict[str, int]:
        """The resident memory of each process of the tree now, by "pid name"."""
        return {f"{process.pid} {process.name()}": process.memory_info().rss for process in _tree(self.root)}

    def pss_bytes(self) -> int:
        """The summed proportional set size of the tree now (Linux; 0 where the platform has none)."""
        total = 0
        for process in _tree(self.root):
            with contextlib.suppress(psutil.Error, AttributeError):
                total += process.memory_full_info().pss
        return total

    def rss_bytes(self) -> int:
        """The summed resident memory of the tree now."""
        return sum(self.rss_by_process().values())

    def stop(self) -> None:
        self._running = False

    def cpu_seconds(self) -> float:
        """User plus system time of every live process in the tree and of the children each has
        reaped, so short-lived helpers count too."""
        return sum(self.cpu_seconds_by_process().values())

    def cpu_seconds_by_process(self) -> dict[str, float]:
        """Each live process's user plus system time, its reaped children's included, by "pid name":
        which process a run's CPU went to."""
        by_process = {}
        for process in _tree(self.root):
            try:
                times = process.cpu_times()
                name = f"{process.pid} {process.name()}"
            except psutil.Error:
                continue
            by_process[name] = times.user + times.system + times.children_user + times.children_system
        return by_process
