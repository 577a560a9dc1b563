#!/usr/bin/env bash
# Build (once) and print the path of the Apache Beam Prism runner binary.
# Thin wrapper around `python -m ceasefire_watch.dev.prism`; see that module.
#   scripts/build_prism.sh              # build if needed, print the path
#   scripts/build_prism.sh --path       # print the path only
#   scripts/build_prism.sh --cache-dir DIR
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo_root/.venv/bin/python" ]]; then
    python="$repo_root/.venv/bin/python"
  else
    python="python3"
  fi
fi
cd "$repo_root"
exec "$python" -m ceasefire_watch.dev.prism "$@"
