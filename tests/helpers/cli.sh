# Shared by tests/integration/test_cli_*.sh: TAP lines and running the real
# `homevitals` binary as a user would. Source it after `cd` to the repo.

BUILD=${BUILD:-build}
HV=$BUILD/homevitals
HVD=$BUILD/homevitalsd
tap_n=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; }

# HV_ALLOW_MISSING_TOOLS=1: a missing tool is a skip, not a failure.
dep_hint="make check builds the binaries and installs the tools: scripts/deps.sh test"

# missing_dep NAME WHAT: a binary `make check` builds or a tool it installs
# is absent. That is a failure (one "not ok" line), not a skip, unless
# HV_ALLOW_MISSING_TOOLS=1. Ends the script.
missing_dep() {
	if [ "${HV_ALLOW_MISSING_TOOLS:-0}" = 1 ]; then
		echo "ok 1 - $1 # SKIP $2"
	else
		echo "not ok 1 - $1: $2 ($dep_hint)"
	fi
	echo "1..1"
	exit 0
}

# require NAME TOOL...: missing_dep for the first TOOL not installed.
require() {
	local name=$1 t
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing_dep "$name" "no $t"
	done
}

# check NAME COMMAND...: ok when the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# run_hv EXPECTED_EXIT ARGS...: runs homevitals, output in $out / $err,
# returns 0 when the exit status is EXPECTED_EXIT.
run_hv() {
	local want=$1
	shift
	out=$("$HV" "$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
	if [ "$rc" -ne "$want" ]; then
		echo "# homevitals $*: exit $rc, expected $want" >&2
		echo "# stdout: $out" >&2
		echo "# stderr: $err" >&2
		return 1
	fi
	return 0
}

# expect_hv NAME EXPECTED_EXIT ARGS...: one TAP line.
expect_hv() {
	local name=$1
	shift
	if run_hv "$@" 2>&1; then ok "$name"; else not_ok "$name"; fi
}

contains() { [[ $1 == *"$2"* ]] || { echo "# '$2' not in: $1"; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "# '$2' unexpectedly in: $1"; return 1; }; }

# A Mi Body Composition Scale 2 advert (drivers/xiaomi_mi_scale2.c layout):
# stabilised with impedance 500 ohm, 2024-03-15 08:MM:00, weight in kg.
mi_frame() { # MINUTE KG
	python3 - "$1" "$2" <<'PY'
import sys
minute, kg = int(sys.argv[1]), float(sys.argv[2])
raw = round(kg * 200)
b = bytes([0x02, 0x26, 0xE8, 0x07, 3, 15, 8, minute, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
print('{"service_data":{"181b":"%s"},"address":"C8:0F:10:00:00:01"}' % b.hex())
PY
}

# A SIG Weight Measurement (0x2A9D) with a user index: flags 0x04, weight
# in 0.005 kg steps, user id.
sig_weight_frame() { # USER KG
	python3 - "$1" "$2" <<'PY'
import sys
user, kg = int(sys.argv[1]), float(sys.argv[2])
raw = round(kg / 0.005)
b = bytes([0x04, raw & 0xFF, raw >> 8, user])
print('{"characteristic":{"uuid":"2a9d","value":"%s"},"address":"AA:BB:CC:00:00:02"}' % b.hex())
PY
}

# write_config FILE DB [EXTRA_JSON]: a daemon config for a test store.
write_config() {
	local mqtt=${3:-'{ "enabled": false }'}
	cat >"$1" <<CONF
{
  "store": { "path": "$2" },
  "mqtt": $mqtt,
  "time": { "assume_synchronised": true },
  "assignment": { "tolerance_kg": 1 }
}
CONF
}

# The household of docs/people.md: Ann 58-64 kg and Cleo 61-70 kg overlap,
# Ben 80-90 kg, Dan known only by his last weight, 120 kg.
add_household() { # DB
	"$HV" people add --db "$1" --id p-ann --name "Ann" --height 1.62 \
		--birth-date 1970-01-01 --sex female --weight-range 58-64 >/dev/null &&
	"$HV" people add --db "$1" --id p-ben --name "Ben" --height 1.85 \
		--birth-date 1965-05-05 --sex male --weight-range 80-90 >/dev/null &&
	"$HV" people add --db "$1" --id p-cleo --name "Cleo" --height 1.70 \
		--birth-date 1990-07-07 --sex female --weight-range 61-70 >/dev/null &&
	"$HV" people add --db "$1" --id p-dan --name "Dan" --height 1.90 \
		--birth-date 1950-02-02 --sex male --last-weight 120 >/dev/null
}
