#!/bin/bash
# The real-stack tier: boot Debian's own kernel under QEMU with the host's /
# shared read-only, and run the project's freshly built homevitalsd against
# the real kernel Bluetooth stack (hci_vhci + btvirt), the real bluetoothd,
# a real mosquitto and a gpio-sim LED line. See docs/realstack.md.
#
#   tests/realstack/run.sh [scenario.sh | shell]     (make check-realstack)
#
# Env: BUILD (build folder, default build), RS_ACCEL (auto | kvm | tcg),
#      RS_TIMEOUT (seconds for the whole boot, default 600), RS_MEM (MiB,
#      512), RS_SMP (2), RS_BTD_DEBUG=1 (bluetoothd -d).
# Exit: 0 all passed, 1 a check failed, 77 skipped (the message says why).
# Output: TAP lines, then "N passed, N failed". On failure the guest's
# console log and every log of the run stay in $BUILD/realstack/.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export RS_WORK=$BUILD/realstack
OUT=$RS_WORK/out
SCEN=${1:-scenario.sh}

skip() {
	echo "realstack: SKIP: $*"
	exit 77
}

# --- what the tier needs on the host ----------------------------------------
# modprobe and friends live in the sbin folders, not on a user's PATH.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" > /dev/null 2>&1 ||
			skip "'$c' is not installed (tests/realstack/deps.sh installs what this tier needs)"
	done
}
need_cmd qemu-system-x86_64 btvirt btmgmt bluetoothctl dbus-daemon mosquitto mosquitto_sub \
	sqlite3 gpioinfo cpio modprobe busctl
[ -x /bin/busybox ] && /bin/busybox --list 2> /dev/null | grep -x switch_root > /dev/null ||
	skip "no static /bin/busybox (busybox-static)"
[ -x /usr/libexec/bluetooth/bluetoothd ] || skip "no /usr/libexec/bluetooth/bluetoothd (bluez)"
/usr/bin/python3 -c 'import dbus, gi.repository.GLib' 2> /dev/null ||
	skip "/usr/bin/python3 lacks dbus or gi (python3-dbus python3-gi)"
ls /boot/vmlinuz-* > /dev/null 2>&1 || skip "no kernel image in /boot (linux-image-amd64)"
for b in homevitalsd homevitals; do
	[ -x "$BUILD/$b" ] || { echo "realstack: $BUILD/$b is missing: run make first" >&2; exit 1; }
done

# --- build the initramfs and gpio-sim.ko (cached) ---------------------------
mkdir -p "$RS_WORK"
if ! "$HERE/build.sh" > "$RS_WORK/build.log" 2>&1; then
	cat "$RS_WORK/build.log"
	skip "could not prepare the guest (kernel, headers or linux-source missing: see above)"
fi
KV=$(cat "$RS_WORK/kernel-version")

# --- accelerator -------------------------------------------------------------
# KVM only when the CPU offers vmx/svm and /dev/kvm is a plain KVM: on nested
# (PVM) hosts /dev/kvm exists but a stock kernel hangs at its first
# instruction. A KVM boot that never reaches stage 2 is retried under TCG.
accel=${RS_ACCEL:-auto}
if [ "$accel" = auto ]; then
	accel=tcg
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
		accel=kvm
	fi
fi

boot() { # boot ACCEL
	local a=$1 qa
	rm -rf "$OUT"
	mkdir -p "$OUT"
	if [ "$a" = kvm ]; then
		qa=(-accel kvm -cpu host)
	else
		# a 256 MiB translation cache keeps qemu's RSS near 0.5 GB
		qa=(-accel tcg,tb-size=256)
	fi
	local serial=(-serial "file:$RS_WORK/console.log" -monitor none) in=/dev/null
	if [ "$SCEN" = shell ]; then
		serial=(-serial mon:stdio)
		in=/dev/stdin
	fi
	echo "realstack: booting $KV under qemu ($a), scenario $SCEN"
	timeout --foreground -k 5 "${RS_TIMEOUT:-600}" qemu-system-x86_64 "${qa[@]}" \
		-m "${RS_MEM:-512}" -smp "${RS_SMP:-2}" -display none -no-reboot -nic none \
		"${serial[@]}" \
		-kernel "/boot/vmlinuz-$KV" -initrd "$RS_WORK/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 rs.init=$HERE/guest-init.sh rs.scenario=$SCEN rs.build=$BUILD rs.work=$RS_WORK${RS_BTD_DEBUG:+ rs.btd_debug=1}" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$OUT,mount_tag=out,security_model=none,multidevs=remap" \
		< "$in"
}

start=$(date +%s)
boot "$accel"
qrc=$?
if [ "$accel" = kvm ] && ! grep -q '^stage2' "$OUT/timings" 2> /dev/null; then
	echo "realstack: the KVM guest never reached stage 2; retrying under TCG"
	accel=tcg
	boot tcg
	qrc=$?
fi
wall=$(($(date +%s) - start))

[ "$SCEN" = shell ] && exit 0

grep -E '^(ok|not ok) ' "$OUT/scenario.log" 2> /dev/null
pass=$(grep -c '^ok ' "$OUT/scenario.log" 2> /dev/null)
fail=$(grep -c '^not ok ' "$OUT/scenario.log" 2> /dev/null)
rc=$(cat "$OUT/rc" 2> /dev/null || echo none)
if [ "$rc" = none ]; then
	echo "not ok - the guest returned no result (qemu exit $qrc; 124 = timed out after ${RS_TIMEOUT:-600} s)"
	fail=$((fail + 1))
elif [ "$rc" != 0 ] && [ "$fail" = 0 ]; then
	echo "not ok - the scenario exited with status $rc"
	fail=$((fail + 1))
fi
echo "realstack: $accel, ${wall} s wall ($(tr '\n' ' ' < "$OUT/timings" 2> /dev/null))"
if [ "$fail" != 0 ]; then
	echo "realstack: kept for diagnosis: $RS_WORK/console.log and $OUT/ (daemon.log, bluetoothd.log, peripheral.log, mqtt.log, led.log, ...)"
	echo "---- tail of the guest console"
	tail -n 40 "$RS_WORK/console.log" 2> /dev/null
else
	rm -f "$RS_WORK/console.log"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
