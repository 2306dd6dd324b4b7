// SPDX-License-Identifier: MIT
/*
 * FHIR R4 Observations from a stored measurement. Codes and the vital-signs
 * profile rules: docs/mqtt.md, hl7.org/fhir/R4/vitalsigns.html (LOINC, MDC
 * 32-bit codes of IEEE 11073-10101, R4 vital-signs profiles: code fixed per
 * profile, UCUM valueQuantity, vs-2/vs-3: a value or a dataAbsentReason).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/common/fhir.h"
#include "drivers/measurement.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define SYSTEM_LOINC "http://loinc.org"
#define SYSTEM_MDC "urn:iso:std:iso:11073:10101"
#define SYSTEM_UCUM "http://unitsofmeasure.org"
#define SYSTEM_CATEGORY \
	"http://terminology.hl7.org/CodeSystem/observation-category"
#define SYSTEM_ABSENT "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#define SD "http://hl7.org/fhir/StructureDefinition/"

struct fhir_metric {
	const char *category; /* observation-category code */
	const char *profile; /* R4 vital-signs profile, NULL none */
	const char *loinc_display;
	const char *extra_loinc, *extra_loinc_display;
	const char *mdc, *mdc_display;
	double scale; /* canonical unit -> FHIR unit; 0 = 1 */
	const char *ucum; /* FHIR unit when it differs from the canonical one */
	const char *unit_text; /* human unit */
};

/* clang-format off */
static const struct fhir_metric fhir_metrics[_HV_METRIC_MAX] = {
	[HV_METRIC_BODY_WEIGHT] = { "vital-signs", SD "bodyweight", "Body weight", NULL, NULL, "188736", "MDC_MASS_BODY_ACTUAL", 0, NULL, "kg" },
	/* the bodyheight profile binds cm | [in_i] */
	[HV_METRIC_BODY_HEIGHT] = { "vital-signs", SD "bodyheight", "Body height", NULL, NULL, "188740", "MDC_LEN_BODY_ACTUAL", 100, "cm", "cm" },
	[HV_METRIC_BMI] = { "vital-signs", SD "bmi", "Body mass index (BMI) [Ratio]", NULL, NULL, "188752", "MDC_RATIO_MASS_BODY_LEN_SQ", 0, NULL, "kg/m2" },
	[HV_METRIC_BODY_FAT_PERCENT] = { "exam", NULL, "Percentage of body fat Measured", NULL, NULL, "188748", "MDC_BODY_FAT", 0, NULL, "%" },
	[HV_METRIC_FAT_FREE_MASS] = { "exam", NULL, NULL, NULL, NULL, "188756", "MDC_MASS_BODY_FAT_FREE", 0, NULL, "kg" },
	[HV_METRIC_SOFT_LEAN_MASS] = { "exam", NULL, NULL, NULL, NULL, "188760", "MDC_MASS_BODY_SOFT_LEAN", 0, NULL, "kg" },
	[HV_METRIC_MUSCLE_MASS] = { "exam", NULL, "Body muscle mass Calculated", NULL, NULL, NULL, NULL, 0, NULL, "kg" },
	[HV_METRIC_MUSCLE_PERCENT] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "%" },
	[HV_METRIC_BODY_WATER_MASS] = { "exam", NULL, NULL, NULL, NULL, "188764", "MDC_BODY_WATER", 0, NULL, "kg" },
	[HV_METRIC_BODY_WATER_PERCENT] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "%" },
	[HV_METRIC_BONE_MASS] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "kg" },
	[HV_METRIC_VISCERAL_FAT_RATING] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "1" },
	[HV_METRIC_BASAL_METABOLIC_RATE] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "kcal/d" },
	[HV_METRIC_IMPEDANCE] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "Ohm" },
	[HV_METRIC_PROTEIN_PERCENT] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "%" },
	[HV_METRIC_METABOLIC_AGE] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "a" },
	[HV_METRIC_HEART_RATE] = { "vital-signs", SD "heartrate", "Heart rate", NULL, NULL, "147842", "MDC_ECG_HEART_RATE", 0, NULL, "beats/minute" },
	[HV_METRIC_RR_INTERVAL] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "s" },
	[HV_METRIC_ENERGY_EXPENDED] = { "activity", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "kJ" },
	[HV_METRIC_STEP_COUNT] = { "activity", NULL, "Number of steps in unspecified time Pedometer", NULL, NULL, NULL, NULL, 0, NULL, "steps" },
	[HV_METRIC_DISTANCE] = { "activity", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "m" },
	[HV_METRIC_SPEED] = { "activity", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "m/s" },
	[HV_METRIC_CADENCE] = { "activity", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "/min" },
	[HV_METRIC_STRIDE_LENGTH] = { "activity", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "m" },
	[HV_METRIC_SYSTOLIC_PRESSURE] = { "vital-signs", NULL, "Systolic blood pressure", NULL, NULL, "150021", "MDC_PRESS_BLD_NONINV_SYS", 0, NULL, "mmHg" },
	[HV_METRIC_DIASTOLIC_PRESSURE] = { "vital-signs", NULL, "Diastolic blood pressure", NULL, NULL, "150022", "MDC_PRESS_BLD_NONINV_DIA", 0, NULL, "mmHg" },
	[HV_METRIC_MEAN_ARTERIAL_PRESSURE] = { "vital-signs", NULL, "Mean blood pressure", NULL, NULL, "150023", "MDC_PRESS_BLD_NONINV_MEAN", 0, NULL, "mmHg" },
	[HV_METRIC_PULSE_RATE] = { "vital-signs", SD "heartrate", "Heart rate", NULL, NULL, "149546", "MDC_PULS_RATE_NON_INV", 0, NULL, "beats/minute" },
	[HV_METRIC_BODY_TEMPERATURE] = { "vital-signs", SD "bodytemp", "Body temperature", NULL, NULL, "150364", "MDC_TEMP_BODY", 0, NULL, "Cel" },
	/* the oxygensat profile fixes 2708-6; 59408-5 says "by pulse oximetry" */
	[HV_METRIC_SPO2] = { "vital-signs", SD "oxygensat", "Oxygen saturation in Arterial blood by Pulse oximetry", "2708-6", "Oxygen saturation in Arterial blood", "150456", "MDC_PULS_OXIM_SAT_O2", 0, NULL, "%" },
	[HV_METRIC_PULSE_AMPLITUDE_INDEX] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "%" },
	[HV_METRIC_IMPEDANCE_250KHZ] = { "exam", NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, "Ohm" },
	[HV_METRIC_BLOOD_GLUCOSE] = { "laboratory", NULL, "Glucose [Moles/volume] in Capillary blood by Glucometer", NULL, NULL, NULL, NULL, 0, NULL, "mmol/L" },
};
/* clang-format on */

