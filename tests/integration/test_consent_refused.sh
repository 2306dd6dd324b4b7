#!/usr/bin/env bash
# One audience's broker refuses its publications (docs/consent.md "Delivery"):
# the community's broker has an ACL that lets the gateway announce itself but
# not write the people's topics (MQTT 5: PUBACK with reason 0x87). The
# community's rows stay pending with the refusal as last_error, nothing of
# them is marked delivered, while the clinic, on its own broker, receives
# every reading; once the ACL allows the topics (mosquitto reloads it on
# SIGHUP), the community's queue drains to its subscriber.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "consent_refused"

# write_acl ALLOW: anonymous clients read everything and the gateway's
# client may write its availability and status; with ALLOW=1 the people's
# topics too.
write_acl() {
	{
		echo "topic read peers/#"
		echo "topic write peers/+/availability"
		echo "topic write peers/+/status"
		[ "$1" = 1 ] && echo "topic write peers/+/people/#"
	} >"$tmp/acl"
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
write_acl 0
port2=$("$BROKER_SH" start "$tmp/broker2" --acl "$tmp/acl") || { not_ok "community broker"; exit 1; }
HV_PIDS+=("$(cat "$tmp/broker2/pid")")

cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "e2e",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "reconnect_min_s": 1,
            "reconnect_max_s": 1 },
  "audiences": [
    { "name": "clinic", "topic_prefix": "clinic", "care_identity": true },
    { "name": "community", "topic_prefix": "peers", "host": "127.0.0.1",
      "port": $port2 }
  ],
  "time": { "assume_synchronised": true },
  "assignment": { "adopt": "all" },
  "log_level": "debug"
}
CONF
HVC=(--config "$tmp/homevitals.json")

"$HV" people add "${HVC[@]}" --id p-ana --name Ana --height 1.62 --birth-date 1970-01-01 \
	--sex female --weight-range 55-60 >/dev/null
"$HV" consent grant p-ana clinic --metrics all "${HVC[@]}" >/dev/null
"$HV" consent grant p-ana community --metrics weight "${HVC[@]}" >/dev/null

sub() { # NAME PORT TOPIC
	mosquitto_sub -h 127.0.0.1 -p "$2" -q 1 -i "$1" -v -t "$3" \
		>>"$tmp/$1.out" 2>>"$tmp/$1.err" &
	HV_PIDS+=($!)
}
sub clinic-sub "$port" 'clinic/#'
sub peers-sub "$port2" 'peers/+/people/#'
sleep 0.5

# Mi Body Composition Scale 2 weigh-ins (drivers/xiaomi_mi_scale2.c layout:
# stabilised, impedance, load removed).
python3 - "$tmp/r1.jsonl" 57.0 57.2 57.4 <<'PY'
import sys
out, kgs = sys.argv[1], [float(k) for k in sys.argv[2:]]
with open(out, "w") as f:
    for i, kg in enumerate(kgs):
        raw = round(kg * 200)
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 3, 15, 8, 10 + i, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.3f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:07"}\n'
                % (i * 0.05, b.hex()))
PY

count() { grep -c -- "$2" "$tmp/$1.out" 2>/dev/null || true; }
rows() { # AUDIENCE STATE [LAST_ERROR LIKE]
	sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM outbox o JOIN outbox_audience a
		ON a.seq = o.seq WHERE a.audience = '$1' AND o.state = '$2'
		AND coalesce(o.last_error, '') LIKE '${3:-%}'"
}

e2e_daemon --replay "$tmp/r1.jsonl"
e2e_check "three measurements stored" e2e_wait 20 e2e_stored_at_least 3
e2e_check "the clinic received all three" \
	e2e_wait 20 eval '[ "$(count clinic-sub "/measurements ")" = 3 ]'
e2e_check "the community's broker refused them: pending with 'Not authorized (0x87)'" \
	e2e_wait 30 eval '[ "$(rows community pending "%Not authorized (0x87)%")" -ge 1 ]'
check "  all three still pending for the community" eval '[ "$(rows community pending)" = 3 ]'
check "  none delivered to the community" eval '[ "$(rows community delivered)" = 0 ]'
check "  the clinic's are delivered" eval '[ "$(rows clinic delivered)" = 3 ]'
check "  no error on the clinic's rows" eval '[ "$(rows clinic delivered "_%")" = 0 ]'
check "  the community's subscriber received nothing" eval '[ "$(count peers-sub /measurements)" = 0 ]'
check "  and the audit trail has none for the community" eval \
	'[ "$(sqlite3 "$db" "SELECT count(*) FROM shared WHERE audience = '"'community'"'")" = 0 ]'

write_acl 1
kill -HUP "$(cat "$tmp/broker2/pid")"
# The same daemon, no restart: the refused rows were kept and tried again.
e2e_check "allowed: the community's queue drains" \
	e2e_wait 30 eval '[ "$(rows community pending)" = 0 ] && [ "$(rows community delivered)" = 3 ]'
e2e_check "  its subscriber received the three" \
	e2e_wait 20 eval '[ "$(count peers-sub "/measurements ")" = 3 ]'
check "  and the audit trail lists them" eval \
	'[ "$(sqlite3 "$db" "SELECT count(*) FROM shared WHERE audience = '"'community'"'")" = 3 ]'
check "the clinic received no duplicate" eval '[ "$(count clinic-sub "/measurements ")" = 3 ]'

e2e_finish
