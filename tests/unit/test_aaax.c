// SPDX-License-Identifier: MIT
/*
 * AAA-series broadcast scale tests (driver aaax), drawn from openScale's
 * scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- AAA-series ------------------------------------------------------------- */

/*
 * Manufacturer data for company `company` carrying the clear payload
 * `clear` (six bytes, hex), masked with the company's high byte; the
 * checksum byte is computed unless `bad_checksum`.
 */
static void aaa_advert(struct hv_frame *f, const char *name, uint16_t company,
		       const char *clear, bool bad_checksum)
{
	uint8_t p[6], key = (uint8_t)(company >> 8);
	char hex[2 * 14 + 1];
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(hv_hex_digit(clear[2 * i]) << 4 |
				 hv_hex_digit(clear[2 * i + 1]));
	p[5] = (uint8_t)((p[0] + p[1] + p[2] + p[3] + p[4]) & 0x1F);
	if (bad_checksum)
		p[5] ^= 0x01;
	n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x%02x",
			      company & 0xFF, company >> 8);
	n += (size_t)snprintf(hex + n, sizeof(hex) - n, "112233445566");
	for (int i = 0; i < 6; i++)
		n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x",
				      p[i] ^ key);
	hv_test_mfr(f, name, hex);
}

static void test_aaax(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* stable, 72 450 g = 0x011B02 */
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ad00", false);
	sf_decode_final(&f, &m, "aaax");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* the reserved bits are not weight */
	aaa_advert(&f, "AAA013", 0x0001, "bffd1b02ad00", false);
	sf_decode_as(&f, &m, "aaax");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* settling: live */
	aaa_advert(&f, "AAA007", 0xC3A0, "00011b02ad00", false);
	sf_decode_live(&f, &m, "aaax");
	/* impedance, other types, zero weight: protocol frames */
	aaa_advert(&f, "AAA002", 0x5D12, "800001f4a600", false);
	sf_decode_control(&f, &m, "aaax");
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ae00", false);
	sf_decode_control(&f, &m, "aaax");
	aaa_advert(&f, "AAA002", 0x5D12, "80000000ad00", false);
	sf_decode_control(&f, &m, "aaax");
	/* a bad checksum, a short payload */
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ad00", true);
	sf_decode_invalid(&f, &m, "aaax");
	hv_test_mfr(&f, "AAA002", "125d112233445566aabbccdd");
	sf_decode_invalid(&f, &m, "aaax");
	/* the same bytes under another name, or none, are not ours */
	aaa_advert(&f, "AAA0021", 0x5D12, "80011b02ad00", false);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, "aaax");
	aaa_advert(&f, NULL, 0x5D12, "80011b02ad00", false);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, "aaax");
}


/* The encoder's frames decode back to what was encoded. */
static void test_aaax_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("aaax", "AAA002", true, 0, { HV_METRIC_BODY_WEIGHT, 72.45 });
	SF_ROUNDTRIP("aaax", "AAA013", false, 0, { HV_METRIC_BODY_WEIGHT, 180.001 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aaax),
		cmocka_unit_test(test_aaax_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
