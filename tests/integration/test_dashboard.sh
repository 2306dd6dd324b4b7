#!/usr/bin/env bash
# The dashboard (docs/dashboard.md) in headless Chromium against a real
# mosquitto that serves the page itself (WebSockets listener with http_dir),
# fed by the real homevitalsd with homevitals-vdev playing a household
# (tests/dashboard/household.json). The page must show, for each person,
# exactly the newest stored value of every metric (sqlite3 on the store);
# then readings taken while it is open (tests/dashboard/live.json) must
# appear. The broker refuses anonymous clients: the page signs in, and a
# clinic's user sees only its patient. Keyboard use and a phone-sized
# screen are checked; the screenshot goes to $BUILD/test-logs/dashboard.png
# (docs/dashboard.png is a copy).
#
# Missing node, npm packages or chromium is a failure, not a skip, unless
# HV_DASHBOARD=0.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh

if [ "${HV_DASHBOARD:-1}" = 0 ]; then
	echo "ok 1 - dashboard # SKIP HV_DASHBOARD=0"
	exit 0
fi
CHROMIUM=${HV_CHROMIUM:-/usr/bin/chromium}
missing=""
command -v node >/dev/null || missing="node (Debian package nodejs)"
[ -x "$CHROMIUM" ] || missing="$missing${missing:+, }$CHROMIUM (Debian package chromium)"
[ -d dashboard/node_modules/puppeteer-core ] && [ -d dashboard/node_modules/esbuild ] ||
	missing="$missing${missing:+, }dashboard/node_modules (run 'make dashboard': npm ci, Debian package npm)"
if [ -n "$missing" ]; then
	echo "not ok 1 - dashboard: missing $missing; HV_DASHBOARD=0 skips this test"
	echo "1..1"
	exit 1
fi

e2e_init "dashboard"
page_pid=""
trap dashboard_cleanup EXIT
dashboard_cleanup() {
	local rc=$? pid
	if [ -n "$page_pid" ]; then
		kill "$page_pid" 2>/dev/null
		wait "$page_pid" 2>/dev/null
	fi
	# Chromium normally goes with puppeteer; make sure it did.
	pid=$(cat "$tmp/chromium.pid" 2>/dev/null)
	[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
	(exit "$rc")
	e2e_cleanup
}

# --- the page and the broker --------------------------------------------------

www=$tmp/www
if ! node dashboard/build.mjs "$www" >"$tmp/build.log" 2>&1; then
	not_ok "dashboard builds"
	sed 's/^/# /' "$tmp/build.log"
	echo "1..$tap_n"
	exit 1
fi

if node --test tests/dashboard/model.test.mjs >"$tmp/model.out" 2>&1; then
	ok "the page's rules: units, topics, the light in words, latest values (model.test.mjs)"
else
	not_ok "the page's rules: units, topics, the light in words, latest values (model.test.mjs)"
	echo "model.test.mjs" >>"$tmp/failed"
	grep -E "^not ok|AssertionError|expected|actual" "$tmp/model.out" | head -20 | sed 's/^/# /'
fi

port=$(free_port)
ws_port=$(free_port)
mkdir -p "$tmp/broker"
: >"$tmp/broker/passwd"
chmod 600 "$tmp/broker/passwd"
for u in gateway family anna-clinic; do
	mosquitto_passwd -b "$tmp/broker/passwd" "$u" "pw-$u"
done
cat >"$tmp/broker/acl" <<ACL
user gateway
topic readwrite homevitals/#
user family
topic read homevitals/#
topic write homevitals/+/people/+/history/request
user anna-clinic
topic read homevitals/e2e/people/p-anna/#
topic write homevitals/e2e/people/p-anna/history/request
topic read homevitals/e2e/status
topic read homevitals/e2e/availability
ACL
# What docs/dashboard.md recommends: the websockets listener needs an MQTT
# listener beside it, and honours its address only with socket_domain.
cat >"$tmp/broker/mosquitto.conf" <<CONF
user $(id -un)
per_listener_settings false
persistence false
log_dest file $tmp/broker/mosquitto.log
log_type all
allow_anonymous false
password_file $tmp/broker/passwd
acl_file $tmp/broker/acl
listener $port 127.0.0.1
listener $ws_port 127.0.0.1
socket_domain ipv4
protocol websockets
http_dir $www
CONF
mosquitto -c "$tmp/broker/mosquitto.conf" >>"$tmp/broker/stderr.log" 2>&1 &
echo $! >"$tmp/broker/pid"
serves_page() {
	python3 -c "import urllib.request, sys
sys.exit(b'homevitals' not in urllib.request.urlopen('http://127.0.0.1:$ws_port/index.html', timeout=1).read())"
}
e2e_check "mosquitto serves the dashboard on its websockets listener" e2e_wait 5 serves_page
if [ -s "$tmp/failed" ]; then
	sed 's/^/# /' "$tmp/broker/stderr.log"
	echo "1..$tap_n"
	exit 1
fi
if command -v ss >/dev/null; then
	e2e_check "the websockets listener is bound to 127.0.0.1 only" \
		eval '[ "$(ss -Hltn "sport = :$ws_port" | awk "{print \$4}")" = "127.0.0.1:$ws_port" ]'
fi

# --- the gateway ---------------------------------------------------------------

e2e_bus
cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "e2e",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "username": "gateway",
            "reconnect_min_s": 1, "reconnect_max_s": 2 },
  "time": { "assume_synchronised": true },
  "log_level": "debug"
}
CONF
"$HV" people add --db "$db" --id p-anna --name Anna --height 1.68 --birth-date 1961-04-02 \
	--sex female --weight-range 60-68 >/dev/null
