/* regmap.c — see regmap.h. */
#include "regmap.h"

#include <math.h>
#include <string.h>

bool regmap_role_is_read(point_role r)
{
    return r < ROLE_VELOCITY_CMD;
}

int regmap_nregs(const rig_point *pt)
{
    return (pt->type == PT_U32 || pt->type == PT_I32 || pt->type == PT_F32) ? 2 : 1;
}

double regmap_raw(const rig_point *pt, const uint16_t *regs)
{
    switch (pt->type) {
    case PT_U16:
        if (pt->field_n > 0 && pt->field_lo >= 0 && pt->field_lo + pt->field_n <= 16)
            return (regs[0] >> pt->field_lo) & ((1u << pt->field_n) - 1);
        return regs[0];
    case PT_BITS: return regs[0];
    case PT_I16: return (int16_t)regs[0];
    case PT_U32: return words_get_u32(regs, pt->order);
    case PT_I32: return words_get_i32(regs, pt->order);
    case PT_F32: return words_get_f32(regs, pt->order);
    }
    return NAN;
}

double regmap_decode(const rig_point *pt, const uint16_t *regs)
{
    double v = regmap_raw(pt, regs) * pt->scale + pt->offset;
    if (pt->unit[0])
        v = v * pt->si.scale + pt->si.offset;
    return v;
}

int regmap_encode(const rig_point *pt, double si, uint16_t *regs)
{
    if (!isfinite(si) || pt->type == PT_BITS)
        return RIGOR_EINVAL;
    double v = si;
    if (pt->unit[0])
        v = (v - pt->si.offset) / pt->si.scale;
    double raw = (v - pt->offset) / pt->scale;
    if (isnan(raw))
        return RIGOR_ELIMIT; /* scale 0 or inf/inf: no register value means this */
    if (pt->type == PT_F32) {
        if (fabs(raw) > 3.4e38)
            return RIGOR_ELIMIT;
        words_set_f32(regs, (float)raw, pt->order);
        return RIGOR_OK;
    }
    raw = nearbyint(raw);
    switch (pt->type) {
    case PT_U16:
        if (raw < 0 || raw > 65535)
            return RIGOR_ELIMIT;
        regs[0] = (uint16_t)raw;
        return RIGOR_OK;
    case PT_I16:
        if (raw < -32768 || raw > 32767)
            return RIGOR_ELIMIT;
        regs[0] = (uint16_t)(int16_t)raw;
        return RIGOR_OK;
    case PT_U32:
        if (raw < 0 || raw > 4294967295.0)
            return RIGOR_ELIMIT;
        words_set_u32(regs, (uint32_t)raw, pt->order);
        return RIGOR_OK;
    case PT_I32:
        if (raw < -2147483648.0 || raw > 2147483647.0)
            return RIGOR_ELIMIT;
        words_set_i32(regs, (int32_t)raw, pt->order);
        return RIGOR_OK;
    default: return RIGOR_EINVAL;
    }
}

uint32_t regmap_status(const rig_point *pt, uint16_t word)
{
    uint32_t out = 0;
    uint16_t w = word ^ pt->active_low; /* an active-low bit reads 1 when it means its flag */
    for (int i = 0; i < RIG_SB_COUNT; i++) {
        uint16_t m = pt->more[i];
        if (pt->bit[i] >= 0)
            m |= (uint16_t)(1u << pt->bit[i]);
        if (w & m)
            out |= 1u << i;
    }
    return out;
}

uint16_t regmap_control(const rig_point *pt, unsigned flags)
{
    uint16_t w = 0;
    for (int i = 0; i < RIG_CTL_COUNT; i++)
        if ((flags >> i) & 1u && pt->bit[i] >= 0)
            w |= (uint16_t)(1u << pt->bit[i]);
    /* active-low flags are written 0 when raised, 1 otherwise; the constant
     * bits are always set */
    return (uint16_t)((w ^ pt->active_low) | pt->constant);
}

int regmap_make_plan(const rig_config *cfg, regmap_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    memset(plan->block_of, -1, sizeof plan->block_of);
    /* Sort the read points by (device, table, address): insertion sort of roles. */
    int order[ROLE_COUNT], n = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (!regmap_role_is_read((point_role)r) || !cfg->point[r].present)
            continue;
        const rig_point *a = &cfg->point[r];
        int j = n++;
        while (j > 0) {
            const rig_point *b = &cfg->point[order[j - 1]];
            long ka = ((long)a->device << 20) | ((long)a->table << 17) | a->address;
            long kb = ((long)b->device << 20) | ((long)b->table << 17) | b->address;
            if (kb <= ka)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = r;
    }
    for (int i = 0; i < n; i++) {
        int r = order[i];
        const rig_point *pt = &cfg->point[r];
        const rig_device *d = &cfg->dev[pt->device];
        long end = (long)pt->address + regmap_nregs(pt); /* one past the last register */
        regmap_block *last = plan->nblocks ? &plan->block[plan->nblocks - 1] : NULL;
        if (last && last->device == pt->device && last->table == pt->table) {
            long lend = (long)last->start + last->count;
            long new_end = end > lend ? end : lend;
            if (pt->address <= lend + d->bridge && new_end - last->start <= d->max_regs) {
                last->count = (uint16_t)(new_end - last->start);
                plan->block_of[r] = (int8_t)(plan->nblocks - 1);
                plan->offset_of[r] = (uint16_t)(pt->address - last->start);
                continue;
            }
        }
        if (plan->nblocks >= REGMAP_MAX_BLOCKS)
            return RIGOR_EINVAL;
        regmap_block *b = &plan->block[plan->nblocks];
        b->device = pt->device;
        b->table = pt->table;
        b->start = pt->address;
        b->count = (uint16_t)(end - pt->address);
        plan->block_of[r] = (int8_t)plan->nblocks;
        plan->offset_of[r] = 0;
        plan->nblocks++;
    }
    return RIGOR_OK;
}
