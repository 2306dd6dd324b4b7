// SPDX-License-Identifier: MIT
/*
 * FHIR R4 Observations from stored records, checked structurally against
 * the R4 Observation rules and the vital-signs profile (status, category,
 * code, subject, effective[x], vs-2/vs-3 value or dataAbsentReason, UCUM
 * valueQuantity), plus topics and Home Assistant discovery payloads.
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

#include "daemon/basic/macro.h"
#include "daemon/common/fhir.h"
#include "daemon/common/measurement_json.h"
#include "daemon/publish/ha_discovery.h"
#include "daemon/publish/mqtt_topics.h"
#include "tests/unit/fhir_dump.h"

static const char *str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static cJSON *record_json(const char *person, enum hv_display_unit unit,
			  void (*fill)(struct hv_measurement *m))
{
	struct hv_record r = { 0 };
	cJSON *j = NULL;

	(void)snprintf(r.id, sizeof(r.id), "abc123");
	(void)snprintf(r.device_address, sizeof(r.device_address),
		       "AA:BB:CC:DD:EE:FF");
	(void)snprintf(r.device_model, sizeof(r.device_model), "test_model");
	(void)snprintf(r.person, sizeof(r.person), "%s", person);
	r.time_usec = 1710491400LL * 1000000LL;
	hv_measurement_init(&r.m, "test");
	r.m.final = true;
	r.m.display_unit = unit;
	fill(&r.m);
	assert_int_equal(hv_record_to_json(&r, &j), 0);
	return j;
}

static void fill_scale(struct hv_measurement *m)
{
	assert_int_equal(hv_measurement_add(m, HV_METRIC_BODY_WEIGHT, 72.4), 0);
	assert_int_equal(hv_measurement_add(m, HV_METRIC_BODY_HEIGHT, 1.8), 0);
	assert_int_equal(hv_measurement_add(m, HV_METRIC_IMPEDANCE, 500), 0);
	assert_int_equal(hv_measurement_add_absent(m, HV_METRIC_BMI,
						   HV_ABSENT_NAN),
			 0);
}

static void fill_bp(struct hv_measurement *m)
{
	assert_int_equal(hv_measurement_add(m, HV_METRIC_SYSTOLIC_PRESSURE, 121),
			 0);
	assert_int_equal(hv_measurement_add(m, HV_METRIC_DIASTOLIC_PRESSURE, 81),
			 0);
	assert_int_equal(hv_measurement_add_absent(m,
						   HV_METRIC_MEAN_ARTERIAL_PRESSURE,
						   HV_ABSENT_NRES),
			 0);
	assert_int_equal(hv_measurement_add(m, HV_METRIC_PULSE_RATE, 64), 0);
}

/* R4 Observation invariants every Observation we make must hold. */
static void check_observation(const cJSON *obs, bool subject)
{
	const cJSON *cat, *code, *coding, *vq, *dar, *comp;
	const char *status = str(obs, "status");

	fhir_dump(obs, "observation");
	assert_string_equal(str(obs, "resourceType"), "Observation");
	assert_non_null(status);
	assert_true(strcmp(status, "final") == 0 ||
		    strcmp(status, "amended") == 0);
	cat = cJSON_GetObjectItem(obs, "category");
	assert_true(cJSON_IsArray(cat) && cJSON_GetArraySize(cat) >= 1);
	coding = cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cat, 0), "coding"), 0);
	assert_string_equal(str(coding, "system"),
			    "http://terminology.hl7.org/CodeSystem/observation-category");
	code = cJSON_GetObjectItem(obs, "code");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(code, "coding")));
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(code, "coding")) >= 1);
	cJSON_ArrayForEach(coding, cJSON_GetObjectItem(code, "coding")) {
		assert_non_null(str(coding, "system"));
		assert_non_null(str(coding, "code"));
	}
	/* effective[x]: a dateTime with at least a day (vs-1) */
	assert_non_null(str(obs, "effectiveDateTime"));
	assert_true(strlen(str(obs, "effectiveDateTime")) >= 10);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(obs, "identifier")));
	if (subject)
		assert_string_equal(str(cJSON_GetObjectItem(obs, "subject"),
					"type"),
				    "Patient");
	else
		assert_null(cJSON_GetObjectItem(obs, "subject"));
	/* vs-2: a value, a dataAbsentReason or components; never two */
	vq = cJSON_GetObjectItem(obs, "valueQuantity");
	dar = cJSON_GetObjectItem(obs, "dataAbsentReason");
	comp = cJSON_GetObjectItem(obs, "component");
	assert_true(!!vq + !!dar + !!comp == 1);
	if (vq) {
		assert_true(cJSON_IsNumber(cJSON_GetObjectItem(vq, "value")));
		assert_string_equal(str(vq, "system"),
				    "http://unitsofmeasure.org");
		assert_non_null(str(vq, "code"));
	}
	cJSON_ArrayForEach(comp, comp) {
		assert_non_null(cJSON_GetObjectItem(comp, "code"));
		assert_true(!!cJSON_GetObjectItem(comp, "valueQuantity") +
				    !!cJSON_GetObjectItem(comp,
							  "dataAbsentReason") ==
			    1);
	}
}

