#!/usr/bin/env bash
# Install what the real-stack tier needs on Debian 12 (amd64): QEMU, Debian's
# own kernel with its headers and source (gpio-sim is built from it), BlueZ
# with btvirt, libgpiod tools, busybox for the initramfs, python3-dbus/gi for
# the test peripheral. `make check-realstack` runs it (through
# scripts/deps.sh realstack); `make check` needs none of it. Exit 0 when
# everything is installed; otherwise print why not and exit 1.
set -uo pipefail

PACKAGES=(
	qemu-system-x86 linux-image-amd64 linux-headers-amd64 linux-source-6.1
	bluez bluez-test-tools dbus gpiod busybox-static cpio kmod xz-utils
	python3-dbus python3-gi mosquitto mosquitto-clients sqlite3 systemd
)

if [ "$(uname -m)" != x86_64 ]; then
	echo "realstack deps: needs an x86_64 host (qemu-system-x86_64 with Debian's amd64 kernel)"
	exit 1
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo > /dev/null 2>&1; then
		echo "realstack deps: not root and no sudo: cannot install ${PACKAGES[*]}"
		exit 1
	fi
	SUDO=(sudo)
	[ -t 0 ] || SUDO=(sudo -n) # no terminal to ask a password on
fi
if ! command -v apt-get > /dev/null 2>&1; then
	echo "realstack deps: no apt-get (Debian 12 expected)"
	exit 1
fi
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" = 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
	echo "realstack deps: apt-get could not install ${missing[*]}:"
	tail -n 5 "$log"
	exit 1
fi
