/* SPDX-License-Identifier: MIT */
/*
 * org.bluez.Profile1 for the Serial Port Profile (spp_link.h). Facts of
 * BlueZ that shape it (bluez/bluez tag 5.66, doc/profile-api.txt,
 * doc/device-api.txt, src/profile.c, src/device.c):
 *  - RegisterProfile(o, s uuid, a{sv}) with Role "client": bluetoothd
 *    listens on no channel for us, it connects out when a client calls
 *    Device1.ConnectProfile(uuid) and hands the connected RFCOMM socket
 *    to NewConnection(o device, h fd, a{sv}); the fd is ours to close;
 *  - RequestDisconnection(o device) when the profile is disconnected
 *    (Device1.Disconnect), Release() when bluetoothd drops the profile;
 *  - any local client may call our object (the system bus policy lets
 *    it): only the bluetoothd we registered with is answered, a forged
 *    NewConnection is refused and its fd closed (the message owns the
 *    descriptor until we duplicate it, which we do only for bluetoothd).
 * Bounds: one stream per device, HV_SPP_STREAMS_MAX slots, and the
 * reassembly buffer of drivers/stream_packets.h per stream.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/bluez/spp_link.h"
#include "drivers/stream_packets.h"

#define PROFILE_IFACE "org.bluez.Profile1"
#define REJECTED "org.bluez.Error.Rejected"
#define SPP_CLASS 0x1101
#define READ_CHUNK 512
#define SPP_PATH_MAX 192

struct spp_stream {
	struct hv_spp_link *l;
	bool used;
	char path[SPP_PATH_MAX]; /* the Device1 */
	char address[HV_BLUEZ_ADDRESS_MAX];
	char name[HV_BLUEZ_NAME_MAX];
	const struct hv_driver *driver;
	sd_bus_slot *call; /* ConnectProfile in flight */
	int fd; /* -1: none */
	sd_event_source *io;
	uint64_t asked; /* CLOCK_MONOTONIC of the last ConnectProfile */
	struct hv_stream_packets packets;
	unsigned n_packets;
};

struct hv_spp_link {
	sd_event *event;
	sd_bus *bus;
	hv_spp_packet_fn on_packet;
	void *userdata;
	sd_bus_slot *object;
	sd_bus_slot *call_register;
	char *bluez_owner;
	struct spp_stream streams[HV_SPP_STREAMS_MAX];
};

static const char *strna(const char *s)
{
	return s ? s : "n/a";
}

static uint64_t now_usec(const struct hv_spp_link *l)
{
	uint64_t t = 0;

	(void)sd_event_now(l->event, CLOCK_MONOTONIC, &t);
	return t;
}

static struct spp_stream *stream_by_path(struct hv_spp_link *l,
					 const char *path)
{
	for (size_t i = 0; i < HV_SPP_STREAMS_MAX; i++)
		if (l->streams[i].used && strcmp(l->streams[i].path, path) == 0)
			return &l->streams[i];
	return NULL;
}

static void stream_close(struct spp_stream *s, const char *why)
{
	if (s->fd < 0)
		return;
	if (s->packets.len > 0)
		log_info("SPP stream of %s ends %s with %zu bytes of an unfinished packet, dropped",
			 s->address, why, s->packets.len);
	else
		log_info("SPP stream of %s ends %s after %u packets", s->address,
			 why, s->n_packets);
	s->io = sd_event_source_disable_unref(s->io);
	close(s->fd);
	s->fd = -1;
	s->packets.len = 0;
}

static void stream_forget(struct spp_stream *s, const char *why)
{
	stream_close(s, why);
	s->call = sd_bus_slot_unref(s->call);
	s->used = false;
}

static void on_stream_packet(const uint8_t *p, size_t len, void *userdata)
{
	struct spp_stream *s = userdata;
	struct hv_frame frame = {
		.address = s->address,
		.name = s->name[0] ? s->name : NULL,
		.has_characteristic = true,
		.characteristic = hv_uuid16(SPP_CLASS),
	};

	if (len > sizeof(frame.value))
		return;
	memcpy(frame.value, p, len);
	frame.value_len = len;
	s->n_packets++;
	s->l->on_packet(&frame, s->driver, s->l->userdata);
}

/* One read per wakeup: the source is level-triggered, so what is left
 * comes at the next turn, and a device that never stops writing cannot
 * hold the loop. */
