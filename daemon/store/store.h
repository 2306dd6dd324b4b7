/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The SQLite store: the only truth. A measurement is accepted when its
 * transaction commits (measurement, readings and outbox row together); the
 * publisher only reads the outbox; a delivered mark is written only on
 * PUBACK. Every write is one transaction: on failure nothing is half-written
 * and the error is returned (-ENOSPC disk full, -EIO, -EBADMSG corrupt …).
 * Schema and durability: docs/store.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/common/device_info.h"
#include "daemon/common/consent.h"
#include "daemon/common/measurement_json.h"

struct hv_store;

enum hv_store_flags {
	HV_STORE_READONLY = 1 << 0, /* the CLI's read-only commands */
	HV_STORE_NO_CREATE = 1 << 1, /* fail with -ENOENT when missing */
};

/* Opens (creating and migrating as needed). A schema newer than this binary
 * knows: -EPROTONOSUPPORT. Not a database: -EBADMSG. */
int hv_store_open(const char *path, unsigned flags, struct hv_store **ret);
struct hv_store *hv_store_close(struct hv_store *s);
int hv_store_schema_version(struct hv_store *s);
/* The last SQLite error text, for the one log line of the caller.
 * hv_store_errmsg(NULL): why the last hv_store_open() of this thread failed. */
const char *hv_store_errmsg(struct hv_store *s);
/* The schema version this binary creates and understands. */
int hv_store_schema_version_supported(void);
/* PRAGMA quick_check: 0 when sound, -EBADMSG (errmsg says where) if not. */
int hv_store_check(struct hv_store *s);
/* Limit the file to max_pages pages (0: no limit), for disk-full tests. */
int hv_store_set_max_pages(struct hv_store *s, unsigned max_pages);

/* Disk space the store keeps in reserve (a file beside the database,
 * PATH-reserve) to finish what it started on a full disk: docs/store.md. */
#define HV_STORE_RESERVE_BYTES (256 * 1024)

/* Accept a measurement. 1 = stored, 0 = already stored (same id), -errno.
 * Measurement row, one row per reading, a pending outbox row and, for a
 * weigh-in assigned to a known person, that person's last weight: one
 * transaction. Only status OK records with an id are accepted (-EINVAL). */
int hv_store_add(struct hv_store *s, const struct hv_record *r);

/* --- outbox ----------------------------------------------------------- */

struct hv_outbox_item {
	int64_t seq; /* outbox order: oldest first */
	char id[HV_ID_MAX];
	char person[HV_PERSON_MAX]; /* "" = unassigned */
	char *json; /* the record (hv_record_to_json), malloc'ed */
	unsigned attempts;
};

void hv_outbox_item_done(struct hv_outbox_item *item);

/* Up to max undelivered items with seq > after_seq, oldest first. */
int hv_store_outbox_next(struct hv_store *s, int64_t after_seq, size_t max,
			 struct hv_outbox_item *items, size_t *ret_n);
int hv_store_outbox_mark_delivered(struct hv_store *s, int64_t seq);
/* Several rows delivered in one transaction, all or none, committed without
 * an fsync of its own (a mark lost in a power cut means one resend with the
 * same id). A row already delivered or superseded counts as found. */
int hv_store_outbox_mark_delivered_many(struct hv_store *s,
					const int64_t *seqs, size_t n);
int hv_store_outbox_mark_attempt(struct hv_store *s, int64_t seq,
				 const char *error);
/* Pending rows, counted by SELECT count(*) (the CLI, tests). */
int hv_store_outbox_count(struct hv_store *s, uint64_t *ret);
/*
 * Pending rows, O(1): counted at open, then kept by this connection's
 * inserts, reassignments, delivered marks and prunes, and counted again
 * only after another connection committed (PRAGMA data_version).
 */
int hv_store_backlog(struct hv_store *s, uint64_t *ret);

/*
 * Did another connection commit since the last call (PRAGMA data_version)?
 * 1 yes (and on the first call), 0 no, -errno. The daemon asks when the
 * store's files were written by someone else (the CLI's corrections).
 */
