#!/usr/bin/env bash
# Consent end to end (docs/consent.md): homevitalsd with two audiences, the
# clinic on the main broker (topic root clinic/, the care identity) and the
# community on a broker of its own (topic root peers/, pseudonymous), fed
# Mi Body Composition Scale 2 weigh-ins of two people with --replay.
#  - each audience receives exactly the consented readings: Ana shares all
#    with the clinic and her weight with the community, Bo his weight with
#    the clinic and a daily summary of his weight with the community;
#  - the community sees pseudonyms (person, measurement, gateway) that
#    appear nowhere in the clinic's tree, and no device address or raw frame;
#  - the community's broker down holds back none of the clinic's readings,
#    and its queue, kept across a kill -9, drains when it returns;
#  - `homevitals shared` lists exactly what each subscriber received;
#  - a revocation clears the retained values and leaves a "withdrawn" notice,
#    which a new grant removes.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
. tests/helpers/consent.sh
e2e_init "consent"

consent_brokers
consent_config '"retain_latest": true' '"payload_format": "phd"'
consent_add_ana
consent_add_bo
"$HV" consent grant p-ana clinic --metrics all --device-details "${HVC[@]}" >/dev/null
"$HV" consent grant p-ana community --metrics weight "${HVC[@]}" >/dev/null
"$HV" consent grant p-bo clinic --metrics weight "${HVC[@]}" >/dev/null
"$HV" consent grant p-bo community --metrics weight --daily "${HVC[@]}" >/dev/null

consent_sub clinic-sub "$port" 'clinic/#'
consent_sub peers-sub "$port2" 'peers/#'
consent_sub root-sub "$port" 'homevitals/+/people/#'
consent_subscribed clinic-sub "$tmp/broker"
consent_subscribed root-sub "$tmp/broker"
consent_subscribed peers-sub "$tmp/broker2"


# --- the community's broker is down: the clinic is not held back ----------------
"$BROKER_SH" stop "$tmp/broker2"
consent_weighins "$tmp/r1.jsonl" 57.0 85.0 57.2 85.3
e2e_daemon --replay "$tmp/r1.jsonl"
e2e_check "four measurements stored" e2e_wait 20 e2e_stored_at_least 4
e2e_check "the clinic received all four while the community's broker was down" \
	e2e_wait 20 eval '[ "$(consent_count clinic-sub "/measurements ")" = 4 ]'
e2e_check "the community's four wait in its queue (two of them Bo's day)" \
	e2e_wait 10 eval '[ "$(consent_rows community pending)" = 4 ]'
# kill -9 while the community's rows wait: they are in the store, and the
# next daemon (no replay: it runs until stopped) delivers them. The clinic's
# must be marked delivered first: one killed between the broker's PUBACK
# and the store's update is sent again (at least once), and the clinic
# would count five.
e2e_check "  the clinic's rows are delivered" \
	e2e_wait 10 eval '[ "$(consent_rows clinic pending)" = 0 ]'
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "  still waiting after kill -9" eval '[ "$(consent_rows community pending)" = 4 ]'
"$BROKER_SH" start "$tmp/broker2" --port "$port2" >/dev/null || not_ok "community broker back"
HV_PIDS+=("$(cat "$tmp/broker2/pid")")
# subscribed before the daemon can send: the broker keeps nothing for a
# subscriber that is not there yet
consent_sub peers-sub2 "$port2" 'peers/#'
consent_subscribed peers-sub2 "$tmp/broker2"
e2e_daemon
e2e_check "the community's queue drained when its broker returned" \
	e2e_wait 20 eval '[ "$(consent_rows community pending)" = 0 ] && [ "$(consent_rows clinic pending)" = 0 ]'
sleep 1
e2e_check "nothing was published on the implicit audience's root" \
	eval '[ ! -s "$tmp/root-sub.out" ]'

e2e_py "each audience received exactly the consented readings" '
def msgs(name):
    out = []
    for line in open(os.path.join(tmp, name + ".out")):
        topic, _, payload = line.rstrip("\n").partition(" ")
        out.append((topic, payload))
    return out
clinic = [(t, json.loads(p)) for t, p in msgs("clinic-sub") if t.endswith("/measurements")]
peers = [(t, json.loads(p)) for t, p in msgs("peers-sub2") if t.endswith("/measurements")]
assert len(clinic) == 4, clinic
assert len(peers) == 2, peers
ana = [p for t, p in clinic if p["person"] == "p-ana"]
bo = [p for t, p in clinic if p["person"] == "p-bo"]
assert len(ana) == 2 and len(bo) == 2, clinic
for t, p in clinic:
    assert t == "clinic/e2e/people/%s/measurements" % p["person"], t
