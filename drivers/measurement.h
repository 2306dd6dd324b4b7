/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The one shape every reading travels in, from a driver's decode through the
 * store to MQTT (docs: readings.md). Pure data: no allocation, caller-owned.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The metric vocabulary; names, UCUM units and LOINC codes live in metrics.c. */
enum hv_metric {
	HV_METRIC_BODY_WEIGHT,
	HV_METRIC_BODY_HEIGHT,
	HV_METRIC_BMI,
	HV_METRIC_BODY_FAT_PERCENT,
	HV_METRIC_FAT_FREE_MASS,
	HV_METRIC_SOFT_LEAN_MASS,
	HV_METRIC_MUSCLE_MASS,
	HV_METRIC_MUSCLE_PERCENT,
	HV_METRIC_BODY_WATER_MASS,
	HV_METRIC_BODY_WATER_PERCENT,
	HV_METRIC_BONE_MASS,
	HV_METRIC_VISCERAL_FAT_RATING,
	HV_METRIC_BASAL_METABOLIC_RATE,
	HV_METRIC_IMPEDANCE,
	HV_METRIC_PROTEIN_PERCENT,
	HV_METRIC_METABOLIC_AGE,
	HV_METRIC_HEART_RATE,
	HV_METRIC_RR_INTERVAL,
	HV_METRIC_ENERGY_EXPENDED,
	HV_METRIC_STEP_COUNT,
	HV_METRIC_DISTANCE,
	HV_METRIC_SPEED,
	HV_METRIC_CADENCE,
	HV_METRIC_STRIDE_LENGTH,
	HV_METRIC_SYSTOLIC_PRESSURE,
	HV_METRIC_DIASTOLIC_PRESSURE,
	HV_METRIC_MEAN_ARTERIAL_PRESSURE,
	HV_METRIC_PULSE_RATE,
	HV_METRIC_BODY_TEMPERATURE,
	HV_METRIC_SPO2,
	HV_METRIC_PULSE_AMPLITUDE_INDEX,
	HV_METRIC_BLOOD_GLUCOSE,
	HV_METRIC_IMPEDANCE_250KHZ, /* second frequency of two-frequency scales */
	_HV_METRIC_MAX,
	_HV_METRIC_INVALID = -22, /* -EINVAL */
};

struct hv_metric_info {
	const char *name; /* canonical metric name */
	const char *unit; /* UCUM */
	const char *loinc; /* NULL where none is listed */
	const char *display; /* human label, for tables */
};

const struct hv_metric_info *hv_metric_info(enum hv_metric metric);
enum hv_metric hv_metric_from_name(const char *name);

/* IEEE 11073 special values: kept as "no value" with a reason. */
enum hv_absent {
	HV_ABSENT_NONE,
	HV_ABSENT_NAN,
	HV_ABSENT_NRES,
	HV_ABSENT_POS_INF,
	HV_ABSENT_NEG_INF,
	HV_ABSENT_RESERVED,
	_HV_ABSENT_MAX,
};

const char *hv_absent_name(enum hv_absent absent); /* "nan", "nres", "+inf", … */
int hv_absent_from_name(const char *name);

struct hv_reading {
	enum hv_metric metric;
	double value; /* canonical unit; meaningless when absent != NONE */
	enum hv_absent absent;
	const char *method; /* static string naming a derivation, or NULL */
};

enum hv_decode_status {
	HV_STATUS_OK,
	HV_STATUS_NOT_MINE,
	HV_STATUS_INVALID,
	_HV_STATUS_MAX,
};

const char *hv_status_name(enum hv_decode_status status);

enum hv_subject {
	HV_SUBJECT_UNKNOWN,
	HV_SUBJECT_PERSON,
	HV_SUBJECT_OBJECT,
};

enum hv_display_unit {
	HV_UNIT_NONE,
	HV_UNIT_KG,
	HV_UNIT_LB,
	HV_UNIT_JIN,
	HV_UNIT_CEL,
	HV_UNIT_DEGF,
	HV_UNIT_KPA,
	HV_UNIT_MMHG,
	HV_UNIT_MG_DL,
	HV_UNIT_MMOL_L,
	_HV_UNIT_MAX,
};

const char *hv_display_unit_name(enum hv_display_unit unit); /* UCUM text */
int hv_display_unit_from_name(const char *name);

/* A device's own clock, local time, as sent; zero fields mean "not known". */
struct hv_datetime {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};