int hv_store_changed_elsewhere(struct hv_store *s);

/*
 * Does the person of measurement `id` have a later measurement with a value
 * for `metric`? 1 yes, 0 no (or unassigned), -errno. The retained latest
 * value must never go back in time when an old record is synced late.
 */
int hv_store_newer_reading(struct hv_store *s, const char *id,
			   const char *metric);

/*
 * Delete delivered measurements received before the cut-off; never
 * undelivered ones — unless `unpublished`: with no broker configured
 * nothing will ever deliver them, and they go by age alone.
 */
int hv_store_prune(struct hv_store *s, int64_t older_than_usec,
		   bool unpublished, uint64_t *ret_deleted);

/* --- devices ------------------------------------------------------------ */

struct hv_device_info {
	char address[HV_ADDRESS_MAX];
	char driver[HV_MODEL_MAX];
	char name[64];
	int rssi; /* 0 unknown */
	int battery; /* percent, -1 unknown */
	int64_t last_seen_usec; /* UTC */
	int32_t last_sequence; /* RACP: last stored record fetched, -1 none */
	/* hv_store_devices_foreach() only: adopted, and its own person. */
	bool adopted;
	char adopted_person[HV_PERSON_MAX]; /* "" none: the rules decide */
};

int hv_store_device_seen(struct hv_store *s, const struct hv_device_info *d);
/* Several devices seen, in one transaction (at most one per interval, not
 * one per advert: an apartment block has hundreds of advertisers). */
int hv_store_devices_seen(struct hv_store *s, const struct hv_device_info *d,
			  size_t n);
int hv_store_device_get(struct hv_store *s, const char *address,
			struct hv_device_info *ret);
int hv_store_device_set_sequence(struct hv_store *s, const char *address,
				 int32_t last_sequence);
/* Keep what a device's Device Information Service said; a field that is
 * "" keeps its stored value. */
int hv_store_device_set_dis(struct hv_store *s, const char *address,
			    const struct hv_dis *dis);
/* -ENOENT when nothing is known of the device. */
int hv_store_device_get_dis(struct hv_store *s, const char *address,
			    struct hv_dis *ret);
/* Forget devices not heard since the cut-off that have no linked user slot
 * and no stored measurement (neighbours' devices, a spoofer's addresses). */
int hv_store_prune_devices(struct hv_store *s, int64_t unseen_since_usec,
			   uint64_t *ret_deleted);
/* Calls cb for each device, most recently seen first; devices adopted but
 * never heard last (last_seen_usec 0). */
int hv_store_devices_foreach(struct hv_store *s,
			     int (*cb)(const struct hv_device_info *d,
				       void *userdata),
			     void *userdata);

/* --- adopted devices (docs/people.md "Adopting a device") -------------- */

/*
 * Readings of a device nobody adopted are stored unassigned and never move
 * a person's last weight: a neighbour's scale of the same model, or a radio
 * spoofer, must not take over anyone's assignment.
 */
struct hv_adoption {
	char person[HV_PERSON_MAX]; /* "" none: the rules decide */
	char driver[HV_MODEL_MAX]; /* "" unknown */
	int64_t adopted_usec; /* 0: adopted by a schema upgrade */
};

/* Adopt (or re-adopt with another person). person_id NULL or "": its
 * readings are assigned by the rules; else they belong to that person
 * unless a linked user slot says otherwise. Unknown person: -ENOENT. */
int hv_store_device_adopt(struct hv_store *s, const char *address,
			  const char *driver, const char *person_id,
			  int64_t now_usec);
/* Adopt the device only while no device of its driver is adopted (policy
 * "first"): 1 adopted now, 0 not (another one of its driver is), -errno. */
int hv_store_device_adopt_first(struct hv_store *s, const char *address,
				const char *driver, int64_t now_usec);
/* -ENOENT when not adopted. Its stored measurements stay as they are. */
int hv_store_device_unadopt(struct hv_store *s, const char *address);
/* -ENOENT when not adopted; ret may be NULL. */
int hv_store_device_adoption(struct hv_store *s, const char *address,
			     struct hv_adoption *ret);

