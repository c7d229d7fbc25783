/* rigfile_keys.c — one function per rig-file section: each key is checked as
 * it comes (type, range, unit) and stored in the rig_config. The whole-file
 * checks are in rigfile.c (see rigfile_priv.h).
 */
#include "rigfile_priv.h"
#include "regmap.h"
#include "scaling.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (end == s || *end || errno || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1"))
        *out = true;
    else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0"))
        *out = false;
    else
        return false;
    return true;
}

/* "500 N", "0.2 s", "-50mm": a number and a unit of dimension `dim` -> SI. */
static int parse_quantity(parser *p, const char *key, const char *v, long col, unit_dim dim,
                          double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || errno || !isfinite(x))
        FAIL(p, col, "%s: expected a number with a unit (e.g. '%s'), got '%s'", key,
             dim == DIM_FORCE  ? "500 N"
             : dim == DIM_TIME ? "200 ms"
                               : "100 mm",
             v);
    while (*end == ' ' || *end == '\t')
        end++;
    if (!*end)
        FAIL(p, col, "%s: '%s' needs a unit of %s", key, v, units_dim_name(dim));
    unit_info u;
    if (!units_parse(end, &u)) {
        rigor_diag_set(p->diag, p->name, p->line, col + (long)(end - v),
                       "%s: unknown unit '%s'", key, end);
        return RIGOR_EUNIT;
    }
    if (u.dim != dim) {
        rigor_diag_set(p->diag, p->name, p->line, col + (long)(end - v),
                       "%s: unit '%s' is a %s, expected a %s", key, end, units_dim_name(u.dim),
                       units_dim_name(dim));
        return RIGOR_EUNIT;
    }
    /* A finite number can still overflow in SI ("capacity = 1e306 kN" is
     * 1e309 N = inf, and no limit can ever trip on inf). */
    double si = x * u.scale + u.offset;
    if (!isfinite(si))
        FAIL(p, col, "%s: '%s' is beyond any representable %s", key, v, units_dim_name(dim));
    *out = si;
    return RIGOR_OK;
}

/* "name:N name:N ..." against a table of names -> out[index] = N. */
static int parse_pairs(parser *p, const char *key, const char *v, long col,
                       const char *const *names, int nnames, long lo, long hi, long *out,
                       bool *seen)
{
    const char *s = v;
    int count = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (!*s)
            break;
        const char *w = s;
        while (*s && *s != ':' && *s != ' ' && *s != '\t' && *s != ',')
            s++;
        size_t wl = (size_t)(s - w);
        long wcol = col + (long)(w - v);
        if (*s != ':')
            FAIL(p, wcol, "%s: expected name:number, got '%.*s'", key, (int)wl, w);
        int idx = -1;
        for (int i = 0; i < nnames; i++)
            if (strlen(names[i]) == wl && !strncmp(names[i], w, wl))
                idx = i;
        if (idx < 0)
            FAIL(p, wcol, "%s: unknown name '%.*s'", key, (int)wl, w);
        s++;
        const char *n = s;
        while (*s && *s != ' ' && *s != '\t' && *s != ',')
            s++;
        char num[32];
        snprintf(num, sizeof num, "%.*s", (int)(s - n), n);
        long val;
        if (!parse_long(num, lo, hi, &val))
            FAIL(p, col + (long)(n - v), "%s: '%s' is not a number in %ld..%ld", key, num, lo,
                 hi);
        if (seen[idx])
            FAIL(p, wcol, "%s: '%.*s' given twice", key, (int)wl, w);
        seen[idx] = true;
        out[idx] = val;
        count++;
    }
    if (!count)
        FAIL(p, col, "%s: expected at least one name:number", key);
    return RIGOR_OK;
}

int rf_parse_quantity(parser *p, const char *key, const char *v, long col, unit_dim dim,
                      double *out)
{
    return parse_quantity(p, key, v, col, dim, out);
}

/* "name:N name:!N ...": each name a flag of `names`, N its bit 0..15, "!" an
 * active-low bit (the flag is set when the bit is 0). A status name may be
 * given more than once: several device bits mean one Rigor condition (any of
 * them set sets it). A control name only once (one bit is written). */
