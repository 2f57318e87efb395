#!/usr/bin/env bash
# Builds the Debian package of the daemon:  deploy/deb/build.sh ARCH [VERSION]
#   ARCH     arm64 (Raspberry Pi OS 64-bit and other aarch64 boards) or amd64 (x64 also accepted)
#   VERSION  the package and program version; default: the Daemon project's Version (1.0.0)
# Environment:
#   OUT_DIR      where the .deb goes (default: artifacts/deb)
#   PUBLISH_DIR  package this existing `dotnet publish` output instead of publishing (check.sh uses it
#                to build a second version of the same binary for the upgrade check)
#   DEB_COMPRESS dpkg-deb compressor, default xz (gzip builds faster)
#   BUILD        aot (default): NativeAOT, one native binary (profiles linux-x64-aot, linux-arm64-aot; needs clang and
#                zlib1g-dev, and for arm64 on an x64 machine gcc-aarch64-linux-gnu and zlib1g-dev:arm64: README.md);
#                r2r: the self-contained ReadyToRun build of release 1.0.0 (profiles linux-x64, linux-arm64; needs only dotnet)
# Prints the path of the .deb as its last line.
set -euo pipefail
cd "$(dirname "$0")/../.."

case "${1:-}" in
  arm64|aarch64) arch=arm64 rid=linux-arm64 ;;
  amd64|x64|x86_64) arch=amd64 rid=linux-x64 ;;
  *) echo "usage: deploy/deb/build.sh arm64|amd64 [VERSION]" >&2; exit 2 ;;
esac
case "${BUILD:-aot}" in
  aot) profile=$rid-aot ;;
  r2r) profile=$rid ;;
  *) echo "build.sh: BUILD=${BUILD} is neither aot nor r2r" >&2; exit 2 ;;
esac
version=${2:-$(dotnet msbuild src/Daemon -getProperty:Version -nologo)}
if ! [[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]]; then
  echo "build.sh: '$version' is not a Debian version (digits first, then letters, digits, . + ~ -)" >&2; exit 2
fi
out=${OUT_DIR:-artifacts/deb}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
lib=$stage/usr/lib/sensorodl

# 1. The program: self-contained, so the board needs no .NET (profile: src/Daemon/Properties/PublishProfiles).
#    NativeAOT: the binary and libSystem.IO.Ports.Native.so (System.IO.Ports' serial shim, loaded only if a serial port
#    is opened); the runtime, System.Native and the OpenSSL shim are linked in, libssl itself is loaded at run time.
if [ -n "${PUBLISH_DIR:-}" ]; then
  [ -x "$PUBLISH_DIR/sensorodl" ] || { echo "build.sh: no sensorodl in PUBLISH_DIR=$PUBLISH_DIR" >&2; exit 2; }
  mkdir -p "$lib" && cp -a "$PUBLISH_DIR/." "$lib/"
else
  # The assembly version is the numeric part (1.2.3 of 1.2.3-1~rc1).
  dotnet publish src/Daemon -c Release -nologo -v q -p:PublishProfile=$profile \
    -p:Version="$version" -p:AssemblyVersion="${version%%[^0-9.]*}" -o "$lib" >&2
fi
# .dbg: NativeAOT's native debug symbols (twice the binary's size, not needed to run).
rm -f "$lib"/*.pdb "$lib"/*.dbg
# ELF e_machine: 183 aarch64, 62 x86-64.
machine=$(od -An -tu2 -j18 -N2 "$lib/sensorodl" | tr -d ' ')
[ "$machine" = "$([ $arch = arm64 ] && echo 183 || echo 62)" ] \
  || { echo "build.sh: $lib/sensorodl is not a $arch program (ELF machine $machine)" >&2; exit 1; }

# 2. Files around it.
install -d "$stage/usr/bin" "$stage/usr/lib/systemd/system" "$stage/usr/lib/sysusers.d" \
  "$stage/etc/sensorodl" "$stage/usr/share/doc/sensorodl" "$stage/DEBIAN"
ln -s ../lib/sensorodl/sensorodl "$stage/usr/bin/sensorodl"
install -m 0644 deploy/systemd/sensorodl.service "$stage/usr/lib/systemd/system/sensorodl.service"
install -m 0644 deploy/systemd/sensorodl.sysusers.conf "$stage/usr/lib/sysusers.d/sensorodl.conf"
install -m 0644 deploy/deb/sensorodl.json "$stage/etc/sensorodl/sensorodl.json"
install -m 0644 README.md "$stage/usr/share/doc/sensorodl/README.md"
install -m 0644 docs/CONTRACT.md "$stage/usr/share/doc/sensorodl/CONTRACT.md"
install -m 0644 deploy/systemd/README.md "$stage/usr/share/doc/sensorodl/README.systemd.md"
install -m 0644 deploy/deb/copyright "$stage/usr/share/doc/sensorodl/copyright"

# 3. Modes: dpkg-deb keeps them; programs and native libraries executable, the rest read-only.
find "$stage" -type d -exec chmod 0755 {} +
find "$lib" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/sensorodl"
find "$lib" -name '*.so' -exec chmod 0755 {} +
[ -f "$lib/createdump" ] && chmod 0755 "$lib/createdump"

# 4. Control files.
install -m 0755 deploy/deb/debian/postinst deploy/deb/debian/prerm deploy/deb/debian/postrm "$stage/DEBIAN/"
echo /etc/sensorodl/sensorodl.json > "$stage/DEBIAN/conffiles"
installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# libssl: .NET loads it for TLS and hashing (mqtts, model ids); Debian 12 names it libssl3, 13 libssl3t64.
# systemd-sysusers comes with systemd (or systemd-standalone-sysusers in a container image).
# libc6: the JIT runtime of the ReadyToRun build needs glibc 2.27 (.NET 10's floor), libgcc_s and libstdc++; the
# NativeAOT binary links only libc and libm, at the newest glibc symbol version it uses (2.34 when built on Debian 12;
# readelf reads either architecture).
if [ -e "$lib/libcoreclr.so" ]; then runtime_depends="libc6 (>= 2.27), libgcc-s1, libstdc++6"; else
  glibc=$(readelf -W --dyn-syms "$lib/sensorodl" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
  [ -n "$glibc" ] || { echo "build.sh: no glibc symbol versions in $lib/sensorodl" >&2; exit 1; }
  runtime_depends="libc6 (>= $glibc)"
fi
cat > "$stage/DEBIAN/control" <<CONTROL
Package: sensorodl
Version: $version
Architecture: $arch
Maintainer: SensorOdl maintainers <sensorodl@localhost>
Installed-Size: $installed_kb
Depends: $runtime_depends, libssl3 | libssl3t64 | libssl1.1, systemd | systemd-standalone-sysusers | systemd-sysusers
Recommends: ca-certificates
Suggests: mosquitto, mosquitto-clients, i2c-tools
Section: misc
Priority: optional
Description: on-device vibration anomaly and drift monitor
 A headless daemon for Raspberry-Pi-class boards: reads a vibration sensor over
 I2C/SPI (ADXL345, MPU6050, ADS1115, MCP3008), scores every window with a small
 autoencoder, notices drift, fine-tunes itself on the device (Skip2-LoRA), keeps
 every model version for rollback and reports over MQTT with Home Assistant
 discovery. Self-contained: no .NET installation needed. Runs as the systemd
 service sensorodl; configuration in /etc/sensorodl/sensorodl.json.
CONTROL
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)

mkdir -p "$out"
deb=$out/sensorodl_${version}_${arch}.deb
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "$stage" "$deb" >&2
echo "$deb"
