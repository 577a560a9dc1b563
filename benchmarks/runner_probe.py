"""Probe how a local Beam runner executes an unbounded splittable DoFn (SDF).

The pipeline mirrors the shape of the ceasefire-watch streaming job::

    Impulse -> TickSource (unbounded SDF, one element every --interval-ms)
            -> Writer            (fused ParDo; logs every element + finish_bundle)
            -> Key/FixedWindows(5 s)/GroupByKey -> log window firings
            -> Key/stateful DoFn (ValueState + event-time timer) -> log timer firings

TickSource claims offsets from ``OffsetRange(0, sys.maxsize)``, advances a
``ManualWatermarkEstimator`` to wall time, registers a bundle-finalizer
callback (where the Kafka source would commit offsets) and self-checkpoints
with ``tracker.defer_remainder()`` after ``--process-budget-s`` so that the
bundle ends, downstream ``finish_bundle`` runs and the finalizer can fire.

Every event is appended as one JSON line to ``<out-dir>/events.jsonl``; at the
end the script prints (and writes ``summary.json``) latency, bundle sizes,
finalizer ordering, window/timer firings and RSS.

Examples::

    python benchmarks/runner_probe.py --runner prism --duration 30
    python benchmarks/runner_probe.py --runner fnapi --duration 30
    python benchmarks/runner_probe.py --runner prism --duration 30 --stop cancel
    python benchmarks/runner_probe.py --runner prism --stop none   # runs until killed

``--stop drain`` (default) makes the source finish its restriction after
``--duration`` seconds, so the pipeline ends by itself (works on both runners);
``--stop cancel`` calls ``PipelineResult.cancel()`` (Prism only: FnApiRunner's
``run()`` blocks); ``--stop none`` never stops (for Ctrl-C / SIGKILL tests).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import ManualWatermarkEstimator
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState
from apache_beam.transforms import userstate, window
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.utils.timestamp import Duration, Timestamp

_LOG = logging.getLogger("runner_probe")

WINDOW_S: Final = 5
NUM_KEYS: Final = 2

# (offset, wall-clock emit time, id of the source bundle that emitted it)
Tick = tuple[int, float, str]


# --------------------------------------------------------------------------- #
# Event log: one JSON object per line, appended atomically (O_APPEND).
# --------------------------------------------------------------------------- #
class EventLog:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, ev: str, **fields: Any) -> None:
        record = {"t": time.time(), "ev": ev, "tid": threading.get_ident(), **fields}
        os.write(self._fd, (json.dumps(record) + "\n").encode())


_LOGS: dict[str, EventLog] = {}
_LOGS_LOCK = threading.Lock()


def _event_log(path: str) -> EventLog:
    with _LOGS_LOCK:
        if path not in _LOGS:
            _LOGS[path] = EventLog(path)
        return _LOGS[path]


# --------------------------------------------------------------------------- #
# Unbounded source SDF
# --------------------------------------------------------------------------- #
class _TickRestrictionProvider(beam.transforms.core.RestrictionProvider):
    def initial_restriction(self, element: float) -> OffsetRange:
        return OffsetRange(0, sys.maxsize)  # type: ignore[no-untyped-call]

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: float, restriction: OffsetRange) -> int:
        return 1

    def truncate(self, element: float, restriction: OffsetRange) -> None:
        return None  # on drain: stop immediately


_TICK_RESTRICTION = beam.DoFn.RestrictionParam(_TickRestrictionProvider())
_TICK_WATERMARK = beam.DoFn.WatermarkEstimatorParam(
    ManualWatermarkEstimator.default_provider()  # type: ignore[no-untyped-call]
)


class TickSourceFn(beam.DoFn):
    """Yields one element every ``interval_s`` forever (or until ``element`` time).

    The input element is the wall-clock time at which to self-drain (0 = never).
    """

    def __init__(
        self,
        log_path: str,
        interval_s: float,
        process_budget_s: float,
        resume_delay_s: float,
    ) -> None:
        self._log_path = log_path
        self._interval_s = interval_s
        self._budget_s = process_budget_s
        self._resume_delay_s = resume_delay_s
        self._bundle = ""

    def setup(self) -> None:
        self._log = _event_log(self._log_path)

    def start_bundle(self) -> None:
        self._bundle = uuid.uuid4().hex[:8]
        self._log.write("sdf_start_bundle", sdf_bundle=self._bundle)

    def finish_bundle(self) -> None:
        self._log.write("sdf_finish_bundle", sdf_bundle=self._bundle)

    @beam.DoFn.unbounded_per_element()  # type: ignore[no-untyped-call,untyped-decorator]
    def process(
        self,
        stop_at: float,
        # NB: BundleFinalizerParam must come before the restriction/watermark
        # params: Beam passes those two as keywords and every other param
        # positionally ("got multiple values for argument 'tracker'").
        finalizer: Any = beam.DoFn.BundleFinalizerParam,
        tracker: Any = _TICK_RESTRICTION,
        wm: Any = _TICK_WATERMARK,
    ) -> Iterator[Any]:
        started = time.monotonic()
        bundle = self._bundle
        first = pos = tracker.current_restriction().start
        claimed = {"last": -1}
        log = self._log
        log.write("sdf_process", sdf_bundle=bundle, start=first, pid=os.getpid())

        def on_finalize() -> None:  # where the Kafka source commits offsets
            log.write("finalize", sdf_bundle=bundle, first=first, last=claimed["last"])

        finalizer.register(on_finalize)
        while True:
            if stop_at and time.time() >= stop_at:
                # Self-drain: claim the rest of the restriction so it is done.
                tracker.try_claim(tracker.current_restriction().stop - 1)
                log.write("sdf_done", sdf_bundle=bundle, last=claimed["last"])
                return
            if not tracker.try_claim(pos):  # runner split us: residual elsewhere
                log.write("sdf_claim_failed", sdf_bundle=bundle, pos=pos)
                return
            now = time.time()
            yield window.TimestampedValue((pos, now, bundle), Timestamp.of(now))
            wm.set_watermark(Timestamp.of(now))
            claimed["last"] = pos
            pos += 1
            if 0 <= self._budget_s <= time.monotonic() - started:
                # Self-checkpoint. NB: on FnAPI runners (Prism, FnApiRunner,
                # Dataflow) a *yielded* ProcessContinuation.resume() is NOT
                # interpreted: it is emitted downstream as an ordinary element.
                # defer_remainder() + return is what ends the bundle.
                log.write("sdf_defer", sdf_bundle=bundle, n=pos - first)
                tracker.defer_remainder(Duration(seconds=self._resume_delay_s))
                return
            time.sleep(self._interval_s)


# --------------------------------------------------------------------------- #
# Downstream DoFns
# --------------------------------------------------------------------------- #
class WriterFn(beam.DoFn):
    """Stands in for the alert writer: logs every element with its latency."""

    def __init__(self, log_path: str, finish_sleep_s: float, fail_at_offset: int) -> None:
        self._log_path = log_path
        self._finish_sleep_s = finish_sleep_s
        self._fail_at_offset = fail_at_offset

    def setup(self) -> None:
        self._log = _event_log(self._log_path)

    def start_bundle(self) -> None:
        self._bundle = uuid.uuid4().hex[:8]
        self._count = 0
        self._sdf_bundles: set[str] = set()

    def process(self, tick: Tick) -> Iterator[Tick]:
        offset, emitted, sdf_bundle = tick
        if offset == self._fail_at_offset:
            self._log.write("writer_raise", off=offset, sdf_bundle=sdf_bundle)
            raise RuntimeError(f"injected writer failure at offset {offset}")
        now = time.time()
        self._count += 1
        self._sdf_bundles.add(sdf_bundle)
        self._log.write(
            "write",
            off=offset,
            lat=now - emitted,
            sdf_bundle=sdf_bundle,
            w_bundle=self._bundle,
        )
        yield tick

    def finish_bundle(self) -> None:
        self._log.write(
            "writer_finish_start",
            w_bundle=self._bundle,
            n=self._count,
            sdf_bundles=sorted(self._sdf_bundles),
        )
        if self._finish_sleep_s > 0:  # e.g. a producer.flush()
            time.sleep(self._finish_sleep_s)
        self._log.write(
            "writer_finish_end",
            w_bundle=self._bundle,
            n=self._count,
            sdf_bundles=sorted(self._sdf_bundles),
        )


class WindowLogFn(beam.DoFn):
    def __init__(self, log_path: str) -> None:
        self._log_path = log_path

    def setup(self) -> None:
        self._log = _event_log(self._log_path)

    def process(
        self,
        kv: tuple[str, Iterable[int]],
        win: Any = beam.DoFn.WindowParam,
    ) -> Iterator[None]:
        key, offsets = kv
        end = float(win.end.micros) / 1e6
        self._log.write(
            "gbk_fire",
            key=key,
            n=len(list(offsets)),
            win_start=float(win.start.micros) / 1e6,
            win_end=end,
            lag=time.time() - end,
        )
        yield None


_COUNT_SPEC = userstate.ReadModifyWriteStateSpec("count", beam.coders.VarIntCoder())
_FLUSH_SPEC = userstate.TimerSpec("flush", TimeDomain.WATERMARK)
_COUNT_STATE = beam.DoFn.StateParam(_COUNT_SPEC)
_FLUSH_TIMER = beam.DoFn.TimerParam(_FLUSH_SPEC)


class StatefulCountFn(beam.DoFn):
    """Per-key count in ValueState, flushed by an event-time timer every 5 s."""

    def __init__(self, log_path: str) -> None:
        self._log_path = log_path

    def setup(self) -> None:
        self._log = _event_log(self._log_path)

    def process(
        self,
        kv: tuple[str, int],
        ts: Any = beam.DoFn.TimestampParam,
        count: Any = _COUNT_STATE,
        flush: Any = _FLUSH_TIMER,
    ) -> Iterator[None]:
        count.write((count.read() or 0) + 1)
        boundary = (int(ts.micros // 1_000_000) // WINDOW_S + 1) * WINDOW_S
        flush.set(Timestamp.of(boundary))
        yield from ()

    @userstate.on_timer(_FLUSH_SPEC)
    def on_flush(
        self,
        key: Any = beam.DoFn.KeyParam,
        fire_ts: Any = beam.DoFn.TimestampParam,
        count: Any = _COUNT_STATE,
    ) -> Iterator[None]:
        fired_at = float(fire_ts.micros) / 1e6
        self._log.write(
            "timer_fire",
            key=key,
            n=count.read() or 0,
            fire_ts=fired_at,
            lag=time.time() - fired_at,
        )
        count.clear()
        yield from ()


def _key_of(tick: Tick) -> tuple[str, int]:
    return (f"k{tick[0] % NUM_KEYS}", tick[0])


# Beam's transform constructors are untyped; typed aliases keep mypy --strict quiet.
_Create: Callable[..., Any] = beam.Create
_ParDo: Callable[..., Any] = beam.ParDo
_Map: Callable[..., Any] = beam.Map
_GroupByKey: Callable[..., Any] = beam.GroupByKey
_Reshuffle: Callable[..., Any] = beam.Reshuffle


def build_pipeline(p: beam.Pipeline, args: argparse.Namespace, log_path: str) -> None:
    stop_at = time.time() + args.duration if args.stop == "drain" else 0.0
    source = TickSourceFn(log_path, args.interval_ms / 1000, args.process_budget_s, args.resume_delay_s)
    ticks = p | "Impulse" >> _Create([stop_at]) | "TickSource" >> _ParDo(source)
    if args.reshuffle_before_writer:  # fusion break: the writer runs in another stage
        ticks = ticks | "Reshuffle" >> _Reshuffle()
    written = ticks | "Writer" >> _ParDo(
        WriterFn(log_path, args.writer_finish_sleep_s, args.writer_fail_at_offset)
    )
    if not args.no_gbk:
        _ = (
            written
            | "KeyForGbk" >> _Map(_key_of)
            | "Fixed5s" >> beam.WindowInto(window.FixedWindows(WINDOW_S))
            | "Gbk" >> _GroupByKey()
            | "LogWindows" >> _ParDo(WindowLogFn(log_path))
        )
    if not args.no_state:
        _ = written | "KeyForState" >> _Map(_key_of) | "StatefulCount" >> _ParDo(StatefulCountFn(log_path))


# --------------------------------------------------------------------------- #
# RSS sampling (this process + its children, e.g. the prism binary)
# --------------------------------------------------------------------------- #
def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return kids


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read().strip()
    except OSError:
        return "?"


class RssSampler(threading.Thread):
    def __init__(self, log: EventLog, period_s: float = 2.0) -> None:
        super().__init__(daemon=True)
        self._log = log
        self._period_s = period_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._stop_event.wait(self._period_s):
            procs = {f"python:{me}": _rss_mib(me)}
            for kid in _children(me):
                procs[f"{_comm(kid)}:{kid}"] = _rss_mib(kid)
            self._log.write("rss", procs=procs)

    def stop(self) -> None:
        self._stop_event.set()


# --------------------------------------------------------------------------- #
# Analysis
# --------------------------------------------------------------------------- #
def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "min": round(min(values), 4),
        "p50": round(_pct(values, 0.5), 4),
        "p95": round(_pct(values, 0.95), 4),
        "max": round(max(values), 4),
        "mean": round(statistics.fmean(values), 4),
    }


def _write_figures(writes: list[dict[str, Any]], t_run: float) -> dict[str, Any]:
    if not writes:
        return {}
    span = writes[-1]["t"] - writes[0]["t"]
    offsets = [w["off"] for w in writes]
    return {
        "first_write_after_run_s": round(writes[0]["t"] - t_run, 2),
        "elements_written": len(writes),
        "write_rate_per_s": round(len(writes) / span, 2) if span > 0 else None,
        "latency_emit_to_write_s": _stats([w["lat"] for w in writes]),
        "gap_between_writes_s": _stats([b["t"] - a["t"] for a, b in pairwise(writes)]),
        "duplicate_offsets": len(offsets) - len(set(offsets)),
    }


def _finalize_figures(by: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Finalizer ordering: finalize(X) against the writer finish_bundle covering X."""
    finish_end_of: dict[str, float] = {}
    for e in by["writer_finish_end"]:
        for b in e["sdf_bundles"]:
            finish_end_of[b] = max(finish_end_of.get(b, 0.0), e["t"])
    sdf_finish_of = {e["sdf_bundle"]: e["t"] for e in by["sdf_finish_bundle"]}
    delays: list[float] = []
    before = 0
    for f in by["finalize"]:
        b = f["sdf_bundle"]
        if b in finish_end_of:
            d = f["t"] - finish_end_of[b]
            delays.append(d)
            if f["t"] < finish_end_of[b]:
                before += 1
    emitted_bundles = set(finish_end_of)
    finalized = {f["sdf_bundle"] for f in by["finalize"]}
    return {
        "callbacks": len(by["finalize"]),
        "sdf_bundles_with_output": len(emitted_bundles),
        "bundles_with_output_not_finalized": len(emitted_bundles - finalized),
        "finalize_before_writer_finish_bundle_end": before,
        "delay_after_writer_finish_bundle_end_s": _stats(delays),
        "same_thread_as_process": sum(
            1
            for f in by["finalize"]
            if any(p["tid"] == f["tid"] and p["sdf_bundle"] == f["sdf_bundle"] for p in by["sdf_process"])
        ),
        "sdf_finish_bundle_seen": len(sdf_finish_of),
    }


