# Shared by tests/faults/fault_*.sh: the e2e helpers (a private dbus-daemon,
# homevitals-vdev, a real mosquitto, homevitalsd and its SQLite store, all
# stopped by the EXIT trap even on failure), plus what every scenario
# reports: one row of the summary table, counted from outside the daemon.

. tests/helpers/e2e.sh

# faults_scenario FILE N_SCALES WEIGHINS_EACH: a vdev scenario where
# N_SCALES Mi body-composition scales each weigh WEIGHINS_EACH people in
# turn, a weigh-in about every 1.2 s per scale, each with its own weight
# and device time (so every weigh-in is a distinct measurement).
faults_scenario() {
	python3 - "$@" <<'PY'
import json, sys
path, n_scales, each = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
devices, timeline = [], []
for s in range(n_scales):
    dev = "scale%d" % s
    devices.append({"id": dev, "model": "mi_scale", "driver": "xiaomi_mi_scale2",
                    "address": "C8:47:8C:20:%02X:%02X" % (s, 0x10 + s), "name": "MIBFS"})
    for i in range(each):
        t = 1.0 + i * 1.2 + s * 0.3
        # device clock: one minute apart per weigh-in, distinct per scale
        stamp = "2026-03-%02dT%02d:%02d:00" % (1 + s, 6 + i // 60, i % 60)
        timeline.append({"t": round(t, 2), "device": dev, "do": "weigh",
                         "time": stamp, "interval": 0.1,
                         "readings": {"body_weight": round(50 + s * 10 + (i % 40) * 0.2, 1),
                                      "impedance": 400 + i % 100}})
timeline.sort(key=lambda e: e["t"])
end = max(e["t"] for e in timeline) + 5
json.dump({"name": "faults", "end": end, "devices": devices, "timeline": timeline},
          open(path, "w"), indent=1)
PY
}

# Ids in the store, and distinct ids the persistent subscriber received.
faults_stored_ids() {
	sqlite3 -cmd ".timeout 5000" "$db" "SELECT id FROM measurements ORDER BY id;"
}

faults_received_ids() {
	python3 - "$tmp/sub.out" <<'PY'
import json, sys
ids = set()
for line in open(sys.argv[1]):
    topic, _, payload = line.rstrip("\n").partition(" ")
    try:
        ids.add(json.loads(payload)["id"])
    except (ValueError, KeyError):
        pass
print("\n".join(sorted(ids)))
PY
}

# Messages received in all (a redelivery after a crash counts here).
faults_received_total() {
	grep -c . "$tmp/sub.out" 2>/dev/null || echo 0
}

# faults_row SCENARIO STORED DELIVERED LOST DUPLICATED SECONDS [NOTE]
faults_row() {
	mkdir -p "$BUILD/faults"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BUILD/faults/summary.tsv"
	echo "# row: $*"
}

# faults_integrity: PRAGMA integrity_check says ok.
faults_integrity() {
	[ "$(sqlite3 -cmd ".timeout 5000" "$db" 'PRAGMA integrity_check;')" = ok ]
}
