#!/bin/bash
# The real-stack scenario (runs as PID 1's child inside the guest).
#
#   hci0  homevitalsd's adapter (config bluetooth.adapter)
#   hci1  a Xiaomi Mi Body Composition Scale 2: service data 0x181B that
#         changes during a weigh-in (btmgmt add-adv, one report per frame)
#   hci2  a Bluetooth SIG weight scale: advertises service UUID 0x181D
#         (btmgmt), serves 0x181D / 0x181C / 0x1805 through bluetoothd's
#         GattManager1 (sig_scale.py)
#   gpio-sim chip "hvled", line 0 "status-led": the LED
#   mosquitto on 127.0.0.1:1883; the store in /run (tmpfs)
#
# Assertions are made from outside the daemon: SQLite rows, MQTT messages,
# the peripheral's log of what it was asked, the LED line's sysfs value.
. "$RS_DIR/lib.sh"

HV=/run/hv
DB=$HV/homevitals.db
MQTT_LOG=$RS_OUT/mqtt.log
LED_LOG=$RS_OUT/led.log
PIDS=()
cleanup() {
	beacon_stop
	local p
	for p in "${PIDS[@]}" ${DAEMON_PID:-} ${BTD_PID:-} ${BROKER_PID:-} ${SUB_PID:-}; do
		kill "$p" 2> /dev/null
	done
	cp -f "$DB" "$RS_OUT/" 2> /dev/null
	return 0
}
trap cleanup EXIT
mkdir -p "$HV"

# --- Mi Body Composition Scale 2 frames (drivers/xiaomi_mi_scale2.c) ---------
#   C0 C1 | year u16, month, day, h, m, s | impedance u16 | weight u16 (kg * 200)
# C0 0x02 (always set); C1 bit1 impedance, bit2 always set, bit5 stabilised,
# bit7 load removed. The scale's clock: 2024-03-15 08:30:00.
mi_frame() { # mi_frame C1 CENTI_KG IMPEDANCE -> hex of the AD structures
	local c1=$1 raw=$(($2 * 2)) z=$3
	printf '10161b18'                                      # 16 bytes: service data 0x181B
	printf '02%02xe807030f081e00' "$c1"
	printf '%02x%02x%02x%02x' $((z & 255)) $((z >> 8)) $((raw & 255)) $((raw >> 8))
	printf '06094d49424653\n'                              # complete local name "MIBFS"
}
# One weigh-in as a real scale sends it: live values while the person settles,
# the stable value, then with impedance, then "load removed". Each frame is sent
# twice (a real scale repeats it every advertising interval). Connectable
# (ADV_IND): the kernel gives a non-connectable mgmt instance a new random
# address at every re-add, which would make every frame a different scale;
# a real Mi scale keeps its public address (docs/realstack.md).
weigh_in() { # weigh_in CENTI_KG IMPEDANCE
	local kg=$1 z=$2 f
	for f in "04 $((kg - 450)) 0" "04 $((kg - 120)) 0" "04 $((kg - 5)) 0" \
		"24 $kg 0" "26 $kg $z" "26 $kg $z" "a6 $kg $z" "a6 $kg $z"; do
		set -- $f
		adv_once hci1 "$(mi_frame $((16#$1)) "$2" "$3")" c
		sleep 0.3
		adv_once hci1 "$(mi_frame $((16#$1)) "$2" "$3")" c
		sleep 0.3
	done
	adv_stop hci1
}

count_from() { sql "SELECT count(*) FROM measurements WHERE device_address = '$1'"; }
reading_of() { # reading_of ADDRESS METRIC [NTH, 0-based, newest first]
	sql "SELECT printf('%g', r.value) FROM readings r JOIN measurements m ON m.id = r.measurement_id
	     WHERE m.device_address = '$1' AND r.metric = '$2'
	     ORDER BY m.received_usec DESC LIMIT 1 OFFSET ${3:-0}"
}
is() { [ "$1" = "$2" ] || { echo "# '$1' is not '$2'"; return 1; }; }
count_is() { is "$(count_from "$1")" "$2"; }
led() { $RSTOOL led-check "$LED_LOG" "$@"; }
published() { $RSTOOL published "$MQTT_LOG" "$@"; }
start_broker() {
	mosquitto -c "$HV/mosquitto.conf" >> "$RS_OUT/mosquitto.log" 2>&1 &
	BROKER_PID=$!
	wait_for 10 sh -c "mosquitto_sub -h 127.0.0.1 -p 1883 -t x -E -W 2" || return 1
	# a persistent QoS 1 session: messages published while it reconnects are kept
	mosquitto_sub -h 127.0.0.1 -p 1883 -c -i realstack-sub -q 1 -v -t 'homevitals/#' >> "$MQTT_LOG" 2>&1 &
	SUB_PID=$!
}