"$HV" people add --db "$db" --id p-karl --name Karl --height 1.80 --birth-date 1958-09-14 \
	--sex male --weight-range 78-90 >/dev/null
HOMEVITALS_MQTT_PASSWORD=pw-gateway e2e_daemon
e2e_vdev tests/dashboard/household.json
e2e_check "household scenario played" e2e_wait_vdev 60
e2e_check "household stored and delivered" \
	e2e_wait 20 eval '[ "$(e2e_stored)" -ge 4 ] && e2e_backlog_empty'

# The gateway's retained status, as the family's user reads it.
status_field() {
	mosquitto_sub -h 127.0.0.1 -p "$port" -u family -P pw-family -t homevitals/e2e/status \
		-C 1 -W 3 2>/dev/null | python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"
}
# The household's bluetoothd (the vdev) has gone: the status says so.
e2e_check "the gateway reports its adapter missing once the vdev left" \
	e2e_wait 30 eval '[ "$(status_field adapter)" = missing ]'

# --- the browser ---------------------------------------------------------------

coproc PAGE { exec node tests/dashboard/page.mjs "$CHROMIUM" "$tmp/profile" "$tmp/chromium.pid" 2>"$tmp/page.err"; }
page_pid=$PAGE_PID
page_in=${PAGE[1]}
page_out=${PAGE[0]}

# page JSON: one command; 0 when the page answered ok (answer in $answer).
page() {
	answer=""
	echo "$1" >&"$page_in" 2>/dev/null || { echo "# page driver gone: $(tail -5 "$tmp/page.err")"; return 1; }
	IFS= read -r -t 60 answer <&"$page_out" || { echo "# page driver: no answer to $1"; return 1; }
	case $answer in
	'{"ok":true'*) return 0 ;;
	*) echo "# $1 -> $answer"; return 1 ;;
	esac
}

url="http://127.0.0.1:$ws_port/index.html"
e2e_check "the page signs in as a family member" \
	page '{"cmd":"open","url":"'"$url?login=1"'","user":"family","password":"pw-family"}'
e2e_check "both people and the gateway status appear" \
	page '{"cmd":"wait","people":["p-anna","p-karl"],"gateway":"e2e"}'

# The newest stored value of every metric of each person.
newest_sql="SELECT m.person AS person, r.metric AS metric, r.value AS value
FROM readings r JOIN measurements m ON m.id = r.measurement_id
WHERE m.person != '' AND r.value IS NOT NULL AND m.time_usec = (
  SELECT max(m2.time_usec) FROM measurements m2 JOIN readings r2 ON r2.measurement_id = m2.id
  WHERE m2.person = m.person AND r2.metric = r.metric AND r2.value IS NOT NULL);"
