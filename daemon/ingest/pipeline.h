/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The pipeline owns time and memory across frames (docs/pipeline.md): which
 * frames make one weigh-in, which packets make one body-composition
 * measurement, what is a repeat, the stable id, the best time known, the
 * person, derived body composition. Plain C over plain structs with the
 * clock passed in: tested without BlueZ or SQLite.
 *
 * Rules (docs/pipeline.md):
 *  - Advertised scales: a weigh-in is the frames from one step-on to the
 *    step-off. Live (unstable) frames are never stored. The final value is
 *    the stabilised frame (the one with impedance when the scale sends one
 *    later); it is emitted once, when the load-removed frame arrives or after
 *    `session_quiet_usec` of silence. Repeats of that value (the scale keeps
 *    advertising it) and a stray small value after the step-off are ignored
 *    for `linger_usec`. Object weighings are not body weight: ignored.
 *  - Other advertised devices: one measurement per `advert_interval_usec`
 *    per device at most, and an unchanged value only every
 *    `advert_repeat_usec`.
 *  - GATT values: every final measurement; multi-packet ones are joined; a
 *    measurement that says its context follows (glucose) waits for it.
 *  - Time: a stored record's (GATT) device clock when plausible; a live
 *    reading's (advert) device clock only when it agrees with the gateway's
 *    within `device_clock_tolerance_usec`; else the receive time. A stored
 *    record whose device's clock was read on the same connection
 *    (frame.has_device_clock) further off than that, against a
 *    synchronised gateway clock, is moved by the measured offset
 *    ("device-corrected"). Device
 *    clocks are local time, converted with the zone's offset at their own
 *    date. Until the wall clock is known a record is held (bounded) and
 *    dated once it is.
 */

#include <stdbool.h>
#include <stdint.h>

#include "daemon/common/measurement_json.h"
#include "drivers/driver.h"

struct hv_pipeline;

/* A moment as seen by the gateway. */
struct hv_clock_sample {
	uint64_t mono_usec; /* CLOCK_BOOTTIME */
	int64_t wall_usec; /* CLOCK_REALTIME; meaningful only when wall_known */
	bool wall_known; /* the system clock is synchronised */
	int32_t utc_offset_s; /* local zone offset, for device clocks */
	/* Convert a device's local time with the zone's rules at the device
	 * time's own date (mktime), not with utc_offset_s, which is today's
	 * offset: a summer reading read in winter is an hour off otherwise. */
	bool zone_rules;
	/* The frames are a replay of captured ones: the receive time is the
	 * replay's, not the reading's, so a plausible device clock is taken
	 * as it is, as for a stored record. */
	bool replay;
};

/* Which clock dated a record (the measurement JSON's "time_source"). */
#define HV_TIME_SOURCE_DEVICE "device"
/* A stored record's device clock moved by the offset measured on the same
 * connection (its Current Time read against the gateway's wall clock). */
#define HV_TIME_SOURCE_DEVICE_CORRECTED "device-corrected"
#define HV_TIME_SOURCE_RECEIVED "received"
/* Held across a reboot before the clock was known: its age is lost, it is
 * dated just before the boot that found it, in the order received. */
#define HV_TIME_SOURCE_ESTIMATED "estimated"


/* One emitted measurement, with the frame it was decoded from. */
struct hv_pipeline_record {
	struct hv_record record; /* record.raw points at frame */
	const struct hv_driver *driver; /* NULL: unknown */
	struct hv_frame frame;
	char name[64];
	char address[HV_ADDRESS_MAX];
	uint64_t rx_mono; /* when received (CLOCK_BOOTTIME) */
	int64_t hold_key; /* given to hv_pipeline_restore(); 0 none */
	bool was_held; /* once one of hv_pipeline_output.held */
};

/* What one feed/tick/flush emitted. The records belong to the pipeline and
 * stay valid until its next call. */
