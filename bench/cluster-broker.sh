#!/usr/bin/env bash
# Issue 11: the fleet on a two-node clustered MQTT 5 broker — Debian's ejabberd 23.01 (mod_mqtt), both nodes on this
# machine (own node names, MQTT ports, spool and log dirs), joined with `ejabberdctl join_cluster`, one user registered.
# The simulated devices (`fleet simulate`) connect to node 1, the fleet CLI to node 2: status (retained only and --all),
# retrain, rollback and a staged rollout across the nodes. Prints what worked, the figures, and stops both nodes.
# Not in CI (ejabberd takes ~10 s per node to start). Needs root (ejabberdctl runs the nodes as user ejabberd) and
# `apt-get install -y ejabberd`. Usage: bench/cluster-broker.sh [DEVICES=200]
#   env: BIN=path/to/sensorodl (default: the Release build, copied), PORT1=18851, PORT2=18852, KEEP=1 (leave the nodes running)
set -uo pipefail
cd "$(dirname "$0")/.."
DEVICES=${1:-200}; PORT1=${PORT1:-18851}; PORT2=${PORT2:-18852}; PREFIX=fleetcluster
MIN_WAIT=${MIN_WAIT:-30s}; SAMPLES=${SAMPLES:-60}; RATE=${RATE:-20/s}
command -v ejabberdctl >/dev/null || export PATH="$PATH:/usr/sbin"
command -v ejabberdctl >/dev/null || { echo "ejabberd is not installed (apt-get install -y ejabberd)"; exit 1; }
root=$(mktemp -d /tmp/sensorodl-ejcluster-XXXXXX); chmod 755 "$root"
if [ -z "${BIN:-}" ]; then
  dotnet build src/Daemon -c Release -v q -nologo >/dev/null || exit 1
  cp -r src/Daemon/bin/Release/net10.0 "$root/bin"; BIN="$root/bin/sensorodl"
fi
sim=""
node() { echo "sodl$1@localhost"; }
ctl() { local n=$1; shift; ejabberdctl -n "$(node "$n")" -s "$root/node$n/spool" -l "$root/node$n/logs" -d "$root/node$n" \
          -f "$root/node$n/ejabberd.yml" -c "$root/node$n/ejabberdctl.cfg" "$@"; }
stop_all() {
  [ -n "$sim" ] && kill -TERM "$sim" 2>/dev/null && wait "$sim" 2>/dev/null; sim=""
  [ "${KEEP:-0}" = 1 ] && return
  for n in 2 1; do ctl "$n" stop >/dev/null 2>&1; ctl "$n" stopped >/dev/null 2>&1; done
  rm -rf "$root"
}
trap stop_all EXIT

for n in 1 2; do
  port=$([ "$n" = 1 ] && echo "$PORT1" || echo "$PORT2")
  mkdir -p "$root/node$n/spool" "$root/node$n/logs"
  cp /etc/ejabberd/inetrc "$root/node$n/inetrc"
  cat > "$root/node$n/ejabberd.yml" <<YML
hosts: [localhost]
loglevel: warning
auth_method: internal
auth_password_format: plain
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
listen:
  -
    port: $port
    ip: "127.0.0.1"
    module: mod_mqtt
    backlog: 1000
modules:
  mod_mqtt:
    max_queue: 5000
YML
  cat > "$root/node$n/ejabberdctl.cfg" <<CFG
ERLANG_NODE=$(node "$n")
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
EJABBERD_PID_PATH=$root/node$n/ejabberd.pid
EJABBERD_CONFIG_PATH=$root/node$n/ejabberd.yml
CFG
  chown -R ejabberd:ejabberd "$root/node$n"
done

t0=$(date +%s.%N)
for n in 1 2; do ctl "$n" start; done
for n in 1 2; do ctl "$n" started || { echo "node $n did not start"; tail -20 "$root/node$n/logs/"*.log; exit 1; }; done
ctl 2 join_cluster "$(node 1)" || { echo "join_cluster failed"; exit 1; }
ctl 2 started >/dev/null # join_cluster restarts node 2
echo "cluster: $(ctl 1 list_cluster | tr '\n' ' ')(up in $(printf '%.0f' "$(echo "$(date +%s.%N) - $t0" | bc)") s)"
ctl 1 register fleet localhost fleet-secret >/dev/null
echo -n fleet-secret > "$root/password"; chmod 644 "$root/password"
login=(--username fleet@localhost --password-file "$root/password")
fleet() { "$BIN" fleet "$@" --broker "mqtt://127.0.0.1:$PORT2" "${login[@]}" --Mqtt:TopicPrefix=$PREFIX; }
limited() { timeout -k 30 -s INT "${ROLLOUT_LIMIT:-1200}" "$BIN" fleet "$@" --broker "mqtt://127.0.0.1:$PORT2" "${login[@]}" --Mqtt:TopicPrefix=$PREFIX; } # a stuck tool is paused
beam() { ps -o rss=,pcpu=,args= -C beam.smp | awk -v n="$(node "$1")" 'index($0, n) {printf "%d MB rss, %s %% cpu (lifetime)", $1/1024, $2}'; }

