/* scaling.c — raw counts of register points, and the rig-file checks that
 * depend on them (see scaling.h). */
#include "scaling.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int scaling_motor_unit(const char *unit)
{
    if (!strcmp(unit, "rpm"))
        return SCALE_RPM;
    if (!strcmp(unit, "rev"))
        return SCALE_REV;
    if (!strcmp(unit, "counts"))
        return SCALE_COUNTS;
    return SCALE_NONE;
}

double scaling_count_si(const rig_point *pt)
{
    return fabs(pt->scale * pt->si.scale);
}

double scaling_raw_max(const rig_point *pt)
{
    switch (pt->type) {
    case PT_U16:
    case PT_BITS: return 65535.0;
    case PT_I16: return 32767.0;
    case PT_U32: return 4294967295.0;
    case PT_I32: return 2147483647.0;
    default: return HUGE_VAL;
    }
}

double scaling_counts(const rig_point *pt, double si)
{
    /* Inverse of si = ((raw * scale) + offset) * unit_scale + unit_offset. */
    double raw = ((si - pt->si.offset) / pt->si.scale - pt->offset) / pt->scale;
    return pt->type == PT_F32 ? raw : nearbyint(raw);
}

double rig_speed_min_m_s(const rig_config *c)
{
    const rig_point *pt = &c->point[ROLE_VELOCITY_CMD];
    if (!pt->present || pt->type == PT_F32)
        return 0;
    return scaling_count_si(pt);
}

bool rig_has_position_mode(const rig_config *c)
{
    return c->point[ROLE_POSITION_CMD].present && c->point[ROLE_MODE].present &&
           c->point[ROLE_MODE].values[RIG_MODE_POSITION] >= 0;
}

double rig_min_rate_hz(const rig_config *c)
{
    double lo = 0;
    if (c->watchdog_s > 0 && c->point[ROLE_WATCHDOG].present)
        lo = 4.0 / c->watchdog_s;
    if (c->tick_timeout_s > 0 && c->point[ROLE_TICK].present && 2.0 / c->tick_timeout_s > lo)
        lo = 2.0 / c->tick_timeout_s;
    return lo;
}

int rig_check_rate(const rig_config *c, double rate_hz, char *why, size_t n)
{
    if (rate_hz == 0)
        return RIGOR_OK;
    double lo = rig_min_rate_hz(c);
    if (!(rate_hz >= lo)) {
        snprintf(why, n,
                 "--rate %g Hz is too low for %s: at least %g Hz (%s %g ms must see %s)",
                 rate_hz, c->path, lo,
                 lo == 4.0 / c->watchdog_s ? "the drive watchdog" : "tick_timeout",
                 (lo == 4.0 / c->watchdog_s ? c->watchdog_s : c->tick_timeout_s) * 1e3,
                 lo == 4.0 / c->watchdog_s ? "4 cycles, or the drive stops on its own"
                                           : "2 ticks, or steady force reads as frozen");
        return RIGOR_EINVAL;
    }
    return RIGOR_OK;
}

static void warn(rig_config *c, const char *name, long line, const char *fmt, ...)
{
    if (c->nwarn >= RIGFILE_MAX_WARN)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->warn[c->nwarn++], sizeof c->warn[0], "%s:%ld: warning: %s", name, line, msg);
}

#define FAILAT(line, ...)                                                                      \
    do {                                                                                       \
        rigor_diag_set(d, name, (line), 0, __VA_ARGS__);                                       \
        return RIGOR_EPARSE;                                                                   \
    } while (0)

/* A time in the friendliest of s/ms/us for messages. */
static const char *fmt_time(double s, char *buf, size_t n)
{
    if (s >= 1)
        snprintf(buf, n, "%g s", s);
    else if (s >= 1e-3)
        snprintf(buf, n, "%g ms", s * 1e3);
    else
        snprintf(buf, n, "%g us", s * 1e6);
    return buf;
}

static int check_watchdog(rig_config *c, const char *name, rigor_diag *d)
{
    const rig_point *pt = &c->point[ROLE_WATCHDOG];
    long line = c->watchdog_line;
    char a[32], b[32], e[32];
    if (c->watchdog_off) {
        snprintf(c->watchdog_text, sizeof c->watchdog_text, "off (rig file line %ld)", line);
        warn(c, name, line,
             "watchdog = off: the drive keeps moving at its last speed if Rigor stops "
             "talking to it");
        c->watchdog_s = 0;
        return RIGOR_OK;
    }
    if (!pt->present) {
        if (line)
            FAILAT(line,
                   "watchdog %s: the rig has no [point watchdog] to write it to (add the "
                   "point, or write 'watchdog = off')",
                   fmt_time(c->watchdog_s, a, sizeof a));
        snprintf(c->watchdog_text, sizeof c->watchdog_text, "none (no [point watchdog])");
        warn(c, name, 0,
             "no [point watchdog]: unless the drive watches the link itself, it keeps moving "
             "if Rigor stops talking to it");
        c->watchdog_s = 0;
        return RIGOR_OK;
    }
    /* The key's line, or the point's when the 250 ms default is what fails. */
    long at = line ? line : pt->line;
    const char *what = line ? "watchdog" : "the default watchdog";
    double one = scaling_count_si(pt);
    double n = scaling_counts(pt, c->watchdog_s);
    double sent = n * one;
    if (!(n >= 1))
        FAILAT(at,
               "%s %s rounds to %g counts of [point watchdog] (1 count = %s): the drive "
               "would read it as off; give at least %s, or write 'watchdog = off'",
               what, fmt_time(c->watchdog_s, a, sizeof a), n < 0 ? n : 0.0,
               fmt_time(one, b, sizeof b), fmt_time(one, e, sizeof e));
    if (n > scaling_raw_max(pt))
        FAILAT(at, "%s %s is %g counts of [point watchdog], beyond its type (at most %g)", what,
               fmt_time(c->watchdog_s, a, sizeof a), n, scaling_raw_max(pt));
    if ((pt->has_min && sent < pt->min_si * (1 - 1e-9)) ||
        (pt->has_max && sent > pt->max_si * (1 + 1e-9)))
        FAILAT(at, "%s %s is outside the drive's range %s..%s ([point watchdog] line %ld)",
               what, fmt_time(sent, a, sizeof a),
               pt->has_min ? fmt_time(pt->min_si, b, sizeof b) : "0",
               pt->has_max ? fmt_time(pt->max_si, e, sizeof e) : "-", pt->line);
    if (fabs(sent - c->watchdog_s) > 1e-9 * c->watchdog_s + 1e-12)
        warn(c, name, at, "watchdog %s is sent as %g counts = %s (the drive's unit)",
             fmt_time(c->watchdog_s, a, sizeof a), n, fmt_time(sent, b, sizeof b));
    snprintf(c->watchdog_text, sizeof c->watchdog_text, "%s (%g counts of %s)",
             fmt_time(sent, a, sizeof a), n, fmt_time(one, b, sizeof b));
    c->watchdog_s = sent;
    return RIGOR_OK;
}

