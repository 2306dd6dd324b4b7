#!/usr/bin/env bash
# The project's rules as a test: drivers stay pure, documented, registered;
# the rooms keep their layering. Then the layering check itself is shown to
# fail: a copy of the tree where the LED room includes the store, and one
# with a source file outside any room.
set -u
cd "$(dirname "$0")/../.."
scripts/lint.sh
rc=$?

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tree"
tar -cf - scripts drivers daemon firmware-host | tar -xf - -C "$tmp/tree"
echo '#include "daemon/store/store.h"' >>"$tmp/tree/daemon/led/led.h"
out=$(cd "$tmp/tree" && HV_LINT_CPPCHECK=0 scripts/lint.sh 2>&1)
if grep -q 'not ok .*layering broken' <<<"$out" && grep -q 'daemon/led/led.h→daemon/store/store.h' <<<"$out"; then
	echo "ok - lint names a room that includes a room above it"
else
	echo "not ok - lint missed daemon/led including daemon/store"; echo "$out" | sed 's/^/# /'
	rc=1
fi
sed -i '$d' "$tmp/tree/daemon/led/led.h"
echo 'int hv_stray;' >"$tmp/tree/daemon/stray.c"
out=$(cd "$tmp/tree" && HV_LINT_CPPCHECK=0 scripts/lint.sh 2>&1)
if grep -q 'not ok .*files outside the rooms: *daemon/stray.c' <<<"$out"; then
	echo "ok - lint names a source file outside the rooms"
else
	echo "not ok - lint missed daemon/stray.c"; echo "$out" | sed 's/^/# /'
	rc=1
fi
exit $rc
