#!/usr/bin/env bash
# Fetch (once) the pinned jars for running ceasefire-watch on Apache Flink, and print the
# path of the Beam Flink job server jar to pass as --flink_job_server_jar.
#
#   deploy/flink/install.sh           # fetch if needed, print the job server jar
#   deploy/flink/install.sh --home    # print the install folder only (lib/, conf/ live there)
#
# Why these versions: Beam's own shaded job server jar
# (org.apache.beam:beam-runners-flink-<flink>-job-server) is not served by the package
# registry this project can reach, for any Beam version, and neither is
# beam-runners-flink-*:2.77.0 nor flink-dist. The newest Beam Flink runner that resolves
# with all its dependencies is beam-runners-flink-1.19:2.62.0 (Flink 1.19.0), so we fetch it
# with its dependency tree and write a small "pathing" jar (a manifest with Main-Class and
# Class-Path) that `java -jar` can start, which is all Beam's Python FlinkRunner needs.
# The same lib/ folder is the classpath of the local Flink cluster (start-cluster.sh).
# The Python SDK is 2.77; the Java job server is 2.62 (version skew: see README.md).
set -euo pipefail

BEAM_VERSION=2.62.0
FLINK_MINOR=1.19
FLINK_VERSION=1.19.0          # what beam-runners-flink-1.19:2.62.0 depends on
SLF4J_SIMPLE_VERSION=1.7.36   # a logging binding; without one slf4j drops every log line
DEPENDENCY_PLUGIN_VERSION=3.8.1

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/ceasefire-watch"
home="$cache_root/flink/beam-$BEAM_VERSION-flink-$FLINK_MINOR"
job_server_jar="$home/beam-flink-job-server.jar"

if [[ "${1:-}" == "--home" ]]; then
  echo "$home"
  exit 0
fi

verified() {
  [[ -f "$home/.complete" && -f "$home/SHA256SUMS" && -f "$job_server_jar" ]] &&
    (cd "$home/lib" && sha256sum --quiet --strict -c ../SHA256SUMS >/dev/null 2>&1) &&
    [[ "$(find "$home/lib" -maxdepth 1 -name '*.jar' | wc -l)" == "$(wc -l <"$home/SHA256SUMS")" ]]
}

pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ceasefire-watch.deploy</groupId>
  <artifactId>flink-libs</artifactId>
  <version>$BEAM_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.beam</groupId>
      <artifactId>beam-runners-flink-$FLINK_MINOR</artifactId>
      <version>$BEAM_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.flink</groupId>
      <artifactId>flink-runtime-web</artifactId>
      <version>$FLINK_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>$SLF4J_SIMPLE_VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>$DEPENDENCY_PLUGIN_VERSION</version>
      </plugin>
    </plugins>
  </build>
</project>
EOF
}

staging=""
pom_dir=""

# A jar holding only a manifest: `java -jar` then runs the job server with lib/*.jar.
write_job_server_jar() {
  local staging=$1 manifest
  manifest="$(mktemp)"
  {
    echo "Manifest-Version: 1.0"
    echo "Main-Class: org.apache.beam.runners.flink.FlinkJobServerDriver"
    (cd "$staging" && find . -maxdepth 1 -name '*.jar' -printf 'lib/%f\n' | sort | tr '\n' ' ') |
      sed 's/ $//; s/^/Class-Path: /' | fold -w 70 | sed '2,$s/^/ /'
    echo  # the manifest's last line counts only if it ends with a newline
  } >"$manifest"
  jar cfm "$home/beam-flink-job-server.jar.tmp" "$manifest"
  rm -f "$manifest"
}

install() {
  command -v mvn >/dev/null || { echo "mvn not found (Debian: apt-get install maven)" >&2; exit 1; }
  command -v jar >/dev/null || { echo "jar not found: install a JDK 17 (openjdk-17-jdk-headless)" >&2; exit 1; }
  local started
  started=$(date +%s)
  staging="$(mktemp -d "$home/lib-XXXXXX")"
  pom_dir="$(mktemp -d)"
  trap 'rm -rf "$staging" "$pom_dir" "$home/beam-flink-job-server.jar.tmp"' EXIT
  pom >"$pom_dir/pom.xml"
  echo "Fetching Beam $BEAM_VERSION Flink $FLINK_MINOR runner jars from Maven Central into $home" >&2
  if ! mvn -B -q --strict-checksums -f "$pom_dir/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$staging" >"$pom_dir/mvn.log" 2>&1; then
    tail -40 "$pom_dir/mvn.log" >&2
    echo "mvn could not fetch the Flink runner jars" >&2
    exit 1
  fi
  [[ -f "$staging/beam-runners-flink-$FLINK_MINOR-$BEAM_VERSION.jar" ]] || {
    echo "mvn finished but beam-runners-flink-$FLINK_MINOR-$BEAM_VERSION.jar is missing" >&2
    exit 1
  }
  write_job_server_jar "$staging"
  rm -rf "$home/lib" "$home/.complete"
  mv "$staging" "$home/lib"
  mv "$home/beam-flink-job-server.jar.tmp" "$job_server_jar"
  (cd "$home/lib" && sha256sum -- *.jar) >"$home/SHA256SUMS"
  echo "beam $BEAM_VERSION flink $FLINK_VERSION installed $(date -u +%FT%TZ)" >"$home/.complete"
  echo "Installed $(wc -l <"$home/SHA256SUMS") jars ($(du -sh "$home/lib" | cut -f1)) in $(($(date +%s) - started)) s" >&2
}

mkdir -p "$home"
exec 9>"$home/.lock"
flock 9
if ! verified; then
  install
fi
echo "$job_server_jar"