def analyse(events: list[dict[str, Any]], t_run: float) -> dict[str, Any]:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by[e["ev"]].append(e)
    out: dict[str, Any] = _write_figures(by["write"], t_run)
    ends = [e for e in by["writer_finish_end"] if e["n"] > 0]
    out["writer_bundles"] = {
        "count": len(by["writer_finish_end"]),
        "nonempty": len(ends),
        "elements_per_bundle": _stats([float(e["n"]) for e in ends]),
        "interval_between_finish_s": _stats([b["t"] - a["t"] for a, b in pairwise(ends)]),
    }
    out["sdf"] = {
        "process_calls": len(by["sdf_process"]),
        "defers": len(by["sdf_defer"]),
        "claim_failed_runner_split": len(by["sdf_claim_failed"]),
        "done": len(by["sdf_done"]),
    }
    out["finalize"] = _finalize_figures(by)
    # Order of the first few bundles, for the report.
    seq: list[str] = []
    for e in events:
        if e["ev"] in (
            "sdf_start_bundle",
            "sdf_process",
            "sdf_defer",
            "sdf_finish_bundle",
            "writer_finish_start",
            "writer_finish_end",
            "finalize",
        ):
            seq.append(e["ev"])
        if len(seq) >= 21:
            break
    out["first_events_order"] = seq
    fires = by["gbk_fire"]
    out["gbk"] = {
        "fires": len(fires),
        "elements": sum(f["n"] for f in fires),
        "lag_after_window_end_s": _stats([f["lag"] for f in fires]),
    }
    timers = by["timer_fire"]
    out["timers"] = {
        "fires": len(timers),
        "elements_counted_in_state": sum(t["n"] for t in timers),
        "lag_after_fire_ts_s": _stats([t["lag"] for t in timers]),
    }
    rss: dict[str, list[float]] = defaultdict(list)
    for e in by["rss"]:
        for name, v in e["procs"].items():
            if v is not None:
                rss[name.split(":")[0]].append(v)
    out["rss_mib"] = {k: {"max": round(max(v), 1), "last": round(v[-1], 1)} for k, v in rss.items()}
    return out


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #
def _resolve_prism(location: str | None) -> str:
    if location:
        return location
    try:
        from ceasefire_watch.dev.prism import ensure_prism_launcher
    except ImportError:  # run as a plain script from the repo root
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from ceasefire_watch.dev.prism import ensure_prism_launcher
    return str(ensure_prism_launcher())


