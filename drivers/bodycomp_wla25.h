/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Method "wla25": the Fitdays/icomon WLA25 model of a ten-impedance scale
 * (Relaxmedic), as openScale documents and implements it
 * (Wla25BodyComposition.kt, docs/scales.md). Fat mass is a regression on
 * height, the weight, the rounded BMI and all ten impedances; the rest
 * follows from fat-free mass. Sex and age play no part.
 */
#include <stdbool.h>

#include "drivers/measurement.h"

#define HV_METHOD_WLA25 "wla25"
#define HV_WLA25_IMPEDANCES 10

struct hv_wla25 {
	double weight_kg; /* the weight rounded as the model does */
	double bmi;
	double fat_percent;
	double water_percent;
	double muscle_percent;
	double muscle_kg;
	double bone_kg;
	double protein_percent;
	int visceral_fat; /* level 1..20 */
	int bmr_kcal;
	double fat_free_kg;
};

/* The model's gate: ten values, slots 0 and 5 (the small leading value of
 * each group) at least 1 Ohm, the other eight at least 100 Ohm. */
bool hv_wla25_impedances_valid(const double *ohm, unsigned n);

/* The model's one-decimal rounding (half-up on the float32 fraction). */
double hv_wla25_round1(double v);

/* The model's outputs: -EINVAL when the impedances fail the gate, the
 * height (cm, whole) is outside 50..250 or the weight is not positive. */
int hv_wla25_compute(int height_cm, double weight_kg, const double ohm[HV_WLA25_IMPEDANCES],
		     struct hv_wla25 *ret);

/* The outputs added to m as readings tagged "wla25", given a profile with a
 * height; 0 (also when nothing could be derived) or -ENOSPC. */
int hv_bodycomp_wla25(const struct hv_profile *p, double weight_kg,
		      const double ohm[HV_WLA25_IMPEDANCES], struct hv_measurement *m);
