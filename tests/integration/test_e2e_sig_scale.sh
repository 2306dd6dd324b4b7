#!/usr/bin/env bash
# End to end: Bluetooth SIG weight scales over GATT through vdev and the
# real daemon.
#  A. weight-consent.json: a user slot and consent code from the config;
#     the clock is written, consent given, the scale's stored records
#     arrive, are stored and published once. The scale's Device
#     Information Service is read once and stored, and the PHD Bundles'
#     PhdDevice carries its serial number, revisions and System ID.
#  B. test-weight-register.json: no slot known; the daemon registers one,
#     the store records it with its consent code, and a second daemon (a
#     restart) consents with that slot instead of taking a new one, and
#     receives what the scale stored meanwhile. The scale's Device
#     Information Service is read in the first session only; its serial
#     number's read fails, which costs the session nothing.
#  C. test-weight-clock-slow.json: the scale's clock is 3 h slow; the
#     gateway reads it before setting it, and the stored record is dated
#     by the scale's clock plus the offset measured ("device-corrected");
#     its PHD Bundle (payload_format phd) holds the connection's Coincident
#     Timestamp Observation, which the weight Observation references.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e sig scale"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-vera --name Vera --height 1.71 \
	--birth-date 1969-03-03 --sex female --weight-range 76-82 >/dev/null
e2e_sub || not_ok "subscriber"
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -v -t 'homevitals/+/people/+/measurements/fhir' \
	>"$tmp/fhir.out" 2>"$tmp/fhir.err" &
HV_PIDS+=($!)
e2e_wait 10 grep -q 'measurements/fhir' "$tmp/broker/mosquitto.log"

# --- A: slot and consent from the config ---------------------------------
e2e_config '"bluetooth": { "devices": [ { "address": "D4:36:39:10:20:04",
    "user_index": 0, "consent_code": 1234 } ] }'
sed -i 's/"retain_latest": false }/"retain_latest": false, "payload_format": "phd" }/' \
	"$tmp/homevitals.json"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/weight-consent.json" --speed 3
e2e_check "A: session done" e2e_wait 20 grep -q "GATT session with D4:36:39:10:20:04 (sig_weight_scale) done" "$tmp/homevitalsd.log"
e2e_check "A: scenario played to its end" e2e_wait_vdev 20
e2e_check "A: clock written" grep -q "sig-scale clock set" "$tmp/vdev.out"
e2e_check "A: consent given for user 0" grep -q "sig-scale consent given for user 0" "$tmp/vdev.out"
e2e_check "A: no new user registered" eval '! grep -q "registered user" "$tmp/vdev.out"'
e2e_check "A: three measurements published" e2e_wait 5 e2e_published_at_least 3
e2e_readings_json
e2e_py "A: the stored records, with the scale's time, stored and published once" '
# two stored records dated by the scale; the weigh-in at t=12 (4 s at
# --speed 3) comes while the session still waits, dated on receipt
got = sorted((value(m, "body_weight"), m["time"]) for m in R)
assert [w for w, t in got] == [79.9, 80.1, 80.25], got
assert got[1][1] == "2025-03-02T06:58:00Z" and got[2][1] == "2025-03-01T06:55:00Z", got
assert not got[0][1].startswith("2025"), got
assert all(m["driver"] == "sig_weight_scale" for m in R)
assert all(m["person"] == "p-vera" for m in R), [m["person"] for m in R]
ids = [p["id"] for t, p in P]
assert sorted(ids) == sorted(m["id"] for m in R), ids
'
dis=$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT dis_manufacturer || '|' || dis_model || '|' || dis_serial || '|' || dis_hardware || '|' || dis_firmware || '|' || dis_software || '|' || dis_system_id FROM device_information WHERE address = 'D4:36:39:10:20:04';")
e2e_check "A: the Device Information Service is stored ($dis)" \
	eval '[ "$dis" = "Acme Health|WS-100|SN-0042-7|1.2|3.4.5|6.7|00-11-22-33-44-55-66-77" ]'
