#!/usr/bin/env bash
# End to end: an Omron HEM-7322T cuff on the memory-read service
# (omron-cuff.json; firmware-host/model_omron.c). The first session unlocks,
# reads the write positions and the clock, both users' rings (each from
# slot 0: its write slot is empty, it never went round), sets the clock and
# ends the transmission: three readings stored and published once. The
# daemon stops; the cuff takes two more readings; a new daemon (the same
# store) reads from the position the first one kept: the link drops right
# after the first new record (read 10), and the retry reads only the second
# one.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e_omron.sh
e2e_init "e2e omron"

e2e_omron_start omron-cuff.json
e2e_check "first session: transmission ended" e2e_wait 40 grep -q "omron transmission ended" "$tmp/vdev.out"
e2e_check "the clock was set" grep -q "omron clock set to 20" "$tmp/vdev.out"
e2e_check "three readings stored" e2e_wait 5 e2e_stored_at_least 3
e2e_check "three published" e2e_wait 5 e2e_published_at_least 3
e2e_check "first session over: the gateway disconnected" e2e_wait 10 grep -q "omron disconnected" "$tmp/vdev.out"
first=$(e2e_omron_reads)
e2e_check "first session read the positions, 2 + 1 records, 2 empty write slots, the clock" eval '[ "$first" = 7 ]'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "the cuff took two more readings" e2e_wait 40 grep -q "record stored for user 2 in slot 1" "$tmp/vdev.out"
e2e_daemon
e2e_check "second session: the link dropped after the first new record" e2e_wait 30 grep -q "mid-transfer fault" "$tmp/vdev.out"
e2e_check "four readings stored" e2e_wait 5 e2e_stored_at_least 4
e2e_check "retried: the transmission ended" e2e_wait 30 eval '[ "$(grep -c "omron transmission ended" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "five readings stored" e2e_wait 5 e2e_stored_at_least 5
e2e_check "five published" e2e_wait 5 e2e_published_at_least 5
e2e_check "then: positions + clock + 1 record, positions + clock + 1 record" eval '[ "$(( $(e2e_omron_reads) - first ))" = 6 ]'
sleep 2 # a duplicate would come now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json
e2e_py "each reading stored once, with the cuff's time and user" '
got = sorted((m["time"][:16], value(m, "systolic_pressure"), value(m, "diastolic_pressure"),
              value(m, "pulse_rate"), m.get("user_index")) for m in R)
assert got == [("2024-03-01T07:30", 121, 79, 61, 0), ("2024-03-02T07:31", 124, 81, 66, 0),
               ("2024-03-02T21:05", 133, 88, 72, 1), ("2024-03-03T07:29", 118, 76, 58, 0),
               ("2024-03-03T21:10", 140, 90, 70, 1)], got
assert len(set(m["id"] for m in R)) == 5
for m in R:
    assert m["driver"] == "omron", m["driver"]
'
e2e_py "published exactly once each (same ids as stored)" '
ids = [p["id"] for t, p in P]
assert len(ids) == 5 and set(ids) == set(m["id"] for m in R), ids
'
e2e_finish
