#!/usr/bin/env bash
# End to end: one daemon lives through bluetoothd restarting (SIGTERM with
# its goodbyes, then SIGKILL: bluetoothd-restart.json) and the adapter being
# unplugged and plugged back (adapter-loss.json). It keeps running,
# re-attaches each time, and the weigh-ins before, between and after still
# become one stored, published measurement each. Played at --speed 2.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e bluez recovery"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3

# --- bluetoothd restarts ---------------------------------------------------
e2e_vdev "$E2E_SCENARIOS/bluetoothd-restart.json" --speed 2
e2e_check "restart: scenario played to its end" e2e_wait_vdev 40
e2e_check "restart: daemon still running" kill -0 "$daemon_pid"
e2e_check "restart: the daemon saw bluetoothd leave twice (and come back)" \
	eval '[ "$(grep -c "bluetoothd appeared on the bus" "$tmp/homevitalsd.log")" -ge 3 ]'
e2e_check "restart: three published" e2e_wait 5 e2e_published_at_least 3
e2e_readings_json
e2e_py "restart: each weigh-in (before, between, after) stored once" '
got = sorted((value(m, "body_weight"), value(m, "impedance")) for m in R)
assert got == [(70.3, 480), (70.4, 481), (70.5, 482)], got
ids = [p["id"] for t, p in P]
assert len(ids) == 3 and set(ids) == set(m["id"] for m in R), ids
'
mv "$tmp/vdev.out" "$tmp/vdev-restart.out"

# --- the adapter goes and comes back, same daemon ---------------------------
e2e_vdev "$E2E_SCENARIOS/adapter-loss.json" --speed 2
e2e_check "adapter: scenario played to its end" e2e_wait_vdev 30
e2e_check "adapter: daemon still running" kill -0 "$daemon_pid"
e2e_check "adapter: reported gone, then used again" eval \
	'awk "/adapter hci0 gone/ { gone = 1 } gone && /Bluetooth adapter hci0: ok/ { back = 1 }
	     END { exit !back }" "$tmp/homevitalsd.log"'
e2e_check "adapter: five published in all" e2e_wait 5 e2e_published_at_least 5
sleep 1
e2e_readings_json
e2e_py "adapter: the weigh-ins before and after the loss stored once" '
mine = sorted((value(m, "body_weight"), value(m, "impedance")) for m in R
              if m["device"]["address"] == "C8:47:8C:10:20:07")
assert mine == [(64.2, 520), (64.4, 518)], mine
ids = [p["id"] for t, p in P]
assert len(ids) == len(set(ids)) == 5, ids
'
e2e_finish
