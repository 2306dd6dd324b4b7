#!/usr/bin/env bash
# End to end: a Colmi ring through vdev and the real daemon
# (test-colmi-ring.json). The first session sets the ring's clock and
# reads its battery and a week of step history (nothing is stored yet);
# then the gateway is down while the ring is away and walks; the next
# session asks only from the day of the last stored record and adds what is
# new, with nothing stored twice: steps, and the heart-rate log of the same
# days (yesterday's asked again: its value already stored keeps its id),
# one row per measured five-minute slot; and its SpO2 history (big-data
# service), one row per measured hour.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e colmi ring"

RING=E8:6B:00:00:02:02
sessions() { grep -c "GATT session with $RING (colmi_ring) done" "$tmp/homevitalsd.log"; }
step_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM readings WHERE metric = 'step_count';" 2>/dev/null || echo 0
}

hr_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM readings WHERE metric = 'heart_rate';" 2>/dev/null || echo 0
}

spo2_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM readings WHERE metric = 'spo2';" 2>/dev/null || echo 0
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-ravi --name Ravi >/dev/null
"$HV" devices link "$RING" 0 p-ravi --db "$db" >/dev/null
e2e_config
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-colmi-ring.json"
e2e_check "first session done" e2e_wait 20 eval '[ "$(sessions)" -ge 1 ]'
e2e_check "the ring's clock was set" grep -q "ring clock set" "$tmp/vdev.out"
e2e_check "a week asked for the first time" grep -q "ring steps asked for 6 days back" "$tmp/vdev.out"
e2e_check "the four intervals of its history stored" e2e_wait 5 eval '[ "$(step_rows)" = 4 ]'
e2e_check "the week's heart-rate log asked for" grep -q "ring heart rate asked for 6 days back: 0 values" "$tmp/vdev.out"
e2e_check "its three measured slots stored" e2e_wait 5 eval '[ "$(hr_rows)" = 3 ]'
e2e_check "its SpO2 history asked for on the big-data service" grep -q "ring SpO2 history asked: 3 days" "$tmp/vdev.out"
e2e_check "its two measured hours stored" e2e_wait 5 eval '[ "$(spo2_rows)" = 2 ]'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "the ring walked while the gateway was down" \
	e2e_wait 20 grep -q "ring walked" "$tmp/vdev.out"
e2e_check "and logged a heart rate" e2e_wait 20 grep -q "ring pulse logged" "$tmp/vdev.out"
asked_before=$(grep -c "steps asked for" "$tmp/vdev.out")
e2e_daemon
e2e_check "second session done" e2e_wait 20 eval '[ "$(sessions)" -ge 2 ]'
e2e_check "asked only from the last stored record's day" eval \
	'tail -n +1 "$tmp/vdev.out" | grep "steps asked for" | tail -n +$((asked_before + 1)) | cut -d" " -f3- >"$tmp/asked2" &&
	 [ "$(cat "$tmp/asked2")" = "steps asked for 1 days back: 1 records
steps asked for 0 days back: 1 records" ]'
e2e_check "the heart-rate log of the same days" eval \
	'grep "heart rate asked for" "$tmp/vdev.out" | tail -n 2 | cut -d" " -f3- >"$tmp/hr2" &&
	 [ "$(cat "$tmp/hr2")" = "heart rate asked for 1 days back: 2 values
heart rate asked for 0 days back: 0 values" ]'
e2e_readings_json
e2e_py "five intervals, each once, dated by the ring, for the wearer" '
steps = [m for m in R if reading(m, "step_count")]
got = sorted(value(m, "step_count") for m in steps)
assert got == [48, 99, 420, 812, 1194], got
assert len({m["id"] for m in steps}) == 5
assert all(m["person"] == "p-ravi" and m["driver"] == "colmi_ring" for m in steps)
assert all(m["time_source"] == "device" for m in steps), [m.get("time_source") for m in steps]
assert sorted(value(m, "distance") for m in steps) == [27, 68, 300, 590, 873]
'
e2e_py "the heart-rate log: each measured slot once at its time, the one caught up included" '
hr = [m for m in R if reading(m, "heart_rate")]
got = sorted((value(m, "heart_rate"), m["time"][11:16], m.get("period")) for m in hr)
assert got == [(62, "08:20", "PT5M"), (66, "08:25", "PT5M"), (70, "16:40", "PT5M"),
               (75, "20:50", "PT5M")], got
assert len({m["id"] for m in hr}) == 4
# 62 and 66 came in one log packet (slots 100 and 101: packet 9, its slots 0 and 1): each raw names its own
raw = {value(m, "heart_rate"): m["raw"]["characteristic"] for m in hr}
assert raw[62]["value"] == raw[66]["value"] and raw[62]["value"][:4] == "1509", raw
assert "record" not in raw[62] and raw[66]["record"] == 1, raw
assert all(m["person"] == "p-ravi" and m["time_source"] == "device" for m in hr)
'
e2e_py "the SpO2 history: each measured hour once, asked again in the second session" '
ox = [m for m in R if reading(m, "spo2")]
got = sorted((value(m, "spo2"), m["time"][11:16], m.get("period")) for m in ox)
assert got == [(95, "05:00", "PT1H"), (97, "22:00", "PT1H")], got
assert len({m["id"] for m in ox}) == 2
assert all(m["person"] == "p-ravi" and m["time_source"] == "device" for m in ox)
'
e2e_check "asked again in the second session" eval '[ "$(grep -c "ring SpO2 history asked" "$tmp/vdev.out")" -ge 2 ]'
e2e_finish