def _options(args: argparse.Namespace) -> PipelineOptions:
    flags = ["--streaming"]
    if args.runner == "prism":
        flags += [
            "--runner=PrismRunner",
            f"--prism_location={_resolve_prism(args.prism_location)}",
            f"--prism_log_level={args.prism_log_level}",
        ]
    elif args.runner == "direct":  # Beam's default runner, exactly as a user gets it
        flags += ["--runner=DirectRunner"]
    return PipelineOptions(flags)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--runner",
        choices=["prism", "fnapi", "direct"],
        required=True,
        help="direct = Beam's default DirectRunner, for comparison",
    )
    ap.add_argument("--duration", type=float, default=30.0, help="seconds to run")
    ap.add_argument("--stop", choices=["drain", "cancel", "none"], default="drain")
    ap.add_argument("--interval-ms", type=float, default=50.0)
    ap.add_argument(
        "--process-budget-s",
        type=float,
        default=1.0,
        help="seconds one process() call runs before defer_remainder(); <0 = never defer",
    )
    ap.add_argument("--resume-delay-s", type=float, default=0.0)
    ap.add_argument("--writer-finish-sleep-s", type=float, default=0.0)
    ap.add_argument(
        "--writer-fail-at-offset",
        type=int,
        default=-1,
        help="the writer raises on this offset (every time it sees it): tests finalize-on-failure",
    )
    ap.add_argument(
        "--reshuffle-before-writer",
        action="store_true",
        help="put a Reshuffle (fusion break) between the source and the writer",
    )
    ap.add_argument("--no-gbk", action="store_true")
    ap.add_argument("--no-state", action="store_true")
    ap.add_argument("--prism-location", default=None, help="default: ensure_prism_launcher()")
    ap.add_argument("--prism-log-level", default="warn", choices=["debug", "info", "warn", "error"])
    ap.add_argument("--out-dir", type=Path, default=None, help="default: a new /tmp dir")
    return ap.parse_args(argv)


