#!/usr/bin/env bash
# End to end: a Beurer BF450 (a SIG scale with the vendor service 0xFFFF)
# through vdev and the real daemon. Selected by its name as beurer_bf450, the
# session runs the SIG flow (consent for the configured slot; the stored
# weighing arrives) and the BF450's steps: the activity level to 0xFFF2,
# "take a measurement" to 0xFFF4, whose impedance the scale notifies on
# 0xFFF6 with the slot's number. The stored weighing, the new weighing and
# the impedance are each stored and published once, under the person linked
# to the slot.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e beurer bf450"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_person p-vera Vera 1.71 1969-03-03 female 76-82
"$HV" devices link --db "$db" D4:36:39:10:45:00 0 p-vera >/dev/null ||
	not_ok "slot 0 linked to Vera"
e2e_sub || not_ok "subscriber"
e2e_config '"bluetooth": { "devices": [ { "address": "D4:36:39:10:45:00",
    "user_index": 0, "consent_code": 1234 } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-beurer-bf450.json" --speed 3
e2e_check "session by beurer_bf450 done" e2e_wait 20 grep -q \
	"GATT session with D4:36:39:10:45:00 (beurer_bf450) done" "$tmp/homevitalsd.log"
e2e_check "scenario played to its end" e2e_wait_vdev 20
e2e_check "consent given for user 0" e2e_vdev_has "bf450 consent given for user 0"
e2e_check "activity level written (3)" e2e_vdev_has "bf450 activity level 3"
e2e_check "a measurement asked for" e2e_vdev_has "bf450 take measurement"
e2e_check "three measurements published" e2e_wait 5 e2e_published_at_least 3
e2e_readings_json
e2e_py "the weighings and the impedance, Vera's" '
weights = sorted(value(m, "body_weight") for m in R if value(m, "body_weight") is not None)
assert weights == [79.9, 80.1], weights
z = [m for m in R if value(m, "impedance") is not None]
assert len(z) == 1 and value(z[0], "impedance") == 512, z
assert z[0]["driver"] == "beurer_bf450", z[0]["driver"]
assert all(m["person"] == "p-vera" for m in R), [m["person"] for m in R]
'
e2e_published_once 3
e2e_finish
