"""Attribution in worker processes, so that a job on one SDK worker uses more than one core.

Attribution (a spaCy parse and the rules over it) is most of the analysis's CPU, and it is Python
under one interpreter lock: Prism gives a pipeline one SDK worker, so without this the job uses
one core however many the machine has. The pool's processes each load their own SpeakerAttributor
and take batches of articles from any bundle thread of the worker (spaCy parses a batch for a
fifth to a quarter less CPU); everything else, with its state
(novelty memory, Kafka clients, metrics), stays in the worker's process.

The processes are forked from a fork server, a fresh interpreter that has already imported spaCy:
forking the SDK worker itself would copy its gRPC threads' locks, and starting each process from
scratch would repeat the import. The worker's own process never imports spaCy.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.quotes import expand_to_quotes

if TYPE_CHECKING:
    from ceasefire_watch.text.speakers import SpeakerAttributor

log = structlog.get_logger(__name__)

Span = tuple[int, int]
Attribution = tuple[list[Span], list[Speaker | None]]
Candidates = tuple[str, Sequence[Span]]
"""An article's text and the spans of its candidate sentences."""


@dataclass(frozen=True)
class AttributionFailed:
    """What an article raised in a pool process, as text: any exception crosses back this way."""

    error: str


def quotes_and_speakers(attributor: SpeakerAttributor, articles: Sequence[Candidates]) -> list[Attribution]:
    """For each article, its candidates widened to whole quotations and the speaker of each."""
    texts = [text for text, _ in articles]
    statement_spans = [expand_to_quotes(text, spans) for text, spans in articles]
    speakers = attributor.attribute_all(list(zip(texts, statement_spans, strict=True)))
    return list(zip(statement_spans, speakers, strict=True))


_process_attributor: SpeakerAttributor | None = None


def new_attributor() -> SpeakerAttributor:
    """A SpeakerAttributor, imported only here: spaCy takes 100-600 MiB (with torch, where it is
    installed), which a process that only hands articles to the pool should not hold."""
    from ceasefire_watch.text.speakers import SpeakerAttributor

    return SpeakerAttributor()


def _ready() -> None:
    """A task that only makes the pool start a process (each submission beyond the idle ones does)."""


def _wait_for_exit(pid: int) -> None:
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd (not Linux, or a kernel before 5.3): poll
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(1)
    select.select([descriptor], [], [])


def _exit_with(pid: int) -> None:
    """Pool processes are children of the fork server, not of the job's process, and nothing would
    stop them when the job is killed outright (SIGKILL, out of memory): each follows it out."""

    def follow() -> None:
        _wait_for_exit(pid)
        os._exit(0)

    threading.Thread(target=follow, name="exit-with-job", daemon=True).start()


def _start_process(job_pid: int) -> None:
    global _process_attributor
    _exit_with(job_pid)
    _process_attributor = new_attributor()


def _attribute_in_process(articles: Sequence[Candidates]) -> list[Attribution | AttributionFailed]:
    """A batch parsed together; if it raises, each article alone, so one bad article fails alone."""
    assert _process_attributor is not None, "the pool's initializer loads it"
    try:
        return list(quotes_and_speakers(_process_attributor, articles))
    except Exception:  # find which article it was
        return [_attribute_alone(_process_attributor, article) for article in articles]


def _attribute_alone(attributor: SpeakerAttributor, article: Candidates) -> Attribution | AttributionFailed:
    try:
        return quotes_and_speakers(attributor, [article])[0]
    except Exception as error:  # whatever it raised is this article's dead letter
        return AttributionFailed(repr(error))


STUCK_AFTER_SECONDS = 120.0
"""A batch or article not attributed this long after its bundle thread starts waiting for it is
taken to be stuck (a rule looping on some article): its processes are killed. A batch of eight
takes about a second, or a few behind the other batches in flight."""


class SpeakerPool:
    """A pool of attribution processes, shared by every bundle thread of one SDK worker.

    A process that dies (killed, out of memory, a crash in native code) breaks the whole pool, and
    every article in flight with it; a process that is stuck is killed, with the same effect. Each
    such article is then attributed again alone (``attribute_again``), so only an article that
    kills or blocks its process a second time is lost to the dead letters.
    """

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._lock = threading.Lock()
        self._executor = self._start()
        atexit.register(self.shutdown)  # before interpreter teardown, which the executor's cleanup trips on

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "ceasefire_watch.text.speakers"])
        log.info("attribution processes starting", processes=self._processes)
        executor = ProcessPoolExecutor(
            self._processes, mp_context=context, initializer=_start_process, initargs=(os.getpid(),)
        )
        for _ in range(self._processes):  # start them all now: loading spaCy's model takes a second or two
            executor.submit(_ready)
        return executor

    def submit(self, articles: Sequence[Candidates]) -> Future[list[Attribution | AttributionFailed]]:
        """The articles' attributions, in their order, from one process that parses them together."""
        batch = [(text, list(spans)) for text, spans in articles]
        with self._lock:
            try:
                return self._executor.submit(_attribute_in_process, batch)
            except BrokenProcessPool:  # a process died since the last batch
                self._replace()
                return self._executor.submit(_attribute_in_process, batch)

    def attribute_again(
        self, article: Candidates, stuck_after_seconds: float = STUCK_AFTER_SECONDS
    ) -> Attribution | AttributionFailed:
        """For an article of a batch whose process died or got stuck: once more, alone, in a fresh
        pool if the pool is broken. Raises BrokenProcessPool if this article breaks it again."""
        text, _ = article
        future = self.submit([article])
        try:
            return future.result(timeout=stuck_after_seconds)[0]
        except TimeoutError:
            log.warning("an article kept an attribution process busy too long", characters=len(text))
            self.kill_processes()
            return AttributionFailed(f"attribution took longer than {stuck_after_seconds:.0f} s")
        except BrokenProcessPool:
            log.warning("an attribution process died twice on one article", characters=len(text))
            raise

    def kill_processes(self) -> None:
        """Stop every process now, stuck ones too, and start a fresh pool: what they held fails with
        BrokenProcessPool."""
        with self._lock:
            self._replace()

    def _replace(self) -> None:
        # ProcessPoolExecutor has no public way to stop a busy worker before Python 3.14.
        for process in list(self._executor._processes.values()):
            process.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._start()

    def shutdown(self) -> None:
        with self._lock:
            self._executor.shutdown(wait=True, cancel_futures=True)
