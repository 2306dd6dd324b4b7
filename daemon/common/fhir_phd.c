// SPDX-License-Identifier: MIT
/*
 * FHIR R4 transaction Bundles following the HL7 Personal Health Device IG
 * (docs/fhir.md cites the IG pages and profiles each rule comes from).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/common/fhir_phd.h"
#include "daemon/common/version.h"
#include "drivers/measurement.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define SYSTEM_MDC   "urn:iso:std:iso:11073:10101"
#define SYSTEM_LOINC "http://loinc.org"
#define SYSTEM_UCUM  "http://unitsofmeasure.org"
#define SYSTEM_CATEGORY \
	"http://terminology.hl7.org/CodeSystem/observation-category"
#define SYSTEM_PHD_CATEGORY \
	"http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
#define SYSTEM_ABSENT "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#define EXTENSION_ABSENT \
	"http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#define SYSTEM_DEVICE_IDS \
	"http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers"
#define SYSTEM_ACT_REASON  "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define SYSTEM_MEASUREMENT "urn:homevitals:measurement"
#define SYSTEM_ASN1_TO_HL7 "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
#define SYSTEM_V2_0136	   "http://terminology.hl7.org/CodeSystem/v2-0136"

/*
 * IEEE 11073-10101 codes are partition × 65536 + term. The activity terms
 * are those of the PHD health and fitness partition (MDC_PART_PHD_HF 129,
 * IEEE 11073-10441), as two public nomenclature tables give them alike
 * (docs/fhir.md "Codes"). Metrics with no published term we could verify
 * get a code of the private partition 1024 (MDC_PART_PRIV: 67108864 + n),
 * which the IG allows (invariant mdc-1); docs/fhir.md says why for each.
 */

struct phd_metric {
	const char *mdc, *mdc_ref; /* 32-bit code (decimal), reference id */
	bool vital;   /* one of the R4 vital signs: category vital-signs too */
	double scale; /* canonical unit → FHIR unit; 0 = 1 */
	const char *ucum; /* FHIR unit when it differs from the canonical one */
};

/* clang-format off */
static const struct phd_metric phd_metrics[_HV_METRIC_MAX] = {
	[HV_METRIC_BODY_WEIGHT]            = { "188736", "MDC_MASS_BODY_ACTUAL", true, 0, NULL },
	/* R4 bodyheight binds cm | [in_i] */
	[HV_METRIC_BODY_HEIGHT]            = { "188740", "MDC_LEN_BODY_ACTUAL", true, 100, "cm" },
	[HV_METRIC_BMI]                    = { "188752", "MDC_RATIO_MASS_BODY_LEN_SQ", true, 0, NULL },
	[HV_METRIC_BODY_FAT_PERCENT]       = { "188748", "MDC_BODY_FAT", false, 0, NULL },
	[HV_METRIC_FAT_FREE_MASS]          = { "188756", "MDC_MASS_BODY_FAT_FREE", false, 0, NULL },
	[HV_METRIC_SOFT_LEAN_MASS]         = { "188760", "MDC_MASS_BODY_SOFT_LEAN", false, 0, NULL },
	[HV_METRIC_MUSCLE_MASS]            = { "67108865", "MDCX_HOMEVITALS_MUSCLE_MASS", false, 0, NULL },
	[HV_METRIC_MUSCLE_PERCENT]         = { "67108866", "MDCX_HOMEVITALS_MUSCLE_PERCENT", false, 0, NULL },
	[HV_METRIC_BODY_WATER_MASS]        = { "188764", "MDC_BODY_WATER", false, 0, NULL },
	[HV_METRIC_BODY_WATER_PERCENT]     = { "67108867", "MDCX_HOMEVITALS_BODY_WATER_PERCENT", false, 0, NULL },
	[HV_METRIC_BONE_MASS]              = { "67108868", "MDCX_HOMEVITALS_BONE_MASS", false, 0, NULL },
	[HV_METRIC_VISCERAL_FAT_RATING]    = { "67108869", "MDCX_HOMEVITALS_VISCERAL_FAT_RATING", false, 0, NULL },
	[HV_METRIC_BASAL_METABOLIC_RATE]   = { "67108870", "MDCX_HOMEVITALS_BASAL_METABOLIC_RATE", false, 0, NULL },
	[HV_METRIC_IMPEDANCE]              = { "67108871", "MDCX_HOMEVITALS_IMPEDANCE", false, 0, NULL },
	[HV_METRIC_PROTEIN_PERCENT]        = { "67108872", "MDCX_HOMEVITALS_PROTEIN_PERCENT", false, 0, NULL },
	[HV_METRIC_METABOLIC_AGE]          = { "67108873", "MDCX_HOMEVITALS_METABOLIC_AGE", false, 0, NULL },
	[HV_METRIC_HEART_RATE]             = { "147842", "MDC_ECG_HEART_RATE", true, 0, NULL },
	[HV_METRIC_RR_INTERVAL]            = { "147240", "MDC_ECG_TIME_PD_RR_GL", false, 0, NULL },
	[HV_METRIC_ENERGY_EXPENDED]        = { "8454263", "MDC_HF_ENERGY", false, 0, NULL },
	[HV_METRIC_STEP_COUNT]             = { "67108875", "MDCX_HOMEVITALS_STEP_COUNT", false, 0, NULL },
	[HV_METRIC_DISTANCE]               = { "8454247", "MDC_HF_DISTANCE", false, 0, NULL },
	[HV_METRIC_SPEED]                  = { "8454254", "MDC_HF_SPEED", false, 0, NULL },
	[HV_METRIC_CADENCE]                = { "8454255", "MDC_HF_CAD", false, 0, NULL },
	[HV_METRIC_STRIDE_LENGTH]          = { "67108879", "MDCX_HOMEVITALS_STRIDE_LENGTH", false, 0, NULL },
	[HV_METRIC_SYSTOLIC_PRESSURE]      = { "150021", "MDC_PRESS_BLD_NONINV_SYS", true, 0, NULL },
	[HV_METRIC_DIASTOLIC_PRESSURE]     = { "150022", "MDC_PRESS_BLD_NONINV_DIA", true, 0, NULL },
	[HV_METRIC_MEAN_ARTERIAL_PRESSURE] = { "150023", "MDC_PRESS_BLD_NONINV_MEAN", true, 0, NULL },
	/* a cuff's pulse; an oximeter's is MDC_PULS_OXIM_PULS_RATE (mdc_code()) */
	[HV_METRIC_PULSE_RATE]             = { "149546", "MDC_PULS_RATE_NON_INV", true, 0, NULL },
	[HV_METRIC_BODY_TEMPERATURE]       = { "150364", "MDC_TEMP_BODY", true, 0, NULL },
	[HV_METRIC_SPO2]                   = { "150456", "MDC_PULS_OXIM_SAT_O2", true, 0, NULL },
	[HV_METRIC_PULSE_AMPLITUDE_INDEX]  = { "150448", "MDC_PULS_OXIM_PERF_REL", false, 0, NULL },
	/* by sample type when the meter names it (mdc_code()) */
	[HV_METRIC_BLOOD_GLUCOSE]          = { "160020", "MDC_CONC_GLU_GEN", false, 0, NULL },
	[HV_METRIC_IMPEDANCE_250KHZ]       = { "67108880", "MDCX_HOMEVITALS_IMPEDANCE_250KHZ", false, 0, NULL },
};

