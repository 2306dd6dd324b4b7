// SPDX-License-Identifier: MIT
/*
 * The GATT conversation of a Bluetooth SIG weight / body composition scale,
 * as data for the daemon's step runner (drivers/conversation.h). Sources:
 * the GATT XML (oesmith/gatt-xml@4fd2ede) and Wireshark 3.4 packet-btatt.c
 * of the User Data Service 0x181C, User Control Point 0x2A9F and Current
 * Time 0x2A2B; openScale's StandardWeightProfileHandler.kt flow
 * (oliexdev/openScale@f7a733b2); the Sanitas SBF72 / SBF73 and Beurer
 * BF915 vendor service 0xFFFF from openScale's SanitasSbf72Handler.kt, the
 * Beurer BF450's from its BeurerBF450Handler.kt (same commit).
 *
 *   0  read Weight Scale Feature 0x2A9E                      (optional)
 *   1  read Manufacturer Name 0x2A29 (Device Information)    (optional)
 *   2  read Model Number 0x2A24                              (optional)
 *   3  indications on Weight Measurement 0x2A9D
 *   4  indications on Body Composition Measurement 0x2A9C    (optional)
 *   5  indications on User Control Point 0x2A9F   (no UDS: go to 19)
 *   6  read Current Time 0x2A2B (optional): the runner keeps the clock the
 *      stored records were dated by, before step 7 sets it
 *   7  write Current Time 0x2A2B: Date Time, day of week, 0, 0 (optional)
 *   8  known user: write UCP 02 <index> <consent LE16>
 *   9  wait for 20 02 <result>: success → on; not authorized → forget the
 *      slot and register anew (10); anything else fails
 *  10  no user: write UCP 01 <consent LE16> (register a new user)
 *  11  wait for 20 01 01 <index> → session.user_index, user_registered,
 *      then consent with it (8); 0x04 "operation failed" = no free slot
 *  12  read Database Change Increment 0x2A99                 (optional)
 *  13  write Date of Birth 0x2A85 (year LE16, month, day; from the age)
 *  14  write Gender 0x2A8C (0 male, 1 female)
 *  15  write Height 0x2A8E (u16, cm)
 *  16  write Database Change Increment + 1, so the scale takes the data
 *      (13-16 optional, skipped without a user or a profile)
 *  17  SBF72 / SBF73 / BF915 only (by name): write the activity level to
 *      0xFFFF/0x0004 (3 of 1..5: the profile carries none)
 *  18  the same scales: write 00 to 0xFFFF/0x0006, "take a measurement"
 *      (17-18 optional, skipped without a user)
 *  19  notifications on 0xFFFF/0xFFF6, where the Beurer BF450 sends its
 *      impedance (driver beurer_bf450; optional: absent on other scales)
 *  20  BF450 only (by name): the activity level to 0xFFFF/0xFFF2
 *  21  BF450 only: 00 to 0xFFFF/0xFFF4, "take a measurement" (20-21 as
 *      17-18; openScale BeurerBF450Handler.kt, same commit)
 *  22  wait up to 60 s for a measurement (stored ones arrive after consent)
 *  23  linger 5 s for more stored measurements
 *  24  end
 *
 * The SBF72's user list (0xFFFF/0x0001: 00 asks for it, 0x10 + slot shows
 * the slot's PIN on the scale) is not read: a slot is chosen and consented
 * with the SIG User Control Point as for any SIG scale.
 *
 * Measurements are not handled here: the runner decodes every indication
 * with the drivers and hands final ones to the pipeline. What the steps
 * learn of the Renpho ES-WBE28 variant (device information, the user slot,
 * the weight frames' flags; drivers/sig_scale.h) goes to session.quirks,
 * so the Body Composition packets that follow decode as that variant.
 *
 * session.scratch[0]: the Weight Scale Feature bits; scratch[1]: the
 * Database Change Increment read at step 12.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/sig_scale.h"
#include "drivers/vendor_util.h"

#define SVC_WSS "181d"
#define SVC_BCS "181b"
#define SVC_UDS "181c"
#define SVC_CTS "1805"
#define SVC_DIS "180a"

/* Scales named for a vendor variant (any case, anywhere in the name). */
static bool name_has_any(const char *name, const char *const *models)
{
	for (; *models; models++)
		if (hv_name_contains_ci(name, *models))
			return true;
	return false;
}

/* The Sanitas SBF72 family: SIG services and the vendor service 0xFFFF. */
static const char *const sbf72_family[] = { "sbf72", "sbf73", "bf915", NULL };
/* The Beurer BF450: the same service, other characteristics. */
static const char *const bf450_family[] = { "bf450", NULL };