static int parse_bits(parser *p, rig_point *pt, const char *v, long col,
                      const char *const *names, int nnames, bool status)
{
    const char *s = v;
    int count = 0;
    uint16_t used = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        if (!*s)
            break;
        const char *w = s;
        while (*s && *s != ':' && *s != ' ' && *s != '\t' && *s != ',')
            s++;
        size_t wl = (size_t)(s - w);
        long wcol = col + (long)(w - v);
        if (*s != ':')
            FAIL(p, wcol, "bits: expected name:bit, got '%.*s'", (int)wl, w);
        int idx = -1;
        for (int i = 0; i < nnames; i++)
            if (strlen(names[i]) == wl && !strncmp(names[i], w, wl))
                idx = i;
        if (idx < 0)
            FAIL(p, wcol, "bits: unknown name '%.*s'", (int)wl, w);
        s++;
        bool low = *s == '!';
        if (low)
            s++;
        const char *nb = s;
        while (*s && *s != ' ' && *s != '\t' && *s != ',')
            s++;
        char num[16];
        snprintf(num, sizeof num, "%.*s", (int)(s - nb), nb);
        long bit;
        if (!parse_long(num, 0, 15, &bit))
            FAIL(p, col + (long)(nb - v), "bits: '%s' is not a bit number in 0..15", num);
        uint16_t m = (uint16_t)(1u << bit);
        if (used & m)
            FAIL(p, col + (long)(nb - v), "bits: bit %ld is given twice", bit);
        used |= m;
        if (pt->bit[idx] < 0)
            pt->bit[idx] = (int8_t)bit;
        else if (status)
            pt->more[idx] |= m;
        else
            FAIL(p, wcol, "bits: '%.*s' given twice", (int)wl, w);
        if (low)
            pt->active_low |= m;
        count++;
    }
    if (!count)
        FAIL(p, col, "bits: expected at least one name:bit");
    return RIGOR_OK;
}

int rf_key_rig(parser *p, const char *k, const char *v, long col)
{
    rig_config *c = p->cfg;
    long n;
    if (!strcmp(k, "name")) {
        snprintf(c->name, sizeof c->name, "%s", v);
    } else if (!strcmp(k, "transport")) {
        if (!strcasecmp(v, "tcp"))
            c->transport = RIG_TCP;
        else if (!strcasecmp(v, "rtu"))
            c->transport = RIG_RTU;
        else
            FAIL(p, col, "transport: expected 'tcp' or 'rtu', got '%s'", v);
    } else if (!strcmp(k, "host")) {
        snprintf(c->host, sizeof c->host, "%s", v);
    } else if (!strcmp(k, "port")) {
        if (!parse_long(v, 1, 65535, &n))
            FAIL(p, col, "port: expected a number in 1..65535, got '%s'", v);
        c->port = (int)n;
    } else if (!strcmp(k, "device")) {
        snprintf(c->device, sizeof c->device, "%s", v);
    } else if (!strcmp(k, "baud")) {
        if (!parse_long(v, 300, 4000000, &n))
            FAIL(p, col, "baud: expected a number in 300..4000000, got '%s'", v);
        c->baud = (int)n;
    } else if (!strcmp(k, "parity")) {
        if (strlen(v) != 1 || !strchr("NEOneo", v[0]))
            FAIL(p, col, "parity: expected N, E or O, got '%s'", v);
        c->parity = (char)toupper((unsigned char)v[0]);
    } else if (!strcmp(k, "data_bits")) {
        if (!parse_long(v, 5, 8, &n))
            FAIL(p, col, "data_bits: expected 5..8, got '%s'", v);
        c->data_bits = (int)n;
    } else if (!strcmp(k, "stop_bits")) {
        if (!parse_long(v, 1, 2, &n))
            FAIL(p, col, "stop_bits: expected 1 or 2, got '%s'", v);
        c->stop_bits = (int)n;
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [rig] (expected name, transport, host, port, device, "
             "baud, parity, data_bits, stop_bits)",
             k);
    }
    return RIGOR_OK;
}

