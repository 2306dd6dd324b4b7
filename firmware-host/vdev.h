/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * homevitals-vdev: a stand-in org.bluez for tests and the demo. One process
 * holds the "radio world" (virtual devices and their firmware models, driven
 * by a scenario timeline) and a D-Bus face that imitates bluetoothd 5.66
 * (docs/vdev.md). The radio world outlives the bus connection, so a
 * "bluetoothd restart" drops the connection and opens a fresh one.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "drivers/driver.h"

struct cJSON;
struct vdev;
struct vdev_device;

#define VDEV_ADAPTERS_MAX 4
#define VDEV_DEVICES_MAX 16
#define VDEV_SESSIONS_MAX 16
#define VDEV_SERVICES_MAX 6
#define VDEV_CHARS_MAX 10 /* Omron: unlock, 4 RX, 4 TX */
#define VDEV_NOTIFY_OWNERS_MAX 4
#define VDEV_NAME_MAX 64
#define VDEV_DEV_PATH_MAX 56
#define VDEV_SVC_PATH_MAX 72
#define VDEV_CHAR_PATH_MAX 88
#define VDEV_PATH_MAX 104

/* GATT characteristic properties, as in BlueZ's Flags. */
enum vdev_char_flags {
	VDEV_CHAR_READ = 1 << 0,
	VDEV_CHAR_WRITE = 1 << 1,
	VDEV_CHAR_WRITE_NR = 1 << 2,
	VDEV_CHAR_NOTIFY = 1 << 3,
	VDEV_CHAR_INDICATE = 1 << 4,
};

/* ATT error codes a model may answer (BlueZ 5.66 create_gatt_dbus_error). */
#define VDEV_ATT_READ_NOT_PERMITTED 0x02
#define VDEV_ATT_WRITE_NOT_PERMITTED 0x03
#define VDEV_ATT_REQUEST_NOT_SUPPORTED 0x06
#define VDEV_ATT_INVALID_LENGTH 0x0d
#define VDEV_ATT_UDS_NOT_PERMITTED 0x80 /* User Data Access Not Permitted */

struct vdev_service;

struct vdev_char {
	struct vdev_service *service;
	uint16_t handle; /* declaration handle: the path's charXXXX */
	struct hv_uuid uuid;
	unsigned flags;
	bool has_ccc;
	char path[VDEV_CHAR_PATH_MAX];
	char ccc_path[VDEV_PATH_MAX];
	/* the client-side cache: org.bluez.GattCharacteristic1.Value */
	uint8_t value[HV_FRAME_DATA_MAX];
	size_t value_len;
	size_t n_owners; /* StartNotify sessions (unique bus names) */
	char owners[VDEV_NOTIFY_OWNERS_MAX][VDEV_NAME_MAX];
	int acquired_fd; /* AcquireNotify: our end, -1 when none */
	sd_event_source *acquired_source;
};

struct vdev_service {
	struct vdev_device *device;
	uint16_t handle;
	struct hv_uuid uuid;
	char path[VDEV_SVC_PATH_MAX];
	size_t n_chars;
	struct vdev_char chars[VDEV_CHARS_MAX];
};

/* A firmware model: the device's behaviour (one file per model). */
struct vdev_model {
	const char *id; /* scenario "model" */
	const char *default_driver; /* encoder used unless "driver" is given */
	/* Parse the device's JSON, build the GATT database. */
	int (*init)(struct vdev_device *d, const struct cJSON *conf);
	/* A timeline action addressed to this device ("weigh", "measure" …).
	 * -EOPNOTSUPP: not an action of this model. */
	int (*action)(struct vdev_device *d, const char *action,
		      const struct cJSON *event);
	/* GATT server side; return 0, an ATT error code (> 0) or -errno. */
	int (*read)(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		    size_t size, size_t *ret_len);
	int (*write)(struct vdev_device *d, struct vdev_char *c,
		     const uint8_t *value, size_t len);
	/* The client enabled notifications/indications on c. */
	void (*subscribed)(struct vdev_device *d, struct vdev_char *c);
	/* A value queued with a tag (vdev_queue_notify_tagged) went out on
	 * the link: the client has it (for an indication: confirmed). */
	void (*delivered)(struct vdev_device *d, struct vdev_char *c,
			  unsigned tag);
	void (*connected)(struct vdev_device *d);
	void (*disconnected)(struct vdev_device *d);
	void (*free)(struct vdev_device *d);
};

struct vdev_adapter {
	struct vdev *vdev;
	char name[16]; /* "hci0" */
	char path[32]; /* "/org/bluez/hci0" */
	char address[18];
	bool present; /* controller plugged in */
	bool powered;
	bool discovering;
};

