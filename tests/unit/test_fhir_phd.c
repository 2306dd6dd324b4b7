// SPDX-License-Identifier: MIT
/*
 * HL7 Personal Health Device IG transaction Bundles (fhir_phd.h), one per
 * device kind, walked for the IG rules a JSON schema cannot see: a
 * transaction of conditional creates, every reference resolvable inside the
 * Bundle, the phd category, MDC codes (with LOINC where one exists), the
 * gatewayDevice extension, stable identifiers across redelivery,
 * dataAbsentReason for special values, blood pressure as components.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/common/config.h"
#include "daemon/common/fhir_phd.h"
#include "daemon/common/measurement_json.h"
#include "tests/unit/fhir_dump.h"

#define MDC	"urn:iso:std:iso:11073:10101"
#define LOINC	"http://loinc.org"
#define ADDRESS "00:1C:05:FF:E8:74"

static const struct hv_fhir_phd_options gateway = {
	.gateway_id = "hallway",
	.gateway_address = "B8:27:EB:12:34:56",
};

static const char *str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const cJSON *item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* --- stored-record-like inputs, one per device kind ------------------------ */

struct kind {
	const char *name;
	const char *driver;
	void (*fill)(struct hv_measurement *m);
	const char *specialization; /* the PhdDevice's first one */
};

static void add(struct hv_measurement *m, enum hv_metric metric, double v)
{
	assert_int_equal(hv_measurement_add(m, metric, v), 0);
}

static void device_time(struct hv_measurement *m)
{
	m->has_device_time = true;
	m->device_time = (struct hv_datetime){ 2021, 11, 22, 11, 56, 30 };
}

static void fill_scale(struct hv_measurement *m)
{
	add(m, HV_METRIC_BODY_WEIGHT, 72.4);
	add(m, HV_METRIC_IMPEDANCE, 512);
	add(m, HV_METRIC_BODY_FAT_PERCENT, 21.3);
	add(m, HV_METRIC_MUSCLE_MASS, 54.1);
	add(m, HV_METRIC_BODY_WATER_PERCENT, 55.2);
	add(m, HV_METRIC_BONE_MASS, 2.9);
	add(m, HV_METRIC_VISCERAL_FAT_RATING, 8);
	add(m, HV_METRIC_BASAL_METABOLIC_RATE, 1650);
	assert_int_equal(
		hv_measurement_add_absent(m, HV_METRIC_BMI, HV_ABSENT_NAN), 0);
	m->readings[m->n_readings - 1].method = "mifit";
}

static void fill_bp(struct hv_measurement *m)
{
	device_time(m);
	add(m, HV_METRIC_SYSTOLIC_PRESSURE, 128);
	add(m, HV_METRIC_DIASTOLIC_PRESSURE, 82);
	assert_int_equal(
		hv_measurement_add_absent(m, HV_METRIC_MEAN_ARTERIAL_PRESSURE,
					  HV_ABSENT_NRES),
		0);
	add(m, HV_METRIC_PULSE_RATE, 66);
}

static void fill_glucose(struct hv_measurement *m)
{
	device_time(m);
	m->sequence_number = 17;
	add(m, HV_METRIC_BLOOD_GLUCOSE, 5.4);
	assert_int_equal(hv_measurement_add_context(m, "sample_type",
						    "capillary_whole_blood"),
			 0);
}

static void fill_heart_rate(struct hv_measurement *m)
{
	add(m, HV_METRIC_HEART_RATE, 72);
	add(m, HV_METRIC_RR_INTERVAL, 0.8125);
	add(m, HV_METRIC_RR_INTERVAL, 0.828125);
}

static void fill_spo2(struct hv_measurement *m)
{
	add(m, HV_METRIC_SPO2, 97);
	add(m, HV_METRIC_PULSE_RATE, 61);
	add(m, HV_METRIC_PULSE_AMPLITUDE_INDEX, 5.2);
}

static void fill_temperature(struct hv_measurement *m)
{
	device_time(m);
	add(m, HV_METRIC_BODY_TEMPERATURE, 36.9);
	assert_int_equal(hv_measurement_add_absent(m,
						   HV_METRIC_BODY_TEMPERATURE,
						   HV_ABSENT_POS_INF),
			 0);
}

static void fill_steps(struct hv_measurement *m)
{
	add(m, HV_METRIC_STEP_COUNT, 8042);
	add(m, HV_METRIC_DISTANCE, 5630);
	add(m, HV_METRIC_ENERGY_EXPENDED, 1200);
}

static const struct kind kinds[] = {
	{ "scale", "xiaomi_mi_scale2", fill_scale, "528399" },
	{ "blood pressure", "sig_blood_pressure", fill_bp, "528391" },
	{ "glucose", "sig_glucose", fill_glucose, "528401" },
	{ "heart rate", "sig_heart_rate", fill_heart_rate, "528390" },
	{ "SpO2", "sig_pulse_oximeter", fill_spo2, "528388" },
	{ "temperature", "sig_temperature", fill_temperature, "528392" },
	{ "steps", "sig_physical_activity", fill_steps, "528425" },
};

static cJSON *record_json(const struct kind *k, const char *person,
			  int64_t time_s)
{
	struct hv_record r = { 0 };
	cJSON *j = NULL;

	(void)snprintf(r.id, sizeof(r.id), "0f0e0d0c0b0a09080706050403020100");
	(void)snprintf(r.device_address, sizeof(r.device_address), ADDRESS);
	(void)snprintf(r.device_model, sizeof(r.device_model), "%s", k->driver);
	(void)snprintf(r.person, sizeof(r.person), "%s", person);
	r.time_usec = time_s * 1000000LL;
	hv_measurement_init(&r.m, k->driver);
	r.m.final = true;
	k->fill(&r.m);
	assert_int_equal(hv_record_to_json(&r, &j), 0);
	return j;
}

static cJSON *bundle_for(const struct kind *k,
			 const struct hv_fhir_phd_options *opt)
{
	cJSON *record = record_json(k, "alice", 1637582190);
	cJSON *bundle = NULL;

	assert_int_equal(hv_fhir_phd_bundle(record, opt, &bundle), 0);
	cJSON_Delete(record);
	return bundle;
}

/* --- walking a Bundle -------------------------------------------------------- */