int rf_key_limits(parser *p, const char *k, const char *v, long col)
{
    static const unit_dim dims[8] = {DIM_FORCE, DIM_LENGTH, DIM_LENGTH, DIM_VELOCITY,
                                     DIM_FORCE, DIM_FORCE,  DIM_LENGTH, DIM_LENGTH};
    rig_config *c = p->cfg;
    double *dst[8] = {&c->capacity_N,     &c->travel_min_m,  &c->travel_max_m,
                      &c->speed_max_m_s,  &c->force_min_N,   &c->force_max_N,
                      &c->position_min_m, &c->position_max_m};
    for (int i = 0; i < 8; i++) {
        if (!strcmp(k, rf_limit_keys[i])) {
            int rc = parse_quantity(p, k, v, col, dims[i], dst[i]);
            if (rc)
                return rc;
            p->lim_line[i] = p->line;
            return RIGOR_OK;
        }
    }
    FAIL(p, 1,
         "unknown key '%s' in [limits] (expected capacity, travel_min, travel_max, "
         "speed_max, force_min, force_max, position_min, position_max)",
         k);
}

int rf_key_safety(parser *p, const char *k, const char *v, long col)
{
    rig_config *c = p->cfg;
    long n;
    if (!strcmp(k, "fail_limit")) {
        if (!parse_long(v, 1, 1000, &n))
            FAIL(p, col, "fail_limit: expected a count in 1..1000, got '%s'", v);
        c->fail_limit = (int)n;
    } else if (!strcmp(k, "retries")) {
        if (!parse_long(v, 0, 10, &n))
            FAIL(p, col, "retries: expected a count in 0..10, got '%s'", v);
        c->retries = (int)n;
    } else if (!strcmp(k, "watchdog")) {
        /* Off must be said in words: a 0 (or a time the drive's unit rounds
         * to 0) once switched the watchdog off without a word. */
        c->watchdog_line = p->line;
        c->watchdog_off = false;
        if (!strcasecmp(v, "off")) {
            c->watchdog_off = true;
            c->watchdog_s = 0;
            return RIGOR_OK;
        }
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->watchdog_s);
        if (rc)
            return rc;
        if (c->watchdog_s == 0)
            FAIL(p, col,
                 "watchdog: 0 would switch the drive's watchdog off; write "
                 "'watchdog = off' if that is meant");
        if (c->watchdog_s < 0 || c->watchdog_s > 3600)
            FAIL(p, col, "watchdog: must be in (0, 3600] s, or 'off'");
    } else if (!strcmp(k, "tick_timeout")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->tick_timeout_s);
        if (rc)
            return rc;
        if (c->tick_timeout_s < 0 || c->tick_timeout_s > 60)
            FAIL(p, col, "tick_timeout: must be in 0..60 s");
        p->tick_line = p->line;
    } else if (!strcmp(k, "reconnect_max")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->reconnect_max_s);
        if (rc)
            return rc;
        /* Below 10 ms the reconnect loop hammers the gateway; beyond a minute
         * a rig that comes back is not noticed for longer than any test waits. */
        if (!(c->reconnect_max_s >= 0.01 && c->reconnect_max_s <= 60))
            FAIL(p, col, "reconnect_max: must be in 10 ms..60 s");
    } else if (!strcmp(k, "max_rate")) {
        int rc = parse_quantity(p, k, v, col, DIM_FREQUENCY, &c->max_rate_hz);
        if (rc)
            return rc;
        /* Below 1 Hz no limit, fracture or heartbeat check runs in time. */
        if (!(c->max_rate_hz >= 1 && c->max_rate_hz <= 1000))
            FAIL(p, col, "max_rate: must be in 1..1000 Hz");
    } else if (!strcmp(k, "enable_timeout")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->enable_timeout_s);
        if (rc)
            return rc;
        if (!(c->enable_timeout_s >= 0 && c->enable_timeout_s <= 30))
            FAIL(p, col, "enable_timeout: must be in 0..30 s");
        p->enable_line = p->line;
    } else if (!strcmp(k, "realtime")) {
        if (!rt_mode_parse(v, &c->realtime))
            FAIL(p, col, "realtime: expected auto, required or off, got '%s'", v);
    } else if (!strcmp(k, "spin")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->spin_s);
        if (rc)
            return rc;
        if (c->spin_s < 0 || c->spin_s > 0.01)
            FAIL(p, col, "spin: must be in 0..10 ms");
    } else if (!strcmp(k, "keep_awake")) {
        if (!parse_bool(v, &c->keep_awake))
            FAIL(p, col, "keep_awake: expected yes or no, got '%s'", v);
    } else if (!strcmp(k, "invalid_limit")) {
        /* One more invalid sample in a row than this is a FAULT; 0 would
         * fault on the first glitch of a healthy transmitter. */
        if (!parse_long(v, 1, 1000, &n))
            FAIL(p, col, "invalid_limit: expected a count in 1..1000, got '%s'", v);
        c->invalid_limit = (int)n;
    } else if (!strcmp(k, "frozen_timeout") || !strcmp(k, "motion_timeout")) {
        /* Below 10 ms one slow reply reads as frozen data or a drive that
         * does not move; beyond a minute the crosshead runs on unseen. */
        double *dst = k[0] == 'f' ? &c->frozen_timeout_s : &c->motion_timeout_s;
        int rc = parse_quantity(p, k, v, col, DIM_TIME, dst);
        if (rc)
            return rc;
        if (!(*dst >= 0.01 && *dst <= 60))
            FAIL(p, col, "%s: must be in 10 ms..60 s", k);
    } else if (!strcmp(k, "position_noise")) {
        /* 0 would call every encoder count a motion; beyond 10 mm a drive
         * that does not move is noticed only after a long stretch of travel. */
        int rc = parse_quantity(p, k, v, col, DIM_LENGTH, &c->position_noise_m);
        if (rc)
            return rc;
        if (!(c->position_noise_m > 0 && c->position_noise_m <= 0.01))
            FAIL(p, col, "position_noise: must be in (0, 10] mm");
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [safety] (expected fail_limit, retries, watchdog, "
             "tick_timeout, reconnect_max, max_rate, realtime, spin, keep_awake, "
             "enable_timeout, invalid_limit, frozen_timeout, motion_timeout, "
             "position_noise)",
             k);
    }
    return RIGOR_OK;
}

