#!/usr/bin/env bash
# Install test of the Debian package in a fresh Debian bookworm root
# (mmdebstrap), run as root:
#   1. apt install ./homevitals_V_ARCH.deb: maintainer scripts run, the user,
#      state directory, conffile and enabled unit are there;
#      homevitalsd --check-config passes on the installed configuration and
#      homevitals --help runs;
#   2. a person is written to the store, the conffile is edited, and the
#      package is upgraded to a rebuilt version V+upgradetest1: the edit and
#      the store survive;
#   3. apt purge removes the user, the store and /etc/homevitals.
#   scripts/deb-install-test.sh [ARCH]   (default: the build machine's)
# A foreign ARCH (arm64) needs qemu-user-static with binfmt_misc.
# Prints TAP lines and each stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
arch=${1:-$(dpkg --print-architecture)}
mirror=${HV_DEB_MIRROR:-http://deb.debian.org/debian}
work=$top/build-deb-check-$arch
root=$work/root
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # description command...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
in_root() { chroot "$root" "$@"; }
logged() { # log command...: its output to the log, shown when it fails
	local log=$1
	shift
	"$@" >"$log" 2>&1 || { tail -30 "$log" | sed 's/^/# /'; return 1; }
}
stamp() { echo "# $1: $(($(date +%s) - $2)) s"; }

cleanup() {
	local m
	for m in "$root/proc" "$root/sys" "$root/dev"; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	return 0
}
trap cleanup EXIT

for t in mmdebstrap dpkg-buildpackage; do
	command -v "$t" >/dev/null || {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap
		break
	}
done

# A foreign root runs its programs through qemu-user, found by binfmt_misc.
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
	dpkg-query -W -f='${Status}' qemu-user-static binfmt-support 2>/dev/null |
		grep -c "install ok installed" | grep -qx 2 ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			qemu-user-static binfmt-support
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	case $arch in
	arm64) update-binfmts --enable qemu-aarch64 ;;
	armhf) update-binfmts --enable qemu-arm ;;
	esac
fi

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
up_version=$version+upgradetest1
deb=dist/homevitals_${version}_${arch}.deb
up_deb=dist/homevitals_${up_version}_${arch}.deb
t0=$(date +%s)
# The package `make deb` left in dist/ is the one tested (built when missing);
# the upgrade is always rebuilt from this tree.
if [ -f "$deb" ]; then
	echo "# testing $deb from $(date -u -r "$deb" +%FT%TZ)"
else
	scripts/deb.sh "$arch"
fi
HV_DEB_VERSION=$up_version scripts/deb.sh "$arch"
stamp "packages" "$t0"

# A minimal bookworm with apt, kept as a tarball between runs.
t0=$(date +%s)
mkdir -p "$work"
tarball=$work/bookworm-$arch.tar
if [ ! -s "$tarball" ]; then
	mmdebstrap --quiet --variant=apt --architectures="$arch" bookworm "$tarball" "$mirror"
fi
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$tarball"
mount -t proc proc "$root/proc"
cp "$deb" "$up_deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# mmdebstrap leaves no package lists behind.
logged "$work/update.log" in_root apt-get update -q
stamp "fresh root" "$t0"

# --- install -----------------------------------------------------------------
t0=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
check "apt install ./$(basename "$deb")" logged "$work/install.log" \
	in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")"
stamp "install" "$t0"
check "the user homevitals exists (sysusers)" in_root getent passwd homevitals
check "homevitals is in the group gpio" sh -c "chroot '$root' id -nG homevitals | grep -qw gpio"
check "/var/lib/homevitals is homevitals's, mode 0700 (tmpfiles)" \
	test "$(in_root stat -c '%U %a' /var/lib/homevitals 2>/dev/null)" = "homevitals 700"
check "/etc/homevitals/homevitals.json is a conffile" \
	sh -c "chroot '$root' dpkg-query -W -f='\${Conffiles}' homevitals | grep -q /etc/homevitals/homevitals.json"
check "homevitalsd.service is enabled" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/homevitalsd.service"
check "homevitalsd --check-config passes on the installed configuration" \
	in_root homevitalsd --check-config
check "homevitals --help runs" sh -c "chroot '$root' homevitals --help >/dev/null"
check "homevitalsd --version runs" sh -c "chroot '$root' homevitalsd --version >/dev/null"
check "man homevitals.json(5) is installed" test -f "$root/usr/share/man/man5/homevitals.json.5.gz"
check "no compiler or test tool came with it" \
	sh -c "! chroot '$root' dpkg-query -W gcc cpp libcmocka0 mosquitto >/dev/null 2>&1"
echo "# installed size: $(in_root dpkg-query -W -f='${Installed-Size}' homevitals || true) KiB"

# --- upgrade keeps the edited conffile and the store --------------------------
t0=$(date +%s)
db=/var/lib/homevitals/homevitals.db
check "a person written to the store as homevitals" \
	in_root runuser -u homevitals -- homevitals people add --db "$db" --id p-ann \
	--name Ann --height 1.62 --birth-date 1970-01-01 --sex female --weight-range 58-64
sed -i 's/"log_level": "info"/"log_level": "debug"/' "$root/etc/homevitals/homevitals.json" || true
check "the conffile is edited" grep -q '"log_level": "debug"' "$root/etc/homevitals/homevitals.json"
sum_before=$(sha256sum "$root$db" 2>/dev/null | cut -d' ' -f1)
check "apt install ./$(basename "$up_deb") (upgrade)" logged "$work/upgrade.log" \
	in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$up_deb")"
check "the upgraded version is installed" \
	test "$(in_root dpkg-query -W -f='${Version}' homevitals)" = "$up_version"
check "the edited conffile is kept" grep -q '"log_level": "debug"' "$root/etc/homevitals/homevitals.json"
check "no .dpkg-new or .dpkg-dist beside it" \
	sh -c "! ls '$root/etc/homevitals/' | grep -q dpkg"
check "the store is unchanged" \
	test "$(sha256sum "$root$db" 2>/dev/null | cut -d' ' -f1)" = "${sum_before:-none}"
check "the person is still in the store" \
	sh -c "chroot '$root' homevitals people list --db '$db' | grep -q p-ann"
check "homevitalsd --check-config passes on the edited configuration" \
	in_root homevitalsd --check-config
stamp "upgrade" "$t0"

# --- remove keeps the state, purge removes it --------------------------------
t0=$(date +%s)
check "apt remove" logged "$work/remove.log" in_root apt-get remove -y -q homevitals
check "remove keeps the store" test -f "$root$db"
check "remove keeps the user" in_root getent passwd homevitals
check "apt purge" logged "$work/purge.log" in_root apt-get purge -y -q homevitals
check "purge removes the user" sh -c "! chroot '$root' getent passwd homevitals"
check "purge removes the group homevitals" sh -c "! chroot '$root' getent group homevitals"
check "purge removes /var/lib/homevitals" test ! -e "$root/var/lib/homevitals"
check "purge removes /etc/homevitals" test ! -e "$root/etc/homevitals"
check "purge removes the enablement link" \
	test ! -e "$root/etc/systemd/system/multi-user.target.wants/homevitalsd.service"
stamp "remove and purge" "$t0"

echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
