#!/usr/bin/env bash
# Records the simulated machine in every drift × every fault of Sensor:Simulation (docs/CONTRACT.md §2) into one
# recording folder whose manifest fields `drift` and `fault` are what
# `adapt-eval --matrix --by drift --normal fault=none --faults-by fault` reads. Every recording has its own seed.
#
# Usage: bench/simulated-dataset.sh [OUT_DIR] [WINDOWS] [FAULT_WINDOWS]
#   OUT_DIR        the folder to create (default .bench/simulated-dataset); it must not hold a manifest yet
#   WINDOWS        windows per normal take (default 300); each drift has two normal takes, `take` 1 and 2, so a
#                  drift is its own control and the matrix's target stream is long enough for the daemon's
#                  drift detection (60 + 30 windows) and Adaptation:MinSamples (120) on the streamed half
#   FAULT_WINDOWS  windows per fault recording (default WINDOWS / 3)
# SENSORODL_DLL uses another build of sensorodl.dll instead of building src/Daemon.
# FAULT_SEVERITY (0–1) records the faults at that severity instead of Sensor:Simulation's 0.5 (the normal takes are unchanged).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.bench/simulated-dataset}
windows=${2:-300}
fault_windows=${3:-$(( windows / 3 > 0 ? windows / 3 : 1 ))}
if [ -e "$out/manifest.json" ]; then echo "$out already holds a manifest; remove it or name another folder." >&2; exit 2; fi
if [ -n "${SENSORODL_DLL:-}" ]; then dll=$SENSORODL_DLL; else
  dotnet build src/Daemon -c Release -v q -nologo >/dev/null
  dll=src/Daemon/bin/Release/net10.0/sensorodl.dll
fi

start=$(date +%s%N)
seed=100
record() { # drift fault take windows
  seed=$((seed + 1))
  dotnet "$dll" record --out "$out" --file "$1-$2-take$3.f32" --windows "$4" --set "take=$3" \
    --Sensor:Simulation:Drift="$1" --Sensor:Simulation:Fault="$2" --Sensor:Seed=$seed --Sensor:Speed=0 $(severity "$2") >/dev/null
}
severity() { # fault → the override of its severity, when FAULT_SEVERITY is set
  [ -n "${FAULT_SEVERITY:-}" ] || return 0
  case "$1" in imbalance) echo "--Sensor:Simulation:Imbalance=$FAULT_SEVERITY";; outer) echo "--Sensor:Simulation:OuterRace=$FAULT_SEVERITY";;
    inner) echo "--Sensor:Simulation:InnerRace=$FAULT_SEVERITY";; esac
}
for drift in none speed load mounting noise; do
  record "$drift" none 1 "$windows"
  record "$drift" none 2 "$windows"
  for fault in imbalance outer inner; do record "$drift" "$fault" 1 "$fault_windows"; done
done
seconds=$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f", ns / 1e9 }')
echo "$out: $(ls "$out"/*.f32 | wc -l) recordings ($windows windows per normal take, $fault_windows per fault), $(du -sh "$out" | cut -f1), recorded in $seconds s"