for p in ana:   # all, with device details
    metrics = {r["metric"] for r in p["readings"]}
    assert {"body_weight", "impedance", "body_fat_percent"} <= metrics, metrics
    assert p["device"]["address"] == "C8:47:8C:10:30:07" and "raw" in p, p
weight_group = {"body_weight", "bmi", "body_height"}
peer_text = open(os.path.join(tmp, "peers-sub2.out")).read()
clinic_text = open(os.path.join(tmp, "clinic-sub.out")).read()
def stand_in(address):  # a locally administered address, not the real one
    return address != "C8:47:8C:10:30:07" and int(address[:2], 16) & 3 == 2
for p in bo:    # weight only
    metrics = {r["metric"] for r in p["readings"]}
    assert metrics and metrics <= weight_group, metrics
    assert stand_in(p["device"]["address"]) and "raw" not in p, p
# the PHD Bundles (payload_format phd) of all four, those of Bo without his device
fhir = [json.loads(p) for t, p in msgs("clinic-sub") if t.endswith("/measurements/fhir")]
assert len(fhir) == 4, len(fhir)
bo_fhir = [b for b in fhir if "p-bo" in json.dumps(b)]
assert len(bo_fhir) == 2 and "C8478C" not in json.dumps(bo_fhir).upper().replace(":", ""), bo_fhir
assert sorted(value(p, "body_weight") for p in ana) == [57.0, 57.2]
assert sorted(value(p, "body_weight") for p in bo) == [85.0, 85.3]
for t, p in peers:
    metrics = {r["metric"] for r in p["readings"]}
    assert metrics and metrics <= weight_group, metrics
    assert stand_in(p["device"]["address"]) and "raw" not in p, p
    assert p["device"]["address"] not in clinic_text, p
    parts = t.split("/")
    assert parts[0] == "peers" and parts[2] == "people" and parts[4] == "measurements", t
    assert parts[1].startswith("gw-") and parts[1] != "e2e", t
    assert parts[3] == p["person"] and p["person"].startswith("ps-"), (t, p)
assert sorted(value(p, "body_weight") for t, p in peers) == [57.0, 57.2]
assert len({p["person"] for t, p in peers}) == 1, peers
# unlinkable: no id of one tree appears in the other
for word in ("p-ana", "p-bo", "e2e", "C8:47:8C", "impedance"):
    assert word not in peer_text, word
# Bo: the summary of his day, recomputed with each reading; the last has both
daily = [(t, json.loads(p)) for t, p in msgs("peers-sub2") if "/daily/" in t]
assert len(daily) == 2, daily
t, d = daily[-1]
assert t.endswith("/daily/2024-03-15") and t.split("/")[3] == d["person"], t
assert d["person"].startswith("ps-") and d["person"] not in {p["person"] for _, p in peers}
assert d["date"] == "2024-03-15", d
w = [s for s in d["metrics"] if s["metric"] == "body_weight"][0]
assert (w["min"], w["max"], w["count"]) == (85.0, 85.3, 2), w
assert abs(w["mean"] - 85.15) < 1e-9, w
assert {s["metric"] for s in d["metrics"]} <= weight_group, d
for t, p in peers:
    assert p["id"] not in clinic_text and p["person"] not in clinic_text, p
    assert t.split("/")[1] not in clinic_text, t
'

kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
consent_weighins "$tmp/r2.jsonl" 57.4
e2e_daemon --replay "$tmp/r2.jsonl"
e2e_check "the next weigh-in reached the community" \
	e2e_wait 20 eval '[ "$(consent_count peers-sub2 "/measurements ")" = 3 ]'
e2e_py "  under the same pseudonym" '
people = set()
for line in open(os.path.join(tmp, "peers-sub2.out")):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if topic.endswith("/measurements"):
        people.add(json.loads(payload)["person"])
assert len(people) == 1, people
'


# --- the audit trail matches what each subscriber received -------------------------
"$HV" shared p-ana --json "${HVC[@]}" >"$tmp/shared-ana.json"
"$HV" shared p-bo --audience community --json "${HVC[@]}" >"$tmp/shared-bo.json"
e2e_py "homevitals shared lists what each subscriber received, under the id it saw" '
shared = json.load(open(os.path.join(tmp, "shared-ana.json")))
def received(name):
    out = []
    for line in open(os.path.join(tmp, name + ".out")):
        topic, _, payload = line.rstrip("\n").partition(" ")
        if topic.endswith("/measurements"):
            out.append(json.loads(payload))
    return out
clinic = {p["id"] for p in received("clinic-sub") if p["person"] == "p-ana"}
peers = {p["id"] for p in received("peers-sub2")}
assert {s["seen_as"] for s in shared if s["audience"] == "clinic"} == clinic, (shared, clinic)
assert {s["seen_as"] for s in shared if s["audience"] == "community"} == peers, (shared, peers)
assert len(shared) == len(clinic) + len(peers), shared
assert {s["person_seen_as"] for s in shared if s["audience"] == "community"} == \
    {p["person"] for p in received("peers-sub2")}
