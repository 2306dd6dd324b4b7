#!/usr/bin/env bash
# End to end: an Omron HBF-702T body composition scale on the memory-read
# service (omron-wlc-scale.json; firmware-host/model_omron.c, model
# omron_wlc). The first session unlocks, reads the index block, probes user
# 1's ring back from its newest record and reads the two it holds (each in
# three answers the pipeline joins); user 2's record is not read (no person
# linked: user 1's slot). The daemon stops; the scale stores a third
# weigh-in; a new daemon (the same store) reads only that one.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e_omron.sh
e2e_init "e2e omron wlc"

e2e_omron_start omron-wlc-scale.json
e2e_check "first session: transmission ended" e2e_wait 40 grep -q "omron_wlc transmission ended" "$tmp/vdev.out"
e2e_check "two readings stored" e2e_wait 5 e2e_stored_at_least 2
e2e_check "two published" e2e_wait 5 e2e_published_at_least 2
e2e_check "first session over: the gateway disconnected" e2e_wait 10 grep -q "omron_wlc disconnected" "$tmp/vdev.out"
first=$(e2e_omron_reads)
e2e_check "first session read the index, 3 probes, 2 x 3 record reads" eval '[ "$first" = 10 ]'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "the scale stored a third weigh-in" e2e_wait 40 grep -q "record stored for user 1 in slot 2" "$tmp/vdev.out"
e2e_daemon
e2e_check "second session: transmission ended" e2e_wait 40 eval '[ "$(grep -c "omron_wlc transmission ended" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "three readings stored" e2e_wait 5 e2e_stored_at_least 3
e2e_check "three published" e2e_wait 5 e2e_published_at_least 3
e2e_check "then: the index, 2 probes, 3 record reads" eval '[ "$(( $(e2e_omron_reads) - first ))" = 6 ]'
sleep 2 # a duplicate would come now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json
e2e_py "each weigh-in stored once, whole, with the scale's time and user" '
got = sorted((m["time"][:19], value(m, "body_weight"), value(m, "body_fat_percent"),
              value(m, "muscle_percent"), value(m, "bmi"), value(m, "basal_metabolic_rate"),
              value(m, "visceral_fat_rating"), value(m, "metabolic_age"), m.get("user_index"))
             for m in R)
assert got == [("2024-03-17T07:45:12", 72.4, 23.5, 31.2, 23.7, 1520, 8.0, 34, 0),
               ("2024-03-18T07:40:00", 72.1, 23.4, 31.3, 23.6, 1518, 7.5, 34, 0),
               ("2024-03-19T07:42:30", 71.85, 23.2, 31.4, 23.5, 1515, 7.5, 33, 0)], got
assert len(set(m["id"] for m in R)) == 3
for m in R:
    assert m["driver"] == "omron_wlc", m["driver"]
'
e2e_py "published exactly once each (same ids as stored)" '
ids = [p["id"] for t, p in P]
assert len(ids) == 3 and set(ids) == set(m["id"] for m in R), ids
'
e2e_finish
