#!/usr/bin/env bash
# Install Prometheus and promtool from Debian's `prometheus` package, once.
# The deploy tests run the real `promtool` and a real Prometheus server.
# Fast when already installed: apt is touched only when `promtool` is missing.
set -euo pipefail
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# Recommends would pull in node-exporter and friends; only the server and promtool are needed.
$sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# The package starts a system service where systemd runs; the tests start their own servers.
promtool --version | head -n 1
