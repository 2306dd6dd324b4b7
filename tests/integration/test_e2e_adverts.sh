#!/usr/bin/env bash
# End to end: a Mi Body Composition Scale 2 advertising two weigh-ins (two
# people of the household, told apart by their weight ranges) becomes
# exactly one stored and one published measurement per weigh-in, each
# assigned to the right person, with weight, impedance and body composition
# derived with the Mi Fit method from that person's profile.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e adverts"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
check "people added" eval '"$HV" people add --db "$db" --id p-ruth --name Ruth --height 1.64 \
	--birth-date 1980-06-01 --sex female --weight-range 55-66 >/dev/null &&
	"$HV" people add --db "$db" --id p-olaf --name Olaf --height 1.88 \
	--birth-date 1972-02-10 --sex male --weight-range 80-95 >/dev/null'
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-mi-two-people.json"
e2e_check "scenario played to its end" e2e_wait_vdev 30
e2e_check "two measurements published" e2e_wait 10 e2e_published_at_least 2
sleep 1 # anything more would arrive now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json

e2e_py "exactly one stored measurement per weigh-in, right weight and impedance" '
assert len(R) == 2, "stored %d: %s" % (len(R), [value(m, "body_weight") for m in R])
got = sorted((value(m, "body_weight"), value(m, "impedance")) for m in R)
assert got == [(61.8, 547), (88.3, 462)], got
for m in R:
    assert m["driver"] == "xiaomi_mi_scale2" and m["final"], m
    assert m["device"]["address"] == "C8:47:8C:10:30:01", m["device"]
'
e2e_py "exactly one published measurement per weigh-in, the stored ones" '
ids = [p["id"] for t, p in P]
assert len(ids) == 2 and len(set(ids)) == 2, ids
assert set(ids) == set(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_py "each weigh-in assigned by weight range, published on the person topic" '
by = {value(m, "body_weight"): m["person"] for m in R}
assert by == {61.8: "p-ruth", 88.3: "p-olaf"}, by
for t, p in P:
    assert t == "homevitals/e2e/people/%s/measurements" % p["person"], (t, p["person"])
'
e2e_py "body composition derived with mifit from the person profile" '
for m in R:
    for metric in ("bmi", "body_fat_percent", "muscle_mass", "body_water_percent"):
        r = reading(m, metric)
        assert r is not None, (m["person"], metric)
        assert r.get("method") == "mifit", (metric, r)
    h = 1.64 if m["person"] == "p-ruth" else 1.88
    bmi = value(m, "body_weight") / (h * h)
    assert abs(value(m, "bmi") - bmi) < 0.05, (m["person"], value(m, "bmi"), bmi)
ruth = [m for m in R if m["person"] == "p-ruth"][0]
olaf = [m for m in R if m["person"] == "p-olaf"][0]
# the same physics, different profiles: she carries more fat per kg than he
assert value(ruth, "body_fat_percent") != value(olaf, "body_fat_percent")
'
# The same frame decoded by `homevitals decode` with her profile (her age
# in years at the time of the weigh-in, as the daemon computes it) gives
# the body composition the daemon stored.
frame=$(grep -o 'advert 181b:02a6[0-9a-f]*' "$tmp/vdev.out" | head -1 | cut -d: -f2)
age=$(python3 -c 'import time, calendar; print("%.5f" % ((time.time() - calendar.timegm((1980, 6, 1, 0, 0, 0))) / (365.2425 * 86400)))')
"$HV" decode --service-data "181b:${frame:-00}" --driver xiaomi_mi_scale2 \
	--profile "height=1.64,age=$age,sex=female" >"$tmp/decoded.json" 2>&1
e2e_py "stored body fat equals homevitals decode of the advert with her profile" '
with open(os.path.join(tmp, "decoded.json")) as f:
    d = json.loads(f.read())
ruth = [m for m in R if m["person"] == "p-ruth"][0]
for metric in ("body_fat_percent", "muscle_mass", "basal_metabolic_rate", "bone_mass"):
    assert abs(value(d, metric) - value(ruth, metric)) < 0.015, \
        (metric, value(d, metric), value(ruth, metric))
'
e2e_finish
