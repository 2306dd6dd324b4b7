/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-event.h>

#include "daemon/store/store.h"

/*
 * Another process committed to the store (the CLI's corrections): calls
 * changed() once per such commit, found by inotify on the store's folder
 * (a writer closing the database or its WAL) and confirmed by
 * hv_store_changed_elsewhere(), so the daemon's own writes wake nothing.
 */
struct hv_store_watch;

int hv_store_watch_new(sd_event *event, const char *db_path,
		       struct hv_store *store,
		       void (*changed)(void *userdata), void *userdata,
		       struct hv_store_watch **ret);
struct hv_store_watch *hv_store_watch_free(struct hv_store_watch *w);
