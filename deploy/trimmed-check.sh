#!/usr/bin/env bash
# Checks that a trimmed (or NativeAOT) publish of sensorodl behaves like the ordinary build — a trimmed build loses
# reflection without an error, so each step below is one that silently broke before (docs/BENCHMARKS.md "Publish options"):
#   1. configuration keys are read: `models list --Storage:StateDir=<v1 fixture state>` lists the fixture's versions
#      (the binder's reflection found no properties and looked in ./state), SENSORODL_ variables too;
#   2. the previous release's state loads (stored documents, hand-mapped) and the archive JSON round-trips (state export);
#   3. `demo`: a base model, a Skip2-LoRA fine-tune (forward-cache documents stored and read back), a promotion;
#   4. the MQTT contract and a retrain: `run` against a private mosquitto, retained availability/status/model JSON,
#      a restart on a drifted machine (DRIFT=load by default), and once it reports drift `fleet retrain` (the same
#      binary as the fleet tool) follows a retrain command to its promotion.
# Usage: deploy/trimmed-check.sh [PUBLISH_DIR]   (no argument: publishes -p:PublishProfile=linux-x64-trimmed first)
# Needs mosquitto, mosquitto_sub and python3. Non-zero exit and a FAIL line on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
port=${PORT:-18853}
work=$(mktemp -d)
broker="" daemon=""
trap '[ -n "$daemon" ] && kill $daemon 2>/dev/null; [ -n "$broker" ] && kill $broker 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "trimmed check FAIL: $*" >&2; exit 1; }
step() { echo "trimmed check: $*"; }
if [ -n "${1:-}" ]; then dir=$1; else
  step "publishing -p:PublishProfile=linux-x64-trimmed"
  dotnet publish src/Daemon -c Release -p:PublishProfile=linux-x64-trimmed -v q -nologo >/dev/null
  dir=src/Daemon/bin/publish/linux-x64-trimmed
fi
bin=$(cd "$dir" && pwd)/sensorodl
[ -x "$bin" ] || fail "no $bin"
cd "$work" # ./state here stays empty: a key that is not read shows as an empty or new state
unset STATE_DIRECTORY

"$bin" --help > help.txt || fail "--help exit $?"
grep -q '^  demo ' help.txt || fail "--help lists no demo verb"

# 1 + 2: keys read, v1 state loads
cp -a "$repo/tests/Fixtures/v1/state-dir" v1
check_models() {
  python3 - "$1" "$repo/tests/Fixtures/v1/expected.json" <<'EOF' || fail "models list on the v1 state: $(cat "$1")"
import json, sys
rows = json.load(open(sys.argv[1]))
expected = json.load(open(sys.argv[2]))["stateDir"]
assert [r["id"] for r in rows] == [v["id"] for v in expected["versions"]], "versions differ"
assert [r["version"] for r in rows if r["active"]] == [expected["activeVersion"]], "active differs"
EOF
}
"$bin" models list --json --Storage:StateDir=v1 > models.json 2> models.err || fail "models list exit $?: $(cat models.err)"
check_models models.json
SENSORODL_Storage__StateDir=v1 "$bin" models list --json > models-env.json 2> models.err || fail "models list (variable) exit $?: $(cat models.err)"
check_models models-env.json
[ ! -e state ] || fail "a ./state directory appeared: a --Storage:StateDir was not read"
"$bin" models list --Storage:StateDir=v1 --Anomaly:FalseAlarmBudget=0.7 > /dev/null 2> bad.err && fail "an invalid value was accepted"
grep -q '^sensorodl: Anomaly:FalseAlarmBudget: ' bad.err || grep -q 'Anomaly:FalseAlarmBudget' bad.err || fail "invalid value not named: $(cat bad.err)"
"$bin" state export v1.zip --Storage:StateDir=v1 > export.txt 2>&1 || fail "state export exit $?: $(cat export.txt)"
"$bin" state import v1.zip --Storage:StateDir=imported > import.txt 2>&1 || fail "state import exit $?: $(cat import.txt)"
"$bin" models list --json --Storage:StateDir=imported > models-imported.json 2> models.err || fail "models list (imported) exit $?"
python3 -c "import json,sys; a=json.load(open('models.json')); b=json.load(open('models-imported.json')); sys.exit(0 if [r['id'] for r in a]==[r['id'] for r in b] else 1)" \
  || fail "the imported state lists other versions"
