#!/usr/bin/env bash
# The daemon's footprint, each figure next to a bare baseline of the same
# run (docs/benchmarks.md, "Footprint"):
#  - start to READY=1: homevitalsd (private bus without bluetoothd, a real
#    mosquitto, an existing store) against systemd-notify --ready, the bare
#    cost of starting a dynamically linked program that says READY=1;
#    HV_BENCH_STARTS (default 20) of each, interleaved, medians;
#  - memory at idle, after the demo's household (scale, cuff, strap from
#    homevitals-vdev) has been stored and delivered: VmRSS, the anonymous
#    part and PSS, against the floor of `sleep` with the daemon's shared
#    libraries preloaded (what loading them costs before any work);
#  - wakeups per second at idle (connected, beside an idle adapter with no
#    device: a second vdev with one powered adapter), counted by the daemon
#    itself (SIGUSR1), over HV_BENCH_IDLE_S (default 90, three keepalives) s.
# It measures; it asserts no time.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
. tests/helpers/e2e.sh
e2e_init bench_footprint
require bench_footprint systemd-notify
STARTS=${HV_BENCH_STARTS:-20}
IDLE_S=${HV_BENCH_IDLE_S:-90}

say() { echo "bench_footprint: $*"; }

e2e_bus || exit 1
e2e_broker_start || exit 1
e2e_config
sed -i 's/"log_level": "debug"/"log_level": "info"/' "$tmp/homevitals.json"

# --- start to READY=1 ------------------------------------------------------------------------
python3 - "$tmp" "$STARTS" "$HVD" "$tmp/homevitals.json" <<'PY'
import os, signal, socket, statistics, subprocess, sys, time

tmp, starts, hvd, conf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
path = os.path.join(tmp, "notify")

def ready_ms(argv):
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(tmp, "ready.log"), "a"))
    try:
        while b"READY=1" not in s.recv(4096):
            pass
        t = (time.monotonic() - t0) * 1000
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait()
        s.close()
    return t

daemon, bare = [], []
ready_ms([hvd, "--config", conf])  # the store exists from here on
for _ in range(starts):
    daemon.append(ready_ms([hvd, "--config", conf]))
    bare.append(ready_ms(["systemd-notify", "--ready"]))
d, b = statistics.median(daemon), statistics.median(bare)
print("bench_footprint: start to READY=1, median of %d: homevitalsd %.1f ms, "
      "bare systemd-notify %.1f ms (%.1fx)" % (starts, d, b, d / b))
PY

# --- memory after the demo's household, and idle wakeups -------------------------------------
mem() { # PID: "VmRSS RssAnon Pss" in KiB
	echo "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status")" \
		"$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status")" \
		"$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/smaps_rollup")"
}

wakeups() { # the count the daemon logs on SIGUSR1
	local before
	before=$(grep -c "Event loop:" "$tmp/homevitalsd.log")
	kill -USR1 "$daemon_pid"
	e2e_wait 5 eval '[ "$(grep -c "Event loop:" "$tmp/homevitalsd.log")" -gt "$before" ]' || return 1
	grep "Event loop:" "$tmp/homevitalsd.log" | tail -1 |
		sed 's/.*Event loop: \([0-9]*\) wakeups.*/\1/'
}

e2e_vdev "$E2E_SCENARIOS/demo.json" --speed 4
e2e_daemon
e2e_wait_vdev 60
e2e_wait 30 e2e_backlog_empty || say "the backlog did not drain"
sleep 2
read -r rss anon pss < <(mem "$daemon_pid")
libs=$(ldd "$HVD" | awk '$3 ~ /^\// {print $3}' | paste -sd:)
LD_PRELOAD=$libs sleep 30 &
floor_pid=$!
HV_PIDS+=("$floor_pid")
sleep 1
read -r frss fanon fpss < <(mem "$floor_pid")
kill "$floor_pid"
say "$(e2e_stored) readings stored and delivered, then idle:"
say "  homevitalsd        VmRSS $rss KiB, anonymous $anon KiB, PSS $pss KiB"
say "  libraries' floor   VmRSS $frss KiB, anonymous $fanon KiB, PSS $fpss KiB (sleep with them preloaded)"
say "  above the floor    VmRSS +$((rss - frss)) KiB, anonymous +$((anon - fanon)) KiB, PSS +$((pss - fpss)) KiB"

# The demo's vdev has gone (bluetoothd away is a fault, retried): idle is
# beside a bluetoothd with one powered adapter and nothing in range.
cat >"$tmp/quiet.json" <<'JSON'
{ "name": "a quiet adapter", "forever": true,
  "adapters": [ { "name": "hci0", "address": "00:AA:01:00:00:00", "powered": true } ],
  "devices": [], "timeline": [] }
JSON
adapters_ok=$(grep -c "Bluetooth adapter hci0: ok" "$tmp/homevitalsd.log")
e2e_vdev "$tmp/quiet.json"
e2e_wait 15 eval '[ "$(grep -c "Bluetooth adapter hci0: ok" "$tmp/homevitalsd.log")" -gt "$adapters_ok" ]' ||
	say "the daemon did not find the quiet adapter"
sleep 2
w1=$(wakeups)
sleep "$IDLE_S"
w2=$(wakeups)
# one of the wakeups is the second SIGUSR1
say "idle, connected, beside an idle adapter: $((w2 - w1 - 1)) wakeups in $IDLE_S s" \
	"($(awk -v n=$((w2 - w1 - 1)) -v s="$IDLE_S" 'BEGIN { printf "%.3f", n / s }')/s;" \
	"a keepalive ping and its PINGRESP every mqtt.keepalive_s: 2 per 30 s by default)"
e2e_finish >/dev/null