/* Motor units -> SI per unit (scaling.h): crosshead travel = motor turns x
 * lead / gear, so 1 rpm = lead / gear / 60 m/s and 1 count = lead / (gear x
 * counts_per_rev) m. */
static int motor_units(rig_config *c, const char *name, rigor_diag *d)
{
    for (int r = 0; r < ROLE_COUNT; r++) {
        rig_point *pt = &c->point[r];
        if (!pt->present)
            continue;
        const char *role = rigfile_role_name((point_role)r);
        if (!pt->motor) {
            if (pt->lead_m > 0 || pt->gear > 0 || pt->counts_per_rev > 0)
                FAILAT(pt->line,
                       "[point %s]: lead, gear and counts_per_rev need unit = rpm, rev or "
                       "counts",
                       role);
            continue;
        }
        if (!(pt->lead_m > 0))
            FAILAT(pt->line, "[point %s]: unit = %s needs 'lead' (the screw lead, e.g. 5 mm)",
                   role, pt->unit);
        double gear = pt->gear > 0 ? pt->gear : 1;
        if (pt->motor == SCALE_COUNTS && !(pt->counts_per_rev > 0))
            FAILAT(pt->line,
                   "[point %s]: unit = counts needs 'counts_per_rev' (encoder counts per "
                   "motor turn)",
                   role);
        pt->si.offset = 0;
        pt->si.scale = pt->motor == SCALE_RPM   ? pt->lead_m / gear / 60
                       : pt->motor == SCALE_REV ? pt->lead_m / gear
                                                : pt->lead_m / (gear * pt->counts_per_rev);
    }
    return RIGOR_OK;
}

int scaling_validate(rig_config *c, const char *name, rigor_diag *d)
{
    int mrc = motor_units(c, name, d);
    if (mrc)
        return mrc;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const rig_point *pt = &c->point[r];
        if (!pt->present)
            continue;
        double one = scaling_count_si(pt);
        if (!isfinite(one) || one < 1e-300)
            FAILAT(pt->line, "[point %s]: scale %g x unit '%s' is not a usable number",
                   rigfile_role_name((point_role)r), pt->scale, pt->unit);
    }
    const rig_point *v = &c->point[ROLE_VELOCITY_CMD];
    if (v->present && v->type != PT_F32) {
        double one = scaling_count_si(v);
        double n = c->speed_max_m_s / one;
        if (n < 1)
            FAILAT(v->line,
                   "[point velocity_cmd]: one count is %g mm/s, more than speed_max %g mm/s: "
                   "no speed up to speed_max can be commanded",
                   one * 1e3, c->speed_max_m_s * 1e3);
        if (n > scaling_raw_max(v))
            FAILAT(v->line,
                   "[point velocity_cmd]: speed_max %g mm/s is %.0f counts, beyond its type "
                   "(at most %.0f)",
                   c->speed_max_m_s * 1e3, n, scaling_raw_max(v));
    }
    if (v->present && v->has_max && c->speed_max_m_s > v->max_si * (1 + 1e-9))
        FAILAT(v->line, "speed_max %g mm/s is beyond the drive's range (max %g mm/s)",
               c->speed_max_m_s * 1e3, v->max_si * 1e3);
    const rig_point *x = &c->point[ROLE_POSITION_CMD];
    if (x->present && x->type != PT_F32) {
        double lo = scaling_counts(x, c->travel_min_m), hi = scaling_counts(x, c->travel_max_m);
        double lim = scaling_raw_max(x);
        bool uns = x->type == PT_U16 || x->type == PT_U32;
        if (hi > lim || lo > lim || (uns ? lo < 0 || hi < 0 : lo < -lim - 1 || hi < -lim - 1))
            FAILAT(x->line,
                   "[point position_cmd]: the travel %g..%g mm is %.0f..%.0f counts, beyond "
                   "its type",
                   c->travel_min_m * 1e3, c->travel_max_m * 1e3, lo, hi);
    }
    return check_watchdog(c, name, d);
}