static const cJSON *find_by_code(const cJSON *array, const char *code)
{
	const cJSON *obs, *coding;

	cJSON_ArrayForEach(obs, array) {
		cJSON_ArrayForEach(coding,
				   cJSON_GetObjectItem(cJSON_GetObjectItem(obs,
									   "code"),
						       "coding")) {
			if (strcmp(str(coding, "code"), code) == 0)
				return obs;
		}
	}
	return NULL;
}

static void test_scale_observations(void **state)
{
	cJSON *rec = record_json("p1", HV_UNIT_KG, fill_scale), *obs;
	const cJSON *o, *vq;

	(void)state;
	assert_int_equal(hv_fhir_observations(rec, &obs), 0);
	assert_int_equal(cJSON_GetArraySize(obs), 4);
	cJSON_ArrayForEach(o, obs)
		check_observation(o, true);

	o = find_by_code(obs, "29463-7");
	assert_non_null(o);
	vq = cJSON_GetObjectItem(o, "valueQuantity");
	assert_float_equal(cJSON_GetObjectItem(vq, "value")->valuedouble, 72.4,
			   1e-9);
	assert_string_equal(str(vq, "code"), "kg");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
				    cJSON_GetObjectItem(cJSON_GetObjectItem(o, "meta"),
							"profile"),
				    0)),
			    "http://hl7.org/fhir/StructureDefinition/bodyweight");
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(
						  cJSON_GetArrayItem(cJSON_GetObjectItem(o,
											 "category"),
								     0),
						  "coding"),
					  0),
				"code"),
			    "vital-signs");
	assert_string_equal(str(o, "effectiveDateTime"), "2024-03-15T08:30:00Z");
	/* identifiers derive from the stable id */
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
								       "identifier"),
						   1),
				"value"),
			    "abc123");

	/* height in cm, as the bodyheight profile binds */
	vq = cJSON_GetObjectItem(find_by_code(obs, "8302-2"), "valueQuantity");
	assert_float_equal(cJSON_GetObjectItem(vq, "value")->valuedouble, 180,
			   1e-9);
	assert_string_equal(str(vq, "code"), "cm");

	/* impedance: no LOINC, a local code, not a vital sign */
	o = find_by_code(obs, "impedance");
	assert_non_null(o);
	assert_null(cJSON_GetObjectItem(o, "meta"));

	/* NaN BMI: dataAbsentReason, never a number */
	o = find_by_code(obs, "39156-5");
	assert_non_null(o);
	assert_null(cJSON_GetObjectItem(o, "valueQuantity"));
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(
							   cJSON_GetObjectItem(o, "dataAbsentReason"),
							   "coding"),
						   0),
				"code"),
			    "not-a-number");
	cJSON_Delete(obs);
	cJSON_Delete(rec);
}

