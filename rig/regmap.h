/* regmap.h — register points to SI values and back, and the read plan.
 *
 * A rig_point (from the rig file) says where a value lives and how it is
 * coded. This module turns the registers of a point into an SI double
 * (si = ((raw * scale) + offset) * unit_scale + unit_offset), an SI setpoint
 * back into registers, a status word into Rigor's RIG_SB_* bits, and control
 * flags into a control word. regmap_plan groups the points read every cycle
 * into as few requests as the devices allow. Pure functions, no I/O; 32-bit
 * word orders go through rig/words.h.
 */
#ifndef RIGOR_REGMAP_H
#define RIGOR_REGMAP_H

#include "rigfile.h"

#include <stdint.h>

/* Registers a point occupies (1 or 2). */
int regmap_nregs(const rig_point *pt);

/* The raw register value as a double (before scale/offset); bits -> the word. */
double regmap_raw(const rig_point *pt, const uint16_t *regs);

/* Decode the point's registers (regs[0] is the register at pt->address) to SI. */
double regmap_decode(const rig_point *pt, const uint16_t *regs);

/* Encode an SI value into the point's registers. Rounds to the nearest raw
 * integer for integer types. Returns RIGOR_ELIMIT when the value does not fit
 * the type, RIGOR_EINVAL for non-finite input or a bits point. */
int regmap_encode(const rig_point *pt, double si, uint16_t *regs);

/* A status word of a bits point -> RIG_SB_* flags. */
uint32_t regmap_status(const rig_point *pt, uint16_t word);

/* Control flags (1u << RIG_CTL_*) -> the control word of a bits point. Flags the
 * device has no bit for are dropped. */
uint16_t regmap_control(const rig_point *pt, unsigned flags);

/* One read request: `count` registers from `start` in `table` of device `device`. */
typedef struct {
    int device;
    reg_table table;
    uint16_t start;
    uint16_t count;
} regmap_block;

#define REGMAP_MAX_BLOCKS 16

typedef struct {
    int nblocks;
    regmap_block block[REGMAP_MAX_BLOCKS];
    int8_t block_of[ROLE_COUNT];    /* read roles: index of the block, -1 = not read */
    uint16_t offset_of[ROLE_COUNT]; /* register offset of the point within its block */
} regmap_plan;

/* Group the read roles present in cfg into blocks: points of one device and
 * table are joined when the joined request stays within the device's max_regs
 * and spans at most `bridge` unused registers. Returns RIGOR_OK or RIGOR_EINVAL
 * when more than REGMAP_MAX_BLOCKS requests would be needed. */
int regmap_make_plan(const rig_config *cfg, regmap_plan *plan);

/* True for the roles polled every cycle. */
bool regmap_role_is_read(point_role r);

#endif
