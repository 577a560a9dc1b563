#!/usr/bin/env bash
# Local single-node Kafka broker (KRaft) for the demo and tests.
#   scripts/kafka.sh install                          fetch the jars into ~/.cache (once)
#   scripts/kafka.sh start [--port P] [--data-dir D]  run in the foreground; prints host:port
# See ceasefire_watch/dev/kafka.py. Set PYTHON to use another interpreter.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-$repo/.venv/bin/python}" -m ceasefire_watch.dev.kafka "$@"
