#!/usr/bin/env bash
# homevitals drivers: one entry per line of drivers/drivers.def, in its
# order, each with its link — how the gateway hears the device — taken from
# the driver itself: adverts only (Xiaomi Mi Scale 2), a GATT conversation
# (Omron), an SPP stream (iHealth HS3, no GATT conversation yet it connects).
# The table shows the same link column.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

[ -x "$HV" ] || missing_dep "cli drivers" "$HV not built"
require "cli drivers" python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_hv "drivers --json" 0 drivers --json
check "one entry per registry line, in order, each with its link" python3 -c '
import json, re, sys
ds = json.loads(sys.argv[1])
ids = re.findall(r"^HV_DRIVER\((\w+)_driver\)", open("drivers/drivers.def").read(), re.M)
assert [d["name"] for d in ds] == ids, ([d["name"] for d in ds], ids)
by = {d["name"]: d for d in ds}
want = {"xiaomi_mi_scale2": ("advertisement", False), "omron": ("gatt", True),
        "ihealth_hs3": ("spp", True)}
for name, (link, connects) in want.items():
    assert (by[name]["link"], by[name]["connects"]) == (link, connects), by[name]
assert all(d["link"] in ("advertisement", "gatt", "spp") for d in ds)
assert all(d["connects"] == (d["link"] != "advertisement") for d in ds)
' "$out"
expect_hv "drivers (table)" 0 drivers
check "the table names the link" python3 -c '
import sys
rows = [l.split() for l in sys.argv[1].splitlines()]
assert rows[0][:3] == ["DRIVER", "KIND", "LINK"], rows[0]
links = {r[0]: r[2] for r in rows[1:]}
assert links["ihealth_hs3"] == "spp" and links["xiaomi_mi_scale2"] == "advertisement", links
' "$out"
expect_hv "drivers with an operand is a usage error" 2 drivers omron
echo "1..$tap_n"