static void test_blood_pressure_components(void **state)
{
	cJSON *rec = record_json("p2", HV_UNIT_MMHG, fill_bp), *obs;
	const cJSON *bp, *comp;

	(void)state;
	assert_int_equal(hv_fhir_observations(rec, &obs), 0);
	/* one BP Observation + the pulse */
	assert_int_equal(cJSON_GetArraySize(obs), 2);
	bp = find_by_code(obs, "85354-9");
	assert_non_null(bp);
	check_observation(bp, true);
	comp = cJSON_GetObjectItem(bp, "component");
	assert_int_equal(cJSON_GetArraySize(comp), 3);
	assert_non_null(find_by_code(comp, "8480-6"));
	assert_non_null(find_by_code(comp, "8462-4"));
	assert_non_null(cJSON_GetObjectItem(find_by_code(comp, "8478-0"),
					    "dataAbsentReason"));
	assert_float_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(find_by_code(comp,
								     "8480-6"),
							"valueQuantity"),
				    "value")
			->valuedouble,
		121, 1e-9);
	assert_non_null(find_by_code(obs, "8867-4"));
	check_observation(find_by_code(obs, "8867-4"), true);
	cJSON_Delete(obs);
	cJSON_Delete(rec);
}

static void test_bundle_unassigned(void **state)
{
	cJSON *rec = record_json("", HV_UNIT_KG, fill_scale), *bundle;
	const cJSON *e;
	char *text;

	(void)state;
	assert_int_equal(hv_fhir_bundle(rec, &bundle), 0);
	assert_string_equal(str(bundle, "resourceType"), "Bundle");
	assert_string_equal(str(bundle, "type"), "collection");
	assert_string_equal(str(cJSON_GetObjectItem(bundle, "identifier"),
				"value"),
			    "abc123");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(bundle,
								"entry")),
			 4);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(bundle, "entry")) {
		const cJSON *obs = cJSON_GetObjectItem(e, "resource");

		check_observation(obs, false);
		/* no subject: no vital-signs profile claimed */
		assert_null(cJSON_GetObjectItem(obs, "meta"));
	}
	/* it prints and parses back */
	text = cJSON_PrintUnformatted(bundle);
	assert_non_null(text);
	cJSON_Delete(bundle);
	bundle = cJSON_Parse(text);
	assert_non_null(bundle);
	free(text);
	cJSON_Delete(bundle);
	cJSON_Delete(rec);

	/* bad input */
	rec = cJSON_Parse("{\"readings\":[]}");
	assert_int_equal(hv_fhir_bundle(rec, &bundle), -EINVAL);
	cJSON_Delete(rec);
	rec = cJSON_Parse("{\"id\":\"x\",\"time\":\"2024-01-01T00:00:00Z\","
			  "\"readings\":[{\"metric\":\"nonsense\",\"value\":1}]}");
	assert_int_equal(hv_fhir_observations(rec, &bundle), -EINVAL);
	cJSON_Delete(rec);
}

