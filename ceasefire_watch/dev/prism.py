"""Build and cache Apache Beam's Prism runner (a Go binary), listening on loopback only.

Why build: Beam's ``PrismRunner`` downloads a prebuilt Prism zip from GitHub releases
unless ``--prism_location`` points at a local binary. GitHub is not reachable
from our machines, but the Go module proxy is, so we build Prism once from the
module's source and pass its path as ``--prism_location``.

Why patch: Prism 2.77 has no flag for its listen address, and its job service, which
also carries the workers' Fn API, listens on every interface. The build copies the
module's Go sources out of the module cache, makes that one ``net.Listen`` call use
``PRISM_LISTEN_HOST`` (a checked text substitution that fails when the upstream line
changes) and runs ``go build`` on ``cmd/prism`` there.

The binary lands in ``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch/prism-<ver>-listen-<host>/prism``.
A cold build takes minutes on 2 cores (mostly module downloads and compiling gRPC /
cloud dependencies) and produces a ~66 MB binary; later calls return the cached path
immediately.

CLI::

    python -m ceasefire_watch.dev.prism            # build if needed, print the path
    python -m ceasefire_watch.dev.prism --launcher # ... of the die-with-parent wrapper
    python -m ceasefire_watch.dev.prism --path     # print the path, build nothing
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
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

from ceasefire_watch.runners import PRISM_LISTEN_HOST, PRISM_VERSION, prism_binary_path, prism_launcher

PRISM_MODULE: Final = "github.com/apache/beam/sdks/v2"
PRISM_MAIN_PACKAGE: Final = "./go/cmd/prism"
LISTEN_SOURCE: Final = Path("go/pkg/beam/runners/prism/internal/jobservices/server.go")
UPSTREAM_LISTEN: Final = 'net.Listen("tcp", fmt.Sprintf(":%d", port))'

# Generous: a cold build on a 2-core machine took ~220 s.
_BUILD_TIMEOUT_S: Final = 1800.0

_LOG = logging.getLogger(__name__)


class PrismBuildError(RuntimeError):
    """Prism could not be built (Go missing, proxy unreachable, upstream source changed, compile error)."""


def patch_listen_address(source: str, host: str) -> str:
    """Make the job service listen on ``host`` only; refuse unless the upstream line is there once."""
    if source.count(UPSTREAM_LISTEN) != 1:
        raise PrismBuildError(
            f"{LISTEN_SOURCE} of Prism {PRISM_VERSION} does not contain `{UPSTREAM_LISTEN}` exactly "
            "once: the upstream code changed, so the listen-address patch in "
            "ceasefire_watch/dev/prism.py has to be redone"
        )
    return source.replace(UPSTREAM_LISTEN, f'net.Listen("tcp", net.JoinHostPort("{host}", fmt.Sprint(port)))')


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


def _run_go(go: str, args: list[str], cwd: Path) -> str:
    """Run one go command and return its standard output; a failure raises with the tail of its output."""
    command = " ".join(["go", *args])
    try:
        proc = subprocess.run(
            [go, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_BUILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PrismBuildError(f"`{command}` did not finish within {_BUILD_TIMEOUT_S:.0f} s") from exc
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr + proc.stdout).splitlines()[-40:])
        raise PrismBuildError(
            f"`{command}` failed (exit {proc.returncode}). "
            f"Is the Go module proxy reachable (GOPROXY={os.environ.get('GOPROXY', '')!r})?\n{tail}"
        )
    return proc.stdout


def _patched_sources(go: str, workdir: Path) -> Path:
    """A writable copy of the Beam Go module (go.mod, go.sum, go/) with the listen address patched."""
    download = _run_go(go, ["mod", "download", "-json", f"{PRISM_MODULE}@{PRISM_VERSION}"], cwd=workdir)
    module = Path(json.loads(download)["Dir"])
    sources = workdir / "src"
    # copyfile, not copy2: files in the module cache are read-only.
    shutil.copytree(module / "go", sources / "go", copy_function=shutil.copyfile)
    for name in ("go.mod", "go.sum"):
        shutil.copyfile(module / name, sources / name)
    listen = sources / LISTEN_SOURCE
    listen.write_text(patch_listen_address(listen.read_text(), PRISM_LISTEN_HOST))
    return sources


def ensure_prism(cache_dir: Path | None = None) -> Path:
    """Return the path of a runnable, loopback-only Prism binary, building it once if needed.

    ``cache_dir`` replaces ``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch``.
    The build goes to a temporary directory next to the target and is moved
    into place atomically, under a file lock, so concurrent callers and
    interrupted builds never leave a half-written binary behind.

    Raises:
        PrismBuildError: ``go`` is missing, the upstream source changed, or a go command failed.
    """
    target = prism_binary_path(cache_dir)
    if _is_executable_file(target):
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(target.parent / ".build.lock"):
        if _is_executable_file(target):  # another process built it meanwhile
            return target
        go = _find_go()
        with tempfile.TemporaryDirectory(prefix=".build-", dir=target.parent) as tmp:
            workdir = Path(tmp).resolve()
            _LOG.info(
                "building Prism %s listening on %s (a cold build takes minutes)",
                PRISM_VERSION,
                PRISM_LISTEN_HOST,
            )
            started = time.monotonic()
            sources = _patched_sources(go, workdir)
            built = workdir / "prism"
            # -trimpath: the temporary source path stays out of the build cache's keys, so a rebuild
            # reuses the compiled Beam packages, and out of the binary.
            _run_go(go, ["build", "-trimpath", "-o", str(built), PRISM_MAIN_PACKAGE], cwd=sources)
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
