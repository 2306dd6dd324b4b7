// SPDX-License-Identifier: MIT
/*
 * The BlueZ client against a stand-in org.bluez on a private dbus-daemon
 * (started and stopped here): adverts → frames, a SIG-style scale's consent,
 * clock and stored records, a link dropped mid-transfer and retried without
 * loss or duplicates, bluetoothd restarting, the adapter going and coming
 * back, and power loss; bonding through the daemon's Agent1 (Just Works,
 * numeric comparison, a passkey from the config, a wrong one, none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/common/status.h"

#include "daemon/bluez/bluez.h"
#include "daemon/bluez/bluez_props.h"
#include "drivers/bytes.h"
#include "tests/fakes/fake_bluez.h"
#include "tests/unit/bus_config.h"

/* ---- a private bus ------------------------------------------------------- */

static char bus_dir[64];
static char bus_address[256];
static pid_t bus_pid = -1;
/* The bus withholds NameOwnerChanged from everyone (a lost signal). */
static bool bus_deaf;

static int start_bus(void **state)
{
	char conf[128], line[256] = "";
	int pipefd[2];
	ssize_t n;

	(void)state;
	snprintf(bus_dir, sizeof(bus_dir), "/tmp/hv-bluez-test-XXXXXX");
	if (!mkdtemp(bus_dir))
		return -1;
	if (private_bus_write_config(bus_dir,
				     bus_deaf ? "<deny receive_interface=\"org.freedesktop.DBus\" "
						"receive_member=\"NameOwnerChanged\"/>" :
						"",
				     conf, sizeof(conf)) < 0)
		return -1;
	if (pipe(pipefd) < 0)
		return -1;
	bus_pid = fork();
	if (bus_pid < 0)
		return -1;
	if (bus_pid == 0) {
		char fdarg[32];

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		close(pipefd[0]);
		snprintf(fdarg, sizeof(fdarg), "--print-address=%d", pipefd[1]);
		execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nosyslog",
		       "--config-file", conf, fdarg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], line, sizeof(line) - 1);
	close(pipefd[0]);
	if (n <= 0) {
		fprintf(stderr, "dbus-daemon did not start\n");
		return -1;
	}
	line[strcspn(line, "\n")] = '\0';
	snprintf(bus_address, sizeof(bus_address), "%s", line);
	return 0;
}

static int start_deaf_bus(void **state)
{
	bus_deaf = true;
	return start_bus(state);
}

static int stop_bus(void **state)
{
	char path[128];

	(void)state;
	if (bus_pid > 0) {
		kill(bus_pid, SIGTERM);
		waitpid(bus_pid, NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/bus.conf", bus_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bus", bus_dir);
	unlink(path);
	rmdir(bus_dir);
	return 0;
}

/* ---- a SIG-style scale driver, for these tests only ---------------------- */
/*
 * Measurement 0x2A9D value: seq (u8), weight (u16 LE, 0.01 kg).
 * UDS control point 0x2A9F consent: 02 user code(LE16) → 20 02 result.
 * Current Time 0x2A2B: Date Time (7) + day of week + 0 + 0.
 * RACP 0x2A52: 01 01 (all) or 01 03 01 seq(LE16) (from seq) → 06 00 01 code.
 */

static int t_decode(const struct hv_frame *f, struct hv_measurement *m)
{
	if (!f->has_characteristic || !hv_uuid_is16(&f->characteristic, 0x2a9d))
		return -ENODEV;
	hv_measurement_init(m, "test_scale");
	if (f->value_len != 3)
		return hv_measurement_invalid(m, "length %zu", f->value_len);
	m->sequence_number = f->value[0];
	m->final = true;
	return hv_measurement_add(m, HV_METRIC_BODY_WEIGHT,
				  hv_le16(f->value + 1) / 100.0);
}

static int t_consent(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	buf[0] = 0x02;
	buf[1] = (uint8_t)s->user_index;
	hv_put_le16(buf + 2, s->consent_code);
	*ret_len = 4;
	return 0;
}

static int t_consent_answer(struct hv_session *s, const uint8_t *v, size_t n)
{
	(void)s;
	if (n < 3 || v[0] != 0x20 || v[1] != 0x02)
		return HV_VALUE_MORE;
	return v[2] == 0x01 ? HV_VALUE_DONE : -EACCES;
}

static int t_time(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 10)
		return -ENOSPC;
	hv_write_datetime(buf, &s->now_local);
	buf[7] = s->day_of_week;
	buf[8] = buf[9] = 0;
	*ret_len = 10;
	return 0;
}

static int t_racp(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 5)
		return -ENOSPC;
	buf[0] = 0x01;
	if (s->last_sequence < 0) {
		buf[1] = 0x01;
		*ret_len = 2;
		return 0;
	}
	buf[1] = 0x03;
	buf[2] = 0x01;
	hv_put_le16(buf + 3, (uint16_t)(s->last_sequence + 1));
	*ret_len = 5;
	return 0;
}

static int t_racp_answer(struct hv_session *s, const uint8_t *v, size_t n)
{
	(void)s;
	if (n < 4 || v[0] != 0x06)
		return HV_VALUE_MORE;
	return v[3] == 0x01 || v[3] == 0x06 ? HV_VALUE_DONE : -EIO;
}

static const struct hv_step t_steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "181d", .characteristic = "2a9d",
	  .what = "measurements" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "181c", .characteristic = "2a9f",
	  .what = "user control point" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "181d", .characteristic = "2a52",
	  .what = "RACP" },
	{ .op = HV_STEP_WRITE, .characteristic = "2a9f", .payload = t_consent,
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_SKIP_IF_NO_USER,
	  .what = "consent" },
	{ .op = HV_STEP_WAIT, .characteristic = "2a9f",
	  .on_value = t_consent_answer, .timeout_ms = 3000,
	  .flags = HV_STEP_SKIP_IF_NO_USER, .what = "consent answer" },
	{ .op = HV_STEP_WRITE, .service = "1805", .characteristic = "2a2b",
	  .payload = t_time, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "set clock" },
	{ .op = HV_STEP_READ, .characteristic = "2a19",
	  .flags = HV_STEP_OPTIONAL, .what = "battery (absent)" },
	{ .op = HV_STEP_WRITE, .characteristic = "2a52", .payload = t_racp,
	  .flags = HV_STEP_WITH_RESPONSE, .what = "fetch records" },
	{ .op = HV_STEP_WAIT, .characteristic = "2a52",
	  .on_value = t_racp_answer, .timeout_ms = 3000, .what = "records done" },
};

static const struct hv_conversation t_conv = {
	.steps = t_steps,
	.n_steps = ELEMENTSOF(t_steps),
};

static const struct hv_driver t_driver = {
	.id = "test_scale",
	.name = "Test SIG scale",
	.kind = HV_DRIVER_KIND_SCALE,
	.decode = t_decode,
	.conversation = &t_conv,
};

/* The same scale, on a link that must be bonded first. */
static const struct hv_conversation t_bond_conv = {
	.steps = t_steps,
	.n_steps = ELEMENTSOF(t_steps),
	.needs_bonding = true,
};

static const struct hv_driver t_bond_driver = {
	.id = "test_scale",
	.name = "Test SIG scale (bonded)",
	.kind = HV_DRIVER_KIND_SCALE,
	.decode = t_decode,
	.conversation = &t_bond_conv,
};

static const struct hv_driver *t_select(const struct hv_frame *f)
{
	if (hv_frame_name_starts_with(f, "Bond Scale"))
		return &t_bond_driver;
	return hv_frame_name_starts_with(f, "SIG Scale") ? &t_driver : NULL;
}

/* ---- the test context ------------------------------------------------------ */

