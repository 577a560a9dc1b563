"""Build and cache Apache Beam's Prism runner (a Go binary) from the Go module proxy.

Why: Beam's ``PrismRunner`` downloads a prebuilt Prism zip from GitHub releases
unless ``--prism_location`` points at a local binary. GitHub is not reachable
from our machines, but the Go module proxy is, so we build Prism once with
``go install`` and pass its path as ``--prism_location``.

The binary lands in ``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch/prism-<ver>/prism``.
A cold build takes about 3.5 minutes on 2 cores (mostly module downloads and
compiling gRPC / cloud dependencies) and produces a ~66 MB binary; later calls
return the cached path immediately.

CLI::

    python -m ceasefire_watch.local.prism            # build if needed, print the path
    python -m ceasefire_watch.local.prism --launcher # ... of the die-with-parent wrapper
    python -m ceasefire_watch.local.prism --path     # print the path, build nothing
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = [
    "PRISM_PACKAGE",
    "PRISM_VERSION",
    "PrismBuildError",
    "default_cache_dir",
    "ensure_prism",
    "ensure_prism_launcher",
    "prism_binary_path",
]

# Keep in step with the apache-beam Python SDK version: Prism and the SDK talk
# over the portability protos of the same release.
PRISM_VERSION: Final = "v2.77.0"
PRISM_PACKAGE: Final = "github.com/apache/beam/sdks/v2/go/cmd/prism"

# Generous: a cold build on a 2-core machine took ~220 s.
_BUILD_TIMEOUT_S: Final = 1800.0

_LOG = logging.getLogger(__name__)


class PrismBuildError(RuntimeError):
    """Prism could not be built (Go missing, proxy unreachable, compile error)."""


def default_cache_dir() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch``."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ceasefire-watch"


def prism_binary_path(cache_dir: Path | None = None, version: str = PRISM_VERSION) -> Path:
    """Where the Prism binary for ``version`` lives (whether or not it is built yet)."""
    root = cache_dir if cache_dir is not None else default_cache_dir()
    return root / f"prism-{version}" / "prism"


def _is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Serialise concurrent builds (parallel test workers, two shells)."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _find_go() -> str:
    go = shutil.which("go")
    if go is None:
        raise PrismBuildError(
            "Cannot build the Prism runner: the `go` command was not found on PATH. "
            f"Prism {PRISM_VERSION} needs Go >= 1.26 (its go.mod says `go 1.26.0`). Install Go, "
            "or pass an existing Prism binary to Beam with --prism_location."
        )
    return go


def ensure_prism(cache_dir: Path | None = None) -> Path:
    """Return the path of a runnable Prism binary, building it once if needed.

    ``cache_dir`` replaces ``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch``.
    The build goes to a temporary directory next to the target and is moved
    into place atomically, under a file lock, so concurrent callers and
    interrupted builds never leave a half-written binary behind.

    Raises:
        PrismBuildError: ``go`` is missing or ``go install`` failed.
    """
    target = prism_binary_path(cache_dir)
    if _is_executable_file(target):
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.parent / ".build.lock"):
        if _is_executable_file(target):  # another process built it meanwhile
            return target
        go = _find_go()
        spec = f"{PRISM_PACKAGE}@{PRISM_VERSION}"
        with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as tmp:
            env = dict(os.environ)
            env["GOBIN"] = str(Path(tmp).resolve())  # GOBIN must be absolute
            _LOG.info("building Prism: go install %s (a cold build takes minutes)", spec)
            started = time.monotonic()
            try:
                proc = subprocess.run(
                    [go, "install", spec],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=_BUILD_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise PrismBuildError(
                    f"`go install {spec}` did not finish within {_BUILD_TIMEOUT_S:.0f} s"
                ) from exc
            built = Path(tmp) / "prism"
            if proc.returncode != 0 or not _is_executable_file(built):
                tail = "\n".join(proc.stdout.splitlines()[-40:])
                raise PrismBuildError(
                    f"`go install {spec}` failed (exit {proc.returncode}). "
                    f"Is the Go module proxy reachable (GOPROXY={env.get('GOPROXY', '')!r})?\n"
                    f"{tail}"
                )
            built.replace(target)
        _LOG.info("built Prism in %.0f s: %s", time.monotonic() - started, target)
    return target


def _launcher_script(binary: Path, setpriv: str) -> str:
    return (
        "#!/bin/sh\n"
        "# Generated by ceasefire_watch.local.prism: run Prism with PR_SET_PDEATHSIG so it\n"
        "# dies with the Python process that launched it, even if that one is SIGKILLed.\n"
        f'exec {shlex.quote(setpriv)} --pdeathsig KILL {shlex.quote(str(binary))} "$@"\n'
    )


def ensure_prism_launcher(cache_dir: Path | None = None) -> Path:
    """Like :func:`ensure_prism`, but returns a wrapper that ties Prism's life to its parent.

    Beam starts Prism with a plain ``Popen`` and stops it from ``atexit`` / its
    SIGINT handler. When the launching Python process is SIGKILLed (OOM killer,
    ``kill -9``, a CI timeout), Prism was left running as an orphan in 4 of 10
    trials (~45 MB RSS, holding its port, never exiting by itself). The wrapper
    ``exec``s Prism under ``setpriv --pdeathsig KILL`` (util-linux), which
    prevented that in 4 of 4 trials. Pass the returned path as ``--prism_location``.

    Caveat: the kernel sends the signal when the *thread* that started Prism
    exits. Beam starts it from the thread that calls ``Pipeline.run()``, so run
    pipelines from the main thread or from a thread that outlives the pipeline.

    Falls back to the bare binary (with a warning) when ``setpriv`` is missing.
    """
    binary = ensure_prism(cache_dir)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        _LOG.warning("setpriv not found: Prism may outlive a SIGKILLed launcher")
        return binary
    launcher = binary.with_name("prism-launcher")
    script = _launcher_script(binary, setpriv)
    if not (launcher.is_file() and launcher.read_text() == script and os.access(launcher, os.X_OK)):
        tmp = launcher.with_name(f".prism-launcher.{os.getpid()}")
        tmp.write_text(script)
        tmp.chmod(0o755)
        tmp.replace(launcher)
    return launcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="replaces ${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch",
    )
    parser.add_argument(
        "--launcher",
        action="store_true",
        help="print the setpriv --pdeathsig wrapper instead of the bare binary",
    )
    parser.add_argument(
        "--path",
        action="store_true",
        help="only print where the binary goes; build nothing",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.path:
        print(prism_binary_path(args.cache_dir))
        return 0
    try:
        print(ensure_prism_launcher(args.cache_dir) if args.launcher else ensure_prism(args.cache_dir))
    except PrismBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
