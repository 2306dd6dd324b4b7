// SPDX-License-Identifier: MIT
/*
 * Firmware model: iHealth HS3 (HS33FA4A), a Bluetooth Classic scale that
 * streams over the Serial Port Profile (layout and sources in
 * drivers/ihealth_hs3.c, after openScale's IHealthHS3Handler.kt,
 * oliexdev/openScale@f7a733b2). Class "stream over SPP": no GATT, no
 * advertisement data; a BR/EDR inquiry result with its name and the SPP
 * class 0x1101 (vdev_spp_offer()), linked by Device1.ConnectProfile.
 *
 * The scale is awake (heard in inquiry, once a second) only while it holds
 * a weighing, as the real one powers on when stepped on. On a connection
 * it streams a time packet (A0 09 A6 33 and bytes the handler does not
 * read), then each weighing held as the driver's encoder writes its weight
 * packet, in two writes (the first 5 bytes, then the rest, 0.2 s apart:
 * a reader must join them), and closes the stream (the scale powers off).
 *
 * Action "weigh": readings {"body_weight"}; held for the next connection
 * (a weighing made during a connection goes out on the next one).
 * "cut_after": N sends only the first N bytes of that weighing's packet,
 * then closes the stream (a link lost mid-packet).
 *
 * Action "forge_new_connection": not the scale but a hostile local client:
 * from a second bus connection (not org.bluez's owner), call the SPP
 * profile's NewConnection(this device, fd, {}) with one end of a
 * socketpair holding a 55.5 kg weight packet. Prints the reply
 * (`forged NewConnection refused: <error>` or `… accepted`) and
 * `forged stream closed by the client` once every copy of the handed end
 * is closed (EOF on ours), which a client that refuses must do.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "firmware-host/vdev.h"

#define SPP_CLASS 0x1101
#define PENDING_MAX 4
#define PACKET_MAX 16
#define STEP_S 0.2
#define INQUIRY_S 1.0
#define FIRST_WRITE 5

struct hs3_weighing {
	uint8_t packet[PACKET_MAX];
	size_t len;
	size_t cut_after; /* 0: whole */
	double kg;
};

struct hs3_forge {
	sd_bus *bus; /* a client that is not bluetoothd */
	int fd; /* our end */
	sd_event_source *io;
	struct vdev_device *d;
};

struct hs3 {
	bool awake;
	unsigned gen; /* bumped when the stream or the wake ends */
	int fd; /* our end of the stream, -1 none */
	size_t n_pending;
	struct hs3_weighing pending[PENDING_MAX];
	size_t n_sending; /* weighings of this connection */
	size_t step; /* 0 time packet, then two per weighing */
	struct hs3_forge forge;
};

static const uint8_t time_packet[] = { 0xA0, 0x09, 0xA6, 0x33, 0x1a, 0x0c,
				       0x07, 0x12, 0x1e, 0x00 };

static void inquiry_response(struct vdev *v, struct vdev_device *d, void *arg);

static void wake(struct vdev_device *d, struct hs3 *h)
{
	struct hv_frame f = { 0 };

	if (h->awake)
		return;
	h->awake = true;
	h->gen++;
	vdev_advertise(d, &f);
	(void)vdev_after(d->vdev, d, INQUIRY_S, inquiry_response,
			 (void *)(uintptr_t)h->gen, NULL);
}

static void sleep_now(struct vdev_device *d, struct hs3 *h)
{
	if (!h->awake)
		return;
	h->awake = false;
	h->gen++;
	vdev_advert_stop(d);
	d->in_range = false;
	vdev_print(d->vdev, d->id, "powers off");
}

/* Heard in the next inquiry while awake and not linked. */
static void inquiry_response(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct hs3 *h = d->model_data;

	if ((unsigned)(uintptr_t)arg != h->gen || !h->awake)
		return;
	if (!d->connected)
		vdev_bus_advert(d);
	(void)vdev_after(v, d, INQUIRY_S, inquiry_response, arg, NULL);
}

