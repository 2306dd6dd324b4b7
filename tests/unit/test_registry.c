// SPDX-License-Identifier: MIT
/*
 * The registry: ids, order, flags, match tables, kind names, and the
 * dispatch index, which must decide every frame as the walk over every
 * driver does (captured frames, every driver's own encoded frames under
 * every name, random frames).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

static size_t position(const char *id)
{
	for (size_t i = 0; i < hv_drivers_count; i++)
		if (strcmp(hv_drivers[i]->id, id) == 0)
			return i;
	fail_msg("driver %s not registered", id);
	return 0;
}

static void test_ids_and_flags(void **state)
{
	static const char *const ids[] = { "xiaomi_mi_scale", "xiaomi_mi_scale2",
					   "sig_weight_scale",
					   "sig_body_composition" };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		const struct hv_driver *d = hv_driver_by_id(ids[i]);

		assert_non_null(d);
		assert_int_equal(d->kind, HV_DRIVER_KIND_SCALE);
		assert_non_null(d->decode);
		assert_non_null(d->encode);
		assert_non_null(d->models);
		assert_non_null(d->models[0]);
		assert_false(d->flags & HV_DRIVER_NEEDS_SELECTION);
		/* Vendors first, generic profile decoders after. */
		assert_int_equal(!!(d->flags & HV_DRIVER_GENERIC), i >= 2);
	}
	assert_true(position("xiaomi_mi_scale") < position("sig_weight_scale"));
	assert_true(position("xiaomi_mi_scale2") < position("sig_weight_scale"));
	assert_non_null(hv_driver_by_id("sig_weight_scale")->conversation);
	assert_null(hv_driver_by_id("xiaomi_mi_scale2")->conversation);
}

/* The JSON names of the kinds: every driver has one, and they round-trip. */
static void test_kind_names(void **state)
{
	static const struct {
		const char *id, *kind;
	} published[] = {
		{ "xiaomi_mi_scale", "scale" },
		{ "yunmai_x", "scale" },
		{ "sig_heart_rate", "heart_rate" },
		{ "polar_hr", "heart_rate" },
		{ "xiaomi_band", "fitness_band" },
		{ "sig_rsc", "activity" },
		{ "sig_physical_activity", "activity" },
		{ "sig_blood_pressure", "blood_pressure" },
		{ "sig_temperature", "thermometer" },
		{ "sig_pulse_oximeter", "pulse_oximeter" },
		{ "sig_glucose", "glucose_meter" },
		{ "sig_racp", "control_point" },
	};

	(void)state;
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_OTHER), "other");
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_SCALE), "scale");
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_GLUCOSE_METER),
			    "glucose_meter");
	assert_null(hv_driver_kind_name(_HV_DRIVER_KIND_MAX));
	assert_null(hv_driver_kind_name(_HV_DRIVER_KIND_INVALID));
	for (int k = 0; k < _HV_DRIVER_KIND_MAX; k++) {
		const char *name = hv_driver_kind_name((enum hv_driver_kind)k);

		assert_non_null(name);
		assert_int_equal(hv_driver_kind_from_name(name), k);
	}
	assert_int_equal(hv_driver_kind_from_name("bathroom_scale"),
			 _HV_DRIVER_KIND_INVALID);
	assert_int_equal(hv_driver_kind_from_name(NULL), _HV_DRIVER_KIND_INVALID);
	for (size_t i = 0; i < hv_drivers_count; i++)
		assert_non_null(hv_driver_kind_name(hv_drivers[i]->kind));
	/* as `homevitals drivers --json` printed them when kinds were text */
	for (size_t i = 0; i < ELEMENTSOF(published); i++)
		assert_string_equal(
			hv_driver_kind_name(
				hv_driver_by_id(published[i].id)->kind),
			published[i].kind);
}

