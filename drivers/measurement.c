// SPDX-License-Identifier: MIT
/*
 * The metric vocabulary and the helpers every driver uses to build a
 * measurement. Names, UCUM units and LOINC codes follow readings.md; LOINC
 * codes are given only where that table lists one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "drivers/measurement.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* clang-format off */
static const struct hv_metric_info metric_table[_HV_METRIC_MAX] = {
	[HV_METRIC_BODY_WEIGHT]            = { "body_weight",            "kg",       "29463-7", "Body weight" },
	[HV_METRIC_BODY_HEIGHT]            = { "body_height",            "m",        "8302-2",  "Body height" },
	[HV_METRIC_BMI]                    = { "bmi",                    "kg/m2",    "39156-5", "BMI" },
	[HV_METRIC_BODY_FAT_PERCENT]       = { "body_fat_percent",       "%",        "41982-0", "Body fat" },
	[HV_METRIC_FAT_FREE_MASS]          = { "fat_free_mass",          "kg",       NULL,      "Fat-free mass" },
	[HV_METRIC_SOFT_LEAN_MASS]         = { "soft_lean_mass",         "kg",       NULL,      "Soft lean mass" },
	[HV_METRIC_MUSCLE_MASS]            = { "muscle_mass",            "kg",       "73964-9", "Muscle mass" },
	[HV_METRIC_MUSCLE_PERCENT]         = { "muscle_percent",         "%",        NULL,      "Muscle" },
	[HV_METRIC_BODY_WATER_MASS]        = { "body_water_mass",        "kg",       NULL,      "Body water mass" },
	[HV_METRIC_BODY_WATER_PERCENT]     = { "body_water_percent",     "%",        NULL,      "Body water" },
	[HV_METRIC_BONE_MASS]              = { "bone_mass",              "kg",       NULL,      "Bone mass" },
	[HV_METRIC_VISCERAL_FAT_RATING]    = { "visceral_fat_rating",    "1",        NULL,      "Visceral fat rating" },
	[HV_METRIC_BASAL_METABOLIC_RATE]   = { "basal_metabolic_rate",   "kcal/d",   NULL,      "Basal metabolic rate" },
	[HV_METRIC_IMPEDANCE]              = { "impedance",              "Ohm",      NULL,      "Impedance" },
	[HV_METRIC_PROTEIN_PERCENT]        = { "protein_percent",        "%",        NULL,      "Protein" },
	[HV_METRIC_METABOLIC_AGE]          = { "metabolic_age",          "a",        NULL,      "Metabolic age" },
	[HV_METRIC_HEART_RATE]             = { "heart_rate",             "/min",     "8867-4",  "Heart rate" },
	[HV_METRIC_RR_INTERVAL]            = { "rr_interval",            "s",        NULL,      "RR interval" },
	[HV_METRIC_ENERGY_EXPENDED]        = { "energy_expended",        "kJ",       NULL,      "Energy expended" },
	[HV_METRIC_STEP_COUNT]             = { "step_count",             "{steps}",  "55423-8", "Steps" },
	[HV_METRIC_DISTANCE]               = { "distance",               "m",        NULL,      "Distance" },
	[HV_METRIC_SPEED]                  = { "speed",                  "m/s",      NULL,      "Speed" },
	[HV_METRIC_CADENCE]                = { "cadence",                "/min",     NULL,      "Cadence" },
	[HV_METRIC_STRIDE_LENGTH]          = { "stride_length",          "m",        NULL,      "Stride length" },
	[HV_METRIC_SYSTOLIC_PRESSURE]      = { "systolic_pressure",      "mm[Hg]",   "8480-6",  "Systolic" },
	[HV_METRIC_DIASTOLIC_PRESSURE]     = { "diastolic_pressure",     "mm[Hg]",   "8462-4",  "Diastolic" },
	[HV_METRIC_MEAN_ARTERIAL_PRESSURE] = { "mean_arterial_pressure", "mm[Hg]",   "8478-0",  "Mean arterial pressure" },
	[HV_METRIC_PULSE_RATE]             = { "pulse_rate",             "/min",     "8867-4",  "Pulse rate" },
	[HV_METRIC_BODY_TEMPERATURE]       = { "body_temperature",       "Cel",      "8310-5",  "Body temperature" },
	[HV_METRIC_SPO2]                   = { "spo2",                   "%",        "59408-5", "SpO2" },
	[HV_METRIC_PULSE_AMPLITUDE_INDEX]  = { "pulse_amplitude_index",  "%",        NULL,      "Pulse amplitude index" },
	[HV_METRIC_BLOOD_GLUCOSE]          = { "blood_glucose",          "mmol/L",   "14743-9", "Blood glucose" },
	[HV_METRIC_IMPEDANCE_250KHZ]       = { "impedance_250khz",       "Ohm",      NULL,      "Impedance at 250 kHz" },
};