/*
 * Blood glucose by the Glucose Measurement's sample type (sig_glucose.c).
 * readings.md's LOINC 14743-9 says "capillary blood by glucometer": right for
 * capillary samples only; other whole blood is 15074-8 "in Blood"; plasma
 * from elsewhere gets no LOINC rather than a wrong one. Sample types with no
 * row (interstitial fluid, control solution…) are MDC_CONC_GLU_GEN.
 */
static const struct {
	const char *sample_type, *mdc, *mdc_ref, *loinc;
} glucose_codes[] = {
	{ "capillary_whole_blood", "160184", "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", "14743-9" },
	{ "capillary_plasma",      "160188", "MDC_CONC_GLU_CAPILLARY_PLASMA",     "14743-9" },
	{ "venous_whole_blood",    "160192", "MDC_CONC_GLU_VENOUS_WHOLEBLOOD",    "15074-8" },
	{ "venous_plasma",         "160196", "MDC_CONC_GLU_VENOUS_PLASMA",        NULL },
	{ "arterial_whole_blood",  "160200", "MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD",  "15074-8" },
	{ "arterial_plasma",       "160204", "MDC_CONC_GLU_ARTERIAL_PLASMA",      NULL },
	{ "undetermined_plasma",   "160368", "MDC_CONC_GLU_UNDETERMINED_PLASMA",  NULL },
};

/* Device specializations (IG ValueSet DeviceTypes11073MDC) by driver kind. */
struct specialization {
	const char *mdc, *mdc_ref, *text;
};

static const struct specialization spec_scale = { "528399", "MDC_DEV_SPEC_PROFILE_SCALE", "Weight scale" };
static const struct specialization spec_bca = { "528404", "MDC_DEV_SPEC_PROFILE_BCA", "Body composition analyzer" };
static const struct specialization spec_bp = { "528391", "MDC_DEV_SPEC_PROFILE_BP", "Blood pressure monitor" };
static const struct specialization spec_glucose = { "528401", "MDC_DEV_SPEC_PROFILE_GLUCOSE", "Glucose meter" };
static const struct specialization spec_ecg = { "528390", "MDC_DEV_SPEC_PROFILE_MIN_ECG", "Basic ECG" };
static const struct specialization spec_hr = { "528525", "MDC_DEV_SUB_SPEC_PROFILE_HR", "Heart rate monitor" };
static const struct specialization spec_oxim = { "528388", "MDC_DEV_SPEC_PROFILE_PULS_OXIM", "Pulse oximeter" };
static const struct specialization spec_temp = { "528392", "MDC_DEV_SPEC_PROFILE_TEMP", "Thermometer" };
static const struct specialization spec_cardio = { "528425", "MDC_DEV_SPEC_PROFILE_HF_CARDIO", "Cardiovascular fitness and activity monitor" };
static const struct specialization spec_steps = { "528484", "MDC_DEV_SUB_SPEC_PROFILE_STEP_COUNTER", "Step counter" };
static const struct specialization spec_generic = { "528457", "MDC_DEV_SPEC_PROFILE_GENERIC", "Generic PHD" };
/* clang-format on */

/* --- SHA-1 (FIPS 180-4 §6.1), for name-based UUIDs (RFC 9562 §5.5) ------- */

