#!/usr/bin/env bash
# The daemon waits for events and never polls:
#  1. idle (no bluetoothd, no devices, MQTT off) its loop does not wake up:
#     the wakeup count it logs on SIGUSR1 grows by that signal alone over
#     four seconds (a 1 s tick would add four); beside an idle bluetoothd
#     (the vdev, one adapter, nothing advertising) over eleven seconds too
#     (the adapter watchdog sleeps while no device exists), and beside a
#     device heard once (asleep until its expiry, then the device is removed);
#  2. three weigh-ins stored by one call (the replay's end) cost one
#     STATUS= notification, not one each: backlog 0 → 3 with no 1 or 2;
#  3. with a broker, corrections queued while nobody told the daemon go out
#     all the same: the daemon sees another process commit to the store
#     (inotify + PRAGMA data_version), and SIGHUP still rescans; connected and idle,
#     beside an idle adapter, only the keepalive wakes it: exactly 1 + 2 per
#     keepalive over a counted window, the keepalive still holds across several,
#     and a stopped broker is given up within two keepalives.
# A private D-Bus bus for the system bus, real mosquitto on 127.0.0.1, real
# SQLite store.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh
. scripts/lib/stack.sh

for p in "$HV" "$HVD"; do
	if [ ! -x "$p" ]; then
		echo "ok 1 - idle daemon # SKIP $p not built"
		exit 0
	fi
done
for p in mosquitto mosquitto_sub dbus-daemon python3; do
	if ! command -v "$p" >/dev/null; then
		echo "ok 1 - idle daemon # SKIP no $p"
		exit 0
	fi
