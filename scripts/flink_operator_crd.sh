#!/usr/bin/env bash
# Fetch (once) the FlinkDeployment CustomResourceDefinition of the Flink Kubernetes Operator and
# print its path. tests/deploy/test_kubernetes.py validates deploy/kubernetes/flinkdeployment.yaml
# against it. The CRD ships inside org.apache.flink:flink-kubernetes-operator-api on Maven Central
# (META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml), so plain `mvn` fetches it, with
# checksums checked, and the extracted file is pinned by its sha256 below.
#   scripts/flink_operator_crd.sh      # fetch if needed, print the path (fast when cached)
set -euo pipefail

version="1.10.0"
crd_sha256="5f2b489140be56a972195971b8331f22f2c46d7f0de68cbd11ddf919cbc073a9"
crd_entry="META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml"
dependency_plugin="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ceasefire-watch/flink-kubernetes-operator-$version"
crd="$cache/flinkdeployments.flink.apache.org-v1.yml"

verified() { [[ -s "$1" ]] && echo "$crd_sha256  $1" | sha256sum --check --status; }

if ! verified "$crd"; then
  command -v mvn > /dev/null || { echo "mvn not found: it fetches the CRD from Maven Central" >&2; exit 1; }
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  mvn -B -q -C "$dependency_plugin:copy" \
    -Dartifact="org.apache.flink:flink-kubernetes-operator-api:$version" -DoutputDirectory="$tmp" >&2
  "${PYTHON:-python3}" - "$tmp/flink-kubernetes-operator-api-$version.jar" "$crd_entry" "$tmp/crd.yml" <<'PY'
import sys
import zipfile

jar, entry, target = sys.argv[1:]
with zipfile.ZipFile(jar) as archive, open(target, "wb") as out:
    out.write(archive.read(entry))
PY
  verified "$tmp/crd.yml" || { echo "sha256 of $crd_entry differs from the pinned one" >&2; exit 1; }
  mv "$tmp/crd.yml" "$crd"
fi
echo "$crd"
