# Shared by tests/integration/test_e2e_*.sh: the whole gateway from the
# outside. A private dbus-daemon stands in for the system bus,
# homevitals-vdev plays org.bluez with a scenario, mosquitto listens on a
# free 127.0.0.1 port, homevitalsd runs with a temporary config and SQLite
# store. Assertions use only what a user sees: `homevitals readings`,
# sqlite3 on the store, mosquitto_sub, the vdev's event lines.
#
# Source it after `cd` to the repository, then call e2e_init NAME. Every
# process started here is stopped by the EXIT trap, even on failure.

. tests/helpers/cli.sh
. scripts/lib/stack.sh

VDEV=$BUILD/homevitals-vdev
BROKER_SH=tests/helpers/broker.sh
E2E_SCENARIOS=firmware-host/scenarios

# e2e_init NAME: one "not ok" line and exit when a binary or a tool
# `make check` provides is missing (missing_dep in cli.sh); else make $tmp,
# the store path $db and the trap.
e2e_init() {
	local p
	E2E_NAME=$1
	for p in "$HV" "$HVD" "$VDEV"; do
		[ -x "$p" ] || missing_dep "$E2E_NAME" "$p not built"
	done
	require "$E2E_NAME" mosquitto mosquitto_sub dbus-daemon python3 sqlite3
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hv-e2e.XXXXXX")
	db=$tmp/homevitals.db
	port=""
	sub_pid=""
	trap e2e_cleanup EXIT
}

e2e_cleanup() {
	local rc=$?
	[ -z "$sub_pid" ] || kill "$sub_pid" 2>/dev/null
	stop_all
	"$BROKER_SH" stop "$tmp/broker" >/dev/null 2>&1
	if [ "$tap_n" -gt 0 ] && grep -q . "$tmp/failed" 2>/dev/null; then
		e2e_dump_logs
	fi
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "# kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}

# Logs of every part, as TAP comments, when something failed.
e2e_dump_logs() {
	local f
	for f in "$tmp"/vdev*.out "$tmp"/homevitalsd*.log "$tmp/broker/mosquitto.log"; do
		[ -f "$f" ] || continue
		echo "# --- ${f##*/} (last 40 lines)"
		tail -40 "$f" | sed 's/^/# /'
	done
}

# ok/not_ok that remember a failure (for the log dump).
e2e_check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
		echo "$name" >>"$tmp/failed"
	fi
}

# --- the parts ------------------------------------------------------------

e2e_bus() {
	start_private_bus "$tmp"
}

# e2e_broker_start [--persist]: mosquitto (tests/helpers/broker.sh) on
# $port (chosen the first time, reused after a stop). --persist keeps
# sessions and queued QoS 1 messages across a graceful stop.
e2e_broker_start() {
	local args=()
	[ -n "$port" ] && args+=(--port "$port")
	port=$("$BROKER_SH" start "$tmp/broker" "${args[@]}") || return 1
	# stop_all stops it too, even if its folder (and pid file) is gone
	HV_PIDS+=("$(cat "$tmp/broker/pid")")
	if [ "${1:-}" = --persist ]; then
		# restart with persistence in the same folder
		"$BROKER_SH" stop "$tmp/broker"
		sed -i 's/^persistence false$/persistence true\npersistence_location '"${tmp//\//\\/}"'\/broker\//' \
			"$tmp/broker/mosquitto.conf"
		e2e_broker_restart
	fi
}

# Start again with the config written before (persistence kept).
e2e_broker_restart() {
	local i
	mosquitto -c "$tmp/broker/mosquitto.conf" >>"$tmp/broker/stderr.log" 2>&1 &
	echo $! >"$tmp/broker/pid"
	HV_PIDS+=($!)
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# mosquitto did not start again on $port"
	tail -n 20 "$tmp/broker/stderr.log" "$tmp/broker/mosquitto.log" 2>/dev/null | sed 's/^/# /'
	return 1
}

e2e_broker_stop() {
	"$BROKER_SH" stop "$tmp/broker"
}

# e2e_config [EXTRA]: the daemon's config; EXTRA is more top-level JSON
# members ("bluetooth": {…}). Needs $port (a broker may be down).
e2e_config() {
	local extra=${1:-}
	[ -n "$port" ] || port=$(free_port)
	cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "e2e",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "reconnect_min_s": 1,
            "reconnect_max_s": 2, "retain_latest": false },
  "time": { "assume_synchronised": true },
  "log_level": "debug"${extra:+,
  $extra}
}
CONF
}

