#!/usr/bin/env bash
# Build the Debian package for the build machine's architecture, or for each
# architecture named (arm64, armhf: a multiarch cross build), from a copy of
# the tree in build-deb-ARCH/ so that nothing lands outside it, then run
# lintian on it (an error or a warning fails: debian/README.source explains
# what is left). The .debs are left in dist/.
#   scripts/deb.sh [ARCH...]
# HV_DEB_VERSION=V builds the package as version V (the upgrade test).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
native=$(dpkg --print-architecture)
[ $# -gt 0 ] || set -- "$native"
mkdir -p dist

# What a fresh Debian 12 machine lacks for a native build (cross.sh adds the
# :ARCH libraries for the others).
need=()
for p in debhelper dpkg-dev lintian pkgconf libsystemd-dev libmosquitto-dev \
	libsqlite3-dev libgpiod-dev libcjson-dev libcmocka-dev libssl-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "deb.sh: installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

build_one() { # arch
	local arch=$1 work src version opts=()
	work=$top/build-deb-$arch
	rm -rf "$work"
	src=$work/homevitals
	mkdir -p "$src"
	# The tree as it is (committed or not), without build output.
	tar -C "$top" --exclude='./build*' --exclude=./dist --exclude=./.git \
		-cf - . | tar -C "$src" -xf -
	if [ -n "${HV_DEB_VERSION:-}" ]; then
		sed -i "1s/(.*)/(${HV_DEB_VERSION})/" "$src/debian/changelog"
	fi
	[ "$arch" = "$native" ] || opts=(-a "$arch" "--build-profiles=cross,nocheck")
	(cd "$src" && dpkg-buildpackage -us -uc -b "${opts[@]}") >"$work/build.log" 2>&1 || {
		tail -40 "$work/build.log"
		echo "deb.sh: dpkg-buildpackage failed for $arch (log: $work/build.log)" >&2
		return 1
	}
	version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
	local deb=$work/homevitals_${version}_${arch}.deb
	lintian --fail-on error,warning --info "$work"/homevitals_"${version}"_"${arch}".changes \
		| tee "$work/lintian.log"
	cp "$deb" dist/
	echo "deb.sh: dist/$(basename "$deb")"
}

for a in "$@"; do
	start=$(date +%s)
	build_one "$a"
	echo "deb.sh: $a took $(($(date +%s) - start)) s"
done
