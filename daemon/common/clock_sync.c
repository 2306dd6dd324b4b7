// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/timex.h>
#include <unistd.h>

#include "daemon/common/clock_sync.h"

enum hv_clock_sync hv_clock_sync_now(void)
{
	struct timex tx = { 0 };

	if (access("/run/systemd/timesync/synchronized", F_OK) == 0)
		return HV_CLOCK_SYNC_SNTP;
	if (adjtimex(&tx) >= 0 && !(tx.status & STA_UNSYNC) &&
	    tx.maxerror < 16000000) /* the kernel's own "unsynchronised" bound */
		return HV_CLOCK_SYNC_NTP;
	return HV_CLOCK_SYNC_NONE;
}

int hv_clock_sync_accuracy_usec(uint64_t *ret_usec)
{
	struct timex tx = { 0 };

	if (adjtimex(&tx) < 0)
		return -errno;
	if ((tx.status & STA_UNSYNC) || tx.maxerror <= 0 ||
	    tx.maxerror >= 16000000)
		return -ENODATA;
	*ret_usec = (uint64_t)tx.maxerror;
	return 0;
}