step "configuration keys and variables read; the v1 state lists its versions; state export/import round-trips"

# 3: demo
"$bin" demo > demo.txt 2>&1 || { cat demo.txt >&2; fail "demo exit"; }
grep -q 'model_promoted   version 2' demo.txt || { cat demo.txt >&2; fail "demo promoted no version 2"; }
step "demo: a fine-tune promoted version 2"

# 4: MQTT contract and a retrain
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > mosquitto.conf
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c mosquitto.conf > /dev/null 2>&1 & broker=$!
uri=mqtt://127.0.0.1:$port
for _ in $(seq 100); do mosquitto_sub -p "$port" -t x -C 1 -W 1 -E > /dev/null 2>&1 && break; sleep 0.1; done
"$bin" run --Mqtt:Uri=$uri --Device:Id=trim --Storage:StateDir=state --Sensor:Speed=20 --Adaptation:Mode=auto > daemon.log 2>&1 & daemon=$!
online=$(mosquitto_sub -p "$port" -t sensorodl/trim/availability -C 1 -W 120 2>/dev/null || true)
[ "$online" = online ] || { cat daemon.log >&2; fail "the daemon never came online (availability '$online')"; }
# the first status may be `starting` (the base model trains on the first start): wait for one with a model
mosquitto_sub -p "$port" -t sensorodl/trim/status -W 120 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    if json.loads(line).get("model"):
        open("status.json", "w").write(line)
        break
' || true
[ -s status.json ] || { cat daemon.log >&2; fail "no status with a model"; }
mosquitto_sub -p "$port" -t sensorodl/trim/model -C 1 -W 10 > model.json || fail "no retained model"
python3 - <<'EOF' || fail "status/model JSON: $(cat status.json model.json)"
import json
status, model = json.load(open("status.json")), json.load(open("model.json"))
assert status["state"] and status["model"]["version"] >= 1, status
assert model["version"] >= 1 and model["method"], model
EOF
# restart on a drifted machine (a load change) with adaptation off: the state written by the first start loads, and the
# retrain command's job fits the new normal
kill -TERM $daemon; wait $daemon || fail "the daemon's exit on SIGTERM was $?"
mosquitto_sub -p "$port" -t sensorodl/trim/availability -C 2 -W 60 > availability.txt 2>/dev/null & sub=$! # retained offline, then online
sleep 0.3
"$bin" run --Mqtt:Uri=$uri --Device:Id=trim --Storage:StateDir=state --Sensor:Speed=20 --Sensor:Simulation:Drift=${DRIFT:-load} \
  --Adaptation:Mode=off > daemon2.log 2>&1 & daemon=$!
wait $sub || true
[ "$(tail -n 1 availability.txt)" = online ] || { cat availability.txt daemon2.log >&2; fail "the daemon never came online again"; }
# The retrain trains on the newest stored windows: wait until drift is detected, so that they are the drifted machine's
# and not the first start's (a command sent at once trained on the old normal and was rejected, its false alarms not falling).
mosquitto_sub -p "$port" -t sensorodl/trim/status -W 120 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    if json.loads(line)["drift"]["detected"]:
        open("drift.json", "w").write(line)
        break
' || true
[ -s drift.json ] || { cat daemon2.log >&2; fail "the restarted daemon detected no drift on the drifted machine"; }
"$bin" fleet retrain --device trim --broker $uri --epochs 5 --timeout 240 --json > retrain.json 2> retrain.err \
  || { cat retrain.json retrain.err daemon2.log >&2; fail "fleet retrain exit"; }
python3 -c "import json; d=json.load(open('retrain.json'))['devices'][0]; assert d['outcome'] == 'promoted', d" \
  || fail "retrain outcome: $(cat retrain.json)"
kill -TERM $daemon; wait $daemon || fail "the daemon's exit on SIGTERM was $?"
daemon=""
step "run: online, retained status and model JSON; fleet retrain: $(python3 -c "import json; d=json.load(open('retrain.json'))['devices'][0]; print(d['outcome'], 'v' + str(d.get('version')))")"
echo "trimmed check: passed ($bin)"
