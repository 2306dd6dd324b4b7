#!/usr/bin/env bash
# End to end: an ALPHA Smart Scale PRO 3 (FitDays AC 27) that hands out
# its stored weighings one at a time, each forgotten only when the phone
# acknowledges it (vdev's alpha_scale_pro3 model, the real daemon,
# test-alpha-scale-pro3.json). The scale takes the gateway's clock and
# profile, session start and profile again; the first link drops before
# the second record's acknowledgement, so the next link sends that record
# again (it comes once the other scale's session, below, has run out):
# each record is stored once. A weighing on the open link comes as
# live frames and the result, acknowledged and stored. A scale whose
# firmware checks the gateway's frames with the other checksum ignores
# its session start (DF 01) and sends nothing: nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e alpha scale pro3"

SCALE=E4:A7:C5:00:03:01
OTHER=E4:A7:C5:00:03:02

e2e_person p-ben Ben 1.82 1980-07-07 male 75-90
e2e_start_scales test-alpha-scale-pro3.json --slot 1 --person p-ben "$SCALE" "$OTHER"

age=$(python3 -c 'import datetime as d; t = d.date.today(); print(t.year - 1980 - ((t.month, t.day) < (7, 7)))')
e2e_check "the scale takes the gateway's clock and Ben's profile" \
	e2e_wait 30 e2e_vdev_has "alpha clock set to [0-9]*, profile 182 cm, $age y, male"
e2e_check "  then the session start" e2e_wait 10 e2e_vdev_has "alpha session started"
e2e_check "  record 1 acknowledged" e2e_wait 10 e2e_vdev_has "alpha record 1 acknowledged, 2 kept"
e2e_check "  the link drops before record 2 is acknowledged" \
	e2e_wait 10 e2e_vdev_has "alpha disconnected (link lost)"
check "  record 2 not acknowledged on it" eval '! e2e_vdev_has "alpha record 2 acknowledged"'
e2e_check "  the two received are stored" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "81.25 80.9" ]'
e2e_check "the next link sends record 2 again, then 3, both acknowledged" \
	e2e_wait 90 e2e_vdev_has "alpha record 3 acknowledged, 0 kept"
check "  record 2 went out twice" eval \
	'[ "$(grep -c "alpha notify ffb2:.* record 2$" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "  each record stored once" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "81.25 80.9 80.55" ]'
e2e_check "a weighing on the open link: its result acknowledged" \
	e2e_wait 40 e2e_vdev_has "alpha result acknowledged"
e2e_check "  and stored with its impedance" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "81.25 80.9 80.55 80.2" ]'
e2e_check "the other firmware ignores the session start (checksum E0, not 00)" \
	e2e_wait 10 e2e_vdev_has "alpha-masked frame ignored: ac2701000000000000000000000000000000dfe0 (checksum)"
check "  so it never starts a session nor sends a thing" eval \
	'! grep -q "alpha-masked \(session started\|notify\)" "$tmp/vdev.out"'
e2e_check "  the gateway's wait for it runs out" e2e_wait 70 \
	grep -q "Step 4 with $OTHER timed out" "$tmp/homevitalsd.log"
check "  nothing of it stored" eval '[ -z "$(e2e_weights "$OTHER")" ]'
e2e_check "four measurements published" e2e_wait 10 e2e_published_at_least 4
e2e_readings_json
e2e_py "the records dated by the scale, the result with its impedance, all for Ben" '
got = sorted((value(m, "body_weight"), value(m, "impedance"), m["person"], m["final"]) for m in R)
assert got == [(80.2, 488, "p-ben", True), (80.55, None, "p-ben", True),
               (80.9, None, "p-ben", True), (81.25, None, "p-ben", True)], got
times = sorted(m.get("device_time") or m.get("time") for m in R if value(m, "impedance") is None)
assert [t[:10] for t in times] == ["2025-05-01", "2025-05-02", "2025-05-03"], times
'
e2e_published_once 4
e2e_finish