static bool has_coding(const cJSON *concept, const char *system,
		       const char *code)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, item(concept, "coding"))
		if (strcmp(str(c, "system"), system) == 0 &&
		    (!code || strcmp(str(c, "code"), code) == 0))
			return true;
	return false;
}

static bool has_category(const cJSON *obs, const char *code)
{
	const cJSON *cat;

	cJSON_ArrayForEach(cat, item(obs, "category"))
		if (has_coding(cat,
			       "http://hl7.org/fhir/uv/phd/CodeSystem/"
			       "PhdObservationCategories",
			       code) ||
		    has_coding(cat,
			       "http://terminology.hl7.org/CodeSystem/"
			       "observation-category",
			       code))
			return true;
	return false;
}

static const cJSON *entry_of_profile(const cJSON *bundle, const char *profile)
{
	const cJSON *e, *found = NULL;

	cJSON_ArrayForEach(e, item(bundle, "entry")) {
		const cJSON *p =
			item(item(item(e, "resource"), "meta"), "profile");

		if (strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(p, 0)),
			   profile) == 0) {
			assert_null(found); /* one of each */
			found = e;
		}
	}
	assert_non_null(found);
	return found;
}

static bool is_full_url(const cJSON *bundle, const char *url)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, item(bundle, "entry"))
		if (strcmp(str(e, "fullUrl"), url) == 0)
			return true;
	return false;
}

/* Every "reference" anywhere in o names an entry of the Bundle. */
static unsigned check_references(const cJSON *bundle, const cJSON *o)
{
	const cJSON *child;
	unsigned n = 0;

	cJSON_ArrayForEach(child, o) {
		if (child->string && strcmp(child->string, "reference") == 0) {
			assert_true(cJSON_IsString(child));
			assert_true(is_full_url(bundle, child->valuestring));
			n++;
		}
		n += check_references(bundle, child);
	}
	return n;
}

/* The entry's request creates its resource only if its identifier is new. */
static void check_request(const cJSON *entry)
{
	const cJSON *resource = item(entry, "resource");
	const cJSON *request = item(entry, "request");
	const cJSON *ids = item(resource, "identifier"), *id;
	const char *query = str(request, "ifNoneExist");
	bool matched = false;

	assert_string_equal(str(request, "method"), "POST");
	assert_string_equal(str(request, "url"), str(resource, "resourceType"));
	assert_non_null(query);
	assert_true(strncmp(query, "identifier=", 11) == 0);
	cJSON_ArrayForEach(id, ids) {
		char want[512];

		(void)snprintf(want, sizeof(want), "identifier=%s|%s",
			       str(id, "system"), str(id, "value"));
		matched = matched || strcmp(want, query) == 0;
	}
	assert_true(matched);
	assert_true(strncmp(str(entry, "fullUrl"), "urn:uuid:", 9) == 0);
	assert_int_equal(strlen(str(entry, "fullUrl")), 9 + 36);
}

static void check_devices(const cJSON *bundle, const struct kind *k)
{
	const cJSON *phd = item(entry_of_profile(bundle, HV_PHD_IG "PhdDevice"),
				"resource");
	const cJSON *phg = item(entry_of_profile(bundle, HV_PHD_IG "PhgDevice"),
				"resource");
	const cJSON *id = cJSON_GetArrayItem(item(phd, "identifier"), 0);
	const cJSON *spec = cJSON_GetArrayItem(item(phd, "specialization"), 0);
	const cJSON *v;

	assert_true(has_coding(item(phd, "type"), MDC, "65573"));
	assert_true(has_coding(item(id, "type"),
			       "http://terminology.hl7.org/CodeSystem/"
			       "ContinuaDeviceIdentifiers",
			       "SYSID"));
	assert_string_equal(str(id, "system"), HV_PHD_SYSTEM_EUI64);
	assert_string_equal(str(id, "value"), "74-E8-FF-FE-FF-05-1C-00");
	assert_true(
		has_coding(item(spec, "systemType"), MDC, k->specialization));
	assert_non_null(str(spec, "version"));
	assert_true(cJSON_GetArraySize(item(phd, "version")) >= 1);
	cJSON_ArrayForEach(v, item(phd, "version"))
		assert_true(str(v, "value") || item(v, "_value"));
	assert_non_null(str(phd, "manufacturer"));
	assert_non_null(str(phd, "modelNumber"));
	assert_true(has_coding(item(phg, "type"), MDC, "531981"));
	assert_non_null(item(phg, "specialization"));
}

static const char *expected_mdc(const struct kind *k, enum hv_metric m)
{
	switch (m) {
	case HV_METRIC_PULSE_RATE:
		return strcmp(k->driver, "sig_pulse_oximeter") == 0 ? "149530" :
								      "149546";
	case HV_METRIC_BLOOD_GLUCOSE:
		return "160184"; /* capillary whole blood, as the meter said */
	case HV_METRIC_BODY_WEIGHT:
		return "188736";
	case HV_METRIC_HEART_RATE:
		return "147842";
	case HV_METRIC_RR_INTERVAL:
		return "147240";
	case HV_METRIC_BODY_TEMPERATURE:
		return "150364";
	case HV_METRIC_SPO2:
		return "150456";
	default:
		return NULL; /* any MDC code */
	}
}

static bool is_vital(enum hv_metric m)
{
	return m == HV_METRIC_BODY_WEIGHT || m == HV_METRIC_BMI ||
	       m == HV_METRIC_HEART_RATE || m == HV_METRIC_PULSE_RATE ||
	       m == HV_METRIC_BODY_TEMPERATURE || m == HV_METRIC_SPO2;
}

/* The metric an Observation is about, from its text (the metric display). */
static enum hv_metric observation_metric(const cJSON *obs)
{
	const char *text = str(item(obs, "code"), "text");

	for (int m = 0; m < _HV_METRIC_MAX; m++)
		if (strcmp(hv_metric_info(m)->display, text) == 0)
			return m;
	fail_msg("no metric has the display '%s'", text);
	return _HV_METRIC_INVALID;
}

