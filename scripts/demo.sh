#!/usr/bin/env bash
# make demo: the gateway's main job on a machine with no radio.
# A private D-Bus bus stands in for the system bus; homevitals-vdev plays
# org.bluez with a household of virtual devices; mosquitto on 127.0.0.1 is
# the embedded broker; homevitalsd stores and publishes; a subscriber prints
# each measurement as it arrives. Ctrl-C stops everything;
# DEMO_SECONDS=N stops after N seconds (exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/stack.sh
BUILD=${BUILD:-build}
SCENARIO=${DEMO_SCENARIO:-firmware-host/scenarios/demo.json}
SECONDS_LIMIT=${DEMO_SECONDS:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/homevitals-demo.XXXXXX")
cleanup() {
	stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

port=$(free_port)
# The dashboard (docs/dashboard.md), when built: mosquitto serves it on a
# websockets listener beside the MQTT one, loopback only (mosquitto 2.0
# ignores a websockets listener's address unless socket_domain is set).
dash_port="" dash_conf=""
if [ -f "$BUILD/dashboard/index.html" ]; then
	dash_port=$(free_port)
	dash_conf="listener $dash_port 127.0.0.1
socket_domain ipv4
protocol websockets
http_dir $(cd "$BUILD/dashboard" && pwd)"
fi
start_private_bus "$tmp"
start_broker "$tmp" "$port" "$dash_conf"

cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "demo",
  "store": { "path": "$tmp/homevitals.db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "topic_prefix": "homevitals" },
  "time": { "assume_synchronised": true },
  "log_level": "info"
}
CONF

# The household: two people sharing the body-composition scale.
if "$BUILD/homevitals" people --help >/dev/null 2>&1; then
	export HOMEVITALS_DB="$tmp/homevitals.db"
	"$BUILD/homevitals" people add --db "$tmp/homevitals.db" --id p-anna --name "Anna" \
		--height 1.68 --birth-date 1961-04-02 --sex female --weight-range 60-68 >/dev/null
	"$BUILD/homevitals" people add --db "$tmp/homevitals.db" --id p-karl --name "Karl" \
		--height 1.80 --birth-date 1958-09-14 --sex male --weight-range 78-90 >/dev/null
fi

echo "homevitals demo: broker 127.0.0.1:$port, store $tmp/homevitals.db"
echo "virtual devices from $SCENARIO; measurements appear below as they are published."
if [ -n "$dash_port" ]; then
	echo "dashboard: http://127.0.0.1:$dash_port/"
else
	echo "dashboard: not built (make dashboard needs node and npm)"
fi
echo
python3 scripts/demo_listen.py 127.0.0.1 "$port" &
HV_PIDS+=($!)
"$BUILD/homevitalsd" --config "$tmp/homevitals.json" 2>"$tmp/homevitalsd.log" &
HV_PIDS+=($!)
daemon_pid=$!
sleep 0.5
"$BUILD/homevitals-vdev" --scenario "$SCENARIO" >"$tmp/vdev.log" 2>&1 &
HV_PIDS+=($!)
vdev_pid=$!

if [ -n "$SECONDS_LIMIT" ]; then
	sleep "$SECONDS_LIMIT"
	echo
	echo "demo: $SECONDS_LIMIT s elapsed; stored measurements:"
	"$BUILD/homevitals" readings --db "$tmp/homevitals.db" 2>"$tmp/readings.err" ||
		show_tail "homevitals readings" "$tmp/readings.err"
	if ! kill -0 "$daemon_pid" 2>/dev/null; then
		echo "homevitalsd stopped early"
		show_tail homevitalsd "$tmp/homevitalsd.log"
		show_tail homevitals-vdev "$tmp/vdev.log"
		exit 1
	fi
	if ! kill -0 "$vdev_pid" 2>/dev/null && ! wait "$vdev_pid"; then
		echo "homevitals-vdev failed"
		show_tail homevitals-vdev "$tmp/vdev.log"
		exit 1
	fi
	exit 0
fi
wait "$vdev_pid" || true
echo "(scenario over; the gateway keeps running: Ctrl-C to stop)"
wait "$daemon_pid"