sqlite3 -json "$db" "$newest_sql" >"$tmp/store.json"
# The retained values come one message each; the page shows each as it comes.
e2e_check "every stored newest value reaches the page" \
	page '{"cmd":"wait-latest","file":"'"$tmp/store.json"'"}'
page '{"cmd":"dump","file":"'"$tmp/retained.json"'"}'

# page_matches_store DUMP: every person's shown values are the store's, the
# numbers as shown equal to the stored value at the precision shown.
page_matches_store() {
	python3 - "$tmp/$1" "$tmp/store.json" <<'PY'
import json, sys
page = json.load(open(sys.argv[1]))["people"]
store = {}
for row in json.load(open(sys.argv[2])):
    store.setdefault(row["person"], {})[row["metric"]] = row["value"]
assert set(store) == {"p-anna", "p-karl"}, store
for person, metrics in store.items():
    shown = page[person]["latest"]
    assert set(shown) == set(metrics), (person, sorted(shown), sorted(metrics))
    for metric, value in metrics.items():
        cell = shown[metric]
        assert abs(cell["value"] - value) < 1e-9, (person, metric, cell, value)
        digits = len(cell["text"].partition(".")[2])
        assert abs(float(cell["text"]) - value) <= 0.5 * 10 ** -digits + 1e-9, (person, metric, cell, value)
PY
}
e2e_check "each person's values are the store's newest, as numbers and as shown" \
	page_matches_store retained.json