#define ADDR_MI "C8:47:8C:00:00:01"
#define ADDR_SIG "D0:00:00:00:00:02"
#define ADDR_FORGED "C8:47:8C:00:00:66"
#define PATH_FORGED "/org/bluez/hci0/dev_C8_47_8C_00_00_66"

struct ctx {
	sd_event *event;
	sd_bus *bus;
	struct fake_bluez *fake;
	struct hv_bluez *bluez;
	struct hv_config cfg;
	struct hv_config_device dev_cfg;
	sd_event_source *advertiser;
	struct fake_device *advertising[2];

	int state;
	unsigned n_states_missing, n_states_ok;
	unsigned n_adverts;
	unsigned n_advert_changes, last_carried;
	unsigned n_forged_adverts; /* frames for ADDR_FORGED */
	struct hv_frame last_frame;
	char last_address[HV_BLUEZ_ADDRESS_MAX];
	char last_name[HV_BLUEZ_NAME_MAX];

	unsigned n_measurements;
	int seqs[32];
	double weights[32];
	unsigned n_done;
	int results[8];
	uint64_t done_at[8];
	int32_t stored_sequence; /* what a store would persist */
	int32_t prepared_sequence[8];
	uint8_t prepared_random[8][32]; /* session.random as prepared */
	unsigned n_prepared;
	unsigned n_prepared_unknown; /* sessions with unconfigured devices */
	unsigned n_prepared_all;
	char prepared_address[4][HV_BLUEZ_ADDRESS_MAX]; /* in session order */

	/* the fake scale */
	struct fake_char *c_meas, *c_ucp, *c_time, *c_racp;
	int drop_after;
	int refuse_seq; /* the store refuses this record once; 0 never */
	uint8_t time_written[10];
	size_t time_len;
	unsigned consent_ok;

	/* a survey (hv_bluez_survey): its events in order, as text */
	unsigned n_events;
	char events[16][96];
	unsigned n_survey_done;
	int survey_result;
	unsigned n_writes;

	/* the Device Information Service, as a store would keep it */
	bool dis_known;
	unsigned n_dis_wanted, n_dis_given, n_dis_frames;
	struct hv_dis dis;
};

static void cb_advert(const struct hv_frame *f, void *userdata)
{
	struct ctx *c = userdata;

	c->n_adverts++;
	if (f->address && strcmp(f->address, ADDR_FORGED) == 0)
		c->n_forged_adverts++;
	c->last_frame = *f;
	snprintf(c->last_address, sizeof(c->last_address), "%s", f->address ? f->address : "");
	snprintf(c->last_name, sizeof(c->last_name), "%s", f->name ? f->name : "");
}

static void cb_advert_change(const struct hv_frame *f, unsigned carried,
			     void *userdata)
{
	struct ctx *c = userdata;

	(void)f;
	c->n_advert_changes++;
	c->last_carried = carried;
}

/* Raw values come with the session's driver; decoded here as the daemon's
 * ingest does. */
static int cb_gatt_value(const struct hv_frame *f, const struct hv_driver *d,
			 void *userdata)
{
	struct ctx *c = userdata;
	struct hv_measurement m;

	assert_string_equal(f->address, ADDR_SIG);
	assert_true(f->has_characteristic);
	assert_true(d == &t_driver || d == &t_bond_driver);
	if (hv_dis_field_of(&f->characteristic) >= 0)
		c->n_dis_frames++;
	hv_measurement_init(&m, d->id);
	if (d->decode(f, &m) != 0 || m.status != HV_STATUS_OK)
		return -1;
	if (c->refuse_seq && m.sequence_number == c->refuse_seq) {
		c->refuse_seq = 0;
		return -EIO; /* disk full, busy, I/O error */
	}
	if (c->n_measurements < 32) {
		c->seqs[c->n_measurements] = m.sequence_number;
		c->weights[c->n_measurements] = m.readings[0].value;
	}
	c->n_measurements++;
	return m.sequence_number;
}

static void cb_state(enum hv_adapter_state state, const char *name,
		     void *userdata)
{
	struct ctx *c = userdata;

	(void)name;
	c->state = state;
	if (state == HV_ADAPTER_MISSING)
		c->n_states_missing++;
	if (state == HV_ADAPTER_OK)
		c->n_states_ok++;
}

static void cb_prepare(const char *address, const struct hv_driver *d,
		       struct hv_session *s, void *userdata)
{
	struct ctx *c = userdata;

	(void)d;
	if (c->n_prepared_all < 4)
		snprintf(c->prepared_address[c->n_prepared_all],
			 HV_BLUEZ_ADDRESS_MAX, "%s", address);
	c->n_prepared_all++;
	if (strcmp(address, ADDR_SIG) != 0) {
		c->n_prepared_unknown++;
		return; /* a stranger: no config entry */
	}
	/* From the config entry. */
	assert_int_equal(s->user_index, 1);
	assert_int_equal(s->consent_code, 1234);
	s->last_sequence = c->stored_sequence;
	if (c->n_prepared < 8) {
		c->prepared_sequence[c->n_prepared] = s->last_sequence;
		memcpy(c->prepared_random[c->n_prepared], s->random,
		       sizeof(s->random));
	}
	c->n_prepared++;
}

static void cb_done(const char *address, const struct hv_driver *d,
		    const struct hv_session *s, int result, void *userdata)
{
	struct ctx *c = userdata;

	if (d == &hv_bluez_survey_driver) {
		c->n_survey_done++;
		c->survey_result = result;
		return;
	}
	if (strcmp(address, ADDR_SIG) != 0)
		return; /* counted by cb_prepare */
	if (c->n_done < 8) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		c->results[c->n_done] = result;
		c->done_at[c->n_done] = (uint64_t)ts.tv_sec * 1000000u +
					(uint64_t)ts.tv_nsec / 1000u;
	}
	c->n_done++;
	if (s->last_sequence > c->stored_sequence)
		c->stored_sequence = s->last_sequence;
}

static bool cb_dis_wanted(const char *address, void *userdata)
{
	struct ctx *c = userdata;

	assert_string_equal(address, ADDR_SIG);
	c->n_dis_wanted++;
	return !c->dis_known;
}

static void cb_dis(const char *address, const struct hv_dis *dis,
		   void *userdata)
{
	struct ctx *c = userdata;

	assert_string_equal(address, ADDR_SIG);
	/* before the driver's steps: nothing measured yet */
	assert_int_equal(c->n_measurements, 0);
	c->n_dis_given++;
	c->dis = *dis;
	c->dis_known = true;
}

static void cb_gatt_event(const struct hv_gatt_event *e, void *userdata)
{
	static const char *const kinds[] = { "service", "characteristic",
					     "read", "notify" };
	struct ctx *c = userdata;
	char service[HV_UUID_STRING_MAX], chr[HV_UUID_STRING_MAX];
	char *text;
	size_t len;

	if (c->n_events >= 16)
		return;
	text = c->events[c->n_events++];
	hv_uuid_format_short(&e->service, service);
	hv_uuid_format_short(&e->characteristic, chr);
	switch (e->kind) {
	case HV_GATT_EVENT_SERVICE:
		snprintf(text, 96, "%s %s %s", e->address, kinds[e->kind], service);
		break;
	case HV_GATT_EVENT_CHARACTERISTIC:
		snprintf(text, 96, "%s %s %s/%s %x", e->address, kinds[e->kind],
			 service, chr, e->flags);
		break;
	default:
		len = (size_t)snprintf(text, 96, "%s %s %s %s ", e->address,
				       kinds[e->kind], e->name ? e->name : "-",
				       chr);
		for (size_t i = 0; i < e->len && len + 3 < 96; i++, len += 2)
			snprintf(text + len, 3, "%02x", e->value[i]);
		break;
	}
}

