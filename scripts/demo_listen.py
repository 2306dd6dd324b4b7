#!/usr/bin/env python3
"""Print each measurement published by homevitalsd as one readable line.

Runs mosquitto_sub (from mosquitto-clients) and formats what arrives:
person, metric, value, unit, time."""
import json
import signal
import subprocess
import sys

# SIGTERM from the demo's clean-up must also stop mosquitto_sub.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

host, port = sys.argv[1], sys.argv[2]
sub = subprocess.Popen(
    ["mosquitto_sub", "-h", host, "-p", port, "-v", "-t", "homevitals/+/people/+/measurements",
     "-t", "homevitals/+/unassigned/measurements"],
    stdout=subprocess.PIPE, text=True)
try:
    for line in sub.stdout:
        topic, _, payload = line.partition(" ")
        try:
            m = json.loads(payload)
        except ValueError:
            continue
        who = m.get("person") or "unassigned"
        parts = []
        for r in m.get("readings", []):
            v = r.get("value")
            text = "n/a (%s)" % r.get("absent_reason") if v is None else "%g" % v
            parts.append("%s %s %s" % (r["metric"], text, r["unit"]))
        print("%s  %-10s %-22s %s" % (m.get("time", "?"), who,
                                     m.get("device", {}).get("model", "?"),
                                     ", ".join(parts)), flush=True)
except KeyboardInterrupt:
    pass
finally:
    sub.terminate()
    sub.wait()
