// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "firmware-host/record_queue.h"

int vdev_kept_weighing(struct vdev_device *d, const struct cJSON *ev,
		       int64_t clock_now, struct hv_measurement *ret)
{
	struct hv_measurement m;
	int r;

	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	if (!m.has_device_time) {
		hv_datetime_from_unix(clock_now, &m.device_time);
		m.has_device_time = true;
		m.raw_device_time = m.device_time;
		m.has_raw_device_time = true;
	}
	*ret = m;
	return 0;
}

size_t vdev_records_of_user(const struct vdev_records *rs, int user)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += rs->r[i].user == user;
	return n;
}

void vdev_records_notify(struct vdev_device *d, struct vdev_char *c,
			 const struct vdev_records *rs, int user)
{
	char what[32];

	for (size_t i = 0; i < rs->n; i++) {
		if (user != VDEV_RECORDS_ALL_USERS && rs->r[i].user != user)
			continue;
		(void)snprintf(what, sizeof(what), "record %u", rs->r[i].seq);
		(void)vdev_queue_notify_tagged(d, c, rs->r[i].value,
					       rs->r[i].len, what,
					       rs->r[i].seq);
	}
}

bool vdev_records_remove_seq(struct vdev_records *rs, unsigned seq)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].seq == seq) {
			vdev_records_remove(rs, i);
			return true;
		}
	return false;
}

size_t vdev_records_remove_user(struct vdev_records *rs, int user)
{
	size_t n = 0;

	/* from the end: removing shifts the later ones down */
	for (size_t i = rs->n; i-- > 0;)
		if (rs->r[i].user == user) {
			vdev_records_remove(rs, i);
			n++;
		}
	return n;
}

struct vdev_weighing *vdev_pending_slot(struct vdev_pending *p)
{
	return p->n < VDEV_PENDING_MAX ? &p->w[p->n] : NULL;
}

void vdev_pending_keep(struct vdev_device *d, struct vdev_pending *p,
		       double kg)
{
	p->n++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", kg);
}

void vdev_pending_send(struct vdev_device *d, struct vdev_char *c,
		       struct vdev_pending *p, const char *live,
		       const char *last)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct vdev_weighing *w = &p->w[i];

		for (size_t j = 0; j < w->n; j++)
			(void)vdev_queue_notify(d, c, w->f[j].value,
						w->f[j].value_len,
						j + 1 < w->n ? live : last);
	}
	p->n = 0;
}
