#!/usr/bin/env bash
# CI check of the Debian package (run by .ci/run, as root): builds the amd64 package (NativeAOT), reads it back,
# installs it into a scratch root with dpkg --root (maintainer scripts included), verifies the
# installed unit, runs the installed program (--help, demo, and deploy/trimmed-check.sh: configuration keys, the
# v1 state, export/import, the MQTT contract and a fleet retrain promoted), then upgrades, removes and purges it
# there and checks that the state directory survives everything except a purge that asks for it.
# Needs: dotnet, clang, zlib1g-dev, dpkg, binutils (readelf), systemd (systemd-analyze, systemd-sysusers, and
# deb-systemd-helper with it), mosquitto and mosquitto-clients, python3.
# Usage: deploy/deb/check.sh            (root; non-zero exit and a FAIL line on the first problem)
#        DEB=path/to/sensorodl_1.0.0_amd64.deb deploy/deb/check.sh   checks that package instead of building one
#        BUILD=r2r deploy/deb/check.sh  the ReadyToRun package of release 1.0.0 instead (deploy/deb/build.sh)
#        PREVIOUS_DEB=path/to/an-older.deb deploy/deb/check.sh   also: that package installed with the v1 state,
#          then upgraded to this one (the state directory kept and read by the new program). Not in CI: the
#          previous release's package is the ReadyToRun one, a second publish of 1–4 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deb check FAIL: $*" >&2; exit 1; }
step() { echo "deb check: $*"; }

# --- build (gzip: xz would spend a minute compressing in CI)
if [ -n "${DEB:-}" ]; then deb=$DEB; else
  step "building the amd64 package"
  deb=$(OUT_DIR="$work/out" DEB_COMPRESS=gzip deploy/deb/build.sh amd64 1.0.0 | tail -n 1)
fi
[ -f "$deb" ] || fail "build.sh made no package"

# --- the package as dpkg-deb reads it
info=$(dpkg-deb --info "$deb")
contents=$(dpkg-deb --contents "$deb")
for field in "Package: sensorodl" "Version: 1.0.0" "Architecture: amd64" "Depends: libc6"; do
  grep -q "^ $field" <<<"$info" || fail "control has no '$field'"
done
grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +conffiles" <<<"$info" || fail "no conffiles member"
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/sensorodl/sensorodl.json ] \
  || fail "conffiles is not exactly /etc/sensorodl/sensorodl.json"
for path in ./usr/lib/sensorodl/sensorodl \
  ./usr/lib/systemd/system/sensorodl.service ./usr/lib/sysusers.d/sensorodl.conf ./etc/sensorodl/sensorodl.json \
  ./usr/share/doc/sensorodl/README.md; do
  grep -q " $path\$" <<<"$contents" || fail "package lacks $path"
done
# NativeAOT: one native program (and System.IO.Ports' shim), no runtime, no assemblies, no debug symbols.
if [ "${BUILD:-aot}" = aot ]; then
  grep -Eq '\.(dll|pdb|dbg)$|/libcoreclr\.so$' <<<"$contents" && fail "a NativeAOT package with runtime files or symbols: $(grep -E '\.(dll|pdb|dbg)$|libcoreclr' <<<"$contents" | head -n 3)"
  grep -q '^ Depends: libc6 (>= 2\.[0-9]*), libssl3' <<<"$info" || fail "NativeAOT Depends is not libc6 (>= 2.x), libssl…: $(grep Depends <<<"$info")"
else
  for path in ./usr/lib/sensorodl/sensorodl.dll ./usr/lib/sensorodl/libcoreclr.so; do
    grep -q " $path\$" <<<"$contents" || fail "package lacks $path"
  done
fi
grep -q " ./usr/bin/sensorodl -> ../lib/sensorodl/sensorodl\$" <<<"$contents" || fail "no /usr/bin/sensorodl link"
grep -E '^-rwxr-xr-x root/root .* \./usr/lib/sensorodl/sensorodl$' <<<"$contents" >/dev/null \
  || fail "/usr/lib/sensorodl/sensorodl is not an executable owned by root"
step "$(basename "$deb"): $(du -h "$deb" | cut -f1), $(grep -c ' ./usr/lib/sensorodl/' <<<"$contents") files under /usr/lib/sensorodl"

