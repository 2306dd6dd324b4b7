# Shared by the consent end-to-end scripts (tests/integration/
# test_e2e_consent.sh, test_consent_refused.sh, test_consent_status.sh): the
# gateway with two audiences of docs/consent.md, the clinic on the main
# broker (topic root clinic/, the care identity) and the community on a
# broker of its own (topic root peers/), the people they hear about, their
# subscribers and Mi Body Composition Scale 2 weigh-ins to replay.
#
# Source it after tests/helpers/e2e.sh; call the functions after e2e_init.

# consent_brokers [BROKER.SH OPTIONS]: the private bus, the main broker on
# $port and the community's on $port2 (started with the options, e.g.
# --acl FILE; its folder is $tmp/broker2). Exits on failure.
consent_brokers() {
	e2e_bus || { not_ok "private bus"; exit 1; }
	e2e_broker_start || { not_ok "broker"; exit 1; }
	port2=$("$BROKER_SH" start "$tmp/broker2" "$@") || { not_ok "community broker"; exit 1; }
	HV_PIDS+=("$(cat "$tmp/broker2/pid")")
}

# consent_config [MQTT MEMBERS] [CLINIC MEMBERS]: the daemon's
# configuration with both audiences; the arguments are more JSON members of
# "mqtt" and of the clinic's audience ('"retain_latest": true'). $HVC
# passes it to `homevitals`.
consent_config() {
	local mqtt=${1:-} clinic=${2:-}
	cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "e2e",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "reconnect_min_s": 1,
            "reconnect_max_s": 1${mqtt:+, $mqtt} },
  "audiences": [
    { "name": "clinic", "topic_prefix": "clinic", "care_identity": true${clinic:+,
      $clinic} },
    { "name": "community", "topic_prefix": "peers", "host": "127.0.0.1",
      "port": $port2 }
  ],
  "time": { "assume_synchronised": true },
  "assignment": { "adopt": "all" },
  "log_level": "debug"
}
CONF
	HVC=(--config "$tmp/homevitals.json")
}

# consent_add_ana / consent_add_bo: the people of the scripts, with
# complete profiles (body composition is derived for them).
consent_add_ana() {
	"$HV" people add "${HVC[@]}" --id p-ana --name Ana --height 1.62 --birth-date 1970-01-01 \
		--sex female --weight-range 55-60 >/dev/null
}

consent_add_bo() {
	"$HV" people add "${HVC[@]}" --id p-bo --name Bo --height 1.85 --birth-date 1965-05-05 \
		--sex male --weight-range 80-90 >/dev/null
}

# consent_sub NAME PORT TOPIC: a subscriber that prints "topic payload"
# (retained too) into $tmp/NAME.out.
consent_sub() {
	mosquitto_sub -h 127.0.0.1 -p "$2" -q 1 -i "$1" -v -t "$3" \
		>>"$tmp/$1.out" 2>>"$tmp/$1.err" &
	HV_PIDS+=($!)
}

# consent_subscribed NAME BROKER_DIR: wait until that broker logged NAME's
# subscription (a broker keeps nothing for a subscriber not there yet).
consent_subscribed() {
	e2e_wait 10 grep -q "Received SUBSCRIBE from $1" "$2/mosquitto.log" ||
		not_ok "$1 subscribed"
}

# consent_count NAME PATTERN: lines of a subscriber's output matching PATTERN.
consent_count() { grep -c -- "$2" "$tmp/$1.out" 2>/dev/null || true; }

# consent_rows AUDIENCE STATE [LAST_ERROR LIKE]: the audience's outbox rows
# in that state (pending, delivered), those whose last error is like the
# pattern only when one is given.
consent_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM outbox o JOIN outbox_audience a
		ON a.seq = o.seq WHERE a.audience = '$1' AND o.state = '$2'
		AND coalesce(o.last_error, '') LIKE '${3:-%}'"
}

# consent_weighins FILE KG...: one Mi Body Composition Scale 2 weigh-in per
# weight, 50 ms apart, for --replay (drivers/xiaomi_mi_scale2.c layout:
# stabilised, impedance, load removed).
consent_weighins() {
	python3 - "$@" <<'PY'
import sys
out, kgs = sys.argv[1], [float(k) for k in sys.argv[2:]]
with open(out, "w") as f:
    for i, kg in enumerate(kgs):
        raw = round(kg * 200)
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 3, 15, 8, 10 + i, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.3f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:07"}\n'
                % (i * 0.05, b.hex()))
PY
}
