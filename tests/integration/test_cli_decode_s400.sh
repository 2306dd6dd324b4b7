#!/usr/bin/env bash
# homevitals decode of an encrypted Xiaomi S400 advert (xiaomi-ble's
# published test frame and key): with --bind-key-file it decodes to the
# stated values; without a key, or with another one, it is invalid and says
# why, naming the device; a key file without a key is a usage error.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

[ -x "$HV" ] || missing_dep "cli decode s400" "$HV not built"
require "cli decode s400" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FRAME=fe95:4859d53b0abc078ff2348c844138e930220000009e538599
ADDR=8C:D0:B2:F6:BE:EF
echo 0728974d657a4b60964c1b1677f35f7c >"$tmp/key"
echo 00112233445566778899aabbccddeeff >"$tmp/other"
echo not-a-key >"$tmp/bad"

expect_hv "decodes with the key" 0 decode --service-data $FRAME --address $ADDR --bind-key-file "$tmp/key"
check "the values xiaomi-ble states" python3 -c '
import json, sys
m = json.loads(sys.argv[1])
v = {r["metric"]: r["value"] for r in m["readings"]}
assert m["status"] == "ok" and m["driver"] == "xiaomi_s400" and m["user_index"] == 1, m
assert v == {"body_weight": 69.9, "heart_rate": 92, "impedance": 543.2}, v
' "$out"
expect_hv "without a key" 0 decode --service-data $FRAME --address $ADDR
check "invalid: no bind key for the device" contains "$out" '"error":"no bind key for 8C:D0:B2:F6:BE:EF"'
expect_hv "with another key" 0 decode --service-data $FRAME --address $ADDR --bind-key-file "$tmp/other"
check "invalid: authentication failed for the device" contains "$out" '"error":"authentication failed for 8C:D0:B2:F6:BE:EF'
check "no reading without authentication" lacks "$out" '"readings"'
expect_hv "a file without a key: usage error" 2 decode --service-data $FRAME --address $ADDR --bind-key-file "$tmp/bad"
check "the message names the file, not its content" eval 'contains "$err" "$tmp/bad" && lacks "$err" not-a-key'
# --jsonl (what capture writes): the key applies to every line
printf '{"address":"%s","service_data":{"fe95":"%s"}}\n' $ADDR ${FRAME#fe95:} >"$tmp/frames.jsonl"
out=$("$HV" decode --jsonl --bind-key-file "$tmp/key" <"$tmp/frames.jsonl")
check "--jsonl with the key" contains "$out" '"metric":"body_weight","value":69.9'
echo "1..$tap_n"
