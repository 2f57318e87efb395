#!/usr/bin/env bash
# The issue-10 command flood at full size against a real mosquitto (tests/Integration.Tests/FloodTests.cs):
# N payloads (default 2,000, the issue's mix) sent as fast as one client can, every one accounted for.
# Prints the counts and the daemon's RSS before and after. Usage: bench/flood.sh [N=2000]
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
dotnet build tests/Integration.Tests -c Release -v q -nologo >/dev/null || exit 1
SENSORODL_FLOOD_SIZE=${1:-2000} SENSORODL_FLOOD_REPORT=$report \
  dotnet test tests/Integration.Tests -c Release --no-build --filter "FullyQualifiedName~FloodTests" -v q -nologo >/dev/null
status=$?
cat "$report"
exit $status