static void check_value(const cJSON *o)
{
	const cJSON *vq = item(o, "valueQuantity");
	const cJSON *dar = item(o, "dataAbsentReason");

	/* a value or a reason, never both */
	assert_true(!vq != !dar);
	if (vq) {
		assert_true(cJSON_IsNumber(item(vq, "value")));
		assert_string_equal(str(vq, "system"),
				    "http://unitsofmeasure.org");
		assert_non_null(str(vq, "code"));
	} else {
		assert_true(has_coding(dar,
				       "http://terminology.hl7.org/CodeSystem/"
				       "data-absent-reason",
				       NULL));
	}
}

static void check_observation(const cJSON *bundle, const cJSON *obs,
			      const struct kind *k)
{
	const char *patient = str(
		entry_of_profile(bundle, HV_PHD_IG "PhdPatient"), "fullUrl");
	const char *phd =
		str(entry_of_profile(bundle, HV_PHD_IG "PhdDevice"), "fullUrl");
	const char *phg =
		str(entry_of_profile(bundle, HV_PHD_IG "PhgDevice"), "fullUrl");
	const cJSON *ext = cJSON_GetArrayItem(item(obs, "extension"), 0);
	const cJSON *id = cJSON_GetArrayItem(item(obs, "identifier"), 0);
	const char *profile = cJSON_GetStringValue(
		cJSON_GetArrayItem(item(item(obs, "meta"), "profile"), 0));
	const cJSON *code = item(obs, "code");
	const char *status = str(obs, "status");

	assert_true(strncmp(profile, HV_PHD_IG, strlen(HV_PHD_IG)) == 0);
	assert_true(has_category(obs, "phd"));
	assert_string_equal(str(ext, "url"), HV_PHD_GATEWAY_DEVICE_EXTENSION);
	assert_string_equal(str(item(ext, "valueReference"), "reference"), phg);
	assert_string_equal(str(item(obs, "subject"), "reference"), patient);
	assert_string_equal(str(item(obs, "device"), "reference"), phd);
	assert_string_equal(str(id, "system"), HV_PHD_SYSTEM_OBSERVATION);
	/* device (EUI-64, no dashes) - patient value - patient system - … */
	assert_true(strncmp(str(id, "value"),
			    "74E8FFFEFF051C00-alice-urn:homevitals:person-",
			    45) == 0);
	assert_string_equal(str(obs, "effectiveDateTime"),
			    "2021-11-22T11:56:30Z");
	assert_true(strcmp(status, "final") == 0 ||
		    strcmp(status, "preliminary") == 0);
	/* the MDC code comes first, always (IG: Nomenclature codes) */
	assert_string_equal(
		str(cJSON_GetArrayItem(item(code, "coding"), 0), "system"),
		MDC);
	if (item(obs, "component")) {
		const cJSON *comp;

		assert_true(has_coding(code, MDC, "150020"));
		assert_true(has_coding(code, LOINC, "85354-9"));
		assert_true(has_category(obs, "vital-signs"));
		assert_null(item(obs, "valueQuantity"));
		cJSON_ArrayForEach(comp, item(obs, "component")) {
			assert_true(has_coding(item(comp, "code"), MDC, NULL));
			check_value(comp);
		}
		return;
	}
	{
		enum hv_metric m = observation_metric(obs);
		const char *loinc = hv_metric_info(m)->loinc;

		assert_true(has_coding(code, MDC, expected_mdc(k, m)));
		if (loinc)
			assert_true(has_coding(code, LOINC, loinc));
		assert_int_equal(has_category(obs, "vital-signs"), is_vital(m));
		check_value(obs);
	}
}

static unsigned count_observations(const cJSON *bundle)
{
	const cJSON *e;
	unsigned n = 0;

	cJSON_ArrayForEach(e, item(bundle, "entry"))
		n += strcmp(str(item(e, "resource"), "resourceType"),
			    "Observation") == 0;
	return n;
}

static void check_bundle(const cJSON *bundle, const struct kind *k)
{
	const cJSON *e;

	fhir_dump(bundle, "phd");

	assert_string_equal(str(bundle, "resourceType"), "Bundle");
	assert_string_equal(str(bundle, "type"), "transaction");
	cJSON_ArrayForEach(e, item(bundle, "entry"))
		check_request(e);
	check_devices(bundle, k);
	cJSON_ArrayForEach(e, item(bundle, "entry")) {
		const cJSON *res = item(e, "resource");

		if (strcmp(str(res, "resourceType"), "Observation") == 0)
			check_observation(bundle, res, k);
	}
	/* subject, device and gateway of each Observation at least */
	assert_true(check_references(bundle, bundle) >=
		    3 * count_observations(bundle));
}

/* fullUrls and Observation identifiers are all distinct. */
static void check_distinct(const cJSON *bundle)
{
	const cJSON *a, *b;

	cJSON_ArrayForEach(a, item(bundle, "entry"))
		for (b = a->next; b; b = b->next) {
			const char *ia =
				str(cJSON_GetArrayItem(item(item(a, "resource"),
							    "identifier"),
						       0),
				    "value");
			const char *ib =
				str(cJSON_GetArrayItem(item(item(b, "resource"),
							    "identifier"),
						       0),
				    "value");

			assert_string_not_equal(str(a, "fullUrl"),
						str(b, "fullUrl"));
			assert_string_not_equal(ia, ib);
		}
}

static void test_every_kind(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		cJSON *bundle = bundle_for(&kinds[i], &gateway);

		print_message("%s\n", kinds[i].name);
		check_bundle(bundle, &kinds[i]);
		check_distinct(bundle);
		cJSON_Delete(bundle);
	}
}

/* A redelivered record renders byte for byte the same Bundle. */
static void test_redelivery_is_stable(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		cJSON *a = bundle_for(&kinds[i], &gateway);
		cJSON *b = bundle_for(&kinds[i], &gateway);
		char *ta = cJSON_PrintUnformatted(a),
		     *tb = cJSON_PrintUnformatted(b);

		assert_string_equal(ta, tb);
		free(ta);
		free(tb);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
}

static const cJSON *first_observation(const cJSON *bundle)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, item(bundle, "entry"))
		if (strcmp(str(item(e, "resource"), "resourceType"),
			   "Observation") == 0)
			return e;
	fail();
	return NULL;
}

/*
 * The Observation identifier carries the device's own timestamp when it sent
 * one (seconds since 2000-01-01, the IG's encoding), else the reception time;
 * Patient and devices keep their identity across measurements.
 */
