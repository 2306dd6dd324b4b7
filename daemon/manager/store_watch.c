// SPDX-License-Identifier: MIT
/*
 * The store written by someone else. SQLite gives no notification across
 * processes, and the CLI may run as another user who cannot signal the
 * daemon; but any writer closes the files it wrote (at exit at the
 * latest), and the kernel says so (inotify(7): IN_CLOSE_WRITE, on the
 * folder, since SQLite may create the WAL anew). PRAGMA data_version then
 * tells whether a commit of another connection happened (SQLite:
 * pragma.html#pragma_data_version), so the daemon's own writes and a
 * reader's close do nothing.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/manager/store_watch.h"

struct hv_store_watch {
	sd_event_source *source;
	struct hv_store *store;
	char *base; /* the database's file name */
	size_t base_len;
	void (*changed)(void *userdata);
	void *userdata;
};

/* The database itself, or its "-wal" / "-journal" beside it. */
static bool is_store_file(const struct hv_store_watch *w, const char *name)
{
	return strncmp(name, w->base, w->base_len) == 0 &&
	       (name[w->base_len] == '\0' ||
		strcmp(name + w->base_len, "-wal") == 0 ||
		strcmp(name + w->base_len, "-journal") == 0);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev,
		      void *userdata)
{
	struct hv_store_watch *w = userdata;
	int r;

	(void)s;
	if (!(ev->mask & IN_Q_OVERFLOW) &&
	    (ev->len == 0 || !is_store_file(w, ev->name)))
		return 0;
	r = hv_store_changed_elsewhere(w->store);
	if (r < 0)
		log_debug_errno(r, "Cannot read the store's data version: %m");
	if (r != 0)
		w->changed(w->userdata);
	return 0;
}

int hv_store_watch_new(sd_event *event, const char *db_path,
		       struct hv_store *store,
		       void (*changed)(void *userdata), void *userdata,
		       struct hv_store_watch **ret)
{
	_cleanup_free_ char *dir_copy = NULL, *base_copy = NULL;
	struct hv_store_watch *w;
	int r;

	if (!event || !db_path || !store || !changed || !ret)
		return -EINVAL;
	dir_copy = strdup(db_path);
	base_copy = strdup(db_path);
	if (!dir_copy || !base_copy)
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->store = store;
	w->changed = changed;
	w->userdata = userdata;
	w->base = strdup(basename(base_copy));
	if (!w->base) {
		hv_store_watch_free(w);
		return -ENOMEM;
	}
	w->base_len = strlen(w->base);
	/* The first call only sets the mark. */
	(void)hv_store_changed_elsewhere(store);
	r = sd_event_add_inotify(event, &w->source, dirname(dir_copy),
				 IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR,
				 on_inotify, w);
	if (r < 0) {
		hv_store_watch_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

struct hv_store_watch *hv_store_watch_free(struct hv_store_watch *w)
{
	if (!w)
		return NULL;
	sd_event_source_disable_unref(w->source);
	free(w->base);
	free(w);
	return NULL;
}