/* A per-client discovery filter and session (BlueZ doc/adapter-api.txt). */
struct vdev_session {
	bool used;
	char owner[VDEV_NAME_MAX];
	struct vdev_adapter *adapter;
	bool discovering;
	bool has_filter;
	bool duplicate_data;
	bool bredr; /* Transport auto or bredr (no filter: auto) */
	bool has_rssi;
	int16_t rssi;
	size_t n_uuids;
	struct hv_uuid uuids[8];
};

struct vdev_qitem; /* the device's notification queue */

/* How a device pairs (scenario "pairing"), see vdev_bus.c method_pair. */
enum vdev_pairing {
	VDEV_PAIR_JUST_WORKS, /* "just_works" (default): no agent asked */
	VDEV_PAIR_CONFIRM, /* "confirm": Agent1.RequestConfirmation */
	VDEV_PAIR_PASSKEY, /* "passkey": Agent1.RequestPasskey = "passkey" */
};

/* An AgentManager1.RegisterAgent, per client connection. */
#define VDEV_AGENTS_MAX 4
struct vdev_agent {
	char owner[VDEV_NAME_MAX]; /* "" = free */
	char path[128];
	char capability[32];
};

struct vdev_device {
	struct vdev *vdev;
	const struct vdev_model *model;
	const struct hv_driver *driver;
	void *model_data;

	char id[VDEV_NAME_MAX];
	char address[18];
	char address_type[8];
	char name[VDEV_NAME_MAX]; /* advertised name, "" when none */
	char gatt_name[VDEV_NAME_MAX]; /* GAP Device Name read after connect */
	char path[VDEV_DEV_PATH_MAX];
	struct vdev_adapter *adapter;
	int16_t rssi;
	bool connectable;
	bool resolve_before; /* ServicesResolved before the GATT objects */
	double connect_fail_s; /* Connect() to an absent device fails after */

	/* radio */
	bool in_range; /* would answer a connection */
	struct hv_frame advert; /* current advertising payload */
	bool has_advert;
	double idle_interval; /* seconds between idle adverts; 0 none */
	sd_event_source *idle_source;

	/* the bus object (bluetoothd's view) */
	bool exported;
	bool temporary; /* never connected: expires 30 s after last advert */
	bool last_advert_connectable;
	bool connected;
	bool services_resolved;
	bool gatt_exported;
	bool paired;
	enum vdev_pairing pairing;
	uint32_t passkey;
	sd_bus_message *pair_call; /* Pair() waiting for the agent */
	sd_bus_slot *agent_call;
	bool name_from_gatt;
	bool rssi_valid;
	int16_t emitted_rssi;
	size_t n_sd; /* the device's ServiceData dict */
	struct hv_service_data sd[HV_FRAME_SERVICE_DATA_MAX];
	size_t n_md; /* ManufacturerData dict */
	struct hv_manufacturer_data md[HV_FRAME_MANUFACTURER_MAX];
	sd_event_source *expire_source;
	unsigned link_gen; /* bumped on every connect and disconnect */

	/* GATT server */
	uint16_t next_handle;
	size_t n_services;
	struct vdev_service services[VDEV_SERVICES_MAX];

	struct vdev_qitem *queue, *queue_tail;
	sd_event_source *queue_source;
	unsigned delivered; /* notifications delivered on this link */

	/* Bluetooth Classic with the Serial Port Profile (vdev_spp_offer()):
	 * found by inquiry, linked by ConnectProfile. */
	void (*spp_connected)(struct vdev_device *d, int fd);
	bool spp_linked; /* a profile's NewConnection took the stream */
};

/* A ProfileManager1.RegisterProfile, per client connection. */
#define VDEV_PROFILES_MAX 4
struct vdev_profile {
	char owner[VDEV_NAME_MAX]; /* "" = free */
	char path[128];
	struct hv_uuid uuid;
};

struct vdev {
	sd_event *event;
	sd_bus *bus; /* NULL while "bluetoothd" is down */
	char *bus_address; /* NULL: DBUS_SYSTEM_BUS_ADDRESS / system bus */
	double speed;
	uint64_t start_usec; /* CLOCK_MONOTONIC at t=0 */
	double end_s; /* < 0: run until SIGTERM */
	char scenario_name[VDEV_NAME_MAX];
	FILE *out; /* event lines */
	unsigned bus_gen; /* bumped on every bluetoothd (re)start */

	size_t n_adapters;
	struct vdev_adapter adapters[VDEV_ADAPTERS_MAX];
	size_t n_devices;
	struct vdev_device devices[VDEV_DEVICES_MAX];
	struct vdev_session sessions[VDEV_SESSIONS_MAX];
	struct vdev_agent agents[VDEV_AGENTS_MAX];
	int default_agent; /* index + 1 in agents, 0 none */
	struct vdev_profile profiles[VDEV_PROFILES_MAX];

	struct cJSON *scenario; /* owned */
	int exit_code;
};

