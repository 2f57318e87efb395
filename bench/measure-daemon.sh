#!/usr/bin/env bash
# Start-to-online time, steady-state resident memory and CPU share of `sensorodl run` (simulated sensor,
# real time, MQTT on) against a mosquitto on a private port. Usage: bench/measure-daemon.sh [seconds] [warm-up seconds]
# Memory over time instead: RSS_AT="60 150 300" prints RSS, its anonymous part and the state size at those seconds
# after the second start, then stops. SENSORODL_ARGS adds daemon options to both starts (e.g. --Sensor:Speed=20 fills
# the 2,000-window sample store in about 100 s); PORT runs two measurements side by side. FILL=110 keeps the first start
# running for 110 s at 20x speed, so the measured (second) start begins with a full sample store (steady state at real
# time: the SD-card write rate with eviction). Each RSS_AT line also prints the bytes the daemon wrote to the disk
# (/proc/PID/io write_bytes) and the bytes of its stdout/stderr (what journald would store) since the second start.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
warmup=${2:-60}
port=${PORT:-18839}
work=$(mktemp -d)
trap 'kill $broker $daemon 2>/dev/null || true; rm -rf "$work"' EXIT
. bench/lib.sh # $bin, the unit's GC setting, a private mosquitto ($broker)
run() { SENSORODL_GC_REPORT=1 "$bin" run --Mqtt:Uri=mqtt://127.0.0.1:$port --Device:Id=bench --Storage:StateDir="$work/state" ${SENSORODL_ARGS:-} "$@" >"$work/daemon.log" 2>&1 & daemon=$!; }

# First start trains the base model; the second start is the steady case (model in the registry).
for start in first second; do
  mosquitto_sub -p $port -t sensorodl/bench/availability -C 1 -W 30 >/dev/null 2>&1 & sub=$!
  sleep 0.3
  t0=$(date +%s.%N)
  if [ $start = first ] && [ -n "${FILL:-}" ]; then run --Sensor:Speed=20; else run; fi
  while kill -0 $sub 2>/dev/null; do sleep 0.005; done
  t1=$(date +%s.%N)
  # CPU seconds the daemon used until then: unlike the wall time, barely moved by other load on the machine
  used=$(awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' /proc/$daemon/stat)
  echo "$start start: online after $(echo "$t1 - $t0" | bc) s ($used s of CPU)"
  if [ $start = first ]; then sleep "${FILL:-2}"; kill -TERM $daemon; wait $daemon || true; mosquitto_pub -p $port -t sensorodl/bench/availability -r -n; fi
done

if [ -n "${RSS_AT:-}" ]; then
  started=$(date +%s.%N)
  for at in $RSS_AT; do
    sleep "$(echo "$at - ($(date +%s.%N) - $started)" | bc)"
    # smaps: anonymous memory (GC heap, native allocations, JIT'd code) apart from mapped files (runtime, assemblies)
    read -r rss anon < <(awk '/^[0-9a-f]+-[0-9a-f]+ /{named=($6 != "" && $6 !~ /^\[(heap|anon)/ && $6 !~ /memfd:doublemapper/)}
      /^Rss:/{total+=$2; if (!named) anon+=$2} END{print total, anon}' /proc/$daemon/smaps)
    wrote=$(awk '/^write_bytes/ {print $2}' /proc/$daemon/io)
    echo "at ${at} s: RSS $((rss / 1024)) MB (anonymous $((anon / 1024)) MB); state $(du -sk "$work/state" | cut -f1) kB;" \
      "written $((wrote / 1024)) kB to disk (write_bytes) + $(($(stat -c %s "$work/daemon.log") / 1024)) kB of log output"
    grep -o 'gc heap: .*' "$work/daemon.log" | tail -1 | sed 's/^/  /' || true
  done
  kill -TERM $daemon; wait $daemon || true
  exit 0
fi

sleep "$warmup" # tiered JIT recompiles hot code for the first half minute or so
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$daemon/stat; }
c0=$(cpu); w0=$(date +%s.%N)
sleep "$seconds"
c1=$(cpu); w1=$(date +%s.%N)
rss=$(awk '/VmRSS/ {print $2}' /proc/$daemon/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$daemon/status)
echo "steady state over ${seconds} s: CPU $(echo "scale=2; 100 * ($c1 - $c0) / $ticks / ($w1 - $w0)" | bc) % of one core, RSS $((rss / 1024)) MB (peak $((hwm / 1024)) MB)"
echo "state directory: $(du -sh "$work/state" | cut -f1) after $((seconds + warmup + 2)) s"
kill -TERM $daemon; wait $daemon || true
