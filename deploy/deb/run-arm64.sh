#!/usr/bin/env bash
# Runs the arm64 package's program on an x64 machine under user-mode emulation (Debian's
# qemu-user-static), to show the Raspberry Pi build starts: sensorodl --help and demo.
# Usage: deploy/deb/run-arm64.sh [artifacts/deb/sensorodl_VERSION_arm64.deb]   (builds one if not given)
# Needs qemu-user-static and arm64 libc6, libssl3 (multiarch; libstdc++6 and libgcc-s1 too for a BUILD=r2r package);
# as root it installs them:
#   dpkg --add-architecture arm64 && apt-get update && apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64
# Not in CI: the arm64 NativeAOT publish takes 2–6 minutes (the demo itself 24 s under emulation; the ReadyToRun
# build's one to two minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v qemu-aarch64-static >/dev/null 2>&1 || [ ! -e /lib/ld-linux-aarch64.so.1 ] \
  || ! dpkg -s libssl3:arm64 libstdc++6:arm64 >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "run-arm64.sh: install qemu-user-static and the arm64 libraries first (see the header)" >&2; exit 2; }
  dpkg --add-architecture arm64
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 >/dev/null
fi
deb=${1:-$(deploy/deb/build.sh arm64 | tail -n 1)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
bin=$work/root/usr/lib/sensorodl/sensorodl
echo "$(basename "$deb"): $(dpkg-deb -f "$deb" Architecture), $(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ') = ELF aarch64 (183)"
# Called through qemu explicitly, so no binfmt_misc registration is needed.
qemu-aarch64-static "$bin" --help | head -n 3
qemu-aarch64-static "$bin" demo --config "$work/root/etc/sensorodl/sensorodl.json" > "$work/demo.txt"
tail -n 4 "$work/demo.txt"
grep -q 'model_promoted   version 2' "$work/demo.txt" || { echo "run-arm64.sh: the demo promoted no version 2" >&2; exit 1; }
echo "arm64 under emulation: --help and demo ran"