/* --- core (vdev_core.c) ---------------------------------------------------- */

/* Load a scenario (JSON text) into a new vdev; *ret_error describes a bad one. */
int vdev_new(const char *json, double speed, sd_event *event,
	     struct vdev **ret, char *error, size_t error_size);
struct vdev *vdev_free(struct vdev *v);
/* Connect to the bus, take org.bluez, schedule the timeline. */
int vdev_start(struct vdev *v);

/* Seconds of scenario time since t=0. */
double vdev_now(const struct vdev *v);
/* One line on the event output: "t=2.0 <device> <text>". */
void vdev_print(struct vdev *v, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run fn(v, d, arg) after `seconds` of scenario time (divided by --speed).
 * d may be NULL; free_arg (may be NULL) releases arg in any case. */
typedef void (*vdev_timer_fn)(struct vdev *v, struct vdev_device *d,
			      void *arg);
int vdev_after(struct vdev *v, struct vdev_device *d, double seconds,
	       vdev_timer_fn fn, void *arg, void (*free_arg)(void *));

struct vdev_device *vdev_device_by_id(struct vdev *v, const char *id);
struct vdev_adapter *vdev_adapter_by_name(struct vdev *v, const char *name);
const struct vdev_model *vdev_model_by_id(const char *id);

/* GATT database building, for models' init(). Handles follow BlueZ's paths. */
struct vdev_service *vdev_add_service(struct vdev_device *d, uint16_t uuid16);
struct vdev_char *vdev_add_char(struct vdev_service *s, uint16_t uuid16,
				unsigned flags);
struct vdev_char *vdev_find_char(struct vdev_device *d, uint16_t uuid16);
/* The same with any UUID (128-bit vendor services). */
struct vdev_service *vdev_add_service_uuid(struct vdev_device *d,
					   const struct hv_uuid *uuid);
struct vdev_char *vdev_add_char_uuid(struct vdev_service *s,
				     const struct hv_uuid *uuid, unsigned flags);

/* Queue a notification/indication of c; sent in order, paced, only while
 * the link is up and the client subscribed. */
int vdev_queue_notify(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *value, size_t len, const char *what);
/* The same; once the value is delivered, the model's delivered(d, c, tag)
 * runs (not when the link drops first). tag 0: no callback. */
int vdev_queue_notify_tagged(struct vdev_device *d, struct vdev_char *c,
			     const uint8_t *value, size_t len, const char *what,
			     unsigned tag);
/* Queue a link loss (the device drops the connection). */
int vdev_queue_drop(struct vdev_device *d, const char *why);
void vdev_queue_clear(struct vdev_device *d);

/* Start advertising this payload (kept until replaced or stopped). */
void vdev_advertise(struct vdev_device *d, const struct hv_frame *f);
void vdev_advert_stop(struct vdev_device *d);
/* A frame the firmware drops, printed as "frame ignored: <hex> (<why>)". */
void vdev_print_ignored(struct vdev_device *d, const uint8_t *v, size_t len,
			const char *why);
/* A model's free() when its data is one calloc'ed block. */
void vdev_model_free_data(struct vdev_device *d);
/* The device is off (no adverts) for `seconds` of scenario time, then
 * advertises again as before. */
int vdev_power_off_for(struct vdev_device *d, double seconds);

/* Encode a measurement with the device's driver; prints the error. */
int vdev_encode(struct vdev_device *d, const struct hv_measurement *m,
		uint16_t target16, struct hv_frame *ret);
/* Parse {"body_weight": 72.4, …} and the common fields of an event or
 * record ("time", "user", "unit") into a measurement. */
int vdev_measurement_from_json(struct vdev_device *d, const struct cJSON *obj,
			       struct hv_measurement *ret);
void vdev_hex(const uint8_t *p, size_t n, char *buf, size_t size);
/* A Current Time value (0x2A2B: Date Time, day of week, fractions 0,
 * reason 0) of a device clock running OFFSET_S seconds ahead of the host's
 * local time (negative: behind). */
void vdev_current_time(long offset_s, uint8_t out[10]);
/* A weigh-in as a scale that shows the weight settling sends it: the
 * event's measurement encoded into N frames for TARGET16, the first N - 1
 * live (weight only, climbing through 90 % and 97 % of it, in 0.05 kg
 * steps), the last final with every reading. ret_kg: the weight. */
#define VDEV_WEIGH_FRAMES_MAX 3
int vdev_weigh_frames(struct vdev_device *d, const struct cJSON *ev,
		      uint16_t target16, struct hv_frame *ret_frames, size_t n,
		      double *ret_kg);

/* A firmware's stored measurements (encoded), oldest first. */
#define VDEV_RECORDS_MAX 32

struct vdev_record {
	uint16_t seq; /* 1, 2, … in the order stored */
	int user; /* device user index, -1 none */
	size_t len;
	uint8_t value[HV_FRAME_DATA_MAX];
};

struct vdev_records {
	size_t n;
	uint16_t next_seq;
	struct vdev_record r[VDEV_RECORDS_MAX];
};

/* Encode m for characteristic target16 and store it; returns the index. */
int vdev_records_add(struct vdev_device *d, struct vdev_records *rs,
		     const struct hv_measurement *m, uint16_t target16);
/* One record from JSON: {"hex": …, "user"} or {readings, time, user}. */
int vdev_records_add_json(struct vdev_device *d, struct vdev_records *rs,
			  const struct cJSON *o, uint16_t target16);
/* Store raw bytes (scenario "hex": frames written by hand, faults). */
int vdev_records_add_raw(struct vdev_records *rs, int user,
			 const uint8_t *value, size_t len);
void vdev_records_remove(struct vdev_records *rs, size_t index);
/* "hex": "01 02 …" of a JSON object: the byte count, -ENOENT when absent. */
int vdev_hex_from_json(const struct cJSON *o, uint8_t *buf, size_t size);
/* "records": [{readings…}, …] of the device's JSON. Fault "corrupt_record":
 * N (1-based) stores record N one byte short, as a garbled transfer. */
int vdev_records_load(struct vdev_device *d, struct vdev_records *rs,
		      const struct cJSON *conf, uint16_t target16);
/* Integer setting of conf (or of conf's "faults" object), def if absent. */
int vdev_conf_int(const struct cJSON *conf, const char *key, int def);

/* --- the D-Bus face (vdev_bus.c) ------------------------------------------- */

int vdev_bus_up(struct vdev *v); /* connect, export, request org.bluez */
/* "term": InterfacesRemoved first (SIGTERM); "kill": only the name goes. */
void vdev_bus_down(struct vdev *v, bool graceful);
/* The radio world tells the bus side. */
void vdev_bus_advert(struct vdev_device *d);
void vdev_bus_link_lost(struct vdev_device *d);
bool vdev_bus_delivers(struct vdev_device *d, struct vdev_char *c);
int vdev_bus_notify(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *value, size_t len);
void vdev_bus_adapter_remove(struct vdev_adapter *a);
void vdev_bus_adapter_add(struct vdev_adapter *a);
void vdev_bus_remove_device(struct vdev_device *d);
/* A model's device is BR/EDR and offers SPP (UUID 0x1101): on
 * ConnectProfile, connected(d, fd) gets the device's end of the stream
 * (the model closes it, then calls vdev_bus_link_lost()). */
void vdev_spp_offer(struct vdev_device *d,
		    void (*connected)(struct vdev_device *d, int fd));

extern const struct vdev_model vdev_model_mi_scale;
extern const struct vdev_model vdev_model_omron;
extern const struct vdev_model vdev_model_sig_blood_pressure;
extern const struct vdev_model vdev_model_sig_heart_rate;
extern const struct vdev_model vdev_model_sig_weight_scale;
extern const struct vdev_model vdev_model_xiaomi_s400;
extern const struct vdev_model vdev_model_huawei_scale;
extern const struct vdev_model vdev_model_eufy_p2;
extern const struct vdev_model vdev_model_etekcity_esf551;
extern const struct vdev_model vdev_model_pinetime;
extern const struct vdev_model vdev_model_colmi_ring;
extern const struct vdev_model vdev_model_bangle_js;
extern const struct vdev_model vdev_model_sig_glucose;
extern const struct vdev_model vdev_model_trisa;
extern const struct vdev_model vdev_model_realme;
extern const struct vdev_model vdev_model_robi_s9;
extern const struct vdev_model vdev_model_omron_wlc;
extern const struct vdev_model vdev_model_huawei_hagrid;
extern const struct vdev_model vdev_model_lenovo_hs10;
extern const struct vdev_model vdev_model_lefu_fe;
extern const struct vdev_model vdev_model_alpha_scale_pro3;
extern const struct vdev_model vdev_model_medisana_bs4xx;
extern const struct vdev_model vdev_model_qn_scale;
extern const struct vdev_model vdev_model_hoffen_bbs8107;
extern const struct vdev_model vdev_model_soehnle_shape;
extern const struct vdev_model vdev_model_beurer_sanitas;
extern const struct vdev_model vdev_model_eufy_1byone;
extern const struct vdev_model vdev_model_vitafit;
extern const struct vdev_model vdev_model_ebelter_b2;
extern const struct vdev_model vdev_model_ihealth_hs3;
extern const struct vdev_model vdev_model_picooc;
extern const struct vdev_model vdev_model_relaxmedic;
extern const struct vdev_model vdev_model_ryfit;
extern const struct vdev_model vdev_model_keep_s3;
extern const struct vdev_model vdev_model_renpho_es26bb;
extern const struct vdev_model vdev_model_onebyone_new;