# --- a scratch root with an empty dpkg database; scripts run outside it with DPKG_ROOT set
root=$work/root
mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
dpkg_root() { dpkg --root="$root" --force-script-chrootless --force-depends --force-confold --force-unsafe-io "$@" >"$work/dpkg.log" 2>&1 \
  || { cat "$work/dpkg.log" >&2; fail "dpkg $*"; }; }
step "installing into a scratch root"
dpkg_root -i "$deb"
grep -q '^sensorodl:x:[0-9]*:[0-9]*:.*:/var/lib/sensorodl:' "$root/etc/passwd" || fail "postinst made no sensorodl user"
for group in i2c spi gpio; do
  grep -Eq "^$group:x:[0-9]+:(.*,)?sensorodl(,|\$)" "$root/etc/group" || fail "sensorodl is not in group $group"
done
uid=$(awk -F: '$1 == "sensorodl" { print $3 }' "$root/etc/passwd")
[ "$(stat -c '%u %a' "$root/var/lib/sensorodl")" = "$uid 750" ] || fail "state directory is not sensorodl's, mode 0750"
[ -L "$root/etc/systemd/system/multi-user.target.wants/sensorodl.service" ] || fail "postinst did not enable the unit"

# --- the installed unit: verify a copy whose ExecStart points into the scratch root (verify checks the binary)
unit=$root/usr/lib/systemd/system/sensorodl.service
exec_line=$(grep '^ExecStart=' "$unit")
[ "$exec_line" = "ExecStart=/usr/lib/sensorodl/sensorodl run" ] || fail "unexpected $exec_line"
mkdir -p "$work/unit"
sed "s|^ExecStart=/usr/lib/sensorodl/sensorodl|ExecStart=$root/usr/lib/sensorodl/sensorodl|" "$unit" > "$work/unit/sensorodl.service"
verify=$(systemd-analyze verify "$work/unit/sensorodl.service" 2>&1) && status=0 || status=$?
if [ $status -ne 0 ] || grep -q sensorodl <<<"$verify"; then echo "$verify" >&2; fail "systemd-analyze verify (exit $status)"; fi
step "systemd-analyze verify: clean"

# --- the installed program, through the /usr/bin link, with the installed configuration
bin=$root/usr/bin/sensorodl
"$bin" --help > "$work/help.txt" || fail "sensorodl --help exit $?"
grep -q '^  demo ' "$work/help.txt" || fail "sensorodl --help lists no demo verb"
"$bin" demo --config "$root/etc/sensorodl/sensorodl.json" > "$work/demo.txt" 2>&1 || { cat "$work/demo.txt" >&2; fail "sensorodl demo exit"; }
grep -q 'model_promoted   version 2' "$work/demo.txt" || { cat "$work/demo.txt" >&2; fail "demo promoted no version 2"; }
step "installed sensorodl: --help and demo (a fine-tune promoted version 2) ran"
# The rest of what a trimmed/AOT build could lose without an error, on the installed program.
deploy/trimmed-check.sh "$root/usr/lib/sensorodl" > "$work/trimmed.txt" 2>&1 || { cat "$work/trimmed.txt" >&2; fail "deploy/trimmed-check.sh on the installed program"; }
step "installed sensorodl: deploy/trimmed-check.sh passed (keys, v1 state, export/import, MQTT status/model, fleet retrain promoted)"

# --- state of the previous release, an operator's edit, then an upgrade to a newer package
state=$root/var/lib/sensorodl
cp -a tests/Fixtures/v1/state-dir/. "$state/"
chown -R "$uid" "$state"
models() { "$bin" models list --json --Storage:StateDir="$state"; }
before=$(models) || fail "the installed 1.0.0 cannot list the v1 state"
[ "$(grep -o '"version":' <<<"$before" | wc -l)" -ge 2 ] || fail "v1 state lists fewer than two versions: $before"
echo '// edited by the operator' >> "$root/etc/sensorodl/sensorodl.json"
find "$state" -type f -printf '%P\n' | sort > "$work/state-before"
mkdir -p "$work/published"
dpkg-deb -x "$deb" "$work/published"
deb2=$(OUT_DIR="$work/out" DEB_COMPRESS=gzip PUBLISH_DIR="$work/published/usr/lib/sensorodl" deploy/deb/build.sh amd64 1.0.1 | tail -n 1)
step "upgrading to $(basename "$deb2")"
dpkg_root -i "$deb2"
grep -q '^ii  sensorodl *1.0.1 ' < <(dpkg --root="$root" -l sensorodl) || fail "1.0.1 is not the installed version"
find "$state" -type f -printf '%P\n' | sort | comm -23 "$work/state-before" - > "$work/state-lost"
[ ! -s "$work/state-lost" ] || fail "the upgrade lost state files: $(cat "$work/state-lost")"
[ "$(models)" = "$before" ] || fail "after the upgrade the registry reads differently"
grep -q '^// edited by the operator' "$root/etc/sensorodl/sensorodl.json" || fail "the upgrade replaced the edited conffile"
step "upgrade kept the state directory ($(wc -l < "$work/state-before") files; the previous release's registry lists the same) and the edited conffile"

