# Helpers for scenarios inside the guest (sourced). Everything waits for a
# condition with a time limit instead of sleeping a fixed time: under software
# emulation timings vary with the host's load.
RS_OUT=${RS_OUT:-/tmp}
RS_PASS=0
RS_FAIL=0
PY=/usr/bin/python3
RSTOOL="$PY $RS_DIR/rstool.py"

up() { cut -d' ' -f1 /proc/uptime; }
note() { echo "# [$(up)] $*"; }
ok() { RS_PASS=$((RS_PASS + 1)); echo "ok $((RS_PASS + RS_FAIL)) - $*"; }
not_ok() { RS_FAIL=$((RS_FAIL + 1)); echo "not ok $((RS_PASS + RS_FAIL)) - $*"; }
check() { # check DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi
}
summary() {
	echo "$RS_PASS passed, $RS_FAIL failed"
	[ "$RS_FAIL" -eq 0 ]
}

# wait_for SECONDS CMD... : run CMD every 0.3 s until it succeeds
wait_for() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@" > /dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.3
	done
}
# wait_for_verbose SECONDS CMD... : the same, and show CMD's output when it fails
wait_for_verbose() {
	local t=$1
	shift
	wait_for "$t" "$@" || { "$@" 2>&1 | sed 's/^/#   /'; return 1; }
}

# Controllers: btvirt's emulated LE controllers, numbered as created.
ncontrollers() { btmgmt info 2> /dev/null | sed -n 's/^Index list with \([0-9]*\) item.*/\1/p'; }
powered() { btmgmt -i "$1" info 2> /dev/null | grep -q 'current settings: powered'; }
address_of() { btmgmt -i "$1" info 2> /dev/null | awk '$1 == "addr" { print $2; exit }'; }

# btvirt alone first: the kernel's HCI init of a vhci controller gives up
# after a 2 s command timeout, which happens under TCG when btvirt and
# bluetoothd start together on a busy host. Retry when one is missing.
start_controllers() { # start_controllers N
	local n=$1 try
	for try in 1 2 3; do
		btvirt -L -l"$n" > "$RS_OUT/btvirt.log" 2>&1 &
		BTVIRT_PID=$!
		wait_for 20 sh -c "[ \"\$(btmgmt info 2>/dev/null | sed -n 's/^Index list with \([0-9]*\) item.*/\1/p')\" = $n ]" && return 0
		note "try $try: $(ncontrollers) of $n controllers came up; restarting btvirt"
		kill "$BTVIRT_PID"
		wait "$BTVIRT_PID" 2> /dev/null
		sleep 1
	done
	return 1
}

start_bluetoothd() {
	local debug=
	grep -q 'rs.btd_debug=1' /proc/cmdline && debug=-d
	/usr/libexec/bluetooth/bluetoothd -n $debug >> "$RS_OUT/bluetoothd.log" 2>&1 &
	BTD_PID=$!
}

# adv_once HCI HEX [connectable]: (re-)add advertising instance 1. btvirt's
# radio sends a report only when advertising is (re-)enabled, not once per
# interval, so every call is one advertisement heard by the scanner.
adv_once() {
	local out
	out=$(btmgmt -i "$1" add-adv ${3:+-c} -g -d "$2" 1 2>&1) ||
		echo "[$(up)] $1 add-adv $2 failed: $out" >> "$RS_OUT/adv.log"
	return 0
}
# What BlueZ and the kernel think, for a failed check's diagnosis
bt_state() {
	local h
	for h in hci0 hci1 hci2; do
		echo "# $h: $(btmgmt -i "$h" info 2> /dev/null | grep 'current settings')"
	done
	echo "# hci0 Discovering: $(busctl get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Discovering 2>&1)"
	echo "# hci0 devices: $(busctl --list tree org.bluez 2> /dev/null | grep -c '^/org/bluez/hci0/dev_[0-9A-F_]*$')"
	echo "# hci1 adverts: $(btmgmt -i hci1 advinfo 2> /dev/null | tr '\n' ' ')"
}
adv_stop() { btmgmt -i "$1" rm-adv 1 > /dev/null 2>&1; }

# A device that keeps advertising, as a real one does, except while a central
# is connected to it (like a scale that stops advertising during a link).
beacon_start() { # beacon_start HCI HEX PERIOD
	local hci=$1 data=$2 period=$3
	(
		while :; do
			btmgmt -i "$hci" con 2> /dev/null | grep -q ' type ' || adv_once "$hci" "$data" c
			sleep "$period"
		done
	) &
	BEACON_PID=$!
}
beacon_stop() {
	[ -n "${BEACON_PID:-}" ] || return 0
	kill "$BEACON_PID" 2> /dev/null
	wait "$BEACON_PID" 2> /dev/null
	BEACON_PID=
}

# gpio-sim: gpiosim_chip NAME NLINES LINE LINENAME -> prints the sysfs value file of the line
gpiosim_chip() {
	local name=$1 n=$2 line=$3 lname=$4 c
	[ -d /sys/kernel/config/gpio-sim ] || modprobe gpio-sim 2> /dev/null ||
		insmod "$RS_WORK/gpio-sim.ko" || return 1
	c=/sys/kernel/config/gpio-sim/$name
	mkdir "$c" "$c/bank0" "$c/bank0/line$line" || return 1
	echo "$n" > "$c/bank0/num_lines"
	echo "$name" > "$c/bank0/label"
	echo "$lname" > "$c/bank0/line$line/name"
	echo 1 > "$c/live" || return 1
	echo "/sys/devices/platform/$(cat "$c/dev_name")/$(cat "$c/bank0/chip_name")/sim_gpio$line/value"
}

sql() { sqlite3 -batch -noheader "$DB" "$@" 2> /dev/null; }