static int on_stream_io(sd_event_source *src, int fd, uint32_t revents,
			void *userdata)
{
	struct spp_stream *s = userdata;
	bool overflowed = s->packets.overflowed;
	uint8_t buf[READ_CHUNK];
	ssize_t n;

	(void)src;
	(void)revents;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0) {
		log_info_errno(errno, "SPP stream of %s failed: %m", s->address);
		stream_close(s, "on an error");
		return 0;
	}
	if (n == 0) {
		stream_close(s, "(closed by the device)");
		return 0;
	}
	(void)hv_stream_packets_feed(&s->packets, s->driver, buf, (size_t)n,
				     on_stream_packet, s);
	if (s->packets.overflowed && !overflowed)
		log_warning("SPP stream of %s: %d bytes without a complete packet, dropping bytes up to the next header",
			    s->address, HV_STREAM_BUF_MAX);
	return 0;
}

static int method_new_connection(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct hv_spp_link *l = userdata;
	struct spp_stream *s;
	const char *path;
	int fd, r;

	if (!hv_bluez_sent_by(m, l->bluez_owner)) {
		/* the fd goes with the message, unused */
		log_warning("SPP NewConnection from %s, not bluetoothd: refused",
			    strna(sd_bus_message_get_sender(m)));
		return sd_bus_error_set(ret_error, REJECTED, "Not bluetoothd");
	}
	r = sd_bus_message_read(m, "oh", &path, &fd);
	if (r < 0)
		return r;
	s = stream_by_path(l, path);
	if (!s) {
		log_info("SPP NewConnection for %s, which was not asked for: refused",
			 path);
		return sd_bus_error_set(ret_error, REJECTED, "Not requested");
	}
	if (s->fd >= 0)
		return sd_bus_error_set(ret_error, REJECTED,
					"A stream of this device is open");
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (s->fd < 0) {
		r = -errno;
		log_warning_errno(r, "Failed to keep the SPP socket of %s: %m",
				  s->address);
		return r;
	}
	r = fcntl(s->fd, F_GETFL);
	if (r < 0 || fcntl(s->fd, F_SETFL, r | O_NONBLOCK) < 0) {
		r = -errno;
		stream_close(s, "unopened");
		return r;
	}
	r = sd_event_add_io(l->event, &s->io, s->fd, EPOLLIN, on_stream_io, s);
	if (r < 0) {
		log_warning_errno(r, "Failed to watch the SPP socket of %s: %m",
				  s->address);
		stream_close(s, "unwatched");
		return r;
	}
	memset(&s->packets, 0, sizeof(s->packets));
	s->n_packets = 0;
	log_info("SPP stream of %s (%s) open", s->address, s->driver->id);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_request_disconnection(sd_bus_message *m, void *userdata,
					sd_bus_error *ret_error)
{
	struct hv_spp_link *l = userdata;
	struct spp_stream *s;
	const char *path;
	int r;

	if (!hv_bluez_sent_by(m, l->bluez_owner))
		return sd_bus_error_set(ret_error, REJECTED, "Not bluetoothd");
	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	s = stream_by_path(l, path);
	if (s)
		stream_close(s, "(disconnection requested)");
	return sd_bus_reply_method_return(m, NULL);
}

static int method_release(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	struct hv_spp_link *l = userdata;

	if (!hv_bluez_sent_by(m, l->bluez_owner))
		return sd_bus_error_set(ret_error, REJECTED, "Not bluetoothd");
	log_info("bluetoothd released the SPP profile");
	for (size_t i = 0; i < HV_SPP_STREAMS_MAX; i++)
		if (l->streams[i].used)
			stream_forget(&l->streams[i], "(profile released)");
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable profile_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Release", "", "", method_release, 0),
	SD_BUS_METHOD("NewConnection", "oha{sv}", "", method_new_connection, 0),
	SD_BUS_METHOD("RequestDisconnection", "o", "",
		      method_request_disconnection, 0),
	SD_BUS_VTABLE_END,
};

int hv_spp_link_new(sd_event *event, sd_bus *bus, hv_spp_packet_fn on_packet,
		    void *userdata, struct hv_spp_link **ret)
{
	struct hv_spp_link *l;
	int r;

	if (!event || !bus || !on_packet || !ret)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->event = sd_event_ref(event);
	l->bus = sd_bus_ref(bus);
	l->on_packet = on_packet;
	l->userdata = userdata;
	for (size_t i = 0; i < HV_SPP_STREAMS_MAX; i++) {
		l->streams[i].l = l;
		l->streams[i].fd = -1;
	}
	r = sd_bus_add_object_vtable(bus, &l->object, HV_SPP_PROFILE_PATH,
				     PROFILE_IFACE, profile_vtable, l);
	if (r < 0) {
		hv_spp_link_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

struct hv_spp_link *hv_spp_link_free(struct hv_spp_link *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < HV_SPP_STREAMS_MAX; i++)
		if (l->streams[i].used)
			stream_forget(&l->streams[i], "(the daemon stops)");
	sd_bus_slot_unref(l->call_register);
	sd_bus_slot_unref(l->object);
	sd_bus_unref(l->bus);
	sd_event_unref(l->event);
	free(l->bluez_owner);
	free(l);
	return NULL;
}

static int on_register(sd_bus_message *m, void *userdata,
		       sd_bus_error *ret_error)
{
	struct hv_spp_link *l = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	l->call_register = sd_bus_slot_unref(l->call_register);
	/* AlreadyExists: registered before (same connection). */
	if (e && !sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists"))
		log_warning("RegisterProfile (SPP) failed: %s: %s, stream devices will not work",
			    e->name, strna(e->message));
	else
		log_debug("SPP profile registered at %s", HV_SPP_PROFILE_PATH);
	return 0;
}

int hv_spp_link_register(struct hv_spp_link *l, const char *bluez_owner)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = hv_bluez_owner_set(&l->bluez_owner, bluez_owner);
	if (r < 0)
		return r;

	r = sd_bus_message_new_method_call(l->bus, &m, "org.bluez", "/org/bluez",
					   "org.bluez.ProfileManager1",
					   "RegisterProfile");
	if (r < 0)
		return r;
	(void)sd_bus_message_set_auto_start(m, 0);
	/* Client role: we connect out (ConnectProfile), bluetoothd listens
	 * on no RFCOMM channel for us; no AutoConnect, we choose when. */
	r = sd_bus_message_append(m, "osa{sv}", HV_SPP_PROFILE_PATH, HV_SPP_UUID,
				  3, "Role", "s", "client", "Name", "s",
				  "homevitals serial port", "AutoConnect", "b", 0);
	if (r < 0)
		return r;
	l->call_register = sd_bus_slot_unref(l->call_register);
	r = sd_bus_call_async(l->bus, &l->call_register, m, on_register, l, 0);
	return r < 0 ? r : 0;
}

static int on_connect_profile(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct spp_stream *s = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	s->call = sd_bus_slot_unref(s->call);
	s->asked = now_usec(s->l);
	if (e)
		log_info("ConnectProfile (SPP) to %s failed: %s: %s", s->address,
			 e->name, strna(e->message));
	return 0;
}

/* A free slot, else the one idle the longest (neither streaming nor being
 * asked); NULL when every slot is busy. */
static struct spp_stream *stream_slot(struct hv_spp_link *l)
{
	struct spp_stream *best = NULL;

	for (size_t i = 0; i < HV_SPP_STREAMS_MAX; i++) {
		struct spp_stream *s = &l->streams[i];

		if (!s->used)
			return s;
		if (s->fd >= 0 || s->call)
			continue;
		if (!best || s->asked < best->asked)
			best = s;
	}
	return best;
}

int hv_spp_link_connect(struct hv_spp_link *l, const char *device_path,
			const char *address, const char *name,
			const struct hv_driver *driver)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct spp_stream *s;
	uint64_t now = now_usec(l);
	int r;

	if (!l->bluez_owner || !device_path || !address || !driver ||
	    strlen(device_path) >= SPP_PATH_MAX)
		return -EINVAL;
	s = stream_by_path(l, device_path);
	if (s && (s->fd >= 0 || s->call))
		return -EALREADY;
	if (s && now < s->asked + HV_SPP_RETRY_USEC)
		return -EAGAIN;
	if (!s) {
		s = stream_slot(l);
		if (!s)
			return -EBUSY;
		stream_forget(s, "(slot reused)");
		*s = (struct spp_stream){ .l = l, .used = true, .fd = -1 };
		snprintf(s->path, sizeof(s->path), "%s", device_path);
		snprintf(s->address, sizeof(s->address), "%s", address);
	}
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	s->driver = driver;
	s->asked = now;
	r = sd_bus_message_new_method_call(l->bus, &m, "org.bluez", device_path,
					   "org.bluez.Device1", "ConnectProfile");
	if (r < 0)
		return r;
	(void)sd_bus_message_set_auto_start(m, 0);
	r = sd_bus_message_append(m, "s", HV_SPP_UUID);
	if (r < 0)
		return r;
	r = sd_bus_call_async(l->bus, &s->call, m, on_connect_profile, s, 0);
	if (r < 0)
		return r;
	log_info("Asking %s (%s) for its SPP stream", address, driver->id);
	return 0;
}

size_t hv_spp_link_n_streams(const struct hv_spp_link *l)
{
	size_t n = 0;

	for (size_t i = 0; l && i < HV_SPP_STREAMS_MAX; i++)
		n += l->streams[i].used && l->streams[i].fd >= 0;
	return n;
}

bool hv_spp_link_knows(const struct hv_spp_link *l, const char *address)
{
	for (size_t i = 0; l && i < HV_SPP_STREAMS_MAX; i++)
		if (l->streams[i].used &&
		    strcasecmp(l->streams[i].address, address) == 0)
			return true;
	return false;
}
