/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daemon/ingest/pipeline.h"

/*
 * Is the system clock known to be right? A Raspberry Pi has no RTC and boots
 * with a wrong clock until NTP has run. Synchronised when
 * /run/systemd/timesync/synchronized exists (systemd-timesyncd), or when
 * adjtimex() reports the kernel clock synchronised (chrony, ntpd), or when
 * the configuration says to trust it (machines with an RTC; containers).
 */
bool hv_wallclock_synchronised(bool assume_synchronised);

/* Now, on every clock the pipeline needs. */
void hv_clock_sample_now(bool assume_synchronised,
			 struct hv_clock_sample *ret);

/* This boot's id (/proc/sys/kernel/random/boot_id): CLOCK_BOOTTIME values
 * of another boot cannot be compared with this one's. */
int hv_boot_id(char *ret, size_t size);
