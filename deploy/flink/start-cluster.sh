#!/usr/bin/env bash
# Start a local Apache Flink 1.19 session cluster (one JobManager, one TaskManager) from the
# jars that install.sh fetched, without a Flink distribution: Maven Central does not serve
# flink-dist, so this does what Flink's own bin/ scripts do (BashJavaUtils computes the JVM
# memory flags) with plain `java` processes.
#
#   deploy/flink/start-cluster.sh [--port 8081] [--slots 2] [--taskmanager-memory 2048m]
#
# Prints the REST address (use it as --flink_master). State, logs and pids go to
# $FLINK_CLUSTER_DIR (default: <install folder>/cluster). Stop it with stop-cluster.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port=8081
slots=2
taskmanager_memory=2048m
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --slots) slots=$2; shift 2 ;;
    --taskmanager-memory) taskmanager_memory=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

"$here/install.sh" >/dev/null
home="$("$here/install.sh" --home)"
cluster="${FLINK_CLUSTER_DIR:-$home/cluster}"
classpath="$home/lib/*"
mkdir -p "$cluster/conf" "$cluster/log"

for role in jobmanager taskmanager; do
  if [[ -f "$cluster/$role.pid" ]] && kill -0 "$(cat "$cluster/$role.pid")" 2>/dev/null; then
    echo "a $role is already running (pid $(cat "$cluster/$role.pid")); run stop-cluster.sh first" >&2
    exit 1
  fi
done
if curl -sf "http://localhost:$port/overview" >/dev/null 2>&1; then
  echo "port $port already answers like a Flink REST endpoint; choose another --port" >&2
  exit 1
fi

# The JobManager's RPC port is internal: any free one, so that two clusters can coexist.
rpc_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# Everything binds to localhost: the SDK workers (LOOPBACK) run in the submitting process.
cat >"$cluster/conf/flink-conf.yaml" <<EOF
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: localhost
taskmanager.bind-host: localhost
taskmanager.host: localhost
rest.address: localhost
rest.bind-address: localhost
rest.port: $port
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: $taskmanager_memory
taskmanager.memory.managed.fraction: 0.1
taskmanager.numberOfTaskSlots: $slots
parallelism.default: 1
web.tmpdir: $cluster/web
io.tmp.dirs: $cluster/tmp
blob.storage.directory: $cluster/blob
EOF

# BashJavaUtils prints two result lines: the JVM flags, then -D properties for the process.
memory_flags() {
  java -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" \
    --configDir "$cluster/conf" 2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

start() {
  local role=$1 main_class=$2 params=$3 flags jvm dynamic
  flags="$(memory_flags "$params")"
  jvm="$(sed -n 1p <<<"$flags")"
  dynamic="$(sed -n 2p <<<"$flags")"
  [[ -n "$jvm" ]] || { echo "could not compute the $role memory settings" >&2; exit 1; }
  # shellcheck disable=SC2086 # the flags are space-separated words by design
  setsid nohup java $jvm -cp "$classpath" "$main_class" --configDir "$cluster/conf" $dynamic \
    >"$cluster/log/$role.log" 2>&1 </dev/null &
  echo $! >"$cluster/$role.pid"
}

wait_for() {
  local role=$1 check=$2 deadline=$((SECONDS + 60))
  until eval "$check"; do
    if ! kill -0 "$(cat "$cluster/$role.pid")" 2>/dev/null || ((SECONDS > deadline)); then
      echo "the $role did not come up; see $cluster/log/$role.log" >&2
      "$here/stop-cluster.sh" >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 0.5
  done
}

started=$SECONDS
start jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS
wait_for jobmanager "curl -sf http://localhost:$port/overview >/dev/null"
start taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
wait_for taskmanager \
  "curl -sf http://localhost:$port/overview | grep -q '\"slots-total\":$slots'"
echo "Flink cluster up in $((SECONDS - started)) s: web UI and REST at http://localhost:$port, $slots slots; logs in $cluster/log" >&2
echo "localhost:$port"
