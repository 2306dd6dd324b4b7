# Shared by tests/integration/test_e2e_omron*.sh: the start-up of an Omron
# memory-read device end to end (tests/helpers/e2e.sh) and the count of its
# memory reads. Source it after `cd` to the repository, then call
# e2e_init NAME and e2e_omron_start SCENARIO.

. tests/helpers/e2e.sh

# e2e_omron_start SCENARIO: the private bus and the broker (a "not ok" and
# exit when either fails), the config, a subscriber, the daemon, then the
# vdev with firmware-host/scenarios/SCENARIO.
e2e_omron_start() {
	e2e_bus || { not_ok "private bus"; exit 1; }
	e2e_broker_start || { not_ok "broker"; exit 1; }
	e2e_config
	e2e_sub || not_ok "subscriber"
	e2e_daemon
	sleep 0.3
	e2e_vdev "$E2E_SCENARIOS/$1"
}

# The memory reads the device answered so far.
e2e_omron_reads() {
	grep -c "memory read" "$tmp/vdev.out"
}
