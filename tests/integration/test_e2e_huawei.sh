#!/usr/bin/env bash
# End to end: the Huawei AH100 and Honor CH100S scales (0xFAA0, frames
# XOR-ed with the address, measurements in AES-128-CTR) through vdev's
# huawei_scale model and the real daemon (test-huawei.json). The AH100
# refuses the first token, so its session binds and authenticates again;
# both scales then get kg and the clock; the AH100's slot 1 is linked to a
# person, so it also gets her profile (the CH100S, with no slot, does not,
# and its weigh-in goes by weight); both weigh-ins are decrypted, stored
# and published once.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e huawei"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-hua --name Hua --height 1.80 \
	--birth-date 1982-03-03 --sex male --weight-range 90-105 >/dev/null
"$HV" people add --db "$db" --id p-rong --name Rong --height 1.62 \
	--birth-date 1990-07-07 --sex female --weight-range 50-60 >/dev/null
e2e_sub || not_ok "subscriber"
"$HV" devices link --db "$db" 5C:CA:D3:08:7B:4F 1 p-hua >/dev/null ||
	not_ok "link slot 1 of the AH100"

e2e_config '"bluetooth": { "devices": [ { "address": "5C:CA:D3:08:7B:4F",
    "user_index": 1 } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-huawei.json"
e2e_check "AH100 session done" e2e_wait 25 grep -q "GATT session with 5C:CA:D3:08:7B:4F (huawei_ah100) done" "$tmp/homevitalsd.log"
e2e_check "CH100S session done" e2e_wait 25 grep -q "GATT session with 5C:CA:D3:08:7B:50 (huawei_ch100s) done" "$tmp/homevitalsd.log"
e2e_check "AH100: refused, bound, then authenticated as user 1" eval \
	'grep -q "ah100 authentication refused" "$tmp/vdev.out" &&
	 grep -q "ah100 bound" "$tmp/vdev.out" &&
	 grep -q "ah100 authenticated user 1" "$tmp/vdev.out"'
e2e_check "CH100S authenticated at once" eval \
	'grep -q "ch100s authenticated user 1" "$tmp/vdev.out" &&
	 ! grep -q "ch100s authentication refused" "$tmp/vdev.out"'
e2e_check "unit and clock written to both" eval \
	'[ "$(grep -c -E "(ah100|ch100s) unit kg" "$tmp/vdev.out")" -eq 2 ] &&
	 [ "$(grep -c -E "(ah100|ch100s) clock set 20" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "the linked person's profile to the AH100 only (16 bytes)" eval \
	'grep -q "ah100 user information (16 bytes)" "$tmp/vdev.out" &&
	 ! grep -q "ch100s user information" "$tmp/vdev.out"'
e2e_check "both measurements acknowledged" eval \
	'[ "$(grep -c "measurement acknowledged" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "two measurements published" e2e_wait 5 e2e_published_at_least 2
e2e_check "scenario played to its end" e2e_wait_vdev 25
e2e_readings_json
e2e_py "decrypted, stored with the scale's values and published once" '
got = sorted((m["driver"], value(m, "body_weight"), value(m, "body_fat_percent"),
              value(m, "impedance"), m["person"]) for m in R)
assert got == [("huawei_ah100", 97.0, 28.0, 540, "p-hua"),
               ("huawei_ch100s", 55.2, 18.8, 488, "p-rong")], got
ids = [p["id"] for t, p in P]
assert sorted(ids) == sorted(m["id"] for m in R), ids
'
e2e_finish
