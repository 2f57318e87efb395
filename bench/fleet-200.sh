#!/usr/bin/env bash
# The issue-11 scale figures: N simulated devices (`sensorodl fleet simulate`, default 200) on a private mosquitto,
# then `fleet status --all` (timed), a steady minute measured at the broker ($SYS: messages and bytes received/sent),
# and `fleet rollout retrain --stages 10,100%` over all of them. Prints one summary block (docs/BENCHMARKS.md).
# Usage: bench/fleet-200.sh [DEVICES=200]   env: BIN=path/to/sensorodl (default: the Release build, copied),
#        PORT=18833, STEADY=60 (s measured), SPEED=1, MIN_WAIT=30s, SAMPLES=60 (retrain windows), RATE=20/s,
#        ROLLOUT_LIMIT=1200 (s; then the rollout tool gets SIGINT: paused), BROKER_LOG=1 (mosquitto logs every packet, kept in KEEP_LOG)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin"
DEVICES=${1:-200}; PORT=${PORT:-18833}; STEADY=${STEADY:-60}; SPEED=${SPEED:-1}
MIN_WAIT=${MIN_WAIT:-30s}; SAMPLES=${SAMPLES:-60}; RATE=${RATE:-20/s}; PREFIX=fleetbench
work=$(mktemp -d /tmp/sensorodl-fleet200-XXXXXX)
if [ -z "${BIN:-}" ]; then
  dotnet build src/Daemon -c Release -v q -nologo >/dev/null || exit 1
  cp -r src/Daemon/bin/Release/net10.0 "$work/bin"; BIN="$work/bin/sensorodl"   # a rebuild does not change the binary under the run
fi
broker=""; sim=""
cleanup() {
  [ -n "$sim" ] && kill -TERM "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
  [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null
  [ -n "${KEEP_LOG:-}" ] && cp "$work/broker.log" "$KEEP_LOG"
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
sys_interval 1
max_queued_messages 10000
${BROKER_LOG:+log_type all}
${BROKER_LOG:+log_dest stdout}
CONF
mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 & broker=$!
sleep 0.5
kill -0 "$broker" 2>/dev/null || { echo "mosquitto did not start (port $PORT in use?)"; cat "$work/broker.log"; broker=""; exit 1; }
fleet() { "$BIN" fleet "$@" --broker "mqtt://127.0.0.1:$PORT" --Mqtt:TopicPrefix=$PREFIX; }
sys() { mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "\$SYS/broker/$1" -C 1 -W 5; }
now() { date +%s.%N; }

# Drifted machines, adaptation off: every device waits for the operator's retrain (as tests/Integration.Tests/FleetFixture).
"$BIN" fleet simulate --devices "$DEVICES" --broker "mqtt://127.0.0.1:$PORT" --prefix $PREFIX --speed "$SPEED" --stats 10 \
  --Sensor:Simulation:Drift=mounting --Adaptation:Mode=off --Adaptation:MinIntervalMinutes=0 >"$work/sim.out" 2>"$work/sim.err" & sim=$!
for _ in $(seq 1 240); do grep -q "devices online after" "$work/sim.out" && break; sleep 0.5; done
grep "devices online after" "$work/sim.out" || { echo "the simulator did not start"; cat "$work/sim.err"; exit 1; }
sleep 15 # past the start-up burst (retained topics, discovery)

t0=$(now); fleet status --all --json >"$work/status.json"; t1=$(now)
rows=$(grep -o '"device"' "$work/status.json" | wc -l); answered=$(grep -o '"answered": *[0-9]*' "$work/status.json" | tail -1 | grep -o '[0-9]*$')
printf 'fleet status --all: %d rows, %s answered, %.2f s\n' "$rows" "$answered" "$(echo "$t1 - $t0" | bc)"

r0=$(sys publish/messages/received); s0=$(sys publish/messages/sent); p0=$(sys messages/received); b0=$(sys bytes/received); o0=$(sys bytes/sent); load0=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$STEADY"
r1=$(sys publish/messages/received); s1=$(sys publish/messages/sent); p1=$(sys messages/received); b1=$(sys bytes/received); o1=$(sys bytes/sent)
echo "steady ${STEADY} s (load $load0 → $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "  broker PUBLISH received $(( (r1 - r0) / STEADY ))/s, sent $(( (s1 - s0) / STEADY ))/s (no subscribers but \$SYS readers); all MQTT packets received $(( (p1 - p0) / STEADY ))/s"
echo "  broker bytes received $(( (b1 - b0) / STEADY )) B/s = $(( (b1 - b0) * 3600 / STEADY / DEVICES )) B per device per hour (telemetry every Mqtt:TelemetryIntervalSeconds=1, status every 10 s)"
echo "  broker load/messages/received/1min: $(sys load/messages/received/1min), retained messages: $(sys retained\ messages/count)"
echo "  simulator: $(tail -1 "$work/sim.out")"

t0=$(now)
timeout -k 30 -s INT "${ROLLOUT_LIMIT:-1200}" "$BIN" fleet rollout retrain --broker "mqtt://127.0.0.1:$PORT" --Mqtt:TopicPrefix=$PREFIX --samples "$SAMPLES" --select 'state=drift' --stages 10,100% --min-wait "$MIN_WAIT" --rate "$RATE" --json >"$work/rollout.json" 2>"$work/rollout.err"
code=$?; t1=$(now)
succeeded=$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(sum(v == "succeeded" for v in d["devices"].values()))' "$work/rollout.json" 2>/dev/null || echo "?")
printf 'fleet rollout retrain --stages 10,100%% --min-wait %s --rate %s: exit %d, %s devices succeeded, %.0f s\n' "$MIN_WAIT" "$RATE" "$code" "$succeeded" "$(echo "$t1 - $t0" | bc)"
if [ "$code" != 0 ]; then # what the retained rollout object says (a stuck tool prints nothing with --json)
  tail -5 "$work/rollout.err"
  mosquitto_sub -h 127.0.0.1 -p "$PORT" -t "$PREFIX/fleet/rollouts/#" -C 1 -W 5 | python3 -c 'import json,sys,collections; d=json.load(sys.stdin); print("  retained rollout:", d["state"], "stage", d["stage"], dict(collections.Counter(d["devices"].values())))'
fi
echo "  broker load/messages/received/1min: $(sys load/messages/received/1min), sent: $(sys load/messages/sent/1min)"
echo "  simulator during the rollout (every 10 s):"; grep ' s  online' "$work/sim.out" | tail -n +4 | awk '{print "   ", $0}' | tail -40
echo "  machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load now $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$work/sim.err" ] && { echo "simulator stderr (first lines):"; head -5 "$work/sim.err"; }
exit "$code"
