#!/bin/sh
# /init of the stage-1 initramfs (busybox). The host's / arrives read-only
# over virtio-9p (tag "hostroot") and becomes the lower layer of an overlayfs
# whose upper layer is a tmpfs; then switch_root runs the stage-2 script named
# by rs.init= on the kernel command line (a path on the host's filesystem).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

die() {
	echo "realstack stage 1: $*"
	echo o > /proc/sysrq-trigger
	sleep 10
}

for m in $(cat /modules.order); do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done

# cache=loose: the host's files do not change during a run, and exec/dlopen
# over 9p are several times faster with it under software emulation.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower ||
	die "cannot mount the host root"
mount -t tmpfs -o mode=755,size=75% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	die "cannot mount the overlay"

init=$(sed -n 's/.*rs\.init=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$init" ] && [ -e "/newroot$init" ] || die "no stage-2 init '$init' on the host root"
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot "$init"
