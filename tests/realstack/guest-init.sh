#!/bin/bash
# Stage 2: PID 1 of the guest, read from the host's filesystem. A minimal
# system (no systemd): proc, sys, devpts, configfs, a tmpfs /run, the 9p
# "out" share at /mnt/out. Runs the scenario named by rs.scenario=, writes
# its exit status to /mnt/out/rc and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
exec </dev/console >/dev/console 2>&1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
# devtmpfs has no /dev/fd; bash process substitution needs it.
ln -sf /proc/self/fd /dev/fd
ln -sf fd/0 /dev/stdin; ln -sf fd/1 /dev/stdout; ln -sf fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
# A fresh /tmp for the guest; but the checkout may itself live under the
# host's /tmp (CI clones there): keep it visible at the same path.
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
mkdir -p /mnt/hosttmp
mount --bind /tmp /mnt/hosttmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
case $repo in
/tmp/*)
	mkdir -p "$repo"
	mount --bind "/mnt/hosttmp/${repo#/tmp/}" "$repo"
	;;
esac
mkdir -p /run/lock /mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none out /mnt/out
modprobe configfs 2>/dev/null
mount -t configfs configfs /sys/kernel/config
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname realstack
ip link set lo up 2>/dev/null || busybox ip link set lo up

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
export RS_OUT=/mnt/out
export RS_DIR RS_BUILD RS_WORK
RS_DIR=$(dirname "$(readlink -f "$0")")
RS_BUILD=$(arg rs.build)
RS_WORK=$(arg rs.work)
scenario=$(arg rs.scenario)
echo "stage2 $(cut -d' ' -f1 /proc/uptime)" >> "$RS_OUT/timings"

off() {
	sync
	echo o > /proc/sysrq-trigger
	sleep 10
}

if [ "$scenario" = shell ]; then
	echo "realstack: guest shell; exit to power off"
	setsid -c bash -l
	echo 0 > "$RS_OUT/rc"
	off
fi
[ -e "$scenario" ] || scenario=$RS_DIR/$scenario
echo "realstack: running $scenario"
bash "$scenario" > >(tee "$RS_OUT/scenario.log") 2>&1
rc=$?
sleep 0.5
echo "end $(cut -d' ' -f1 /proc/uptime)" >> "$RS_OUT/timings"
echo "$rc" > "$RS_OUT/rc"
off
