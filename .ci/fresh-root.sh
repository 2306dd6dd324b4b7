#!/usr/bin/env bash
# CI stage: the README's two commands as a newcomer runs them. A fresh
# Debian bookworm root (mmdebstrap, variant apt: apt, git, make, sudo and
# nothing else a newcomer would not have) from the apt sources this machine
# uses; the commit under test cloned into an ordinary user's home; that user,
# with passwordless sudo and an ordinary PATH, runs
#   make demo DEMO_SECONDS=30
#   make check
# then follows the README's "From source, on a machine with Bluetooth" section up to
# `systemctl enable`, which a chroot cannot run (no systemd in it):
#   make deps && make && sudo make install; the example config in place in
#   /etc/homevitals (valid JSON, for the administrator to edit: it names a
#   broker, a password file and a CA of their own), the homevitals user and
#   its state directory created, the installed daemon and CLI on PATH.
# Every failure fails the stage. The last line is the runner's summary,
# prefixed: "fresh-root: N passed, N failed, N skipped".
#
# Needs root (chroot, mounts) and an amd64/arm64 Debian host with apt.
# HV_FRESH_ROOT_KEEP=1 keeps the root (in /var/tmp) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
SUITE=bookworm
NEWCOMER=newcomer
DEMO_SECONDS=${HV_FRESH_DEMO_SECONDS:-30}

say() { echo "fresh-root: $*"; }
die() { say "$*" >&2; echo "fresh-root: 0 passed, 1 failed, 0 skipped"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, chroot, mounts)"
if ! command -v mmdebstrap >/dev/null 2>&1; then
	say "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null ||
		die "could not install mmdebstrap"
fi

