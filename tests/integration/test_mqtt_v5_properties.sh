#!/usr/bin/env bash
# MQTT 5 properties end to end (docs/mqtt.md, "MQTT 5 properties"):
# homevitalsd replays two weigh-ins into a real mosquitto with
# payload_format "both", retained latest values and mqtt.latest_expiry_s.
# An MQTT 5 subscriber sees on every message its content type, the UTF-8
# payload format indicator and the schema user properties; a message expiry
# on the latest values only, never on a measurement stream; and with
# mqtt.protocol "3.1.1" the configuration refuses the expiry by name.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "MQTT 5 properties"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-anna --name Anna --height 1.68 --birth-date 1961-04-02 \
	--sex female --weight-range 50-60 >/dev/null 2>&1

# Everything the gateway publishes, one line per message, with its properties.
mosquitto_sub -V 5 -h 127.0.0.1 -p "$port" -q 1 -i e2e-props -t 'homevitals/#' \
	-F '%t|%C|%E|%F|%P|%r' >"$tmp/props.out" 2>"$tmp/props.err" &
HV_PIDS+=($!)
e2e_check "the subscriber is in" e2e_wait 10 grep -q "Sending SUBACK to e2e-props" "$tmp/broker/mosquitto.log"

python3 - "$tmp/replay.jsonl" <<'PY'
import sys
# Mi Body Composition Scale 2 adverts (stable, impedance): Anna twice.
with open(sys.argv[1], "w") as f:
    for i, kg in enumerate([55.0, 55.4]):
        raw = round(kg * 200)
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 5, 2, 7, i, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.2f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:08"}\n'
                % (i * 0.2, b.hex()))
PY
e2e_config
sed -i 's/"retain_latest": false }/"retain_latest": true, "latest_expiry_s": 3600, "payload_format": "both" }/' \
	"$tmp/homevitals.json"
e2e_check "the config asks for an expiry of the latest values" grep -q '"latest_expiry_s": 3600' "$tmp/homevitals.json"
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "the replay ran to its end" e2e_wait 60 eval '! kill -0 "$daemon_pid"'
e2e_check "2 stored, backlog 0" eval '[ "$(e2e_stored)" = 2 ] && e2e_backlog_empty'
e2e_check "both measurements arrived as plain JSON and as FHIR" e2e_wait 10 eval \
	'[ "$(grep -c "^homevitals/e2e/people/p-anna/measurements|" "$tmp/props.out")" = 2 ] &&
	 [ "$(grep -c "^homevitals/e2e/people/p-anna/measurements/fhir|" "$tmp/props.out")" = 2 ]'
e2e_check "and the latest values" e2e_wait 10 grep -q "/latest/body_weight|" "$tmp/props.out"

e2e_py "each kind of message carries its properties" '
rows = []
for line in open(os.path.join(tmp, "props.out")):
    topic, ctype, expiry, fmt, user, retained = line.rstrip("\n").split("|")
    rows.append((topic, ctype, expiry, fmt, user, retained))
assert rows, "nothing received"
kinds = {
    "measurements": ("application/json", "schema:urn:homevitals:schema:mqtt-measurement", False),
    "fhir": ("application/fhir+json; fhirVersion=4.0", "schema:hl7.fhir.r4.core", False),
    "latest": ("application/json", "schema:urn:homevitals:schema:mqtt-latest", True),
    "status": ("application/json", "schema:urn:homevitals:schema:mqtt-status", False),
    "availability": ("text/plain", None, False),
}
seen = set()
for topic, ctype, expiry, fmt, user, retained in rows:
    parts = topic.split("/")
    kind = ("fhir" if parts[-1] == "fhir" else "latest" if "latest" in parts
            else parts[-1] if parts[-1] in kinds else None)
    assert kind, topic
    want_ctype, want_schema, expires = kinds[kind]
    assert ctype == want_ctype, (topic, ctype)
    assert fmt == "1", (topic, "payload format indicator", fmt)
    if want_schema:
        assert want_schema in user and "schema_version:" in user, (topic, user)
    else:
        assert "schema" not in user, (topic, user)
    if expires:
        # What is left of the interval when the broker sends it on.
        assert expiry and 0 < int(expiry) <= 3600, (topic, expiry)
    else:
        assert expiry == "", (topic, "a clinical or status message must not expire", expiry)
    seen.add(kind)
assert seen == set(kinds), seen
'

# An expired latest value leaves the broker: a live view that connects
# later sees nothing rather than a stale value (a third weigh-in, 2 s expiry).
python3 - "$tmp/replay2.jsonl" <<'PY'
import sys
raw = round(55.8 * 200)
b = bytes([0x02, 0xA6, 0xE8, 0x07, 5, 2, 8, 0, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
open(sys.argv[1], "w").write('{"t":0,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:08"}\n' % b.hex())
PY
sed -i 's/"latest_expiry_s": 3600/"latest_expiry_s": 2/' "$tmp/homevitals.json"
e2e_daemon --replay "$tmp/replay2.jsonl"
e2e_check "the third weigh-in is delivered" e2e_wait 60 eval '! kill -0 "$daemon_pid" && e2e_backlog_empty'
latest_now() {
	mosquitto_sub -V 5 -h 127.0.0.1 -p "$port" -t 'homevitals/e2e/people/p-anna/latest/body_weight' \
		-C 1 -W 1 2>/dev/null
}
e2e_check "a new subscriber gets the newest latest value at once" \
	eval 'latest_now | grep -q "\"value\":55.8"'
sleep 3
e2e_check "once expired, the broker holds no latest value any more" eval '[ -z "$(latest_now)" ]'

# MQTT 3.1.1 has no properties: the expiry is refused, naming the field.
sed -i 's/"reconnect_max_s": 2,/"reconnect_max_s": 2, "protocol": "3.1.1",/' "$tmp/homevitals.json"
"$HVD" --config "$tmp/homevitals.json" --check-config >"$tmp/check.out" 2>&1
rc=$?
e2e_check "with MQTT 3.1.1 the expiry is refused" eval '[ $rc -ne 0 ]'
e2e_check "naming the field and why" grep -q 'mqtt.latest_expiry_s: needs mqtt.protocol "5"' "$tmp/check.out"
e2e_finish
