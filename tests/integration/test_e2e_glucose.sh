#!/usr/bin/env bash
# End to end: a Bluetooth SIG glucose meter (test-glucose-meter.json, model
# sig_glucose) whose stored records come over the Record Access Control
# Point, and a store that refuses them for a while.
#  A. The meter holds records 1-3: all fetched, stored with their values
#     and sequence numbers; the device's last stored sequence is 3.
#  B. The meter now holds 1-5; the store refuses every new measurement (a
#     trigger on the measurements table raises "database or disk is full",
#     as SQLite does on a full disk; it needs no root, unlike a small tmpfs:
#     tests/faults/fault_disk_full.sh). Records 4 and 5 are fetched but not
#     stored, and the last stored sequence stays 3, although the rest of the
#     store (the devices table) still takes writes.
#  C. The store works again, and the meter has one more record: a
#     control-solution test. The daemon connects again and asks for the
#     records from sequence 4 on: 4, 5 and 6 arrive, every record is stored
#     exactly once, none lost; the control-solution one is kept, flagged,
#     and assigned to no one although the meter is Gil's.
#  D. (root: a 4 MiB tmpfs; skipped otherwise) The same on a really full
#     disk: a new store on the small file system, filled to its last byte
#     while the meter holds records 4 and 5, then space again: every record
#     stored once. On a full disk the devices table is refused too, so B is
#     the part that shows the sequence is kept to what was stored.
#  E. test-glucose-clock-fast.json: a meter whose clock runs 2 h fast; its
#     Current Time is read first and its stored record dated by the offset
#     ("device-corrected").
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e glucose"

meter=C0:26:DA:10:20:07
done_line="GATT session with $meter (sig_glucose) done"

# scenario_with N: the meter's scenario with its first N records.
scenario_with() {
	python3 - "$E2E_SCENARIOS/test-glucose-meter.json" "$1" \
		>"$tmp/meter-$1.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["devices"][0]["records"] = s["devices"][0]["records"][:int(sys.argv[2])]
json.dump(s, sys.stdout)
PY
}

last_sequence() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT last_sequence FROM devices WHERE address = '$meter';"
}