# e2e_daemon [ARGS]: homevitalsd in the background; $daemon_pid.
e2e_daemon_n=0
e2e_daemon() {
	e2e_daemon_n=$((e2e_daemon_n + 1))
	"$HVD" --config "$tmp/homevitals.json" "$@" 2>>"$tmp/homevitalsd.log" &
	daemon_pid=$!
	HV_PIDS+=("$daemon_pid")
}

# e2e_vdev SCENARIO [ARGS]: homevitals-vdev in the background; $vdev_pid,
# event lines in $tmp/vdev.out.
e2e_vdev() {
	local scenario=$1
	shift
	"$VDEV" --scenario "$scenario" "$@" >>"$tmp/vdev.out" 2>&1 &
	vdev_pid=$!
	HV_PIDS+=("$vdev_pid")
}

# e2e_wait_vdev SECONDS: wait for the scenario's end; 0 when it exited 0.
e2e_wait_vdev() {
	local limit=$1 i
	for ((i = 0; i < limit * 10; i++)); do
		kill -0 "$vdev_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$vdev_pid" 2>/dev/null; then
		echo "# vdev still running after $limit s"
		return 1
	fi
	wait "$vdev_pid"
}

# e2e_sub [CLIENT_ID]: mosquitto_sub on every measurement topic, QoS 1,
# lines "topic payload" in $tmp/sub.out. With CLIENT_ID the session is
# persistent (-c): the broker keeps what arrives while it is away. Returns
# once the broker acknowledged the subscription.
e2e_sub() {
	local id=${1:-e2e-sub-$$} i args=()
	[ -n "${1:-}" ] && args+=(-c)
	mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -i "$id" "${args[@]}" -v \
		-t 'homevitals/+/people/+/measurements' \
		-t 'homevitals/+/unassigned/measurements' >>"$tmp/sub.out" 2>>"$tmp/sub.err" &
	sub_pid=$!
	for i in $(seq 100); do
		grep -q "Sending SUBACK to $id" "$tmp/broker/mosquitto.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# subscriber $id: no SUBACK"
	return 1
}

# e2e_wait SECONDS COMMAND...: poll until COMMAND succeeds.
e2e_wait() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# e2e_finish: stop the daemon and the vdev (SIGTERM: a clean exit), one
# TAP line saying no sanitizer complained in their logs (a SANITIZE= build),
# and the plan line.
e2e_finish() {
	local pid
	for pid in "${daemon_pid:-}" "${vdev_pid:-}"; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	e2e_check "no sanitizer report from homevitalsd or vdev" eval \
		'! grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" \
			"$tmp"/homevitalsd*.log "$tmp"/vdev*.out 2>/dev/null'
	echo "1..$tap_n"
}

# e2e_person ID NAME HEIGHT BIRTH_DATE SEX WEIGHT_RANGE: a person in the
# store (`homevitals people add`).
e2e_person() {
	"$HV" people add --db "$db" --id "$1" --name "$2" --height "$3" \
		--birth-date "$4" --sex "$5" --weight-range "$6" >/dev/null
}

# e2e_start_scales SCENARIO [--slot N [--person ID]] ADDRESS...: the bus,
# the broker, the subscriber, the daemon configured with the devices
# ADDRESS... and the vdev playing $E2E_SCENARIOS/SCENARIO. --slot gives
# every device "user_index": N; --person links slot N of each to ID (one
# e2e_person added). A bus or broker that does not start ends the script.
e2e_start_scales() {
	local scenario=$1 slot="" person="" a devices=""
	shift
	[ "${1:-}" = --slot ] && { slot=$2; shift 2; }
	[ "${1:-}" = --person ] && { person=$2; shift 2; }
	e2e_bus || { not_ok "private bus"; exit 1; }
	e2e_broker_start || { not_ok "broker"; exit 1; }
	for a in "$@"; do
		if [ -n "$person" ]; then
			"$HV" devices link "$a" "$slot" "$person" --db "$db" >/dev/null ||
				not_ok "link $a"
		fi
		devices+="${devices:+, }{ \"address\": \"$a\"${slot:+, \"user_index\": $slot} }"
	done
	e2e_sub || not_ok "subscriber"
	e2e_config "\"bluetooth\": { \"devices\": [ $devices ] }"
	e2e_daemon
	sleep 0.3
	e2e_vdev "$E2E_SCENARIOS/$scenario"
}

# Stop the daemon cleanly and start a new one (on the same store).
e2e_daemon_restart() {
	kill "$daemon_pid" && wait "$daemon_pid"
	e2e_daemon
}

