#!/usr/bin/env bash
# `homevitals acl AUDIENCE` (docs/consent.md "Broker-side enforcement"): the
# ACLs of two audiences on one real mosquitto with password accounts. The
# gateway's account writes both topic roots; the clinic's reader sees only
# clinic/…, the community's only peers/…, and neither the gateway's own
# root.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

[ -x "$HV" ] || missing_dep "consent acl" "$HV not built"
require "consent acl" mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd
tmp=$(mktemp -d)
broker_dir=$tmp/broker
trap 'tests/helpers/broker.sh stop "$broker_dir" 2>/dev/null; rm -rf "$tmp"' EXIT

cat >"$tmp/c.json" <<CONF
{
  "mqtt": { "username": "gw" },
  "audiences": [
    { "name": "clinic", "topic_prefix": "clinic/hv", "care_identity": true },
    { "name": "community", "topic_prefix": "peers" }
  ]
}
CONF

expect_hv "acl clinic" 0 acl clinic --config "$tmp/c.json"
printf '%s\n\n' "$out" >"$tmp/acl"
check "  the clinic reads its root" contains "$out" $'user clinic\ntopic read clinic/hv/#'
check "  the gateway writes it" contains "$out" $'user gw\ntopic write clinic/hv/#'
expect_hv "acl community --user peer-readers" 0 acl community --user peer-readers --config "$tmp/c.json"
printf '%s\n' "$out" >>"$tmp/acl"
check "  the named account reads peers/#" contains "$out" $'user peer-readers\ntopic read peers/#'
expect_hv "acl of an unknown audience" 2 acl research --config "$tmp/c.json"
expect_hv "acl without an audience" 2 acl --config "$tmp/c.json"
expect_hv "acl: a bad account name" 2 acl clinic --user 'a b' --config "$tmp/c.json"

port=$(tests/helpers/broker.sh start "$broker_dir" --passwd gw:gwpw --passwd clinic:clinicpw \
	--passwd peer-readers:peerpw --acl "$tmp/acl") || { not_ok "broker with the ACLs"; echo "1..$tap_n"; exit 0; }

sub() { # NAME USER PASSWORD
	mosquitto_sub -h 127.0.0.1 -p "$port" -u "$2" -P "$3" -q 1 -v -t '#' -i "$1" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	echo $! >>"$tmp/pids"
}
sub clinic-sub clinic clinicpw
sub peers-sub peer-readers peerpw
for i in $(seq 50); do
	[ "$(grep -c 'Sending SUBACK' "$broker_dir/mosquitto.log" 2>/dev/null)" -ge 2 ] && break
	sleep 0.1
done
for t in clinic/hv/gw/people/p-ana/measurements peers/gw-x/people/ps-y/measurements \
	homevitals/gw/people/p-ana/measurements; do
	mosquitto_pub -h 127.0.0.1 -p "$port" -u gw -P gwpw -q 1 -t "$t" -m "{\"on\":\"$t\"}"
done
mosquitto_pub -h 127.0.0.1 -p "$port" -u peer-readers -P peerpw -q 1 -t peers/forged -m x
sleep 1
while read -r pid; do kill "$pid" 2>/dev/null; done <"$tmp/pids"
wait 2>/dev/null

check "the clinic received its own tree only" \
	[ "$(cut -d' ' -f1 "$tmp/clinic-sub.out")" = clinic/hv/gw/people/p-ana/measurements ]
check "the community received its own tree only" \
	[ "$(cut -d' ' -f1 "$tmp/peers-sub.out")" = peers/gw-x/people/ps-y/measurements ]
check "a reader cannot publish in its tree" bash -c '! grep -q forged "$1"' _ "$tmp/peers-sub.out"

echo "1..$tap_n"
