#!/usr/bin/env bash
# Install the Debian packages a homevitals target needs, and nothing more.
# Idempotent; uses sudo when not root.
#
#   scripts/deps.sh [--if-missing] [SET...]
#
#   build     compiler, pkg-config and the -dev libraries: `make`
#   runtime   what the installed daemon talks to: bluez, dbus, systemd, udev
#   demo      build + mosquitto, its clients, dbus-daemon, python3, and node
#             with npm to build the dashboard page: `make demo`
#   test      demo + cmocka, openssl, sqlite3, systemd-analyze, udevadm, man,
#             cppcheck, fakeroot, chromium (the dashboard's browser test),
#             tzdata (device clocks converted across a daylight-saving change):
#             `make check` (no clang, no valgrind)
#   valgrind  test + valgrind: `make check-valgrind`
#   fuzz      build + clang and its libFuzzer runtime: `make fuzz`
#   realstack QEMU, Debian's kernel, BlueZ tools: `make check-realstack`
#             (tests/realstack/deps.sh)
#   all       every set above but realstack (CI)
#
# Without a SET: build and runtime (what `make` and `make install` need).
# --if-missing returns at once when every library and tool of the sets is
# there. apt's output goes to a log whose last lines are shown on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian keeps some daemons and tools in the sbin folders, which are not on
# an ordinary user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

if_missing=0
sets=()
for a in "$@"; do
	case $a in
	--if-missing) if_missing=1 ;;
	build | runtime | demo | test | valgrind | fuzz | realstack | all) sets+=("$a") ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "deps.sh: unknown set '$a' (build runtime demo test valgrind fuzz realstack all)" >&2
		exit 2
		;;
	esac
done
[ ${#sets[@]} -gt 0 ] || sets=(build runtime)

PACKAGES=()
PKG_MODULES=()
TOOLS=()
want() { # set: add its packages, pkg-config modules and tools
	case $1 in
	build)
		PACKAGES+=(build-essential pkg-config libsystemd-dev libmosquitto-dev
			libsqlite3-dev libgpiod-dev libcjson-dev libssl-dev)
		PKG_MODULES+=(libsystemd libmosquitto sqlite3 libgpiod libcjson libcrypto)
		TOOLS+=(cc make pkg-config)
		;;
	runtime)
		PACKAGES+=(bluez dbus systemd udev)
		TOOLS+=(bluetoothctl dbus-daemon systemctl udevadm)
		;;
	demo)
		want build
		PACKAGES+=(mosquitto mosquitto-clients dbus python3 nodejs npm)
		TOOLS+=(mosquitto mosquitto_sub dbus-daemon python3 node npm)
		;;
	test)
		want demo
		PACKAGES+=(libcmocka-dev openssl sqlite3 systemd udev man-db cppcheck fakeroot
			chromium iproute2 tzdata)
		PKG_MODULES+=(cmocka)
		TOOLS+=(mosquitto_passwd openssl sqlite3 systemd-analyze systemd-sysusers
			systemd-tmpfiles udevadm man cppcheck fakeroot chromium ss)
		;;
	valgrind)
		want test
		PACKAGES+=(valgrind)
		TOOLS+=(valgrind)
		;;
	fuzz)
		want build
		PACKAGES+=(clang libclang-rt-14-dev)
		TOOLS+=(clang)
		;;
	all)
		want runtime
		want valgrind
		want fuzz
		;;
	esac
}
for s in "${sets[@]}"; do
	[ "$s" = realstack ] || want "$s"
done

have_all() {
	local t
	if [ ${#PKG_MODULES[@]} -gt 0 ]; then
		command -v pkg-config >/dev/null 2>&1 || return 1
		pkg-config --exists "${PKG_MODULES[@]}" || return 1
	fi
	for t in "${TOOLS[@]}"; do
		command -v "$t" >/dev/null 2>&1 || return 1
	done
}

realstack() {
	[[ " ${sets[*]} " == *" realstack "* ]] || return 0
	tests/realstack/deps.sh
}

if [ ${#PACKAGES[@]} -eq 0 ] || { [ "$if_missing" = 1 ] && have_all; }; then
	realstack
	exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: not root and no sudo: as root, apt-get install ${PACKAGES[*]}" >&2
		exit 1
	}
	SUDO=(sudo)
fi

log=$(mktemp "${TMPDIR:-/tmp}/homevitals-deps.XXXXXX")
trap 'rm -f "$log"' EXIT
apt_get() { # apt-get ARGS, output in the log; its tail on failure
	if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$log" 2>&1; then
		echo "deps.sh: apt-get $* failed; its last lines:" >&2
		tail -n 15 "$log" >&2
		return 1
	fi
}

if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -print -quit 2>/dev/null)" ]; then
	apt_get update -qq
fi
# A command some machines have from elsewhere (Node.js from its own
# repository bundles npm, and Debian's npm package would conflict with it).
declare -A provided_by_command=([nodejs]=node [npm]=npm)
missing=()
for p in $(printf '%s\n' "${PACKAGES[@]}" | awk '!seen[$0]++'); do
	c=${provided_by_command[$p]:-}
	[ -n "$c" ] && command -v "$c" >/dev/null 2>&1 && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh (${sets[*]}): installing ${missing[*]}"
	if ! apt_get install -y -qq --no-install-recommends "${missing[@]}" 2>/dev/null; then
		apt_get update -qq
		apt_get install -y -qq --no-install-recommends "${missing[@]}"
	fi
fi
if ! have_all; then
	for t in "${TOOLS[@]}"; do
		command -v "$t" >/dev/null 2>&1 || echo "deps.sh: '$t' is still missing" >&2
	done
	[ ${#PKG_MODULES[@]} -eq 0 ] || pkg-config --print-errors --exists "${PKG_MODULES[@]}" >&2 || true
	echo "deps.sh: packages installed but a library or tool is still missing" >&2
	exit 1
fi
realstack
