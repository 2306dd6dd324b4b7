#!/usr/bin/env bash
# History on request (docs/mqtt.md, "History on request"): homevitalsd
# answers an MQTT 5 request on …/people/<person>/history/request with that
# person's stored readings of the last days, on the request's Response
# Topic with its Correlation Data. Checked against a real mosquitto and
# the real store: the answer holds exactly the person's stored readings
# (sqlite3), nobody else's; a response topic outside the person's own
# history/response/ tree gets no answer; a bad request gets an error naming
# the field; a flood of requests is answered "busy" beyond ten per 10 s.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "history on request"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-anna --name Anna --height 1.68 --birth-date 1961-04-02 \
	--sex female --weight-range 50-60 >/dev/null 2>&1
"$HV" people add --db "$db" --id p-bob --name Bob --height 1.80 --birth-date 1958-09-12 \
	--sex male --weight-range 80-90 >/dev/null 2>&1

python3 - "$tmp/replay.jsonl" <<'PY'
import sys, time
# Mi Body Composition Scale 2 adverts dated this morning (UTC): Anna three
# times, Bob once.
t = time.gmtime(time.time() - 3600)
with open(sys.argv[1], "w") as f:
    for i, kg in enumerate([55.0, 84.0, 55.2, 55.6]):
        raw = round(kg * 200)
        b = bytes([0x02, 0xA6, t.tm_year & 0xFF, t.tm_year >> 8, t.tm_mon, t.tm_mday, t.tm_hour, i, 0,
                   0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.2f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:08"}\n'
                % (i * 0.2, b.hex()))
PY
e2e_config
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "four weigh-ins stored and delivered" e2e_wait 60 eval \
	'! kill -0 "$daemon_pid" && [ "$(e2e_stored)" = 4 ] && e2e_backlog_empty'
# The replaying daemon subscribed too: wait for this one's subscription.
subscriptions() { grep -c "homevitals/e2e/people/+/history/request" "$tmp/broker/mosquitto.log"; }
before=$(subscriptions)
e2e_daemon
e2e_check "the daemon subscribed to history requests" e2e_wait 20 \
	eval '[ "$(subscriptions)" -gt "$before" ]'

# ask PERSON RESPONSE_TOPIC PAYLOAD OUT: one request, the answer (if any)
# as "correlation|content type|payload" in OUT.
ask_n=0
subscribed() { grep -q "Sending SUBACK to $1" "$tmp/broker/mosquitto.log"; }
ask() {
	local person=$1 topic=$2 payload=$3 out=$4 id
	ask_n=$((ask_n + 1))
	id=asker-$ask_n
	mosquitto_sub -V 5 -h 127.0.0.1 -p "$port" -i "$id" -t "$topic" -C 1 -W 5 \
		-F '%D|%C|%p' >"$out" 2>/dev/null &
	local sub=$!
	e2e_wait 5 subscribed "$id"
	mosquitto_pub -V 5 -h 127.0.0.1 -p "$port" -q 1 \
		-t "homevitals/e2e/people/$person/history/request" -m "$payload" \
		-D publish response-topic "$topic" -D publish correlation-data "c-$person-42"
	wait "$sub"
}
ask p-anna homevitals/e2e/people/p-anna/history/response/t1 '{"days":366}' "$tmp/anna.out"
ask p-bob homevitals/e2e/people/p-bob/history/response/t1 '{}' "$tmp/bob.out"
e2e_check "Anna's request is answered" test -s "$tmp/anna.out"

since_usec=$(python3 -c 'import time; print(int((time.time() - 366 * 86400) * 1e6))')
e2e_check "the weigh-ins are dated within the asked days" eval \
	'[ "$(sqlite3 "$db" "SELECT count(*) FROM measurements WHERE time_usec >= $since_usec")" = 4 ]'
sqlite3 -json "$db" "SELECT m.id AS id, r.metric AS metric, r.value AS value, m.person AS person
	FROM readings r JOIN measurements m ON m.id = r.measurement_id
	WHERE r.value IS NOT NULL AND m.time_usec >= $since_usec;" >"$tmp/store.json"
e2e_py "the answer is exactly the person's stored readings, with the request's correlation data" '
store = json.load(open(os.path.join(tmp, "store.json")))
for person, name in (("p-anna", "anna.out"), ("p-bob", "bob.out")):
    corr, ctype, payload = open(os.path.join(tmp, name)).read().rstrip("\n").split("|", 2)
    assert corr == "c-%s-42" % person, corr
    assert ctype == "application/json", ctype
    h = json.loads(payload)
    assert h["person"] == person and h["truncated"] is False, h
    got = sorted((r["id"], r["metric"], r["value"]) for r in h["readings"])
    want = sorted((r["id"], r["metric"], r["value"]) for r in store if r["person"] == person)
    assert got == want, (person, len(got), len(want))
    assert len({r["id"] for r in h["readings"]}) == (3 if person == "p-anna" else 1), h
'

ask p-anna homevitals/e2e/people/p-bob/history/response/t2 '{}' "$tmp/cross.out"
e2e_check "an answer aimed at another person's topics is not sent" eval '[ ! -s "$tmp/cross.out" ]'
e2e_check "... and the daemon says why (debug log)" grep -q "history request on 'homevitals/e2e/people/p-anna/history/request' without a response topic under its person" "$tmp/homevitalsd.log"

ask p-anna homevitals/e2e/people/p-anna/history/response/t3 '{"days":"many"}' "$tmp/bad.out"
e2e_check "a bad request gets an error naming the field" grep -q '"error":"bad request: \\"days\\" must be' "$tmp/bad.out"

# A flood: twelve at once; ten answered with readings, then "busy".
sleep 10 # a new 10 s window
mosquitto_sub -V 5 -h 127.0.0.1 -p "$port" -i flood -t 'homevitals/e2e/people/p-anna/history/response/flood' \
	-C 12 -W 8 >"$tmp/flood.out" 2>/dev/null &
sub=$!
e2e_wait 5 subscribed flood
for i in $(seq 12); do
	mosquitto_pub -V 5 -h 127.0.0.1 -p "$port" -q 1 -t homevitals/e2e/people/p-anna/history/request \
		-m '{}' -D publish response-topic homevitals/e2e/people/p-anna/history/response/flood
done
wait "$sub"
e2e_check "a flood of requests: each answered, those beyond ten per 10 s with busy" eval \
	'[ "$(grep -c "\"readings\"" "$tmp/flood.out")" -le 10 ] && grep -q "\"error\":\"busy" "$tmp/flood.out" &&
	 [ "$(grep -c . "$tmp/flood.out")" = 12 ]'
e2e_check "the daemon runs on" kill -0 "$daemon_pid"
e2e_finish