# --- what the outside sees --------------------------------------------------

# Number of stored measurements (sqlite3 on the store).
e2e_stored() {
	sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM measurements;" 2>/dev/null || echo 0
}

# e2e_stored_at_least N
e2e_stored_at_least() {
	[ "$(e2e_stored)" -ge "$1" ]
}

# e2e_stored_of ADDRESS: stored measurements of one device.
e2e_stored_of() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM measurements WHERE device_address = '$1';" 2>/dev/null
}

# e2e_not COMMAND...: succeeds when COMMAND fails.
e2e_not() {
	! "$@"
}

# e2e_vdev_has TEXT: the vdev printed a line with TEXT.
e2e_vdev_has() {
	grep -q -- "$1" "$tmp/vdev.out"
}

# e2e_weights ADDRESS: the stored body weights of one device, largest
# first, space-separated ("" when none).
e2e_weights() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT group_concat(value, ' ') FROM (SELECT r.value FROM readings r
		 JOIN measurements m ON m.id = r.measurement_id
		 WHERE r.metric = 'body_weight' AND m.device_address = '$1'
		 ORDER BY r.value DESC);" 2>/dev/null
}

# e2e_check_refused ADDRESS DRIVER SILENCE [SECONDS]: TAP lines for a
# scale whose firmware refused the gateway: the vdev printed no line with
# SILENCE (what it would send had it accepted), the daemon's session with
# it ended early (within SECONDS, 70 unless given) and nothing of it is
# stored.
e2e_check_refused() {
	local address=$1 driver=$2 silence=$3 limit=${4:-70}
	e2e_check "  and sends nothing (no \"$silence\")" e2e_not e2e_vdev_has "$silence"
	e2e_check "  its session ends early" e2e_wait "$limit" \
		grep -q "Session with $address ($driver) ended early" "$tmp/homevitalsd.log"
	e2e_check "  nothing of it stored" [ "$(e2e_stored_of "$address")" = 0 ]
}

# Published measurements received (lines of $tmp/sub.out).
e2e_published() {
	local n
	n=$(grep -c . "$tmp/sub.out" 2>/dev/null)
	echo "${n:-0}"
}

e2e_published_at_least() {
	[ "$(e2e_published)" -ge "$1" ]
}

# Undelivered outbox rows.
e2e_backlog() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM outbox WHERE state = 'pending';" 2>/dev/null || echo -1
}

e2e_backlog_empty() {
	[ "$(e2e_backlog)" = 0 ]
}

# e2e_published_once N: one TAP line: N measurements stored, each
# published once, and nothing else published (reads readings.json: call
# e2e_readings_json first).
e2e_published_once() {
	e2e_py "published once each, the $1 stored" '
assert len(R) == int(ARGS[0]), (len(R), ARGS[0])
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
' "$1"
}

# The stored measurements as `homevitals readings --format json` shows them.
e2e_readings_json() {
	"$HV" readings --db "$db" --format json >"$tmp/readings.json" 2>"$tmp/readings.err"
}

# e2e_py NAME SCRIPT [ARGS]: one TAP line from a python check that reads
# readings.json (R: list), the subscriber's messages (P: list of
# (topic, payload dict)) and the vdev's lines (V: list of str); the script
# raises AssertionError with a message when the check fails.
e2e_py() {
	local name=$1 script=$2
	shift 2
	if python3 - "$tmp" "$@" >"$tmp/py.out" 2>&1 <<PY; then
import json, os, sys
tmp = sys.argv[1]
ARGS = sys.argv[2:]
def load_readings():
    try:
        with open(os.path.join(tmp, "readings.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return []
def load_published():
    out = []
    try:
        with open(os.path.join(tmp, "sub.out")) as f:
            for line in f:
                topic, _, payload = line.rstrip("\n").partition(" ")
                out.append((topic, json.loads(payload)))
    except OSError:
        pass
    return out
def load_vdev():
    try:
        with open(os.path.join(tmp, "vdev.out")) as f:
            return f.read().splitlines()
    except OSError:
        return []
R, P, V = load_readings(), load_published(), load_vdev()
def reading(m, metric):
    for r in m.get("readings", []):
        if r["metric"] == metric:
            return r
    return None
def value(m, metric):
    r = reading(m, metric)
    return None if r is None else r.get("value")
$script
PY
		ok "$name"
	else
		not_ok "$name"
		echo "$name" >>"$tmp/failed"
		sed 's/^/# /' "$tmp/py.out" | tail -15
	fi
}
