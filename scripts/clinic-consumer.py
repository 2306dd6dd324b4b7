#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An example clinic-side consumer of the gateways' measurements (docs/fleet.md).

Several copies share one MQTT v5 shared subscription ($share/<group>/...): the
broker hands each message to one member of the group, so adding a process
adds capacity. Each copy keeps what it accepted in its own SQLite file keyed
by the measurement id, so a redelivery (QoS 1 is at least once) is counted
and dropped instead of stored twice; a correction replaces the row. A real consumer would write to one
shared database with the same idempotent insert.

It runs mosquitto_sub (MQTT v5, QoS 1, a persistent session with an expiry)
and needs no MQTT library. One line per accepted measurement on stdout:
"<id> <topic>"; a summary on stderr at the end.
"""
import argparse
import json
import signal
import sqlite3
import subprocess
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--id", required=True, help="client id of this copy")
    p.add_argument("--group", default="clinic", help="shared subscription group")
    p.add_argument("--root", default="homevitals",
                   help="topic levels before <gateway> (tenant and prefix), e.g. tenants/acme/homevitals")
    p.add_argument("--db", required=True, help="SQLite file of accepted measurements")
    p.add_argument("--session-expiry", type=int, default=7 * 86400,
                   help="seconds the broker keeps this copy's session while it is away")
    p.add_argument("extra", nargs="*", help="further mosquitto_sub options (TLS, credentials)")
    return p.parse_args()


def open_db(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE IF NOT EXISTS measurements ("
               " id TEXT PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL)")
    return db


def stop(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, stop)
    a = parse_args()
    db = open_db(a.db)
    topics = [f"$share/{a.group}/{a.root}/+/people/+/measurements",
              f"$share/{a.group}/{a.root}/+/unassigned/measurements"]
    cmd = ["mosquitto_sub", "-V", "5", "-h", a.host, "-p", str(a.port),
           "-i", a.id, "-c", "-x", str(a.session_expiry), "-q", "1", "-v"]
    for t in topics:
        cmd += ["-t", t]
    cmd += a.extra
    accepted = duplicates = bad = 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as sub:
        try:
            for line in sub.stdout:
                topic, _, payload = line.rstrip("\n").partition(" ")
                try:
                    m = json.loads(payload)
                    mid = m["id"]
                except (ValueError, KeyError, TypeError):
                    bad += 1
                    continue
                # A correction (same id, new person) replaces; a redelivery is dropped.
                verb = "REPLACE" if m.get("correction") is True else "IGNORE"
                cur = db.execute(f"INSERT OR {verb} INTO measurements VALUES (?, ?, ?)",
                                 (mid, topic, payload))
                db.commit()
                if cur.rowcount:
                    accepted += 1
                    print(mid, topic, flush=True)
                else:
                    duplicates += 1
        except KeyboardInterrupt:
            pass
        finally:
            sub.terminate()
    print(f"clinic-consumer {a.id}: {accepted} accepted, {duplicates} duplicates, "
          f"{bad} not measurements", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
