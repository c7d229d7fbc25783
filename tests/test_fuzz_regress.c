/* test_fuzz_regress.c — inputs the fuzzers (fuzz/, make fuzz) found to
 * crash or misbehave, kept as regression tests. Each test is named after
 * what it caught; docs/reliability.md lists them. */
#include "../analysis/compliance.h"
#include "../analysis/import/csvin.h"
#include "../rig/regmap.h"
#include "harness.h"

#include <math.h>
#include <string.h>

/* fuzz_regmap: a point with scale 0 (an all-zero input) made regmap_encode
 * compute raw = 0/0 and convert NaN to uint16_t (undefined behaviour). The
 * rig-file parser refuses scale 0, but encode must not rely on it. */
static void test_regmap_encode_nan_raw(void)
{
    rig_point pt;
    memset(&pt, 0, sizeof pt);
    pt.present = true;
    uint16_t r[2] = {0x1234, 0x5678};
    for (int type = PT_U16; type <= PT_I32; type++) {
        pt.type = (point_type)type;
        pt.scale = 0;
        CHECK(regmap_encode(&pt, 0.0, r) == RIGOR_ELIMIT, "type %d scale 0: 0/0 refused", type);
        pt.scale = INFINITY;
        pt.offset = INFINITY;
        CHECK(regmap_encode(&pt, 1.0, r) == RIGOR_ELIMIT, "type %d inf/inf refused", type);
        pt.offset = 0;
    }
    CHECK(r[0] == 0x1234 && r[1] == 0x5678, "registers untouched on refusal");
}

/* cppcheck (make lint) and fuzz_compliance: a compliance-table line made of
 * separators only (",,,", ";;") left the field list empty, and the parser
 * then read the uninitialised first field pointer. Such a line is blank. */
static void test_compliance_separator_only_line(void)
{
    compliance_table t;
    rigor_diag d;
    int rc = compliance_parse("0, 0\n,,,\n;; \t\n100, 0.05\n", "c.txt", &t, &d);
    CHECK(rc == RIGOR_OK, "separator-only lines are blank (rc %d: %s)", rc, d.msg);
    CHECK(rc != RIGOR_OK || t.n == 2, "two rows, got %zu", t.n);
    if (rc == RIGOR_OK)
        CHECK_NEAR(compliance_deflection(&t, 50), 0.025e-3, 1e-15, 0, "interpolated");
    compliance_free(&t);
}

/* fuzz_csvin (after 74 000 runs from the real-data seeds): two lines whose
 * second holds "Force<TAB>Distance<TAB>Time" were taken for an Exponent .tab
 * export, whose reader indexed the units line (line 3) past the end of the
 * line array (ASan: heap-buffer-overflow in cin_split). Now a clear error. */
static void test_csvin_exponent_two_lines(void)
{
    static const char in[] =
        "\x63\x73\x38\x2c\x0a\x30\x2e\x35\x38\x30\x2c\x30\x2e\x30\x35\x38"
        "\x30\x2c\x30\x2e\x30\x39\x36\x30\x46\x6f\x72\x63\x65\x09\x44\x69"
        "\x73\x74\x61\x6e\x63\x65\x09\x54\x69\x6d\x65\x2c\x33\x33\x8e\x37"
        "\x37\x34\xb0\x2c\x6e\x61\x6e\x37\x36\x30\x30\x2e\x34\x32\x33\x33"
        "\x33\x33\x2c\x31\x32\x2e\x33\x36\x38\x2c\x2c\x30\x20\xa1";
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_buffer("fuzz.ASC", in, sizeof in - 1, NULL, &l, &d);
    CHECK(rc != RIGOR_OK && l.n == 0, "refused (rc %d), no curve", rc);
    CHECK(d.msg[0] != '\0', "with a message: %s", d.msg);
    curve_list_free(&l);
}

int main(void)
{
    TEST_RUN(test_regmap_encode_nan_raw);
    TEST_RUN(test_compliance_separator_only_line);
    TEST_RUN(test_csvin_exponent_two_lines);
    TEST_END("test_fuzz_regress");
}