static void stream_end(struct vdev_device *d, struct hs3 *h)
{
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	h->gen++;
	vdev_bus_link_lost(d);
	if (h->n_pending == 0)
		sleep_now(d, h);
	else if (h->awake)
		(void)vdev_after(d->vdev, d, INQUIRY_S, inquiry_response,
				 (void *)(uintptr_t)h->gen, NULL);
}

static bool stream_write(struct vdev_device *d, struct hs3 *h,
			 const uint8_t *p, size_t n)
{
	char hex[3 * PACKET_MAX + 1];

	vdev_hex(p, n, hex, sizeof(hex));
	if (write(h->fd, p, n) != (ssize_t)n) {
		vdev_print(d->vdev, d->id, "stream write failed (%s)", hex);
		return false;
	}
	vdev_print(d->vdev, d->id, "stream %s", hex);
	return true;
}

static void stream_step(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct hs3 *h = d->model_data;
	struct hs3_weighing *w;
	size_t from, to;
	bool ok;

	if ((unsigned)(uintptr_t)arg != h->gen || h->fd < 0)
		return;
	if (h->step == 0) {
		ok = stream_write(d, h, time_packet, sizeof(time_packet));
	} else {
		w = &h->pending[(h->step - 1) / 2];
		from = (h->step % 2) ? 0 : FIRST_WRITE;
		to = (h->step % 2) ? FIRST_WRITE : w->len;
		if (w->cut_after && to > w->cut_after)
			to = w->cut_after;
		ok = from >= to || stream_write(d, h, w->packet + from, to - from);
		if (ok && w->cut_after && to == w->cut_after) {
			vdev_print(v, d->id, "stream cut after %zu bytes of the %.1f kg packet",
				   w->cut_after, w->kg);
			ok = false;
		} else if (ok && to == w->len) {
			vdev_print(v, d->id, "weighing %.1f kg sent", w->kg);
		}
	}
	h->step++;
	if (!ok || h->step > 2 * h->n_sending) {
		/* what went out (or was cut) is not sent again */
		size_t done = h->step / 2;

		if (done > h->n_sending)
			done = h->n_sending;
		memmove(h->pending, h->pending + done,
			(h->n_pending - done) * sizeof(h->pending[0]));
		h->n_pending -= done;
		stream_end(d, h);
		return;
	}
	(void)vdev_after(v, d, STEP_S, stream_step, arg, NULL);
}

static void hs3_spp_connected(struct vdev_device *d, int fd)
{
	struct hs3 *h = d->model_data;

	h->fd = fd;
	h->gen++;
	h->step = 0;
	h->n_sending = h->n_pending;
	(void)vdev_after(d->vdev, d, STEP_S, stream_step,
			 (void *)(uintptr_t)h->gen, NULL);
}

static void hs3_disconnected(struct vdev_device *d)
{
	struct hs3 *h = d->model_data;

	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
		h->gen++;
	}
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct hs3 *h;

	(void)conf;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->forge.fd = -1;
	d->model_data = h;
	vdev_spp_offer(d, hs3_spp_connected);
	return 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	const cJSON *cut = cJSON_GetObjectItemCaseSensitive(ev, "cut_after");
	struct hs3 *h = d->model_data;
	const struct hv_reading *r;
	struct hs3_weighing *w;
	struct hv_measurement m;
	struct hv_frame f;
	int ret;

	if (h->n_pending == PENDING_MAX)
		return -ENOSPC;
	ret = vdev_measurement_from_json(d, ev, &m);
	if (ret < 0)
		return ret;
	m.final = true;
	ret = vdev_encode(d, &m, SPP_CLASS, &f);
	if (ret < 0)
		return ret;
	if (f.value_len > PACKET_MAX)
		return -ENOSPC;
	r = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	w = &h->pending[h->n_pending];
	*w = (struct hs3_weighing){ .len = f.value_len, .kg = r ? r->value : 0 };
	memcpy(w->packet, f.value, f.value_len);
	if (cJSON_IsNumber(cut) && cut->valueint > 0 &&
	    (size_t)cut->valueint < w->len)
		w->cut_after = (size_t)cut->valueint;
	h->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.1f kg", w->kg);
	wake(d, h);
	return 0;
}