done
tmp=$(mktemp -d)
cleanup() {
	stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/h.db

wait_for() { # SECONDS COMMAND...
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# wakeups LOG PID: ask the daemon (SIGUSR1) and print the count it logs.
wakeups() {
	local log=$1 pid=$2 before
	before=$(grep -c "Event loop:" "$log")
	kill -USR1 "$pid"
	for _ in $(seq 50); do
		[ "$(grep -c "Event loop:" "$log")" -gt "$before" ] && break
		sleep 0.1
	done
	grep "Event loop:" "$log" | tail -1 | sed 's/.*Event loop: \([0-9]*\) wakeups.*/\1/'
}

start_private_bus "$tmp" || { not_ok "private bus"; exit 0; }

# --- 1. idle: no wakeups ---------------------------------------------------------------------
write_config "$tmp/idle.json" "$db"
"$HVD" --config "$tmp/idle.json" 2>"$tmp/idle.log" &
pid=$!
HV_PIDS+=($pid)
running() { grep -q "running" "$tmp/idle.log"; }
check "the daemon starts without an adapter" wait_for 10 running
sleep 1 # start-up settles: bus calls, the first status
n1=$(wakeups "$tmp/idle.log" "$pid")
sleep 4
n2=$(wakeups "$tmp/idle.log" "$pid")
if [[ $n1 =~ ^[0-9]+$ && $n2 =~ ^[0-9]+$ ]] && [ $((n2 - n1)) -eq 1 ]; then
	ok "idle for 4 s: one wakeup, the signal that asked ($n1 → $n2)"
else
	not_ok "idle for 4 s: woke up $((n2 - n1)) times ($n1 → $n2): $(tail -5 "$tmp/idle.log")"
fi
kill "$pid"
wait "$pid" 2>/dev/null

# --- 1b. idle beside an idle bluetoothd: the adapter watchdog is a minute ---------------------
# The vdev plays bluetoothd with one powered adapter and no device: the
# daemon discovers, nothing advertises. Over 11 s only the signal that asks
# wakes it (a 10 s adapter tick would add one).
cat >"$tmp/quiet.json" <<'JSON'
{ "name": "a quiet adapter", "forever": true,
  "adapters": [ { "name": "hci0", "address": "00:AA:01:00:00:00", "powered": true } ],
  "devices": [], "timeline": [] }
JSON
"$BUILD/homevitals-vdev" --scenario "$tmp/quiet.json" >"$tmp/quiet-vdev.log" 2>&1 &
vdev=$!
HV_PIDS+=($vdev)
"$HVD" --config "$tmp/idle.json" 2>"$tmp/quiet.log" &
pid=$!
HV_PIDS+=($pid)
adapter_ok() { grep -q "Bluetooth adapter hci0: ok" "$tmp/quiet.log"; }
check "the daemon finds the adapter and discovers" wait_for 10 adapter_ok
sleep 1
n1=$(wakeups "$tmp/quiet.log" "$pid")
sleep 11
n2=$(wakeups "$tmp/quiet.log" "$pid")
if [[ $n1 =~ ^[0-9]+$ && $n2 =~ ^[0-9]+$ ]] && [ $((n2 - n1)) -eq 1 ]; then
	ok "beside an idle adapter for 11 s: one wakeup, the signal that asked ($n1 → $n2)"
else
	not_ok "beside an idle adapter for 11 s: woke up $((n2 - n1)) times ($n1 → $n2): $(tail -5 "$tmp/quiet.log")"
fi
kill "$pid" "$vdev"
wait "$pid" "$vdev" 2>/dev/null

# --- 1c. a device heard once: nothing ticks until its expiry, then it goes ---------------------
# One scale advertises for a second, then is silent. The watchdog sleeps
# until that device's expiry (bluetooth.stale_device_s 10 after it was
# last heard), not a minute tick: over 5 s of silence only the signal that
# asks wakes the loop, and the device is removed at its expiry, well before
# a minute (and before the vdev's own 30 s expiry of temporary devices).
cat >"$tmp/once.json" <<'JSON'
{ "name": "a scale heard once", "forever": true,
  "adapters": [ { "name": "hci0", "address": "00:AA:01:00:00:00", "powered": true } ],
  "devices": [ { "id": "scale", "model": "mi_scale", "address": "C8:0F:10:00:00:09",
                 "name": "MI SCALE2", "advertise_interval": 0.5 } ],
  "timeline": [ { "t": 2, "do": "advertise", "device": "scale", "on": false } ] }
JSON
cat >"$tmp/once-config.json" <<CONF
{
  "store": { "path": "$db" },
  "mqtt": { "enabled": false },
  "time": { "assume_synchronised": true },
  "bluetooth": { "stale_device_s": 10 },
  "log_level": "debug"
}
CONF
"$BUILD/homevitals-vdev" --scenario "$tmp/once.json" >"$tmp/once-vdev.log" 2>&1 &
vdev=$!
HV_PIDS+=($vdev)
"$HVD" --config "$tmp/once-config.json" 2>"$tmp/once.log" &
pid=$!
HV_PIDS+=($pid)
check "the scale advertises, then stops" wait_for 10 grep -q "scale stops advertising" "$tmp/once-vdev.log"
sleep 2
n1=$(wakeups "$tmp/once.log" "$pid")
sleep 5
n2=$(wakeups "$tmp/once.log" "$pid")
if [[ $n1 =~ ^[0-9]+$ && $n2 =~ ^[0-9]+$ ]] && [ $((n2 - n1)) -eq 1 ]; then
	ok "a device heard once, 5 s of silence: one wakeup, the signal that asked ($n1 → $n2)"
else
	not_ok "a device heard once, 5 s of silence: woke up $((n2 - n1)) times ($n1 → $n2): $(tail -5 "$tmp/once.log")"
fi
removed() { grep -q "Removing stale device /org/bluez/hci0/dev_C8_0F_10_00_00_09" "$tmp/once.log"; }
check "removed at its expiry, not at a minute tick" wait_for 15 removed
check "... and bluetoothd forgot it" wait_for 5 grep -q "scale object removed" "$tmp/once-vdev.log"
kill "$pid" "$vdev"
wait "$pid" "$vdev" 2>/dev/null

# --- 2. status once per change, not once per reading ------------------------------------------
check "household added" add_household "$db"
# Stabilised weigh-ins still on the scale (no step-off) on three scales:
# all three end together when the replay ends.
for i in 1 2 3; do
	mi_frame 3$i 8$i.2 | sed "s/C8:0F:10:00:00:01/C8:0F:10:00:00:0$i/"
done | awk '{ sub(/^\{/, "{\"t\":" (NR - 1) * 0.1 ","); print }' >"$tmp/three.jsonl"
python3 - "$tmp/notify" "$tmp/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
PY
HV_PIDS+=($!)
wait_for 5 test -S "$tmp/notify"
write_config "$tmp/three.json" "$tmp/three.db"
NOTIFY_SOCKET=$tmp/notify timeout 30 "$HVD" --config "$tmp/three.json" \
	--replay "$tmp/three.jsonl" 2>"$tmp/three.log"
statuses=$(grep -o "backlog [0-9]*" "$tmp/notify.log" | uniq | tr '\n' ' ')
check "three stored at once: one STATUS= (backlog: $statuses)" test "$statuses" = "backlog 0 backlog 3 "
kill "${HV_PIDS[-1]}"

# --- 3. one SIGHUP publishes every queued correction ---------------------------------------
{
	mi_frame 30 85.2 # Ben
	mi_frame 32 62.5 # Ann and Cleo both fit: unassigned
} | awk '{ sub(/^\{/, "{\"t\":" (NR - 1) * 0.1 ","); print }' >"$tmp/replay.jsonl"
timeout 30 "$HVD" --config "$tmp/idle.json" --replay "$tmp/replay.jsonl" 2>"$tmp/replay.log"
run_hv 0 readings --db "$db" --format json
ids=$(python3 -c 'import json,sys; print(" ".join(sorted({m["id"] for m in json.loads(sys.argv[1])})))' "$out")
read -r id1 id2 <<<"$ids"
check "two measurements stored" test -n "${id2:-}"

port=$(free_port)
start_broker "$tmp" "$port" || { not_ok "broker"; exit 0; }
write_config "$tmp/mqtt.json" "$db" "{ \"host\": \"127.0.0.1\", \"port\": $port, \"topic_prefix\": \"homevitals\", \"reconnect_min_s\": 1 }"
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'homevitals/+/people/+/measurements' \
	-t 'homevitals/probe' >"$tmp/sub.log" 2>&1 &
HV_PIDS+=($!)
for _ in $(seq 50); do
	mosquitto_pub -h 127.0.0.1 -p "$port" -t homevitals/probe -m ready
	grep -q '^homevitals/probe ready' "$tmp/sub.log" && break
	sleep 0.1
done
"$HVD" --config "$tmp/mqtt.json" 2>"$tmp/daemon.log" &
pid=$!
HV_PIDS+=($pid)
backlog_empty() {
	[ "$("$HV" status --db "$db" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["backlog"])')" = 0 ]
}
check "the daemon delivers the backlog" wait_for 20 backlog_empty

# Nobody tells the daemon (a pid file that does not exist, as for a user
# who may not signal it): it sees the commits in the store by itself.
expect_hv "assign one, daemon not told" 0 assign "$id1" p-dan --db "$db" --pid-file "$tmp/none.pid"
check "... the CLI says the daemon sees the change itself" contains "$out" "sees the change in the store"
expect_hv "assign the other, daemon not told" 0 assign "$id2" p-dan --db "$db" --pid-file "$tmp/none.pid"
danseen() { [ "$(grep -c "^homevitals/.*/people/p-dan/measurements " "$tmp/sub.log")" -ge $1 ]; }
check "no nudge: both corrections on Dan's topic" wait_for 10 danseen 2
check "... because the daemon saw another process commit" grep -q "changed by another process" "$tmp/daemon.log"
check "the backlog is empty again" wait_for 10 backlog_empty

# --- 3b. SIGHUP still rescans (and finds nothing new to send) ---------------------------------
kill -HUP "$pid"
check "SIGHUP: a rescan" wait_for 5 grep -q "SIGHUP: rescanning the store" "$tmp/daemon.log"
check "... and nothing sent twice" eval '[ "$(grep -c "^homevitals/.*/people/p-dan/measurements " "$tmp/sub.log")" = 2 ]'
kill "$pid"
wait "$pid" 2>/dev/null

# --- 3c. idle, connected, beside an idle adapter: one wakeup a keepalive -------------------------
# The gateway at rest: bluetoothd (the vdev) with one powered adapter and no
# device, the broker connected, keepalive_s 5. Nothing ticks: the keepalive
# timer fires when a PINGREQ is due (keepalive_s after the last packet out,
# as libmosquitto 2.0.11 decides in lib/util_mosq.c mosquitto__check_keepalive)
# and the PINGRESP wakes the socket; the Bluetooth watchdog sleeps while no
# device exists. So between two SIGUSR1 taken just after a PINGRESP the loop
# wakes exactly 1 (the second signal) + 2 per keepalive that passed; the
# former quarter-keepalive tick would add 4 a keepalive, a Bluetooth tick 2.
# No timing guess: the keepalives are counted by the pings the daemon sent.
cat >"$tmp/keepalive.json" <<CONF
{
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "keepalive_s": 5, "reconnect_min_s": 1, "reconnect_max_s": 2 },
  "time": { "assume_synchronised": true },
  "log_level": "debug"
}
CONF
"$BUILD/homevitals-vdev" --scenario "$tmp/quiet.json" >"$tmp/quiet-vdev2.log" 2>&1 &
vdev=$!
HV_PIDS+=($vdev)
"$HVD" --config "$tmp/keepalive.json" 2>"$tmp/keepalive.log" &
pid=$!
HV_PIDS+=($pid)
ka_log=$tmp/keepalive.log
check "the daemon connects with keepalive 5 s" wait_for 10 grep -q "MQTT: connected" "$ka_log"
check "... and finds the idle adapter" wait_for 10 grep -q "Bluetooth adapter hci0: ok" "$ka_log"
pongs() { grep -c "received PINGRESP" "$ka_log"; }
pings() { grep -c "sending PINGREQ" "$ka_log"; }
pong_after() { [ "$(pongs)" -gt "$1" ]; }
# Start the window right after a PINGRESP: the next ping is a keepalive away.
check "a first ping answered" wait_for 15 pong_after 0
p=$(pongs)
wait_for 10 pong_after "$p"
p1=$(pings) r1=$(pongs) t1=$(date +%s.%N)
n1=$(wakeups "$ka_log" "$pid")
check "three more keepalives pass" wait_for 30 pong_after $((r1 + 2))
n2=$(wakeups "$ka_log" "$pid")
p2=$(pings) t2=$(date +%s.%N)
k=$((p2 - p1))
expected=$((1 + 2 * k))
if [[ $n1 =~ ^[0-9]+$ && $n2 =~ ^[0-9]+$ ]] && [ "$k" -ge 3 ] && [ $((n2 - n1)) -eq "$expected" ]; then
	ok "idle and connected over $k keepalives: $((n2 - n1)) wakeups = 1 + 2 × $k ($n1 → $n2)"
else
	not_ok "idle and connected over $k keepalives: $((n2 - n1)) wakeups, expected $expected ($n1 → $n2): $(grep -E 'PING|Event loop' "$ka_log" | tail -12)"
fi
# One ping a keepalive, not more: over the measured window of W s, at most
# W/5 + 1 pings (the quarter-keepalive tick pinged no more often either,
# but a deadline computed too early would).
check "no more than one ping a keepalive ($k in $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }') s)" \
	awk -v k="$k" -v a="$t1" -v b="$t2" 'BEGIN { exit !(k <= (b - a) / 5 + 1) }'
check "one connection all along: the broker never timed it out" \
	test "$(grep -c "MQTT: connected" "$ka_log")" = 1
check "the broker logged no timeout" eval '! grep -q "exceeded timeout" "$tmp/mosquitto.log"'

# A broker that stops answering (SIGSTOP: the kernel still takes the bytes)
# is given up a keepalive after the unanswered ping, two after the last
# packet: the library's keepalive ends the connection, not TCP.
kill -STOP "$HV_BROKER_PID"
given_up() { grep -q "did not answer the keepalive ping within 5 s" "$ka_log"; }
check "a stopped broker is given up by the keepalive (within 2 keepalives + slack)" wait_for 15 given_up
kill -CONT "$HV_BROKER_PID"
reconnected() { [ "$(grep -c "MQTT: connected" "$ka_log")" -ge 2 ]; }
check "... and the daemon reconnects once it answers again" wait_for 20 reconnected
kill "$pid" "$vdev"
wait "$pid" "$vdev" 2>/dev/null

# --- 4. the daily prune runs at start (then once a day, on its own timer) ----------------------
cat >"$tmp/prune.json" <<CONF
{
  "store": { "path": "$db", "retention_days": 30 },
  "mqtt": { "enabled": false },
  "time": { "assume_synchronised": true }
}
CONF
# Retention keys on the receive time (docs/store.md), and a live weigh-in
# is dated by it when the scale's clock disagrees (docs/pipeline.md): say the
# gateway got the two 2024 weigh-ins in June 2024, as a replay cannot.
sqlite3 "$db" "UPDATE measurements SET time_usec = 1717200000000000, received_usec = 1717200000000000"
"$HVD" --config "$tmp/prune.json" 2>"$tmp/prune.log" &
pid=$!
HV_PIDS+=($pid)
pruned() { grep -qE "Pruned [0-9]+ (published|\(no broker\)) measurements older than 30 days" "$tmp/prune.log"; }
# The two 2024 weigh-ins were delivered above: older than 30 days.
check "at start: published measurements older than the retention pruned" wait_for 10 pruned
