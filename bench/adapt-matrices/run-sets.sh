#!/usr/bin/env bash
# run-sets.sh TAG BIN SET... [-- extra adapt-eval args]; two lanes; JSON to /tmp/TAG-SET.json
tag=$1; bin=$2; shift 2; root=$(cd "$(dirname "$0")/../.." && pwd)
sets=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do sets+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra="$*"
one() {
  s=$1
  case $s in
    fan) d=$root/data/cooling-fan;; sim) d=/tmp/final-sim;; *) d=/tmp/$s;;
  esac
  if [ $s = sim ]; then args="--by drift --normal fault=none --faults-by fault"; else args="--by env --normal state=normal --faults-by state"; fi
  DOTNET_TieredCompilation=0 dotnet $bin/sensorodl.dll adapt-eval --matrix --data $d $args --json --out /tmp/$tag-$s.json $extra > /tmp/$tag-$s.log 2>&1 || echo "FAILED $tag-$s"
}
export -f one; export tag bin extra root
printf '%s\n' "${sets[@]}" | xargs -P2 -I{} bash -c 'one {}'
echo "done $tag"