static void forge_end(struct hs3_forge *f)
{
	f->io = sd_event_source_disable_unref(f->io);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->bus = sd_bus_flush_close_unref(f->bus);
}

static int on_forge_reply(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	struct hs3_forge *f = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	if (e)
		vdev_print(f->d->vdev, f->d->id, "forged NewConnection refused: %s: %s",
			   e->name, e->message ? e->message : "");
	else
		vdev_print(f->d->vdev, f->d->id, "forged NewConnection accepted");
	return 0;
}

static int on_forge_io(sd_event_source *s, int fd, uint32_t revents,
		       void *userdata)
{
	struct hs3_forge *f = userdata;
	uint8_t buf[64];
	ssize_t n;

	(void)s;
	(void)revents;
	n = read(fd, buf, sizeof(buf));
	if (n > 0 || (n < 0 && errno == EAGAIN))
		return 0;
	vdev_print(f->d->vdev, f->d->id, "forged stream closed by the client");
	/* the bus stays for the reply, which may come after */
	f->io = sd_event_source_disable_unref(f->io);
	close(f->fd);
	f->fd = -1;
	return 0;
}

static int forge_new_connection(struct vdev_device *d)
{
	static const uint8_t packet[] = { 0xA0, 0x09, 0xA6, 0x28, 0, 0, 0, 0, 0,
					  0x05, 0x55 };
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct hs3 *h = d->model_data;
	struct hs3_forge *f = &h->forge;
	const struct hv_uuid spp = hv_uuid16(SPP_CLASS);
	const struct vdev_profile *prof = NULL;
	int sv[2], r;

	for (size_t i = 0; i < VDEV_PROFILES_MAX && !prof; i++)
		if (d->vdev->profiles[i].owner[0] &&
		    hv_uuid_equal(&d->vdev->profiles[i].uuid, &spp))
			prof = &d->vdev->profiles[i];
	if (!prof || f->bus)
		return -EBUSY;
	f->d = d;
	r = sd_bus_open_system(&f->bus);
	if (r >= 0)
		r = sd_bus_attach_event(f->bus, d->vdev->event, 0);
	if (r < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       sv) < 0) {
		r = -errno;
		goto fail;
	}
	f->fd = sv[1];
	r = sd_bus_message_new_method_call(f->bus, &m, prof->owner, prof->path,
					   "org.bluez.Profile1",
					   "NewConnection");
	if (r >= 0)
		r = sd_bus_message_append(m, "oha{sv}", d->path, sv[0], 0);
	/* the message holds its own copy, gone once it is sent */
	if (write(sv[0], packet, sizeof(packet)) != (ssize_t)sizeof(packet) &&
	    r >= 0)
		r = -EIO;
	close(sv[0]);
	if (r >= 0)
		r = sd_event_add_io(d->vdev->event, &f->io, f->fd, EPOLLIN,
				    on_forge_io, f);
	if (r >= 0)
		r = sd_bus_call_async(f->bus, NULL, m, on_forge_reply, f, 0);
	if (r < 0)
		goto fail;
	vdev_print(d->vdev, d->id, "forged NewConnection sent to %s", prof->owner);
	return 0;
fail:
	forge_end(f);
	return r;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	if (strcmp(what, "forge_new_connection") == 0)
		return forge_new_connection(d);
	return -EOPNOTSUPP;
}

static void model_free(struct vdev_device *d)
{
	struct hs3 *h = d->model_data;

	if (h && h->fd >= 0)
		close(h->fd);
	if (h)
		forge_end(&h->forge);
	free(h);
	d->model_data = NULL;
}

const struct vdev_model vdev_model_ihealth_hs3 = {
	.id = "ihealth_hs3",
	.default_driver = "ihealth_hs3",
	.init = init,
	.action = action,
	.disconnected = hs3_disconnected,
	.free = model_free,
};