/* --- people and device user slots -------------------------------------- */

struct hv_person {
	char id[HV_PERSON_MAX]; /* pseudonymous, what topics carry */
	char name[96]; /* display name, kept on the gateway only */
	double height_m; /* 0 unknown */
	char birth_date[11]; /* "YYYY-MM-DD" or "" */
	int sex; /* enum hv_sex */
	double weight_min_kg, weight_max_kg; /* expected range; 0 = none */
	double last_weight_kg; /* 0 none */
};

int hv_store_person_add(struct hv_store *s, const struct hv_person *p);
int hv_store_person_update(struct hv_store *s, const struct hv_person *p);
int hv_store_person_remove(struct hv_store *s, const char *id);
int hv_store_person_get(struct hv_store *s, const char *id,
			struct hv_person *ret);
/* All people, malloc'ed array. */
int hv_store_people_list(struct hv_store *s, struct hv_person **ret,
			 size_t *ret_n);

/* The metrics a person has readings with a value for, one call each in
 * metric name order: the metric name, the display unit of the newest such
 * measurement ("" none: the stored JSON's "display_unit") and its time.
 * cb returning <0 stops and is returned. */
int hv_store_person_metrics_foreach(struct hv_store *s, const char *person,
				    int (*cb)(const char *metric,
					      const char *display_unit,
					      int64_t last_time_usec,
					      void *userdata),
				    void *userdata);

/* A device's user slot linked to a person (SIG user index, scale user no.).
 * Creates or updates the slot: person_id NULL keeps the linked person (none
 * for a new slot: registered on the device, not yet linked), "" unlinks;
 * consent_code < 0 keeps the stored code. An unknown person: -ENOENT.
 * Removing a person unlinks their slots and keeps the consent codes. */
int hv_store_link_set(struct hv_store *s, const char *address, int user_index,
		      const char *person_id, int consent_code);
int hv_store_link_remove(struct hv_store *s, const char *address,
			 int user_index);
/* -ENOENT when the slot is unknown; ret_person "" when it is known (has a
 * consent code) but not linked to a person. */
int hv_store_link_get(struct hv_store *s, const char *address, int user_index,
		      char ret_person[HV_PERSON_MAX], int *ret_consent_code);

/* Calls cb for every known user slot, of devices seen or not, ordered by
 * address then user index: person "" when the slot is not linked,
 * consent_code -1 when none is stored. cb returning <0 stops and is
 * returned. The rows are read first: cb may use the store. */
int hv_store_links_foreach(struct hv_store *s,
			   int (*cb)(const char *address, int user_index,
				     const char *person, int consent_code,
				     void *userdata),
			   void *userdata);

/* --- reading back --------------------------------------------------------- */

/* The stored JSON of one measurement (malloc'ed), -ENOENT when unknown. */
int hv_store_measurement_json(struct hv_store *s, const char *id,
			      char **ret_json);

/*
 * Reassign: set person, replace the JSON (re-derived by the caller), and
 * queue it again for publishing (a correction). One transaction.
 * person_id "" unassigns. new_json NULL: the store derives it from the
 * stored JSON (new "person", "correction": true). When new_json has a
 * "readings" array, the measurement's reading rows are replaced by it in the
 * same transaction (hv_store_readings_foreach then yields the re-derived
 * readings); an invalid reading there (unknown metric, wrong unit, neither a
 * value nor an absent reason): -EINVAL, nothing changed. Pending outbox rows
 * of the old form are superseded (never published). -ENOENT: unknown id.
 */
int hv_store_reassign(struct hv_store *s, const char *id,
		      const char *person_id, const char *new_json);

struct hv_reading_filter {
	const char *person; /* NULL any; "" unassigned */
	const char *metric; /* NULL any */
	int64_t since_usec, until_usec; /* since <= time < until; 0 = open */
};

