// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/basic/log.h"

static int max_level = LOG_INFO;
static int prefix = -1; /* -1: decide from isatty() */

void log_set_max_level(int level)
{
	max_level = level;
}

int log_get_max_level(void)
{
	return max_level;
}

void log_set_prefix(int enabled)
{
	prefix = enabled;
}

int log_internal(int level, int error, const char *file, int line,
		 const char *fmt, ...)
{
	int saved_errno = errno;
	char buf[1024];
	va_list ap;

	(void)file;
	(void)line;
	if (error < 0)
		error = -error;
	if (level > max_level)
		return -error;
	/* %m in fmt names `error`, as in systemd's log_*_errno(). */
	errno = error;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (prefix < 0)
		prefix = !isatty(STDERR_FILENO);
	if (prefix)
		fprintf(stderr, "<%d>%s\n", level, buf);
	else
		fprintf(stderr, "%s\n", buf);
	errno = saved_errno;
	return -error;
}