static bool is_bp(enum hv_metric m)
{
	return m == HV_METRIC_SYSTOLIC_PRESSURE ||
	       m == HV_METRIC_DIASTOLIC_PRESSURE ||
	       m == HV_METRIC_MEAN_ARTERIAL_PRESSURE;
}

static const char *absent_code(const char *reason)
{
	if (!reason)
		return "unknown";
	if (strcmp(reason, "nan") == 0)
		return "not-a-number";
	if (strcmp(reason, "+inf") == 0)
		return "positive-infinity";
	if (strcmp(reason, "-inf") == 0)
		return "negative-infinity";
	/* "nres" (not at this resolution), "reserved": the device erred */
	return "error";
}

static const char *absent_display(const char *code)
{
	if (strcmp(code, "not-a-number") == 0)
		return "Not a Number (NaN)";
	if (strcmp(code, "positive-infinity") == 0)
		return "Positive Infinity (PINF)";
	if (strcmp(code, "negative-infinity") == 0)
		return "Negative Infinity (NINF)";
	if (strcmp(code, "error") == 0)
		return "Error";
	return "Unknown";
}

/* obj's member key when it is a string, else NULL. */
static const char *string_item(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static cJSON *add_coding(cJSON *codings, const char *system, const char *code,
			 const char *display)
{
	cJSON *c = cJSON_CreateObject();

	if (!c)
		return NULL;
	cJSON_AddItemToArray(codings, c);
	if (!cJSON_AddStringToObject(c, "system", system) ||
	    !cJSON_AddStringToObject(c, "code", code))
		return NULL;
	if (display && !cJSON_AddStringToObject(c, "display", display))
		return NULL;
	return c;
}

/* CodeableConcept for one metric: LOINC (+ extra), MDC, else a local code. */
static int add_metric_code(cJSON *parent, enum hv_metric metric)
{
	const struct hv_metric_info *info = hv_metric_info(metric);
	const struct fhir_metric *fm = &fhir_metrics[metric];
	cJSON *code, *codings;

	code = cJSON_AddObjectToObject(parent, "code");
	if (!code)
		return -ENOMEM;
	codings = cJSON_AddArrayToObject(code, "coding");
	if (!codings)
		return -ENOMEM;
	if (info->loinc &&
	    !add_coding(codings, SYSTEM_LOINC, info->loinc,
			fm->loinc_display ? fm->loinc_display : info->display))
		return -ENOMEM;
	if (fm->extra_loinc && !add_coding(codings, SYSTEM_LOINC,
					   fm->extra_loinc,
					   fm->extra_loinc_display))
		return -ENOMEM;
	if (fm->mdc &&
	    !add_coding(codings, SYSTEM_MDC, fm->mdc, fm->mdc_display))
		return -ENOMEM;
	if (!info->loinc && !fm->mdc &&
	    !add_coding(codings, HV_FHIR_SYSTEM_METRIC, info->name,
			info->display))
		return -ENOMEM;
	if (!cJSON_AddStringToObject(code, "text", info->display))
		return -ENOMEM;
	return 0;
}

/* valueQuantity or dataAbsentReason on obj, from one stored reading. */
static int add_value(cJSON *obj, enum hv_metric metric, const cJSON *reading)
{
	const struct hv_metric_info *info = hv_metric_info(metric);
	const struct fhir_metric *fm = &fhir_metrics[metric];
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(reading, "value");
	cJSON *o, *codings;

	if (cJSON_IsNumber(value) && isfinite(value->valuedouble)) {
		double v = value->valuedouble * (fm->scale ? fm->scale : 1);

		o = cJSON_AddObjectToObject(obj, "valueQuantity");
		if (!o || !cJSON_AddNumberToObject(o, "value", v) ||
		    !cJSON_AddStringToObject(o, "unit", fm->unit_text) ||
		    !cJSON_AddStringToObject(o, "system", SYSTEM_UCUM) ||
		    !cJSON_AddStringToObject(o, "code",
					     fm->ucum ? fm->ucum : info->unit))
			return -ENOMEM;
	} else {
		const char *reason = string_item(reading, "absent_reason");
		const char *code = absent_code(reason);

		o = cJSON_AddObjectToObject(obj, "dataAbsentReason");
		if (!o)
			return -ENOMEM;
		codings = cJSON_AddArrayToObject(o, "coding");
		if (!codings ||
		    !add_coding(codings, SYSTEM_ABSENT, code,
				absent_display(code)))
			return -ENOMEM;
		if (reason && !cJSON_AddStringToObject(o, "text", reason))
			return -ENOMEM;
	}
	return 0;
}

struct record_view {
	const char *id, *time, *person, *address, *model;
	bool correction;
};

/* "system" and "value" of an Identifier. */
static bool add_system_value(cJSON *ident, const char *system,
			     const char *value)
{
	return cJSON_AddStringToObject(ident, "system", system) &&
	       cJSON_AddStringToObject(ident, "value", value);
}

static int append_identifier(cJSON *ids, const char *system,
			     const char *value)
{
	cJSON *ident = cJSON_CreateObject();

	if (!ident)
		return -ENOMEM;
	cJSON_AddItemToArray(ids, ident);
	return add_system_value(ident, system, value) ? 0 : -ENOMEM;
}

static int add_identifier(cJSON *obs, const char *id, const char *key,
			  unsigned k)
{
	cJSON *ids;
	char value[160];
	int r;

	if (k)
		(void)snprintf(value, sizeof(value), "%s/%s/%u", id, key, k);
	else
		(void)snprintf(value, sizeof(value), "%s/%s", id, key);
	ids = cJSON_AddArrayToObject(obs, "identifier");
	if (!ids)
		return -ENOMEM;
	r = append_identifier(ids, HV_FHIR_SYSTEM_OBSERVATION, value);
	if (r < 0)
		return r;
	/* the measurement's own id, shared by its Observations */
	return append_identifier(ids, HV_FHIR_SYSTEM_MEASUREMENT, id);
}

/* The common head of an Observation: everything before code and value. */
static cJSON *new_observation(const struct record_view *rv,
			      const char *category, const char *profile,
			      const char *key, unsigned k)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = cJSON_CreateObject();
	cJSON *cats, *cat, *codings;

	if (!obs || !cJSON_AddStringToObject(obs, "resourceType", "Observation"))
		return NULL;
	/* The vital-signs profiles need a subject (Patient). */
	if (profile && rv->person) {
		cJSON *meta = cJSON_AddObjectToObject(obs, "meta");
		cJSON *profiles = meta ? cJSON_AddArrayToObject(meta, "profile") :
					 NULL;
		cJSON *p = cJSON_CreateString(profile);

		if (!profiles || !p) {
			cJSON_Delete(p);
			return NULL;
		}
		cJSON_AddItemToArray(profiles, p);
	}
	if (add_identifier(obs, rv->id, key, k) < 0)
		return NULL;
	if (!cJSON_AddStringToObject(obs, "status",
				     rv->correction ? "amended" : "final"))
		return NULL;
	cats = cJSON_AddArrayToObject(obs, "category");
	cat = cJSON_CreateObject();
	if (!cats || !cat) {
		cJSON_Delete(cat);
		return NULL;
	}
	cJSON_AddItemToArray(cats, cat);
	codings = cJSON_AddArrayToObject(cat, "coding");
	if (!codings ||
	    !add_coding(codings, SYSTEM_CATEGORY, category,
			strcmp(category, "vital-signs") == 0 ? "Vital Signs" :
			strcmp(category, "activity") == 0   ? "Activity" :
			strcmp(category, "laboratory") == 0 ? "Laboratory" :
							      "Exam"))
		return NULL;
	return TAKE_PTR(obs);
}