struct hv_reading_row {
	const char *measurement_id;
	int64_t time_usec;
	const char *person; /* "" unassigned */
	const char *device_address;
	const char *driver;
	const char *metric;
	bool has_value;
	double value;
	const char *unit;
	const char *absent_reason; /* NULL when has_value */
	const char *method; /* NULL */
};

/* Streams matching readings oldest first; cb returning <0 stops. */
int hv_store_readings_foreach(struct hv_store *s,
			      const struct hv_reading_filter *filter,
			      int (*cb)(const struct hv_reading_row *row,
					void *userdata),
			      void *userdata);

/* --- records held until the wall clock is known (docs/pipeline.md) ------ */

#define HV_BOOT_ID_MAX 40

struct hv_held_row {
	int64_t seq; /* the order they were held in */
	char boot_id[HV_BOOT_ID_MAX]; /* the boot whose clock rx_boot_usec is */
	uint64_t rx_boot_usec; /* CLOCK_BOOTTIME when received */
	char address[HV_ADDRESS_MAX];
	char driver[HV_MODEL_MAX]; /* driver id; "" unknown */
	char *frame_json; /* the frame, hv_frame_to_json form; malloc'ed */
};

void hv_held_rows_free(struct hv_held_row *rows, size_t n);
/* Keep one (seq is chosen here); only the newest max_rows stay. */
int hv_store_held_add(struct hv_store *s, const struct hv_held_row *row,
		      size_t max_rows);
/* Every held row, oldest first. */
int hv_store_held_list(struct hv_store *s, struct hv_held_row **ret,
		       size_t *ret_n);
/* The row seq when > 0, else the one of (boot_id, address, rx_boot_usec).
 * Removing one that is not there is no error. */
int hv_store_held_remove(struct hv_store *s, int64_t seq, const char *boot_id,
			 const char *address, uint64_t rx_boot_usec);

/* --- consent per person and audience (docs/consent.md) ------------------- */

struct hv_consent {
	int64_t id;
	char person[HV_PERSON_MAX];
	char audience[HV_AUDIENCE_MAX];
	char metrics[HV_CONSENT_SCOPE_MAX]; /* hv_consent_scope_normalize form */
	bool daily; /* a daily summary instead of each reading */
	bool device_details; /* device address and name may be shared */
	char from_date[11]; /* "YYYY-MM-DD": readings taken from then on; "" all */
	char recorded_by[64]; /* who recorded it (a nurse's name, a login) */
	int64_t recorded_usec;
	int64_t revoked_usec; /* 0: in force */
};

/*
 * Record a consent. The consent of that person and audience in force, if
 * any, ends at c->recorded_usec: one consent is in force at a time.
 * -ENOENT no such person; -EINVAL a scope, audience or date that is not
 * valid. ret_id (may be NULL) is the new row's id.
 */
int hv_store_consent_grant(struct hv_store *s, const struct hv_consent *c,
			   int64_t *ret_id);
/*
 * End the consent in force at now_usec and, in the same transaction, drop
 * that audience's pending outbox rows of the person (marked superseded: never
 * published; the measurements stay). -ENOENT when none is in force.
 * ret_dropped (may be NULL): rows dropped.
 */
int hv_store_consent_revoke(struct hv_store *s, const char *person,
			    const char *audience, int64_t now_usec,
			    uint64_t *ret_dropped);
/* The consent in force; -ENOENT none. */
int hv_store_consent_get(struct hv_store *s, const char *person,
			 const char *audience, struct hv_consent *ret);
/* Consents of one person (NULL: everyone), by person, audience and time;
 * revoked ones too when asked. malloc'ed array. */
int hv_store_consent_list(struct hv_store *s, const char *person,
			  bool include_revoked, struct hv_consent **ret,
			  size_t *ret_n);

/* --- the outbox per audience and what each was sent ------------------------ */

/*
 * The configuration's audiences (names copied). None (the default): every
 * measurement gets one outbox row for the one implicit audience, as before
 * audiences existed. Some: a stored or reassigned measurement gets one row
 * per listed audience whose consent in force covers it (its person, one of
 * its metrics, its date, granularity "each"), and none otherwise.
 */