static void test_uuid_sharing(void **state)
{
	/* 0x181D/0x181B service DATA are Xiaomi adverts; the same UUIDs as
	 * GATT services are SIG scales. */
	struct hv_frame v1 = { .n_service_data = 1 };
	struct hv_frame sig = { .has_characteristic = true, .value_len = 3 };
	struct hv_measurement m;

	(void)state;
	v1.service_data[0].uuid = hv_uuid16(0x181D);
	v1.service_data[0].len = 10;
	v1.service_data[0].data[0] = 0x22;
	assert_int_equal(hv_registry_decode(&v1, NULL, &m), 0);
	assert_string_equal(m.driver, "xiaomi_mi_scale");
	assert_true(hv_driver_matches(hv_driver_by_id("xiaomi_mi_scale"), &v1));

	sig.characteristic = hv_uuid16(0x2A9D);
	sig.value[1] = 0xb0;
	sig.value[2] = 0x36;
	assert_int_equal(hv_registry_decode(&sig, NULL, &m), 0);
	assert_string_equal(m.driver, "sig_weight_scale");
	assert_true(hv_driver_matches(hv_driver_by_id("sig_weight_scale"), &sig));
	assert_false(hv_driver_matches(hv_driver_by_id("xiaomi_mi_scale"), &sig));

	/* Forcing the wrong driver: not its frame. */
	assert_int_equal(hv_registry_decode(
				 &sig, hv_driver_by_id("xiaomi_mi_scale2"), &m),
			 -ENODEV);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);
}

/* --- the dispatch index against the walk -------------------------------- */

struct tally {
	size_t frames, claimed;
	size_t per_driver[HV_DRIVERS_MAX];
};

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_reading(const struct hv_reading *a, const struct hv_reading *b)
{
	return a->metric == b->metric && a->absent == b->absent &&
	       same_text(a->method, b->method) &&
	       (a->value == b->value || (isnan(a->value) && isnan(b->value)));
}

static bool same_time(const struct hv_datetime *a, const struct hv_datetime *b)
{
	return a->year == b->year && a->month == b->month && a->day == b->day &&
	       a->hour == b->hour && a->minute == b->minute &&
	       a->second == b->second;
}

/* Equal as far as a reader can tell: the header, the error when invalid,
 * and the array entries below the counts. */
static bool same_measurement(const struct hv_measurement *a,
			     const struct hv_measurement *b)
{
	if (a->status != b->status || !same_text(a->driver, b->driver) ||
	    a->final != b->final ||
	    a->has_load_removed != b->has_load_removed ||
	    a->load_removed != b->load_removed || a->subject != b->subject ||
	    a->has_device_time != b->has_device_time ||
	    !same_time(&a->device_time, &b->device_time) ||
	    a->has_raw_device_time != b->has_raw_device_time ||
	    !same_time(&a->raw_device_time, &b->raw_device_time) ||
	    a->user_index != b->user_index ||
	    a->display_unit != b->display_unit ||
	    a->more_packets != b->more_packets ||
	    a->sequence_number != b->sequence_number ||
	    a->n_flags != b->n_flags || a->n_context != b->n_context ||
	    a->n_readings != b->n_readings)
		return false;
	if (a->status == HV_STATUS_INVALID && strcmp(a->error, b->error) != 0)
		return false;
	for (size_t i = 0; i < a->n_flags; i++)
		if (!same_text(a->flags[i], b->flags[i]))
			return false;
	for (size_t i = 0; i < a->n_context; i++)
		if (!same_text(a->context_key[i], b->context_key[i]) ||
		    !same_text(a->context_value[i], b->context_value[i]))
			return false;
	for (size_t i = 0; i < a->n_readings; i++)
		if (!same_reading(&a->readings[i], &b->readings[i]))
			return false;
	return true;
}