static const struct hv_bluez_callbacks callbacks = {
	.gatt_event = cb_gatt_event,
	.device_info_wanted = cb_dis_wanted,
	.device_info = cb_dis,
	.advert = cb_advert,
	.advert_change = cb_advert_change,
	.gatt_value = cb_gatt_value,
	.state_changed = cb_state,
	.session_prepare = cb_prepare,
	.session_done = cb_done,
};

/* The fake scale's answers to writes. */
static void scale_write(struct fake_char *ch, const uint8_t *v, size_t n,
			void *userdata)
{
	struct ctx *c = userdata;

	if (ch == c->c_ucp && n == 4 && v[0] == 0x02) {
		bool ok = v[1] == 1 && hv_le16(v + 2) == 1234;

		c->consent_ok += ok;
		fake_char_notify(ch, (const uint8_t[]){ 0x20, 0x02, ok ? 0x01 : 0x05 }, 3);
	} else if (ch == c->c_time) {
		c->time_len = n < 10 ? n : 10;
		memcpy(c->time_written, v, c->time_len);
	} else if (ch == c->c_racp && n >= 2 && v[0] == 0x01) {
		int from = v[1] == 0x01 ? 1 : (n >= 5 ? hv_le16(v + 3) : 99);

		for (int seq = from; seq <= 5; seq++) {
			uint8_t rec[3] = { (uint8_t)seq };

			hv_put_le16(rec + 1, (uint16_t)(7000 + seq * 10));
			fake_char_notify(c->c_meas, rec, 3);
			if (seq == c->drop_after) {
				c->drop_after = 0;
				fake_device_drop(ch->dev);
				return;
			}
		}
		fake_char_notify(ch, (const uint8_t[]){ 0x06, 0x00, 0x01,
							from <= 5 ? 0x01 : 0x06 },
				 4);
	}
}

static int on_advertise(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctx *c = userdata;

	(void)usec;
	for (size_t i = 0; i < 2; i++)
		if (c->advertising[i])
			fake_device_advert(c->advertising[i]);
	sd_event_source_set_time_relative(s, 100 * USEC_PER_MSEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct hv_bluez_tuning t;

	assert_non_null(c);
	c->state = -1;
	c->stored_sequence = -1;
	assert_int_equal(sd_event_new(&c->event), 0);
	assert_int_equal(fake_bluez_new(c->event, bus_address, &c->fake), 0);

	assert_true(sd_bus_new(&c->bus) >= 0);
	assert_true(sd_bus_set_address(c->bus, bus_address) >= 0);
	assert_true(sd_bus_set_bus_client(c->bus, 1) >= 0);
	assert_true(sd_bus_start(c->bus) >= 0);
	assert_true(sd_bus_attach_event(c->bus, c->event, 0) >= 0);

	c->dev_cfg = (struct hv_config_device){
		.address = (char *)ADDR_SIG,
		.user_index = 1,
		.consent_code = 1234,
	};
	c->cfg.bluetooth.connect_timeout_s = 5;
	c->cfg.bluetooth.n_devices = 1;
	c->cfg.bluetooth.devices = &c->dev_cfg;

	assert_int_equal(hv_bluez_new(c->event, c->bus, &c->cfg, &callbacks, c,
				      &c->bluez),
			 0);
	hv_bluez_get_tuning(c->bluez, &t);
	t.select = t_select;
	t.retry = 200 * USEC_PER_MSEC;
	t.watchdog = 200 * USEC_PER_MSEC;
	t.gatt.backoff_base = 300 * USEC_PER_MSEC;
	t.gatt.absence = 3 * USEC_PER_SEC;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_int_equal(sd_event_add_time_relative(c->event, &c->advertiser,
						    CLOCK_MONOTONIC,
						    100 * USEC_PER_MSEC, 0,
						    on_advertise, c),
			 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	sd_event_source_disable_unref(c->advertiser);
	hv_bluez_free(c->bluez);
	fake_bluez_free(c->fake);
	sd_bus_flush_close_unref(c->bus);
	sd_event_unref(c->event);
	free(c);
	return 0;
}

static usec_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (usec_t)ts.tv_sec * USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

#define RUN_UNTIL(c, cond, seconds)                                      \
	({                                                               \
		usec_t end_ = mono() + (usec_t)((seconds) * USEC_PER_SEC); \
		while (!(cond) && mono() < end_)                         \
			sd_event_run((c)->event, 50 * USEC_PER_MSEC);    \
		(cond);                                                  \
	})

static void run_for(struct ctx *c, double seconds)
{
	usec_t end = mono() + (usec_t)(seconds * USEC_PER_SEC);

	while (mono() < end)
		sd_event_run(c->event, 50 * USEC_PER_MSEC);
}

static struct fake_device *add_sig_scale(struct ctx *c)
{
	struct fake_device *d = fake_bluez_add_device(c->fake, ADDR_SIG, "SIG Scale 1");

	assert_non_null(d);
	d->on_write = scale_write;
	d->userdata = c;
	c->c_meas = fake_device_add_char(d, 0x181d, 0x2a9d, HV_GATT_INDICATE);
	c->c_racp = fake_device_add_char(d, 0x181d, 0x2a52,
					 HV_GATT_WRITE | HV_GATT_INDICATE);
	c->c_ucp = fake_device_add_char(d, 0x181c, 0x2a9f,
					HV_GATT_WRITE | HV_GATT_INDICATE);
	c->c_time = fake_device_add_char(d, 0x1805, 0x2a2b,
					 HV_GATT_READ | HV_GATT_WRITE | HV_GATT_NOTIFY);
	return d;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_adverts_to_frames(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d;
	const struct hv_service_data *sd;
	const struct hv_manufacturer_data *md;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	assert_true(c->fake->discovering);
	/* The filter 5.66 needs for one signal per advert. */
	assert_int_equal(c->fake->filter_duplicate, 1);
	assert_string_equal(c->fake->filter_transport, "le");
	assert_true(c->fake->n_register_agent >= 1);

	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	fake_device_set_manufacturer_data(d, 0x0157, (const uint8_t[]){ 0xcc, 0xdd }, 2);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 3, 5));
	assert_string_equal(c->last_address, ADDR_MI);
	assert_string_equal(c->last_name, "MI SCALE2");
	assert_int_equal(c->last_frame.rssi, -60);
	sd = hv_frame_service_data(&c->last_frame, 0x181d);
	assert_non_null(sd);
	assert_int_equal(sd->len, 3);
	assert_memory_equal(sd->data, ((const uint8_t[]){ 0x22, 0x98, 0x3a }), 3);
	md = hv_frame_manufacturer_data(&c->last_frame, 0x0157);
	assert_non_null(md);
	assert_int_equal(md->len, 4);
	assert_memory_equal(md->data, ((const uint8_t[]){ 0x57, 0x01, 0xcc, 0xdd }), 4);

	/* A changed advert is seen as such. */
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x02, 0x10, 0x27 }, 3);
	assert_true(RUN_UNTIL(c, hv_frame_service_data(&c->last_frame, 0x181d)->data[0] == 0x02, 3));
	/* No driver with a conversation claims it: never connected. */
	assert_int_equal(d->n_connects, 0);

	/* advert_change says what each signal carried: a repeated advert
	 * its data again, an RSSI-only change only RSSI. */
	assert_int_equal(c->n_advert_changes, c->n_adverts);
	c->advertising[0] = NULL;
	run_for(c, 0.3);
	c->n_adverts = 0;
	c->n_advert_changes = 0;
	assert_true(fake_device_advert(d) >= 0);
	assert_true(RUN_UNTIL(c, c->n_advert_changes == 1, 3));
	assert_int_equal(c->last_carried, HV_PROP_RSSI | HV_PROP_SERVICE_DATA |
						  HV_PROP_MANUFACTURER_DATA);
	d->rssi = -71;
	assert_true(sd_bus_emit_properties_changed(c->fake->bus, d->path,
						   "org.bluez.Device1", "RSSI",
						   NULL) >= 0);
	assert_true(RUN_UNTIL(c, c->n_advert_changes == 2, 3));
	assert_int_equal(c->last_carried, HV_PROP_RSSI);
	assert_int_equal(c->n_adverts, 2);
}

