#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Helpers the guest scenario runs (standard library only).

  rstool.py led-sample VALUE_FILE LOG
      Poll a gpio-sim line's sysfs value every 5 ms; append "<ms> <level>"
      to LOG at start and on every change (CLOCK_MONOTONIC milliseconds).
  rstool.py led-check LOG PATTERN WINDOW_S
      Exit 0 when the last WINDOW_S seconds of LOG show PATTERN, one of
      steady, off, slow, fast, double (docs/led.md); print what was seen.
  rstool.py published LOG ADDRESS COUNT [metric=value ...]
      LOG holds "topic payload" lines from mosquitto_sub -v. Exit 0 when
      exactly COUNT measurement messages (topics ending in /measurements)
      come from device ADDRESS and each carries the given readings.
"""
import json
import os
import sys
import time


def now_ms():
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0


def led_sample(value_file, log):
    last = None
    with open(log, "a", buffering=1) as out:
        while True:
            try:
                with open(value_file) as f:
                    level = f.read().strip()
            except OSError:
                level = "?"
            if level != last:
                out.write("%.1f %s\n" % (now_ms(), level))
                last = level
            time.sleep(0.005)


def segments(log, window_s):
    """[(level, start_ms, end_ms, complete)] overlapping the window."""
    changes = []
    with open(log) as f:
        for line in f:
            t, level = line.split()
            changes.append((float(t), level))
    end = now_ms()
    start = end - window_s * 1000.0
    segs = []
    for i, (t, level) in enumerate(changes):
        t_next = changes[i + 1][0] if i + 1 < len(changes) else end
        if t_next <= start:
            continue
        complete = t >= start and i + 1 < len(changes)
        segs.append((level, max(t, start), t_next, complete))
    return segs


def between(d, lo, hi):
    return lo <= d <= hi


def led_check(log, pattern, window_s):
    segs = segments(log, float(window_s))
    seen = " ".join("%s%s%d" % (lv, "" if c else "~", e - s) for lv, s, e, c in segs)
    print("led %s over %ss: %s" % (pattern, window_s, seen))
    full = [(lv, e - s) for lv, s, e, c in segs if c]
    if pattern in ("steady", "off"):
        want = "1" if pattern == "steady" else "0"
        return len(segs) == 1 and segs[0][0] == want
    if pattern == "slow":  # 1 s on, 1 s off
        return (len([1 for lv, d in full if lv == "1"]) >= 2 and
                len([1 for lv, d in full if lv == "0"]) >= 1 and
                all(between(d, 700, 1400) for lv, d in full))
    if pattern == "fast":  # 125 ms on, 125 ms off
        return len(full) >= 6 and all(between(d, 50, 300) for lv, d in full)
    if pattern == "double":  # 150 on, 150 off, 150 on, within dark gaps
        pairs = 0
        for i in range(len(full) - 2):
            a, b, c = full[i], full[i + 1], full[i + 2]
            if (a[0], b[0], c[0]) == ("1", "0", "1") and \
                    all(between(x[1], 60, 320) for x in (a, b, c)):
                pairs += 1
        return pairs >= 2
    raise SystemExit("unknown pattern " + pattern)


def published(log, address, count, wanted):
    n, bad = 0, []
    with open(log, errors="replace") as f:
        for line in f:
            topic, _, payload = line.rstrip("\n").partition(" ")
            if not topic.endswith("/measurements"):
                continue
            try:
                m = json.loads(payload)
            except ValueError:
                continue
            if m.get("device", {}).get("address") != address:
                continue
            n += 1
            got = {r["metric"]: r.get("value") for r in m.get("readings", [])}
            for w in wanted:
                metric, value = w.split("=")
                if got.get(metric) is None or abs(got[metric] - float(value)) > 1e-6:
                    bad.append("%s: %s is %s, not %s" % (topic, metric, got.get(metric), value))
    print("%d measurement message(s) from %s%s" % (n, address, "; " + "; ".join(bad) if bad else ""))
    return n == count and not bad


def main(argv):
    if len(argv) >= 3 and argv[0] == "led-sample":
        led_sample(argv[1], argv[2])
    elif len(argv) == 4 and argv[0] == "led-check":
        return 0 if led_check(argv[1], argv[2], argv[3]) else 1
    elif len(argv) >= 4 and argv[0] == "published":
        return 0 if published(argv[1], argv[2], int(argv[3]), argv[4:]) else 1
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
