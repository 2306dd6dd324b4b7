// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "daemon/common/clock_sync.h"
#include "daemon/ingest/wallclock.h"

bool hv_wallclock_synchronised(bool assume_synchronised)
{
	return assume_synchronised || hv_clock_sync_now() != HV_CLOCK_SYNC_NONE;
}

void hv_clock_sample_now(bool assume_synchronised,
			 struct hv_clock_sample *ret)
{
	struct timespec mono, wall;
	struct tm local;
	time_t t;

	(void)clock_gettime(CLOCK_BOOTTIME, &mono);
	(void)clock_gettime(CLOCK_REALTIME, &wall);
	t = wall.tv_sec;
	*ret = (struct hv_clock_sample){
		.mono_usec = (uint64_t)mono.tv_sec * 1000000u +
			     (uint64_t)mono.tv_nsec / 1000u,
		.wall_usec = (int64_t)wall.tv_sec * 1000000 +
			     wall.tv_nsec / 1000,
		.wall_known = hv_wallclock_synchronised(assume_synchronised),
		.utc_offset_s = localtime_r(&t, &local) ?
					(int32_t)local.tm_gmtoff :
					0,
		.zone_rules = true,
	};
}

int hv_boot_id(char *ret, size_t size)
{
	char buf[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	bool ok;

	if (!f)
		return -errno;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	(void)fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) >= size)
		return -ENOBUFS;
	(void)snprintf(ret, size, "%s", buf);
	return 0;
}