static void describe(const struct hv_frame *f, const char *what)
{
	printf("%s: name=%s characteristic=%d sd=%zu md=%zu svc=%zu", what,
	       f->name ? f->name : "(none)",
	       f->has_characteristic ? hv_uuid_to16(&f->characteristic) : -1,
	       f->n_service_data, f->n_manufacturer_data, f->n_service_uuids);
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len >= 2)
			printf(" company=%02x%02x",
			       f->manufacturer_data[i].data[1],
			       f->manufacturer_data[i].data[0]);
	printf("\n");
}

/* The index decides as the walk does; the outcome and driver index agree
 * with the measurement. */
static void check_same(const struct hv_frame *f, struct tally *t,
		       const char *what)
{
	/* Stale arrays must not leak into the result: start from garbage. */
	static struct hv_measurement indexed, walked;
	enum hv_decode_outcome outcome;
	int ri, rw, driver;

	memset(&indexed, 0xA5, sizeof(indexed));
	ri = hv_registry_decode_outcome(f, NULL, &indexed, &driver, &outcome);
	rw = hv_registry_decode_linear(f, &walked);
	if (ri != rw || !same_measurement(&indexed, &walked)) {
		describe(f, what);
		fail_msg("index: %d %s (%s), walk: %d %s (%s)", ri,
			 indexed.driver ? indexed.driver : "-", indexed.error,
			 rw, walked.driver ? walked.driver : "-", walked.error);
	}
	if (rw == -ENODEV) {
		assert_int_equal(driver, -1);
		assert_int_equal(outcome, HV_OUTCOME_NOT_MINE);
	} else {
		assert_in_range(driver, 0, hv_drivers_count - 1);
		assert_string_equal(hv_drivers[driver]->id, walked.driver);
		assert_int_equal(outcome, walked.status == HV_STATUS_INVALID ?
						  HV_OUTCOME_INVALID :
					  walked.final ? HV_OUTCOME_FINAL :
							 HV_OUTCOME_CLAIMED);
		t->claimed++;
		t->per_driver[driver]++;
	}
	t->frames++;
}

static size_t drivers_seen(const struct tally *t)
{
	size_t n = 0;

	for (size_t i = 0; i < hv_drivers_count; i++)
		n += t->per_driver[i] > 0;
	return n;
}

static void test_index_bounds(void **state)
{
	(void)state;
	assert_true(hv_drivers_count <= HV_DRIVERS_MAX);
	assert_true(hv_registry_indexed());
}

/* Every captured frame, and every truncation of its data. */
static void check_vector_file(const char *file, struct tally *t)
{
	cJSON *all = hv_test_vectors_load(file);
	const cJSON *e;

	cJSON_ArrayForEach(e, all) {
		struct hv_frame f, g;

		hv_test_theengs_advert(e, &f);
		check_same(&f, t, file);
		for (size_t i = 0; i < f.n_manufacturer_data; i++)
			for (size_t len = 0; len < f.manufacturer_data[i].len;
			     len++) {
				g = f;
				g.manufacturer_data[i].len = len;
				check_same(&g, t, file);
			}
		for (size_t i = 0; i < f.n_service_data; i++)
			for (size_t len = 0; len < f.service_data[i].len;
			     len++) {
				g = f;
				g.service_data[i].len = len;
				check_same(&g, t, file);
			}
	}
	cJSON_Delete(all);
}

static void test_index_matches_walk_on_vectors(void **state)
{
	struct tally t = { 0 };

	(void)state;
	check_vector_file("theengs_all_devices.json", &t);
	check_vector_file("theengs_scales_health.json", &t);
	printf("index = walk on %zu captured frames (%zu claimed)\n", t.frames,
	       t.claimed);
	assert_true(t.frames > 457);
	/* the Mi scales, the heart-rate straps and the bands are in there */
	assert_true(drivers_seen(&t) >= 5);
}