# run PHASE SCENARIO [COMMAND...]: daemon and vdev until one session
# ended; both stopped. COMMAND runs once the daemon has its store open,
# before the meter appears.
run() {
	local phase=$1 scenario=$2
	shift 2
	e2e_daemon
	sleep 0.3
	if [ $# -gt 0 ]; then
		e2e_wait 10 grep -q "homevitalsd .* running (store " "$tmp/homevitalsd.log"
		"$@"
	fi
	e2e_vdev "$scenario"
	e2e_check "$phase: session ended" e2e_wait 30 grep -qE \
		"GATT session with $meter \(sig_glucose\) (done|ended early)|Session with $meter \(sig_glucose\) ended early" \
		"$tmp/homevitalsd.log"
	kill "$daemon_pid" "$vdev_pid" 2>/dev/null
	wait "$daemon_pid" "$vdev_pid" 2>/dev/null
	mv "$tmp/homevitalsd.log" "$tmp/homevitalsd-$phase.log"
	mv "$tmp/vdev.out" "$tmp/vdev-$phase.out"
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-gil --name Gil >/dev/null
"$HV" devices adopt "$meter" --person p-gil --db "$db" >/dev/null
e2e_config
e2e_sub || not_ok "subscriber"
scenario_with 3
scenario_with 5

# --- A: the first download ------------------------------------------------
run A "$tmp/meter-3.json"
e2e_check "A: the session completed" grep -q "$done_line" "$tmp/homevitalsd-A.log"
e2e_check "A: asked for all records (no sequence stored yet)" \
	grep -q "meter write 2a52:0101$" "$tmp/vdev-A.out"
e2e_check "A: three records stored" e2e_stored_at_least 3
e2e_check "A: last stored sequence 3 ($(last_sequence))" [ "$(last_sequence)" = 3 ]

# --- B: the store refuses measurements ------------------------------------
sqlite3 -cmd ".timeout 2000" "$db" "CREATE TRIGGER e2e_disk_full BEFORE INSERT ON measurements BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
run B "$tmp/meter-5.json"
e2e_check "B: asked for records from sequence 4 (0103010400)" \
	grep -q "meter write 2a52:0103010400$" "$tmp/vdev-B.out"
e2e_check "B: the meter sent records 4 and 5" eval \
	'grep -q "2a18:.* record 4$" "$tmp/vdev-B.out" && grep -q "2a18:.* record 5$" "$tmp/vdev-B.out"'
e2e_check "B: the daemon logged the refused measurement" \
	grep -q "Failed to store measurement" "$tmp/homevitalsd-B.log"
e2e_check "B: still three stored" [ "$(e2e_stored)" = 3 ]
e2e_check "B: the last stored sequence stays 3 ($(last_sequence))" [ "$(last_sequence)" = 3 ]

# --- C: the store works again ---------------------------------------------
sqlite3 -cmd ".timeout 2000" "$db" "DROP TRIGGER e2e_disk_full;"
run C "$E2E_SCENARIOS/test-glucose-meter.json"
e2e_check "C: the session completed" grep -q "$done_line" "$tmp/homevitalsd-C.log"
e2e_check "C: asked again from sequence 4 (0103010400)" \
	grep -q "meter write 2a52:0103010400$" "$tmp/vdev-C.out"
e2e_check "C: records 4 to 6 sent, 1-3 not again" eval \
	'grep -q "2a18:.* record 4$" "$tmp/vdev-C.out" && grep -q "2a18:.* record 6$" "$tmp/vdev-C.out" && ! grep -qE "2a18:.* record [123]$" "$tmp/vdev-C.out"'
e2e_check "C: last stored sequence 6 ($(last_sequence))" [ "$(last_sequence)" = 6 ]
e2e_check "C: six published" e2e_wait 10 e2e_published_at_least 6
e2e_readings_json
e2e_py "every record stored once, with its value, time and sequence number" '
got = sorted((m["sequence_number"], round(value(m, "blood_glucose"), 2),
              m["device_time"][:16]) for m in R)
want = [(1, 5.5, "2025-01-10T07:05"), (2, 7.2, "2025-01-10T12:40"),
        (3, 6.1, "2025-01-11T07:10"), (4, 8.4, "2025-01-11T13:02"),
        (5, 5.9, "2025-01-12T07:01"), (6, 6.8, "2025-01-12T18:30")]
assert got == want, got
ids = [p["id"] for t, p in P]
assert len(ids) == len(set(ids)) == 6 and set(ids) == set(m["id"] for m in R), ids
'
e2e_py "the patient has records 1-5; the control solution is flagged and nobody's" '
by_seq = {m["sequence_number"]: m for m in R}
assert [by_seq[i]["person"] for i in range(1, 6)] == ["p-gil"] * 5
ctl = by_seq[6]
assert not ctl.get("person"), ctl
assert "control_solution" in ctl.get("flags", []), ctl
assert ctl.get("sample_type") == "control_solution", ctl
topics = {p["id"]: t for t, p in P}
assert topics[ctl["id"]].endswith("/unassigned/measurements"), topics
assert all("/people/p-gil/" in topics[by_seq[i]["id"]] for i in range(1, 6)), topics
'
out=$("$HV" devices adopt "$meter" --person p-gil --backlog --db "$db" 2>&1)
e2e_check "adopting the meter again with its backlog leaves the control solution alone" \
	eval '[ "$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM measurements WHERE person = '"''"' AND json LIKE '"'%control_solution%'"';")" = 1 ] && grep -q "1 control-solution test left unassigned" <<<"$out"'
ctl_id=$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT id FROM measurements WHERE json LIKE '%control_solution%';")
"$HV" assign "$ctl_id" p-gil --db "$db" >"$tmp/assign.out" 2>&1
rc=$?
ctl_person=$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT person FROM measurements WHERE id = '$ctl_id';")
e2e_check "assign refuses to give the control solution to Gil (exit $rc, person '$ctl_person')" \
	eval '[ "$rc" = 1 ] && [ -n "$ctl_id" ] && [ -z "$ctl_person" ] && grep -q "control-solution test" "$tmp/assign.out"'

# --- E: a meter whose clock runs 2 h fast --------------------------------
# The conversation reads its Current Time first: the stored record is dated
# by the meter's clock less the 2 h measured on the same connection.
meter=C0:26:DA:10:20:08
done_line="GATT session with $meter (sig_glucose) done"
run E "$E2E_SCENARIOS/test-glucose-clock-fast.json"
e2e_check "E: the session completed" grep -q "$done_line" "$tmp/homevitalsd-E.log"
e2e_check "E: the meter's clock was read (found, no 'not found')" eval \
	'grep -q "$meter step 0: read the device'"'"'s clock" "$tmp/homevitalsd-E.log" &&
	 ! grep -q "$meter: characteristic 2a2b not found" "$tmp/homevitalsd-E.log"'
e2e_readings_json
e2e_py "E: the record dated by the meter clock - 2 h, device-corrected" '
from datetime import datetime, timezone
mine = [m for m in R if m["device"]["address"] == "C0:26:DA:10:20:08"]
assert len(mine) == 1, mine
m = mine[0]
assert value(m, "blood_glucose") == 6.3, m
assert m["time_source"] == "device-corrected", m
t = datetime.fromisoformat(m["time"].replace("Z", "+00:00"))
want = datetime(2025, 2, 1, 8, 0, tzinfo=timezone.utc)
# the meter reads whole seconds: the offset is 2 h less under 2 s
assert -2 < (t - want).total_seconds() <= 0, m["time"]
'
meter=C0:26:DA:10:20:07
done_line="GATT session with $meter (sig_glucose) done"

# --- D: a really full disk (root only: a 4 MiB tmpfs holds a new store) ----
disk_full() { # fill the small file system to its last byte
	dd if=/dev/zero of="$small/filler" bs=16k >/dev/null 2>&1
	return 0
}
small=$tmp/small
if [ "$(id -u)" -ne 0 ]; then
	ok "D: a full disk # SKIP mounting a tmpfs needs root (A-C ran with a refusing store)"
elif ! mkdir -p "$small" || ! mount -t tmpfs -o size=4m,mode=0755 tmpfs "$small"; then
	not_ok "D: mount a 4 MiB tmpfs"
else
	trap 'rc=$?; stop_all; umount "$small" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT
	db=$small/homevitals.db
	e2e_config
	"$HV" people add --db "$db" --id p-gil --name Gil >/dev/null
	"$HV" devices adopt "$meter" --person p-gil --db "$db" >/dev/null
	run D1 "$tmp/meter-3.json"
	e2e_check "D1: three records stored on the small disk" e2e_stored_at_least 3
	run D2 "$tmp/meter-5.json" disk_full
	e2e_check "D2: the disk is full" eval '[ "$(df --output=avail "$small" | tail -1)" -lt 64 ]'
	e2e_check "D2: the meter sent records 4 and 5" eval \
		'grep -q "2a18:.* record 4$" "$tmp/vdev-D2.out" && grep -q "2a18:.* record 5$" "$tmp/vdev-D2.out"'
	e2e_check "D2: the daemon logged the full disk" \
		grep -qiE "Failed to store measurement.*(full|space)" "$tmp/homevitalsd-D2.log"
	e2e_check "D2: the last stored sequence stays 3 ($(last_sequence))" [ "$(last_sequence)" = 3 ]
	rm -f "$small/filler"
	run D3 "$E2E_SCENARIOS/test-glucose-meter.json"
	e2e_check "D3: asked again from sequence 4 (0103010400)" \
		grep -q "meter write 2a52:0103010400$" "$tmp/vdev-D3.out"
	e2e_check "D3: last stored sequence 6 ($(last_sequence))" [ "$(last_sequence)" = 6 ]
	e2e_check "D3: records 1-6 stored once each" eval '[ "$(sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT group_concat(n) FROM (SELECT count(*) AS n FROM measurements GROUP BY json_extract(json, '"'"'$.sequence_number'"'"') ORDER BY json_extract(json, '"'"'$.sequence_number'"'"'));")" = 1,1,1,1,1,1 ]'
fi

for p in A B C E D1 D2 D3; do
	[ -f "$tmp/homevitalsd-$p.log" ] || continue
	cat "$tmp/homevitalsd-$p.log" >>"$tmp/homevitalsd.log"
	cat "$tmp/vdev-$p.out" >>"$tmp/vdev.out"
done
daemon_pid="" vdev_pid=""
e2e_finish