static int vendor_byte(const struct hv_session *s, const char *const *family,
		       uint8_t value, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	if (!name_has_any(s->name, family))
		return -EOPNOTSUPP;
	if (size < 1)
		return -ENOSPC;
	buf[0] = value;
	*ret_len = 1;
	return 0;
}

/* The activity level 1..5; the profile carries none: the middle one. */
#define VENDOR_ACTIVITY_LEVEL 3

static int activity_payload(const struct hv_session *s, uint8_t *buf,
			    size_t size, size_t *ret_len)
{
	return vendor_byte(s, sbf72_family, VENDOR_ACTIVITY_LEVEL, buf, size,
			   ret_len);
}

static int take_measurement_payload(const struct hv_session *s, uint8_t *buf,
				    size_t size, size_t *ret_len)
{
	return vendor_byte(s, sbf72_family, 0, buf, size, ret_len);
}

static int bf450_activity_payload(const struct hv_session *s, uint8_t *buf,
				  size_t size, size_t *ret_len)
{
	return vendor_byte(s, bf450_family, VENDOR_ACTIVITY_LEVEL, buf, size,
			   ret_len);
}

static int bf450_take_measurement_payload(const struct hv_session *s,
					  uint8_t *buf, size_t size,
					  size_t *ret_len)
{
	return vendor_byte(s, bf450_family, 0, buf, size, ret_len);
}

static int on_feature(struct hv_session *s, const uint8_t *value, size_t len)
{
	if (len != 4)
		return -EBADMSG;
	s->scratch[0] = hv_le32(value);
	return HV_VALUE_DONE;
}

static int on_device_info(struct hv_session *s, const uint8_t *value,
			  size_t len)
{
	s->quirks |= hv_sig_scale_quirks_for_device_info(value, len);
	return HV_VALUE_DONE;
}

