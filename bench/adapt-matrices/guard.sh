#!/usr/bin/env bash
# guard.sh TAG BIN [extra adapt-eval args]: no false drift take 1 -> 2 in both rooms; the damaged fan refused as the new normal
tag=$1; bin=$2; shift 2; extra=("$@"); D=$(cd "$(dirname "$0")/../.." && pwd)/data/cooling-fan
run() { DOTNET_TieredCompilation=0 dotnet $bin/sensorodl.dll adapt-eval --data $D "$@" "${extra[@]}"; }
run --train env=silentA,state=normal,take=1 --target env=silentA,speed=hmlo,state=normal,take=2 --faults env=silentA,state=damage1 --json --out /tmp/$tag-g-silentA.json > /tmp/$tag-g-silentA.txt 2>&1
run --train env=noisy,state=normal,take=1 --target env=noisy,speed=hmlo,state=normal,take=2 --faults env=noisy,state=damage1 --json --out /tmp/$tag-g-noisy.json > /tmp/$tag-g-noisy.txt 2>&1
run --train env=silentA,state=normal --exemplars env=silentA,state=damage1,take=1 --target env=silentA,state=damage1,take=2 --faults env=silentA,state=damage1,take=2 --Adaptation:MinSamples 30 --json --out /tmp/$tag-g-damaged.json > /tmp/$tag-g-damaged.txt 2>&1
echo done
