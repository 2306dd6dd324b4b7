#!/usr/bin/env bash
# End to end: an Omron HEM-7361T cuff, whose clock block has the offset-8
# layout (omron-cuff-offset8.json; firmware-host/model_omron.c), its clock
# 3 h slow. The session reads the write positions, the clock block in two
# reads (the date lies in its second 8 bytes), both users' rings, sets the
# clock and ends: the two readings are dated by the cuff's clock moved by
# the offset measured on the connection (device-corrected, docs/pipeline.md
# "Time").
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e_omron.sh
e2e_init "e2e omron offset-8 clock"

e2e_omron_start omron-cuff-offset8.json
e2e_check "transmission ended" e2e_wait 40 grep -q "omron transmission ended" "$tmp/vdev.out"
e2e_check "the clock was set" grep -q "omron clock set to 20" "$tmp/vdev.out"
e2e_check "two readings stored" e2e_wait 5 e2e_stored_at_least 2
e2e_check "the session read the positions, the clock in two, 2 write slots and 2 records" \
	eval '[ "$(e2e_omron_reads)" = 7 ]'
e2e_readings_json
e2e_py "each reading dated by the cuff clock + 3 h, device-corrected" '
from datetime import datetime, timezone
assert len(R) == 2, R
want = {121: datetime(2024, 3, 1, 10, 30, tzinfo=timezone.utc),
        133: datetime(2024, 3, 3, 0, 5, tzinfo=timezone.utc)}
for m in R:
    assert m["driver"] == "omron", m["driver"]
    assert m["time_source"] == "device-corrected", m
    t = datetime.fromisoformat(m["time"].replace("Z", "+00:00"))
    # the cuff reads whole seconds: the offset is 3 h plus less than 2 s
    assert 0 <= (t - want[value(m, "systolic_pressure")]).total_seconds() < 2, m["time"]
    c = m["clock_read"]
    g = datetime.fromisoformat(c["gateway_time"].replace("Z", "+00:00"))
    d = datetime.fromisoformat(c["device_time"].replace("Z", "+00:00"))
    assert 10798 <= (g - d).total_seconds() <= 10802, c
'
e2e_finish
