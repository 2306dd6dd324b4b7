#!/usr/bin/env bash
# Install the Debian packages homevitals needs to build, test and run its
# demo. Idempotent. `--if-missing` returns at once when everything is there.
set -euo pipefail

PACKAGES=(
	build-essential pkg-config
	libsystemd-dev libmosquitto-dev libsqlite3-dev libgpiod-dev
	libcjson-dev libcmocka-dev
	mosquitto mosquitto-clients dbus bluez sqlite3 openssl
	systemd udev valgrind python3
	clang libclang-rt-14-dev
)
PKG_MODULES=(libsystemd libmosquitto sqlite3 libgpiod libcjson cmocka)
TOOLS=(mosquitto mosquitto_sub dbus-daemon openssl sqlite3 python3 systemd-analyze udevadm)

have_all() {
	command -v pkg-config >/dev/null 2>&1 || return 1
	pkg-config --exists "${PKG_MODULES[@]}" || return 1
	local t
	for t in "${TOOLS[@]}"; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || return 1
	done
}

if [ "${1:-}" = "--if-missing" ] && have_all; then
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: not root and no sudo: install ${PACKAGES[*]}" >&2
		exit 1
	}
	SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -print -quit 2>/dev/null)" ]; then
	"${SUDO[@]}" apt-get update -qq
fi
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}"
	if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
		"${SUDO[@]}" apt-get update -qq
		"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
fi
have_all || { echo "deps.sh: packages installed but a module or tool is still missing" >&2; exit 1; }
