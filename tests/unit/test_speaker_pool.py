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

import psutil
import pytest
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from ceasefire_watch.records import Article
from ceasefire_watch.text.lexicon import candidate_spans
from ceasefire_watch.text.sentences import split_sentences
from ceasefire_watch.transforms.speaker_pool import SpeakerPool, new_attributor, quotes_and_speakers
from ceasefire_watch.transforms.statements import _AttributeSpeakersInPoolFn, _InFlight
from tests.reference import REFERENCE_ARTICLE

SPANS = candidate_spans(split_sentences(REFERENCE_ARTICLE))


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


def test_the_pool_attributes_as_the_workers_own_process_would(pool: SpeakerPool) -> None:
    """Statement spans and speakers from the pool equal those of an attributor in this process."""
    expected = quotes_and_speakers(new_attributor(), REFERENCE_ARTICLE, SPANS)
    assert pool.submit(REFERENCE_ARTICLE, SPANS).result(timeout=120) == expected
    assert any(speaker is not None and speaker.name == "Vladimir Putin" for speaker in expected[1])


def test_an_article_in_flight_when_its_process_dies_is_attributed_again(pool: SpeakerPool) -> None:
    """A process killed under an article breaks the pool; the article is attributed in a fresh one."""
    pool.submit("Warm-up.", [(0, 8)]).result(timeout=120)
    processes = pool_processes()
    assert processes, "the pool started its process"
    in_flight = pool.submit(REFERENCE_ARTICLE, SPANS)
    for process in processes:
        process.send_signal(signal.SIGKILL)
    with pytest.raises(Exception) as broken:
        in_flight.result(timeout=120)
    assert type(broken.value).__name__ == "BrokenProcessPool"
    again = pool.attribute_again(REFERENCE_ARTICLE, SPANS)
    assert again == quotes_and_speakers(new_attributor(), REFERENCE_ARTICLE, SPANS)


def test_pool_processes_exit_when_the_jobs_process_is_killed_outright() -> None:
    """SIGKILL of the process that owns the pool leaves no attribution process behind."""
    script = (
        "from ceasefire_watch.transforms.speaker_pool import SpeakerPool\n"
        "import psutil, time\n"
        "pool = SpeakerPool(2)\n"
        "pool.submit('Warm-up.', [(0, 8)]).result()\n"
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


class _FailingFuture(Future[object]):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.set_exception(error)


def test_an_article_the_pool_raises_on_goes_to_the_failed_output() -> None:
    """The exception of one article becomes that article's failure, in Beam's (element, error) shape."""
    article = Article("a", "u", "t", "A truce.", "s", datetime(2025, 1, 1, tzinfo=UTC), "en")
    candidates = (article, split_sentences(article.text), [(0, 8)])
    fn = _AttributeSpeakersInPoolFn(shared=None, processes=1)  # type: ignore[arg-type]
    item = _InFlight(candidates, _FailingFuture(ValueError("parser choked")), 0, GlobalWindow())
    output = fn._result(item)
    assert isinstance(output, TaggedOutput)
    assert output.tag == "failed"
    assert isinstance(output.value, WindowedValue)
    element, (error_type, error, _) = output.value.value
    assert element is candidates
    assert error_type is ValueError
    assert "parser choked" in error
