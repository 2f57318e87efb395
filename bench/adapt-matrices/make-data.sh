#!/usr/bin/env bash
# Makes the recordings the adaptation matrices read, in /tmp (the commands of sessions 7 and 10). SENSORODL_DLL: a build of sensorodl.dll (else simulated-dataset.sh builds one).
set -e
cd "$(dirname "$0")/../.."
python3 bench/synthetic-rooms.py /tmp/rooms-all mix050:0.5 hum60:0.5:15 --with-noisy
python3 bench/synthetic-rooms.py /tmp/rooms-mix025 mix025:0.25
python3 bench/synthetic-rooms.py /tmp/rooms-mix100 mix100:1.0
python3 bench/synthetic-rooms.py /tmp/fan13 mix050:0.5 hum60:0.5:15 mix100:1.0 --fan-speed 1.3
python3 bench/synthetic-rooms.py /tmp/fan075 mix050:0.5 hum60:0.5:15 mix100:1.0 --fan-speed 0.75
bash bench/simulated-dataset.sh /tmp/final-sim 300
