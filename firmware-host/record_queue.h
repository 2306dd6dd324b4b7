/* SPDX-License-Identifier: MIT */
/*
 * What the firmware models of scales that keep their weighings share:
 * a weighing dated by the scale's own clock, the records of one user, a
 * record sent as a notification and forgotten once it is delivered (or
 * all of one user's at once); and, for scales that only send while a
 * client listens, the weighings made meanwhile, frame by frame, sent once
 * it subscribes. Stand-in firmware only: the gateway's code is not
 * shared.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware-host/vdev.h"

/* Every user's records, for vdev_records_notify(). */
#define VDEV_RECORDS_ALL_USERS (-2)

/* The measurement of a "weigh" event as a scale that keeps it: when the
 * event gives no "time", dated clock_now, the scale's clock (seconds since
 * 1970 as the scale counts them: UTC or local). */
int vdev_kept_weighing(struct vdev_device *d, const struct cJSON *ev,
		       int64_t clock_now, struct hv_measurement *ret);

/* How many records user keeps. */
size_t vdev_records_of_user(const struct vdev_records *rs, int user);

/* Queue user's records (VDEV_RECORDS_ALL_USERS: all), oldest first, as
 * notifications "record <seq>" on c, each tagged with its seq for the
 * model's delivered(). */
void vdev_records_notify(struct vdev_device *d, struct vdev_char *c,
			 const struct vdev_records *rs, int user);

/* Forget the record numbered seq; false when there is none. */
bool vdev_records_remove_seq(struct vdev_records *rs, unsigned seq);

/* Forget all of user's records; how many there were. */
size_t vdev_records_remove_user(struct vdev_records *rs, int user);

/* Weighings made while no client listened, each as the frames it goes
 * out as (live ones, then the last). */
#define VDEV_PENDING_MAX 4
#define VDEV_PENDING_FRAMES_MAX 4

struct vdev_weighing {
	size_t n;
	struct hv_frame f[VDEV_PENDING_FRAMES_MAX];
};

struct vdev_pending {
	size_t n;
	struct vdev_weighing w[VDEV_PENDING_MAX];
};

/* Where the next weighing's frames go, NULL when VDEV_PENDING_MAX wait. */
struct vdev_weighing *vdev_pending_slot(struct vdev_pending *p);

/* Keep the weighing built in vdev_pending_slot(): `steps on: KG kg`. */
void vdev_pending_keep(struct vdev_device *d, struct vdev_pending *p,
		       double kg);

/* Queue every kept weighing on c, oldest first, its frames named live
 * and the last one last; none is kept after. */
void vdev_pending_send(struct vdev_device *d, struct vdev_char *c,
		       struct vdev_pending *p, const char *live,
		       const char *last);
