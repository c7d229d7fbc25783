/* test_regmap.c — decode/encode of every register type and word order with
 * scale, offset and unit; status and control bits; the read plan. */
#include "../rig/regmap.h"
#include "harness.h"

#include <string.h>

static rig_point mk(point_type t, word_order o, double scale, double offset, const char *unit)
{
    rig_point p;
    memset(&p, 0, sizeof p);
    p.present = true;
    p.type = t;
    p.order = o;
    p.scale = scale;
    p.offset = offset;
    p.si = (unit_info){DIM_NONE, 1, 0};
    if (unit) {
        snprintf(p.unit, sizeof p.unit, "%s", unit);
        units_parse(unit, &p.si);
    }
    memset(p.bit, -1, sizeof p.bit);
    return p;
}

/* The brief's vectors: 123456.0f in the four word orders, decoded with scale,
 * offset and a unit (kN -> N). */
static void test_f32_orders_scaled(void)
{
    static const struct {
        word_order o;
        uint16_t r[2];
    } v[] = {{WO_ABCD, {0x47F1, 0x2000}},
             {WO_CDAB, {0x2000, 0x47F1}},
             {WO_BADC, {0xF147, 0x0020}},
             {WO_DCBA, {0x0020, 0xF147}}};
    for (int i = 0; i < 4; i++) {
        rig_point p = mk(PT_F32, v[i].o, 0.001, 2.0, "kN");
        /* (123456 * 0.001 + 2) kN = 125.456 kN */
        CHECK_NEAR(regmap_decode(&p, v[i].r), 125456.0, 1e-6, 1e-9, words_order_name(v[i].o));
        uint16_t r[2];
        CHECK(regmap_encode(&p, 125456.0, r) == RIGOR_OK, "encode");
        CHECK(r[0] == v[i].r[0] && r[1] == v[i].r[1], "%s encodes {%04X,%04X}",
              words_order_name(v[i].o), r[0], r[1]);
    }
}

static void test_i32_u32_orders(void)
{
    /* -123456789 = 0xF8A432EB: bytes A=F8 B=A4 C=32 D=EB */
    static const struct {
        word_order o;
        uint16_t r[2];
    } v[] = {{WO_ABCD, {0xF8A4, 0x32EB}},
             {WO_CDAB, {0x32EB, 0xF8A4}},
             {WO_BADC, {0xA4F8, 0xEB32}},
             {WO_DCBA, {0xEB32, 0xA4F8}}};
    for (int i = 0; i < 4; i++) {
        rig_point p = mk(PT_I32, v[i].o, 1, 0, "nm");
        CHECK_NEAR(regmap_decode(&p, v[i].r), -0.123456789, 1e-15, 0, "i32 nm -> m");
        uint16_t r[2];
        CHECK(regmap_encode(&p, -0.123456789, r) == RIGOR_OK, "encode");
        CHECK(r[0] == v[i].r[0] && r[1] == v[i].r[1], "i32 %s", words_order_name(v[i].o));
        rig_point u = mk(PT_U32, v[i].o, 1, 0, NULL);
        CHECK(regmap_raw(&u, v[i].r) == 4171510507.0, "u32 %s = %.0f", words_order_name(v[i].o),
              regmap_raw(&u, v[i].r));
    }
}

static void test_16bit_types(void)
{
    uint16_t r[2] = {0xFFFE, 0};
    rig_point u = mk(PT_U16, WO_ABCD, 0.5, -1, "mm");
    CHECK_NEAR(regmap_decode(&u, r), (65534 * 0.5 - 1) * 1e-3, 1e-12, 0, "u16");
    rig_point s = mk(PT_I16, WO_ABCD, 10, 0, "N");
    CHECK_NEAR(regmap_decode(&s, r), -20.0, 1e-12, 0, "i16 -2 * 10 N");
    uint16_t w[2];
    CHECK(regmap_encode(&s, -20.0, w) == RIGOR_OK && w[0] == 0xFFFE, "i16 encode %04X", w[0]);
    CHECK(regmap_encode(&s, 400000.0, w) == RIGOR_ELIMIT, "i16 overflow refused");
    CHECK(regmap_encode(&u, -0.01, w) == RIGOR_ELIMIT, "u16 negative refused");
    CHECK(regmap_encode(&u, NAN, w) == RIGOR_EINVAL, "NaN refused");
    rig_point i32 = mk(PT_I32, WO_CDAB, 1, 0, "nm/s");
    CHECK(regmap_encode(&i32, 3.0, w) == RIGOR_ELIMIT, "3 m/s in nm/s overflows i32");
    CHECK(regmap_encode(&i32, 1e-3, w) == RIGOR_OK && w[0] == 0x4240 && w[1] == 0x000F,
          "1 mm/s = 1000000 nm/s CDAB {%04X,%04X}", w[0], w[1]);
    rig_point ms = mk(PT_U16, WO_ABCD, 1, 0, "ms");
    CHECK(regmap_encode(&ms, 0.25, w) == RIGOR_OK && w[0] == 250, "250 ms");
}