"$HV" devices --db "$db" --json >"$tmp/devices.json" 2>"$tmp/devices.err"
"$HV" devices --db "$db" >"$tmp/devices.txt" 2>>"$tmp/devices.err"
e2e_py "A: homevitals devices shows the device information" '
devs = {d["address"]: d for d in json.load(open(os.path.join(tmp, "devices.json")))}
info = devs["D4:36:39:10:20:04"]["device_information"]
assert info == {"manufacturer": "Acme Health", "model": "WS-100", "serial": "SN-0042-7",
                "hardware": "1.2", "firmware": "3.4.5", "software": "6.7",
                "system_id": "00-11-22-33-44-55-66-77"}, info
text = open(os.path.join(tmp, "devices.txt")).read()
assert "DEVICE INFORMATION" in text and "Acme Health WS-100, s/n SN-0042-7, fw 3.4.5" in text, text
'
e2e_check "A: three PHD Bundles arrived" e2e_wait 10 eval '[ "$(grep -c . "$tmp/fhir.out")" -ge 3 ]'
e2e_py "A: each Bundle's PhdDevice carries what the scale's DIS said" '
n = 0
for line in open(os.path.join(tmp, "fhir.out")):
    topic, _, payload = line.partition(" ")
    bundle = json.loads(payload)
    devs = [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "Device"
            and any(p.endswith("/PhdDevice") for p in e["resource"]["meta"]["profile"])]
    assert len(devs) == 1, devs
    d = devs[0]
    assert d["manufacturer"] == "Acme Health", d
    assert d["modelNumber"] == "WS-100", d
    assert d["serialNumber"] == "SN-0042-7", d
    got = {v["type"]["coding"][0]["code"]: v["value"] for v in d["version"]}
    assert got == {"531976": "3.4.5", "531975": "6.7", "531974": "1.2"}, got
    sysid = [i["value"] for i in d["identifier"] if i["type"]["coding"][0]["code"] == "SYSID"]
    assert sysid == ["00-11-22-33-44-55-66-77"], sysid
    n += 1
assert n >= 3, n
'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
mv "$tmp/vdev.out" "$tmp/vdev-A.out"

# --- B: registration, kept in the store, reused after a restart ----------
e2e_config
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-weight-register.json"
e2e_check "B: first session done" e2e_wait 20 eval '[ "$(grep -c "GATT session with D4:36:39:10:30:02 (sig_weight_scale) done" "$tmp/homevitalsd.log")" -ge 1 ]'
e2e_check "B: the scale registered user 0" grep -q "sig-scale registered user 0" "$tmp/vdev.out"
slot=$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT user_index || ' ' || consent_code FROM device_users WHERE address = 'D4:36:39:10:30:02';")
e2e_check "B: the slot and its consent code are in the store ($slot)" eval '[[ $slot =~ ^0\ [0-9]+$ ]]'
e2e_check "B: the measurement weighed while connected arrived" e2e_wait 5 e2e_stored_at_least 3
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_wait 10 grep -q "sig-scale measured user 0 (record 2)" "$tmp/vdev.out"
e2e_daemon # restarted: it knows the slot only from the store
e2e_check "B: second session done" e2e_wait 20 eval '[ "$(grep -c "GATT session with D4:36:39:10:30:02 (sig_weight_scale) done" "$tmp/homevitalsd.log")" -ge 2 ]'
e2e_check "B: after the restart the daemon consented with the stored slot" \
	eval '[ "$(grep -c "sig-scale consent given for user 0" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "B: no second registration" eval '! grep -q "registered user 1" "$tmp/vdev.out"'
e2e_check "B: the Device Information Service was read in one session of two" \
	eval '[ "$(grep -c "D4:36:39:10:30:02 step 0: DIS manufacturer name" "$tmp/homevitalsd.log")" = 1 ]'