static const char *const absent_names[_HV_ABSENT_MAX] = {
	[HV_ABSENT_NONE]     = NULL,
	[HV_ABSENT_NAN]      = "nan",
	[HV_ABSENT_NRES]     = "nres",
	[HV_ABSENT_POS_INF]  = "+inf",
	[HV_ABSENT_NEG_INF]  = "-inf",
	[HV_ABSENT_RESERVED] = "reserved",
};

static const char *const status_names[_HV_STATUS_MAX] = {
	[HV_STATUS_OK]       = "ok",
	[HV_STATUS_NOT_MINE] = "not_mine",
	[HV_STATUS_INVALID]  = "invalid",
};

static const char *const unit_names[_HV_UNIT_MAX] = {
	[HV_UNIT_NONE]   = NULL,
	[HV_UNIT_KG]     = "kg",
	[HV_UNIT_LB]     = "[lb_av]",
	[HV_UNIT_JIN]    = "[jin]",
	[HV_UNIT_CEL]    = "Cel",
	[HV_UNIT_DEGF]   = "[degF]",
	[HV_UNIT_KPA]    = "kPa",
	[HV_UNIT_MMHG]   = "mm[Hg]",
	[HV_UNIT_MG_DL]  = "mg/dL",
	[HV_UNIT_MMOL_L] = "mmol/L",
};
/* clang-format on */

const struct hv_metric_info *hv_metric_info(enum hv_metric metric)
{
	if ((int)metric < 0 || metric >= _HV_METRIC_MAX)
		return NULL;
	return &metric_table[metric];
}

enum hv_metric hv_metric_from_name(const char *name)
{
	if (!name)
		return _HV_METRIC_INVALID;
	for (int i = 0; i < _HV_METRIC_MAX; i++)
		if (strcmp(metric_table[i].name, name) == 0)
			return (enum hv_metric)i;
	return _HV_METRIC_INVALID;
}