int hv_store_set_audiences(struct hv_store *s, const char *const *names,
			   size_t n);
/* hv_store_outbox_next for one audience's rows ("": the implicit one's). */
int hv_store_outbox_next_audience(struct hv_store *s, const char *audience,
				  int64_t after_seq, size_t max,
				  struct hv_outbox_item *items, size_t *ret_n);

/* One acknowledged publication to an audience (the audit trail). */
struct hv_shared_row {
	char measurement_id[HV_ID_MAX];
	char audience[HV_AUDIENCE_MAX];
	char person[HV_PERSON_MAX];
	int64_t acked_usec; /* when the broker acknowledged it */
	int64_t time_usec; /* the measurement's time; 0 once it is pruned */
};

/* What an audience (NULL: any) acknowledged about a person since then,
 * oldest first. malloc'ed array. Recorded with the delivered mark, in the
 * same transaction, while audiences are set. */
int hv_store_shared_list(struct hv_store *s, const char *person,
			 const char *audience, int64_t since_usec,
			 struct hv_shared_row **ret, size_t *ret_n);

/* Rows waiting per audience (what `homevitals status` shows beside each
 * audience's broker state); audiences with none waiting are left out.
 * A count over the outbox: for the CLI, not for each reading. */
struct hv_audience_backlog {
	char audience[HV_AUDIENCE_MAX];
	uint64_t pending;
};
int hv_store_backlog_by_audience(struct hv_store *s,
				 struct hv_audience_backlog **ret,
				 size_t *ret_n);

/*
 * The secret a device handed over once, when it was paired (Trisa's and
 * the Transtek A3 scales' password: docs/scales.md "Pairing secrets"),
 * kept for every later connection. get: -ENOENT none kept, -ENOBUFS more
 * than size bytes. set replaces what was kept (a device paired again).
 */
int hv_store_device_secret_get(struct hv_store *s, const char *address,
			       uint8_t *buf, size_t size, size_t *ret_len);
int hv_store_device_secret_set(struct hv_store *s, const char *address,
			       const char *driver, const uint8_t *secret,
			       size_t len, int64_t now_usec);

#define HV_STORE_SECRET_BYTES 32

/* The gateway's secret pseudonyms are derived with (docs/consent.md), made
 * from getrandom() the first time it is asked for. Rotating it (deleting
 * the row) gives every person a new pseudonym in every audience. */
int hv_store_pseudonym_secret(struct hv_store *s,
			      uint8_t ret[HV_STORE_SECRET_BYTES]);

/* Remove a pending row from the outbox (an audience's row its consent no
 * longer covers); the measurement stays. Not pending or not there: 0. */
int hv_store_outbox_drop(struct hv_store *s, int64_t seq);

/* A change of consent the audience's client has still to announce
 * (docs/consent.md "Withdrawal"). Queued by hv_store_consent_revoke (clear
 * the retained topics it published about the person, publish the notice)
 * and by hv_store_consent_grant after a withdrawal (replace the notice);
 * the client tells which by the consent in force when it announces. */
struct hv_withdrawal {
	int64_t id;
	char person[HV_PERSON_MAX];
	char audience[HV_AUDIENCE_MAX];
	int64_t revoked_usec; /* when the consent changed */
};

/* The oldest not yet announced: 1 with *ret, 0 none. */
int hv_store_withdrawal_next(struct hv_store *s, const char *audience,
			     struct hv_withdrawal *ret);
int hv_store_withdrawal_done(struct hv_store *s, int64_t id, int64_t now_usec);

/* One metric of a person's day (UTC): over the readings with a value. */
struct hv_daily_summary {
	char metric[32];
	char unit[16];
	double min, mean, max;
	unsigned count;
};

/* Every metric with a value in the day that starts at day_start_usec
 * (UTC midnight), by metric name. malloc'ed array. */
int hv_store_daily_summary(struct hv_store *s, const char *person,
			   int64_t day_start_usec, struct hv_daily_summary **ret,
			   size_t *ret_n);