/* The SIG frames of sig_stated.json as GATT values of their UUID. */
static void test_index_matches_walk_on_sig_frames(void **state)
{
	cJSON *all = hv_test_vectors_load("sig_stated.json");
	struct tally t = { 0 };
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all) {
		const char *uuid = hv_test_str(e, "characteristic_uuid");
		const char *hex = hv_test_str(e, "hex");
		struct hv_frame f = { .has_characteristic = true };

		/* "0x2A9D"; "SFLOAT" and the like are number formats */
		if (!uuid || !hex || strncmp(uuid, "0x", 2) != 0)
			continue;
		f.characteristic = hv_test_uuid_of(uuid);
		hv_test_unhex_lenient(hex, f.value, sizeof(f.value),
				      &f.value_len);
		check_same(&f, &t, "sig_stated.json");
	}
	cJSON_Delete(all);
	printf("index = walk on %zu SIG frames (%zu claimed)\n", t.frames,
	       t.claimed);
	assert_true(t.claimed > 30);
}

/* Names that select drivers, with their case changed and text around. */
static const char *const names[] = {
	NULL,
	"",
	"MI_SCALE",
	"mi scale",
	"MIBCS",
	"MIBFS",
	"Polar H10 1234",
	"X2",
	"X2 HR",
	"XOSS",
	"bf-700",
	"BF700",
	"Beurer BF710",
	"RT-Libra",
	"SANITAS SBF70",
	"sbf75",
	"AICDSCALE1",
	"QN-Scale",
	"Renpho-Scale x",
	"my seb-scale",
	"Yunmai ISM2",
	"YUNMAI-SIGNAL-M1",
	"0203B123",
	"013197",
	"0202B6xx",
	"ADV",
	"Chipsea-BLE",
	"Yoda1",
	"yoda0",
	"Health Scale",
	"eufy T9146",
	"T9120",
	"Shape200",
	"style100",
	"Swan",
	"icomon",
	"YG",
	"yg2",
	"FitTrack",
	"SSW532",
	"robi s9",
	"FG2211WB",
	"1byone swan",
	"senssun",
	"Keep_S3",
	"keep_s3x",
	"Vitafit",
	"VITAFIT-01",
	"Mi Band 6",
	"Amazfit",
	"Heart Rate Sensor",
	"AAA002",
	"AAA013",
	"YunChen",
	"VScale",
	"Mengii",
	"Body Fat-B2",
	"Electronic Scale",
	"Hoffen BS-8107",
	"PC-PW 3008 BT",
	"Cult Smart Scale Pro",
	"EEBBL",
	"ES-CS20M",
	"AE BS-06",
	"1BODY CONNECT",
	"1X-LINE",
	"Weight Scale",
	"da",
	"ES-26BB-B",
	"R-A033",
	"openScale",
	"5331891 BIA Scale",
	"RUNSTAR-R5",
	"Runstar-R6",
	"RyFit",
	"SENSSUN FAT",
	"000fatscale01",
	"realme Smart Scale",
	"01257B0123",
	"00376B251016AA",
	"Relaxmedic",
	"EL1",
	"PICOOC-L",
	"HS10",
	"Lenovo HS10",
	"Healthkeep",
	"Dara 2.0",
	"Body Pod 2",
	"MY_SCALE",
};

static const char *const addresses[] = { NULL, "AA:BB:CC:DD:EE:FF",
					 "C8:0F:10:11:22:33",
					 "11:22:33:44:55:66" };

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible, no libc state */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 32);
}

static uint16_t pick_list(const uint16_t *list, uint16_t end)
{
	size_t n = 0;

	while (list && list[n] != end)
		n++;
	return n ? list[rnd() % n] : (uint16_t)rnd();
}

/* A 16-bit key of some driver's match table, or any value. */
static uint16_t some_key(int which)
{
	const struct hv_match *m = &hv_drivers[rnd() % hv_drivers_count]->match;

	if (rnd() % 4 == 0)
		return (uint16_t)rnd();
	switch (which) {
	case 0:
		return pick_list(m->characteristics, 0);
	case 1:
		return pick_list(m->service_data, 0);
	case 2:
		return pick_list(m->company_ids, 0xFFFF);
	default:
		return pick_list(m->services, 0);
	}
}

