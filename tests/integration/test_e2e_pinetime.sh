#!/usr/bin/env bash
# End to end: a PineTime (InfiniTime) through vdev and the real daemon
# (test-pinetime-day.json). The daemon runs in a time zone whose midnight
# falls 20 s after its start, so one run crosses a local midnight:
#  - the gateway reads the step counter, subscribes, and sets the watch's
#    clock (it starts at 2020-01-01): the watch's own midnight then falls
#    with the gateway's, and the watch zeroes its counter there;
#  - the watch walks before midnight, pauses, walks after it, reboots (its
#    counter lost, the link dropped), is connected again and walks on;
#  - the store holds one step_count row per local day for the linked
#    wearer, equal to what the watch printed as walked that day (across
#    the reboot, nothing counted twice), dated at the day's local midnight:
#    the first day's total written when the second began, the second's
#    (held back, as a grown total is stored at most every 15 min) when
#    the daemon stops;
#  - the heart rate notified in the session is stored for the wearer too.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e pinetime"

WATCH=C7:F1:00:00:00:01

# A POSIX TZ whose local midnight is $1 seconds from now: "HVT-hh:mm:ss" is
# UTC + hh:mm:ss.
tz_midnight_in() {
	python3 - "$1" <<'PY'
import sys, time
mid = int(time.time()) + int(sys.argv[1])
off = (-mid) % 86400
if off > 43200:
    off -= 86400
sign = "-" if off >= 0 else "+"
a = abs(off)
print("HVT%s%02d:%02d:%02d" % (sign, a // 3600, a // 60 % 60, a % 60))
PY
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-ida --name Ida >/dev/null
"$HV" devices link "$WATCH" 0 p-ida --db "$db" >/dev/null
e2e_sub || not_ok "subscriber"
e2e_config '"bluetooth": { "devices": [ { "address": "'"$WATCH"'" } ] }'
zone=$(tz_midnight_in 20)
echo "# daemon time zone $zone"
TZ=$zone e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-pinetime-day.json"

e2e_check "the watch's clock was set by the gateway" \
	e2e_wait 15 grep -q "watch clock set" "$tmp/vdev.out"
e2e_check "the scenario played to its end" e2e_wait_vdev 70
e2e_check "the watch reached its midnight" grep -q "watch midnight: day" "$tmp/vdev.out"
e2e_check "connected again after the reboot" \
	eval '[ "$(grep -c "Connecting to $WATCH (pinetime)" "$tmp/homevitalsd.log")" -ge 2 ]'
e2e_check "the daemon stopped cleanly" eval 'kill "$daemon_pid" && wait "$daemon_pid"'
e2e_readings_json
e2e_py "one row per local day with the day's total, across the reboot" '
import re
walked = {}
for line in V:
    m = re.search(r"watch (?:midnight: )?day (\S+) total (\d+)", line)
    if m:
        walked[m.group(1)] = int(m.group(2))
steps = [m for m in R if reading(m, "step_count")]
got = sorted((m["time"], value(m, "step_count")) for m in steps)
assert len(walked) == 2, (walked, V[-5:])
days = sorted(walked)
assert [v for t, v in got] == [walked[d] for d in days], (got, walked)
# the second day adds the counter before and after the reboot
assert walked[days[1]] == 6 * 30 + 20 * 2, walked
assert all(m["person"] == "p-ida" and m["driver"] == "pinetime" for m in steps)
assert len({m["id"] for m in steps}) == 2
'
e2e_py "each day dated at its local midnight, 24 h apart" '
import datetime
steps = sorted(m["time"] for m in R if reading(m, "step_count"))
t = [datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ") for s in steps]
assert len(t) == 2 and (t[1] - t[0]).total_seconds() == 86400, steps
'
e2e_py "the heart rate of the session, for the wearer" '
hr = [m for m in R if reading(m, "heart_rate")]
assert [value(m, "heart_rate") for m in hr] == [64], hr
assert hr[0]["person"] == "p-ida"
'
e2e_daemon
e2e_check "the day totals were published" e2e_wait 10 e2e_backlog_empty
e2e_py "the last published form of each day is its stored total" '
last = {}
for topic, p in P:
    if reading(p, "step_count"):
        last[p["id"]] = value(p, "step_count")
stored = {m["id"]: value(m, "step_count") for m in R if reading(m, "step_count")}
assert last == stored, (last, stored)
'
e2e_finish
