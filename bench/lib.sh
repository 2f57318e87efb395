# Sourced by the daemon benchmarks (measure-daemon.sh, retrain-peak.sh), after they set $port and $work and their EXIT trap:
# picks the daemon binary ($bin: SENSORODL_BIN, e.g. an installed NativeAOT or a ReadyToRun publish, else a fresh Release
# build), sets the GC as deploy/systemd/sensorodl.service does (GCGEN0=default measures the runtime's own choice) and starts
# a private mosquitto on $port ($broker).
if [ -n "${SENSORODL_BIN:-}" ]; then bin=$SENSORODL_BIN; else
  dotnet build src/Daemon -c Release -v q -nologo >/dev/null
  bin=src/Daemon/bin/Release/net10.0/sensorodl
fi
if [ "${GCGEN0:-}" != default ]; then export DOTNET_GCgen0size=${GCGEN0:-400000}; fi
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$work/mosquitto.conf"
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" >/dev/null 2>&1 & broker=$!
sleep 0.5
