#!/usr/bin/env bash
# End to end: the day's step total across a gateway restart
# (test-pinetime-restart.json). The watch walks, reboots (its counter
# lost) and walks on; the gateway stops (the day's total, held back, is
# stored with the counter value it was made of) and starts again; the
# watch walks more. The day's row ends equal to what the watch walked
# that day: the restarted gateway neither starts the day again from the
# counter nor counts the steps before the reboot twice.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e pinetime restart"

WATCH=C7:F1:00:00:00:02

# A POSIX TZ whose local midnight is 12 h away, so the run stays in one day.
zone() {
	python3 - <<'PY'
import time
mid = int(time.time()) + 43200
off = (-mid) % 86400
if off > 43200:
    off -= 86400
sign = "-" if off >= 0 else "+"
a = abs(off)
print("HVT%s%02d:%02d:%02d" % (sign, a // 3600, a // 60 % 60, a % 60))
PY
}
day_total() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT group_concat(CAST(value AS INTEGER)) FROM readings WHERE metric = 'step_count';" 2>/dev/null
}
walked() { grep "watch day" "$tmp/vdev.out" | tail -n 1 | sed 's/.* total //'; }

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-ida --name Ida >/dev/null
"$HV" devices link "$WATCH" 0 p-ida --db "$db" >/dev/null
e2e_config '"bluetooth": { "devices": [ { "address": "'"$WATCH"'" } ] }'
TZ_DAEMON=$(zone)
echo "# daemon time zone $TZ_DAEMON"
TZ=$TZ_DAEMON e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-pinetime-restart.json"
e2e_check "the watch rebooted" e2e_wait 20 grep -q "watch reboot" "$tmp/vdev.out"
e2e_check "connected again after the reboot" \
	e2e_wait 20 eval '[ "$(grep -c "watch connected" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "the watch reported its day before the restart" \
	e2e_wait 40 grep -q "watch day" "$tmp/vdev.out"
first=$(walked)
e2e_check "the gateway stopped cleanly" eval 'kill "$daemon_pid" && wait "$daemon_pid"'
echo "# stored before the restart: $(day_total)"
e2e_check "the day stored at shutdown, across the reboot ($first)" \
	eval '[ "$(day_total)" = "$first" ]'
TZ=$TZ_DAEMON e2e_daemon
e2e_check "the watch reported its day after walking on" \
	e2e_wait 40 eval '[ "$(grep -c "watch day" "$tmp/vdev.out")" -ge 2 ]'
second=$(walked)
echo "# stored after the restart: $(day_total)"
e2e_check "the gateway stopped cleanly again" eval 'kill "$daemon_pid" && wait "$daemon_pid"'
e2e_check "one row, the day's total as walked ($second)" \
	eval '[ "$second" -gt "$first" ] && [ "$(day_total)" = "$second" ]'
e2e_finish