static void check_records(struct ctx *c)
{
	assert_int_equal(c->n_measurements, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(c->seqs[i], i + 1);
		assert_true(c->weights[i] > 70.0 + (i + 1) * 0.1 - 0.001 &&
			    c->weights[i] < 70.0 + (i + 1) * 0.1 + 0.001);
	}
}

static void test_sig_scale_session(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_sig_scale(c);
	struct hv_datetime dt;
	struct tm tm;
	time_t now;

	d->resolved_before_gatt = true; /* Pitfall 9, the rarer order */
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	assert_int_equal(c->consent_ok, 1);
	check_records(c);
	assert_int_equal(c->stored_sequence, 5);
	assert_int_equal(c->prepared_sequence[0], -1);

	/* The clock written is our local time, with the day of the week. */
	assert_int_equal(c->time_len, 10);
	hv_read_datetime(c->time_written, &dt);
	now = time(NULL);
	localtime_r(&now, &tm);
	assert_int_equal(dt.year, tm.tm_year + 1900);
	assert_int_equal(dt.month, tm.tm_mon + 1);
	assert_true(llabs(hv_datetime_to_unix(&dt) -
			  hv_datetime_to_unix(&(struct hv_datetime){
				  .year = (uint16_t)(tm.tm_year + 1900),
				  .month = (uint8_t)(tm.tm_mon + 1),
				  .day = (uint8_t)tm.tm_mday,
				  .hour = (uint8_t)tm.tm_hour,
				  .minute = (uint8_t)tm.tm_min,
				  .second = (uint8_t)tm.tm_sec })) < 30);
	assert_int_equal(c->time_written[7], tm.tm_wday == 0 ? 7 : tm.tm_wday);

	/* Disconnected at the end, and no reconnect while it keeps
	 * advertising (cool-down). */
	assert_true(RUN_UNTIL(c, !d->connected, 5));
	assert_true(d->n_disconnects >= 1);
	run_for(c, 1.5);
	assert_int_equal(d->n_connects, 1);
	assert_int_equal(c->n_done, 1);

	/* It goes quiet, comes back (a new weigh-in): connected again, and
	 * only newer records are asked for (none). */
	c->advertising[0] = NULL;
	run_for(c, 3.5);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 15));
	assert_int_equal(c->results[1], 0);
	assert_int_equal(c->prepared_sequence[1], 5);
	assert_int_equal(d->n_connects, 2);
	check_records(c);
	/* Each session got its own random bytes (drivers draw none). */
	assert_memory_not_equal(c->prepared_random[0], c->prepared_random[1],
				32);
	assert_memory_not_equal(c->prepared_random[0], (uint8_t[32]){ 0 }, 32);
}

/* A device with the Device Information Service: its strings are read
 * before the driver's steps, handed over once (not as frames), and the
 * next session, the information being known, does not read them again;
 * the measurements arrive all the same. */
static void test_device_information(void **state)
{
	static const uint8_t system_id[8] = { 0x11, 0x22, 0x33, 0xFE,
					      0xFF, 0x44, 0x55, 0x66 };
	struct ctx *c = *state;
	struct fake_device *d = add_sig_scale(c);
	struct fake_char *ch;

	ch = fake_device_add_char(d, 0x180a, 0x2a29, HV_GATT_READ);
	memcpy(ch->value, "Acme \x01Health", 13);
	ch->value_len = 13;
	ch = fake_device_add_char(d, 0x180a, 0x2a25, HV_GATT_READ);
	memcpy(ch->value, "SN-9", 4);
	ch->value_len = 4;
	ch = fake_device_add_char(d, 0x180a, 0x2a23, HV_GATT_READ);
	memcpy(ch->value, system_id, 8);
	ch->value_len = 8;
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	assert_int_equal(c->consent_ok, 1);
	check_records(c);
	assert_int_equal(c->n_dis_wanted, 1);
	assert_int_equal(c->n_dis_given, 1);
	assert_int_equal(c->n_dis_frames, 0);
	assert_string_equal(c->dis.value[HV_DIS_MANUFACTURER], "Acme ?Health");
	assert_string_equal(c->dis.value[HV_DIS_SERIAL], "SN-9");
	assert_string_equal(c->dis.value[HV_DIS_SYSTEM_ID],
			    "11-22-33-FE-FF-44-55-66");
	assert_string_equal(c->dis.value[HV_DIS_MODEL], "");

	/* Back after a while: a session without the reads. */
	c->advertising[0] = NULL;
	run_for(c, 3.5);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 15));
	assert_int_equal(c->results[1], 0);
	assert_int_equal(c->n_dis_wanted, 2);
	assert_int_equal(c->n_dis_given, 1);
	assert_int_equal(c->n_dis_frames, 0);
	assert_int_equal(d->n_connects, 2);
}

/* The store refuses record 3 (the later ones are stored): the session
 * must not advance past it, so the next one asks for 3 again. */
static void test_refused_record_asked_again(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_sig_scale(c);

	c->refuse_seq = 3;
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	assert_int_equal(c->stored_sequence, 2);
	/* away and back: a new session */
	assert_true(RUN_UNTIL(c, !d->connected, 5));
	c->advertising[0] = NULL;
	run_for(c, 3.5);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 15));
	assert_int_equal(c->results[1], 0);
	assert_int_equal(c->prepared_sequence[1], 2);
	assert_int_equal(c->stored_sequence, 5);
	/* 1, 2, 4, 5, then 3, 4, 5 again: every record got stored */
	assert_int_equal(c->n_measurements, 7);
	assert_int_equal(c->seqs[4], 3);
}

static void test_drop_mid_transfer_retried(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_sig_scale(c);

	c->drop_after = 3;
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 20));
	assert_int_equal(c->results[0], -ECONNRESET);
	assert_int_equal(c->results[1], 0);
	/* The retry asked for what came after record 3. */
	assert_int_equal(c->prepared_sequence[0], -1);
	assert_int_equal(c->prepared_sequence[1], 3);
	/* 1..5, each exactly once. */
	check_records(c);
	assert_int_equal(d->n_connects, 2);
}

/* 0x2A9D as a notify-only characteristic; offer: bluetoothd exports
 * NotifyAcquired (5.66 gatt-client.c); refuse: AcquireNotify fails anyway. */
static struct fake_device *add_notify_scale(struct ctx *c, bool offer,
					    bool refuse)
{
	struct fake_device *d = add_sig_scale(c);

	c->c_meas->flags = HV_GATT_NOTIFY;
	c->c_meas->offer_acquire = offer;
	c->c_meas->refuse_acquire = refuse;
	return d;
}

static void test_acquire_notify(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_notify_scale(c, true, false);

	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	/* records through the socket, in order, before RACP's "done" */
	check_records(c);
	assert_int_equal(c->c_meas->n_acquire, 1);
	assert_int_equal(c->c_meas->n_start_notify, 0);
	/* indications still need StartNotify */
	assert_int_equal(c->c_racp->n_acquire, 0);
	assert_int_equal(c->c_racp->n_start_notify, 1);
	/* the socket was released with the link */
	assert_true(RUN_UNTIL(c, !d->connected, 5));
	assert_int_equal(c->c_meas->acquired_fd, -1);
}

static void test_acquire_notify_drop_retried(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_notify_scale(c, true, false);

	c->drop_after = 3;
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 20));
	assert_int_equal(c->results[0], -ECONNRESET);
	assert_int_equal(c->results[1], 0);
	assert_int_equal(c->prepared_sequence[1], 3);
	check_records(c);
	assert_int_equal(c->c_meas->n_acquire, 2);
	assert_int_equal(c->c_meas->n_start_notify, 0);
}

