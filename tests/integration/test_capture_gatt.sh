#!/usr/bin/env bash
# `homevitals capture --gatt ADDRESS` against homevitals-vdev on a private
# bus: the BP cuff of firmware-host/scenarios/test-capture.json is found by
# discovery, connected, its service and characteristics are written, the
# Blood Pressure Feature is read, the stored readings are indicated once
# 0x2A35 is subscribed, and `homevitals decode --jsonl` replays them to the
# scenario's blood pressures. Then: --pseudonymise, recording until SIGINT,
# a device that is not there, one whose Connect fails, a bad address.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh
. scripts/lib/stack.sh

VDEV=$BUILD/homevitals-vdev
SCENARIO=firmware-host/scenarios/test-capture.json
CUFF=A4:C1:38:10:20:02
GONE=E1:5A:0D:10:20:03

for p in "$HV" "$VDEV"; do
	[ -x "$p" ] || missing_dep "capture gatt" "$p not built"
done
require "capture gatt" dbus-daemon python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hv-capture.XXXXXX")
cleanup() {
	local rc=$?
	stop_all
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT

start_private_bus "$tmp" || { not_ok "private bus"; exit 1; }
"$VDEV" --scenario "$SCENARIO" >"$tmp/vdev.out" 2>&1 &
HV_PIDS+=($!)
for _ in $(seq 50); do
	grep -q "scenario 'capture'" "$tmp/vdev.out" && break
	sleep 0.1
done

# py NAME FILE CODE: CODE sees L (the file's JSON lines) and D (decode's).
py() {
	local name=$1 file=$2 code=$3
	if python3 - "$file" "$tmp/decoded" "$code" 2>"$tmp/py.err" <<'PY'; then
import json, sys
L = [json.loads(x) for x in open(sys.argv[1]) if x.strip()]
D = [json.loads(x) for x in open(sys.argv[2]) if x.strip()]
exec(sys.argv[3])
PY
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/# /' "$tmp/py.err" "$file"
	fi
}

expect_hv "capture --gatt the cuff" 0 capture --gatt "$CUFF" --seconds 3 \
	--output "$tmp/cuff.jsonl"
"$HV" decode --jsonl <"$tmp/cuff.jsonl" >"$tmp/decoded" 2>"$tmp/decode.err"
check "decode --jsonl reads the capture" [ $? -eq 0 ]
py "every line has t, non-decreasing" "$tmp/cuff.jsonl" '
t = [x["t"] for x in L]
assert t and t == sorted(t) and t[0] >= 0 and t[-1] < 3.5, t
'
py "service and characteristics with flags" "$tmp/cuff.jsonl" '
S = [x["uuid"] for x in L if x.get("gatt") == "service"]
C = {x["uuid"]: (x["service"], x["flags"]) for x in L if x.get("gatt") == "characteristic"}
assert S == ["1810"], S
assert C["2a35"] == ("1810", ["indicate"]), C
assert C["2a49"] == ("1810", ["read"]), C
assert "indicate" in C["2a52"][1], C
first = min(i for i, x in enumerate(L) if "characteristic" in x)
assert all(x.get("gatt") for x in L[:first]), "a value before the objects"
'
py "the feature read once, the two stored readings notified" "$tmp/cuff.jsonl" '
V = [x for x in L if "characteristic" in x]
for x in V:
    assert x["address"] == "A4:C1:38:10:20:02" and x["name"] == "BP Cuff", x
R = [x for x in V if x["source"] == "read"]
N = [x for x in V if x["source"] == "notify"]
assert [x["characteristic"]["uuid"] for x in R] == ["2a49"], R
assert [x["characteristic"]["uuid"] for x in N] == ["2a35", "2a35"], N
assert len(V) == 3, V
'
py "decode --jsonl replays the notified readings" "$tmp/cuff.jsonl" '
assert len(D) == len(L), (len(D), len(L))
ok = [d for d in D if d["status"] == "ok"]
assert [d["driver"] for d in ok] == ["sig_blood_pressure"] * 2, ok
got = [{r["metric"]: r["value"] for r in d["readings"]} for d in ok]
assert [(g["systolic_pressure"], g["diastolic_pressure"], g["pulse_rate"]) for g in got] == \
	[(121, 79, 64), (128, 84, 70)], got
assert [d["device_time"] for d in ok] == ["2025-03-01T07:30:00", "2025-03-02T07:32:00"], ok
for d, x in zip(D, L):
    if "characteristic" not in x:
        assert d["status"] == "not_mine", (x, d)
'
check "the cuff was disconnected" grep -q "bp-cuff disconnected by the client" "$tmp/vdev.out"

expect_hv "capture --gatt --pseudonymise" 0 capture --gatt "$CUFF" --seconds 2 \
	--pseudonymise --output "$tmp/pseudo.jsonl"
check "no real address in the pseudonymised file" \
	bash -c "! grep -qi 'A4:C1:38\|a4c138102002\|02201038c1a4' '$tmp/pseudo.jsonl'"
: >"$tmp/decoded"
py "pseudonymised lines name 02:00:00:00:00:01" "$tmp/pseudo.jsonl" '
V = [x for x in L if "characteristic" in x]
assert V and all(x["address"] == "02:00:00:00:00:01" for x in V), V
assert any(x.get("gatt") == "service" for x in L), L
'

# ServicesResolved=true before the GATT objects' InterfacesAdded
expect_hv "capture --gatt, services resolved before the objects" 0 capture \
	--gatt A4:C1:38:10:20:05 --seconds 2 --output "$tmp/late.jsonl"
"$HV" decode --jsonl <"$tmp/late.jsonl" >"$tmp/decoded" 2>"$tmp/decode.err"
py "objects arriving after ServicesResolved are recorded" "$tmp/late.jsonl" '
assert [x["uuid"] for x in L if x.get("gatt") == "service"] == ["1810"], L
ok = [d for d in D if d["status"] == "ok"]
got = [{r["metric"]: r["value"] for r in d["readings"]} for d in ok]
assert [(g["systolic_pressure"], g["diastolic_pressure"]) for g in got] == [(133, 88)], got
'

# --seconds 0: recording until SIGINT, which disconnects and exits 0
"$HV" capture --gatt A4:C1:38:10:20:05 --seconds 0 --output "$tmp/int.jsonl" \
	2>"$tmp/int.err" &
cap=$!
for _ in $(seq 100); do
	grep -q '"source":"read"' "$tmp/int.jsonl" 2>/dev/null && break
	sleep 0.1
done
before=$(grep -c "late-cuff disconnected by the client" "$tmp/vdev.out")
kill -INT "$cap"
wait "$cap"
check "SIGINT ends the recording with exit 0" [ $? -eq 0 ]
check "SIGINT: the read value was recorded" grep -q '"source":"read"' "$tmp/int.jsonl"
for _ in $(seq 50); do
	[ "$(grep -c "late-cuff disconnected by the client" "$tmp/vdev.out")" -gt "$before" ] && break
	sleep 0.1
done
check "SIGINT: the device was disconnected" \
	[ "$(grep -c "late-cuff disconnected by the client" "$tmp/vdev.out")" -gt "$before" ]

if run_hv 1 capture --gatt 11:22:33:44:55:66 --seconds 2 --output "$tmp/none.jsonl"; then
	check "absent device: 'not found'" contains "$err" "device 11:22:33:44:55:66 not found"
else
	not_ok "absent device: exit 1"
fi
if run_hv 1 capture --gatt "$GONE" --seconds 5 --output "$tmp/gone.jsonl"; then
	check "failed Connect names the BlueZ error" contains "$err" "org.bluez.Error.Failed"
else
	not_ok "failed Connect: exit 1"
fi
expect_hv "bad --gatt address: usage error" 2 capture --gatt nonsense
