/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Logging for daemon/ only. Lines go to stderr with "<N>" syslog priority
 * prefixes (journald keeps the level) and no timestamps. Functions that
 * handle an error log it once; library-style code returns -errno instead.
 */

#include <errno.h>
#include <syslog.h>

void log_set_max_level(int level);
int log_get_max_level(void);
/* Prefix lines with "<N>" (default when stderr is not a terminal). */
void log_set_prefix(int enabled);

int log_internal(int level, int error, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Returns -abs(error) so callers can write `return log_error_errno(r, …)`. */
#define log_full_errno(level, error, ...) \
	log_internal(level, error, __FILE__, __LINE__, __VA_ARGS__)
#define log_full(level, ...) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
