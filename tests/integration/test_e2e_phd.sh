#!/usr/bin/env bash
# payload_format "phd" end to end (docs/fhir.md): homevitalsd replays
# weigh-ins of two people and of someone unknown into a real store and a
# real mosquitto. Each assigned measurement arrives on the person's
# …/measurements/fhir topic as an HL7 PHD IG transaction Bundle (test data
# tagged HTEST), the plain measurement still arrives on its own topic, the
# unassigned one has no Bundle (no Patient) and is delivered all the same:
# the backlog ends at 0. Each Bundle is valid against the official R4 JSON
# schema (tests/fhir/validate.cjs).
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "phd payloads"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -v -t 'homevitals/+/people/+/measurements/fhir' \
	>"$tmp/fhir.out" 2>"$tmp/fhir.err" &
HV_PIDS+=($!)
e2e_sub || { not_ok "subscriber"; exit 1; }
e2e_wait 10 grep -q 'measurements/fhir' "$tmp/broker/mosquitto.log"

"$HV" people add --db "$db" --id p-anna --name Anna --height 1.68 --birth-date 1961-04-02 \
	--sex female --weight-range 50-60 >/dev/null 2>&1
"$HV" people add --db "$db" --id p-bob --name Bob --height 1.80 --birth-date 1958-09-12 \
	--sex male --weight-range 80-90 >/dev/null 2>&1

python3 - "$tmp/replay.jsonl" <<'PY'
import sys
# Mi Body Composition Scale 2 adverts (load removed, stable, impedance):
# Anna twice, Bob twice, a stranger of 120 kg once.
weights = [55.0, 84.0, 55.2, 84.4, 120.0]
with open(sys.argv[1], "w") as f:
    for i, kg in enumerate(weights):
        raw = round(kg * 200)
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 5, 2, 7, i, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.2f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:08"}\n'
                % (i * 0.2, b.hex()))
PY
e2e_config
sed -i 's/"retain_latest": false }/"retain_latest": false, "payload_format": "phd", "phd_test_data": true }/' \
	"$tmp/homevitals.json"
e2e_check "the config asks for phd" grep -q '"payload_format": "phd"' "$tmp/homevitals.json"
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "the replay ran to its end with an empty backlog" e2e_wait 60 eval '! kill -0 "$daemon_pid"'
e2e_check "5 stored" eval '[ "$(e2e_stored)" = 5 ]'
e2e_check "backlog 0 (the unassigned one delivered too)" e2e_backlog_empty
e2e_check "4 Bundles arrived" e2e_wait 10 eval '[ "$(grep -c . "$tmp/fhir.out")" = 4 ]'
e2e_check "5 plain measurements arrived" e2e_wait 10 e2e_published_at_least 5

e2e_readings_json
e2e_py "each Bundle is the person's PHD transaction, tagged as test data" '
bundles = []
with open(os.path.join(tmp, "fhir.out")) as f:
    for line in f:
        topic, _, payload = line.rstrip("\n").partition(" ")
        bundles.append((topic, json.loads(payload)))
assigned = {m["id"]: m["person"] for m in R if m.get("person")}
assert len(assigned) == 4, assigned
seen = set()
for topic, b in bundles:
    person = topic.split("/")[3]
    assert b["resourceType"] == "Bundle" and b["type"] == "transaction", b.get("type")
    kinds = [e["resource"]["resourceType"] for e in b["entry"]]
    assert kinds.count("Patient") == 1 and "Observation" in kinds, kinds
    for e in b["entry"]:
        assert e["request"]["method"] == "POST" and e["request"].get("ifNoneExist"), e["request"]
    patient = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"][0]
    assert patient["identifier"][0]["value"] == person, (patient["identifier"], person)
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] != "Observation":
            continue
        cats = [c["code"] for cat in r["category"] for c in cat["coding"]]
        assert "phd" in cats, cats
        tags = [t["code"] for t in r.get("meta", {}).get("security", [])]
        assert "HTEST" in tags, tags
        seen.add(person)
assert seen == set(assigned.values()), (seen, assigned)
'
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "${line#* }" >"$tmp/bundle-$n.json"
done <"$tmp/fhir.out"
e2e_check "each published Bundle is valid R4 (the official JSON schema)" \
	node tests/fhir/validate.cjs "$tmp"/bundle-*.json
e2e_finish
