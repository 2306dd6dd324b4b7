# Shared shell helpers: start and stop the real parts the demo and the
# integration tests need (a private D-Bus bus, a loopback mosquitto).
# Source this file; every start_* registers its process for stop_all. A part
# that does not start is reported with the last lines of its own output.

HV_PIDS=()

# Debian installs mosquitto in /usr/sbin, which is not on an ordinary
# user's PATH.
for _d in /usr/local/sbin /usr/sbin /sbin; do
	case ":$PATH:" in *":$_d:"*) ;; *) PATH=$PATH:$_d ;; esac
done
unset _d
export PATH

# need_tool NAME...: each must be installed; else say which package set
# installs it and fail.
need_tool() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		echo "'$t' is not installed: scripts/deps.sh demo (or make demo) installs it" >&2
		return 1
	done
}

# show_tail LABEL FILE...: the last lines of each non-empty FILE, on stderr.
show_tail() {
	local label=$1 f
	shift
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "$label: last lines of $f:" >&2
		tail -n 20 "$f" | sed 's/^/  /' >&2
	done
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_private_bus DIR: a dbus-daemon on DIR/bus standing in for the system
# bus; exports DBUS_SYSTEM_BUS_ADDRESS.
start_private_bus() {
	local dir=$1
	cat >"$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
CONF
	need_tool dbus-daemon || return 1
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile >"$dir/dbus.log" 2>&1 &
	HV_PIDS+=($!)
	local i pid=$!
	for i in $(seq 1 50); do
		[ -S "$dir/bus" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -S "$dir/bus" ]; then
		echo "dbus-daemon did not start (no socket $dir/bus)" >&2
		show_tail dbus-daemon "$dir/dbus.log"
		return 1
	fi
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/bus"
}

# start_broker DIR PORT [EXTRA]: mosquitto on 127.0.0.1:PORT, anonymous,
# persistent sessions kept in DIR; EXTRA: more mosquitto.conf lines.
start_broker() {
	local dir=$1 port=$2 extra=${3:-}
	cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest file $dir/mosquitto.log
$extra
CONF
	need_tool mosquitto || return 1
	mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.stderr" 2>&1 &
	HV_PIDS+=($!)
	HV_BROKER_PID=$!
	local i
	for i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$HV_BROKER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "mosquitto did not start on 127.0.0.1:$port ($(command -v mosquitto))" >&2
	show_tail mosquitto "$dir/mosquitto.stderr" "$dir/mosquitto.log"
	return 1
}

# Stop every process started here, newest first, even on failure. Safe
# under `set -e` (demo.sh): a process that already exited is not an error.
stop_all() {
	local i pid
	for ((i = ${#HV_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${HV_PIDS[$i]}
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${HV_PIDS[@]}"; do
		for _ in $(seq 1 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	HV_PIDS=()
}
