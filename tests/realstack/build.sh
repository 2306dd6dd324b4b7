#!/bin/bash
# Host side: prepare what the guest needs, in $RS_WORK (default
# $BUILD/realstack). Both outputs are cached and rebuilt only when stale.
#
#  initramfs.cpio.gz  stage 1: static busybox, the guest kernel's virtio-pci,
#                     9p and overlay modules, and stage1-init.sh as /init
#  gpio-sim.ko        Debian 12's kernel is built without CONFIG_GPIO_SIM, so
#                     the module is compiled out of tree from Debian's own
#                     linux-source package against the matching headers.
#                     gpio-sim needs the irq_sim helper (also not built in),
#                     so kernel/irq/irq_sim.c is linked into the same module;
#                     its one call through irq_to_desc() (not exported to
#                     modules) becomes generic_handle_irq(), which reaches the
#                     same handle_simple_irq().
#  kernel-version     the guest kernel chosen: the newest one installed with
#                     both /boot/vmlinuz-* and hci_vhci
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
W=${RS_WORK:?RS_WORK names the work folder}
mkdir -p "$W"

kver_ok() { [ -e "/boot/vmlinuz-$1" ] && find "/lib/modules/$1" -name 'hci_vhci.ko*' 2>/dev/null | grep -q .; }
KV=${RS_KVER:-}
if [ -z "$KV" ]; then
	for v in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
		kver_ok "$v" && KV=$v
	done
fi
[ -n "$KV" ] || { echo "no kernel with hci_vhci under /boot and /lib/modules" >&2; exit 1; }
echo "$KV" > "$W/kernel-version.new"
if cmp -s "$W/kernel-version.new" "$W/kernel-version" 2>/dev/null; then
	rm -f "$W/kernel-version.new"
else
	mv "$W/kernel-version.new" "$W/kernel-version"
	rm -f "$W/initramfs.cpio.gz" "$W/gpio-sim.ko"
fi

# --- stage 1 initramfs ------------------------------------------------------
if [ ! -s "$W/initramfs.cpio.gz" ] || [ "$HERE/stage1-init.sh" -nt "$W/initramfs.cpio.gz" ]; then
	R=$W/initramfs-root
	rm -rf "$R"
	mkdir -p "$R"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
	cp /bin/busybox "$R/bin/busybox"
	ln -s busybox "$R/bin/sh"
	: > "$R/modules.order"
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -S "$KV" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		name=$(basename "$ko")
		case "$ko" in
		*.xz) name=${name%.xz}; xz -dc "$ko" > "$R/lib/modules/$name" ;;
		*.zst) name=${name%.zst}; zstd -qdc "$ko" > "$R/lib/modules/$name" ;;
		*) cp "$ko" "$R/lib/modules/$name" ;;
		esac
		echo "$name" >> "$R/modules.order"
	done
	install -m 755 "$HERE/stage1-init.sh" "$R/init"
	(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$W/initramfs.cpio.gz.tmp"
	mv "$W/initramfs.cpio.gz.tmp" "$W/initramfs.cpio.gz"
	rm -rf "$R"
	echo "realstack: initramfs for $KV built"
fi

# --- gpio-sim.ko ------------------------------------------------------------
if [ ! -s "$W/gpio-sim.ko" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1)
	[ -n "$tarball" ] || { echo "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)" >&2; exit 1; }
	[ -d "/lib/modules/$KV/build" ] || { echo "no headers for $KV (apt-get install linux-headers-$KV)" >&2; exit 1; }
	B=$W/gpio-sim-build
	rm -rf "$B"; mkdir -p "$B"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$B" "$top/drivers/gpio/gpio-sim.c" "$top/drivers/gpio/gpiolib.h" \
		"$top/kernel/irq/irq_sim.c"
	mv "$B/$top/drivers/gpio/gpio-sim.c" "$B/gpio-sim-core.c"
	mv "$B/$top/drivers/gpio/gpiolib.h" "$B/$top/kernel/irq/irq_sim.c" "$B/"
	rm -rf "${B:?}/$top"
	old='handle_simple_irq(irq_to_desc(irqnum));'
	grep -qF "$old" "$B/irq_sim.c" || { echo "irq_sim.c no longer has '$old'; revisit build.sh" >&2; exit 1; }
	sed -i "s/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/" "$B/irq_sim.c"
	printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' > "$B/Makefile"
	make -s -C "/lib/modules/$KV/build" M="$B" modules 2>&1 | grep -v 'Skipping BTF' || true
	[ -s "$B/gpio-sim.ko" ] || { echo "gpio-sim.ko did not build" >&2; exit 1; }
	cp "$B/gpio-sim.ko" "$W/gpio-sim.ko"
	rm -rf "$B"
	echo "realstack: gpio-sim.ko for $KV built"
fi