int rf_key_device(parser *p, const char *k, const char *v, long col)
{
    rig_device *d = &p->cfg->dev[p->cur];
    long n;
    double x;
    int lrc = RIGOR_OK;
    if (!strcmp(k, "slave")) {
        if (!parse_long(v, 1, 247, &n))
            FAIL(p, col, "slave: expected an id in 1..247, got '%s'", v);
        d->slave = (int)n;
        p->dev_has_slave[p->cur] = true;
    } else if (!strcmp(k, "response_timeout")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &x);
        if (rc)
            return rc;
        if (x <= 0 || x > 10)
            FAIL(p, col, "response_timeout: must be in (0, 10] s");
        d->response_timeout_s = x;
    } else if (!strcmp(k, "gap")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &x);
        if (rc)
            return rc;
        if (x < 0 || x > 1)
            FAIL(p, col, "gap: must be in 0..1 s");
        d->gap_s = x;
    } else if (!strcmp(k, "max_regs")) {
        if (!parse_long(v, 1, 125, &n))
            FAIL(p, col, "max_regs: expected 1..125, got '%s'", v);
        d->max_regs = (int)n;
    } else if (!strcmp(k, "bridge")) {
        if (!parse_long(v, 0, 124, &n))
            FAIL(p, col, "bridge: expected 0..124, got '%s'", v);
        d->bridge = (int)n;
    } else if (!strcmp(k, "eeprom")) {
        return rf_key_eeprom(p, d, v, col);
    } else if (rf_key_device_link(p, p->cur, k, v, col, &lrc)) {
        return lrc;
    } else if (!strcmp(k, "fc06")) {
        if (!parse_bool(v, &d->fc06))
            FAIL(p, col, "fc06: expected yes or no, got '%s'", v);
    } else if (!strcmp(k, "no_heartbeat")) {
        if (!parse_bool(v, &d->no_heartbeat))
            FAIL(p, col, "no_heartbeat: expected yes or no, got '%s'", v);
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [device %s] (expected slave, response_timeout, gap, "
             "max_regs, bridge, fc06, no_heartbeat, eeprom, transport, host, port, device, "
             "baud, parity, data_bits, stop_bits)",
             k, d->name);
    }
    return RIGOR_OK;
}