# === the stack ================================================================
note "starting the kernel Bluetooth stack, dbus, btvirt, bluetoothd"
modprobe bluetooth && modprobe hci_vhci || not_ok "modprobe bluetooth hci_vhci"
mkdir -p /run/dbus
dbus-daemon --system --fork --print-pid > "$RS_OUT/dbus.pid" || not_ok "system dbus-daemon"
check "three emulated LE controllers (btvirt on /dev/vhci)" start_controllers 3
start_bluetoothd
check "the real bluetoothd powered hci0, hci1 and hci2" \
	wait_for 30 sh -c "$(declare -f powered); powered hci0 && powered hci1 && powered hci2"
MI=$(address_of hci1)
SIG=$(address_of hci2)
note "hci0 $(address_of hci0)  Mi scale $MI  SIG scale $SIG; $(bluetoothd -v 2> /dev/null || /usr/libexec/bluetooth/bluetoothd -v)"

LED_VALUE=$(gpiosim_chip hvled 4 0 status-led)
check "gpio-sim chip 'hvled' with line 0 'status-led'" test -r "$LED_VALUE"
$RSTOOL led-sample "$LED_VALUE" "$LED_LOG" &
PIDS+=($!)

cat > "$HV/mosquitto.conf" << EOF
listener 1883 127.0.0.1
allow_anonymous true
persistence true
persistence_location $HV/
user root
EOF
check "mosquitto listening on 127.0.0.1:1883" start_broker

cat > "$HV/homevitals.json" << EOF
{
  "gateway_id": "realstack",
  "store": { "path": "$DB" },
  "mqtt": { "host": "127.0.0.1", "port": 1883, "reconnect_min_s": 1, "reconnect_max_s": 2,
            "keepalive_s": 5 },
  "bluetooth": { "adapter": "hci0",
                 "devices": [ { "address": "$SIG", "user_index": 0, "consent_code": 1234 } ] },
  "led": { "chip": "hvled", "line": 0 },
  "time": { "assume_synchronised": true },
  "log_level": "debug"
}
EOF
note "starting homevitalsd"
"$RS_BUILD/homevitalsd" --config "$HV/homevitals.json" > "$RS_OUT/daemon.log" 2>&1 &
DAEMON_PID=$!
check "homevitalsd holds the LED line (gpioinfo: consumer, output)" \
	wait_for 20 sh -c "gpioinfo hvled | grep -E 'line +0:.*output' | grep -vq unused"
check "homevitalsd announced itself online (retained availability)" wait_for 20 \
	sh -c "mosquitto_sub -h 127.0.0.1 -p 1883 -t homevitals/realstack/availability -C 1 -W 3 | grep -qx online"
check "LED steady: all well (bluetoothd discovering on hci0, broker connected)" \
	wait_for_verbose 30 led steady 2.5

# === Mi Body Composition Scale 2: one weigh-in by advertisements =============
note "Mi weigh-in: 72.40 kg, 500 ohm"
weigh_in 7240 500
check "Mi weigh-in -> exactly one stored measurement" wait_for_verbose 15 count_is "$MI" 1
check "LED: two short blinks for the reading received" wait_for_verbose 10 led double 6
check "stored body_weight 72.4 kg" is "$(reading_of "$MI" body_weight)" 72.4
check "stored impedance 500 Ohm" is "$(reading_of "$MI" impedance)" 500
check "exactly one published measurement with 72.4 kg, 500 Ohm" \
	wait_for_verbose 10 published "$MI" 1 body_weight=72.4 impedance=500
sleep 3
check "still one measurement after the scale went quiet" count_is "$MI" 1
check "LED back to steady after the acknowledgement" wait_for_verbose 10 led steady 2

# === SIG weight scale: the GATT conversation ==================================
note "SIG scale: GATT application on hci2, advertising 0x181D"
$PY "$RS_DIR/sig_scale.py" hci2 > "$RS_OUT/peripheral.log" 2>&1 &
PIDS+=($!)
check "scale's GATT application registered with bluetoothd (GattManager1)" \
	wait_for 20 grep -q 'application registered' "$RS_OUT/peripheral.log"
