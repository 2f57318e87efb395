#!/usr/bin/env bash
# run-all.sh TAG BIN [extra adapt-eval args]: all seven matrices, JSON to /tmp/TAG-SET.json
tag=$1; bin=$2; shift 2
exec "$(dirname "$0")/run-sets.sh" $tag $bin sim rooms-all fan075 fan13 fan rooms-mix025 rooms-mix100 -- "$@"