static void test_identifier_timestamp(void **state)
{
	const struct kind *bp = &kinds[1], *hr = &kinds[3];
	cJSON *r1 = record_json(bp, "alice", 1637582190);
	cJSON *r2 =
		record_json(hr, "alice", 1710492000); /* 2024-03-15T08:40:00Z */
	cJSON *b1 = NULL, *b2 = NULL;
	const cJSON *o1, *o2;

	(void)state;
	assert_int_equal(hv_fhir_phd_bundle(r1, &gateway, &b1), 0);
	assert_int_equal(hv_fhir_phd_bundle(r2, &gateway, &b2), 0);
	o1 = first_observation(b1);
	o2 = first_observation(b2);
	/* 2021-11-22 11:56:30 = 690897390 s after 2000-01-01 */
	assert_string_equal(
		str(cJSON_GetArrayItem(item(item(o1, "resource"), "identifier"),
				       0),
		    "value"),
		"74E8FFFEFF051C00-alice-urn:homevitals:person-"
		"150020-690897390");
	assert_string_equal(
		str(cJSON_GetArrayItem(item(item(o2, "resource"), "identifier"),
				       0),
		    "value"),
		"74E8FFFEFF051C00-alice-urn:homevitals:person-"
		"147842-763807200");
	assert_string_not_equal(str(o1, "fullUrl"), str(o2, "fullUrl"));
	/* the same patient and gateway, whatever the measurement */
	assert_string_equal(
		str(entry_of_profile(b1, HV_PHD_IG "PhdPatient"), "fullUrl"),
		str(entry_of_profile(b2, HV_PHD_IG "PhdPatient"), "fullUrl"));
	assert_string_equal(
		str(entry_of_profile(b1, HV_PHD_IG "PhgDevice"), "fullUrl"),
		str(entry_of_profile(b2, HV_PHD_IG "PhgDevice"), "fullUrl"));
	cJSON_Delete(r1);
	cJSON_Delete(r2);
	cJSON_Delete(b1);
	cJSON_Delete(b2);
}

static const cJSON *observation_with_code(const cJSON *bundle, const char *mdc)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, item(bundle, "entry")) {
		const cJSON *res = item(e, "resource");

		if (strcmp(str(res, "resourceType"), "Observation") == 0 &&
		    has_coding(item(res, "code"), MDC, mdc))
			return res;
	}
	fail_msg("no Observation coded %s", mdc);
	return NULL;
}

static const char *absent_code(const cJSON *o)
{
	return str(cJSON_GetArrayItem(
			   item(item(o, "dataAbsentReason"), "coding"), 0),
		   "code");
}

/* NaN, NRes and +inf (IG: FLOATs page) become a reason, never a number. */
static void test_special_values(void **state)
{
	cJSON *scale = bundle_for(&kinds[0], &gateway);
	cJSON *temp = bundle_for(&kinds[5], &gateway);
	const cJSON *bmi = observation_with_code(scale, "188752");
	const cJSON *e;
	unsigned inf = 0;

	(void)state;
	assert_string_equal(absent_code(bmi), "not-a-number");
	assert_null(item(bmi, "valueQuantity"));
	cJSON_ArrayForEach(e, item(temp, "entry")) {
		const cJSON *res = item(e, "resource");

		if (item(res, "dataAbsentReason")) {
			assert_string_equal(absent_code(res),
					    "positive-infinity");
			inf++;
		}
	}
	assert_int_equal(inf, 1);
	cJSON_Delete(scale);
	cJSON_Delete(temp);
}

static void test_blood_pressure_components(void **state)
{
	cJSON *bundle = bundle_for(&kinds[1], &gateway);
	const cJSON *bp = observation_with_code(bundle, "150020");
	const cJSON *pulse = observation_with_code(bundle, "149546");
	const cJSON *comp = item(bp, "component");
	const cJSON *sys = cJSON_GetArrayItem(comp, 0);
	const cJSON *dia = cJSON_GetArrayItem(comp, 1);
	const cJSON *map = cJSON_GetArrayItem(comp, 2);

	(void)state;
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
				    item(item(bp, "meta"), "profile"), 0)),
			    HV_PHD_IG "PhdCompoundNumericObservation");
	assert_int_equal(cJSON_GetArraySize(comp), 3);
	assert_true(has_coding(item(sys, "code"), MDC, "150021"));
	assert_true(has_coding(item(sys, "code"), LOINC, "8480-6"));
	assert_int_equal(item(item(sys, "valueQuantity"), "value")->valueint,
			 128);
	assert_string_equal(str(item(sys, "valueQuantity"), "code"), "mm[Hg]");
	assert_true(has_coding(item(dia, "code"), MDC, "150022"));
	assert_true(has_coding(item(dia, "code"), LOINC, "8462-4"));
	assert_true(has_coding(item(map, "code"), MDC, "150023"));
	/* NRes: "error" (IG FLOATs page) */
	assert_string_equal(absent_code(map), "error");
	/* the cuff's pulse is its own Observation, not a component */
	assert_int_equal(item(item(pulse, "valueQuantity"), "value")->valueint,
			 66);
	cJSON_Delete(bundle);
}

/* The test-data flag marks every Observation HTEST, and only then. */
static void test_test_data_flag(void **state)
{
	struct hv_fhir_phd_options demo = gateway;
	cJSON *plain = bundle_for(&kinds[0], &gateway), *test;
	const cJSON *e;

	(void)state;
	demo.test_data = true;
	test = bundle_for(&kinds[0], &demo);
	cJSON_ArrayForEach(e, item(test, "entry")) {
		const cJSON *res = item(e, "resource");
		const cJSON *sec = cJSON_GetArrayItem(
			item(item(res, "meta"), "security"), 0);

		if (strcmp(str(res, "resourceType"), "Observation") != 0)
			continue;
		assert_string_equal(str(sec, "system"),
				    "http://terminology.hl7.org/CodeSystem/"
				    "v3-ActReason");
		assert_string_equal(str(sec, "code"), "HTEST");
	}
	cJSON_ArrayForEach(e, item(plain, "entry"))
		assert_null(
			item(item(item(e, "resource"), "meta"), "security"));
	cJSON_Delete(plain);
	cJSON_Delete(test);
}

