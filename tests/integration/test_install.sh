#!/usr/bin/env bash
# `make install` into a temporary DESTDIR: the tree holds exactly the
# binaries, unit, sysusers/tmpfiles, udev rules, man pages and docs; the
# installed unit names the installed daemon; the man pages render; the
# directory variables are honoured. TAP lines. Runs as root or as a user
# (sysusers/tmpfiles under fakeroot); a tool `make check` installs that is
# missing is a failure (HV_ALLOW_MISSING_TOOLS=1: a skip).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { # description command...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
missing() { # description tool
	if [ "${HV_ALLOW_MISSING_TOOLS:-0}" = 1 ]; then
		ok "$1 # SKIP $2 not installed"
	else
		not_ok "$1: $2 is not installed (scripts/deps.sh test installs it)"
	fi
}

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

install_into() { # destdir prefix [make variables...]
	local dest=$1 prefix=$2; shift 2
	make --no-print-directory -s BUILD="$BUILD" DESTDIR="$dest" PREFIX="$prefix" "$@" install \
		>"$tmp/install.log" 2>&1
}

# 1. Packaging layout: PREFIX=/usr and Debian's directories.
d=$tmp/usr-root
if install_into "$d" /usr SYSTEMD_UNITDIR=/lib/systemd/system UDEV_RULESDIR=/lib/udev/rules.d \
	SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$tmp/install.log"
	exit 1
fi

