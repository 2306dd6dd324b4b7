#!/usr/bin/env bash
# A real mosquitto on 127.0.0.1 (and on ::1 when the host has IPv6
# loopback: "localhost" resolves to ::1 first with Debian's /etc/hosts) at a
# free port, with a generated config.
#
#   broker.sh certs DIR            CA, server (name localhost only) and client
#                                  certificates, plus an unrelated CA, in DIR
#   broker.sh start DIR [options]  start; prints the port; DIR keeps conf, log, pid
#       --port N        reuse a port (restart after a kill)
#       --tls           TLS listener with DIR/server.{crt,key}, CA DIR/ca.crt
#       --require-cert  clients must present a certificate signed by the CA
#       --passwd USER:PASSWORD   password file; anonymous refused (may be
#                       given again for more accounts)
#       --acl FILE      ACL file (implies no anonymous when --passwd is given)
#       --persist       keep sessions and queued messages in DIR across a
#                       graceful stop (persistence true)
#   broker.sh stop DIR             stop (SIGTERM, then SIGKILL)
#   broker.sh kill DIR             SIGKILL, no goodbye
# A start in a DIR whose broker still runs (a test that failed before its
# stop) stops that one first: one DIR, at most one broker.
set -euo pipefail

# Debian installs mosquitto in /usr/sbin, not on an ordinary user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

die() { echo "broker.sh: $*" >&2; exit 1; }

# The tools `make check` installs (scripts/deps.sh test) are required: a
# missing one fails the test that needs it.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' is not installed (scripts/deps.sh test, or make check, installs it)"
}

# ssl CMD...: openssl, quiet, its output shown when it fails.
ssl() {
	openssl "$@" >>openssl.log 2>&1 || {
		tail -n 20 openssl.log >&2
		die "openssl $1 failed"
	}
}

has_ipv6_loopback() {
	grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
}

stop_broker() { # SIGNAL: stop the broker DIR/pid names, if it runs
	local pid
	[ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	# a pid left by a broker that died may name another process by now
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != mosquitto ]; then
		rm -f "$dir/pid"
		return 0
	fi
	if [ "$1" = KILL ]; then
		kill -KILL "$pid" 2>/dev/null || true
	else
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# reap if it is our child's child: wait for it to vanish
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$dir/pid"
}

free_port() {
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
	else
		echo $((20000 + RANDOM % 30000))
	fi
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: broker.sh certs|start|stop|kill DIR [options]"
mkdir -p "$dir"

case $cmd in
certs)
	need openssl
	cd "$dir"
	: >openssl.log
	ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=homevitals test CA" \
		-keyout ca.key -out ca.crt
	ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=unrelated CA" \
		-keyout other-ca.key -out other-ca.crt
	printf 'subjectAltName=DNS:localhost\n' >server.ext
	ssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout server.key -out server.csr
	ssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -extfile server.ext -out server.crt
	ssl req -newkey rsa:2048 -nodes -subj "/CN=gateway" \
		-keyout client.key -out client.csr
	ssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -out client.crt
	chmod 600 ./*.key
	;;
start)
	shift 2
	port="" tls=0 reqcert=0 passwd="" acl="" persist=false
	while [ $# -gt 0 ]; do
		case $1 in
		--port) port=$2; shift ;;
		--tls) tls=1 ;;
		--require-cert) reqcert=1 ;;
		--passwd) passwd="$passwd $2"; shift ;;
		--acl) acl=$2; shift ;;
		--persist) persist=true ;;
		*) die "unknown option $1" ;;
		esac
		shift
	done
	need mosquitto
	stop_broker TERM
	[ -n "$port" ] || port=$(free_port)
	conf=$dir/mosquitto.conf
	addresses=127.0.0.1
	has_ipv6_loopback && addresses="127.0.0.1 ::1"
	{
		echo "user $(id -un)"
		echo "per_listener_settings false"
		echo "persistence $persist"
		[ "$persist" = true ] && echo "persistence_location $dir/"
		echo "log_dest file $dir/mosquitto.log"
		echo "log_type all"
		echo "max_queued_messages 0"
		for a in $addresses; do
			echo "listener $port $a"
			if [ "$tls" = 1 ]; then
				echo "cafile $dir/ca.crt"
				echo "certfile $dir/server.crt"
				echo "keyfile $dir/server.key"
				[ "$reqcert" = 1 ] && echo "require_certificate true"
			fi
		done
		if [ -n "$passwd" ]; then
			need mosquitto_passwd
			: >"$dir/passwd"
			chmod 600 "$dir/passwd"
			for account in $passwd; do
				mosquitto_passwd -b "$dir/passwd" \
					"${account%%:*}" "${account#*:}"
			done
			echo "password_file $dir/passwd"
			echo "allow_anonymous false"
		else
			echo "allow_anonymous true"
		fi
		[ -n "$acl" ] && echo "acl_file $acl"
	} >"$conf"
	mosquitto -c "$conf" >>"$dir/stderr.log" 2>&1 &
	echo $! >"$dir/pid"
	echo "$port" >"$dir/port"
	# Wait until it listens (up to 5 s).
	for _ in $(seq 50); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			exit 0
		fi
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.1
	done
	for f in "$dir/stderr.log" "$dir/mosquitto.log"; do
		[ -s "$f" ] && { echo "broker.sh: last lines of $f:" >&2; tail -n 20 "$f" >&2; }
	done
	stop_broker KILL
	die "mosquitto did not start on port $port ($(command -v mosquitto))"
	;;
stop)
	stop_broker TERM
	;;
kill)
	stop_broker KILL
	;;
*)
	die "unknown command $cmd"
	;;
esac
