#!/usr/bin/env bash
# The store on a really full file system: a 1 MiB tmpfs, mounted directly
# (root) or in a user+mount namespace (unshare -rm). Skips cleanly where
# neither is allowed. The checks are in tests/unit/test_store.c
# (test_real_disk_full), run with HV_STORE_TMPFS_DIR set.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$BUILD/tests/test_store
name="store: disk full on a real file system keeps earlier data intact"

if [ ! -x "$bin" ]; then
	echo "ok 1 - $name # SKIP $bin not built"
	exit 0
fi
dir=$(mktemp -d)
log=$(mktemp)
cleanup() {
	umount "$dir" 2>/dev/null
	rm -rf "$dir" "$log"
}
trap cleanup EXIT

run() {
	HV_STORE_TMPFS_DIR=$dir "$bin" >"$log" 2>&1
}

if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$dir" 2>/dev/null; then
	run
	rc=$?
elif unshare -rm true 2>/dev/null; then
	HV_STORE_TMPFS_DIR=$dir unshare -rm sh -c \
		'mount -t tmpfs -o size=1m tmpfs "$HV_STORE_TMPFS_DIR" && exec "$1"' \
		sh "$bin" >"$log" 2>&1
	rc=$?
else
	echo "ok 1 - $name # SKIP cannot mount a tmpfs here"
	exit 0
fi

if [ "$rc" -eq 0 ] && grep -q '^\[  PASSED  \] 2 test' "$log"; then
	echo "ok 1 - $name ($(grep -o 'stored [0-9]* records' "$log"))"
else
	sed 's/^/# /' "$log"
	echo "not ok 1 - $name"
fi