static const char *version_of(const cJSON *device, const char *mdc)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, item(device, "version"))
		if (has_coding(item(v, "type"), MDC, mdc))
			return str(v, "value");
	return NULL;
}

/* No revision known: one version, the firmware's, whose value is absent
 * with the reason "unknown" (PhdDevice version[MDCType] 1..*; R4
 * Device.version.value 1..1, here as an extension-only primitive). */
static void check_firmware_unknown(const cJSON *phd)
{
	const cJSON *v = cJSON_GetArrayItem(item(phd, "version"), 0);
	const cJSON *ext;

	assert_int_equal(cJSON_GetArraySize(item(phd, "version")), 1);
	assert_true(has_coding(item(v, "type"), MDC, "531976"));
	assert_null(item(v, "value"));
	ext = cJSON_GetArrayItem(item(item(v, "_value"), "extension"), 0);
	assert_string_equal(
		str(ext, "url"),
		"http://hl7.org/fhir/StructureDefinition/data-absent-reason");
	assert_string_equal(str(ext, "valueCode"), "unknown");
}

/* What the Device Information Service said goes into the PhdDevice: names,
 * serialNumber, the revisions typed MDC_ID_PROD_SPEC_FW/SW/HW (the IG's
 * ValueSet.MDCDeviceVersionTypes.fsh and its example device
 * phd-74E8FFFEFF051C00.001C05FFE874.json), and its System ID as SYSID, which
 * names the device in the Observations too. Without it: the driver's names,
 * no serial number, the firmware version unknown, the SYSID derived from the
 * address. */
static void test_device_information(void **state)
{
	static const uint8_t system_id[8] = { 0x01, 0x02, 0x03, 0xFE,
					      0xFF, 0x0A, 0x0B, 0x0C };
	struct hv_fhir_phd_options opt = gateway;
	struct hv_uuid sysid_uuid;
	struct hv_dis dis = { 0 };
	cJSON *with, *without, *firmware_only;
	const cJSON *phd, *id, *e;

	(void)state;
	hv_dis_set(&dis, HV_DIS_MANUFACTURER, "Nonin_Medical_Inc.");
	hv_dis_set(&dis, HV_DIS_MODEL, "Model 3230");
	hv_dis_set(&dis, HV_DIS_SERIAL, "501900083");
	hv_dis_set(&dis, HV_DIS_FIRMWARE, "r2.1");
	hv_dis_set(&dis, HV_DIS_SOFTWARE, "r1.5 9.7");
	hv_dis_set(&dis, HV_DIS_HARDWARE, "r1.0");
	assert_int_equal(hv_uuid_parse("2a23", &sysid_uuid), 0);
	assert_int_equal(hv_dis_take(&dis, &sysid_uuid, system_id, 8), 0);
	opt.device_info = &dis;
	with = bundle_for(&kinds[0], &opt);
	phd = item(entry_of_profile(with, HV_PHD_IG "PhdDevice"), "resource");
	assert_string_equal(str(phd, "manufacturer"), "Nonin_Medical_Inc.");
	assert_string_equal(str(phd, "modelNumber"), "Model 3230");
	assert_string_equal(str(phd, "serialNumber"), "501900083");
	assert_int_equal(cJSON_GetArraySize(item(phd, "version")), 3);
	assert_string_equal(version_of(phd, "531976"), "r2.1");
	assert_string_equal(version_of(phd, "531975"), "r1.5 9.7");
	assert_string_equal(version_of(phd, "531974"), "r1.0");
	id = cJSON_GetArrayItem(item(phd, "identifier"), 0);
	assert_true(has_coding(item(id, "type"),
			       "http://terminology.hl7.org/CodeSystem/"
			       "ContinuaDeviceIdentifiers",
			       "SYSID"));
	assert_string_equal(str(id, "value"), "01-02-03-FE-FF-0A-0B-0C");
	cJSON_ArrayForEach(e, item(with, "entry")) {
		const cJSON *res = item(e, "resource");

		if (strcmp(str(res, "resourceType"), "Observation") == 0)
			assert_non_null(strstr(
				str(cJSON_GetArrayItem(item(res, "identifier"), 0),
				    "value"),
				"010203FEFF0A0B0C"));
	}

	opt.device_info = NULL;
	without = bundle_for(&kinds[0], &opt);
	phd = item(entry_of_profile(without, HV_PHD_IG "PhdDevice"), "resource");
	assert_null(item(phd, "serialNumber"));
	check_firmware_unknown(phd);
	assert_string_not_equal(str(phd, "manufacturer"), "Nonin_Medical_Inc.");
	check_bundle(without, &kinds[0]);

	/* Only what was read: the rest as without. */
	dis = (struct hv_dis){ 0 };
	hv_dis_set(&dis, HV_DIS_FIRMWARE, "1.0.7");
	opt.device_info = &dis;
	firmware_only = bundle_for(&kinds[0], &opt);
	phd = item(entry_of_profile(firmware_only, HV_PHD_IG "PhdDevice"),
		   "resource");
	assert_null(item(phd, "serialNumber"));
	assert_int_equal(cJSON_GetArraySize(item(phd, "version")), 1);
	assert_string_equal(version_of(phd, "531976"), "1.0.7");
	check_bundle(firmware_only, &kinds[0]);

	cJSON_Delete(with);
	cJSON_Delete(without);
	cJSON_Delete(firmware_only);
}

/* Without the gateway's adapter address the PhgDevice is named, not EUI-64. */
static void test_gateway_without_address(void **state)
{
	struct hv_fhir_phd_options named = { .gateway_id = "hallway" };
	cJSON *bundle = bundle_for(&kinds[2], &named);
	const cJSON *phg = entry_of_profile(bundle, HV_PHD_IG "PhgDevice");
	const cJSON *id = cJSON_GetArrayItem(
		item(item(phg, "resource"), "identifier"), 0);

	(void)state;
	assert_string_equal(str(id, "system"), HV_PHD_SYSTEM_GATEWAY);
	assert_string_equal(str(id, "value"), "hallway");
	assert_string_equal(str(item(phg, "request"), "ifNoneExist"),
			    "identifier=urn:homevitals:gateway|hallway");
	check_bundle(bundle, &kinds[2]);
	cJSON_Delete(bundle);
}

