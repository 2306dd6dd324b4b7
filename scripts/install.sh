#!/usr/bin/env bash
# Install homevitals; called by `make install`, which sets
#   DESTDIR PREFIX BUILD SYSTEMD_UNITDIR UDEV_RULESDIR SYSUSERSDIR TMPFILESDIR
# With DESTDIR set (packaging, tests) only files are written. Without it, and
# as root, the system is also told: sysusers, tmpfiles, udev, systemd reload.
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
BUILD=${BUILD:-build}
SYSTEMD_UNITDIR=${SYSTEMD_UNITDIR:-/lib/systemd/system}
UDEV_RULESDIR=${UDEV_RULESDIR:-/lib/udev/rules.d}
SYSUSERSDIR=${SYSUSERSDIR:-/usr/lib/sysusers.d}
TMPFILESDIR=${TMPFILESDIR:-/usr/lib/tmpfiles.d}

bindir=$PREFIX/bin
mandir=$PREFIX/share/man
docdir=$PREFIX/share/doc/homevitals

say() { echo "  INSTALL $1"; }
put() { # mode source destination (a full path under DESTDIR)
	install -D -m "$1" "$2" "$DESTDIR$3"
	say "$3"
}

for b in homevitalsd homevitals; do
	if [ ! -x "$BUILD/$b" ]; then
		echo "install.sh: $BUILD/$b is missing: run make first" >&2
		exit 1
	fi
	put 0755 "$BUILD/$b" "$bindir/$b"
done

# The unit names the daemon where it was installed.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed "s|^ExecStart=/usr/bin/homevitalsd|ExecStart=$bindir/homevitalsd|" \
	systemd/homevitalsd.service >"$tmp"
grep -q "^ExecStart=$bindir/homevitalsd" "$tmp" || {
	echo "install.sh: could not set ExecStart in homevitalsd.service" >&2
	exit 1
}
put 0644 "$tmp" "$SYSTEMD_UNITDIR/homevitalsd.service"
put 0644 systemd/homevitals.sysusers "$SYSUSERSDIR/homevitals.conf"
put 0644 systemd/homevitals.tmpfiles "$TMPFILESDIR/homevitals.conf"
for r in udev/*.rules; do
	put 0644 "$r" "$UDEV_RULESDIR/$(basename "$r")"
done

for m in docs/man/*.[158]; do
	put 0644 "$m" "$mandir/man${m##*.}/$(basename "$m")"
done

# The example configuration, kept under the docs, and put where the daemon
# reads it, /etc/homevitals/homevitals.json, only when there is none yet:
# an edited configuration is never overwritten. And the LED card.
if [ -f docs/homevitals.example.json ]; then
	put 0644 docs/homevitals.example.json "$docdir/homevitals.example.json"
	if [ -e "$DESTDIR/etc/homevitals/homevitals.json" ]; then
		echo "  KEEP    /etc/homevitals/homevitals.json (the example is $docdir/homevitals.example.json)"
	else
		put 0644 docs/homevitals.example.json /etc/homevitals/homevitals.json
	fi
fi
if [ -f docs/led.md ]; then
	put 0644 docs/led.md "$docdir/led.md"
fi

if [ -n "$DESTDIR" ] || [ "$(id -u)" -ne 0 ]; then
	exit 0
fi

# A live install: create the user and directories, apply the udev rule to
# the GPIO chips present, and let systemd see the unit.
if command -v systemd-sysusers >/dev/null 2>&1; then
	systemd-sysusers "$SYSUSERSDIR/homevitals.conf"
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --create "$TMPFILESDIR/homevitals.conf"
fi
if command -v udevadm >/dev/null 2>&1 && [ -d /run/udev ]; then
	udevadm control --reload || true
	udevadm trigger --subsystem-match=gpio --action=change || true
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	echo "Next: edit /etc/homevitals/homevitals.json (see homevitals.json(5)), then"
	echo "      systemctl enable --now homevitalsd"
fi