# --- remove keeps state and configuration; purge keeps state unless asked
dpkg_root -r sensorodl
[ ! -e "$root/usr/lib/sensorodl/sensorodl" ] || fail "remove left the program"
[ -f "$state/sensorodl.db" ] || fail "remove deleted the state"
[ -f "$root/etc/sensorodl/sensorodl.json" ] || fail "remove deleted the conffile"
dpkg_root -P sensorodl
[ ! -e "$root/etc/sensorodl/sensorodl.json" ] || fail "purge left the conffile"
[ -f "$state/sensorodl.db" ] || fail "purge without SENSORODL_PURGE_STATE deleted the state"
dpkg_root -i "$deb2"
SENSORODL_PURGE_STATE=yes dpkg_root -P sensorodl
[ ! -e "$state" ] || fail "purge with SENSORODL_PURGE_STATE=yes kept the state"
step "remove and purge keep the state; SENSORODL_PURGE_STATE=yes purge removes it"

# --- optional: the previous release's package (another layout: ReadyToRun, 236 files) upgraded to this one
if [ -n "${PREVIOUS_DEB:-}" ]; then
  rm -rf "$root" && mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
  touch "$root/var/lib/dpkg/status"
  dpkg_root -i "$PREVIOUS_DEB"
  old_version=$(dpkg-deb -f "$PREVIOUS_DEB" Version)
  cp -a tests/Fixtures/v1/state-dir/. "$state/"
  chown -R "$(awk -F: '$1 == "sensorodl" { print $3 }' "$root/etc/passwd")" "$state"
  before=$(models) || fail "the previous release ($old_version) cannot list the v1 state"
  find "$state" -type f -printf '%P\n' | sort > "$work/state-before"
  step "upgrading $(basename "$PREVIOUS_DEB") ($(grep -c ' ./usr/lib/sensorodl/' < <(dpkg-deb --contents "$PREVIOUS_DEB")) files) to $(basename "$deb2")"
  dpkg_root -i "$deb2"
  grep -q "^ii  sensorodl *$(dpkg-deb -f "$deb2" Version) " < <(dpkg --root="$root" -l sensorodl) || fail "the new version is not installed"
  leftover=$(find "$root/usr/lib/sensorodl" -type f -printf '%P\n' | sort | comm -13 <(grep -o ' ./usr/lib/sensorodl/[^/]*$' <<<"$contents" | sed 's| ./usr/lib/sensorodl/||' | sort) -)
  [ -z "$leftover" ] || fail "the upgrade left the previous release's files: $(head -n 3 <<<"$leftover")"
  find "$state" -type f -printf '%P\n' | sort | comm -23 "$work/state-before" - > "$work/state-lost"
  [ ! -s "$work/state-lost" ] || fail "the upgrade lost state files: $(cat "$work/state-lost")"
  [ "$(models)" = "$before" ] || fail "after the upgrade the registry reads differently: $(models)"
  # state export reads every stored document and model file of the kept state
  "$bin" state export "$work/upgraded.zip" --Storage:StateDir="$state" > "$work/export.txt" 2>&1 \
    || { cat "$work/export.txt" >&2; fail "the upgraded program cannot export the kept state"; }
  step "upgrade from $old_version kept the state directory ($(wc -l < "$work/state-before") files; registry the same, state export of it by the new program) and removed the old program files"
fi
echo "deb check: passed in $SECONDS s"