static void test_notify_without_acquire(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_notify_scale(c, false, false);

	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	check_records(c);
	assert_int_equal(c->c_meas->n_acquire, 0);
	assert_int_equal(c->c_meas->n_start_notify, 1);
}

static void test_acquire_refused_falls_back(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_notify_scale(c, true, true);

	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	check_records(c);
	assert_int_equal(c->c_meas->n_acquire, 0);
	assert_int_equal(c->c_meas->n_start_notify, 1);
}

/* No advert for `stall` while discovering, from devices heard before:
 * StopDiscovery + StartDiscovery (docs/bluez.md; 5 minutes in service, 1 s
 * here). */
static void test_stall_restarts_discovery(void **state)
{
	struct ctx *c = *state;
	struct hv_bluez_tuning t;
	struct fake_device *d;
	unsigned starts;

	hv_bluez_get_tuning(c->bluez, &t);
	t.stall = 1 * USEC_PER_SEC;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK && c->fake->discovering, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	assert_true(fake_device_advert(d) >= 0);
	assert_true(RUN_UNTIL(c, c->n_adverts >= 1, 5));
	starts = c->fake->n_start_discovery;
	/* silent radio: restarted, and again after another quiet second */
	assert_true(RUN_UNTIL(c, c->fake->n_start_discovery >= starts + 2, 5));
	assert_true(c->fake->discovering);
	assert_int_equal(c->state, HV_ADAPTER_OK);
}

/* Adapter up, no device: the watchdog sleeps, so a silent radio is left
 * alone (Discovering=false says when a discovery stops); an idle gateway
 * does not wake for it. */
static void test_no_device_watchdog_sleeps(void **state)
{
	struct ctx *c = *state;
	struct hv_bluez_tuning t;
	unsigned starts;

	hv_bluez_get_tuning(c->bluez, &t);
	t.stall = 1 * USEC_PER_SEC;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK && c->fake->discovering, 5));
	starts = c->fake->n_start_discovery;
	run_for(c, 2.5);
	assert_int_equal(c->fake->n_start_discovery, starts);
	assert_true(c->fake->discovering);
}

/* While adverts arrive, no restart. */
static void test_no_stall_restart_while_adverts(void **state)
{
	struct ctx *c = *state;
	struct hv_bluez_tuning t;
	struct fake_device *d;
	unsigned starts;

	hv_bluez_get_tuning(c->bluez, &t);
	t.stall = 1 * USEC_PER_SEC;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK && c->fake->discovering, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 1, 5));
	starts = c->fake->n_start_discovery;
	run_for(c, 2.5);
	assert_int_equal(c->fake->n_start_discovery, starts);
}

/* A device not seen for bluetooth.stale_device_s is removed; one that
 * keeps advertising is not. */
static void test_stale_device_removed(void **state)
{
	struct ctx *c = *state;
	struct fake_device *quiet, *busy;

	c->cfg.bluetooth.stale_device_s = 1;
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	quiet = fake_bluez_add_device(c->fake, "C8:47:8C:00:00:03", "QUIET");
	busy = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	c->advertising[0] = quiet;
	c->advertising[1] = busy;
	assert_true(RUN_UNTIL(c, quiet->exported && busy->exported, 5));
	c->advertising[0] = NULL;
	assert_true(RUN_UNTIL(c, !quiet->exported, 5));
	run_for(c, 1.5);
	assert_true(busy->exported);
}

/* NameOwnerChanged lost (withheld by this bus): bluetoothd crashing is
 * still noticed — its adverts stop, and at the end of the quiet time the
 * watchdog asks the bus who owns org.bluez — and a new bluetoothd found;
 * capture resumes. */
static void test_lost_name_owner_changed(void **state)
{
	struct ctx *c = *state;
	struct hv_bluez_tuning t;
	struct fake_device *d;
	unsigned adverts, discovery;

	hv_bluez_get_tuning(c->bluez, &t);
	t.stall = 1 * USEC_PER_SEC;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 2, 5));

	fake_bluez_crash(c->fake);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_MISSING, 10));

	discovery = c->fake->n_start_discovery;
	assert_true(fake_bluez_restart(c->fake) >= 0);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 15));
	assert_true(c->fake->n_start_discovery > discovery);
	adverts = c->n_adverts;
	assert_true(RUN_UNTIL(c, c->n_adverts >= adverts + 3, 5));

	/* Replaced at once (no gap to see): the new name is found all the
	 * same, and its signals believed. */
	discovery = c->fake->n_start_discovery;
	assert_true(fake_bluez_restart(c->fake) >= 0);
	assert_true(RUN_UNTIL(c, c->fake->n_start_discovery > discovery &&
					 c->state == HV_ADAPTER_OK, 15));
	adverts = c->n_adverts;
	assert_true(RUN_UNTIL(c, c->n_adverts >= adverts + 3, 5));
}

/* ---- forged signals from another local client --------------------------------- */

/* A Device1 property dictionary with Mi Scale service data (a stored
 * 72.5 kg weighing), as bluetoothd would send it. */
static void append_forged_device_props(sd_bus_message *m)
{
	static const uint8_t sd[] = { 0x22, 0x52, 0x38, 0xb2, 0x07, 0x01,
				      0x07, 0x16, 0x12, 0x00, 0x00 };

	assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
	assert_true(sd_bus_message_append(m, "{sv}", "Address", "s",
					  ADDR_FORGED) >= 0);
	assert_true(sd_bus_message_append(m, "{sv}", "Name", "s",
					  "MI SCALE2") >= 0);
	assert_true(sd_bus_message_append(m, "{sv}", "RSSI", "n",
					  (int16_t)-40) >= 0);
	assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
	assert_true(sd_bus_message_append(m, "s", "ServiceData") >= 0);
	assert_true(sd_bus_message_open_container(m, 'v', "a{sv}") >= 0);
	assert_true(sd_bus_message_open_container(m, 'a', "{sv}") >= 0);
	assert_true(sd_bus_message_open_container(m, 'e', "sv") >= 0);
	assert_true(sd_bus_message_append(m, "s",
					  "0000181d-0000-1000-8000-00805f9b34fb") >= 0);
	assert_true(sd_bus_message_open_container(m, 'v', "ay") >= 0);
	assert_true(sd_bus_message_append_array(m, 'y', sd, sizeof(sd)) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
	assert_true(sd_bus_message_close_container(m) >= 0);
}

/* A signal sent by `from` to the daemon's connection only (unicast): the
 * stock system bus policy lets any local user do this. */
static sd_bus_message *forged_signal(sd_bus *from, struct ctx *c,
				     const char *path, const char *iface,
				     const char *member)
{
	sd_bus_message *m = NULL;
	const char *daemon_name;

	assert_true(sd_bus_get_unique_name(c->bus, &daemon_name) >= 0);
	assert_true(sd_bus_message_new_signal(from, &m, path, iface, member) >= 0);
	assert_true(sd_bus_message_set_destination(m, daemon_name) >= 0);
	return m;
}

static void send_forged_adverts(sd_bus *from, struct ctx *c)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *added = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *changed = NULL;

	added = forged_signal(from, c, "/", "org.freedesktop.DBus.ObjectManager",
			      "InterfacesAdded");
	assert_true(sd_bus_message_append(added, "o", PATH_FORGED) >= 0);
	assert_true(sd_bus_message_open_container(added, 'a', "{sa{sv}}") >= 0);
	assert_true(sd_bus_message_open_container(added, 'e', "sa{sv}") >= 0);
	assert_true(sd_bus_message_append(added, "s", "org.bluez.Device1") >= 0);
	append_forged_device_props(added);
	assert_true(sd_bus_message_close_container(added) >= 0);
	assert_true(sd_bus_message_close_container(added) >= 0);
	assert_true(sd_bus_send(from, added, NULL) >= 0);

	changed = forged_signal(from, c, PATH_FORGED,
				"org.freedesktop.DBus.Properties",
				"PropertiesChanged");
	assert_true(sd_bus_message_append(changed, "s", "org.bluez.Device1") >= 0);
	append_forged_device_props(changed);
	assert_true(sd_bus_message_append(changed, "as", 0) >= 0);
	assert_true(sd_bus_send(from, changed, NULL) >= 0);
}