#define HV_READINGS_MAX 48
#define HV_ERROR_MAX 160
#define HV_FLAGS_TEXT_MAX 8

/*
 * The fields before `error` are the header, which hv_measurement_reset()
 * clears; the arrays after it hold data only up to their counts (n_flags,
 * n_context, n_readings) and may be stale beyond them.
 */
struct hv_measurement {
	enum hv_decode_status status;
	const char *driver; /* driver id, static */

	bool final; /* complete, stable: may be stored and published */
	bool has_load_removed;
	bool load_removed;
	enum hv_subject subject;

	/* device_time only when plausible; raw_device_time whenever sent */
	bool has_device_time;
	struct hv_datetime device_time;
	bool has_raw_device_time;
	struct hv_datetime raw_device_time;

	int user_index; /* device user slot; -1 when none */
	enum hv_display_unit display_unit;

	/* Multi-packet measurements (SIG Body Composition flag bit 12). */
	bool more_packets;

	/* Stored-record sequence number (RACP profiles); -1 when none. */
	int32_t sequence_number;
	/* What the driver's body composition is computed from (its derive
	 * hook, drivers/driver.h), exactly as its formula takes them: set by
	 * decode() whenever it would derive with a profile, so that deriving
	 * later needs no second decode. Not a reading: never stored. */
	struct hv_bia_input {
		bool valid;
		double weight_kg;
		double impedance_ohm; /* as the formula takes it (corrected) */
		/* a driver's own further inputs (a ten-impedance scale's
		 * other nine, relaxmedic) */
		double aux[9];
	} bia;

	size_t n_flags;
	size_t n_context;
	size_t n_readings;

	/* status == INVALID: what is wrong ("" otherwise) */
	char error[HV_ERROR_MAX];

	/* Device status bits kept as named flags (e.g. BP "irregular pulse"). */
	const char *flags[HV_FLAGS_TEXT_MAX];

	/* Context text such as "type": "armpit" (temperature), static strings. */
	const char *context_key[4];
	const char *context_value[4];

	struct hv_reading readings[HV_READINGS_MAX];
};

/* A person's profile, for derived body composition. */
enum hv_sex {
	HV_SEX_UNKNOWN,
	HV_SEX_MALE,
	HV_SEX_FEMALE,
};

const char *hv_sex_name(enum hv_sex sex);
int hv_sex_from_name(const char *name);

struct hv_profile {
	double height_m; /* 0 = unknown */
	double age_years; /* 0 = unknown */
	enum hv_sex sex;
};

bool hv_profile_complete(const struct hv_profile *profile);

/* Keep the inputs of the driver's body composition (see `bia`). */
void hv_measurement_set_bia(struct hv_measurement *m, double weight_kg,
			    double impedance_ohm);

/* Initialise an empty measurement (status OK, no readings, no user). */
void hv_measurement_init(struct hv_measurement *m, const char *driver);

/*
 * The same empty measurement, writing only the header and the first byte
 * of `error` (the arrays keep whatever they held beyond their counts): what
 * the registry does for every driver it tries, as the whole struct is
 * ~2 KB and most tries end in "not mine".
 */
void hv_measurement_reset(struct hv_measurement *m, const char *driver);

/* Append a reading; -ENOSPC when full. */
int hv_measurement_add(struct hv_measurement *m, enum hv_metric metric,
		       double value);
int hv_measurement_add_absent(struct hv_measurement *m, enum hv_metric metric,
			      enum hv_absent absent);
int hv_measurement_add_flag(struct hv_measurement *m, const char *flag);
int hv_measurement_add_context(struct hv_measurement *m, const char *key,
			       const char *value);

/* First reading of a metric, or NULL. */
const struct hv_reading *hv_measurement_find(const struct hv_measurement *m,
					     enum hv_metric metric);

/* Mark invalid with a printf-style message; always returns -EBADMSG. */
int hv_measurement_invalid(struct hv_measurement *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Plausible device clock: year >= 2010, fields in range, not after now
 * (now_unix <= 0: only the static checks). Local time compared loosely:
 * a day of slack for time zones. */
bool hv_datetime_plausible(const struct hv_datetime *dt, int64_t now_unix);

/* Days since 1970-01-01 for a civil date (proleptic Gregorian). */
int64_t hv_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Seconds since the epoch, treating dt as UTC. */
int64_t hv_datetime_to_unix(const struct hv_datetime *dt);
void hv_datetime_from_unix(int64_t t, struct hv_datetime *ret);