struct hv_pipeline_output {
	const struct hv_pipeline_record *records;
	size_t n_records;
	/* Newly held until the wall clock is known: no time, no id yet. The
	 * caller keeps them where a stop cannot lose them; each comes back
	 * later as one of records (same address and rx_mono). */
	const struct hv_pipeline_record *held;
	size_t n_held;
	uint64_t next_usec; /* call hv_pipeline_tick() then; UINT64_MAX: never */
};

struct hv_pipeline_settings {
	uint64_t session_quiet_usec; /* 10 s */
	uint64_t linger_usec; /* 90 s */
	uint64_t advert_interval_usec; /* 30 s */
	uint64_t advert_repeat_usec; /* 300 s: an unchanged value again */
	uint64_t packet_timeout_usec; /* 30 s: drop a half multi-packet */
	uint64_t context_timeout_usec; /* 5 s: wait for a glucose context */
	unsigned pending_max; /* records held while the clock is unknown */
	double stray_max_kg; /* 5 kg */
	uint64_t clock_recheck_usec; /* 10 s: is the clock known yet? */
	/* 10 min: a live reading's device clock counts only this close to
	 * the gateway's (a never-set scale clock looks plausible); a stored
	 * record's is corrected when its clock was read further off. */
	uint64_t device_clock_tolerance_usec;
};

struct hv_pipeline_stats {
	uint64_t emitted; /* handed back */
	uint64_t lost; /* out of memory while handing back */
	uint64_t ignored_live;
	uint64_t ignored_repeat;
	uint64_t ignored_stray;
	uint64_t ignored_object;
	uint64_t dropped_packets;
	uint64_t pending; /* held now, waiting for the wall clock */
	uint64_t pending_dropped; /* held queue overflowed */
};

void hv_pipeline_settings_default(struct hv_pipeline_settings *ret);

int hv_pipeline_new(const struct hv_pipeline_settings *settings,
		    struct hv_pipeline **ret);
struct hv_pipeline *hv_pipeline_free(struct hv_pipeline *p);

/*
 * Feed one decoded measurement (status OK) with the frame it came from.
 * frame->address names the device. ret: what this emitted (may be NULL).
 * -EINVAL for a frame without address or a measurement not OK, -ENOMEM.
 */
int hv_pipeline_feed(struct hv_pipeline *p, const struct hv_frame *frame,
		     const struct hv_driver *driver,
		     const struct hv_measurement *m,
		     const struct hv_clock_sample *now,
		     struct hv_pipeline_output *ret);

/* End quiet weigh-ins, release held records once the clock is known. */
int hv_pipeline_tick(struct hv_pipeline *p, const struct hv_clock_sample *now,
		     struct hv_pipeline_output *ret);

/* Shutdown: emit every weigh-in that has a final value. */
int hv_pipeline_flush(struct hv_pipeline *p,
		      const struct hv_clock_sample *now,
		      struct hv_pipeline_output *ret);

/*
 * Hold again a record kept across a stop (the caller's hold_key > 0 comes
 * back on the emitted record). rx_mono: when it was received, on this
 * boot's clock; estimated_before_boot_usec > 0 for one of an earlier boot,
 * whose age is lost: dated that long before this boot began.
 */
int hv_pipeline_restore(struct hv_pipeline *p, const struct hv_frame *frame,
			const struct hv_driver *driver,
			const struct hv_measurement *m, uint64_t rx_mono,
			int64_t estimated_before_boot_usec, int64_t hold_key,
			const struct hv_clock_sample *now,
			struct hv_pipeline_output *ret);

/* When hv_pipeline_tick() has work: a mono time, UINT64_MAX for never. */
uint64_t hv_pipeline_next_usec(const struct hv_pipeline *p,
			       const struct hv_clock_sample *now);

const struct hv_pipeline_stats *hv_pipeline_stats(const struct hv_pipeline *p);

/* Stable id: 32 hex characters from driver, address and the event key. */
void hv_measurement_id(const char *driver, const char *address,
		       const char *event_key, char ret[HV_ID_MAX]);