# The machine's own Debian sources, as one-line entries for mmdebstrap.
mirrors() {
	local f
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		awk -v suite="$SUITE" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && uris != "") {
					n = split(suites, s, " ")
					for (i = 1; i <= n; i++)
						if (index(s[i], suite) == 1)
							printf "deb %s %s %s\n", uris, s[i], comps
				}
				types = uris = suites = comps = ""
			}
			/^[[:space:]]*$/ { flush(); next }
			/^#/ { next }
			/^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
			/^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $1 }
			/^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
			/^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
			END { flush() }
		' /etc/apt/sources.list.d/debian.sources
	fi
	for f in /etc/apt/sources.list; do
		[ -f "$f" ] || continue
		grep -E "^deb[[:space:]]+[^[]\S*[[:space:]]+$SUITE" "$f" || true
	done
}
mapfile -t MIRRORS < <(mirrors | awk '!seen[$0]++')
[ ${#MIRRORS[@]} -gt 0 ] || die "no $SUITE entry in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

work=$(mktemp -d /var/tmp/hv-fresh-root.XXXXXX)
root=$work/root
mounted=()

# Kill what still runs inside the root (by pid, found through
# /proc/PID/root), unmount everything, remove the root, even on failure.
cleanup() {
	local rc=$? p r i
	set +e
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] || continue
		say "stopping leftover process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-80)"
		kill -KILL "${p#/proc/}" 2>/dev/null
	done
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}"
	done
	if [ "${HV_FRESH_ROOT_KEEP:-0}" = 1 ]; then
		say "kept $root"
	elif ! findmnt -rn -o TARGET | grep -q "^$root"; then
		rm -rf --one-file-system "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
say "building a $SUITE root from: ${MIRRORS[*]}"
if ! mmdebstrap --quiet --variant=apt --include=git,make,sudo,ca-certificates,passwd \
	"$SUITE" "$root" "${MIRRORS[@]}" >"$work/mmdebstrap.log" 2>&1; then
	tail -n 30 "$work/mmdebstrap.log" >&2
	die "mmdebstrap failed"
fi
say "root ready in $(($(date +%s) - t0)) s"

# What a booted machine has: the standard /etc/hosts (with "::1 localhost"),
# a hostname, and an init that would not run here: services are not started
# in the chroot (policy-rc.d), as in any Debian chroot.
echo "hv-fresh" >"$root/etc/hostname"
cat >"$root/etc/hosts" <<HOSTS
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters

127.0.1.1	$(hostname)
HOSTS
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount_in() { # type-or-bind source target-in-root
	mkdir -p "$root$3"
	if [ "$1" = bind ]; then
		mount --rbind "$2" "$root$3"
		mount --make-rslave "$root$3"
	else
		mount -t "$1" "$2" "$root$3"
	fi
	mounted+=("$root$3")
}
mount_in proc proc /proc
mount_in sysfs sysfs /sys
mount_in bind /dev /dev
mount_in tmpfs tmpfs /dev/shm
chmod 1777 "$root/dev/shm"
mount_in tmpfs tmpfs /run
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# The network this machine reaches the package registries through may
# inspect TLS with certificate authorities of its own: the new machine
# trusts what this one trusts (its local CAs, npm's cafile), as its owner's
# own network setup would.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
	chroot "$root" update-ca-certificates >/dev/null 2>&1 || say "update-ca-certificates failed"
fi
for npmrc in /etc/npmrc /usr/etc/npmrc; do
	[ -f "$npmrc" ] || continue
	mkdir -p "$root/etc" "$root/usr/etc"
	grep -E '^(cafile|registry)=' "$npmrc" >"$root/etc/npmrc" || true
	cp "$root/etc/npmrc" "$root/usr/etc/npmrc"
	break
done

chroot "$root" useradd -m -s /bin/bash "$NEWCOMER"
echo "$NEWCOMER ALL=(ALL) NOPASSWD:ALL" >"$root/etc/sudoers.d/$NEWCOMER"
chmod 440 "$root/etc/sudoers.d/$NEWCOMER"
home=$root/home/$NEWCOMER
commit=$(git -C "$repo" rev-parse HEAD)
git clone -q --no-hardlinks "$repo" "$home/hv"
git -C "$home/hv" checkout -q "$commit"
chroot "$root" chown -R "$NEWCOMER:$NEWCOMER" "/home/$NEWCOMER/hv"
say "cloned $commit into /home/$NEWCOMER/hv"

as_newcomer() { # log command: a login shell of the user, ordinary PATH
	local log=$1
	shift
	timeout 1800 chroot "$root" runuser -l "$NEWCOMER" -c "cd hv && $*" 2>&1 | tee "$work/$log"
	return "${PIPESTATUS[0]}"
}

status=0
t1=$(date +%s)
say "== make demo DEMO_SECONDS=$DEMO_SECONDS (as $NEWCOMER)"
if ! as_newcomer demo.log make demo DEMO_SECONDS="$DEMO_SECONDS"; then
	say "make demo FAILED"
	status=1
fi
say "make demo took $(($(date +%s) - t1)) s"
t1=$(date +%s)
say "== make check (as $NEWCOMER)"
if ! as_newcomer check.log make check; then
	say "make check FAILED"
	status=1
fi
say "make check took $(($(date +%s) - t1)) s"
t1=$(date +%s)
say "== the hardware section: make deps, make, sudo make install (as $NEWCOMER)"
if as_newcomer hardware.log 'make deps && make && sudo make install &&
	cmp /etc/homevitals/homevitals.json /usr/local/share/doc/homevitals/homevitals.example.json &&
	python3 -m json.tool /etc/homevitals/homevitals.json >/dev/null &&
	id homevitals && sudo test -d /var/lib/homevitals &&
	homevitalsd --version && homevitals --help >/dev/null'; then
	say "hardware section up to systemctl enable: ok ($(($(date +%s) - t1)) s)"
else
	say "hardware section FAILED"
	status=1
fi
say "the stage took $(($(date +%s) - t0)) s"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/check.log" | tail -n 1)
[ -n "$summary" ] || summary="0 passed, 1 failed, 0 skipped"
[ "$status" -eq 0 ] || [[ $summary != *" 0 failed"* ]] || summary=${summary/ 0 failed/ 1 failed}
echo "fresh-root: $summary"
exit "$status"