bo = json.load(open(os.path.join(tmp, "shared-bo.json")))
assert len(bo) == 2 and {s["audience"] for s in bo} == {"community"}, bo
assert {s["person_seen_as"] for s in bo} == \
    {l.split(" ")[0].split("/")[3] for l in open(os.path.join(tmp, "peers-sub2.out")) if "/daily/" in l}
'
expect_hv "shared: unknown person" 3 shared p-zed "${HVC[@]}"
expect_hv "shared: bad --since" 2 shared p-ana --since yesterday "${HVC[@]}"
expect_hv "shared --since the future: nothing" 0 shared p-ana --since 2999-01-01 "${HVC[@]}"
check "  says so" contains "$out" "Nothing about p-ana"

# --- revocation -------------------------------------------------------------------------
retained() { # PORT TOPIC OUT: what a new subscriber is given at once
	timeout 3 mosquitto_sub -h 127.0.0.1 -p "$1" -q 1 -v -t "$2" -W 2 >"$3" 2>/dev/null || true
}
retained "$port2" 'peers/#' "$tmp/peers-retained-before.out"
check "the community kept Ana's latest weight (retained)" grep -q '/latest/body_weight {' \
	"$tmp/peers-retained-before.out"
"$BROKER_SH" stop "$tmp/broker2"
consent_weighins "$tmp/r3.jsonl" 57.6
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_daemon --replay "$tmp/r3.jsonl"
e2e_check "a weigh-in waits for the community" e2e_wait 20 eval '[ "$(consent_rows community pending)" = 1 ]'
expect_hv "consent revoke p-ana community" 0 consent revoke p-ana community "${HVC[@]}"
check "  one waiting row dropped" contains "$out" "1 waiting measurement dropped"
check "  the community's queue is empty" eval '[ "$(consent_rows community pending)" = 0 ]'
check "  the measurement stays on the gateway" eval \
	'[ "$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM measurements")" = 6 ]'
# A replay ends once nothing waits; the withdrawal is kept in the store and
# announced by the next daemon (no replay: it runs until stopped).
e2e_check "the replay ended" e2e_wait 20 eval '! kill -0 "$daemon_pid"'
wait "$daemon_pid" 2>/dev/null
e2e_daemon
"$BROKER_SH" start "$tmp/broker2" --port "$port2" >/dev/null || not_ok "community broker back"
HV_PIDS+=("$(cat "$tmp/broker2/pid")")
e2e_check "the withdrawal was announced" e2e_wait 20 eval \
	'[ "$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM withdrawal WHERE done_usec IS NOT NULL")" = 1 ]'
retained "$port2" 'peers/#' "$tmp/peers-retained-after.out"
e2e_py "the community's retained values are cleared and the notice is there" '
before = open(os.path.join(tmp, "peers-retained-before.out")).read().splitlines()
after = open(os.path.join(tmp, "peers-retained-after.out")).read().splitlines()
person = [l.split("/")[3] for l in before if "/latest/" in l][0]
assert not [l for l in after if "/latest/" in l], after
notices = [l for l in after if l.split(" ")[0].endswith("/people/%s/consent" % person)]
assert len(notices) == 1, after
notice = json.loads(notices[0].partition(" ")[2])
assert notice["consent"] == "withdrawn" and notice["person"] == person, notice
assert "p-ana" not in "".join(after)
'
e2e_check "the clinic still received the new weigh-in" \
	e2e_wait 20 eval '[ "$(consent_count clinic-sub "p-ana/measurements ")" = 4 ]'
check "the community received nothing more" eval '[ "$(consent_count peers-sub2 "/measurements ")" = 3 ]'

# --- a new grant replaces the notice ------------------------------------------------
expect_hv "consent grant p-ana community again" 0 consent grant p-ana community \
	--metrics weight "${HVC[@]}"
e2e_check "the new grant was announced" e2e_wait 20 eval \
	'[ "$(sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM withdrawal WHERE done_usec IS NOT NULL")" = 2 ]'
retained "$port2" 'peers/#' "$tmp/peers-retained-regrant.out"
e2e_py "a new subscriber of the community is given no withdrawn notice" '
after = open(os.path.join(tmp, "peers-retained-after.out")).read().splitlines()
regrant = open(os.path.join(tmp, "peers-retained-regrant.out")).read().splitlines()
assert [l for l in after if "withdrawn" in l], after
assert not [l for l in regrant if "/consent " in l or l.endswith("/consent")], regrant
'

e2e_finish
