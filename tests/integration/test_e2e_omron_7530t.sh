#!/usr/bin/env bash
# End to end: an Omron HEM-7530T cuff (omron-cuff-7530t.json;
# firmware-host/model_omron.c), whose settings block's write position,
# unread counter and clock are not known (omblepy deviceSpecific/
# hem-7530t.py), so the model keeps its position to itself and refuses any
# write. The first session walks the ring (three records and the empty
# slot after them), reads the three again as new records and ends the
# transmission: three readings stored, dated by the cuff's clock. The
# daemon stops; the cuff takes one more reading; a new daemon (the same
# store) walks the ring again and stores only the new one. Nothing is
# written to the cuff.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e_omron.sh
e2e_init "e2e omron HEM-7530T"

e2e_omron_start omron-cuff-7530t.json
e2e_check "first session: transmission ended" e2e_wait 40 grep -q "omron transmission ended" "$tmp/vdev.out"
e2e_check "three readings stored" e2e_wait 5 e2e_stored_at_least 3
e2e_check "three published" e2e_wait 5 e2e_published_at_least 3
e2e_check "first session over: the gateway disconnected" e2e_wait 10 grep -q "omron disconnected" "$tmp/vdev.out"
first=$(e2e_omron_reads)
e2e_check "first session walked 3 records and an empty slot, took 3" eval '[ "$first" = 7 ]'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "the cuff took one more reading" e2e_wait 40 grep -q "record stored for user 1 in slot 3" "$tmp/vdev.out"
e2e_daemon
e2e_check "second session: transmission ended" e2e_wait 40 eval '[ "$(grep -c "omron transmission ended" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "four readings stored" e2e_wait 5 e2e_stored_at_least 4
e2e_check "four published" e2e_wait 5 e2e_published_at_least 4
e2e_check "then: 4 records and an empty slot walked, 1 taken" eval '[ "$(( $(e2e_omron_reads) - first ))" = 6 ]'
sleep 2 # a duplicate would come now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_check "nothing written to the cuff" eval '! grep -q "write refused\|memory written\|clock set" "$tmp/vdev.out"'
e2e_readings_json
e2e_py "each reading stored once, with the cuff's time" '
got = sorted((m["time"][:16], value(m, "systolic_pressure"), value(m, "diastolic_pressure"),
              value(m, "pulse_rate"), m.get("user_index")) for m in R)
assert got == [("2024-03-01T07:30", 121, 79, 61, 0), ("2024-03-02T07:31", 124, 81, 66, 0),
               ("2024-03-02T21:05", 133, 88, 72, 0), ("2024-03-03T07:29", 118, 76, 58, 0)], got
assert len(set(m["id"] for m in R)) == 4
for m in R:
    assert m["driver"] == "omron", m["driver"]
'
e2e_py "published exactly once each (same ids as stored)" '
ids = [p["id"] for t, p in P]
assert len(ids) == 4 and set(ids) == set(m["id"] for m in R), ids
'
e2e_finish