def _run(
    args: argparse.Namespace, options: PipelineOptions, log: EventLog, log_path: str, t_run: float
) -> str:
    """Run the pipeline as --stop says; return its final state."""
    if args.runner == "fnapi":
        from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner

        if args.stop == "cancel":
            _LOG.warning("FnApiRunner.run() blocks; cancel is impossible, draining instead")
            args.stop = "drain"
        p = beam.Pipeline(runner=FnApiRunner(), options=options)
        build_pipeline(p, args, log_path)
        result: PipelineResult = p.run()  # blocks until the pipeline is done
        return str(result.state)
    p = beam.Pipeline(options=options)
    build_pipeline(p, args, log_path)
    result = p.run()
    _LOG.info("submitted in %.1f s, state=%s", time.time() - t_run, result.state)
    if args.stop == "cancel":
        time.sleep(args.duration)
        t_cancel = time.time()
        result.cancel()  # type: ignore[no-untyped-call]
        try:
            state = result.wait_until_finish(duration=60_000)  # type: ignore[no-untyped-call]
        except RuntimeError as exc:  # Prism: "Pipeline job-001 failed in state CANCELLED"
            _LOG.info("wait_until_finish after cancel raised: %s", exc)
            state = result.state
        log.write("cancelled", took=time.time() - t_cancel, state=str(state))
        _LOG.info("cancel took %.2f s -> %s", time.time() - t_cancel, state)
    else:
        state = result.wait_until_finish()  # type: ignore[no-untyped-call]
    return str(state)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    out_dir: Path = args.out_dir or Path(f"/tmp/runner_probe-{args.runner}-{int(time.time())}")
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = str(out_dir / "events.jsonl")
    Path(log_path).unlink(missing_ok=True)
    log = _event_log(log_path)
    sampler = RssSampler(log)
    sampler.start()
    options = _options(args)
    _LOG.info("runner=%s out=%s pid=%d", args.runner, out_dir, os.getpid())

    t_run = time.time()
    log.write("run", runner=args.runner)
    try:
        final_state = _run(args, options, log, log_path, t_run)
    except Exception as exc:  # a failed pipeline: still analyse what happened
        _LOG.error("pipeline failed: %s", str(exc).splitlines()[0] if str(exc) else repr(exc))
        final_state = f"FAILED: {type(exc).__name__}"
    t_end = time.time()
    log.write("end", state=final_state)
    sampler.stop()

    events = [json.loads(line) for line in Path(log_path).read_text().splitlines()]
    summary = {
        "runner": args.runner,
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "final_state": final_state,
        "wall_s": round(t_end - t_run, 2),
        # LOOPBACK (Prism's default) runs the SDK harness inside this process.
        "sdk_harness_pids": sorted({e["pid"] for e in events if e["ev"] == "sdf_process"}),
        "launcher_pid": os.getpid(),
        **analyse(events, t_run),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    return 0 if final_state in (PipelineState.DONE, PipelineState.CANCELLED, "DONE", "CANCELLED") else 1


if __name__ == "__main__":
    sys.exit(main())