/* A Reference by identifier: name: {"type", "identifier": {system, value}}. */
static cJSON *add_reference(cJSON *obs, const char *name, const char *type,
			    const char *system, const char *value)
{
	cJSON *ref = cJSON_AddObjectToObject(obs, name);
	cJSON *ident;

	if (!ref || !cJSON_AddStringToObject(ref, "type", type))
		return NULL;
	ident = cJSON_AddObjectToObject(ref, "identifier");
	if (!ident || !add_system_value(ident, system, value))
		return NULL;
	return ref;
}

/* subject, effectiveDateTime, device: after code, in FHIR's order. */
static int add_context(cJSON *obs, const struct record_view *rv)
{
	cJSON *ref;

	if (rv->person && !add_reference(obs, "subject", "Patient",
					 "urn:homevitals:person", rv->person))
		return -ENOMEM;
	if (!cJSON_AddStringToObject(obs, "effectiveDateTime", rv->time))
		return -ENOMEM;
	if (rv->address) {
		ref = add_reference(obs, "device", "Device",
				    "urn:homevitals:device", rv->address);
		if (!ref)
			return -ENOMEM;
		if (rv->model && !cJSON_AddStringToObject(ref, "display",
							  rv->model))
			return -ENOMEM;
	}
	return 0;
}