static void test_bits(void)
{
    rig_point st = mk(PT_BITS, WO_ABCD, 1, 0, NULL);
    st.bit[2] = 2; /* fault */
    st.bit[5] = 7; /* estop on bit 7 of this device */
    uint32_t f = regmap_status(&st, (1u << 2) | (1u << 7) | (1u << 5));
    CHECK(f == (RIG_SB_FAULT | RIG_SB_ESTOP), "status %#x", f);
    CHECK(regmap_status(&st, 1u << 5) == 0, "unmapped bit ignored");
    rig_point ctl = mk(PT_BITS, WO_ABCD, 1, 0, NULL);
    ctl.bit[RIG_CTL_ENABLE] = 0;
    ctl.bit[RIG_CTL_QUICK_STOP] = 1;
    CHECK(regmap_control(&ctl, 1u << RIG_CTL_ENABLE | 1u << RIG_CTL_QUICK_STOP) == 3, "ctl");
    CHECK(regmap_control(&ctl, 1u << RIG_CTL_FAULT_RESET) == 0, "absent flag dropped");
}

/* field = 11..15: a decimal point in the top bits of a status word (FT-112). */
static void test_field(void)
{
    rig_point dp = mk(PT_U16, WO_ABCD, 1, 0, NULL);
    uint16_t w = (uint16_t)(3u << 11 | 0x07FF);
    CHECK(regmap_raw(&dp, &w) == w, "whole word without a field");
    dp.field_lo = 11, dp.field_n = 5;
    CHECK(regmap_raw(&dp, &w) == 3, "bits 11..15 = %g", regmap_raw(&dp, &w));
    dp.field_lo = 0, dp.field_n = 8;
    CHECK(regmap_decode(&dp, &w) == 0xFF, "low byte");
}

static void test_plan(void)
{
    rig_config c;
    memset(&c, 0, sizeof c);
    c.ndev = 2;
    c.dev[0] = (rig_device){.name = "a", .slave = 1, .response_timeout_s = 0.1, .max_regs = 4, .fc06 = true};
    c.dev[1] = (rig_device){.name = "b", .slave = 2, .response_timeout_s = 0.1, .max_regs = 125, .fc06 = true, .bridge = 1};
    c.point[ROLE_DRIVE_STATUS] = mk(PT_BITS, WO_ABCD, 1, 0, NULL);
    c.point[ROLE_DRIVE_STATUS].device = 0, c.point[ROLE_DRIVE_STATUS].address = 0;
    c.point[ROLE_POSITION] = mk(PT_I32, WO_CDAB, 1, 0, "nm");
    c.point[ROLE_POSITION].device = 0, c.point[ROLE_POSITION].address = 2;
    c.point[ROLE_VELOCITY] = mk(PT_I32, WO_CDAB, 1, 0, "nm/s");
    c.point[ROLE_VELOCITY].device = 0, c.point[ROLE_VELOCITY].address = 4;
    c.point[ROLE_FORCE] = mk(PT_F32, WO_ABCD, 1, 0, "N");
    c.point[ROLE_FORCE].device = 1, c.point[ROLE_FORCE].address = 1;
    c.point[ROLE_TICK] = mk(PT_U16, WO_ABCD, 1, 0, NULL);
    c.point[ROLE_TICK].device = 1, c.point[ROLE_TICK].address = 4;  /* gap of 1: bridged */
    c.point[ROLE_VELOCITY_CMD] = mk(PT_I32, WO_CDAB, 1, 0, "nm/s"); /* written, not read */
    regmap_plan p;
    CHECK(regmap_make_plan(&c, &p) == RIGOR_OK, "plan");
    /* device a: status 0 + gap 1 (not bridged) -> {0,1}; position 2-3 + velocity 4-5
     * would make 4 regs from 2: {2,4}. device b: {1,4}. */
    CHECK(p.nblocks == 3, "nblocks %d", p.nblocks);
    CHECK(p.block[0].start == 0 && p.block[0].count == 1, "b0 %u+%u", p.block[0].start,
          p.block[0].count);
    CHECK(p.block[1].start == 2 && p.block[1].count == 4, "b1 %u+%u", p.block[1].start,
          p.block[1].count);
    CHECK(p.block[2].device == 1 && p.block[2].start == 1 && p.block[2].count == 4, "b2");
    CHECK(p.block_of[ROLE_TICK] == 2 && p.offset_of[ROLE_TICK] == 3, "tick in b2 at 3");
    CHECK(p.block_of[ROLE_VELOCITY_CMD] == -1, "commands not read");
    c.dev[0].max_regs = 3; /* position+velocity no longer fit in one read */
    CHECK(regmap_make_plan(&c, &p) == RIGOR_OK && p.nblocks == 4, "max_regs splits: %d",
          p.nblocks);
}

int main(void)
{
    TEST_RUN(test_f32_orders_scaled);
    TEST_RUN(test_i32_u32_orders);
    TEST_RUN(test_16bit_types);
    TEST_RUN(test_bits);
    TEST_RUN(test_field);
    TEST_RUN(test_plan);
    TEST_END("test_regmap");
}