/* The property of a PhgDevice whose type is CODE, or NULL. */
static const cJSON *property_of(const cJSON *props, const char *system,
				const char *code)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, props)
		if (has_coding(item(p, "type"), system, code))
			return p;
	return NULL;
}

/* The PhgDevice says how the gateway's clock is synchronised
 * (MDC_TIME_SYNC_PROTOCOL) and how far off it may be
 * (MDC_TIME_SYNC_ACCURACY), and nothing of either when that is not known;
 * it always says it is not a regulated device. */
static void test_gateway_time_sync(void **state)
{
	static const struct {
		enum hv_clock_sync sync;
		uint64_t accuracy_usec;
		const char *code;
	} cases[] = {
		{ HV_CLOCK_SYNC_SNTP, 1500, "532228" },
		{ HV_CLOCK_SYNC_NTP, 250000, "532226" },
		{ HV_CLOCK_SYNC_NONE, 0, "532224" },
		{ HV_CLOCK_SYNC_UNKNOWN, 0, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_fhir_phd_options opt = gateway;
		cJSON *bundle;
		const cJSON *props, *p, *q, *v;
		int n = 1;

		opt.clock_sync = cases[i].sync;
		opt.clock_accuracy_usec = cases[i].accuracy_usec;
		bundle = bundle_for(&kinds[0], &opt);
		props = item(item(entry_of_profile(bundle, HV_PHD_IG "PhgDevice"),
				  "resource"),
			     "property");
		p = property_of(props, MDC, "68220");
		if (!cases[i].code) {
			assert_null(p);
		} else {
			n++;
			assert_non_null(p);
			assert_true(has_coding(cJSON_GetArrayItem(item(p, "valueCode"), 0),
					       MDC, cases[i].code));
		}
		p = property_of(props, MDC, "68221");
		if (!cases[i].accuracy_usec) {
			assert_null(p);
		} else {
			n++;
			assert_int_equal(cJSON_GetArraySize(item(p, "valueQuantity")), 1);
			q = cJSON_GetArrayItem(item(p, "valueQuantity"), 0);
			assert_int_equal(item(q, "value")->valuedouble,
					 cases[i].accuracy_usec);
			assert_string_equal(str(q, "system"),
					    "http://unitsofmeasure.org");
			assert_string_equal(str(q, "code"), "us");
		}
		p = property_of(props,
				"http://terminology.hl7.org/CodeSystem/ASN1ToHL7",
				"532354.0");
		assert_non_null(p);
		v = cJSON_GetArrayItem(item(p, "valueCode"), 0);
		assert_true(has_coding(v,
				       "http://terminology.hl7.org/CodeSystem/v2-0136",
				       "Y"));
		assert_int_equal(cJSON_GetArraySize(props), n);
		check_bundle(bundle, &kinds[0]);
		cJSON_Delete(bundle);
	}
}

static void test_refusals(void **state)
{
	struct hv_fhir_phd_options nameless = { 0 };
	cJSON *unassigned = record_json(&kinds[0], "", 1637582190);
	cJSON *record = record_json(&kinds[0], "alice", 1637582190);
	cJSON *out = NULL;

	(void)state;
	/* a PhdObservation needs a Patient */
	assert_int_equal(hv_fhir_phd_bundle(unassigned, &gateway, &out),
			 -ENODATA);
	assert_int_equal(hv_fhir_phd_bundle(record, &nameless, &out), -EINVAL);
	assert_int_equal(hv_fhir_phd_bundle(record, NULL, &out), -EINVAL);
	{
		char long_person[130];

		memset(long_person, 'p', sizeof(long_person) - 1);
		long_person[sizeof(long_person) - 1] = '\0';
		cJSON_ReplaceItemInObjectCaseSensitive(
			record, "person", cJSON_CreateString(long_person));
		assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &out),
				 -EINVAL);
		long_person[128] = '\0'; /* the longest accepted */
		cJSON_ReplaceItemInObjectCaseSensitive(
			record, "person", cJSON_CreateString(long_person));
		assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &out), 0);
		cJSON_Delete(out);
		out = NULL;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(record, "device"), "address",
		cJSON_CreateString("not an address"));
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &out), -EINVAL);
	assert_null(out);
	cJSON_Delete(unassigned);
	cJSON_Delete(record);
}

/* Person ids with search-syntax characters are escaped in ifNoneExist. */
static void test_if_none_exist_escaping(void **state)
{
	cJSON *record = record_json(&kinds[2], "a,b|c d", 1637582190);
	cJSON *bundle = NULL;

	(void)state;
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle), 0);
	assert_string_equal(
		str(item(entry_of_profile(bundle, HV_PHD_IG "PhdPatient"),
			 "request"),
		    "ifNoneExist"),
		"identifier=urn:homevitals:person|a%5C%2Cb%5C%7Cc%20d");
	cJSON_Delete(record);
	cJSON_Delete(bundle);
}

/* The IG's example device (Nonin 3230) pairs this address and system id. */
static void test_eui64_from_address(void **state)
{
	char buf[24];

	(void)state;
	assert_int_equal(hv_phd_eui64_from_address("00:1C:05:FF:E8:74", buf,
						   sizeof(buf)),
			 0);
	assert_string_equal(buf, "74-E8-FF-FE-FF-05-1C-00");
	assert_int_equal(hv_phd_eui64_from_address("00:1c:05:ff:e8:74", buf,
						   sizeof(buf)),
			 0);
	assert_string_equal(buf, "74-E8-FF-FE-FF-05-1C-00");
	assert_int_equal(
		hv_phd_eui64_from_address("00:1C:05:FF:E8", buf, sizeof(buf)),
		-EINVAL);
	assert_int_equal(hv_phd_eui64_from_address("00:1C:05:FF:E8:7G", buf,
						   sizeof(buf)),
			 -EINVAL);
	assert_int_equal(hv_phd_eui64_from_address(NULL, buf, sizeof(buf)),
			 -EINVAL);
}

