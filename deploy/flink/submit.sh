#!/usr/bin/env bash
# Run the ceasefire-watch streaming job on Apache Flink through Beam's FlinkRunner, with the
# Python SDK worker inside this process (LOOPBACK: no Docker). Runs in the foreground until
# Ctrl-C or SIGTERM, then cancels the Flink job.
#
#   deploy/flink/submit.sh [--master local|HOST:PORT] [--parallelism N]
#                          [--checkpoint-ms 2000] [--beam-arg ARG]... [-- RUN_OPTIONS...]
#
#   --master local      Flink inside the job server JVM (a mini-cluster; nothing else to start)
#   --master HOST:PORT  a running Flink cluster's REST address, e.g. from start-cluster.sh
#   RUN_OPTIONS         options of `ceasefire-watch run` (--brokers, --articles-topic, ...)
#
# Why the Beam flags below:
#   --checkpointing_interval  Flink's portable runner finalises bundles (our reader commits Kafka
#       offsets in the bundle finaliser) only when a checkpoint completes. Without checkpoints
#       alerts flow but the consumer group never commits anything.
#   --finish_bundle_before_checkpointing  otherwise a bundle that is open when a checkpoint
#       starts has its output parked in operator state until the next bundle of that operator,
#       and the one-shot Impulse stage that lists the partitions never gets another bundle: the
#       reader then never starts (seen on a standalone cluster).
# Cancelling from Python does not stop a job on a standalone cluster (Beam's job server only
# stops waiting for it), so on exit this script cancels the job through Flink's REST API.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"

master=local
parallelism=1
checkpoint_ms=2000
beam_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --master) master=$2; shift 2 ;;
    --parallelism) parallelism=$2; shift 2 ;;
    --checkpoint-ms) checkpoint_ms=$2; shift 2 ;;
    --beam-arg) beam_args+=("$2"); shift 2 ;;
    --beam-arg=*) beam_args+=("${1#--beam-arg=}"); shift ;;
    --) shift; break ;;
    *) echo "unknown argument: $1 (options of ceasefire-watch run go after --)" >&2; exit 2 ;;
  esac
done

job_server_jar="$("$here/install.sh")"
job_name="ceasefire-watch-$(date -u +%Y%m%d%H%M%S)-$$"
flink_master="[local]"
if [[ "$master" != local ]]; then
  flink_master="$master"
  curl -sf "http://$master/overview" >/dev/null ||
    { echo "no Flink REST endpoint answers at http://$master (start-cluster.sh?)" >&2; exit 1; }
fi

cancel_flink_job() {
  [[ "$master" != local ]] || return 0
  local ids
  ids="$(curl -sf "http://$master/jobs/overview" | python3 -c '
import json, sys
name = sys.argv[1]
print(" ".join(j["jid"] for j in json.load(sys.stdin)["jobs"]
               if j["name"] == name and j["state"] not in ("FINISHED", "CANCELED", "FAILED")))
' "$job_name" 2>/dev/null || true)"
  for id in $ids; do
    curl -sf -X PATCH "http://$master/jobs/$id?mode=cancel" >/dev/null && echo "cancelled Flink job $id" >&2
  done
}

child=""
on_signal() {
  cancel_flink_job  # first, so the job does not fail and restart once its SDK worker is gone
  [[ -z "$child" ]] || kill -TERM "$child" 2>/dev/null || true
}
trap on_signal INT TERM
trap cancel_flink_job EXIT

cd "$repo"
"$python" -m ceasefire_watch run "$@" --runner beam-args -- \
  --runner=FlinkRunner \
  --flink_master="$flink_master" \
  --flink_version=1.19 \
  --flink_job_server_jar="$job_server_jar" \
  --environment_type=LOOPBACK \
  --parallelism="$parallelism" \
  --checkpointing_interval="$checkpoint_ms" \
  --finish_bundle_before_checkpointing \
  --job_name="$job_name" \
  "${beam_args[@]}" &
child=$!
echo "submitted $job_name (pid $child) to Flink $flink_master, parallelism $parallelism" >&2
status=0
wait "$child" || status=$?
# A trapped signal interrupts the first wait; wait again for the job to wind down.
while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
exit "$status"