static int current_time_payload(const struct hv_session *s, uint8_t *buf,
				 size_t size, size_t *ret_len)
{
	if (size < 10)
		return -ENOSPC;
	if (!hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	hv_write_datetime(buf, &s->now_local);
	buf[7] = s->day_of_week <= 7 ? s->day_of_week : 0;
	buf[8] = 0; /* Fractions256 */
	buf[9] = 0; /* Adjust Reason */
	*ret_len = 10;
	return 0;
}

static int consent_payload(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	if (s->user_index < 0 || s->user_index > 0xFE || s->consent_code > 9999)
		return -EINVAL;
	buf[0] = HV_UCP_CONSENT;
	buf[1] = (uint8_t)s->user_index;
	hv_put_le16(buf + 2, s->consent_code);
	*ret_len = 4;
	return 0;
}

static int register_payload(const struct hv_session *s, uint8_t *buf,
			    size_t size, size_t *ret_len)
{
	if (size < 3)
		return -ENOSPC;
	if (s->consent_code > 9999)
		return -EINVAL;
	buf[0] = HV_UCP_REGISTER_NEW_USER;
	hv_put_le16(buf + 1, s->consent_code);
	*ret_len = 3;
	return 0;
}

/* A UCP response to `op`: the response value, or -1 for other values. */
static int ucp_response(const uint8_t *value, size_t len, uint8_t op)
{
	if (len < 3 || value[0] != HV_UCP_RESPONSE || value[1] != op)
		return -1;
	return value[2];
}

static int on_consent(struct hv_session *s, const uint8_t *value, size_t len)
{
	int r = ucp_response(value, len, HV_UCP_CONSENT);

	if (r < 0)
		return HV_VALUE_MORE;
	if (r == HV_UCP_SUCCESS) {
		s->quirks |= hv_sig_scale_quirks_for_user_slot(s->user_index);
		return HV_VALUE_DONE;
	}
	if (r == HV_UCP_NOT_AUTHORIZED) {
		/* The scale forgot us (batteries out) or the code is stale. */
		s->user_index = -1;
		s->next_step = HV_SIG_STEP_REGISTER;
		return HV_VALUE_GOTO;
	}
	return -EACCES;
}

static int on_register(struct hv_session *s, const uint8_t *value, size_t len)
{
	int r = ucp_response(value, len, HV_UCP_REGISTER_NEW_USER);

	if (r < 0)
		return HV_VALUE_MORE;
	if (r == HV_UCP_OPERATION_FAILED)
		return -ENOSPC; /* every user slot is taken */
	if (r != HV_UCP_SUCCESS)
		return -EPROTO;
	if (len < 4 || value[3] == 0xFF)
		return -EBADMSG;
	s->user_index = value[3];
	s->user_registered = true;
	s->next_step = HV_SIG_STEP_CONSENT;
	return HV_VALUE_GOTO;
}

static int on_change_increment(struct hv_session *s, const uint8_t *value,
			       size_t len)
{
	if (len != 4)
		return -EBADMSG;
	s->scratch[1] = hv_le32(value);
	return HV_VALUE_DONE;
}

static int birth_payload(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	struct hv_datetime now = s->now_local, dob;
	int64_t t;

	if (size < 4)
		return -ENOSPC;
	if (!(s->profile.age_years > 0 && s->profile.age_years < 150) ||
	    !hv_datetime_plausible(&now, 0))
		return -ENODATA;
	/* Only the age is known: the birthday it implies. */
	t = hv_datetime_to_unix(&now) -
	    (int64_t)(s->profile.age_years * 365.2425 * 86400);
	hv_datetime_from_unix(t, &dob);
	hv_put_le16(buf, dob.year);
	buf[2] = dob.month;
	buf[3] = dob.day;
	*ret_len = 4;
	return 0;
}

static int gender_payload(const struct hv_session *s, uint8_t *buf,
			  size_t size, size_t *ret_len)
{
	if (size < 1)
		return -ENOSPC;
	if (s->profile.sex == HV_SEX_MALE)
		buf[0] = 0;
	else if (s->profile.sex == HV_SEX_FEMALE)
		buf[0] = 1;
	else
		return -ENODATA;
	*ret_len = 1;
	return 0;
}

static int height_payload(const struct hv_session *s, uint8_t *buf,
			  size_t size, size_t *ret_len)
{
	double cm = s->profile.height_m * 100;

	if (size < 2)
		return -ENOSPC;
	if (!(cm >= 30 && cm <= 300))
		return -ENODATA;
	hv_put_le16(buf, (uint16_t)(cm + 0.5));
	*ret_len = 2;
	return 0;
}

static int change_increment_payload(const struct hv_session *s, uint8_t *buf,
				    size_t size, size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	hv_put_le32(buf, s->scratch[1] + 1);
	*ret_len = 4;
	return 0;
}

/* A weight frame's flags may tell the Renpho variant: keep it for the
 * Body Composition packets that follow. */
static void learn_from_weight(struct hv_session *s, const uint8_t *value,
			      size_t len)
{
	if (len >= 3)
		s->quirks |= hv_sig_scale_quirks_for_weight_flags(value[0]);
}

static int on_measurement(struct hv_session *s, const uint8_t *value,
			  size_t len)
{
	learn_from_weight(s, value, len);
	return HV_VALUE_DONE;
}

static int on_more(struct hv_session *s, const uint8_t *value, size_t len)
{
	learn_from_weight(s, value, len);
	return HV_VALUE_MORE;
}

#define OPT HV_STEP_OPTIONAL
#define RSP HV_STEP_WITH_RESPONSE
#define USER HV_STEP_SKIP_IF_NO_USER

static const struct hv_step steps[] = {
	[HV_SIG_STEP_READ_FEATURE] = {
		.op = HV_STEP_READ, .service = SVC_WSS, .characteristic = "2a9e",
		.on_value = on_feature, .flags = OPT,
		.what = "read Weight Scale Feature" },
	[HV_SIG_STEP_READ_MANUFACTURER] = {
		.op = HV_STEP_READ, .service = SVC_DIS,
		.characteristic = "2a29", .on_value = on_device_info,
		.flags = OPT,
		.what = "read Manufacturer Name" },
	[HV_SIG_STEP_READ_MODEL] = {
		.op = HV_STEP_READ, .service = SVC_DIS,
		.characteristic = "2a24", .on_value = on_device_info,
		.flags = OPT,
		.what = "read Model Number" },
	[HV_SIG_STEP_SUBSCRIBE_WEIGHT] = {
		.op = HV_STEP_SUBSCRIBE, .service = SVC_WSS,
		.characteristic = "2a9d",
		.what = "indications on Weight Measurement" },
	[HV_SIG_STEP_SUBSCRIBE_BODY] = {
		.op = HV_STEP_SUBSCRIBE, .service = SVC_BCS,
		.characteristic = "2a9c", .flags = OPT,
		.what = "indications on Body Composition Measurement" },
	[HV_SIG_STEP_SUBSCRIBE_UCP] = {
		.op = HV_STEP_SUBSCRIBE, .service = SVC_UDS,
		.characteristic = "2a9f",
		.on_fail = HV_SIG_STEP_WAIT_MEASUREMENT,
		.what = "indications on User Control Point (none: single user)" },
	[HV_SIG_STEP_READ_TIME] = {
		.op = HV_STEP_READ, .service = SVC_CTS, .characteristic = "2a2b",
		.flags = OPT,
		.what = "read the scale's clock" },
	[HV_SIG_STEP_SET_TIME] = {
		.op = HV_STEP_WRITE, .service = SVC_CTS, .characteristic = "2a2b",
		.payload = current_time_payload, .flags = OPT | RSP,
		.what = "set the scale's clock" },
	[HV_SIG_STEP_CONSENT] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a9f",
		.payload = consent_payload,
		.flags = RSP | HV_STEP_SKIP_IF_NO_USER,
		.what = "consent for the user slot" },
	[HV_SIG_STEP_CONSENT_WAIT] = {
		.op = HV_STEP_WAIT, .service = SVC_UDS, .characteristic = "2a9f",
		.on_value = on_consent, .flags = HV_STEP_SKIP_IF_NO_USER,
		.what = "consent response" },
	[HV_SIG_STEP_REGISTER] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a9f",
		.payload = register_payload,
		.flags = RSP | HV_STEP_SKIP_IF_USER,
		.what = "register a new user" },
	[HV_SIG_STEP_REGISTER_WAIT] = {
		.op = HV_STEP_WAIT, .service = SVC_UDS, .characteristic = "2a9f",
		.on_value = on_register, .flags = HV_STEP_SKIP_IF_USER,
		.what = "new user index" },
	[HV_SIG_STEP_READ_CHANGE_INCREMENT] = {
		.op = HV_STEP_READ, .service = SVC_UDS, .characteristic = "2a99",
		.on_value = on_change_increment, .flags = OPT | USER,
		.what = "read Database Change Increment" },
	[HV_SIG_STEP_WRITE_BIRTH] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a85",
		.payload = birth_payload, .flags = OPT | RSP | USER,
		.what = "write date of birth" },
	[HV_SIG_STEP_WRITE_GENDER] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a8c",
		.payload = gender_payload, .flags = OPT | RSP | USER,
		.what = "write gender" },
	[HV_SIG_STEP_WRITE_HEIGHT] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a8e",
		.payload = height_payload, .flags = OPT | RSP | USER,
		.what = "write height" },
	[HV_SIG_STEP_WRITE_CHANGE_INCREMENT] = {
		.op = HV_STEP_WRITE, .service = SVC_UDS, .characteristic = "2a99",
		.payload = change_increment_payload, .flags = OPT | RSP | USER,
		.what = "bump Database Change Increment" },
	[HV_SIG_STEP_VENDOR_ACTIVITY] = {
		.op = HV_STEP_WRITE, .service = "ffff", .characteristic = "0004",
		.payload = activity_payload, .flags = OPT | RSP | USER,
		.what = "SBF72: activity level (0xFFFF/0x0004)" },
	[HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT] = {
		.op = HV_STEP_WRITE, .service = "ffff", .characteristic = "0006",
		.payload = take_measurement_payload, .flags = OPT | RSP | USER,
		.what = "SBF72: take a measurement (0xFFFF/0x0006)" },
	[HV_SIG_STEP_BF450_SUBSCRIBE_EXTRA] = {
		.op = HV_STEP_SUBSCRIBE, .service = "ffff",
		.characteristic = "fff6", .flags = OPT,
		.what = "BF450: notifications of the impedance (0xFFFF/0xFFF6)" },
	[HV_SIG_STEP_BF450_ACTIVITY] = {
		.op = HV_STEP_WRITE, .service = "ffff", .characteristic = "fff2",
		.payload = bf450_activity_payload, .flags = OPT | RSP | USER,
		.what = "BF450: activity level (0xFFFF/0xFFF2)" },
	[HV_SIG_STEP_BF450_TAKE_MEASUREMENT] = {
		.op = HV_STEP_WRITE, .service = "ffff", .characteristic = "fff4",
		.payload = bf450_take_measurement_payload,
		.flags = OPT | RSP | USER,
		.what = "BF450: take a measurement (0xFFFF/0xFFF4)" },
	[HV_SIG_STEP_WAIT_MEASUREMENT] = {
		.op = HV_STEP_WAIT, .service = SVC_WSS, .characteristic = "2a9d",
		.on_value = on_measurement, .timeout_ms = 60000, .flags = OPT,
		.what = "wait for a measurement" },
	[HV_SIG_STEP_LINGER] = {
		.op = HV_STEP_WAIT, .service = SVC_WSS, .characteristic = "2a9d",
		.on_value = on_more, .timeout_ms = 5000, .flags = OPT,
		.what = "receive further stored measurements" },
	[HV_SIG_STEP_END] = { .op = HV_STEP_END, .what = "done" },
};

const struct hv_conversation hv_sig_scale_conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.needs_bonding = false,
};