static void random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* The company-field payloads of the ANY_COMPANY vendors, and plain ones. */
static void random_manufacturer_data(struct hv_manufacturer_data *md)
{
	uint16_t company = some_key(2);

	md->len = rnd() % 4 ? 2 + rnd() % 24 : rnd() % 3;
	random_bytes(md->data, md->len);
	switch (rnd() % 6) {
	case 0:
		company = (uint16_t)(0xC0 | (rnd() & 0xFF00)); /* OKOK C0 */
		break;
	case 1: /* QN broadcast */
		company = 0xFFFF;
		if (md->len >= 4) {
			md->data[2] = 0xAA;
			md->data[3] = 0xBB;
		}
		break;
	case 2: /* Yunmai X: a MAC in the company field */
		md->len = 16;
		random_bytes(md->data, md->len);
		md->data[6] = 0x0B;
		md->data[7] = 0x74;
		md->data[8] = 0x17;
		return;
	default:
		break;
	}
	if (md->len >= 2) {
		md->data[0] = (uint8_t)company;
		md->data[1] = (uint8_t)(company >> 8);
	}
}

static void random_frame(struct hv_frame *f)
{
	*f = (struct hv_frame){
		.name = names[rnd() % ELEMENTSOF(names)],
		.address = addresses[rnd() % ELEMENTSOF(addresses)],
		.now = 1767225600,
	};
	if (rnd() % 2) {
		f->has_characteristic = true;
		f->characteristic = hv_uuid16(some_key(0));
		f->value_len = rnd() % 4 ? rnd() % 24 : rnd() % 80;
		random_bytes(f->value, f->value_len);
		if (rnd() % 8 == 0)
			f->characteristic.b[0] = (uint8_t)rnd(); /* 128-bit */
	}
	f->n_service_data = rnd() % 3;
	for (size_t i = 0; i < f->n_service_data; i++) {
		struct hv_service_data *sd = &f->service_data[i];

		sd->uuid = hv_uuid16(some_key(1));
		sd->len = rnd() % 2 ? 10 + 3 * (rnd() % 2) : rnd() % 24;
		random_bytes(sd->data, sd->len);
	}
	f->n_manufacturer_data = rnd() % 3;
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		random_manufacturer_data(&f->manufacturer_data[i]);
	f->n_service_uuids = rnd() % 3;
	for (size_t i = 0; i < f->n_service_uuids; i++)
		f->service_uuids[i] = hv_uuid16(some_key(3));
}

static void test_index_matches_walk_on_random_frames(void **state)
{
	struct tally t = { 0 };
	struct hv_frame f;

	(void)state;
	for (int i = 0; i < 300000; i++) {
		random_frame(&f);
		check_same(&f, &t, "random");
	}
	printf("index = walk on %zu random frames (%zu claimed, by %zu drivers)\n",
	       t.frames, t.claimed, drivers_seen(&t));
	/* Not a vacuous comparison: most drivers decide some of them. */
	assert_true(t.claimed > t.frames / 20);
	assert_true(drivers_seen(&t) >= hv_drivers_count * 3 / 4);
}

/* A measurement every encoder finds its metrics in. */
static void sample_measurement(struct hv_measurement *m)
{
	static const struct {
		enum hv_metric metric;
		double value;
	} readings[] = {
		{ HV_METRIC_BODY_WEIGHT, 72.4 },
		{ HV_METRIC_IMPEDANCE, 480 },
		{ HV_METRIC_HEART_RATE, 64 },
		{ HV_METRIC_SYSTOLIC_PRESSURE, 121 },
		{ HV_METRIC_DIASTOLIC_PRESSURE, 79 },
		{ HV_METRIC_MEAN_ARTERIAL_PRESSURE, 93 },
		{ HV_METRIC_PULSE_RATE, 64 },
		{ HV_METRIC_BODY_TEMPERATURE, 36.8 },
		{ HV_METRIC_SPO2, 97 },
		{ HV_METRIC_BLOOD_GLUCOSE, 5.4 },
		{ HV_METRIC_STEP_COUNT, 4321 },
		{ HV_METRIC_SPEED, 3.2 },
		{ HV_METRIC_CADENCE, 160 },
	};

	hv_measurement_init(m, NULL);
	m->final = true;
	m->display_unit = HV_UNIT_KG;
	m->subject = HV_SUBJECT_PERSON;
	for (size_t i = 0; i < ELEMENTSOF(readings); i++)
		assert_int_equal(hv_measurement_add(m, readings[i].metric,
						    readings[i].value),
				 0);
}

