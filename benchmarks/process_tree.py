"""CPU time and memory of a process and everything it started (the job's driver, SDK worker and
Prism; or the plain loop), as the operating system accounts them."""

from __future__ import annotations

import threading
import time

import psutil


def _tree(root: psutil.Process) -> list[psutil.Process]:
    return [root, *root.children(recursive=True)]


class ProcessTree(threading.Thread):
    """Samples the summed RSS of the tree every 0.2 s, keeping the peak; reads its CPU on demand."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_rss_bytes = 0
        self._running = True

    def run(self) -> None:
        while self._running:
            try:
                rss = sum(process.memory_info().rss for process in _tree(self.root))
                self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def stop(self) -> None:
        self._running = False

    def cpu_seconds(self) -> float:
        """User plus system time of every live process in the tree and of the children each has
        reaped, so short-lived helpers count too."""
        total = 0.0
        for process in _tree(self.root):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system + times.children_user + times.children_system
        return total
