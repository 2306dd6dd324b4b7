#!/usr/bin/env bash
# End to end: a Xiaomi S400 with encrypted adverts (the bind key given to the
# gateway through a file) weighs two people: the first weigh-in's two packets
# (weight, heart rate, 50 kHz impedance; then 250 kHz impedance) become one
# stored and published measurement for the person linked to profile 1; the
# second (socks: one packet) one for profile 2. Every frame is advertised
# three times: each is taken once. The key never reaches the log.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e s400"

KEY=0728974d657a4b60964c1b1677f35f7c
ADDR=8C:D0:B2:F6:BE:EF
printf '%s\n' "$KEY" >"$tmp/s400.key"
chmod 0600 "$tmp/s400.key"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config "\"bluetooth\": { \"devices\": [ { \"address\": \"$ADDR\", \"bind_key_file\": \"$tmp/s400.key\" } ] }"
check "people added and linked to the profiles" eval '"$HV" people add --db "$db" --id p-ann --name Ann \
	--height 1.70 --birth-date 1980-06-01 --sex female >/dev/null &&
	"$HV" people add --db "$db" --id p-bo --name Bo --height 1.80 \
	--birth-date 1975-01-01 --sex male >/dev/null &&
	"$HV" devices link "$ADDR" 1 p-ann --db "$db" >/dev/null &&
	"$HV" devices link "$ADDR" 2 p-bo --db "$db" >/dev/null'
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-s400.json"
e2e_check "scenario played to its end" e2e_wait_vdev 40
e2e_check "two measurements published" e2e_wait 30 e2e_published_at_least 2
sleep 1 # anything more would arrive now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json

e2e_py "one stored measurement per weigh-in, both packets joined" '
assert len(R) == 2, "stored %d: %s" % (len(R), [value(m, "body_weight") for m in R])
by = {m["person"]: m for m in R}
assert set(by) == {"p-ann", "p-bo"}, by.keys()
ann, bo = by["p-ann"], by["p-bo"]
assert (value(ann, "body_weight"), value(ann, "heart_rate"), value(ann, "impedance"),
        value(ann, "impedance_250khz")) == (69.9, 92, 543.2, 497.6), ann["readings"]
assert value(bo, "body_weight") == 74.7, bo["readings"]
assert reading(bo, "impedance") is None and reading(bo, "impedance_250khz") is None, bo
for m in R:
    assert m["driver"] == "xiaomi_s400" and m["final"], m
    assert m["device"]["address"] == "8C:D0:B2:F6:BE:EF", m["device"]
'
e2e_py "published, once each, on the person topics" '
ids = [p["id"] for t, p in P]
assert len(ids) == 2 and set(ids) == set(m["id"] for m in R), ids
for t, p in P:
    assert t == "homevitals/e2e/people/%s/measurements" % p["person"], t
'
check "the bind key is not in the log" eval '! grep -qi "$KEY" "$tmp/homevitalsd.log"'
check "no frame failed authentication" eval '! grep -q "authentication failed" "$tmp/homevitalsd.log"'
e2e_finish