/* Every driver's own frames (for each of its characteristics), under every
 * name and address: the shared UUIDs are where selection by name decides. */
static void test_index_matches_walk_on_encoded_frames(void **state)
{
	struct hv_measurement sample;
	struct tally t = { 0 };
	size_t encoded = 0;

	(void)state;
	sample_measurement(&sample);
	for (size_t d = 0; d < hv_drivers_count; d++) {
		const struct hv_driver *drv = hv_drivers[d];
		const uint16_t *c = drv->match.characteristics;

		if (!drv->encode)
			continue;
		for (int k = -1; k < 0 || (c && c[k]); k++) {
			struct hv_uuid target;
			struct hv_frame f;

			if (k >= 0)
				target = hv_uuid16(c[k]);
			if (drv->encode(&sample, k < 0 ? NULL : &target, &f) <
			    0)
				continue;
			encoded++;
			for (size_t n = 0; n < ELEMENTSOF(names); n++)
				for (size_t a = 0; a < ELEMENTSOF(addresses);
				     a++) {
					f.name = names[n];
					f.address = addresses[a];
					check_same(&f, &t, drv->id);
				}
		}
	}
	printf("index = walk on %zu encoded frames (%zu kinds, %zu claimed, by %zu drivers)\n",
	       t.frames, encoded, t.claimed, drivers_seen(&t));
	assert_true(drivers_seen(&t) >= hv_drivers_count * 3 / 4);
}

/* --- per-driver counters -------------------------------------------------- */

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(hv_decode_outcome_name(HV_OUTCOME_NOT_MINE),
			    "not_mine");
	assert_string_equal(hv_decode_outcome_name(HV_OUTCOME_CLAIMED),
			    "claimed");
	assert_string_equal(hv_decode_outcome_name(HV_OUTCOME_FINAL), "final");
	assert_string_equal(hv_decode_outcome_name(HV_OUTCOME_INVALID),
			    "invalid");
	assert_null(hv_decode_outcome_name(_HV_OUTCOME_MAX));
}

