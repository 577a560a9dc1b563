#!/usr/bin/env bash
# Stop the local Flink cluster that start-cluster.sh started: cancel its jobs, then stop the
# TaskManager and the JobManager by their recorded pids (SIGTERM, SIGKILL after 20 s).
#
#   deploy/flink/stop-cluster.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="$("$here/install.sh" --home)"
cluster="${FLINK_CLUSTER_DIR:-$home/cluster}"

port="$(sed -n 's/^rest.port: //p' "$cluster/conf/flink-conf.yaml" 2>/dev/null || true)"
if [[ -n "$port" ]] && jobs="$(curl -sf "http://localhost:$port/jobs" 2>/dev/null)"; then
  for job in $(python3 -c 'import json,sys; print(" ".join(j["id"] for j in json.load(sys.stdin)["jobs"]
      if j["status"] not in ("FINISHED", "CANCELED", "FAILED")))' <<<"$jobs"); do
    curl -sf -X PATCH "http://localhost:$port/jobs/$job?mode=cancel" >/dev/null && echo "cancelled job $job" >&2
  done
fi

stop() {
  local role=$1 pid
  [[ -f "$cluster/$role.pid" ]] || return 0
  pid="$(cat "$cluster/$role.pid")"
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stopped the $role (pid $pid)" >&2
  fi
  rm -f "$cluster/$role.pid"
}

stop taskmanager
stop jobmanager