/* Name-based UUIDs (RFC 9562 §5.5), checked against Python's uuid.uuid5. */
static void test_uuid5(void **state)
{
	char long_name[201], buf[64];

	(void)state;
	hv_phd_uuid_urn("Patient|urn:homevitals:person|alice", buf,
			sizeof(buf));
	assert_string_equal(buf,
			    "urn:uuid:fc650f64-9e4c-5a1f-9351-a3d6c8adac0c");
	hv_phd_uuid_urn("", buf, sizeof(buf));
	assert_string_equal(buf,
			    "urn:uuid:2d387c28-d33f-5b10-a034-1483314e5b3f");
	/* more than one SHA-1 block */
	memset(long_name, 'x', 200);
	long_name[200] = '\0';
	hv_phd_uuid_urn(long_name, buf, sizeof(buf));
	assert_string_equal(buf,
			    "urn:uuid:7a0d76c4-adb6-5532-bbf1-8c9b7ab9917f");
}

static enum hv_metric every_metric_next;

static void fill_one_metric(struct hv_measurement *m)
{
	add(m, every_metric_next, 1.5);
}

/* Every metric the gateway knows becomes an Observation coded in MDC. */
static void test_every_metric_has_an_mdc_code(void **state)
{
	const struct kind generic = { "generic", "no_such_driver",
				      fill_one_metric, "528457" };

	(void)state;
	for (int m = 0; m < _HV_METRIC_MAX; m++) {
		const char *loinc = hv_metric_info(m)->loinc;
		const cJSON *obs, *first;
		cJSON *bundle;

		every_metric_next = m;
		bundle = bundle_for(&generic, &gateway);
		check_devices(bundle, &generic);
		obs = item(first_observation(bundle), "resource");
		/* a blood pressure reading: its component of the compound */
		if (item(obs, "component"))
			obs = cJSON_GetArrayItem(item(obs, "component"), 0);
		first = cJSON_GetArrayItem(item(item(obs, "code"), "coding"),
					   0);
		assert_string_equal(str(first, "system"), MDC);
		assert_true(strtoul(str(first, "code"), NULL, 10) > 65535);
		assert_non_null(str(first, "display"));
		if (loinc)
			assert_true(
				has_coding(item(obs, "code"), LOINC, loinc));
		check_references(bundle, bundle);
		cJSON_Delete(bundle);
	}
}

/* The glucose code follows the sample type; LOINC only where it fits. */
/* The activity metrics carry the published terms of the PHD health and
 * fitness partition (129 × 65536 + term: MDC_HF_DISTANCE 103, MDC_HF_SPEED
 * 110, MDC_HF_CAD 111, MDC_HF_ENERGY 119), not private codes. */
static void test_health_and_fitness_codes(void **state)
{
	static const struct {
		enum hv_metric metric;
		const char *code, *display;
	} published[] = {
		{ HV_METRIC_DISTANCE, "8454247", "MDC_HF_DISTANCE" },
		{ HV_METRIC_SPEED, "8454254", "MDC_HF_SPEED" },
		{ HV_METRIC_CADENCE, "8454255", "MDC_HF_CAD" },
		{ HV_METRIC_ENERGY_EXPENDED, "8454263", "MDC_HF_ENERGY" },
	};
	const struct kind generic = { "generic", "no_such_driver",
				      fill_one_metric, "528457" };

	(void)state;
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		const cJSON *obs, *first;
		cJSON *bundle;

		every_metric_next = published[i].metric;
		bundle = bundle_for(&generic, &gateway);
		obs = item(first_observation(bundle), "resource");
		first = cJSON_GetArrayItem(item(item(obs, "code"), "coding"),
					   0);
		assert_string_equal(str(first, "code"), published[i].code);
		assert_string_equal(str(first, "display"),
				    published[i].display);
		assert_non_null(strstr(
			str(cJSON_GetArrayItem(item(obs, "identifier"), 0),
			    "value"),
			published[i].code));
		cJSON_Delete(bundle);
	}
}

static void test_glucose_sample_type(void **state)
{
	cJSON *record = record_json(&kinds[2], "alice", 1637582190);
	cJSON *bundle = NULL;
	const cJSON *obs;

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(
		record, "sample_type", cJSON_CreateString("venous_plasma"));
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle), 0);
	obs = observation_with_code(bundle, "160196");
	assert_false(has_coding(item(obs, "code"), LOINC, NULL));
	cJSON_Delete(bundle);
	bundle = NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(record, "sample_type");
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle), 0);
	obs = observation_with_code(bundle, "160020");
	assert_true(has_coding(item(obs, "code"), LOINC, "14743-9"));
	cJSON_Delete(bundle);
	cJSON_Delete(record);
}

/* A control-solution sample, even one assigned to a person, is no
 * Observation of the patient. */
static void test_glucose_control_solution(void **state)
{
	cJSON *record = record_json(&kinds[2], "alice", 1637582190);
	cJSON *flags = cJSON_CreateArray();
	cJSON *bundle = NULL;

	(void)state;
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle), 0);
	cJSON_Delete(bundle);
	bundle = NULL;
	assert_non_null(flags);
	cJSON_AddItemToArray(flags, cJSON_CreateString("control_solution"));
	cJSON_ReplaceItemInObjectCaseSensitive(
		record, "sample_type", cJSON_CreateString("control_solution"));
	cJSON_AddItemToObject(record, "flags", flags);
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle),
			 -ENODATA);
	assert_null(bundle);
	cJSON_Delete(record);
}

/* A measurement not yet final is preliminary; a stored one final. */
static void test_status(void **state)
{
	cJSON *record = record_json(&kinds[4], "alice", 1637582190);
	cJSON *bundle = NULL;
	const cJSON *e;
	unsigned n = 0;

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(record, "final",
					       cJSON_CreateFalse());
	assert_int_equal(hv_fhir_phd_bundle(record, &gateway, &bundle), 0);
	cJSON_ArrayForEach(e, item(bundle, "entry")) {
		const cJSON *res = item(e, "resource");

		if (strcmp(str(res, "resourceType"), "Observation") == 0) {
			assert_string_equal(str(res, "status"), "preliminary");
			n++;
		}
	}
	assert_int_equal(n, 3);
	cJSON_Delete(bundle);
	cJSON_Delete(record);
}

static void test_config_accepts_phd(void **state)
{
	struct hv_config c = { 0 };
	struct hv_config_error err = { 0 };

	(void)state;
	assert_int_equal(hv_config_parse("{\"mqtt\": {\"payload_format\": "
					 "\"phd\"}}",
					 &c, &err, NULL, NULL),
			 0);
	assert_int_equal(c.mqtt.payload_format, HV_PAYLOAD_PHD);
	hv_config_done(&c);
}

