#!/usr/bin/env bash
# Runs every test of the solution against real Redis and RabbitMQ.
# - NM_TEST_REDIS / NM_TEST_RABBITMQ set: the tests use those servers.
# - otherwise, with a Docker engine: the fixtures start pinned containers with Testcontainers.
# - otherwise: tests/servers.sh installs (apt) and starts Debian's redis-server and rabbitmq-server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${NM_TEST_REDIS:-}" ] || [ -z "${NM_TEST_RABBITMQ:-}" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo "Docker engine found: the fixtures start Redis and RabbitMQ with Testcontainers."
  else
    echo "No Docker engine: starting Debian's redis-server and rabbitmq-server on loopback (tests/servers.sh)."
    eval "$(tests/servers.sh start)"
    trap 'tests/servers.sh stop' EXIT
  fi
fi

# tests/NarrativeMonitor.FaultTests start, kill -9 and restart a redis-server and a rabbitmq-server of their own
# (127.0.0.1:16479 and :17772), whichever servers the other tests use: the binaries must be installed.
tests/servers.sh install || echo "redis-server or rabbitmq-server could not be installed: the fault tests will fail."

# ensure kubectl: tests/NarrativeMonitor.Deploy.Tests renders deploy/k8s with `kubectl kustomize` (kustomize v5).
# The machine image ships it (package kubectl); Debian's kubernetes-client (1.20, kustomize v2) cannot render the overlays.
if ! command -v kubectl >/dev/null 2>&1 && [ -z "${NM_KUBECTL:-}" ]; then
  echo "kubectl not found: trying apt-get install kubectl (the deploy tests fail without it)."
  apt-get install -y kubectl >/dev/null 2>&1 || echo "kubectl could not be installed: install kubectl >= 1.27 or set NM_KUBECTL."
fi

# ensure chromium: tests/NarrativeMonitor.Dashboard.Tests drive the dashboard in Debian's headless chromium (over the
# DevTools protocol; nothing is downloaded at test time). Without it those tests fail saying what to install.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${NM_CHROMIUM:-}" ]; then
  echo "chromium not found: installing Debian's chromium (the dashboard tests fail without it)."
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "chromium could not be installed: apt-get install chromium, or set NM_CHROMIUM to a Chromium executable."
fi

results="$(mktemp -d)"
status=0
dotnet test NarrativeMonitor.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line for all test projects: "N passed, N failed, N skipped".
python3 - "$results" <<'PY' || true
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    skipped += int(counters.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