# History on request: each person's weight trend has every stored weigh-in,
# not only the retained latest one (docs/mqtt.md, History on request).
for who in p-anna p-karl; do
	n=$(sqlite3 "$db" "SELECT count(*) FROM readings r JOIN measurements m ON m.id = r.measurement_id
		WHERE m.person = '$who' AND r.metric = 'body_weight' AND r.value IS NOT NULL;")
	e2e_check "$who's weight trend shows all $n stored weigh-ins (history on request)" \
		page '{"cmd":"wait-points","person":"'"$who"'","trend":"weight","points":'"${n:-0}"'}'
done
e2e_check "weight, body composition trends drawn from the retained values" python3 -c "
import json; p = json.load(open('$tmp/retained.json'))['people']
assert all({'weight', 'composition'} <= set(p[x]['trends']) for x in p), p"
e2e_check "the status says, in words, what the light shows: a Bluetooth problem" python3 -c "
import json; g = json.load(open('$tmp/retained.json'))['gateways']['e2e']
assert g['led'] == 'fast blink' and 'Bluetooth problem' in g['text'], g
assert 'Backlog0 measurements' in g['text'] and 'Runningyes' in g['text'], g"

# Readings taken while the page is open: the scale and the cuff once more.
# (A second vdev is bluetoothd coming back: the daemon finds the devices again.)
before=$(e2e_stored)
e2e_vdev tests/dashboard/live.json
e2e_check "live scenario played" e2e_wait_vdev 60
e2e_check "live readings stored and delivered" \
	e2e_wait 20 eval '[ "$(e2e_stored)" -ge $((before + 2)) ] && e2e_backlog_empty'
karl_kg=$(sqlite3 "$db" "SELECT r.value FROM readings r JOIN measurements m ON m.id = r.measurement_id
	WHERE m.person = 'p-karl' AND r.metric = 'body_weight' ORDER BY m.time_usec DESC LIMIT 1;")
cuff_id=$(sqlite3 "$db" "SELECT id FROM measurements WHERE person = '' AND device_model = 'sig_blood_pressure'
	ORDER BY received_usec DESC LIMIT 1;")
e2e_check "Karl's new weight ($karl_kg kg) appears while the page is open" \
	page '{"cmd":"wait-value","person":"p-karl","metric":"body_weight","value":'"${karl_kg:-0}"'}'
e2e_check "the cuff's new unassigned reading appears" \
	page '{"cmd":"wait-unassigned","id":"'"$cuff_id"'"}'
sqlite3 -json "$db" "$newest_sql" >"$tmp/store.json"
e2e_check "every newest value after the live readings reaches the page" \
	page '{"cmd":"wait-latest","file":"'"$tmp/store.json"'"}'
page '{"cmd":"dump","file":"'"$tmp/live.json"'"}'
e2e_check "after the live readings the page still equals the store" page_matches_store live.json
e2e_check "the unassigned reading shows the stored systolic pressure" python3 -c "
import json, subprocess
u = [m for m in json.load(open('$tmp/live.json'))['unassigned'] if m['id'] == '$cuff_id'][0]
v = float(subprocess.check_output(['sqlite3', '$db', '''SELECT value FROM readings
  WHERE measurement_id = '$cuff_id' AND metric = 'systolic_pressure';''']))
assert u['readings']['systolic_pressure']['value'] == v, (u, v)"
e2e_check "the blood pressure reading is not charted for anyone (it is unassigned)" python3 -c "
import json; p = json.load(open('$tmp/live.json'))['people']
assert all('pressure' not in p[x]['trends'] for x in p), p"

e2e_check "a display name can be given with the keyboard only" \
	page '{"cmd":"keyboard-name","person":"p-karl","name":"Karl"}'
e2e_check "the name shows, kept beside the id" contains "$answer" '"heading":"Karl (p-karl)"'
mkdir -p "$BUILD/test-logs"
e2e_check "screenshot saved" page '{"cmd":"screenshot","file":"'"$BUILD/test-logs/dashboard.png"'"}'
e2e_check "a phone-sized screen shows the people" \
	page '{"cmd":"phone","file":"'"$BUILD/test-logs/dashboard-phone.png"'"}'
echo "# phone: $answer"
e2e_check "and nothing scrolls sideways on it" python3 -c "
import json; w = json.loads('$answer')
assert w['people'] == 2 and w['scroll'] <= w['client'], w"

# A clinic's user: the ACL lets it read one person, and the page shows only that.
page '{"cmd":"quit"}'
wait "$page_pid" 2>/dev/null
coproc PAGE { exec node tests/dashboard/page.mjs "$CHROMIUM" "$tmp/profile2" "$tmp/chromium.pid" 2>>"$tmp/page.err"; }
page_pid=$PAGE_PID
page_in=${PAGE[1]}
page_out=${PAGE[0]}
e2e_check "a clinic's user signs in" \
	page '{"cmd":"open","url":"'"$url?login=1"'","user":"anna-clinic","password":"pw-anna-clinic"}'
e2e_check "it sees its patient" page '{"cmd":"wait","people":["p-anna"],"gateway":"e2e"}'
sleep 1
page '{"cmd":"dump","file":"'"$tmp/clinic.json"'"}'
e2e_check "and nobody else" python3 -c "
import json; d = json.load(open('$tmp/clinic.json'))
assert list(d['people']) == ['p-anna'] and d['unassigned'] == [], d"
# The broker goes away: the page says so (in words), and is back when it is.
"$BROKER_SH" stop "$tmp/broker"
e2e_check "the page says when the broker is gone" page '{"cmd":"wait-lost"}'
e2e_check "in words" contains "$answer" 'Disconnected: readings may be out of date'
mosquitto -c "$tmp/broker/mosquitto.conf" >>"$tmp/broker/stderr.log" 2>&1 &
echo $! >"$tmp/broker/pid"
e2e_wait 5 serves_page
e2e_check "once the broker is back, the page signs in again" \
	page '{"cmd":"open","url":"'"$url?login=1"'","user":"anna-clinic","password":"pw-anna-clinic"}'
e2e_check "a wrong password brings the sign-in form back" \
	page '{"cmd":"open","url":"'"$url?login=1"'","user":"anna-clinic","password":"wrong","expect":"refused"}'
page '{"cmd":"quit"}'
wait "$page_pid" 2>/dev/null
page_pid=""

[ -s "$tmp/failed" ] && { echo "# --- page driver"; tail -20 "$tmp/page.err" | sed 's/^/# /'; }
e2e_finish
