#!/usr/bin/env bash
# make lint: checks that make the project's rules failing tests, not review
# comments. Prints TAP lines; exit 1 on any failure.
#  - drivers/ are pure: no allocation, clock, logging or I/O, only the
#    allowed headers (rtl_433's style-check idea);
#  - every driver file opens with a comment (its layout and sources);
#  - every driver file registers its struct in drivers/drivers.def;
#  - the layering of docs/architecture.md: each room includes only the rooms
#    below it (and every source file lives in a room);
#  - every *.md document cited is a file of the repository;
#  - no build warnings hidden: the tree builds with -Werror (make does);
#  - cppcheck finds no error in drivers/ and daemon/ (when installed); its
#    leak checks are off: it does not follow __attribute__((cleanup)), and
#    ASan/LSan and valgrind check leaks for real in make check.
set -u
cd "$(dirname "$0")/.."
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }

banned='\b(malloc|calloc|realloc|free|printf|fprintf|vprintf|puts|putchar|fopen|open|read|write|time|clock_gettime|gettimeofday|localtime|localtime_r|syslog|getenv|sleep|usleep|rand|srand)[[:space:]]*\('
# strip string literals and comments first: "set time (…)" is not a call
code_of() { perl -0pe 's{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g; s{"(\\.|[^"\\])*"}{""}g' "$1"; }
hits=$(for f in drivers/*.c drivers/*.h; do code_of "$f" | grep -nE "$banned" | sed "s|^|$f:|"; done)
if [ -z "$hits" ]; then ok "drivers/ call no allocator, clock, logger or I/O"; else not_ok "drivers/ must stay pure:"; echo "$hits" | sed 's/^/#   /'; fi

hits=$(for f in drivers/*.c drivers/*.h; do code_of "$f" | grep -nE '\b(stdout|stderr|stdin)\b' | sed "s|^|$f:|"; done)
if [ -z "$hits" ]; then ok "drivers/ touch no standard stream"; else not_ok "drivers/ touch a standard stream:"; echo "$hits" | sed 's/^/#   /'; fi

allowed='#include <(stdint|stddef|stdbool|string|errno|stdio|stdarg|math)\.h>|#include "drivers/'
hits=$(grep -nE '^#include' drivers/*.c drivers/*.h | grep -vE ":[0-9]+:($allowed)" || true)
if [ -z "$hits" ]; then ok "drivers/ include only the allowed headers"; else not_ok "drivers/ include a forbidden header:"; echo "$hits" | sed 's/^/#   /'; fi

missing=""
for f in drivers/*.c; do
	# line 1 may be the SPDX tag; a block comment must follow at once
	head -3 "$f" | grep -q '^/\*' || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "every driver file opens with its comment"; else not_ok "no opening comment in:$missing"; fi

unregistered=""
for f in drivers/*.c; do
	for sym in $(grep -oE '^const struct hv_driver [a-z0-9_]+' "$f" | awk '{print $4}'); do
		grep -q "HV_DRIVER($sym)" drivers/drivers.def || unregistered="$unregistered $sym"
	done
done
if [ -z "$unregistered" ]; then ok "every driver is registered in drivers.def"; else not_ok "not in drivers/drivers.def:$unregistered"; fi

# What may include what (docs/architecture.md). A room may always include
# itself and system headers; firmware-host/ shares no gateway code.
layer_rules=(
	"drivers:"
	"daemon/basic:"
	"daemon/common:daemon/basic drivers"
	"daemon/store:daemon/basic daemon/common drivers"
	"daemon/ingest:daemon/basic daemon/common daemon/store drivers"
	"daemon/bluez:daemon/basic daemon/common drivers"
	"daemon/publish:daemon/basic daemon/common daemon/store drivers"
	"daemon/led:daemon/basic daemon/common"
	"daemon/manager:daemon/basic daemon/common daemon/store daemon/ingest daemon/bluez daemon/publish daemon/led drivers"
	"daemon/cli:daemon/basic daemon/common daemon/store daemon/ingest daemon/bluez daemon/publish drivers"
	"firmware-host:daemon/basic drivers"
)
layer_hits=""
for rule in "${layer_rules[@]}"; do
	room=${rule%%:*}
	allowed="$room ${rule#*:}"
	for f in "$room"/*.c "$room"/*.h; do
		[ -f "$f" ] || continue
		while IFS= read -r inc; do
			dir=$(dirname "$inc")
			case " $allowed " in *" $dir "*) ;; *) layer_hits="$layer_hits $f→$inc" ;; esac
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
if [ -z "$layer_hits" ]; then ok "each room includes only the rooms below it"; else not_ok "layering broken:"; echo "$layer_hits" | tr ' ' '\n' | sed '/^$/d; s/^/#   /'; fi

strays=$(find daemon -maxdepth 1 -type f -name '*.[ch]')
for f in $(find daemon -mindepth 2 -type f -name '*.[ch]'); do
	room=$(dirname "$f")
	printf '%s\n' "${layer_rules[@]}" | grep -q "^$room:" || strays="$strays $f"
done
if [ -z "$strays" ]; then ok "every daemon source file lives in a known room"; else not_ok "files outside the rooms:$strays"; fi

if git ls-files >/dev/null 2>&1; then
	hits=$(git grep -nIE '/(work|home|root)/[A-Za-z]' -- ':!*.md' ':!docs/man' ':!scripts/lint.sh' | grep -vE '/root/\.|/home/homevitals' || true)
	if [ -z "$hits" ]; then ok "no machine paths in the tree"; else not_ok "machine paths:"; echo "$hits" | head -5 | sed 's/^/#   /'; fi
fi

if git ls-files >/dev/null 2>&1; then
	if out=$(scripts/check-doc-refs.sh); then ok "every cited document is in the repository"; else not_ok "documents cited but not in the repository:"; echo "$out" | head -10 | sed 's/^/#   /'; fi
fi

if [ "${HV_LINT_CPPCHECK:-1}" = 1 ] && command -v cppcheck >/dev/null 2>&1; then
	out=$(cppcheck --quiet --error-exitcode=1 --std=c11 -I. -D__GNUC__ --suppress=missingIncludeSystem \
		--suppress=memleak --suppress=resourceLeak \
		--suppress=unknownMacro drivers daemon 2>&1)
	if [ $? -eq 0 ]; then ok "cppcheck: no error in drivers/ and daemon/"; else not_ok "cppcheck:"; echo "$out" | head -20 | sed 's/^/#   /'; fi
elif [ "${HV_ALLOW_MISSING_TOOLS:-0}" = 1 ]; then
	ok "cppcheck # SKIP not installed"
else
	not_ok "cppcheck is not installed (scripts/deps.sh test, or make check, installs it)"
fi

echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