/* "org.bluez left the bus", from a client rather than the bus driver. */
static void send_forged_owner_lost(sd_bus *from, struct ctx *c)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	const char *owner;

	assert_true(sd_bus_call_method(from, "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus", "GetNameOwner",
				       &e, &reply, "s", "org.bluez") >= 0);
	assert_true(sd_bus_message_read(reply, "s", &owner) >= 0);
	m = forged_signal(from, c, "/org/freedesktop/DBus",
			  "org.freedesktop.DBus", "NameOwnerChanged");
	assert_true(sd_bus_message_append(m, "sss", "org.bluez", owner, "") >= 0);
	assert_true(sd_bus_send(from, m, NULL) >= 0);
	sd_bus_error_free(&e);
}

/* Only bluetoothd speaks for BlueZ: another local client's unicast
 * InterfacesAdded/PropertiesChanged with scale data delivers no frame, and
 * its NameOwnerChanged does not stop capture. */
static void test_forged_signals_ignored(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d;
	sd_bus *intruder = NULL;
	unsigned adverts, missing;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 2, 5));

	assert_true(sd_bus_new(&intruder) >= 0);
	assert_true(sd_bus_set_address(intruder, bus_address) >= 0);
	assert_true(sd_bus_set_bus_client(intruder, 1) >= 0);
	assert_true(sd_bus_start(intruder) >= 0);
	missing = c->n_states_missing;
	for (int i = 0; i < 5; i++) {
		send_forged_adverts(intruder, c);
		send_forged_owner_lost(intruder, c);
		assert_true(sd_bus_flush(intruder) >= 0);
		run_for(c, 0.2);
	}
	adverts = c->n_adverts;
	run_for(c, 1.0);
	assert_int_equal(c->n_forged_adverts, 0);
	assert_int_equal(c->n_states_missing, missing);
	assert_int_equal(c->state, HV_ADAPTER_OK);
	/* capture goes on */
	assert_true(RUN_UNTIL(c, c->n_adverts >= adverts + 3, 5));
	assert_string_equal(c->last_address, ADDR_MI);
	sd_bus_flush_close_unref(intruder);
}

struct agent_answer {
	bool done;
	char error[128];
	uint32_t passkey;
};

static int on_agent_answer(sd_bus_message *m, void *userdata,
			   sd_bus_error *ret_error)
{
	struct agent_answer *a = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	a->done = true;
	if (e)
		snprintf(a->error, sizeof(a->error), "%s", e->name);
	else
		(void)sd_bus_message_read(m, "u", &a->passkey);
	return 0;
}

/* The daemon's agent tells a configured passkey, or confirms a pairing,
 * only to the bluetoothd it registered with. */
static void test_agent_answers_only_bluetoothd(void **state)
{
	struct ctx *c = *state;
	struct agent_answer passkey = { 0 }, confirm = { 0 };
	sd_bus *intruder = NULL;
	const char *daemon_name;

	c->dev_cfg.passkey = (char *)"004711";
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK &&
					 c->fake->n_register_agent >= 1, 5));
	assert_true(sd_bus_get_unique_name(c->bus, &daemon_name) >= 0);
	assert_true(sd_bus_new(&intruder) >= 0);
	assert_true(sd_bus_set_address(intruder, bus_address) >= 0);
	assert_true(sd_bus_set_bus_client(intruder, 1) >= 0);
	assert_true(sd_bus_start(intruder) >= 0);
	assert_true(sd_bus_attach_event(intruder, c->event, 0) >= 0);
	assert_true(sd_bus_call_method_async(intruder, NULL, daemon_name,
					     HV_BLUEZ_AGENT_PATH,
					     "org.bluez.Agent1",
					     "RequestPasskey", on_agent_answer,
					     &passkey, "o",
					     "/org/bluez/hci0/dev_D0_00_00_00_00_02") >= 0);
	assert_true(sd_bus_call_method_async(intruder, NULL, daemon_name,
					     HV_BLUEZ_AGENT_PATH,
					     "org.bluez.Agent1",
					     "RequestConfirmation", on_agent_answer,
					     &confirm, "ou",
					     "/org/bluez/hci0/dev_D0_00_00_00_00_02",
					     (uint32_t)4711) >= 0);
	assert_true(RUN_UNTIL(c, passkey.done && confirm.done, 5));
	assert_string_equal(passkey.error, "org.bluez.Error.Rejected");
	assert_int_equal(passkey.passkey, 0);
	assert_string_equal(confirm.error, "org.bluez.Error.Rejected");
	sd_bus_flush_close_unref(intruder);
}

/* ---- an address-rotation flood -------------------------------------------------- */

static void flood_address(unsigned i, char buf[HV_BLUEZ_ADDRESS_MAX])
{
	snprintf(buf, HV_BLUEZ_ADDRESS_MAX, "E0:%02X:%02X:%02X:00:01",
		 (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
}

/* Thousands of invented addresses (Mi Scale adverts, and some named like
 * the SIG scale so that they want a GATT session): the device table stays
 * within its cap, strangers get few connection attempts, and the
 * configured scale is served all the same. Devices bluetoothd forgets are
 * forgotten. */
static void test_address_flood_bounded(void **state)
{
	static const uint8_t mi[] = { 0x22, 0x98, 0x3a };
	struct ctx *c = *state;
	const unsigned n = 4 * HV_BLUEZ_DEVICES_MAX;
	char address[HV_BLUEZ_ADDRESS_MAX];
	struct fake_device *d;
	size_t before;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	for (unsigned i = 0; i < n; i++) {
		flood_address(i, address);
		assert_true(fake_bluez_announce(c->fake, address,
						i % 8 ? "MI SCALE2" : "SIG Scale X",
						0x181d, mi, sizeof(mi)) >= 0);
		if (i % 64 == 63) {
			run_for(c, 0.05);
			assert_true(hv_bluez_n_devices(c->bluez) <= HV_BLUEZ_DEVICES_MAX);
		}
		if (i == n / 2) {
			/* the real scale turns up in the middle of it */
			d = add_sig_scale(c);
			c->advertising[0] = d;
		}
	}
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 20));
	assert_int_equal(c->results[0], 0);
	check_records(c);
	assert_true(hv_bluez_n_devices(c->bluez) <= HV_BLUEZ_DEVICES_MAX);
	assert_true(hv_bluez_n_devices(c->bluez) >= HV_BLUEZ_DEVICES_MAX / 2);
	assert_true(hv_bluez_n_peers(c->bluez) <= HV_BLUEZ_DEVICES_MAX);
	/* n / 8 strangers wanted a session; one per driver and interval
	 * (10 s by default) was tried */
	assert_true(c->n_prepared_unknown >= 1);
	assert_true(c->n_prepared_unknown <= 3);
	/* frames keep flowing: the scale's adverts come after the flood */
	run_for(c, 0.5);
	assert_string_equal(c->last_address, ADDR_SIG);

	/* bluetoothd forgets the last 100 strangers (the newest, so held) */
	before = hv_bluez_n_devices(c->bluez);
	for (unsigned i = n - 100; i < n; i++) {
		flood_address(i, address);
		assert_true(fake_bluez_forget(c->fake, address) >= 0);
	}
	assert_true(RUN_UNTIL(c, hv_bluez_n_devices(c->bluez) == before - 100, 5));
}

