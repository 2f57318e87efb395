#!/usr/bin/env bash
# Property-based fuzzing at scale (issue 10): N hostile command payloads through the daemon's command processor, and
# N/5 recording manifests and N/2 model files through their parsers (tests/Daemon.Tests/Fuzz). Every case runs; a case
# that throws an undocumented exception, goes unanswered or is answered `internal` counts as a crash.
# Usage: bench/fuzz.sh [N=100000] [seed]. Ends with the line `fuzz: N cases, K crashes`.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
report=$(mktemp)
trap 'rm -f "$report"' EXIT
dotnet build tests/Daemon.Tests -c Release -v q -nologo >/dev/null || exit 1
SENSORODL_FUZZ_CASES=$n SENSORODL_FUZZ_REPORT=$report SENSORODL_FUZZ_SEED=${2:-} \
  dotnet test tests/Daemon.Tests -c Release --no-build --filter "FullyQualifiedName~SensorOdl.Daemon.Tests.Fuzz" -v q -nologo >/dev/null
cat "$report"
awk '{ cases += $(NF-3); crashes += $(NF-1) } END { printf "fuzz: %d cases, %d crashes\n", cases, crashes }' "$report"
