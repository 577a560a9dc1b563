"""SpeakerPool: attribution in worker processes gives the worker's own answers and survives them dying."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from ceasefire_watch.config import usable_cores
from ceasefire_watch.records import Article
from ceasefire_watch.text.lexicon import candidate_spans
from ceasefire_watch.text.sentences import split_sentences
from ceasefire_watch.text.speakers import SpeakerAttributor
from ceasefire_watch.transforms import speaker_pool
from ceasefire_watch.transforms.speaker_pool import (
    AttributionFailed,
    Candidates,
    SpeakerPool,
    new_attributor,
    quotes_and_speakers,
)
from ceasefire_watch.transforms.statements import _AttributeSpeakersInPoolFn, _Batch, _Waiting
from tests.reference import REFERENCE_ARTICLE

SPANS = candidate_spans(split_sentences(REFERENCE_ARTICLE))
SECOND = "A truce began on Monday, the army said in a statement. Residents said the guns fell silent."
SECOND_SPANS = candidate_spans(split_sentences(SECOND))


@pytest.fixture(scope="module")
def attributor() -> SpeakerAttributor:
    return new_attributor()


@pytest.fixture(scope="module")
def pool() -> Iterator[SpeakerPool]:
    speaker_pool = SpeakerPool(1)
    yield speaker_pool
    speaker_pool.shutdown()


def pool_processes() -> list[psutil.Process]:
    """The attribution processes: children of this test process's fork server."""
    return [
        process
        for child in psutil.Process().children()
        if "forkserver" in " ".join(child.cmdline())
        for process in child.children()
    ]


def test_the_pool_attributes_a_batch_as_the_workers_own_process_would_one_by_one(
    pool: SpeakerPool, attributor: SpeakerAttributor
) -> None:
    """Statement spans and speakers of a batch from the pool equal those of each article alone here."""
    batch = [(REFERENCE_ARTICLE, SPANS), (SECOND, SECOND_SPANS)]
    expected = [quotes_and_speakers(attributor, [article])[0] for article in batch]
    assert pool.submit(batch).result(timeout=120) == expected
    assert any(speaker is not None and speaker.name == "Vladimir Putin" for speaker in expected[0][1])


def test_an_article_in_flight_when_its_process_dies_is_attributed_again(pool: SpeakerPool) -> None:
    """A process killed under an article breaks the pool; the article is attributed in a fresh one."""
    pool.submit([("Warm-up.", [(0, 8)])]).result(timeout=120)
    processes = pool_processes()
    assert processes, "the pool started its process"
    in_flight = pool.submit([(REFERENCE_ARTICLE, SPANS)])
    for process in processes:
        process.send_signal(signal.SIGKILL)
    with pytest.raises(Exception) as broken:
        in_flight.result(timeout=120)
    assert type(broken.value).__name__ == "BrokenProcessPool"
    again = pool.attribute_again((REFERENCE_ARTICLE, SPANS))
    assert again == quotes_and_speakers(new_attributor(), [(REFERENCE_ARTICLE, SPANS)])[0]


def test_a_batch_submitted_to_a_broken_pool_goes_to_a_fresh_one(pool: SpeakerPool) -> None:
    """A process that died while the pool was idle does not fail the next batch."""
    pool.submit([("Warm-up.", [(0, 8)])]).result(timeout=120)
    for process in pool_processes():
        process.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not pool._executor._broken and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pool._executor._broken, "the pool noticed its process died"
    fresh = pool.submit([(SECOND, SECOND_SPANS)]).result(timeout=120)
    assert fresh == quotes_and_speakers(new_attributor(), [(SECOND, SECOND_SPANS)])