static int add_method(cJSON *obs, const cJSON *reading)
{
	const char *method = string_item(reading, "method");
	cJSON *o;

	if (!method)
		return 0;
	o = cJSON_AddObjectToObject(obs, "method");
	if (!o || !cJSON_AddStringToObject(o, "text", method))
		return -ENOMEM;
	return 0;
}

static int reading_metric(const cJSON *reading, enum hv_metric *ret)
{
	const char *name = string_item(reading, "metric");
	enum hv_metric m;

	if (!name)
		return -EINVAL;
	m = hv_metric_from_name(name);
	if (m < 0)
		return -EINVAL;
	*ret = m;
	return 0;
}

static int blood_pressure(const struct record_view *rv, const cJSON *readings,
			  cJSON *array)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = NULL;
	bool sys = false, dia = false;
	cJSON *code, *codings, *components;
	const cJSON *rd;
	int r;

	cJSON_ArrayForEach(rd, readings) {
		enum hv_metric m;

		if (reading_metric(rd, &m) < 0)
			return -EINVAL;
		sys = sys || m == HV_METRIC_SYSTOLIC_PRESSURE;
		dia = dia || m == HV_METRIC_DIASTOLIC_PRESSURE;
	}
	obs = new_observation(rv, "vital-signs", sys && dia ? SD "bp" : NULL,
			      "blood_pressure", 0);
	if (!obs)
		return -ENOMEM;
	code = cJSON_AddObjectToObject(obs, "code");
	codings = code ? cJSON_AddArrayToObject(code, "coding") : NULL;
	if (!codings ||
	    !add_coding(codings, SYSTEM_LOINC, "85354-9",
			"Blood pressure panel with all children optional") ||
	    !add_coding(codings, SYSTEM_MDC, "150020", "MDC_PRESS_BLD_NONINV") ||
	    !cJSON_AddStringToObject(code, "text", "Blood pressure"))
		return -ENOMEM;
	r = add_context(obs, rv);
	if (r < 0)
		return r;
	components = cJSON_AddArrayToObject(obs, "component");
	if (!components)
		return -ENOMEM;
	cJSON_ArrayForEach(rd, readings) {
		enum hv_metric m;
		cJSON *comp;

		if (reading_metric(rd, &m) < 0 || !is_bp(m))
			continue;
		comp = cJSON_CreateObject();
		if (!comp)
			return -ENOMEM;
		cJSON_AddItemToArray(components, comp);
		r = add_metric_code(comp, m);
		if (r < 0)
			return r;
		r = add_value(comp, m, rd);
		if (r < 0)
			return r;
	}
	cJSON_AddItemToArray(array, TAKE_PTR(obs));
	return 0;
}