expected=(
	/usr/bin/homevitalsd
	/usr/bin/homevitals
	/lib/systemd/system/homevitalsd.service
	/usr/lib/sysusers.d/homevitals.conf
	/usr/lib/tmpfiles.d/homevitals.conf
	/usr/share/man/man8/homevitalsd.8
	/usr/share/man/man1/homevitals.1
	/usr/share/man/man5/homevitals.json.5
	/usr/share/doc/homevitals/led.md
)
for r in udev/*.rules; do
	expected+=("/lib/udev/rules.d/$(basename "$r")")
done
if [ -f docs/homevitals.example.json ]; then
	expected+=(/usr/share/doc/homevitals/homevitals.example.json /etc/homevitals/homevitals.json)
fi
(cd "$d" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$tmp/got"
printf '%s\n' "${expected[@]}" | sort >"$tmp/want"
if diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
	ok "the tree holds exactly the ${#expected[@]} expected files"
else
	not_ok "the tree holds exactly the ${#expected[@]} expected files"
	sed 's/^/# /' "$tmp/diff"
fi

modes_ok=1
for f in "${expected[@]}"; do
	[ -e "$d$f" ] || continue
	case $f in
	*/bin/*) want=755 ;;
	*) want=644 ;;
	esac
	got=$(stat -c %a "$d$f")
	if [ "$got" != "$want" ]; then
		echo "# $f: mode $got, want $want"
		modes_ok=0
	fi
done
check "binaries 0755, everything else 0644" test "$modes_ok" = 1

check "installed unit runs the installed daemon" \
	grep -qx 'ExecStart=/usr/bin/homevitalsd' "$d/lib/systemd/system/homevitalsd.service"
check "installed unit matches the shipped one otherwise" \
	cmp -s <(grep -v '^ExecStart=' systemd/homevitalsd.service) \
	<(grep -v '^ExecStart=' "$d/lib/systemd/system/homevitalsd.service")
check "installed homevitals runs (--help)" sh -c "'$d/usr/bin/homevitals' --help >/dev/null"
check "installed homevitalsd is the built one" cmp -s "$BUILD/homevitalsd" "$d/usr/bin/homevitalsd"
check "installed udev rules are the shipped ones" \
	sh -c "for r in udev/*.rules; do cmp -s \"\$r\" '$d/lib/udev/rules.d/'\$(basename \"\$r\") || exit 1; done"

if command -v man >/dev/null 2>&1; then
	render_ok=1
	for p in homevitalsd:8 homevitals:1 homevitals.json:5; do
		name=${p%:*} sec=${p#*:}
		out=$(MANPATH=$d/usr/share/man MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings "$sec" "$name" 2>"$tmp/man.err")
		if [ -s "$tmp/man.err" ] || ! grep -q "$name" <<<"$out"; then
			echo "# man $sec $name:"; sed 's/^/#   /' "$tmp/man.err"
			render_ok=0
		fi
	done
	check "man finds and renders the three pages without warnings" test "$render_ok" = 1
else
	missing "man renders the pages" man
fi

# The example configuration is where the daemon reads it, and a second
# install keeps an edited one.
if [ -f docs/homevitals.example.json ]; then
	check "the example config is installed as /etc/homevitals/homevitals.json" \
		cmp -s docs/homevitals.example.json "$d/etc/homevitals/homevitals.json"
	echo '{ "edited": true }' >"$d/etc/homevitals/homevitals.json"
	if install_into "$d" /usr SYSTEMD_UNITDIR=/lib/systemd/system UDEV_RULESDIR=/lib/udev/rules.d \
		SYSUSERSDIR=/usr/lib/sysusers.d TMPFILESDIR=/usr/lib/tmpfiles.d; then
		check "a second install keeps an edited /etc/homevitals/homevitals.json" \
			grep -q '"edited": true' "$d/etc/homevitals/homevitals.json"
	else
		not_ok "a second make install"
		sed 's/^/# /' "$tmp/install.log"
	fi
	cp docs/homevitals.example.json "$d/etc/homevitals/homevitals.json"
fi

# 2. PREFIX=/usr/local puts the daemon there and the unit follows (the
# script directly, as make calls it: the build is already there).
d2=$tmp/local-root
if BUILD=$BUILD DESTDIR=$d2 PREFIX=/usr/local SYSTEMD_UNITDIR=/etc/systemd/system \
	UDEV_RULESDIR=/etc/udev/rules.d scripts/install.sh >"$tmp/install.log" 2>&1; then
	check "PREFIX=/usr/local: unit runs /usr/local/bin/homevitalsd" \
		grep -qx 'ExecStart=/usr/local/bin/homevitalsd' "$d2/etc/systemd/system/homevitalsd.service"
	check "PREFIX=/usr/local: binaries and man pages under /usr/local" \
		test -x "$d2/usr/local/bin/homevitalsd" -a -f "$d2/usr/local/share/man/man8/homevitalsd.8"
	check "UDEV_RULESDIR honoured" sh -c "ls '$d2/etc/udev/rules.d/'*.rules >/dev/null 2>&1"
else
	not_ok "install.sh DESTDIR=... PREFIX=/usr/local"
	sed 's/^/# /' "$tmp/install.log"
fi

# 3. The installed tree is usable offline: sysusers and tmpfiles apply to it.
if command -v systemd-sysusers >/dev/null 2>&1 && command -v systemd-tmpfiles >/dev/null 2>&1; then
	mkdir -p "$d/etc"
	if as_root systemd-sysusers --root="$d" >"$tmp/su.log" 2>&1 &&
		as_root systemd-tmpfiles --root="$d" --create >>"$tmp/su.log" 2>&1 &&
		grep -q '^homevitals:' "$d/etc/passwd" && [ -d "$d/var/lib/homevitals" ]; then
		ok "sysusers and tmpfiles apply to the installed tree"
	else
		not_ok "sysusers and tmpfiles apply to the installed tree"
		sed 's/^/# /' "$tmp/su.log"
	fi
else
	missing "sysusers and tmpfiles apply to the installed tree" "systemd-sysusers or systemd-tmpfiles"
fi

# 4. A missing build is refused, not half-installed.
if BUILD=$tmp/nobuild DESTDIR=$tmp/none scripts/install.sh >/dev/null 2>&1; then
	not_ok "install.sh refuses a missing build"
else
	check "install.sh refuses a missing build (nothing written)" test ! -e "$tmp/none"
fi
