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

    python -m ceasefire_watch.dev.prism            # build if needed, print the path
    python -m ceasefire_watch.dev.prism --launcher # ... of the die-with-parent wrapper
    python -m ceasefire_watch.dev.prism --path     # print the path, build nothing
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ceasefire_watch.runners import PRISM_VERSION, prism_binary_path, prism_launcher

PRISM_PACKAGE: Final = "github.com/apache/beam/sdks/v2/go/cmd/prism"

# Generous: a cold build on a 2-core machine took ~220 s.
_BUILD_TIMEOUT_S: Final = 1800.0

_LOG = logging.getLogger(__name__)


class PrismBuildError(RuntimeError):
    """Prism could not be built (Go missing, proxy unreachable, compile error)."""


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


def ensure_prism_launcher(cache_dir: Path | None = None) -> Path:
    """Build Prism if needed, then return its die-with-parent launcher (see runners.prism_launcher)."""
    return prism_launcher(ensure_prism(cache_dir))


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