/* A configured device goes before strangers already queued, even when
 * the queue is full of them (no rate limit here, to fill it). */
static void test_known_device_first_in_queue(void **state)
{
	static const uint8_t mi[] = { 0x22, 0x98, 0x3a };
	struct ctx *c = *state;
	char address[HV_BLUEZ_ADDRESS_MAX];
	struct fake_device *stranger, *scale;
	struct hv_bluez_tuning t;

	hv_bluez_get_tuning(c->bluez, &t);
	t.unknown_interval = 0;
	hv_bluez_set_tuning(c->bluez, &t);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));

	/* A stranger whose session lasts: its records never end (3 s). */
	stranger = fake_bluez_add_device(c->fake, "D0:00:00:00:00:03", "SIG Scale U");
	assert_non_null(stranger);
	(void)fake_device_add_char(stranger, 0x181d, 0x2a9d, HV_GATT_INDICATE);
	(void)fake_device_add_char(stranger, 0x181d, 0x2a52,
				   HV_GATT_WRITE | HV_GATT_INDICATE);
	assert_true(fake_device_advert(stranger) >= 0);
	assert_true(RUN_UNTIL(c, c->n_prepared_all == 1 && stranger->connected, 5));

	/* More strangers than the queue holds, then the configured scale. */
	for (unsigned i = 0; i < 40; i++) {
		flood_address(i, address);
		assert_true(fake_bluez_announce(c->fake, address, "SIG Scale X",
						0x181d, mi, sizeof(mi)) >= 0);
	}
	scale = add_sig_scale(c);
	assert_true(fake_device_advert(scale) >= 0);

	assert_true(RUN_UNTIL(c, c->n_prepared_all >= 2, 10));
	assert_string_equal(c->prepared_address[0], "D0:00:00:00:00:03");
	assert_string_equal(c->prepared_address[1], ADDR_SIG);
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 10));
	assert_int_equal(c->results[0], 0);
	check_records(c);
}

static void test_bluetoothd_restart(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d;
	unsigned adverts, agents;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 2, 5));

	/* Killed: only NameOwnerChanged. */
	fake_bluez_crash(c->fake);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_MISSING, 5));
	run_for(c, 0.5);
	assert_int_equal(c->state, HV_ADAPTER_MISSING);
	adverts = c->n_adverts;
	agents = c->fake->n_register_agent;

	/* Back: re-read objects, filter + StartDiscovery again, agent again. */
	assert_true(fake_bluez_restart(c->fake) >= 0);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK && c->fake->discovering, 5));
	assert_int_equal(c->fake->filter_duplicate, 1);
	assert_true(RUN_UNTIL(c, c->n_adverts >= adverts + 2, 5));
	assert_string_equal(c->last_address, ADDR_MI);
	assert_true(c->fake->n_register_agent > agents);
	assert_true(c->n_states_ok >= 2);
}

static void test_adapter_gone_and_back(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d;
	unsigned starts, adverts;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	d = fake_bluez_add_device(c->fake, ADDR_MI, "MI SCALE2");
	fake_device_set_service_data(d, 0x181d, (const uint8_t[]){ 0x22, 0x98, 0x3a }, 3);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_adverts >= 1, 5));

	/* Powered off (rfkill): error, and we power it back on. */
	starts = c->fake->n_start_discovery;
	fake_bluez_set_powered(c->fake, false);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_ERROR, 5));
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK &&
					 c->fake->n_start_discovery > starts, 5));
	assert_true(c->fake->powered);

	/* Unplugged. */
	fake_bluez_remove_adapter(c->fake);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_MISSING, 5));
	/* Plugged back. */
	starts = c->fake->n_start_discovery;
	assert_true(fake_bluez_add_adapter(c->fake) >= 0);
	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK &&
					 c->fake->n_start_discovery > starts, 5));
	adverts = c->n_adverts;
	assert_true(RUN_UNTIL(c, c->n_adverts >= adverts + 2, 5));

	/* Discovery stopped behind our back: restarted. */
	starts = c->fake->n_start_discovery;
	c->fake->discovering = 0;
	sd_bus_emit_properties_changed(c->fake->bus, "/org/bluez/hci0",
				       "org.bluez.Adapter1", "Discovering", NULL);
	assert_true(RUN_UNTIL(c, c->fake->n_start_discovery > starts, 5));
}


/* ---- bonding ---------------------------------------------------------------- */

static struct fake_device *add_bond_scale(struct ctx *c, enum fake_pairing p,
					  uint32_t passkey)
{
	struct fake_device *d = add_sig_scale(c);

	free(d->name);
	d->name = strdup("Bond Scale 1");
	assert_non_null(d->name);
	d->pairing = p;
	d->passkey = passkey;
	c->advertising[0] = d;
	return d;
}

/* Our agent is the one bluetoothd knows for our connection. */
static void check_agent_registered(struct ctx *c)
{
	const struct fake_agent *a = NULL;

	assert_true(RUN_UNTIL(c, c->fake->n_register_agent >= 1, 5));
	for (size_t i = 0; i < FAKE_MAX_AGENTS; i++)
		if (c->fake->agents[i].owner[0])
			a = &c->fake->agents[i];
	assert_non_null(a);
	assert_string_equal(a->path, HV_BLUEZ_AGENT_PATH);
	assert_string_equal(a->capability, "KeyboardDisplay");
}

static void check_bonded_session(struct ctx *c, struct fake_device *d)
{
	assert_true(RUN_UNTIL(c, c->n_done >= 1, 15));
	assert_int_equal(c->results[0], 0);
	assert_true(d->paired);
	assert_true(d->bonded);
	assert_int_equal(d->n_pair, 1);
	assert_string_equal(d->agent_error, "");
	check_records(c);
}

#define ADDR_SURVEY "E0:00:00:00:00:03"

static void survey_write(struct fake_char *ch, const uint8_t *v, size_t n,
			 void *userdata)
{
	struct ctx *c = userdata;

	(void)ch, (void)v, (void)n;
	c->n_writes++;
}

/* A survey: every object reported in handle order, the readable one read,
 * the notify/indicate ones subscribed, a notification reported with the
 * device's name; nothing written, no frame for a driver; it records until
 * stopped, then disconnects and reports 0. A device BlueZ does not know
 * cannot be surveyed. */
static void test_survey(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d;
	struct fake_char *battery, *meas, *racp;

	assert_true(RUN_UNTIL(c, c->state == HV_ADAPTER_OK, 5));
	assert_int_equal(hv_bluez_survey(c->bluez, ADDR_SURVEY), -ENODEV);
	assert_false(hv_bluez_stop_session(c->bluez));

	d = fake_bluez_add_device(c->fake, ADDR_SURVEY, "Survey Cuff");
	assert_non_null(d);
	d->on_write = survey_write;
	d->userdata = c;
	battery = fake_device_add_char(d, 0x180f, 0x2a19,
				       HV_GATT_READ | HV_GATT_NOTIFY);
	battery->value[0] = 0x57;
	battery->value_len = 1;
	meas = fake_device_add_char(d, 0x1810, 0x2a35, HV_GATT_INDICATE);
	racp = fake_device_add_char(d, 0x1810, 0x2a52,
				    HV_GATT_WRITE | HV_GATT_INDICATE |
					    HV_GATT_RELIABLE_WRITE);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, strcmp(c->last_address, ADDR_SURVEY) == 0, 5));
	assert_int_equal(hv_bluez_survey(c->bluez, "e0:00:00:00:00:03"), 0);
	assert_true(RUN_UNTIL(c, meas->notifying && racp->notifying &&
					 battery->notifying, 10));
	assert_true(fake_char_notify(meas, (const uint8_t[]){ 0x06, 0x79 }, 2) >= 0);
	assert_true(RUN_UNTIL(c, c->n_events >= 7, 5));

	assert_int_equal(c->n_events, 7);
	assert_string_equal(c->events[0], ADDR_SURVEY " service 180f");
	assert_string_equal(c->events[1], ADDR_SURVEY " service 1810");
	assert_string_equal(c->events[2], ADDR_SURVEY " characteristic 180f/2a19 9");
	assert_string_equal(c->events[3], ADDR_SURVEY " characteristic 1810/2a35 10");
	assert_string_equal(c->events[4], ADDR_SURVEY " characteristic 1810/2a52 112");
	/* the read's own Value change is no notification */
	assert_string_equal(c->events[5], ADDR_SURVEY " read Survey Cuff 2a19 57");
	assert_string_equal(c->events[6], ADDR_SURVEY " notify Survey Cuff 2a35 0679");
	assert_int_equal(c->n_writes, 0);
	assert_int_equal(c->n_measurements, 0);

	/* it records until stopped */
	run_for(c, 0.5);
	assert_int_equal(c->n_survey_done, 0);
	assert_true(d->connected);
	assert_true(hv_bluez_stop_session(c->bluez));
	assert_true(RUN_UNTIL(c, c->n_survey_done == 1, 5));
	assert_int_equal(c->survey_result, 0);
	assert_false(d->connected);
	assert_int_equal(d->n_connects, 1);
	assert_false(hv_bluez_stop_session(c->bluez));
}

