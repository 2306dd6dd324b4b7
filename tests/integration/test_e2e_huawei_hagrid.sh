#!/usr/bin/env bash
# End to end: Huawei "Hagrid" WSP scales (drivers/huawei_hagrid.c) through
# vdev's huawei_hagrid model and the real daemon (test-huawei-hagrid.json).
# The Scale 3, whose CAK, C1 and C2 the gateway holds, is authenticated
# both ways, takes the work key, names its account in the manager info
# (which the user information then carries), and sends its weighing sealed
# under the work key, each message in three notifications: the gateway
# joins and opens them, and stores the weighing once (the scale keeps it
# in its history too) and the older record its history holds. The gateway
# then polls the Scale 3's measurement status (openScale
# HuaweiHagridWspHandler.kt startMeasurementStatusPolling @ f7a733b2),
# every 3 s, until the scale says the weighing is over, and reads the
# history then. The Scale 3 Pro has no status characteristics: its history
# is read at once. The Scale 3 Pro's realtime weighing (the 38-byte form, with the high band) is not
# stored, as openScale stores only the Scale 3's: it comes from the history
# read that follows, once. The Honor
# Scale 2, for which the gateway holds another scale's secrets, refuses
# the gateway's token: nothing of it is stored, and the log says where the
# session failed.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e huawei hagrid"

SCALE3=E8:A3:4F:12:00:01
HONOR=E8:A3:4F:12:00:02
PRO=E8:A3:4F:12:00:03
first_vdev_line() { grep -n -m1 -E -- "$1" "$tmp/vdev.out" | cut -d: -f1; }
# the scenario time (vdev's t=) of the first vdev line matching $1
vdev_time() { grep -m1 -E -- "$1" "$tmp/vdev.out" | sed -n 's/^t=\([0-9.]*\) .*/\1/p'; }
first_log_line() { grep -n -m1 -E -- "$1" "$tmp/homevitalsd.log" | cut -d: -f1; }

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-wei --name Wei --height 1.78 \
	--birth-date 1985-04-04 --sex male --weight-range 75-90 >/dev/null
"$HV" devices link --db "$db" "$SCALE3" 1 p-wei >/dev/null ||
	not_ok "link slot 1 of the Scale 3"
"$HV" people add --db "$db" --id p-lin --name Lin --height 1.64 \
	--birth-date 1991-09-09 --sex female --weight-range 52-64 >/dev/null
e2e_sub || not_ok "subscriber"
# CAK, C1, C2 of the Scale 3 as the scenario gives them; the Honor gets
# the same three, which are not its own.
keys="3c1f8e2a77d04b9c05e6a1f2d3c4b5a6 9a8b7c6d5e4f30211203f4e5d6c7b8a9 0f1e2d3c4b5a69788796a5b4c3d2e1f0"
echo "$keys" >"$tmp/scale3.key"
echo "$keys" >"$tmp/honor.key"
echo "5a4b3c2d1e0f00112233445566778899 a1b2c3d4e5f60718293a4b5c6d7e8f90 0918273645546372819aabbccddeeff0" >"$tmp/pro.key"
chmod 600 "$tmp/scale3.key" "$tmp/honor.key" "$tmp/pro.key"
e2e_config '"bluetooth": { "devices": [
    { "address": "'"$SCALE3"'", "user_index": 1, "bind_key_file": "'"$tmp/scale3.key"'" },
    { "address": "'"$PRO"'", "bind_key_file": "'"$tmp/pro.key"'" },
    { "address": "'"$HONOR"'", "bind_key_file": "'"$tmp/honor.key"'" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-huawei-hagrid.json"

e2e_check "Scale 3: the gateway's token accepted, the work key taken" \
	e2e_wait 30 eval 'e2e_vdev_has "scale3 token accepted" && e2e_vdev_has "scale3 work key accepted"'
e2e_check "  its account from the manager info goes back in the user information" \
	e2e_wait 10 e2e_vdev_has "scale3 user information: huid 7001234567, sex 1, age"
e2e_check "  it sends the weighing sealed, in three notifications" \
	e2e_wait 10 eval 'e2e_vdev_has "scale3 sends the weighing, sealed" &&
	 e2e_vdev_has "final weighing 3"'
e2e_check "  the history read: its two records, the second marked the last" \
	e2e_wait 20 e2e_vdev_has "scale3 history: record 2 of 2"
e2e_check "  session done" \
	e2e_wait 20 grep -q "GATT session with $SCALE3 (huawei_hagrid) done" "$tmp/homevitalsd.log"
check "  its measurement status polled: measuring twice, then ready" eval \
	'e2e_vdev_has "scale3 status poll 1 answered: 1 (measuring)" &&
	 e2e_vdev_has "scale3 status poll 2 answered: 1 (measuring)" &&
	 e2e_vdev_has "scale3 status poll 3 answered: 0 (ready)"'
check "  no poll after it said ready" eval '! e2e_vdev_has "scale3 status poll 4"'
check "  the history read follows the status ready" eval \
	'[ "$(first_vdev_line "scale3 status poll 3 answered: 0")" -lt \
	   "$(first_vdev_line "scale3 history: record 1 of 2")" ]'
check "  and comes before 60 s of scenario time (no fallback wait)" \
	awk -v t="$(vdev_time "scale3 history: record 1 of 2")" \
	'BEGIN { exit !(t != "" && t + 0 < 60) }'
check "  the weighing stored from the realtime flow, before the history is read" eval \
	'[ "$(first_log_line "Stored measurement .* from $SCALE3")" -lt \
	   "$(first_log_line "$SCALE3 step [0-9]+: read the history")" ]'
check "  no record asked for past the last" eval '! e2e_vdev_has "scale3 history: no more records"'
e2e_check "Scale 3 Pro: its weighing sent sealed, its history read" \
	e2e_wait 40 eval 'e2e_vdev_has "pro sends the weighing, sealed" &&
	 e2e_vdev_has "pro history: record 1 of 1"'
e2e_check "  session done" \
	e2e_wait 20 grep -q "GATT session with $PRO (huawei_hagrid) done" "$tmp/homevitalsd.log"
check "  no status poll to a scale without the characteristics" eval \
	'! e2e_vdev_has "pro status poll"'
check "  its weighing stored from the history, not from the realtime flow" eval \
	'[ "$(first_log_line "Stored measurement .* from $PRO")" -gt \
	   "$(first_log_line "$PRO step [0-9]+: read the history")" ]'
e2e_check "Honor: the token made with other secrets is refused" \
	e2e_wait 40 e2e_vdev_has "honor token refused"
e2e_check "  the log says where its session failed" \
	e2e_wait 10 grep -q "GATT session with $HONOR (huawei_hagrid) failed at \"check the scale's token\": Permission denied" "$tmp/homevitalsd.log"
check "  the Honor never sent its weighing" eval '! e2e_vdev_has "honor sends the weighing"'
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
e2e_readings_json
e2e_py "each weighing stored once with its values, the history's older record, nothing of the Honor" '
got = sorted((value(m, "body_weight"), value(m, "body_fat_percent"),
              value(m, "impedance"), value(m, "impedance_250khz"),
              value(m, "heart_rate"), m["person"], m["device"]["address"])
             for m in R)
assert got == [(58.6, 29.1, 548, 498, 74, "p-lin", "'"$PRO"'"),
               (80.15, 21.3, 512, None, 68, "p-wei", "'"$SCALE3"'"),
               (81.4, 22.0, 505, None, None, "p-wei", "'"$SCALE3"'")], got
ids = [p["id"] for t, p in P]
assert sorted(ids) == sorted(m["id"] for m in R), ids
'
e2e_finish
