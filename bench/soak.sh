#!/usr/bin/env bash
# Long runs of the crash tests (docs/RELIABILITY.md, docs/BENCHMARKS.md).
#
#   bench/soak.sh powercut N   N power cuts of the in-memory disk under the real state code (PowerCutTests.Soak);
#                              ends with the line "powercut: N cuts, K violations". SEED=… picks another workload.
#   bench/soak.sh kill9 N      N real daemons killed with SIGKILL around retraining and promotion, each restarted on
#                              its state directory and checked (KillNineTrials); ends with "kill9: N trials, K unclean".
#                              Needs mosquitto (PATH gets /usr/sbin).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: bench/soak.sh powercut|kill9 N}
count=${2:?usage: bench/soak.sh powercut|kill9 N}
report=$(mktemp)
trap 'rm -f "$report"' EXIT
case $kind in
  powercut)
    dotnet build tests/Daemon.Tests -c Release -v q -nologo >/dev/null
    SENSORODL_POWERCUT_CUTS=$count SENSORODL_POWERCUT_SEED=${SEED:-7} SENSORODL_POWERCUT_REPORT=$report \
      dotnet test tests/Daemon.Tests -c Release --no-build --filter "FullyQualifiedName~PowerCutTests.Soak" >/dev/null || true
    ;;
  kill9)
    export PATH="$PATH:/usr/sbin"
    dotnet build tests/Integration.Tests -c Release -v q -nologo >/dev/null
    SENSORODL_KILL9_TRIALS=$count SENSORODL_KILL9_REPORT=$report \
      dotnet test tests/Integration.Tests -c Release --no-build --filter "FullyQualifiedName~KillNineTrials.Soak" >/dev/null || true
    ;;
  *) echo "unknown soak: $kind (powercut or kill9)" >&2; exit 2 ;;
esac
if [ ! -s "$report" ]; then echo "$kind: the run wrote no report (did the build or the test host fail?)" >&2; exit 1; fi
cat "$report"
tail -n 1 "$report" | grep -Eq ' 0 (violations|unclean)$'
