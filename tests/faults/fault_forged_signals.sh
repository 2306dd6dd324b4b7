#!/usr/bin/env bash
# Forged D-Bus signals: while real scales weigh people through the stand-in
# bluetoothd, another local client sends the daemon unicast signals that
# pretend to be BlueZ (a PropertiesChanged carrying a Mi Scale weigh-in for
# an address no real device has, and a NameOwnerChanged saying bluetoothd
# left). Nothing from the forgery may be stored, capture must go on, and
# every stored measurement is delivered.
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
e2e_init fault_forged_signals
command -v busctl >/dev/null || { echo "not ok 1 - busctl (systemd) is needed to forge signals"; exit 1; }
start=$SECONDS
FORGED=AA:BB:CC:00:66:66
FORGED_PATH=/org/bluez/hci0/dev_${FORGED//:/_}
MI2=0000181b-0000-1000-8000-00805f9b34fb

e2e_bus
e2e_broker_start
e2e_config
e2e_sub fault-sub
faults_scenario "$tmp/scenario.json" 1 25
e2e_vdev "$tmp/scenario.json"
e2e_daemon
e2e_check "real weigh-ins are stored" e2e_wait 30 e2e_stored_at_least 2

# The daemon's unique name on the bus, by its pid.
daemon_name=$(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" list --no-legend 2>/dev/null |
	awk -v pid="$daemon_pid" '$1 ~ /^:/ && $2 == pid {print $1; exit}')
e2e_check "found the daemon on the bus ($daemon_name)" [ -n "$daemon_name" ]

forge() { # busctl emit … to the daemon only
	busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" emit --destination="$daemon_name" -- "$@"
}
mi2_frame() { # CONTROL BYTE: 0x26 stable, 0xa6 stable + removed; 62.5 kg
	echo "13 0x02 $1 0xe8 0x07 0x03 0x0f 0x08 0x20 0x00 0xf4 0x01 0xd4 0x30"
}
sent=0
for round in 1 2 3; do
	for control in 0x26 0x26 0xa6 0xa6; do
		# shellcheck disable=SC2046
		forge "$FORGED_PATH" org.freedesktop.DBus.Properties PropertiesChanged \
			'sa{sv}as' org.bluez.Device1 3 \
			Address s "$FORGED" RSSI n -40 \
			ServiceData 'a{sv}' 1 "$MI2" ay $(mi2_frame $control) 0 &&
			sent=$((sent + 1))
	done
	forge /org/bluez org.freedesktop.DBus.ObjectManager InterfacesAdded \
		'oa{sa{sv}}' "$FORGED_PATH" 1 org.bluez.Device1 2 \
		Address s "$FORGED" ServiceData 'a{sv}' 1 "$MI2" ay $(mi2_frame 0xa6) &&
		sent=$((sent + 1))
	forge /org/freedesktop/DBus org.freedesktop.DBus NameOwnerChanged sss \
		org.bluez "$(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status org.bluez 2>/dev/null |
			sed -n 's/^UniqueName=//p')" "" && sent=$((sent + 1))
	sleep 1
done
e2e_check "the forged signals were sent ($sent)" [ "$sent" -ge 15 ]
after=$(e2e_stored)
e2e_check "capture goes on after the forgery" e2e_wait 30 e2e_stored_at_least $((after + 3))
forged_rows=$(sqlite3 -cmd ".timeout 5000" "$db" \
	"SELECT count(*) FROM measurements WHERE device_address = '$FORGED';")
e2e_check "nothing from the forged address was stored ($forged_rows)" [ "$forged_rows" = 0 ]
e2e_check "the daemon never believed bluetoothd left" \
	eval '! grep -qiE "bluetoothd (left|gone)|org.bluez (left|vanished)" "$tmp/homevitalsd.log"'
e2e_wait_vdev 90
e2e_check "the backlog drains to 0" e2e_wait 60 e2e_backlog_empty
sleep 1
faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
lost=$(comm -3 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
e2e_check "every stored measurement was delivered ($lost differ)" [ "$lost" -eq 0 ]
faults_row "forged BlueZ signals ($sent sent)" "$stored" "$received" "$lost" \
	"$(($(faults_received_total) - received))" "$((SECONDS - start))"
e2e_finish
