#!/usr/bin/env bash
# Cross-build homevitals for each architecture named (default: arm64 armhf)
# with Debian's multiarch cross toolchains, run the unit tests (all but
# tests/deb/units.skip) and replay every fuzz corpus under qemu-user
# (tests/deb/run-units.sh), then build that architecture's .deb
# (scripts/deb.sh). Installs what it needs
# (as root, apt-get) when it is missing. Prints each stage's time.
#   scripts/cross.sh [arm64] [armhf]
# HV_CROSS_NO_DEB=1 skips the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- arm64 armhf

triplet() {
	case $1 in
	arm64) echo aarch64-linux-gnu ;;
	armhf) echo arm-linux-gnueabihf ;;
	*) echo "cross.sh: unknown architecture $1" >&2; return 1 ;;
	esac
}
qemu_for() {
	case $1 in
	arm64) echo qemu-aarch64-static ;;
	armhf) echo qemu-arm-static ;;
	esac
}

dev_packages() { # arch
	local p
	for p in libsystemd-dev libmosquitto-dev libsqlite3-dev libgpiod-dev \
		libcjson-dev libcmocka-dev libssl-dev; do
		echo "$p:$1"
	done
	echo "pkgconf:$1" # the $(triplet)-pkg-config wrapper
	echo "crossbuild-essential-$1"
}

ensure_packages() { # arch...
	local want=(qemu-user-static dpkg-dev debhelper lintian pkgconf) missing=() a p
	for a in "$@"; do
		mapfile -t -O "${#want[@]}" want < <(dev_packages "$a")
		dpkg --print-foreign-architectures | grep -qx "$a" || {
			echo "cross.sh: adding architecture $a"
			dpkg --add-architecture "$a"
			apt-get update -qq
		}
	done
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "cross.sh: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

stage() { # label command...
	local label=$1 start rc=0
	shift
	start=$(date +%s)
	"$@" || rc=$?
	echo "cross.sh: $label: $(($(date +%s) - start)) s$( [ $rc -eq 0 ] || echo ", FAILED ($rc)")"
	return $rc
}

cross_one() { # arch
	local arch=$1 t
	t=$(triplet "$arch")
	# The flags the package is built with (debian/rules), so the tests
	# see what ships: on armhf that includes a 64-bit off_t.
	local flags=() v
	for v in CFLAGS CPPFLAGS LDFLAGS; do
		flags+=("$v=$(CC="$t-gcc" DEB_BUILD_MAINT_OPTIONS="hardening=+all future=+lfs" \
			dpkg-architecture -a "$arch" -c dpkg-buildflags --get "$v")")
	done
	local mk=(make --no-print-directory -j2 BUILD="build-$arch" CC="$t-gcc"
		PKG_CONFIG="$t-pkg-config" "${flags[@]}")
	# From scratch: the Makefile does not track flags.
	rm -rf "build-$arch"
	stage "$arch build" "${mk[@]}" all unit-tests
	# The loader and libraries are the multiarch ones under /lib and /usr/lib/$t.
	stage "$arch unit tests and corpora under qemu-user" \
		env BUILD="build-$arch" HV_RUNNER="$(qemu_for "$arch") -L /usr/$t" tests/deb/run-units.sh
	file "build-$arch/homevitalsd" 2>/dev/null || true
	[ "${HV_CROSS_NO_DEB:-0}" = 1 ] || stage "$arch .deb" scripts/deb.sh "$arch"
}

stage "packages" ensure_packages "$@"
for a in "$@"; do
	cross_one "$a"
done