dis=$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT dis_manufacturer || '|' || dis_model || '|' || dis_firmware || '|' || dis_serial FROM device_information WHERE address = 'D4:36:39:10:30:02';")
e2e_check "B: what it has is stored, what it lacks or refuses is not ($dis)" eval '[ "$dis" = "Acme Health|WS-200|1.0|" ]'
e2e_wait 5 e2e_published_at_least 5
e2e_check "B: scenario played to its end" e2e_wait_vdev 20
e2e_readings_json
e2e_py "B: both weigh-ins stored and published once" '
mine = [m for m in R if m["device"]["address"] == "D4:36:39:10:30:02"]
got = sorted(value(m, "body_weight") for m in mine)
assert got == [77.1, 77.3], got
assert all(m["person"] == "p-vera" for m in mine), [m["person"] for m in mine]
ids = [p["id"] for t, p in P]
assert len(ids) == len(set(ids)) == 5, ids
assert set(ids) == set(m["id"] for m in R)
'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
mv "$tmp/vdev.out" "$tmp/vdev-B.out"

# --- C: a scale clock 3 h slow, read on the connection -------------------
e2e_config '"bluetooth": { "devices": [ { "address": "D4:36:39:10:20:06",
    "user_index": 0, "consent_code": 1234 } ] }'
sed -i 's/"retain_latest": false }/"retain_latest": false, "payload_format": "phd" }/' \
	"$tmp/homevitals.json"
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -v -t 'homevitals/+/people/+/measurements/fhir' \
	>"$tmp/fhir.out" 2>"$tmp/fhir.err" &
HV_PIDS+=($!)
e2e_wait 10 grep -q 'measurements/fhir' "$tmp/broker/mosquitto.log"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-weight-clock-slow.json" --speed 3
e2e_check "C: session done" e2e_wait 20 grep -q "GATT session with D4:36:39:10:20:06 (sig_weight_scale) done" "$tmp/homevitalsd.log"
e2e_check "C: clock written" grep -q "sig-scale clock set" "$tmp/vdev.out"
e2e_check "C: the stored record stored" e2e_wait 5 e2e_stored_at_least 6
e2e_check "C: scenario played to its end" e2e_wait_vdev 20
e2e_readings_json
e2e_py "C: the stored record dated by the scale clock + 3 h, device-corrected" '
from datetime import datetime, timezone
mine = [m for m in R if m["device"]["address"] == "D4:36:39:10:20:06"]
assert len(mine) == 1, mine
m = mine[0]
assert value(m, "body_weight") == 81.4, m
assert m["time_source"] == "device-corrected", m
t = datetime.fromisoformat(m["time"].replace("Z", "+00:00"))
want = datetime(2025, 3, 2, 9, 58, tzinfo=timezone.utc)
# the scale reads whole seconds: the offset is 3 h plus less than 2 s
assert 0 <= (t - want).total_seconds() < 2, m["time"]
c = m["clock_read"]
g = datetime.fromisoformat(c["gateway_time"].replace("Z", "+00:00"))
d = datetime.fromisoformat(c["device_time"].replace("Z", "+00:00"))
assert 10798 <= (g - d).total_seconds() <= 10802, c
'
e2e_check "C: its PHD Bundle arrived" e2e_wait 10 grep -q . "$tmp/fhir.out"
e2e_py "C: the Bundle holds the Coincident Timestamp, the weight references it" '
with open(os.path.join(tmp, "fhir.out")) as f:
    b = json.loads(f.readline().rstrip("\n").partition(" ")[2])
prof = lambda e: e["resource"].get("meta", {}).get("profile", [""])[0]
cts = [e for e in b["entry"] if prof(e).endswith("/PhdCoincidentTimeStampObservation")]
assert len(cts) == 1, [prof(e) for e in b["entry"]]
r = cts[0]["resource"]
assert r["code"]["coding"][0]["code"] == "67975", r["code"]
assert "valueDateTime" in r and "effectiveDateTime" in r, r
weights = [e["resource"] for e in b["entry"] if prof(e).endswith("/PhdNumericObservation")]
assert weights, b["entry"]
for o in weights:
    refs = [x["valueReference"]["reference"] for x in o["extension"]
            if x["url"].endswith("/CoincidentTimeStampReference")]
    assert refs == [cts[0]["fullUrl"]], o["extension"]
'
e2e_finish