"$BIN" fleet simulate --devices "$DEVICES" --broker "mqtt://127.0.0.1:$PORT1" "${login[@]}" --prefix $PREFIX --stats 10 \
  --Sensor:Simulation:Drift=mounting --Adaptation:Mode=off --Adaptation:MinIntervalMinutes=0 >"$root/sim.out" 2>"$root/sim.err" & sim=$!
for _ in $(seq 1 240); do grep -q "devices online after" "$root/sim.out" && break; sleep 0.5; done
grep "devices online after" "$root/sim.out" || { echo "the simulator did not start"; head "$root/sim.err"; exit 1; }
sleep 15

step() { # name, command…: runs it, prints exit code, time and the last line
  local name=$1; shift; local s; s=$(date +%s.%N)
  "$@" >"$root/step.out" 2>"$root/step.err"; local code=$?
  printf '%-44s exit %d  %6.1f s  %s\n' "$name" "$code" "$(echo "$(date +%s.%N) - $s" | bc)" "$(tail -1 "$root/step.out" | cut -c1-150)"
  [ "$code" = 0 ] || sed 's/^/    stderr: /' "$root/step.err" | head -3
  return $code
}
step "fleet status (retained only, node 2)" fleet status
step "fleet status --all (node 2)" fleet status --all
first="sim-$(printf "%0${#DEVICES}d" 1)"
step "fleet status --device $first (node 2)" fleet status --device "$first"
step "fleet retrain --device $first" fleet retrain --device "$first" --samples "$SAMPLES"
step "fleet rollback --to 1 --device $first" fleet rollback --to 1 --device "$first"
step "fleet rollout retrain --stages 10,100%" limited rollout retrain --samples "$SAMPLES" --select 'state=drift' --stages 10,100% \
  --min-wait "$MIN_WAIT" --rate "$RATE"
step "fleet rollout rollback --to 1 --stages 50,100%" fleet rollout rollback --to 1 --all --stages 50,100% --min-wait 10s --rate "$RATE" --abort-if "failed>20%,timed_out>20%"
# What crosses the nodes, probed with mosquitto's clients (MQTT 5): a retained message, a shared subscription.
if command -v mosquitto_pub >/dev/null; then
  auth=(-u fleet@localhost -P fleet-secret -V 5)
  mosquitto_pub -h 127.0.0.1 -p "$PORT1" "${auth[@]}" -t "$PREFIX/probe/retained" -m node1 -r -q 1
  got=$(mosquitto_sub -h 127.0.0.1 -p "$PORT2" "${auth[@]}" -t "$PREFIX/probe/retained" -C 1 -W 3 2>&1)
  echo "retained on node 1, read on node 2: ${got:-nothing (it does not cross)}; on node 1: $(mosquitto_sub -h 127.0.0.1 -p "$PORT1" "${auth[@]}" -t "$PREFIX/probe/retained" -C 1 -W 3 2>&1)"
  mosquitto_pub -h 127.0.0.1 -p "$PORT1" "${auth[@]}" -t "$PREFIX/probe/retained" -n -r -q 1
  live=$(mosquitto_sub -h 127.0.0.1 -p "$PORT2" "${auth[@]}" -t "$PREFIX/+/telemetry" -C 1 -W 5 -v 2>&1 | cut -c1-100)
  echo "plain subscription $PREFIX/+/telemetry on node 2 (devices on node 1): ${live:-no message within 5 s}"
  shared=$(mosquitto_sub -h 127.0.0.1 -p "$PORT2" "${auth[@]}" -t "\$share/ops/$PREFIX/+/telemetry" -C 1 -W 5 -v 2>&1); code=$?
  echo "shared subscription \$share/ops/$PREFIX/+/telemetry on node 2: exit $code: $(echo "${shared:-no message within 5 s}" | cut -c1-100)"
  shared=$(mosquitto_sub -h 127.0.0.1 -p "$PORT1" "${auth[@]}" -t "\$share/ops/$PREFIX/+/telemetry" -C 1 -W 5 -v 2>&1); code=$?
  echo "shared subscription \$share/ops/$PREFIX/+/telemetry on node 1: exit $code: $(echo "${shared:-no message within 5 s}" | cut -c1-100)"
fi
echo "node 1 (devices): $(beam 1); node 2 (operator): $(beam 2)"
echo "simulator: $(grep ' s  online' "$root/sim.out" | tail -1)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$root/sim.err" ] && { echo "simulator stderr (first lines):"; sort "$root/sim.err" | uniq -c | sort -rn | head -5; }
exit 0
