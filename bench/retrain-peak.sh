#!/usr/bin/env bash
# Peak resident memory of the daemon around retrains on a full sample store (issue 12: "a retrain's peak RSS ≤ 64 MB").
# The first start fills the 2,000-window store at 20x speed (FILL seconds, default 110); the second runs at real time and
# gets RETRAINS retrain commands (default 2: the first runs the cold base forward and fills the forward cache, the next
# reads it back), each on the whole ring (samples = Storage:SampleCapacity). Prints VmRSS and VmHWM (the kernel's peak)
# before and after each, the job's seconds and verdict. Usage: bench/retrain-peak.sh; SENSORODL_ARGS adds daemon options
# to both starts (e.g. --Learning:Threads=2), METHOD/EPOCHS the retrain's, PORT runs two side by side. The daemon logs its GC
# heap every 10 s (SENSORODL_GC_REPORT=1); the line 11 s after each verdict is printed. ONE_START=1 fills the store and
# retrains in one run, with SENSORODL_ARGS alone (a replay, whose data time starts again at 0 when the daemon restarts:
# a spectrum device, e.g. --Model:Path=FAN_BASE --Sensor:Kind=replay --Sensor:Replay:Data=data/cooling-fan
# --Sensor:Replay:Loop=true --Sensor:Replay:Speed=40, FILL=130).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-18859}
work=$(mktemp -d)
trap 'kill $broker $daemon $events 2>/dev/null || true; rm -rf "$work"' EXIT
. bench/lib.sh # $bin, the unit's GC setting, a private mosquitto ($broker)
topic=sensorodl/bench
run() { SENSORODL_GC_REPORT=1 "$bin" run --Mqtt:Uri=mqtt://127.0.0.1:$port --Device:Id=bench --Storage:StateDir="$work/state" \
  --Adaptation:MinIntervalMinutes=0 --Adaptation:ProbationMinutes=0 ${SENSORODL_ARGS:-} "$@" >"$work/daemon.log" 2>&1 & daemon=$!; }
# starts the daemon and waits for its retained "online" (cleared between the starts)
start() { mosquitto_sub -p $port -t $topic/availability -C 1 -W 60 >/dev/null 2>&1 & local sub=$!; sleep 0.3; run "$@"
  wait $sub || { echo "not online"; exit 1; }; }
mem() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2 / 1024}' /proc/$daemon/status; }

if [ -n "${ONE_START:-}" ]; then # a replay's data time starts again at 0 on a restart: fill and retrain in one run
  start
  mosquitto_sub -p $port -t $topic/events -v >"$work/events" 2>/dev/null & events=$!
  sleep "${FILL:-110}"
else
  start --Sensor:Speed=20; sleep "${FILL:-110}"
  kill -TERM $daemon; wait $daemon || true
  mosquitto_pub -p $port -t $topic/availability -r -n
  start
  mosquitto_sub -p $port -t $topic/events -v >"$work/events" 2>/dev/null & events=$!
  sleep "${SETTLE:-30}"
fi
echo "before: $(mem)(state $(du -sk "$work/state" | cut -f1) kB)"
grep -o 'gc heap: .*' "$work/daemon.log" | tail -1 | sed 's/^/  /' || true
for n in $(seq 1 "${RETRAINS:-2}"); do
  args="{\"samples\": 2000${METHOD:+, \"method\": \"$METHOD\"}${EPOCHS:+, \"epochs\": $EPOCHS}}"
  mosquitto_pub -p $port -t $topic/cmd -q 1 -m "{\"id\": \"peak-$n\", \"command\": \"retrain\", \"args\": $args}"
  for _ in $(seq 1 1200); do
    [ "$(grep -cE '"type":"(model_promoted|model_rejected|model_pending|training_failed)"' "$work/events")" -ge "$n" ] && break
    sleep 0.5
  done
  finished=$(grep '"training_finished"' "$work/events" | tail -1 | grep -o '"seconds":[0-9.]*' || true)
  verdict=$(grep -oE '"type":"(model_promoted|model_rejected|model_pending|training_failed)"' "$work/events" | tail -1)
  echo "after retrain $n ($args): $(mem)job ${finished:-?} ${verdict:-no verdict}; state $(du -sk "$work/state" | cut -f1) kB"
  sleep 11; grep -o 'gc heap: .*' "$work/daemon.log" | tail -1 | sed 's/^/  11 s later: /' || true
done
kill -TERM $daemon; wait $daemon || true