static void test_counters_note(void **state)
{
	struct hv_driver_counters c = { 0 };
	char long_reason[3 * HV_ERROR_MAX];

	(void)state;
	hv_driver_counters_note(&c, HV_OUTCOME_NOT_MINE, NULL);
	assert_int_equal(c.claimed, 0);
	hv_driver_counters_note(&c, HV_OUTCOME_CLAIMED, NULL);
	hv_driver_counters_note(&c, HV_OUTCOME_FINAL, NULL);
	hv_driver_counters_note(&c, HV_OUTCOME_FINAL, NULL);
	assert_int_equal(c.claimed, 3);
	assert_int_equal(c.final, 2);
	assert_int_equal(c.invalid, 0);
	assert_string_equal(c.last_invalid_reason, "");

	hv_driver_counters_note(&c, HV_OUTCOME_INVALID, "checksum 0x12");
	assert_int_equal(c.claimed, 4);
	assert_int_equal(c.invalid, 1);
	assert_string_equal(c.last_invalid_reason, "checksum 0x12");
	hv_driver_counters_note(&c, HV_OUTCOME_INVALID, NULL);
	assert_string_equal(c.last_invalid_reason, "");

	memset(long_reason, 'x', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	hv_driver_counters_note(&c, HV_OUTCOME_INVALID, long_reason);
	assert_int_equal(strlen(c.last_invalid_reason), HV_ERROR_MAX - 1);
	assert_int_equal(c.invalid, 3);
	assert_int_equal(c.final, 2);
}

/* The outcome of a decode, noted per driver, as the daemon does. */
static void test_decode_outcome_counts(void **state)
{
	struct hv_driver_counters counters[HV_DRIVERS_MAX] = { 0 };
	struct hv_frame mi = { .n_service_data = 1 };
	struct hv_frame nobody = { .n_manufacturer_data = 1 };
	enum hv_decode_outcome outcome;
	struct hv_measurement m;
	int driver, mi_index = -1;

	(void)state;
	for (size_t i = 0; i < hv_drivers_count; i++)
		if (strcmp(hv_drivers[i]->id, "xiaomi_mi_scale") == 0)
			mi_index = (int)i;
	mi.service_data[0].uuid = hv_uuid16(0x181D);
	mi.service_data[0].len = 10;

	mi.service_data[0].data[0] = 0x22; /* stabilised, kg */
	assert_int_equal(
		hv_registry_decode_outcome(&mi, NULL, &m, &driver, &outcome),
		0);
	assert_int_equal(driver, mi_index);
	assert_int_equal(outcome, HV_OUTCOME_FINAL);
	hv_driver_counters_note(&counters[driver], outcome, m.error);

	mi.service_data[0].data[0] = 0x02; /* still settling */
	(void)hv_registry_decode_outcome(&mi, NULL, &m, &driver, &outcome);
	assert_int_equal(outcome, HV_OUTCOME_CLAIMED);
	hv_driver_counters_note(&counters[driver], outcome, m.error);

	mi.service_data[0].data[0] = 0x11; /* pounds and jin at once */
	assert_int_equal(
		hv_registry_decode_outcome(&mi, NULL, &m, &driver, &outcome),
		-EBADMSG);
	assert_int_equal(driver, mi_index);
	assert_int_equal(outcome, HV_OUTCOME_INVALID);
	hv_driver_counters_note(&counters[driver], outcome, m.error);

	assert_int_equal(counters[mi_index].claimed, 3);
	assert_int_equal(counters[mi_index].final, 1);
	assert_int_equal(counters[mi_index].invalid, 1);
	assert_string_equal(counters[mi_index].last_invalid_reason, m.error);
	assert_non_null(strstr(counters[mi_index].last_invalid_reason, "jin"));

	nobody.manufacturer_data[0].len = 4;
	nobody.manufacturer_data[0].data[0] = 0x4C; /* Apple */
	assert_int_equal(hv_registry_decode_outcome(&nobody, NULL, &m, &driver,
						    &outcome),
			 -ENODEV);
	assert_int_equal(driver, -1);
	assert_int_equal(outcome, HV_OUTCOME_NOT_MINE);

	/* forced: that driver's index, or none */
	assert_int_equal(hv_registry_decode_outcome(&mi, hv_drivers[mi_index],
						    &m, &driver, NULL),
			 -EBADMSG);
	assert_int_equal(driver, mi_index);
	assert_int_equal(hv_registry_decode_outcome(&nobody,
						    hv_drivers[mi_index], &m,
						    &driver, &outcome),
			 -ENODEV);
	assert_int_equal(driver, -1);
	assert_int_equal(outcome, HV_OUTCOME_NOT_MINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_and_flags),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_uuid_sharing),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test(test_counters_note),
		cmocka_unit_test(test_decode_outcome_counts),
		cmocka_unit_test(test_index_bounds),
		cmocka_unit_test(test_index_matches_walk_on_random_frames),
		cmocka_unit_test(test_index_matches_walk_on_encoded_frames),
		cmocka_unit_test(test_index_matches_walk_on_vectors),
		cmocka_unit_test(test_index_matches_walk_on_sig_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