# AD: complete list of 16-bit service UUIDs (0x181D), complete local name "SIGSCALE"
beacon_start hci2 "03031d1809095349475343414c45" 1
plog() { grep -q "$1" "$RS_OUT/peripheral.log"; }
check "homevitalsd connected to the scale (hci0 -> hci2 LE link)" \
	wait_for 40 sh -c "btmgmt -i hci0 con | grep -qi '$SIG'"
check "services resolved: Weight Scale Feature read" wait_for 30 plog 'read 2a9e'
check "indications on Weight Measurement 0x2A9D" wait_for 20 plog 'subscribe 2a9d'
check "indications on User Control Point 0x2A9F" wait_for 20 plog 'subscribe 2a9f'
check "the scale's clock set (Current Time 0x2A2B written)" \
	wait_for 20 plog "clock set to $(date +%Y-%m-%d)"
check "consent written: 02 00 d204 (user 0, code 1234)" wait_for 20 plog 'write 2a9f 0200d204'
check "consent accepted: 20 02 01 indicated and confirmed" \
	wait_for 20 sh -c "grep -q 'indicate 2a9f 200201' '$RS_OUT/peripheral.log' && grep -q 'confirmed 2a9f' '$RS_OUT/peripheral.log'"
check "stored measurement indicated and its indication confirmed" \
	wait_for 20 sh -c "grep -q 'indicate 2a9d 06' '$RS_OUT/peripheral.log' && grep -q 'confirmed 2a9d' '$RS_OUT/peripheral.log'"
check "SIG scale -> one stored measurement" wait_for_verbose 20 count_is "$SIG" 1
check "stored body_weight 81.3 kg" is "$(reading_of "$SIG" body_weight)" 81.3
check "published once with 81.3 kg" wait_for_verbose 10 published "$SIG" 1 body_weight=81.3
check "homevitalsd disconnected after the conversation" \
	wait_for 30 sh -c "! btmgmt -i hci0 con | grep -qi '$SIG'"
beacon_stop
adv_stop hci2

# === bluetoothd killed and restarted under the running daemon ================
note "killing bluetoothd (SIGKILL)"
kill -9 "$BTD_PID"
wait "$BTD_PID" 2> /dev/null
check "LED fast blink: Bluetooth problem while bluetoothd is gone" wait_for_verbose 8 led fast 2
start_bluetoothd
check "bluetoothd back, adapters powered" \
	wait_for 30 sh -c "$(declare -f powered); powered hci0 && powered hci1 && powered hci2"
check "LED steady again: discovery restarted on the new bluetoothd" wait_for_verbose 30 led steady 2.5
check "the same homevitalsd process (no restart)" kill -0 "$DAEMON_PID"
note "Mi weigh-in after the restart: 73.10 kg, 510 ohm"
weigh_in 7310 510
check "second weigh-in stored (two measurements from the Mi scale)" \
	wait_for_verbose 15 count_is "$MI" 2 || bt_state
check "second weigh-in: 73.1 kg" is "$(reading_of "$MI" body_weight 0)" 73.1
check "second weigh-in published (two messages from the Mi scale)" wait_for_verbose 10 published "$MI" 2

# === broker unreachable ========================================================
note "stopping mosquitto"
kill "$SUB_PID" "$BROKER_PID"
wait "$SUB_PID" "$BROKER_PID" 2> /dev/null
check "LED slow blink: broker unreachable" wait_for_verbose 20 led slow 5
note "Mi weigh-in while the broker is down: 74.00 kg, 520 ohm"
weigh_in 7400 520
check "weigh-in stored while the broker is down" wait_for_verbose 15 count_is "$MI" 3
check "LED back to slow blink after the acknowledgement" wait_for_verbose 15 led slow 5
start_broker || not_ok "mosquitto restarted"
check "the queued measurement is published once the broker is back" \
	wait_for_verbose 20 published "$MI" 3
check "LED steady once the broker is back" wait_for_verbose 20 led steady 2.5

# === orderly stop =============================================================
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	wait_for 15 sh -c "! kill -0 $DAEMON_PID" || { kill -9 "$DAEMON_PID"; echo "# still running after 15 s"; }
	wait "$DAEMON_PID"
}
check "homevitalsd stops on SIGTERM with status 0" stop_daemon
DAEMON_PID=
check "LED off after the daemon stopped" wait_for_verbose 5 led off 1
summary
