#!/usr/bin/env bash
# End to end: a Trisa Body Analyze 4.0 paired once, then met again
# (test-trisa-pairing.json, firmware-host/model_trisa.c). The scale in
# pairing mode hands over its password, which the gateway keeps in the
# store; every later gateway (a restart is a new one) answers the scale's
# challenge with it and gets the weigh-ins. A password that does not fit
# (here: overwritten in the store) is refused by the scale and no reading
# is lost: once the scale is paired again, the next connection gets it.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e trisa pairing"

SCALE=D0:F0:18:00:12:34
secret() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT lower(hex(secret)) FROM device_secret WHERE address = '$SCALE';" 2>/dev/null
}
weights() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT group_concat(value, ' ') FROM (SELECT value FROM readings
		 WHERE metric = 'body_weight' ORDER BY value DESC);" 2>/dev/null
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config '"bluetooth": { "devices": [ { "address": "'"$SCALE"'" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-trisa-pairing.json"

e2e_check "pairing mode: the scale handed over its password" \
	e2e_wait 30 e2e_vdev_has "trisa paired (password 12345678)"
e2e_check "  the gateway kept it, as the scale sent it" \
	e2e_wait 10 eval '[ "$(secret)" = 78563412 ]'
e2e_check "  and said so" grep -q "$SCALE paired: its secret is kept" "$tmp/homevitalsd.log"
check "  no weigh-in was taken on the pairing link" eval '[ "$(e2e_stored)" = 0 ]'

e2e_daemon_restart
e2e_check "a new gateway answers the challenge with the kept password" \
	e2e_wait 30 e2e_vdev_has "trisa challenge answer accepted"
e2e_check "  sets the scale's clock" e2e_wait 10 e2e_vdev_has "trisa clock set"
e2e_check "  and stores the weigh-in the scale kept" \
	e2e_wait 20 eval '[ "$(weights)" = 71.3 ]'

e2e_daemon_restart
e2e_check "the scale stores a second weigh-in" e2e_wait 40 e2e_vdev_has "record 2 stored"
kill "$daemon_pid" && wait "$daemon_pid"
sqlite3 "$db" "UPDATE device_secret SET secret = x'00000000' WHERE address = '$SCALE';"
e2e_daemon
e2e_check "a password that does not fit: the scale refuses the answer" \
	e2e_wait 30 e2e_vdev_has "trisa challenge answer refused"
e2e_check "  the session ends without the weigh-in" \
	e2e_wait 10 grep -q "Session with $SCALE (trisa_body_analyze) ended early" "$tmp/homevitalsd.log"
check "  nothing stored" eval '[ "$(weights)" = 71.3 ]'

e2e_check "paired again: the scale hands over a new password" \
	e2e_wait 60 e2e_vdev_has "trisa paired (password 12345679)"
e2e_check "  which replaces the one kept" e2e_wait 10 eval '[ "$(secret)" = 79563412 ]'
e2e_daemon_restart
e2e_check "the next gateway is accepted" \
	e2e_wait 30 eval '[ "$(grep -c "trisa challenge answer accepted" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "  and the weigh-in the scale kept is not lost" \
	e2e_wait 20 eval '[ "$(weights)" = "71.3 71.0" ]'
e2e_finish
