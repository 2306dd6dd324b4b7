/* SPDX-License-Identifier: MIT */
#pragma once

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