static void test_pair_just_works(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_bond_scale(c, FAKE_PAIR_JUST_WORKS, 0);

	check_agent_registered(c);
	check_bonded_session(c, d);
	/* 5.66 accepts Just Works for a Pair() call without the agent. */
	assert_int_equal(d->n_agent_requests, 0);
}

static void test_pair_numeric_comparison(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_bond_scale(c, FAKE_PAIR_CONFIRM, 402117);

	check_agent_registered(c);
	check_bonded_session(c, d);
	/* RequestConfirmation, answered yes for the session's device. */
	assert_int_equal(d->n_agent_requests, 1);
}

static void test_pair_passkey_from_config(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_bond_scale(c, FAKE_PAIR_PASSKEY, 4711);

	c->dev_cfg.passkey = (char *)"004711";
	check_bonded_session(c, d);
	assert_int_equal(d->n_agent_requests, 1);

	/* Bonded: the next session does not pair again. */
	c->advertising[0] = NULL;
	run_for(c, 3.5);
	c->advertising[0] = d;
	assert_true(RUN_UNTIL(c, c->n_done >= 2, 15));
	assert_int_equal(c->results[1], 0);
	assert_int_equal(d->n_pair, 1);
	assert_int_equal(d->n_connects, 2);
}

/* A failed pairing: no steps run, nothing decoded, the link is closed,
 * the device unpaired; retried later, each time after a longer wait. */
static void check_pairing_refused(struct ctx *c, struct fake_device *d)
{
	assert_true(RUN_UNTIL(c, c->n_done >= 3, 15));
	for (int i = 0; i < 3; i++)
		assert_int_equal(c->results[i], -EACCES);
	assert_false(d->paired);
	assert_false(d->bonded);
	assert_int_equal(c->n_measurements, 0);
	assert_int_equal(c->consent_ok, 0);
	assert_true(RUN_UNTIL(c, !d->connected, 5));
	assert_true(d->n_disconnects >= 3);
	assert_true(d->n_pair >= 3);
	/* backoff_base 300 ms: ≥ 300 ms, then ≥ 600 ms between attempts */
	assert_true(c->done_at[1] - c->done_at[0] >= 300 * 1000);
	assert_true(c->done_at[2] - c->done_at[1] >= 600 * 1000);
	assert_true(c->done_at[2] - c->done_at[1] >
		    c->done_at[1] - c->done_at[0]);
}

static void test_pair_wrong_passkey(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_bond_scale(c, FAKE_PAIR_PASSKEY, 222222);

	c->dev_cfg.passkey = (char *)"111111";
	check_pairing_refused(c, d);
	/* Our agent answered; the passkey was wrong. */
	assert_string_equal(d->agent_error, "");
	assert_true(d->n_agent_requests >= 3);
}

/* Read what the daemon logged while `fn` ran (stderr into a file). */
static char *capture_stderr(struct ctx *c, struct fake_device *d,
			    void (*fn)(struct ctx *, struct fake_device *))
{
	char path[] = "/tmp/hv-bond-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *buf = calloc(1, 65536);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0 && buf);
	unlink(path);
	fflush(stderr);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	fn(c, d);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, 65535, 0);
	close(fd);
	assert_true(n > 0);
	return buf;
}

static void test_pair_no_passkey_refused(void **state)
{
	struct ctx *c = *state;
	struct fake_device *d = add_bond_scale(c, FAKE_PAIR_PASSKEY, 4711);
	char *log;

	assert_null(c->dev_cfg.passkey);
	log = capture_stderr(c, d, check_pairing_refused);
	/* Our agent refused: Agent1 error Rejected. */
	assert_string_equal(d->agent_error, "org.bluez.Error.Rejected");
	/* One clear line naming the device and what is missing. */
	assert_non_null(strstr(log, "No passkey configured for " ADDR_SIG));
	assert_non_null(strstr(log, "Pairing with " ADDR_SIG " failed"));
	assert_non_null(strstr(log, "org.bluez.Error.AuthenticationFailed"));
	free(log);
}

/* bluetoothd asking our agent about a device that is not the running
 * session's (someone else's pairing): refused. */
static int on_confirm_reply(sd_bus_message *m, void *userdata,
			    sd_bus_error *err)
{
	char *name = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)err;
	snprintf(name, 96, "%s", e ? e->name : "ok");
	return 0;
}

static void test_pair_other_device_not_confirmed(void **state)
{
	struct ctx *c = *state;
	sd_bus_message *m = NULL;
	sd_bus_slot *slot = NULL;
	char answer[96] = "";

	check_agent_registered(c);
	assert_true(sd_bus_message_new_method_call(c->fake->bus, &m,
						   c->fake->agents[0].owner,
						   HV_BLUEZ_AGENT_PATH,
						   "org.bluez.Agent1",
						   "RequestConfirmation") >= 0);
	assert_true(sd_bus_message_append(m, "ou",
					  "/org/bluez/hci0/dev_11_22_33_44_55_66",
					  1234u) >= 0);
	assert_true(sd_bus_call_async(c->fake->bus, &slot, m, on_confirm_reply,
				      answer, 0) >= 0);
	assert_true(RUN_UNTIL(c, answer[0], 5));
	assert_string_equal(answer, "org.bluez.Error.Rejected");
	sd_bus_slot_unref(slot);
	sd_bus_message_unref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_adverts_to_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_scale_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_information, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_mid_transfer_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_record_asked_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_notify_drop_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_without_acquire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_refused_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_restarts_discovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stall_restart_while_adverts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_device_watchdog_sleeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_device_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bluetoothd_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_signals_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_answers_only_bluetoothd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_flood_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_device_first_in_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adapter_gone_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_just_works, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_numeric_comparison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_passkey_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_wrong_passkey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_no_passkey_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_other_device_not_confirmed, setup, teardown),
	};
	const struct CMUnitTest deaf_tests[] = {
		cmocka_unit_test_setup_teardown(test_lost_name_owner_changed, setup, teardown),
	};
	int failed;

	if (access("/usr/bin/dbus-daemon", X_OK) != 0 &&
	    access("/bin/dbus-daemon", X_OK) != 0) {
		printf("[  SKIPPED ] dbus-daemon not installed\n");
		return 0;
	}
	failed = cmocka_run_group_tests(tests, start_bus, stop_bus);
	failed += cmocka_run_group_tests(deaf_tests, start_deaf_bus, stop_bus);
	return failed;
}
