#!/usr/bin/env bash
# End to end: the advertising Etekcity and Eufy scales (an Etekcity Fit 8S,
# nameless, known by its company 0x06D0 and service 0xFFD0; a Eufy C20; a
# Eufy P2 Pro's adverts) each weigh one person. Each weigh-in becomes
# exactly one stored and one published measurement, decoded by its own
# driver, assigned by weight range, with the impedance and heart rate its
# advert carries and standard_impedance body composition where there is an
# impedance.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e etekcity eufy"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
check "people added" eval '"$HV" people add --db "$db" --id p-ruth --name Ruth --height 1.64 \
	--birth-date 1980-06-01 --sex female --weight-range 55-66 >/dev/null &&
	"$HV" people add --db "$db" --id p-olaf --name Olaf --height 1.88 \
	--birth-date 1972-02-10 --sex male --weight-range 75-95 >/dev/null'
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-etekcity-eufy-adverts.json"
e2e_check "scenario played to its end" e2e_wait_vdev 40
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
sleep 1 # anything more would arrive now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json

e2e_py "one stored measurement per weigh-in, by its own driver" '
got = sorted((m["driver"], value(m, "body_weight"), value(m, "impedance"),
              value(m, "heart_rate"), m["device"]["address"]) for m in R)
assert got == [
    ("etekcity_fit8s", 81.02, 537, None, "A9:89:5D:ED:A0:63"),
    ("eufy_c20", 61.8, 500, 68, "D0:3E:7D:20:13:30"),
    ("eufy_p2", 87.5, None, None, "CF:E6:03:1D:09:F7"),
], got
for m in R:
    assert m["final"], m
'
e2e_py "assigned by weight range, published on the person topic, the stored ones" '
by = {m["driver"]: m["person"] for m in R}
assert by == {"etekcity_fit8s": "p-olaf", "eufy_c20": "p-ruth", "eufy_p2": "p-olaf"}, by
ids = [p["id"] for t, p in P]
assert len(ids) == 3 and set(ids) == set(m["id"] for m in R), (ids, [m["id"] for m in R])
for t, p in P:
    assert t == "homevitals/e2e/people/%s/measurements" % p["person"], (t, p["person"])
'
e2e_py "standard_impedance body composition where the advert has an impedance" '
for m in R:
    r = reading(m, "body_fat_percent")
    if m["driver"] == "eufy_p2":
        assert r is None, r
    else:
        assert r is not None and r.get("method") == "standard_impedance", (m["driver"], r)
'
e2e_finish
