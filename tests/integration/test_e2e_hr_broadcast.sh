#!/usr/bin/env bash
# End to end: watches with "broadcast heart rate" on (a Mi Smart Band 6 and
# a Garmin Forerunner 255, both exposing the SIG Heart Rate service while
# the mode is on) are found by their advertised 0x180D service, connected
# with the sig_heart_rate conversation, and their heart rate is stored —
# with no configuration naming them (test-hr-broadcast.json).
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e hr broadcast"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-hr-broadcast.json"
e2e_check "the Mi Band is connected as a heart-rate sensor" \
	e2e_wait 15 grep -q "Connecting to F1:2A:3B:00:00:06 (sig_heart_rate)" "$tmp/homevitalsd.log"
e2e_check "the Garmin is connected as a heart-rate sensor" \
	e2e_wait 20 grep -q "Connecting to C4:1D:3E:00:02:55 (sig_heart_rate)" "$tmp/homevitalsd.log"
e2e_check "the scenario played to its end" e2e_wait_vdev 30
e2e_readings_json
e2e_py "both watches' heart rates stored, in order" '
def bpm(addr):
    return [value(m, "heart_rate") for m in sorted(R, key=lambda m: m["time"])
            if m["device"]["address"] == addr]
assert bpm("F1:2A:3B:00:00:06") == [71, 73, 72], bpm("F1:2A:3B:00:00:06")
assert bpm("C4:1D:3E:00:02:55") == [121, 124], bpm("C4:1D:3E:00:02:55")
assert all(m["driver"] == "sig_heart_rate" for m in R)
'
e2e_finish