static int name_lookup(const char *const *table, size_t n, const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *hv_absent_name(enum hv_absent absent)
{
	if ((int)absent < 0 || absent >= _HV_ABSENT_MAX)
		return NULL;
	return absent_names[absent];
}

int hv_absent_from_name(const char *name)
{
	return name_lookup(absent_names, ELEMENTSOF(absent_names), name);
}

const char *hv_status_name(enum hv_decode_status status)
{
	if ((int)status < 0 || status >= _HV_STATUS_MAX)
		return NULL;
	return status_names[status];
}

const char *hv_display_unit_name(enum hv_display_unit unit)
{
	if ((int)unit < 0 || unit >= _HV_UNIT_MAX)
		return NULL;
	return unit_names[unit];
}

int hv_display_unit_from_name(const char *name)
{
	return name_lookup(unit_names, ELEMENTSOF(unit_names), name);
}

static const char *const sex_names[] = {
	[HV_SEX_UNKNOWN] = "unknown",
	[HV_SEX_MALE] = "male",
	[HV_SEX_FEMALE] = "female",
};

const char *hv_sex_name(enum hv_sex sex)
{
	if ((int)sex < 0 || (size_t)sex >= ELEMENTSOF(sex_names))
		return NULL;
	return sex_names[sex];
}

int hv_sex_from_name(const char *name)
{
	if (name && (strcmp(name, "m") == 0 || strcmp(name, "M") == 0))
		return HV_SEX_MALE;
	if (name && (strcmp(name, "f") == 0 || strcmp(name, "F") == 0))
		return HV_SEX_FEMALE;
	return name_lookup(sex_names, ELEMENTSOF(sex_names), name);
}

bool hv_profile_complete(const struct hv_profile *profile)
{
	return profile && profile->height_m > 0 && profile->age_years > 0 &&
	       profile->sex != HV_SEX_UNKNOWN;
}

void hv_measurement_init(struct hv_measurement *m, const char *driver)
{
	*m = (struct hv_measurement){
		.status = HV_STATUS_OK,
		.driver = driver,
		.user_index = -1,
		.sequence_number = -1,
	};
}

void hv_measurement_set_bia(struct hv_measurement *m, double weight_kg,
			    double impedance_ohm)
{
	m->bia = (struct hv_bia_input){
		.valid = true,
		.weight_kg = weight_kg,
		.impedance_ohm = impedance_ohm,
	};
}

void hv_measurement_reset(struct hv_measurement *m, const char *driver)
{
	memset(m, 0, offsetof(struct hv_measurement, error));
	m->status = HV_STATUS_OK;
	m->driver = driver;
	m->user_index = -1;
	m->sequence_number = -1;
	m->error[0] = '\0';
}

static int add_reading(struct hv_measurement *m, enum hv_metric metric,
		       double value, enum hv_absent absent)
{
	if (m->n_readings >= HV_READINGS_MAX)
		return -ENOSPC;
	m->readings[m->n_readings++] = (struct hv_reading){
		.metric = metric,
		.value = absent == HV_ABSENT_NONE ? value : 0,
		.absent = absent,
	};
	return 0;
}

int hv_measurement_add(struct hv_measurement *m, enum hv_metric metric,
		       double value)
{
	return add_reading(m, metric, value, HV_ABSENT_NONE);
}

int hv_measurement_add_absent(struct hv_measurement *m, enum hv_metric metric,
			      enum hv_absent absent)
{
	return add_reading(m, metric, 0, absent);
}

int hv_measurement_add_flag(struct hv_measurement *m, const char *flag)
{
	if (m->n_flags >= HV_FLAGS_TEXT_MAX)
		return -ENOSPC;
	m->flags[m->n_flags++] = flag;
	return 0;
}

int hv_measurement_add_context(struct hv_measurement *m, const char *key,
			       const char *value)
{
	if (m->n_context >= ELEMENTSOF(m->context_key))
		return -ENOSPC;
	m->context_key[m->n_context] = key;
	m->context_value[m->n_context] = value;
	m->n_context++;
	return 0;
}

const struct hv_reading *hv_measurement_find(const struct hv_measurement *m,
					     enum hv_metric metric)
{
	for (size_t i = 0; i < m->n_readings; i++)
		if (m->readings[i].metric == metric)
			return &m->readings[i];
	return NULL;
}

int hv_measurement_invalid(struct hv_measurement *m, const char *fmt, ...)
{
	va_list ap;

	m->status = HV_STATUS_INVALID;
	m->final = false;
	m->n_readings = 0;
	va_start(ap, fmt);
	(void)vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t hv_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t hv_datetime_to_unix(const struct hv_datetime *dt)
{
	return hv_days_from_civil(dt->year, dt->month, dt->day) * 86400 +
	       dt->hour * 3600 + dt->minute * 60 + dt->second;
}

void hv_datetime_from_unix(int64_t t, struct hv_datetime *ret)
{
	int64_t days = t / 86400, secs = t % 86400, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*ret = (struct hv_datetime){
		.year = (uint16_t)(y + (m <= 2)),
		.month = (uint8_t)m,
		.day = (uint8_t)d,
		.hour = (uint8_t)(secs / 3600),
		.minute = (uint8_t)(secs / 60 % 60),
		.second = (uint8_t)(secs % 60),
	};
}

bool hv_datetime_plausible(const struct hv_datetime *dt, int64_t now_unix)
{
	static const uint8_t mdays[] = { 31, 29, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31 };

	if (dt->year < 2010 || dt->year > 9999)
		return false;
	if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
	    dt->day > mdays[dt->month - 1])
		return false;
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 59)
		return false;
	/* Device clocks are local time: allow a day for the zone offset. */
	if (now_unix > 0 && hv_datetime_to_unix(dt) > now_unix + 86400)
		return false;
	return true;
}
