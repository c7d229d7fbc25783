/* fuzz_regmap.c — libFuzzer target: decoding Modbus register values.
 *
 * The driver turns the registers of every reply into SI values with
 * regmap_decode / regmap_raw / regmap_status, and setpoints into registers
 * with regmap_encode. Here every field of the point (type, word order,
 * scale, offset, unit, bit numbers) and the register words come from the
 * input, so NaN/inf scales, any word order and any status bit numbers are
 * tried; encoding the decoded value and an arbitrary double must not
 * overflow a conversion either. */
#include "../rig/regmap.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take(const uint8_t **d, size_t *n, void *out, size_t want)
{
    size_t k = *n < want ? *n : want;
    memset(out, 0, want);
    memcpy(out, *d, k);
    *d += k;
    *n -= k;
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *units[] = {"", "mm", "um", "m", "N", "kN", "lbf", "mm/min",
                                  "mm/s", "s", "ms", "%", "in", "MPa", "gf", "degC"};
    uint8_t hdr[4];
    take(&data, &size, hdr, sizeof hdr);
    rig_point pt;
    memset(&pt, 0, sizeof pt);
    pt.present = true;
    pt.type = (point_type)(hdr[0] % 6);
    pt.order = (word_order)(hdr[1] % 4);
    pt.table = (reg_table)(hdr[2] & 1);
    snprintf(pt.unit, sizeof pt.unit, "%s", units[hdr[3] % 16]);
    if (!units_parse(pt.unit, &pt.si)) {
        pt.si.dim = DIM_NONE;
        pt.si.scale = 1;
        pt.si.offset = 0;
    }
    take(&data, &size, &pt.scale, sizeof pt.scale);
    take(&data, &size, &pt.offset, sizeof pt.offset);
    /* The rig-file parser accepts only finite, non-zero scales and finite
     * offsets; other values are tried too (regmap_encode must refuse what it
     * cannot represent), half of the time replaced by valid ones. */
    if ((hdr[2] & 2) && (!isfinite(pt.scale) || pt.scale == 0))
        pt.scale = 1;
    if ((hdr[2] & 2) && !isfinite(pt.offset))
        pt.offset = 0;
    take(&data, &size, pt.bit, sizeof pt.bit);
    for (size_t i = 0; i < RIG_SB_COUNT; i++)
        if (pt.bit[i] < -1 || pt.bit[i] > 15)
            pt.bit[i] = -1; /* the rig-file parser only accepts -1..15 */
    uint16_t regs[2];
    take(&data, &size, regs, sizeof regs);
    double si_in;
    take(&data, &size, &si_in, sizeof si_in);
    unsigned flags;
    take(&data, &size, &flags, sizeof flags);

    int nr = regmap_nregs(&pt);
    (void)nr;
    volatile double raw = regmap_raw(&pt, regs);
    double si = regmap_decode(&pt, regs);
    (void)raw;
    volatile uint32_t st = regmap_status(&pt, regs[0]);
    (void)st;
    volatile uint16_t cw = regmap_control(&pt, flags);
    (void)cw;
    uint16_t out[2];
    regmap_encode(&pt, si, out);
    regmap_encode(&pt, si_in, out);
    return 0;
}
