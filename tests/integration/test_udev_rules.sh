#!/usr/bin/env bash
# udev/*.rules: a careful parse of every rule (keys, operators, quoting,
# values), every rule explained by a comment, the groups it names created by
# homevitals.sysusers, only GPIO character devices touched; then udev's own
# rules parser (`udevadm test`, with our rules bind-mounted over
# /etc/udev/rules.d in a private mount namespace) reports nothing about them.
# TAP lines; the udevadm part skips where it cannot run.
set -u
cd "$(dirname "$0")/../.."

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rules=(udev/*.rules)
if [ ! -e "${rules[0]}" ]; then
	not_ok "udev/ has rules files"
	exit 1
fi
ok "udev/ has ${#rules[@]} rules file(s)"

for f in "${rules[@]}"; do
	case $(basename "$f") in
	[0-9][0-9]-*.rules) ok "$f is named NN-name.rules" ;;
	*) not_ok "$f is named NN-name.rules" ;;
	esac
	if python3 - "$f" systemd/homevitals.sysusers >"$tmp/parse.log" 2>&1 <<'PY'
import re, sys

path, sysusers = sys.argv[1], sys.argv[2]
MATCH = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK",
         "SUBSYSTEM", "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS",
         "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST", "PROGRAM",
         "RESULT"}
ASSIGN = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR",
          "SYSCTL", "ENV", "TAG", "RUN", "LABEL", "GOTO", "IMPORT",
          "OPTIONS"}
ATTR_KEYS = {"ATTR", "ATTRS", "ENV", "SYSCTL", "TEST", "IMPORT", "RUN",
             "SECLABEL", "CONST"}
token = re.compile(r'\s*([A-Z]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*'
                   r'"((?:[^"\\]|\\.)*)"\s*(,|$)')

groups = set()
for line in open(sysusers):
    w = line.split()
    if not w or w[0].startswith("#"):
        continue
    if w[0] in ("u", "g"):
        groups.add(w[1])
    elif w[0] == "m":
        groups.add(w[2])

errors = []
lines = open(path).read().split("\n")
logical, start, buf = [], None, ""
for i, raw in enumerate(lines, 1):
    if start is None:
        start = i
    if raw.endswith("\\"):
        buf += raw[:-1]
        continue
    logical.append((start, buf + raw))
    start, buf = None, ""

prev_comment = False
rules = 0
for lineno, text in logical:
    s = text.strip()
    if not s:
        continue
    if s.startswith("#"):
        prev_comment = True
        continue
    rules += 1
    where = f"{path}:{lineno}"
    if not prev_comment:
        errors.append(f"{where}: rule without an explaining comment above it")
    prev_comment = False
    pos, matches, assigns = 0, {}, {}
    while pos < len(s):
        m = token.match(s, pos)
        if not m:
            errors.append(f"{where}: cannot parse at column {pos + 1}: {s[pos:]!r}")
            break
        key, attr, op, value = m.group(1), m.group(3), m.group(4), m.group(5)
        pos = m.end()
        if key not in MATCH and key not in ASSIGN:
            errors.append(f"{where}: unknown key {key}")
            continue
        if attr is not None and key not in ATTR_KEYS:
            errors.append(f"{where}: {key} takes no {{attribute}}")
        if key in ATTR_KEYS - {"CONST"} and attr is None and key != "TEST":
            errors.append(f"{where}: {key} needs an {{attribute}}")
        if op in ("==", "!="):
            if key not in MATCH:
                errors.append(f"{where}: {key} cannot be matched")
            matches[key] = value
        else:
            if key not in ASSIGN:
                errors.append(f"{where}: {key} cannot be assigned")
            assigns[key] = value
        if key == "MODE" and op != "==" and not re.fullmatch(r"0?[0-7]{3}", value):
            errors.append(f"{where}: MODE {value!r} is not octal")
        if key == "GROUP" and op in ("=", ":=") and value not in groups:
            errors.append(f"{where}: group {value!r} is not created by {sysusers}")
        if key == "ACTION" and value.replace("|", " ").split() and not set(
                value.split("|")) <= {"add", "change", "remove", "move",
                                      "bind", "unbind", "online", "offline"}:
            errors.append(f"{where}: unknown ACTION {value!r}")
    if not assigns:
        errors.append(f"{where}: rule assigns nothing")
    if not matches:
        errors.append(f"{where}: rule matches every device")
    # Permissions only for the GPIO character devices (the status LED).
    if {"GROUP", "MODE", "OWNER"} & assigns.keys():
        if matches.get("SUBSYSTEM") != "gpio" or not matches.get(
                "KERNEL", "").startswith("gpiochip"):
            errors.append(f"{where}: changes permissions of devices other than /dev/gpiochip*")
        if assigns.get("MODE", "0660").lstrip("0")[-1:] not in ("0", ""):
            errors.append(f"{where}: gives access to everyone (MODE {assigns['MODE']})")
if rules == 0:
    errors.append(f"{path}: no rule")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
PY
	then
		ok "$f parses: keys, operators, quoting, comments, groups, only gpiochip"
	else
		not_ok "$f parses: keys, operators, quoting, comments, groups, only gpiochip"
		sed 's/^/# /' "$tmp/parse.log"
	fi
done

# udev's own parser. `udevadm verify` does not exist in systemd 252, so run
# `udevadm test` on any device with our rules as /etc/udev/rules.d and read
# what it says about them. Needs root, unshare and a device in /sys.
dev=/sys/class/net/lo
if ! command -v udevadm >/dev/null 2>&1; then
	skip "udevadm parses the rules" "udevadm not installed"
elif [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 || [ ! -e "$dev" ]; then
	skip "udevadm parses the rules" "needs root, unshare and $dev"
else
	mkdir -p "$tmp/rules.d"
	cp "${rules[@]}" "$tmp/rules.d/"
	if unshare -m sh -c "mount --bind '$tmp/rules.d' /etc/udev/rules.d && udevadm test --action=add '$dev'" \
		>"$tmp/udevadm.log" 2>&1 && grep -q "Reading rules file: /etc/udev/rules.d/" "$tmp/udevadm.log"; then
		problems=0
		for f in "${rules[@]}"; do
			b=$(basename "$f")
			grep -q "Reading rules file: /etc/udev/rules.d/$b" "$tmp/udevadm.log" || problems=1
			# Unknown groups are fine here: sysusers creates them on install.
			if grep "^/etc/udev/rules.d/$b:" "$tmp/udevadm.log" | grep -v "Unknown group" | grep -q .; then
				grep "^/etc/udev/rules.d/$b:" "$tmp/udevadm.log" | sed 's/^/# /'
				problems=1
			fi
		done
		if [ "$problems" -eq 0 ]; then
			ok "udevadm test reads the rules without a complaint"
		else
			not_ok "udevadm test reads the rules without a complaint"
		fi
	else
		skip "udevadm parses the rules" "udevadm test could not run here ($(tail -1 "$tmp/udevadm.log"))"
	fi
fi