/* A blood-pressure record from a connection whose clock read found the cuff
 * 3 h slow (or, fault, no plausible date). */
static cJSON *clock_read_bundle(int64_t time_s, bool fault)
{
	const struct kind *k = &kinds[1];
	struct hv_record r = { 0 };
	cJSON *j = NULL, *bundle = NULL;

	assert_string_equal(k->driver, "sig_blood_pressure");
	(void)snprintf(r.id, sizeof(r.id), "%lld", (long long)time_s);
	(void)snprintf(r.device_address, sizeof(r.device_address), ADDRESS);
	(void)snprintf(r.device_model, sizeof(r.device_model), "%s", k->driver);
	(void)snprintf(r.person, sizeof(r.person), "alice");
	r.time_usec = time_s * 1000000LL;
	r.time_source = "device-corrected";
	r.has_clock_read = true;
	r.clock_read_fault = fault;
	/* read at 2021-11-22T15:00:10Z; the cuff said 12:00:10Z */
	r.clock_read_gateway_usec = 1637593210LL * 1000000;
	r.clock_read_device_usec = (1637593210LL - 3 * 3600) * 1000000;
	hv_measurement_init(&r.m, k->driver);
	r.m.final = true;
	k->fill(&r.m);
	assert_int_equal(hv_record_to_json(&r, &j), 0);
	assert_int_equal(hv_fhir_phd_bundle(j, &gateway, &bundle), 0);
	cJSON_Delete(j);
	return bundle;
}

/* The Coincident Timestamp (IG: PhdCoincidentTimeStampObservation): the
 * device's clock against the gateway's at the read, once per connection,
 * and every PhdObservation of the record points at it. */
static void test_coincident_timestamp(void **state)
{
	cJSON *bundle = clock_read_bundle(1637582190, false);
	cJSON *next = clock_read_bundle(1637582250, false);
	cJSON *plain = bundle_for(&kinds[1], &gateway);
	const cJSON *cts_entry =
		entry_of_profile(bundle, HV_PHD_IG "PhdCoincidentTimeStampObservation");
	const cJSON *cts = item(cts_entry, "resource");
	const char *url = str(cts_entry, "fullUrl");
	const cJSON *e;
	unsigned linked = 0;

	(void)state;
	cJSON_ArrayForEach(e, item(bundle, "entry"))
		check_request(e);
	check_distinct(bundle);
	/* subject, device and gateway of each Observation, and the links */
	assert_true(check_references(bundle, bundle) >=
		    3 * count_observations(bundle));
	assert_string_equal(str(cts, "status"), "final");
	assert_true(has_coding(item(cts, "code"), MDC, "67975"));
	assert_string_equal(str(cts, "effectiveDateTime"), "2021-11-22T15:00:10Z");
	assert_string_equal(str(cts, "valueDateTime"), "2021-11-22T12:00:10Z");
	assert_null(item(cts, "dataAbsentReason"));
	assert_string_equal(
		str(item(cts, "subject"), "reference"),
		str(entry_of_profile(bundle, HV_PHD_IG "PhdDevice"), "fullUrl"));
	assert_string_equal(
		str(item(cts, "device"), "reference"),
		str(entry_of_profile(bundle, HV_PHD_IG "PhgDevice"), "fullUrl"));
	assert_null(item(cts, "derivedFrom"));
	check_request(cts_entry);
	cJSON_ArrayForEach(e, item(bundle, "entry")) {
		const cJSON *res = item(e, "resource");
		const cJSON *ext = cJSON_GetArrayItem(item(res, "extension"), 1);

		if (res == cts ||
		    strcmp(str(res, "resourceType"), "Observation") != 0)
			continue;
		assert_string_equal(str(ext, "url"), HV_PHD_COINCIDENT_EXTENSION);
		assert_string_equal(str(item(ext, "valueReference"), "reference"),
				    url);
		linked++;
	}
	assert_true(linked >= 2); /* the compound and the pulse rate */
	assert_int_equal(count_observations(bundle), linked + 1);
	/* another record of the same connection: the same one */
	assert_string_equal(
		str(entry_of_profile(next, HV_PHD_IG "PhdCoincidentTimeStampObservation"),
		    "fullUrl"),
		url);
	/* no clock read: none, and no link */
	cJSON_ArrayForEach(e, item(plain, "entry")) {
		const cJSON *res = item(e, "resource");

		assert_null(cJSON_GetArrayItem(item(res, "extension"), 1));
		assert_int_not_equal(
			strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(
				       item(item(res, "meta"), "profile"), 0)),
			       HV_PHD_IG "PhdCoincidentTimeStampObservation"),
			0);
	}
	cJSON_Delete(bundle);
	cJSON_Delete(next);
	cJSON_Delete(plain);

	/* a time fault: no device time, dataAbsentReason unknown */
	bundle = clock_read_bundle(1637582190, true);
	cts = item(entry_of_profile(bundle, HV_PHD_IG "PhdCoincidentTimeStampObservation"),
		   "resource");
	assert_null(item(cts, "valueDateTime"));
	assert_string_equal(str(cts, "effectiveDateTime"), "2021-11-22T15:00:10Z");
	assert_true(has_coding(item(cts, "dataAbsentReason"),
			       "http://terminology.hl7.org/CodeSystem/data-absent-reason",
			       "unknown"));
	cJSON_Delete(bundle);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_redelivery_is_stable),
		cmocka_unit_test(test_identifier_timestamp),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_blood_pressure_components),
		cmocka_unit_test(test_test_data_flag),
		cmocka_unit_test(test_gateway_without_address),
		cmocka_unit_test(test_gateway_time_sync),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_if_none_exist_escaping),
		cmocka_unit_test(test_eui64_from_address),
		cmocka_unit_test(test_uuid5),
		cmocka_unit_test(test_every_metric_has_an_mdc_code),
		cmocka_unit_test(test_health_and_fitness_codes),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_glucose_sample_type),
		cmocka_unit_test(test_glucose_control_solution),
		cmocka_unit_test(test_config_accepts_phd),
		cmocka_unit_test(test_coincident_timestamp),
		cmocka_unit_test(test_device_information),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
