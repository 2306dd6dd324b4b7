/* SPDX-License-Identifier: MIT */
#pragma once

/* Cleanup helpers in systemd's style; small enough to own. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

/* Take ownership of a pointer, leaving NULL behind. */
#define TAKE_PTR(p)                           \
	({                                    \
		typeof(p) _ptr_ = (p);        \
		(p) = NULL;                   \
		_ptr_;                        \
	})

#define TAKE_FD(fd)                           \
	({                                    \
		int _fd_ = (fd);              \
		(fd) = -EBADF;                \
		_fd_;                         \
	})

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

/* Negative errno from a libc call that returns -1 and sets errno. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

typedef uint64_t usec_t;
#define USEC_PER_SEC ((usec_t)1000000ULL)
#define USEC_PER_MSEC ((usec_t)1000ULL)