struct sha1 {
	uint32_t h[5];
	uint8_t block[64];
	size_t fill;
	uint64_t bytes;
};

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_compress(struct sha1 *s)
{
	uint32_t w[80], a, b, c, d, e;

	for (unsigned t = 0; t < 16; t++)
		w[t] = (uint32_t)s->block[4 * t] << 24 |
		       (uint32_t)s->block[4 * t + 1] << 16 |
		       (uint32_t)s->block[4 * t + 2] << 8 | s->block[4 * t + 3];
	for (unsigned t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (unsigned t = 0; t < 80; t++) {
		uint32_t f, k, tmp;

		if (t < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (t < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (t < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		tmp = rol32(a, 5) + f + e + k + w[t];
		e = d, d = c, c = rol32(b, 30), b = a, a = tmp;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
	s->fill = 0;
}

static void sha1_init(struct sha1 *s)
{
	*s = (struct sha1){ .h = { 0x67452301, 0xefcdab89, 0x98badcfe,
				   0x10325476, 0xc3d2e1f0 } };
}

static void sha1_update(struct sha1 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->bytes += len;
	while (len--) {
		s->block[s->fill++] = *p++;
		if (s->fill == 64)
			sha1_compress(s);
	}
}

static void sha1_final(struct sha1 *s, uint8_t out[20])
{
	uint64_t bits = s->bytes * 8;
	uint8_t pad = 0x80, zero = 0, len[8];

	sha1_update(s, &pad, 1);
	while (s->fill != 56)
		sha1_update(s, &zero, 1);
	for (unsigned i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(s, len, 8);
	for (unsigned i = 0; i < 20; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* The homevitals FHIR namespace: debc1910-d3c3-435b-a3f7-0c16574a626b. */
static const uint8_t uuid_namespace[16] = { 0xde, 0xbc, 0x19, 0x10, 0xd3, 0xc3,
					    0x43, 0x5b, 0xa3, 0xf7, 0x0c, 0x16,
					    0x57, 0x4a, 0x62, 0x6b };

void hv_phd_uuid_urn(const char *name, char *buf, size_t size)
{
	struct sha1 s;
	uint8_t d[20];

	sha1_init(&s);
	sha1_update(&s, uuid_namespace, sizeof(uuid_namespace));
	sha1_update(&s, name, strlen(name));
	sha1_final(&s, d);
	d[6] = (d[6] & 0x0f) | 0x50; /* version 5 */
	d[8] = (d[8] & 0x3f) | 0x80; /* RFC 9562 variant */
	(void)snprintf(buf, size,
		       "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		       "%02x%02x%02x%02x%02x%02x",
		       d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8],
		       d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* --- identifiers ------------------------------------------------------------ */

static int parse_address(const char *address, uint8_t ret[6])
{
	uint8_t a[6];

	if (!address || strlen(address) != 17)
		return -EINVAL;
	for (unsigned i = 0; i < 6; i++) {
		const char *p = address + 3 * i;
		char hex[3] = { p[0], p[1], '\0' };

		if (i < 5 && p[2] != ':' && p[2] != '-')
			return -EINVAL;
		if (!isxdigit((unsigned char)hex[0]) ||
		    !isxdigit((unsigned char)hex[1]))
			return -EINVAL;
		a[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	memcpy(ret, a, sizeof(a));
	return 0;
}

int hv_phd_eui64_from_address(const char *address, char *buf, size_t size)
{
	uint8_t a[6];
	int r = parse_address(address, a);

	if (r < 0)
		return r;
	/* DIS System ID: manufacturer id = FFFE ∥ a[3..5], OUI = a[0..2], each
	 * least significant octet first (the IG's example device shows it). */
	(void)snprintf(buf, size, "%02X-%02X-%02X-FE-FF-%02X-%02X-%02X", a[5],
		       a[4], a[3], a[2], a[1], a[0]);
	return 0;
}

/* "00-1C-05-FF-E8-74": the EUI-48 form of the IG's BTMAC identifier. */
static int eui48_from_address(const char *address, char *buf, size_t size)
{
	uint8_t a[6];
	int r = parse_address(address, a);

	if (r < 0)
		return r;
	(void)snprintf(buf, size, "%02X-%02X-%02X-%02X-%02X-%02X", a[0], a[1],
		       a[2], a[3], a[4], a[5]);
	return 0;
}

/*
 * "identifier=system|value" for ifNoneExist: FHIR search escapes ',', '$',
 * '|' and '\' in a token with '\'; then the query is percent-encoded.
 */
static int append_query(char *buf, size_t size, size_t *pos, const char *s,
			bool token)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || strchr("-._~:/", c);
		int n;

		if (token && strchr(",$|\\", c) &&
		    append_query(buf, size, pos, "\\", false) < 0)
			return -ENOBUFS;
		if (plain)
			n = snprintf(buf + *pos, size - *pos, "%c", c);
		else
			n = snprintf(buf + *pos, size - *pos, "%%%02X", c);
		if (n < 0 || (size_t)n >= size - *pos)
			return -ENOBUFS;
		*pos += (size_t)n;
	}
	return 0;
}

static int if_none_exist(const char *system, const char *value, char *buf,
			 size_t size)
{
	size_t pos = 0;
	int n = snprintf(buf, size, "identifier=");

	if (n < 0 || (size_t)n >= size)
		return -ENOBUFS;
	pos = (size_t)n;
	if (append_query(buf, size, &pos, system, true) < 0 || pos + 1 >= size)
		return -EINVAL;
	buf[pos++] = '|'; /* the token's separator, as servers expect it */
	buf[pos] = '\0';
	if (append_query(buf, size, &pos, value, true) < 0)
		return -EINVAL;
	return 0;
}

/* --- the record ------------------------------------------------------------- */

#define URN_MAX	  64
#define IDENT_MAX 512
/* Longer names are refused, so that no identifier is ever cut short (and
 * two long ones never collide); the config allows 64 characters. */
#define NAME_MAX_LEN 128

struct phd_record {
	const char *id, *time, *person, *address, *device_time, *sample_type;
	const struct hv_driver *driver;
	const char *model;
	bool preliminary;
	const struct hv_fhir_phd_options *opt;
	char eui64[24], eui64_hex[17], eui48[18];
	char timestamp[24]; /* the IG's PHD timestamp part */
	char patient_urn[URN_MAX], phd_urn[URN_MAX], phg_urn[URN_MAX];
	/* The device's clock read on the record's connection ("clock_read"):
	 * the gateway's time then, and the device's (NULL: a time fault). */
	const char *clock_gateway, *clock_device;
	char coincident_ident[64], coincident_urn[URN_MAX];
};

static const char *string_item(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/*
 * Seconds since 2000-01-01T00:00:00 of "YYYY-MM-DDTHH:MM:SS…", as the IG's
 * "Generating the PHD Reported Timestamp" encodes a 1 s resolution clock.
 */
static int seconds_since_2000(const char *text, char *buf, size_t size)
{
	unsigned y, mo, d, h, mi, s;
	int n = 0;

	if (!text ||
	    sscanf(text, "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &s,
		   &n) != 6 ||
	    n != 19)
		return -EINVAL;
	if (y < 2000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || s > 60)
		return -EINVAL;
	(void)snprintf(buf, size, "%lld",
		       (long long)((hv_days_from_civil(y, mo, d) -
				    hv_days_from_civil(2000, 1, 1)) *
					   86400 +
				   h * 3600 + mi * 60 + s));
	return 0;
}

/* A driver naming exactly one model names the device; else its id. */
static const char *device_model(const struct hv_driver *driver,
				const char *stored)
{
	if (driver && driver->models && driver->models[0] && !driver->models[1])
		return driver->models[0];
	return stored && *stored ? stored : "unknown";
}

/* fullUrls: name-based UUIDs of what identifies each resource. */
static void derive_urns(struct phd_record *pr)
{
	char name[IDENT_MAX];

	(void)snprintf(name, sizeof(name), "Patient|%s|%s",
		       HV_PHD_SYSTEM_PERSON, pr->person);
	hv_phd_uuid_urn(name, pr->patient_urn, sizeof(pr->patient_urn));
	(void)snprintf(name, sizeof(name), "Device|%s|%s", HV_PHD_SYSTEM_EUI64,
		       pr->eui64);
	hv_phd_uuid_urn(name, pr->phd_urn, sizeof(pr->phd_urn));
	(void)snprintf(name, sizeof(name), "PhgDevice|%s|%s",
		       HV_PHD_SYSTEM_GATEWAY, pr->opt->gateway_id);
	hv_phd_uuid_urn(name, pr->phg_urn, sizeof(pr->phg_urn));
}

/* One Coincident Timestamp per connection: every record of that connection
 * names the same one (the device and the gateway's time of the read). */
static int view_clock_read(const cJSON *record, struct phd_record *pr)
{
	const cJSON *clock = cJSON_GetObjectItemCaseSensitive(record,
							       "clock_read");
	char seconds[24], name[IDENT_MAX];

	pr->clock_gateway = string_item(clock, "gateway_time");
	if (!pr->clock_gateway)
		return 0;
	pr->clock_device = string_item(clock, "device_time");
	if (seconds_since_2000(pr->clock_gateway, seconds, sizeof(seconds)) < 0)
		return -EINVAL;
	(void)snprintf(pr->coincident_ident, sizeof(pr->coincident_ident),
		       "%s-%s", pr->eui64_hex, seconds);
	(void)snprintf(name, sizeof(name), "Observation|%s|%s",
		       HV_PHD_SYSTEM_COINCIDENT, pr->coincident_ident);
	hv_phd_uuid_urn(name, pr->coincident_urn, sizeof(pr->coincident_urn));
	return 0;
}

/* A control-solution sample (sig_glucose.c) checks the meter, not the
 * patient: it is left out of the upload rather than sent as the patient's
 * glucose (docs/fhir.md, "Control solution"). */
static bool is_control_solution(const cJSON *record)
{
	const cJSON *flag;

	cJSON_ArrayForEach(flag,
			   cJSON_GetObjectItemCaseSensitive(record, "flags"))
		if (cJSON_IsString(flag) &&
		    strcmp(flag->valuestring, "control_solution") == 0)
			return true;
	return false;
}

static int view_record(const cJSON *record,
		       const struct hv_fhir_phd_options *opt,
		       struct phd_record *ret)
{
	const cJSON *device =
		cJSON_GetObjectItemCaseSensitive(record, "device");
	const cJSON *final = cJSON_GetObjectItemCaseSensitive(record, "final");
	const char *driver = string_item(record, "driver");
	const char *stored_model = string_item(device, "model");
	struct phd_record pr = {
		.id = string_item(record, "id"),
		.time = string_item(record, "time"),
		.person = string_item(record, "person"),
		.address = string_item(device, "address"),
		.device_time = string_item(record, "device_time"),
		.sample_type = string_item(record, "sample_type"),
		.preliminary = cJSON_IsFalse(final),
		.opt = opt,
	};
	int r;

	if (!opt || !opt->gateway_id || !*opt->gateway_id ||
	    strlen(opt->gateway_id) > NAME_MAX_LEN)
		return -EINVAL;
	if (!pr.id || !*pr.id || strlen(pr.id) > NAME_MAX_LEN || !pr.time ||
	    !pr.address)
		return -EINVAL;
	if (!pr.person || !*pr.person || is_control_solution(record))
		return -ENODATA;
	if (strlen(pr.person) > NAME_MAX_LEN)
		return -EINVAL;
	pr.driver = hv_driver_by_id(driver ? driver : stored_model);
	pr.model = device_model(pr.driver, stored_model);
	r = hv_phd_eui64_from_address(pr.address, pr.eui64, sizeof(pr.eui64));
	if (r < 0)
		return r;
	/* The device's own System ID, when it told us one, is its SYSID. */
	if (opt->device_info &&
	    strlen(opt->device_info->value[HV_DIS_SYSTEM_ID]) ==
		    sizeof(pr.eui64) - 1)
		memcpy(pr.eui64, opt->device_info->value[HV_DIS_SYSTEM_ID],
		       sizeof(pr.eui64));
	(void)eui48_from_address(pr.address, pr.eui48, sizeof(pr.eui48));
	for (size_t i = 0, j = 0; pr.eui64[i]; i++)
		if (pr.eui64[i] != '-')
			pr.eui64_hex[j++] = pr.eui64[i];
	/* the device's own clock when it sent one, else the reception time */
	r = seconds_since_2000(pr.device_time ? pr.device_time : pr.time,
			       pr.timestamp, sizeof(pr.timestamp));
	if (r < 0)
		return r;
	derive_urns(&pr);
	r = view_clock_read(record, &pr);
	if (r < 0)
		return r;
	*ret = pr;
	return 0;
}

/* --- JSON helpers ------------------------------------------------------------ */

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

/* name: {"coding": [{system, code, display}], "text": text} */
static cJSON *add_concept(cJSON *parent, const char *name, const char *system,
			  const char *code, const char *display,
			  const char *text)
{
	cJSON *cc = cJSON_AddObjectToObject(parent, name);
	cJSON *codings = cc ? cJSON_AddArrayToObject(cc, "coding") : NULL;

	if (!codings || !add_coding(codings, system, code, display))
		return NULL;
	if (text && !cJSON_AddStringToObject(cc, "text", text))
		return NULL;
	return cc;
}

static cJSON *append_object(cJSON *array)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddItemToArray(array, o);
	return o;
}

static bool append_string(cJSON *array, const char *s)
{
	cJSON *o = cJSON_CreateString(s);

	if (o)
		cJSON_AddItemToArray(array, o);
	return o;
}

static bool add_profile(cJSON *resource, const char *profile)
{
	cJSON *meta = cJSON_AddObjectToObject(resource, "meta");
	cJSON *profiles = meta ? cJSON_AddArrayToObject(meta, "profile") : NULL;

	return profiles && append_string(profiles, profile);
}

static bool add_reference(cJSON *parent, const char *name, const char *urn)
{
	cJSON *ref = cJSON_AddObjectToObject(parent, name);

	return ref && cJSON_AddStringToObject(ref, "reference", urn);
}

/* A Device identifier of a ContinuaDeviceIdentifiers type (SYSID, BTMAC). */
static bool add_device_identifier(cJSON *ids, const char *type,
				  const char *type_display, const char *system,
				  const char *value)
{
	cJSON *id = append_object(ids);

	return id &&
	       add_concept(id, "type", SYSTEM_DEVICE_IDS, type, type_display,
			   NULL) &&
	       cJSON_AddStringToObject(id, "system", system) &&
	       cJSON_AddStringToObject(id, "value", value);
}

static bool add_plain_identifier(cJSON *ids, const char *system,
				 const char *value)
{
	cJSON *id = append_object(ids);

	return id && cJSON_AddStringToObject(id, "system", system) &&
	       cJSON_AddStringToObject(id, "value", value);
}

/* One transaction entry: fullUrl, resource (taken), request. */
static int add_entry(cJSON *entries, const char *urn, cJSON *resource,
		     const char *type, const char *system, const char *value)
{
	_cleanup_(cJSON_Deletep) cJSON *res = resource;
	cJSON *entry, *request;
	char query[IDENT_MAX * 4]; /* room for escaping every character */
	int r;

	if (!res)
		return -ENOMEM;
	r = if_none_exist(system, value, query, sizeof(query));
	if (r < 0)
		return r;
	entry = append_object(entries);
	if (!entry || !cJSON_AddStringToObject(entry, "fullUrl", urn))
		return -ENOMEM;
	cJSON_AddItemToObject(entry, "resource", TAKE_PTR(res));
	request = cJSON_AddObjectToObject(entry, "request");
	if (!request || !cJSON_AddStringToObject(request, "method", "POST") ||
	    !cJSON_AddStringToObject(request, "url", type) ||
	    !cJSON_AddStringToObject(request, "ifNoneExist", query))
		return -ENOMEM;
	return 0;
}

/* --- Patient, PhdDevice, PhgDevice ---------------------------------------- */

static int add_patient(cJSON *entries, const struct phd_record *pr)
{
	cJSON *p = cJSON_CreateObject(), *ids;

	if (!p || !cJSON_AddStringToObject(p, "resourceType", "Patient") ||
	    !add_profile(p, HV_PHD_IG "PhdPatient") ||
	    !(ids = cJSON_AddArrayToObject(p, "identifier")) ||
	    !add_plain_identifier(ids, HV_PHD_SYSTEM_PERSON, pr->person)) {
		cJSON_Delete(p);
		return -ENOMEM;
	}
	return add_entry(entries, pr->patient_urn, p, "Patient",
			 HV_PHD_SYSTEM_PERSON, pr->person);
}

static bool has_metric(const cJSON *readings, enum hv_metric metric)
{
	const cJSON *rd;

	cJSON_ArrayForEach(rd, readings)
		if (hv_metric_from_name(string_item(rd, "metric")) == metric)
			return true;
	return false;
}

static bool has_body_composition(const cJSON *readings)
{
	for (int m = HV_METRIC_BODY_FAT_PERCENT; m <= HV_METRIC_METABOLIC_AGE;
	     m++)
		if (has_metric(readings, (enum hv_metric)m))
			return true;
	return false;
}

/* The device's specializations, from its driver's kind and its readings. */
static size_t specializations(const struct phd_record *pr,
			      const cJSON *readings,
			      const struct specialization *ret[2])
{
	enum hv_driver_kind kind =
		pr->driver ? pr->driver->kind : HV_DRIVER_KIND_OTHER;
	size_t n = 0;

	switch (kind) {
	case HV_DRIVER_KIND_SCALE:
		ret[n++] = &spec_scale;
		if (has_body_composition(readings))
			ret[n++] = &spec_bca;
		break;
	case HV_DRIVER_KIND_BLOOD_PRESSURE:
		ret[n++] = &spec_bp;
		break;
	case HV_DRIVER_KIND_GLUCOSE_METER:
		ret[n++] = &spec_glucose;
		break;
	case HV_DRIVER_KIND_HEART_RATE:
		ret[n++] = &spec_ecg;
		ret[n++] = &spec_hr;
		break;
	case HV_DRIVER_KIND_PULSE_OXIMETER:
		ret[n++] = &spec_oxim;
		break;
	case HV_DRIVER_KIND_THERMOMETER:
		ret[n++] = &spec_temp;
		break;
	case HV_DRIVER_KIND_ACTIVITY:
	case HV_DRIVER_KIND_FITNESS_BAND:
		ret[n++] = &spec_cardio;
		if (has_metric(readings, HV_METRIC_STEP_COUNT))
			ret[n++] = &spec_steps;
		break;
	default:
		ret[n++] = &spec_generic;
		break;
	}
	return n;
}

static bool add_specialization(cJSON *specs, const struct specialization *s,
			       const char *version)
{
	cJSON *o = append_object(specs);

	if (!o || !add_concept(o, "systemType", SYSTEM_MDC, s->mdc, s->mdc_ref,
			       s->text))
		return false;
	return !version || cJSON_AddStringToObject(o, "version", version);
}

static bool add_simple_type(cJSON *device, const char *code, const char *ref,
			    const char *text)
{
	return add_concept(device, "type", SYSTEM_MDC, code, ref, text);
}

/* The Device Information Service's value of a field, NULL when unknown. */
static const char *dis_value(const struct phd_record *pr, enum hv_dis_field f)
{
	const struct hv_dis *dis = pr->opt->device_info;

	return dis && dis->value[f][0] ? dis->value[f] : NULL;
}

/*
 * A device that told us no revision still needs one Device.version
 * (PhdDevice: version[MDCType] 1..*), and R4 needs its value: the firmware
 * revision every device has, its value absent for an unknown reason (the
 * data-absent-reason extension on the primitive, as FHIR R4 allows on any
 * element), rather than a made-up revision.
 */
static bool add_unknown_firmware_version(cJSON *versions)
{
	cJSON *v, *value, *exts, *ext;

	return (v = append_object(versions)) &&
	       add_concept(v, "type", SYSTEM_MDC, "531976",
			   "MDC_ID_PROD_SPEC_FW", "Firmware revision") &&
	       (value = cJSON_AddObjectToObject(v, "_value")) &&
	       (exts = cJSON_AddArrayToObject(value, "extension")) &&
	       (ext = append_object(exts)) &&
	       cJSON_AddStringToObject(ext, "url", EXTENSION_ABSENT) &&
	       cJSON_AddStringToObject(ext, "valueCode", "unknown");
}

/* Device.version: firmware, software and hardware revisions, typed with
 * the MDCDeviceVersionTypes codes (ValueSet.MDCDeviceVersionTypes.fsh; the
 * IG's example phd-74E8FFFEFF051C00.001C05FFE874.json). */
static bool add_versions(cJSON *device, const struct phd_record *pr)
{
	static const struct {
		enum hv_dis_field field;
		const char *code, *ref, *text;
	} kinds[] = {
		{ HV_DIS_FIRMWARE, "531976", "MDC_ID_PROD_SPEC_FW",
		  "Firmware revision" },
		{ HV_DIS_SOFTWARE, "531975", "MDC_ID_PROD_SPEC_SW",
		  "Software revision" },
		{ HV_DIS_HARDWARE, "531974", "MDC_ID_PROD_SPEC_HW",
		  "Hardware revision" },
	};
	cJSON *versions = NULL, *v;

	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		const char *value = dis_value(pr, kinds[i].field);

		if (!value)
			continue;
		if (!versions &&
		    !(versions = cJSON_AddArrayToObject(device, "version")))
			return false;
		if (!(v = append_object(versions)) ||
		    !add_concept(v, "type", SYSTEM_MDC, kinds[i].code,
				 kinds[i].ref, kinds[i].text) ||
		    !cJSON_AddStringToObject(v, "value", value))
			return false;
	}
	if (versions)
		return true;
	return (versions = cJSON_AddArrayToObject(device, "version")) &&
	       add_unknown_firmware_version(versions);
}

static int add_phd_device(cJSON *entries, const struct phd_record *pr,
			  const cJSON *readings)
{
	const char *manufacturer = dis_value(pr, HV_DIS_MANUFACTURER);
	const char *model = dis_value(pr, HV_DIS_MODEL);
	const char *serial = dis_value(pr, HV_DIS_SERIAL);
	_cleanup_(cJSON_Deletep) cJSON *d = cJSON_CreateObject();
	const struct specialization *spec[2];
	size_t n = specializations(pr, readings, spec);
	cJSON *ids, *specs;

	if (!d || !cJSON_AddStringToObject(d, "resourceType", "Device") ||
	    !add_profile(d, HV_PHD_IG "PhdDevice") ||
	    !(ids = cJSON_AddArrayToObject(d, "identifier")) ||
	    !add_device_identifier(ids, "SYSID", "IEEE 11073 System Identifier",
				   HV_PHD_SYSTEM_EUI64, pr->eui64) ||
	    !add_device_identifier(ids, "BTMAC", "Bluetooth MAC address",
				   HV_PHD_SYSTEM_BTMAC, pr->eui48) ||
	    !cJSON_AddStringToObject(d, "manufacturer",
				     manufacturer ? manufacturer :
				     pr->driver   ? pr->driver->name :
						    "unknown") ||
	    (serial && !cJSON_AddStringToObject(d, "serialNumber", serial)) ||
	    !cJSON_AddStringToObject(d, "modelNumber",
				     model ? model : pr->model) ||
	    !add_simple_type(d, "65573", "MDC_MOC_VMS_MDS_SIMP",
			     "Simple PHD") ||
	    !(specs = cJSON_AddArrayToObject(d, "specialization")))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!add_specialization(specs, spec[i], "1"))
			return -ENOMEM;
	if (!add_versions(d, pr))
		return -ENOMEM;
	return add_entry(entries, pr->phd_urn, TAKE_PTR(d), "Device",
			 HV_PHD_SYSTEM_EUI64, pr->eui64);
}

/* The PhgDevice's time synchronisation property (PhgDevice.fsh,
 * property[timeSyncProperty]; codes of ValueSet.MDCTimeSyncMethods.fsh). */
static bool add_time_sync(cJSON *device, enum hv_clock_sync sync)
{
	static const struct {
		const char *code, *ref;
	} methods[] = {
		[HV_CLOCK_SYNC_NONE] = { "532224", "MDC_TIME_SYNC_NONE" },
		[HV_CLOCK_SYNC_SNTP] = { "532228", "MDC_TIME_SYNC_SNTPV4330" },
		[HV_CLOCK_SYNC_NTP] = { "532226", "MDC_TIME_SYNC_NTPV4" },
	};
	cJSON *props, *p, *values, *v, *codings;

	if (sync == HV_CLOCK_SYNC_UNKNOWN || (size_t)sync >= ELEMENTSOF(methods))
		return true;
	return (props = cJSON_AddArrayToObject(device, "property")) &&
	       (p = append_object(props)) &&
	       add_concept(p, "type", SYSTEM_MDC, "68220",
			   "MDC_TIME_SYNC_PROTOCOL", "Time synchronization protocol") &&
	       (values = cJSON_AddArrayToObject(p, "valueCode")) &&
	       (v = append_object(values)) &&
	       (codings = cJSON_AddArrayToObject(v, "coding")) &&
	       add_coding(codings, SYSTEM_MDC, methods[sync].code,
			  methods[sync].ref);
}

/* The bound on the clock's error, in microseconds as the profile says
 * (property[timeSyncAccuracyProperty], MDC_TIME_SYNC_ACCURACY). */
static bool add_time_sync_accuracy(cJSON *props, uint64_t usec)
{
	cJSON *p, *values, *q;

	/* Device.property.valueQuantity is a list in R4 (0..*; 1..1 here) */
	return !usec ||
	       ((p = append_object(props)) &&
		add_concept(p, "type", SYSTEM_MDC, "68221",
			    "MDC_TIME_SYNC_ACCURACY",
			    "Time synchronization accuracy") &&
		(values = cJSON_AddArrayToObject(p, "valueQuantity")) &&
		(q = append_object(values)) &&
		cJSON_AddNumberToObject(q, "value", (double)usec) &&
		cJSON_AddStringToObject(q, "unit", "us") &&
		cJSON_AddStringToObject(q, "system", SYSTEM_UCUM) &&
		cJSON_AddStringToObject(q, "code", "us"));
}

/* homevitals is not a regulated medical device: the negated regulation
 * status bit is set (property[isRegulatedProperty], ASN1ToHL7 532354.0). */
static bool add_not_regulated(cJSON *props)
{
	cJSON *p, *values, *v, *codings;

	return (p = append_object(props)) &&
	       add_concept(p, "type", SYSTEM_ASN1_TO_HL7, "532354.0",
			   "negated-regulation-status", NULL) &&
	       (values = cJSON_AddArrayToObject(p, "valueCode")) &&
	       (v = append_object(values)) &&
	       (codings = cJSON_AddArrayToObject(v, "coding")) &&
	       add_coding(codings, SYSTEM_V2_0136, "Y", "Yes") &&
	       cJSON_AddStringToObject(v, "text", "Device is not regulated");
}

static int add_phg_device(cJSON *entries, const struct phd_record *pr)
{
	_cleanup_(cJSON_Deletep) cJSON *d = cJSON_CreateObject();
	const char *address = pr->opt->gateway_address;
	char eui64[24], eui48[18];
	cJSON *ids, *specs, *versions, *v, *props;
	bool sysid =
		address &&
		hv_phd_eui64_from_address(address, eui64, sizeof(eui64)) >= 0 &&
		eui48_from_address(address, eui48, sizeof(eui48)) >= 0;

	if (!d || !cJSON_AddStringToObject(d, "resourceType", "Device") ||
	    !add_profile(d, HV_PHD_IG "PhgDevice") ||
	    !(ids = cJSON_AddArrayToObject(d, "identifier")))
		return -ENOMEM;
	if (sysid &&
	    (!add_device_identifier(ids, "SYSID",
				    "IEEE 11073 System Identifier",
				    HV_PHD_SYSTEM_EUI64, eui64) ||
	     !add_device_identifier(ids, "BTMAC", "Bluetooth MAC address",
				    HV_PHD_SYSTEM_BTMAC, eui48)))
		return -ENOMEM;
	/* the gateway's name: what the MQTT topics call it */
	if (!add_plain_identifier(ids, HV_PHD_SYSTEM_GATEWAY,
				  pr->opt->gateway_id) ||
	    !cJSON_AddStringToObject(d, "manufacturer", "homevitals") ||
	    !cJSON_AddStringToObject(d, "modelNumber", "homevitals") ||
	    !add_simple_type(d, "531981", "MDC_MOC_VMS_MDS_AHD",
			     "Personal health gateway") ||
	    !(specs = cJSON_AddArrayToObject(d, "specialization")) ||
	    !add_specialization(specs, &spec_generic, NULL) ||
	    !(versions = cJSON_AddArrayToObject(d, "version")) ||
	    !(v = append_object(versions)) ||
	    !add_concept(v, "type", SYSTEM_MDC, "531975", "MDC_ID_PROD_SPEC_SW",
			 "Software revision") ||
	    !cJSON_AddStringToObject(v, "value", HV_VERSION) ||
	    !add_time_sync(d, pr->opt->clock_sync) ||
	    !(props = cJSON_GetObjectItem(d, "property") ?:
			      cJSON_AddArrayToObject(d, "property")) ||
	    !add_time_sync_accuracy(props, pr->opt->clock_accuracy_usec) ||
	    !add_not_regulated(props))
		return -ENOMEM;
	return add_entry(entries, pr->phg_urn, TAKE_PTR(d), "Device",
			 sysid ? HV_PHD_SYSTEM_EUI64 : HV_PHD_SYSTEM_GATEWAY,
			 sysid ? eui64 : pr->opt->gateway_id);
}

/* --- Observations ------------------------------------------------------------ */

/* The glucose_codes row of the meter's sample type, or -1. */
static int glucose_row(const struct phd_record *pr, enum hv_metric m)
{
	if (m != HV_METRIC_BLOOD_GLUCOSE || !pr->sample_type)
		return -1;
	for (size_t i = 0; i < ELEMENTSOF(glucose_codes); i++)
		if (strcmp(glucose_codes[i].sample_type, pr->sample_type) == 0)
			return (int)i;
	return -1;
}

static void mdc_code(const struct phd_record *pr, enum hv_metric m,
		     const char **ret_code, const char **ret_ref)
{
	int g = glucose_row(pr, m);

	*ret_code = phd_metrics[m].mdc;
	*ret_ref = phd_metrics[m].mdc_ref;
	if (m == HV_METRIC_PULSE_RATE && pr->driver &&
	    pr->driver->kind == HV_DRIVER_KIND_PULSE_OXIMETER) {
		*ret_code = "149530";
		*ret_ref = "MDC_PULS_OXIM_PULS_RATE";
	}
	if (g >= 0) {
		*ret_code = glucose_codes[g].mdc;
		*ret_ref = glucose_codes[g].mdc_ref;
	}
}

static const char *loinc_code(const struct phd_record *pr, enum hv_metric m)
{
	int g = glucose_row(pr, m);

	return g >= 0 ? glucose_codes[g].loinc : hv_metric_info(m)->loinc;
}

/* code: the MDC coding always (the IG's rule), then LOINC where one exists. */
static int add_metric_code(cJSON *parent, const struct phd_record *pr,
			   enum hv_metric m)
{
	const char *mdc, *ref, *loinc = loinc_code(pr, m);
	cJSON *code, *codings;

	mdc_code(pr, m, &mdc, &ref);
	code = add_concept(parent, "code", SYSTEM_MDC, mdc, ref,
			   hv_metric_info(m)->display);
	codings = cJSON_GetObjectItemCaseSensitive(code, "coding");
	if (!codings)
		return -ENOMEM;
	if (loinc && !add_coding(codings, SYSTEM_LOINC, loinc, NULL))
		return -ENOMEM;
	/* the R4 oxygensat profile fixes 2708-6 next to the oximetry code */
	if (m == HV_METRIC_SPO2 &&
	    !add_coding(codings, SYSTEM_LOINC, "2708-6", NULL))
		return -ENOMEM;
	return 0;
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
	/* NRes and the reserved value: the IG's FLOATS page maps both to error */
	return "error";
}

/*
 * A device sends at most 7 significant digits (FLOAT's 24-bit mantissa);
 * 12 keep them all and drop the binary noise of a unit conversion.
 */
static double device_precision(double v)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%.12g", v);
	return strtod(buf, NULL);
}

/* valueQuantity or dataAbsentReason, from one stored reading. */
static int add_value(cJSON *obj, enum hv_metric m, const cJSON *reading)
{
	const struct phd_metric *pm = &phd_metrics[m];
	const char *unit = pm->ucum ? pm->ucum : hv_metric_info(m)->unit;
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(reading, "value");
	cJSON *o;

	if (cJSON_IsNumber(value) && isfinite(value->valuedouble)) {
		double v = value->valuedouble * (pm->scale ? pm->scale : 1);

		o = cJSON_AddObjectToObject(obj, "valueQuantity");
		if (!o ||
		    !cJSON_AddNumberToObject(o, "value", device_precision(v)) ||
		    !cJSON_AddStringToObject(o, "unit", unit) ||
		    !cJSON_AddStringToObject(o, "system", SYSTEM_UCUM) ||
		    !cJSON_AddStringToObject(o, "code", unit))
			return -ENOMEM;
		return 0;
	}
	if (!add_concept(obj, "dataAbsentReason", SYSTEM_ABSENT,
			 absent_code(string_item(reading, "absent_reason")),
			 NULL, NULL))
		return -ENOMEM;
	return 0;
}

static bool append_category(cJSON *cats, const char *system, const char *code,
			    const char *display)
{
	cJSON *c = append_object(cats);
	cJSON *codings = c ? cJSON_AddArrayToObject(c, "coding") : NULL;

	return codings && add_coding(codings, system, code, display);
}

/* phd always (PhdBaseObservation); vital-signs for the R4 vital signs. */
static bool add_categories(cJSON *obs, bool vital)
{
	cJSON *cats = cJSON_AddArrayToObject(obs, "category");

	return cats &&
	       append_category(cats, SYSTEM_PHD_CATEGORY, "phd",
			       "PHD generated Observation") &&
	       (!vital || append_category(cats, SYSTEM_CATEGORY, "vital-signs",
					  "Vital Signs"));
}

/*
 * The IG's conditional-create identifier: device-patient-type-timestamp
 * (no duration or supplemental types here). A metric repeated within one
 * measurement (RR intervals) gets "-2", "-3"… after the first.
 */
static void observation_identifier(const struct phd_record *pr, const char *mdc,
				   unsigned k, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s-%s-%s-%s-%s", pr->eui64_hex, pr->person,
			 HV_PHD_SYSTEM_PERSON, mdc, pr->timestamp);

	if (k && n > 0 && (size_t)n < size)
		(void)snprintf(buf + n, size - (size_t)n, "-%u", k + 1);
}

/* Everything of an Observation before its code. */
static cJSON *observation_head(const struct phd_record *pr, const char *profile,
			       const char *ident, bool vital)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = cJSON_CreateObject();
	cJSON *meta, *profiles, *ext, *e, *ids;

	if (!obs ||
	    !cJSON_AddStringToObject(obs, "resourceType", "Observation"))
		return NULL;
	meta = cJSON_AddObjectToObject(obs, "meta");
	profiles = meta ? cJSON_AddArrayToObject(meta, "profile") : NULL;
	if (!profiles || !append_string(profiles, profile))
		return NULL;
	if (pr->opt->test_data) {
		cJSON *sec = cJSON_AddArrayToObject(meta, "security");

		if (!sec || !add_coding(sec, SYSTEM_ACT_REASON, "HTEST",
					"test health data"))
			return NULL;
	}
	ext = cJSON_AddArrayToObject(obs, "extension");
	e = ext ? append_object(ext) : NULL;
	if (!e ||
	    !cJSON_AddStringToObject(e, "url",
				     HV_PHD_GATEWAY_DEVICE_EXTENSION) ||
	    !add_reference(e, "valueReference", pr->phg_urn))
		return NULL;
	if (pr->clock_gateway &&
	    (!(e = append_object(ext)) ||
	     !cJSON_AddStringToObject(e, "url", HV_PHD_COINCIDENT_EXTENSION) ||
	     !add_reference(e, "valueReference", pr->coincident_urn)))
		return NULL;
	ids = cJSON_AddArrayToObject(obs, "identifier");
	if (!ids ||
	    !add_plain_identifier(ids, HV_PHD_SYSTEM_OBSERVATION, ident))
		return NULL;
	if (!cJSON_AddStringToObject(
		    obs, "status", pr->preliminary ? "preliminary" : "final") ||
	    !add_categories(obs, vital))
		return NULL;
	return TAKE_PTR(obs);
}

/* subject, effectiveDateTime: after code, in FHIR's order. */
static bool add_subject_time(cJSON *obs, const struct phd_record *pr)
{
	return add_reference(obs, "subject", pr->patient_urn) &&
	       cJSON_AddStringToObject(obs, "effectiveDateTime", pr->time);
}

static int add_observation_entry(cJSON *entries, const char *ident, cJSON *obs)
{
	char name[IDENT_MAX + 16], urn[URN_MAX];

	(void)snprintf(name, sizeof(name), "Observation|%s", ident);
	hv_phd_uuid_urn(name, urn, sizeof(urn));
	return add_entry(entries, urn, obs, "Observation",
			 HV_PHD_SYSTEM_OBSERVATION, ident);
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

static int numeric_observation(cJSON *entries, const struct phd_record *pr,
			       const cJSON *reading, enum hv_metric m,
			       unsigned k)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = NULL;
	char ident[IDENT_MAX];
	const char *mdc, *ref;
	int r;

	mdc_code(pr, m, &mdc, &ref);
	observation_identifier(pr, mdc, k, ident, sizeof(ident));
	obs = observation_head(pr, HV_PHD_IG "PhdNumericObservation", ident,
			       phd_metrics[m].vital);
	if (!obs)
		return -ENOMEM;
	r = add_metric_code(obs, pr, m);
	if (r < 0)
		return r;
	if (!add_subject_time(obs, pr))
		return -ENOMEM;
	r = add_value(obs, m, reading);
	if (r < 0)
		return r;
	if (!add_reference(obs, "device", pr->phd_urn))
		return -ENOMEM;
	r = add_method(obs, reading);
	if (r < 0)
		return r;
	return add_observation_entry(entries, ident, TAKE_PTR(obs));
}

static bool is_bp(enum hv_metric m)
{
	return m == HV_METRIC_SYSTOLIC_PRESSURE ||
	       m == HV_METRIC_DIASTOLIC_PRESSURE ||
	       m == HV_METRIC_MEAN_ARTERIAL_PRESSURE;
}

/* Systolic, diastolic and mean: one compound Observation, MDC 150020. */
static int blood_pressure(cJSON *entries, const struct phd_record *pr,
			  const cJSON *readings)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = NULL;
	cJSON *code, *components;
	const cJSON *rd;
	char ident[IDENT_MAX];
	int r;

	observation_identifier(pr, "150020", 0, ident, sizeof(ident));
	obs = observation_head(pr, HV_PHD_IG "PhdCompoundNumericObservation",
			       ident, true);
	if (!obs)
		return -ENOMEM;
	code = add_concept(obs, "code", SYSTEM_MDC, "150020",
			   "MDC_PRESS_BLD_NONINV", "Blood pressure");
	if (!code ||
	    !add_coding(cJSON_GetObjectItemCaseSensitive(code, "coding"),
			SYSTEM_LOINC, "85354-9", NULL) ||
	    !add_subject_time(obs, pr) ||
	    !add_reference(obs, "device", pr->phd_urn) ||
	    !(components = cJSON_AddArrayToObject(obs, "component")))
		return -ENOMEM;
	cJSON_ArrayForEach(rd, readings) {
		enum hv_metric m =
			hv_metric_from_name(string_item(rd, "metric"));
		cJSON *comp;

		if (!is_bp(m))
			continue;
		comp = append_object(components);
		if (!comp)
			return -ENOMEM;
		r = add_metric_code(comp, pr, m);
		if (r < 0)
			return r;
		r = add_value(comp, m, rd);
		if (r < 0)
			return r;
	}
	return add_observation_entry(entries, ident, TAKE_PTR(obs));
}

/*
 * PhdCoincidentTimeStampObservation: the device's clock (Current Time, a
 * wall clock without zone or DST: MDC_ATTR_TIME_ABS) against the gateway's
 * at the moment it was read; an implausible device clock is a time fault
 * (dataAbsentReason unknown). The IG has no identifier for it; one is given
 * so that the Bundles of one connection's records create it once.
 */
static int add_coincident_timestamp(cJSON *entries,
				    const struct phd_record *pr)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = cJSON_CreateObject();
	cJSON *ids;

	if (!pr->clock_gateway)
		return 0;
	if (!obs || !cJSON_AddStringToObject(obs, "resourceType", "Observation") ||
	    !add_profile(obs, HV_PHD_IG "PhdCoincidentTimeStampObservation"))
		return -ENOMEM;
	if (pr->opt->test_data) {
		cJSON *sec = cJSON_AddArrayToObject(
			cJSON_GetObjectItemCaseSensitive(obs, "meta"),
			"security");

		if (!sec || !add_coding(sec, SYSTEM_ACT_REASON, "HTEST",
					"test health data"))
			return -ENOMEM;
	}
	if (!(ids = cJSON_AddArrayToObject(obs, "identifier")) ||
	    !add_plain_identifier(ids, HV_PHD_SYSTEM_COINCIDENT,
				  pr->coincident_ident) ||
	    !cJSON_AddStringToObject(obs, "status", "final") ||
	    !add_concept(obs, "code", SYSTEM_MDC, "67975", "MDC_ATTR_TIME_ABS",
			 "Absolute time") ||
	    !add_reference(obs, "subject", pr->phd_urn) ||
	    !cJSON_AddStringToObject(obs, "effectiveDateTime",
				     pr->clock_gateway))
		return -ENOMEM;
	if (pr->clock_device) {
		if (!cJSON_AddStringToObject(obs, "valueDateTime",
					     pr->clock_device))
			return -ENOMEM;
	} else if (!add_concept(obs, "dataAbsentReason", SYSTEM_ABSENT,
				"unknown", "Unknown", "Sensor Time Fault")) {
		return -ENOMEM;
	}
	if (!add_reference(obs, "device", pr->phg_urn))
		return -ENOMEM;
	return add_entry(entries, pr->coincident_urn, TAKE_PTR(obs),
			 "Observation", HV_PHD_SYSTEM_COINCIDENT,
			 pr->coincident_ident);
}

static int add_observations(cJSON *entries, const struct phd_record *pr,
			    const cJSON *readings)
{
	unsigned seen[_HV_METRIC_MAX] = { 0 };
	bool bp = false;
	const cJSON *rd;
	int r;

	cJSON_ArrayForEach(rd, readings) {
		enum hv_metric m =
			hv_metric_from_name(string_item(rd, "metric"));

		if (m < 0)
			return -EINVAL;
		if (is_bp(m)) {
			if (!bp) {
				r = blood_pressure(entries, pr, readings);
				if (r < 0)
					return r;
			}
			bp = true;
			continue;
		}
		r = numeric_observation(entries, pr, rd, m, seen[m]++);
		if (r < 0)
			return r;
	}
	return 0;
}

int hv_fhir_phd_bundle(const cJSON *record,
		       const struct hv_fhir_phd_options *options,
		       cJSON **ret_bundle)
{
	_cleanup_(cJSON_Deletep) cJSON *bundle = NULL;
	const cJSON *readings;
	struct phd_record pr;
	cJSON *ident, *entries;
	int r;

	r = view_record(record, options, &pr);
	if (r < 0)
		return r;
	readings = cJSON_GetObjectItemCaseSensitive(record, "readings");
	if (!cJSON_IsArray(readings) || !cJSON_GetArraySize(readings))
		return -EINVAL;
	bundle = cJSON_CreateObject();
	if (!bundle ||
	    !cJSON_AddStringToObject(bundle, "resourceType", "Bundle"))
		return -ENOMEM;
	ident = cJSON_AddObjectToObject(bundle, "identifier");
	if (!ident ||
	    !cJSON_AddStringToObject(ident, "system", SYSTEM_MEASUREMENT) ||
	    !cJSON_AddStringToObject(ident, "value", pr.id) ||
	    !cJSON_AddStringToObject(bundle, "type", "transaction") ||
	    !(entries = cJSON_AddArrayToObject(bundle, "entry")))
		return -ENOMEM;
	r = add_patient(entries, &pr);
	if (r < 0)
		return r;
	r = add_phd_device(entries, &pr, readings);
	if (r < 0)
		return r;
	r = add_phg_device(entries, &pr);
	if (r < 0)
		return r;
	r = add_coincident_timestamp(entries, &pr);
	if (r < 0)
		return r;
	r = add_observations(entries, &pr, readings);
	if (r < 0)
		return r;
	*ret_bundle = TAKE_PTR(bundle);
	return 0;
}