def test_pool_processes_exit_when_the_jobs_process_is_killed_outright() -> None:
    """SIGKILL of the process that owns the pool leaves no attribution process behind."""
    script = (
        "from ceasefire_watch.transforms.speaker_pool import SpeakerPool\n"
        "import psutil, time\n"
        "pool = SpeakerPool(2)\n"
        "pool.submit([('Warm-up.', [(0, 8)])]).result()\n"
        "server = [c for c in psutil.Process().children() if 'forkserver' in ' '.join(c.cmdline())][0]\n"
        "print('pool', *(p.pid for p in server.children()), flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    line = next(line for line in owner.stdout if line.startswith("pool "))
    pids = [int(pid) for pid in line.split()[1:]]
    assert pids
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(psutil.pid_exists(pid) for pid in pids):
        time.sleep(0.2)
    assert not any(psutil.pid_exists(pid) for pid in pids)


class _RaisingOnMarker:
    """An attributor that raises on any batch holding a text with BOOM in it, else the real one's answers."""

    def __init__(self, real: SpeakerAttributor) -> None:
        self._real = real

    def attribute_all(self, articles: list[Candidates]) -> list[object]:
        if any("BOOM" in text for text, _ in articles):
            raise ValueError("parser choked")
        return self._real.attribute_all(articles)


def test_an_article_that_raises_in_a_batch_fails_alone(
    monkeypatch: pytest.MonkeyPatch, attributor: SpeakerAttributor
) -> None:
    """When a batch raises, each article is attributed alone: only the raising one fails, with the error."""
    monkeypatch.setattr(speaker_pool, "_process_attributor", _RaisingOnMarker(attributor))
    results = speaker_pool._attribute_in_process([(SECOND, SECOND_SPANS), ("BOOM. A truce.", [(6, 14)])])
    assert results[0] == quotes_and_speakers(attributor, [(SECOND, SECOND_SPANS)])[0]
    assert isinstance(results[1], AttributionFailed)
    assert "parser choked" in results[1].error


def test_a_failed_article_goes_to_the_failed_output_in_beams_shape() -> None:
    """An article the pool failed on becomes (element, (type, error, traceback)) on the failed output."""
    article = Article("a", "u", "t", "A truce.", "s", datetime(2025, 1, 1, tzinfo=UTC), "en")
    candidates = (article, split_sentences(article.text), [(0, 8)])
    failed: Future[list[object]] = Future()
    failed.set_result([AttributionFailed("ValueError('parser choked')")])
    fn = _AttributeSpeakersInPoolFn(shared=None, processes=1)  # type: ignore[arg-type]
    batch = _Batch([_Waiting(candidates, 0, GlobalWindow())], failed)  # type: ignore[arg-type]
    (output,) = list(fn._results(batch))
    assert isinstance(output, TaggedOutput)
    assert output.tag == "failed"
    assert isinstance(output.value, WindowedValue)
    element, (_, error, _) = output.value.value
    assert element is candidates
    assert "parser choked" in error


@pytest.mark.parametrize(
    ("cpu_max", "cap"),
    [("150000 100000", 2), ("50000 100000", 1), ("max 100000", None), (None, None)],
)
def test_the_pool_size_follows_a_containers_cpu_limit(
    tmp_path: Path, cpu_max: str | None, cap: int | None
) -> None:
    """A cgroup CPU quota caps the default pool size (rounded up); no quota or no file leaves the affinity."""
    path = tmp_path / "cpu.max"
    if cpu_max is not None:
        path.write_text(f"{cpu_max}\n")
    affinity = len(os.sched_getaffinity(0))
    assert usable_cores(path) == (min(affinity, cap) if cap else affinity)


def test_an_article_stuck_behind_a_busy_process_fails_and_the_pool_recovers(pool: SpeakerPool) -> None:
    """An article not attributed in time fails with the time limit; the busy process is killed and
    the next article is attributed by a fresh one."""
    pool.submit([("Warm-up.", [(0, 8)])]).result(timeout=120)
    pool._executor.submit(time.sleep, 600)  # a process blocked, as a rule looping on an article would
    started = time.monotonic()
    stuck = pool.attribute_again((REFERENCE_ARTICLE, SPANS), stuck_after_seconds=2)
    assert isinstance(stuck, AttributionFailed)
    assert "longer than 2 s" in stuck.error
    assert time.monotonic() - started < 60
    assert (
        pool.submit([(SECOND, SECOND_SPANS)]).result(timeout=120)[0]
        == quotes_and_speakers(new_attributor(), [(SECOND, SECOND_SPANS)])[0]
    )
