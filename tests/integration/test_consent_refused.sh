#!/usr/bin/env bash
# One audience's broker refuses its publications (docs/consent.md "Delivery"):
# the community's broker has an ACL that lets the gateway announce itself but
# not write the people's topics (MQTT 5: PUBACK with reason 0x87). The
# community's rows stay pending with the refusal as last_error, nothing of
# them is marked delivered, while the clinic, on its own broker, receives
# every reading; once the ACL allows the topics (mosquitto reloads it on
# SIGHUP), the community's queue drains to its subscriber.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
. tests/helpers/consent.sh
e2e_init "consent_refused"

# write_acl ALLOW: anonymous clients read everything and the gateway's
# client may write its availability and status; with ALLOW=1 the people's
# topics too.
write_acl() {
	{
		echo "topic read peers/#"
		echo "topic write peers/+/availability"
		echo "topic write peers/+/status"
		[ "$1" = 1 ] && echo "topic write peers/+/people/#"
	} >"$tmp/acl"
}

write_acl 0
consent_brokers --acl "$tmp/acl"
consent_config
consent_add_ana
"$HV" consent grant p-ana clinic --metrics all "${HVC[@]}" >/dev/null
"$HV" consent grant p-ana community --metrics weight "${HVC[@]}" >/dev/null

consent_sub clinic-sub "$port" 'clinic/#'
consent_sub peers-sub "$port2" 'peers/+/people/#'
consent_subscribed clinic-sub "$tmp/broker"
consent_subscribed peers-sub "$tmp/broker2"
consent_weighins "$tmp/r1.jsonl" 57.0 57.2 57.4

e2e_daemon --replay "$tmp/r1.jsonl"
e2e_check "three measurements stored" e2e_wait 20 e2e_stored_at_least 3
e2e_check "the clinic received all three" \
	e2e_wait 20 eval '[ "$(consent_count clinic-sub "/measurements ")" = 3 ]'
e2e_check "the community's broker refused them: pending with 'Not authorized (0x87)'" \
	e2e_wait 30 eval '[ "$(consent_rows community pending "%Not authorized (0x87)%")" -ge 1 ]'
check "  all three still pending for the community" eval '[ "$(consent_rows community pending)" = 3 ]'
check "  none delivered to the community" eval '[ "$(consent_rows community delivered)" = 0 ]'
# Marked delivered on the broker's PUBACK, which may come after the
# subscriber has its copy: waited for, not read once.
e2e_check "  the clinic's are delivered" \
	e2e_wait 20 eval '[ "$(consent_rows clinic delivered)" = 3 ]'
check "  no error on the clinic's rows" eval '[ "$(consent_rows clinic delivered "_%")" = 0 ]'
check "  the community's subscriber received nothing" eval '[ "$(consent_count peers-sub /measurements)" = 0 ]'
check "  and the audit trail has none for the community" eval \
	'[ "$(sqlite3 "$db" "SELECT count(*) FROM shared WHERE audience = '"'community'"'")" = 0 ]'

write_acl 1
kill -HUP "$(cat "$tmp/broker2/pid")"
# The same daemon, no restart: the refused rows were kept and tried again.
e2e_check "allowed: the community's queue drains" \
	e2e_wait 30 eval '[ "$(consent_rows community pending)" = 0 ] && [ "$(consent_rows community delivered)" = 3 ]'
e2e_check "  its subscriber received the three" \
	e2e_wait 20 eval '[ "$(consent_count peers-sub "/measurements ")" = 3 ]'
check "  and the audit trail lists them" eval \
	'[ "$(sqlite3 "$db" "SELECT count(*) FROM shared WHERE audience = '"'community'"'")" = 3 ]'
check "the clinic received no duplicate" eval '[ "$(consent_count clinic-sub "/measurements ")" = 3 ]'

e2e_finish