static void test_topics(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(hv_topic_measurements("homevitals", "gw", "p1", false,
					       buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "homevitals/gw/people/p1/measurements");
	assert_int_equal(hv_topic_measurements("a/b", "gw", "", true, buf,
					       sizeof(buf)),
			 0);
	assert_string_equal(buf, "a/b/gw/unassigned/measurements/fhir");
	assert_int_equal(hv_topic_latest("hv", "gw", "p1", "body_weight", buf,
					 sizeof(buf)),
			 0);
	assert_string_equal(buf, "hv/gw/people/p1/latest/body_weight");
	assert_int_equal(hv_topic_measurements("hv", "gw", "p/1", false, buf,
					       sizeof(buf)),
			 -EINVAL);
	assert_int_equal(hv_topic_measurements("hv", "gw", "p+", false, buf,
					       sizeof(buf)),
			 -EINVAL);
	assert_int_equal(hv_topic_status("hv/#", "gw", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(hv_topic_status("hv/", "gw", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(hv_topic_availability("hv", "gw", buf, 8), -ENOBUFS);
	/* ids outside [A-Za-z0-9-] are escaped, so no two people share a
	 * discovery topic: "p.anna" and "p_anna" once both became "p_anna" */
	assert_int_equal(hv_topic_ha_config("homeassistant", "gw.1", "p 1",
					    "bmi", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf,
			    "homeassistant/sensor/homevitals__gw_2e1__p_201/bmi/config");
	assert_int_equal(hv_topic_ha_config("homeassistant", "gw", "p.anna",
					    "bmi", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf,
			    "homeassistant/sensor/homevitals__gw__p_2eanna/bmi/config");
	assert_int_equal(hv_topic_ha_config("homeassistant", "gw", "p_anna",
					    "bmi", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf,
			    "homeassistant/sensor/homevitals__gw__p_5fanna/bmi/config");
	/* the common ids keep their plain form */
	assert_int_equal(hv_topic_ha_config("homeassistant", "hv-1", "p-anna",
					    "bmi", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf,
			    "homeassistant/sensor/homevitals_hv-1_p-anna/bmi/config");
}

/* Distinct people, distinct Home Assistant unique_ids and topics. */
static void test_ha_ids_one_to_one(void **state)
{
	static const char *const people[] = { "p.anna", "p_anna", "p anna",
					       "p-anna", "p__anna", "p_5fanna" };
	const struct hv_ha_context ctx = { "homeassistant", "hv", "gw" };
	char topics[ELEMENTSOF(people)][256], uids[ELEMENTSOF(people)][256];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(people); i++) {
		cJSON *p;

		assert_int_equal(hv_ha_sensor_config(&ctx, people[i],
						     HV_METRIC_BODY_WEIGHT,
						     HV_UNIT_KG, topics[i],
						     sizeof(topics[i]), &p),
				 0);
		(void)snprintf(uids[i], sizeof(uids[i]), "%s",
			       cJSON_GetStringValue(
				       cJSON_GetObjectItem(p, "unique_id")));
		cJSON_Delete(p);
		for (size_t k = 0; k < i; k++) {
			assert_string_not_equal(topics[i], topics[k]);
			assert_string_not_equal(uids[i], uids[k]);
		}
	}
}

static void test_ha_discovery_units(void **state)
{
	const struct hv_ha_context ctx = { "homeassistant", "hv", "gw" };
	char topic[256];
	cJSON *p, *dev;
	char *text;

	(void)state;
	/* a scale set to lb is announced in lb, with a converting template */
	assert_int_equal(hv_ha_sensor_config(&ctx, "p1", HV_METRIC_BODY_WEIGHT,
					     HV_UNIT_LB, topic, sizeof(topic),
					     &p),
			 0);
	assert_string_equal(topic,
			    "homeassistant/sensor/homevitals_gw_p1/body_weight/config");
	text = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	p = cJSON_Parse(text); /* the payload parses */
	free(text);
	assert_non_null(p);
	assert_string_equal(str(p, "unit_of_measurement"), "lb");
	assert_string_equal(str(p, "device_class"), "weight");
	assert_string_equal(str(p, "state_class"), "measurement");
	assert_non_null(strstr(str(p, "value_template"), "0.45359237"));
	assert_string_equal(str(p, "state_topic"),
			    "hv/gw/people/p1/latest/body_weight");
	assert_string_equal(str(p, "availability_topic"), "hv/gw/availability");
	assert_string_equal(str(p, "unique_id"), "homevitals_gw_p1_body_weight");
	dev = cJSON_GetObjectItem(p, "device");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
				    cJSON_GetObjectItem(dev, "identifiers"), 0)),
			    "homevitals_gw_p1");
	cJSON_Delete(p);

	/* kg scale: kg, plain template */
	assert_int_equal(hv_ha_sensor_config(&ctx, "p1", HV_METRIC_BODY_WEIGHT,
					     HV_UNIT_KG, topic, sizeof(topic),
					     &p),
			 0);
	assert_string_equal(str(p, "unit_of_measurement"), "kg");
	assert_string_equal(str(p, "value_template"), "{{ value_json.value }}");
	cJSON_Delete(p);

	assert_string_equal(hv_ha_unit(HV_METRIC_BODY_TEMPERATURE, HV_UNIT_DEGF),
			    "°F");
	assert_string_equal(hv_ha_unit(HV_METRIC_HEART_RATE, HV_UNIT_NONE),
			    "bpm");
	assert_string_equal(hv_ha_unit(HV_METRIC_STEP_COUNT, HV_UNIT_NONE),
			    "steps");
	assert_int_equal(hv_ha_sensor_config(&ctx, "p/1", HV_METRIC_BMI,
					     HV_UNIT_NONE, topic, sizeof(topic),
					     &p),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_observations),
		cmocka_unit_test(test_blood_pressure_components),
		cmocka_unit_test(test_bundle_unassigned),
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_ha_discovery_units),
		cmocka_unit_test(test_ha_ids_one_to_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
