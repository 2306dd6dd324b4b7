#!/usr/bin/env bash
# End to end: a Belter / Ebelter Body Fat-B2 that weighs for the gateway
# only after the two captured handshake frames (vdev's ebelter_b2 model,
# the real daemon, test-ebelter-b2.json). Its status comes on
# subscription, the frames are checked byte for byte, and its result is
# stored once with the body fat and published. A scale whose firmware
# wants another second frame refuses the capture's: nothing is sent, the
# session ends early and nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e ebelter b2"

SCALE=C0:26:DA:00:B2:01
OTHER=C0:26:DA:00:B2:02

e2e_start_scales test-ebelter-b2.json "$SCALE" "$OTHER"

e2e_check "the scale takes the two captured frames" e2e_wait 30 e2e_vdev_has "eb handshake accepted"
e2e_check "  session done" e2e_wait 20 \
	grep -q "GATT session with $SCALE (ebelter_b2) done" "$tmp/homevitalsd.log"
e2e_check "the other firmware refuses the second frame" e2e_wait 30 \
	e2e_vdev_has "eb-other handshake refused at frame 1: ab0e9906151442148bbc0aa611bd12e9ea"
e2e_check_refused "$OTHER" ebelter_b2 "eb-other notify faa2:8d11"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_readings_json
e2e_py "the result stored once, with the body fat" '
got = [(m["device"]["address"], value(m, "body_weight"), value(m, "body_fat_percent"), m["final"]) for m in R]
assert got == [("C0:26:DA:00:B2:01", 76.4, 21.3, True)], got
'
e2e_published_once 1
e2e_finish