static int one_reading(const struct record_view *rv, const cJSON *reading,
		       enum hv_metric m, unsigned k, cJSON *array)
{
	const struct fhir_metric *fm = &fhir_metrics[m];
	_cleanup_(cJSON_Deletep) cJSON *obs = NULL;
	int r;

	obs = new_observation(rv, fm->category, fm->profile,
			      hv_metric_info(m)->name, k);
	if (!obs)
		return -ENOMEM;
	r = add_metric_code(obs, m);
	if (r < 0)
		return r;
	r = add_context(obs, rv);
	if (r < 0)
		return r;
	r = add_value(obs, m, reading);
	if (r < 0)
		return r;
	r = add_method(obs, reading);
	if (r < 0)
		return r;
	cJSON_AddItemToArray(array, TAKE_PTR(obs));
	return 0;
}

static int view_record(const cJSON *record, struct record_view *ret)
{
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(record, "device");
	struct record_view rv = {
		.id = string_item(record, "id"),
		.time = string_item(record, "time"),
		.person = string_item(record, "person"),
		.address = string_item(device, "address"),
		.model = string_item(device, "model"),
		.correction = cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(record, "correction")),
	};

	if (!rv.id || !*rv.id || !rv.time || !*rv.time)
		return -EINVAL;
	if (rv.person && !*rv.person)
		rv.person = NULL;
	*ret = rv;
	return 0;
}

int hv_fhir_observations(const cJSON *record, cJSON **ret_array)
{
	_cleanup_(cJSON_Deletep) cJSON *array = NULL;
	unsigned seen[_HV_METRIC_MAX] = { 0 };
	const cJSON *readings, *rd;
	struct record_view rv;
	bool bp = false;
	int r;

	r = view_record(record, &rv);
	if (r < 0)
		return r;
	readings = cJSON_GetObjectItemCaseSensitive(record, "readings");
	if (!cJSON_IsArray(readings))
		return -EINVAL;
	array = cJSON_CreateArray();
	if (!array)
		return -ENOMEM;
	cJSON_ArrayForEach(rd, readings) {
		enum hv_metric m;

		r = reading_metric(rd, &m);
		if (r < 0)
			return r;
		if (is_bp(m)) {
			if (!bp) {
				r = blood_pressure(&rv, readings, array);
				if (r < 0)
					return r;
			}
			bp = true;
			continue;
		}
		/* a repeated metric (RR intervals) gets /1, /2 … suffixes */
		r = one_reading(&rv, rd, m, seen[m]++, array);
		if (r < 0)
			return r;
	}
	*ret_array = TAKE_PTR(array);
	return 0;
}

int hv_fhir_bundle(const cJSON *record, cJSON **ret_bundle)
{
	_cleanup_(cJSON_Deletep) cJSON *bundle = NULL, *obs = NULL;
	struct record_view rv;
	cJSON *ident, *entries, *o;
	int r;

	r = view_record(record, &rv);
	if (r < 0)
		return r;
	r = hv_fhir_observations(record, &obs);
	if (r < 0)
		return r;
	bundle = cJSON_CreateObject();
	if (!bundle || !cJSON_AddStringToObject(bundle, "resourceType", "Bundle"))
		return -ENOMEM;
	ident = cJSON_AddObjectToObject(bundle, "identifier");
	if (!ident ||
	    !add_system_value(ident, HV_FHIR_SYSTEM_MEASUREMENT, rv.id) ||
	    !cJSON_AddStringToObject(bundle, "type", "collection") ||
	    !cJSON_AddStringToObject(bundle, "timestamp", rv.time))
		return -ENOMEM;
	entries = cJSON_AddArrayToObject(bundle, "entry");
	if (!entries)
		return -ENOMEM;
	while ((o = cJSON_DetachItemFromArray(obs, 0))) {
		cJSON *entry = cJSON_CreateObject();

		if (!entry) {
			cJSON_Delete(o);
			return -ENOMEM;
		}
		cJSON_AddItemToArray(entries, entry);
		cJSON_AddItemToObject(entry, "resource", o);
	}
	*ret_bundle = TAKE_PTR(bundle);
	return 0;
}
