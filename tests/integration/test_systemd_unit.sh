#!/usr/bin/env bash
# The shipped systemd files: homevitalsd.service passes `systemd-analyze
# verify` (man pages included), scores an exposure of 1.5 or less in
# `systemd-analyze security --offline=yes`, and keeps the settings the daemon
# relies on; homevitals.sysusers and homevitals.tmpfiles create the user and
# directories the unit names. TAP lines. Runs as root or as a user (under
# fakeroot); a tool `make check` installs that is missing is a failure
# (HV_ALLOW_MISSING_TOOLS=1: a skip).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
UNIT=systemd/homevitalsd.service
MAX_EXPOSURE=1.5

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
missing() { # description tool
	if [ "${HV_ALLOW_MISSING_TOOLS:-0}" = 1 ]; then
		skip "$1" "$2 not installed"
	else
		not_ok "$1: $2 is not installed (scripts/deps.sh test installs it)"
	fi
}
check() { # description command...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# sysusers and tmpfiles chown what they create, which only root may do. As
# an ordinary user they run under fakeroot, which keeps the owners they set
# in $tmp/fakeroot.state; the checks read them back through as_root too.
if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
elif command -v fakeroot >/dev/null 2>&1; then
	: >"$tmp/fakeroot.state"
	as_root() { fakeroot -i "$tmp/fakeroot.state" -s "$tmp/fakeroot.state" "$@"; }
else
	as_root() {
		echo "not root, and fakeroot is not installed (scripts/deps.sh test installs it)" >&2
		return 1
	}
fi

# The unit without its comments, for the settings checks.
settings=$tmp/settings
grep -v '^[[:space:]]*#' "$UNIT" | grep -v '^[[:space:]]*$' >"$settings"
has() { grep -qxF "$1" "$settings"; }
value() { sed -n "s/^$1=//p" "$settings"; }

check "unit is Type=notify" has "Type=notify"
check "unit has a watchdog" grep -q '^WatchdogSec=[1-9]' "$settings"
check "unit restarts on failure" has "Restart=on-failure"
check "unit runs as the homevitals user" has "User=homevitals"
check "unit has StateDirectory=homevitals" has "StateDirectory=homevitals"
check "unit has ConfigurationDirectory=homevitals" has "ConfigurationDirectory=homevitals"
check "unit loads the mqtt-password credential" grep -q '^LoadCredential=mqtt-password\(:\|$\)' "$settings"
check "unit has no ExecReload (restart applies config)" sh -c "! grep -q '^ExecReload=' '$settings'"
families=$(value RestrictAddressFamilies)
check "unit allows AF_UNIX AF_INET AF_INET6 only" test "$families" = "AF_UNIX AF_INET AF_INET6"
check "unit does not allow AF_BLUETOOTH" sh -c "! grep -q 'AF_BLUETOOTH' '$settings'"
check "unit gives no capabilities" has "CapabilityBoundingSet="
check "unit opens only GPIO character devices" sh -c \
	"grep -qx 'DevicePolicy=closed' '$settings' && [ \"\$(sed -n 's/^DeviceAllow=//p' '$settings')\" = 'char-gpiochip rw' ]"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	missing "systemd-analyze verify" systemd-analyze
	missing "systemd-analyze security exposure <= $MAX_EXPOSURE" systemd-analyze
else
	# verify needs an existing ExecStart binary and finds the man pages
	# named in Documentation= through MANPATH.
	mkdir -p "$tmp/unit" "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8"
	for p in docs/man/*.[158]; do
		cp "$p" "$tmp/man/man${p##*.}/"
	done
	daemon=$(cd "$BUILD" 2>/dev/null && pwd)/homevitalsd
	[ -x "$daemon" ] || daemon=/bin/true
	sed "s|^ExecStart=[^ ]*|ExecStart=$daemon|" "$UNIT" >"$tmp/unit/homevitalsd.service"
	if MANPATH=$tmp/man systemd-analyze verify "$tmp/unit/homevitalsd.service" >"$tmp/verify.log" 2>&1 &&
		! grep -v '^$' "$tmp/verify.log" | grep -q .; then
		ok "systemd-analyze verify (with man pages)"
	else
		not_ok "systemd-analyze verify (with man pages)"
		sed 's/^/# /' "$tmp/verify.log"
	fi

	if systemd-analyze security --offline=yes "$UNIT" >"$tmp/security.log" 2>&1; then
		score=$(sed -n 's/.*Overall exposure level for homevitalsd.service: \([0-9.]*\).*/\1/p' "$tmp/security.log")
		if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'; then
			ok "systemd-analyze security exposure $score <= $MAX_EXPOSURE"
		else
			not_ok "systemd-analyze security exposure '${score:-none}' <= $MAX_EXPOSURE"
			grep '✗' "$tmp/security.log" | sed 's/^/# /'
		fi
	elif grep -qi 'unrecognized option\|unknown option' "$tmp/security.log"; then
		skip "systemd-analyze security exposure <= $MAX_EXPOSURE" "no --offline in this systemd"
	else
		not_ok "systemd-analyze security --offline=yes runs"
		sed 's/^/# /' "$tmp/security.log"
	fi
fi

# sysusers and tmpfiles, applied to an empty root.
root=$tmp/root
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp systemd/homevitals.sysusers "$root/usr/lib/sysusers.d/homevitals.conf"
cp systemd/homevitals.tmpfiles "$root/usr/lib/tmpfiles.d/homevitals.conf"
if ! command -v systemd-sysusers >/dev/null 2>&1; then
	missing "sysusers creates the homevitals user" systemd-sysusers
elif as_root systemd-sysusers --root="$root" >"$tmp/sysusers.log" 2>&1; then
	check "sysusers creates the homevitals user (no login shell)" \
		grep -q '^homevitals:x:[0-9]*:[0-9]*:[^:]*:/var/lib/homevitals:.*nologin$' "$root/etc/passwd"
	check "sysusers puts homevitals in bluetooth and gpio" sh -c \
		"grep -q '^bluetooth:x:[0-9]*:.*homevitals' '$root/etc/group' && grep -q '^gpio:x:[0-9]*:.*homevitals' '$root/etc/group'"
	check "the unit's user and group are the ones sysusers creates" sh -c \
		"grep -q '^$(value User):' '$root/etc/passwd' && grep -q '^$(value Group):' '$root/etc/group'"
	if ! command -v systemd-tmpfiles >/dev/null 2>&1; then
		missing "tmpfiles creates the state directory" systemd-tmpfiles
	elif as_root systemd-tmpfiles --root="$root" --create >"$tmp/tmpfiles.log" 2>&1; then
		uid=$(awk -F: '$1 == "homevitals" { print $3 }' "$root/etc/passwd")
		check "tmpfiles creates /var/lib/homevitals 0700 for the service user" \
			test "$(as_root stat -c '%a %u' "$root/var/lib/homevitals")" = "700 $uid"
		check "tmpfiles creates /etc/credstore 0700 root" \
			test "$(as_root stat -c '%a %u' "$root/etc/credstore")" = "700 0"
	else
		not_ok "systemd-tmpfiles --create"
		sed 's/^/# /' "$tmp/tmpfiles.log"
	fi
else
	not_ok "systemd-sysusers applies homevitals.sysusers"
	sed 's/^/# /' "$tmp/sysusers.log"
fi
