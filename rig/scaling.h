/* scaling.h — what one raw count of a register point is worth, and the checks
 * that follow from it: the smallest speed a rig can command, a watchdog time
 * that the drive would read as 0 (off) or outside its range, a limit that
 * does not fit the register.
 *
 * A point's value is si = ((raw * scale) + offset) * unit_scale + unit_offset
 * (rig/regmap.h), so one count is |scale * unit_scale| in SI. Integer points
 * are written rounded to the nearest count: a value below half a count is
 * written as 0. Pure functions, no I/O.
 */
#ifndef RIGOR_SCALING_H
#define RIGOR_SCALING_H

#include "../common/error.h"
#include "rigfile.h"

/* Units on the motor side of a screw drive (rig_point.motor): `unit = rpm`
 * (velocity: one rpm of the motor is lead / gear / 60 m/s of crosshead),
 * `unit = rev` (position: one motor turn is lead / gear m), `unit = counts`
 * (position: one encoder count is lead / (gear * counts_per_rev) m). The
 * point then needs `lead` (and `counts_per_rev` for counts; `gear` is 1
 * unless given). */
enum { SCALE_NONE = 0, SCALE_RPM, SCALE_REV, SCALE_COUNTS };

/* "rpm", "rev", "counts" -> SCALE_*; SCALE_NONE for anything else. */
int scaling_motor_unit(const char *unit);

/* SI value of one raw count of `pt` (|scale * unit scale|; > 0 for a valid point). */
double scaling_count_si(const rig_point *pt);

/* Largest raw magnitude the point's type holds (65535 for u16, 32767 for i16,
 * ...; HUGE_VAL for f32). */
double scaling_raw_max(const rig_point *pt);

/* The raw count an SI value is written as (rounded to the nearest count;
 * for f32 points the unrounded value). */
double scaling_counts(const rig_point *pt, double si);

/* The smallest non-zero crosshead speed this rig can command (m/s): one count
 * of [point velocity_cmd]; 0 when the setpoint is a float (no floor). A
 * protocol speed below it would be written as 0 or as a count that is more
 * than twice the request; `rigor check --rig` refuses it. */
double rig_speed_min_m_s(const rig_config *c);

/* True when the rig can move to a position (a `return` step): it has
 * [point position_cmd] and a mode point with a position value (the driver's
 * rig_cmd_position refuses otherwise). */
bool rig_has_position_mode(const rig_config *c);

/* The lowest sampling rate (Hz) this rig can be run at: the loop feeds the
 * drive's watchdog once a cycle (its requests, the heartbeat), so a cycle
 * must come at least 4 times per watchdog time (a cycle late by one failed
 * request still feeds it in time); and a watched transmitter tick must be
 * seen at least twice per tick_timeout. 0 when nothing bounds it. */
double rig_min_rate_hz(const rig_config *c);

/* A requested rate (rigor run --rate) below rig_min_rate_hz: RIGOR_EINVAL
 * with why filled; RIGOR_OK otherwise (rate 0 = the link's best, always
 * allowed; the cap at max_rate is rig_start's). */
int rig_check_rate(const rig_config *c, double rate_hz, char *why, size_t n);

/* Whole-file checks of the command points, run by rigfile_parse after the
 * structural checks (so every point it looks at is complete):
 *  - scale x unit is finite and non-zero for every point;
 *  - speed_max is at least one count of velocity_cmd and fits its type;
 *  - the travel fits position_cmd's type;
 *  - the watchdog time is at least one count of [point watchdog], is within
 *    that point's `min`/`max` (the drive's range) and fits its type; a
 *    watchdog given without a point to write it to is an error;
 * motor units (rpm, rev, counts) are turned into SI with lead, gear and
 * counts_per_rev first (missing ones are errors);
 * and fills c->watchdog_text and the warnings (watchdog off, no watchdog
 * point, a watchdog time that the drive's unit rounds). Returns RIGOR_OK or
 * RIGOR_EPARSE with *d set (file `name`, line of the offending key). */
int scaling_validate(rig_config *c, const char *name, rigor_diag *d);

#endif
