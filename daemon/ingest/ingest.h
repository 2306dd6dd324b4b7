/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Ingest: one frame in, stored rows out, in one straight line
 * (docs/pipeline.md, docs/architecture.md):
 *
 *   decode (once, through the registry or the session's driver)
 *   → pipeline (which frames make one measurement; pure)
 *   → assign (whose is it: docs/people.md)
 *   → derive (body composition from that person's profile)
 *   → store (row + outbox)
 *
 * and the caller learns what was stored, to wake the publisher and update
 * the status once. Adverts and GATT values take the same road.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/common/config.h"
#include "daemon/common/device_keys.h"
#include "daemon/ingest/pipeline.h"
#include "daemon/store/store.h"
#include "drivers/driver.h"
#include "drivers/registry.h"

struct hv_ingest;

/* store and cfg must outlive the ingest. settings: NULL for the defaults. */
int hv_ingest_new(struct hv_store *store, const struct hv_config *cfg,
		  const struct hv_pipeline_settings *settings,
		  struct hv_ingest **ret);
struct hv_ingest *hv_ingest_free(struct hv_ingest *in);

/* What one call did. */
struct hv_ingest_result {
	unsigned stored; /* new rows (each queued in the outbox) */
	unsigned duplicates; /* already stored */
	unsigned failed; /* the store refused them */
	int store_error; /* the last refusal, -errno; 0 none */
	char failed_id[HV_ID_MAX]; /* the measurement it refused last */
	/* The highest sequence number among the records committed by this
	 * call (stored, or already stored); -1 none. A record the pipeline
	 * still holds, or the store refused, never counts. */
	int sequence_number;
	uint64_t next_usec; /* call hv_ingest_tick() then; UINT64_MAX never */
};

/*
 * One advert, or one GATT value (frame->has_characteristic) read during a
 * session with `driver`. driver NULL: the configured driver of the address,
 * else the whole registry. The frame's profile is ignored: body composition
 * is derived after assignment. Malformed and foreign frames are counted, not
 * errors. Returns 0, or -errno when the pipeline could not take it.
 */
int hv_ingest_frame(struct hv_ingest *in, const struct hv_frame *frame,
		    const struct hv_driver *driver,
		    const struct hv_clock_sample *now,
		    struct hv_ingest_result *ret);
/*
 * At start: records an earlier run held for the wall clock (kept in the
 * store, docs/pipeline.md "Time") are held again, or dated and stored at
 * once when the clock is known. Once per ingest; later calls do nothing.
 */
int hv_ingest_restore(struct hv_ingest *in, const struct hv_clock_sample *now,
		      struct hv_ingest_result *ret);
/* At the result's next_usec: quiet weigh-ins end, held records are dated. */
int hv_ingest_tick(struct hv_ingest *in, const struct hv_clock_sample *now,
		   struct hv_ingest_result *ret);
/* Shutdown: store what has a final value. */
int hv_ingest_flush(struct hv_ingest *in, const struct hv_clock_sample *now,
		    struct hv_ingest_result *ret);

const struct hv_pipeline_stats *hv_ingest_pipeline_stats(const struct hv_ingest *in);

/* The bind keys of encrypted adverts (kept by the caller, which outlives
 * the ingest); NULL: none. */
void hv_ingest_set_device_keys(struct hv_ingest *in,
			       const struct hv_device_keys *keys);

/* Frames per driver (index into hv_drivers[]), counted as the registry
 * says (drivers/registry.h): claimed, of which final and invalid, with the
 * last reason. -ERANGE for an index past the registry. */
/*
 * Devices heard since the last call, written to the store in one
 * transaction; the number written, or -errno. The daemon calls it once per
 * interval while hv_ingest_seen_pending(), and at shutdown: one
 * transaction per minute whatever the number of advertisers.
 */
int hv_ingest_flush_seen(struct hv_ingest *in);
bool hv_ingest_seen_pending(const struct hv_ingest *in);

/* All of them at once (hv_drivers_count), for the status. */
const struct hv_driver_counters *
hv_ingest_driver_counters(const struct hv_ingest *in, size_t *ret_n);
int hv_ingest_driver_stats(const struct hv_ingest *in, size_t driver_index,
			   const struct hv_driver_counters **ret);

/* --- body composition: the one place it is derived ----------------------- */

/* Age in years at now_s (Unix seconds) of someone born on "YYYY-MM-DD";
 * 0 when unknown. */
double hv_age_years(const char *birth_date, int64_t now_s);
/* The person's profile at now_s (their age then). */
void hv_person_profile(const struct hv_person *p, int64_t now_s,
		       struct hv_profile *ret);

/*
 * Derived readings (those with a method) of `m` for the person whose
 * profile is given: the old ones go, and the driver's derive hook adds its
 * own from what its decode kept in `m` (hv_registry_derive(); none without
 * a complete profile). The frame is not decoded again: only a measurement
 * that carries no inputs (a stored one, `homevitals assign`) has its raw
 * frame decoded, once and without a profile, by its driver (driver NULL,
 * or not decoding it: the registry). With neither, only the old ones go.
 * Returns the number added, -EBADMSG when the raw frame no longer decodes
 * (m unchanged then).
 */
int hv_ingest_derive(const struct hv_frame *raw, const struct hv_driver *driver,
		     const struct hv_profile *profile,
		     struct hv_measurement *m);