int rf_key_point(parser *p, const char *k, const char *v, long col)
{
    int role = p->cur;
    rig_point *pt = &p->cfg->point[role];
    long n;
    if (!strcmp(k, "device")) {
        snprintf(p->point_dev[role], sizeof p->point_dev[role], "%s", v);
        p->point_dev_line[role] = p->line;
        p->point_dev_col[role] = col;
    } else if (!strcmp(k, "table")) {
        if (!strcasecmp(v, "hr") || !strcasecmp(v, "holding"))
            pt->table = TBL_HR;
        else if (!strcasecmp(v, "ir") || !strcasecmp(v, "input"))
            pt->table = TBL_IR;
        else
            FAIL(p, col, "table: expected 'hr' or 'ir', got '%s'", v);
        p->point_has[role][0] = true;
    } else if (!strcmp(k, "address")) {
        if (!parse_long(v, 0, 65535, &n))
            FAIL(p, col, "address: expected a register address in 0..65535, got '%s'", v);
        pt->address = (uint16_t)n;
        p->point_has[role][1] = true;
    } else if (!strcmp(k, "type")) {
        static const char *const t[] = {"u16", "i16", "u32", "i32", "f32", "bits"};
        int found = -1;
        for (int i = 0; i < 6; i++)
            if (!strcasecmp(v, t[i]))
                found = i;
        if (found < 0)
            FAIL(p, col, "type: expected u16, i16, u32, i32, f32 or bits, got '%s'", v);
        pt->type = (point_type)found;
        p->point_has[role][2] = true;
    } else if (!strcmp(k, "order")) {
        if (!words_order_parse(v, &pt->order))
            FAIL(p, col, "order: expected a word order ABCD, CDAB, BADC or DCBA, got '%s'", v);
    } else if (!strcmp(k, "scale")) {
        if (!parse_double(v, &pt->scale) || pt->scale == 0)
            FAIL(p, col, "scale: expected a non-zero number, got '%s'", v);
    } else if (!strcmp(k, "offset")) {
        if (!parse_double(v, &pt->offset))
            FAIL(p, col, "offset: expected a number, got '%s'", v);
    } else if (!strcmp(k, "unit")) {
        unit_info u;
        int motor = scaling_motor_unit(v);
        if (motor) {
            /* SI per unit once lead and gear are known (scaling_validate) */
            snprintf(pt->unit, sizeof pt->unit, "%s", v);
            pt->motor = motor;
            pt->si = (unit_info){motor == SCALE_RPM ? DIM_VELOCITY : DIM_LENGTH, NAN, 0};
            return RIGOR_OK;
        }
        if (!units_parse(v, &u)) {
            rigor_diag_set(p->diag, p->name, p->line, col, "unit: unknown unit '%s'", v);
            return RIGOR_EUNIT;
        }
        snprintf(pt->unit, sizeof pt->unit, "%s", v);
        pt->si = u;
    } else if (!strcmp(k, "bits")) {
        bool status = role == ROLE_DRIVE_STATUS || role == ROLE_FORCE_STATUS ||
                      role == ROLE_EXT_STATUS || role == ROLE_DRIVE_STATUS2;
        if (!status && role != ROLE_CONTROL)
            FAIL(p, 1, "bits: only status and control points have bits");
        int rc = parse_bits(p, pt, v, col, status ? rf_status_bit_names : rf_control_bit_names,
                            status ? RIG_SB_COUNT : RIG_CTL_COUNT, status);
        if (rc)
            return rc;
        p->point_has[role][3] = true;
    } else if (!strcmp(k, "constant")) {
        /* Bits some drives need set in every control word (e.g. "switch on"
         * and "enable voltage" of a CiA 402 control word). */
        if (role != ROLE_CONTROL)
            FAIL(p, 1, "constant: only the control point has constant bits");
        if (!parse_long(v, 0, 65535, &n))
            FAIL(p, col, "constant: expected a 16-bit mask (e.g. 0x0006), got '%s'", v);
        pt->constant = (uint16_t)n;
    } else if (!strcmp(k, "values")) {
        if (role != ROLE_MODE)
            FAIL(p, 1, "values: only the mode point has values");
        long m[RIG_MODE_COUNT];
        bool seen[RIG_MODE_COUNT] = {false};
        int rc = parse_pairs(p, k, v, col, rf_mode_names, RIG_MODE_COUNT, 0, 65535, m, seen);
        if (rc)
            return rc;
        if (!seen[RIG_MODE_VELOCITY])
            FAIL(p, col, "values: the velocity mode value is required");
        for (int i = 0; i < RIG_MODE_COUNT; i++)
            pt->values[i] = seen[i] ? (int32_t)m[i] : -1;
        p->point_has[role][3] = true;
    } else if (!strcmp(k, "value")) {
        if (!parse_long(v, 0, 65535, &n))
            FAIL(p, col, "value: expected 0..65535, got '%s'", v);
        pt->value = (uint16_t)n;
    } else if (!strcmp(k, "alarm")) {
        if (role != ROLE_FAULT_CODE)
            FAIL(p, 1, "alarm: only the fault_code point has alarm codes");
        return rf_key_alarm(p, v, col);
    } else if (!strcmp(k, "field")) {
        /* strtol, not sscanf: an out-of-range number is an error, not UB */
        char *e1 = NULL, *e2 = NULL;
        errno = 0;
        long lo = strtol(v, &e1, 10);
        long hi = e1 != v && !strncmp(e1, "..", 2) ? strtol(e1 + 2, &e2, 10) : -1;
        if (e1 == v || !e2 || e2 == e1 + 2 || *e2 || errno || lo < 0 || hi > 15 || lo > hi)
            FAIL(p, col, "field: expected bits LO..HI within 0..15, got '%s'", v);
        if (regmap_role_is_read((point_role)role) == false)
            FAIL(p, 1, "field: only read points have a bit field");
        pt->field_lo = (int8_t)lo;
        pt->field_n = (int8_t)(hi - lo + 1);
    } else if (!strcmp(k, "lead")) {
        int rc = parse_quantity(p, k, v, col, DIM_LENGTH, &pt->lead_m);
        if (rc)
            return rc;
        if (!(pt->lead_m > 0))
            FAIL(p, col, "lead: must be positive");
    } else if (!strcmp(k, "gear") || !strcmp(k, "counts_per_rev")) {
        double x;
        if (!parse_double(v, &x) || !(x > 0) || x > 1e9)
            FAIL(p, col, "%s: expected a positive number, got '%s'", k, v);
        *(k[0] == 'g' ? &pt->gear : &pt->counts_per_rev) = x;
    } else if (!strcmp(k, "min") || !strcmp(k, "max")) {
        /* The device's range for the value (e.g. a watchdog of 1..20 s). */
        unit_dim dim = rf_role_dim(role);
        if (dim == DIM_NONE)
            FAIL(p, 1, "%s: [point %s] has no physical unit to give a range in", k,
                 rf_role_names[role]);
        bool mx = k[1] == 'a';
        int rc = parse_quantity(p, k, v, col, dim, mx ? &pt->max_si : &pt->min_si);
        if (rc)
            return rc;
        *(mx ? &pt->has_max : &pt->has_min) = true;
        if (pt->has_min && pt->has_max && pt->min_si > pt->max_si)
            FAIL(p, col, "%s: the range's min is above its max", k);
    } else if (!strcmp(k, "fc")) {
        if (!parse_long(v, 0, 255, &n) || (n != 6 && n != 16))
            FAIL(p, col, "fc: expected 6 or 16, got '%s'", v);
        pt->fc = (int)n;
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [point %s] (expected device, table, address, type, "
             "order, scale, offset, unit, lead, gear, counts_per_rev, bits, constant, values, "
             "value, min, max, fc, alarm, field)",
             k, rf_role_names[role]);
    }
    return RIGOR_OK;
}
