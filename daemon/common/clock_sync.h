/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

/*
 * How the system clock is kept right. A Raspberry Pi has no RTC and boots
 * with a wrong clock until NTP has run; the PHD IG's PhgDevice reports the
 * method (MDC_TIME_SYNC_PROTOCOL, docs/fhir.md).
 */
enum hv_clock_sync {
	HV_CLOCK_SYNC_UNKNOWN, /* not asked, or trusted by configuration only */
	HV_CLOCK_SYNC_NONE, /* nothing says the clock is synchronised */
	HV_CLOCK_SYNC_SNTP, /* systemd-timesyncd, an SNTP client (RFC 4330) */
	HV_CLOCK_SYNC_NTP, /* the kernel's NTP discipline (chrony, ntpd) */
};

/*
 * Now: SNTP when /run/systemd/timesync/synchronized exists
 * (systemd-timesyncd(8)), NTP when adjtimex(2) reports the kernel clock
 * synchronised within its own bound, NONE otherwise.
 */
enum hv_clock_sync hv_clock_sync_now(void);

/*
 * The kernel's bound on the clock's error now (adjtimex(2) maxerror, in µs:
 * the NTP client sets it and the kernel grows it by 500 ppm until the next
 * update), the PhgDevice's MDC_TIME_SYNC_ACCURACY. -ENODATA while the clock
 * is unsynchronised or the bound is 0 (just set, which says nothing).
 */
int hv_clock_sync_accuracy_usec(uint64_t *ret_usec);
