#!/usr/bin/env bash
# A real mosquitto on 127.0.0.1 at a free port, with a generated config.
#
#   broker.sh certs DIR            CA, server (name localhost only) and client
#                                  certificates, plus an unrelated CA, in DIR
#   broker.sh start DIR [options]  start; prints the port; DIR keeps conf, log, pid
#       --port N        reuse a port (restart after a kill)
#       --tls           TLS listener with DIR/server.{crt,key}, CA DIR/ca.crt
#       --require-cert  clients must present a certificate signed by the CA
#       --passwd USER:PASSWORD   password file; anonymous refused
#       --acl FILE      ACL file (implies no anonymous when --passwd is given)
#       --persist       keep sessions and queued messages in DIR across a
#                       graceful stop (persistence true)
#   broker.sh stop DIR             stop (SIGTERM, then SIGKILL)
#   broker.sh kill DIR             SIGKILL, no goodbye
set -euo pipefail

die() { echo "broker.sh: $*" >&2; exit 1; }

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
	cd "$dir"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=homevitals test CA" \
		-keyout ca.key -out ca.crt 2>/dev/null
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=unrelated CA" \
		-keyout other-ca.key -out other-ca.crt 2>/dev/null
	printf 'subjectAltName=DNS:localhost\n' >server.ext
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout server.key -out server.csr 2>/dev/null
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -extfile server.ext -out server.crt 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=gateway" \
		-keyout client.key -out client.csr 2>/dev/null
	openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -out client.crt 2>/dev/null
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
		--passwd) passwd=$2; shift ;;
		--acl) acl=$2; shift ;;
		--persist) persist=true ;;
		*) die "unknown option $1" ;;
		esac
		shift
	done
	[ -n "$port" ] || port=$(free_port)
	conf=$dir/mosquitto.conf
	{
		echo "user $(id -un)"
		echo "per_listener_settings false"
		echo "persistence $persist"
		[ "$persist" = true ] && echo "persistence_location $dir/"
		echo "log_dest file $dir/mosquitto.log"
		echo "log_type all"
		echo "max_queued_messages 0"
		echo "listener $port 127.0.0.1"
		if [ "$tls" = 1 ]; then
			echo "cafile $dir/ca.crt"
			echo "certfile $dir/server.crt"
			echo "keyfile $dir/server.key"
			[ "$reqcert" = 1 ] && echo "require_certificate true"
		fi
		if [ -n "$passwd" ]; then
			: >"$dir/passwd"
			chmod 600 "$dir/passwd"
			mosquitto_passwd -b "$dir/passwd" "${passwd%%:*}" "${passwd#*:}"
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
	cat "$dir/stderr.log" "$dir/mosquitto.log" >&2 2>/dev/null || true
	die "mosquitto did not start on port $port"
	;;
stop|kill)
	[ -f "$dir/pid" ] || exit 0
	pid=$(cat "$dir/pid")
	if [ "$cmd" = kill ]; then
		kill -KILL "$pid" 2>/dev/null || true
	else
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# reap if it is our child's child: wait for it to vanish
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$dir/pid"
	;;
*)
	die "unknown command $cmd"
	;;
esac
