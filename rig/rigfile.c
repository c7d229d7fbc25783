/* rigfile.c — parse and validate rig files (see rigfile.h, docs/rigfile.md).
 *
 * Parse, then validate, then hand over: the text is read line by line into a
 * rig_config with every key checked as it comes (type, range, unit), then the
 * whole configuration is checked (required sections and roles, devices that
 * exist, units of the right dimension, soft limits inside machine limits).
 * Only a configuration that passes everything is returned.
 */
#include "rigfile.h"

#include "../common/sha256.h"
#include "../common/textfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const role_names[ROLE_COUNT] = {
    "position",     "force",         "extension",        "velocity",   "tick",
    "drive_status", "force_status",  "extension_status", "fault_code", "velocity_cmd",
    "position_cmd", "mode",          "control",          "heartbeat",  "watchdog",
    "tare",         "zero_extension"};

static const char *const status_bit_names[RIG_SB_COUNT] = {
    "enabled",  "moving",   "fault",     "upper_limit", "lower_limit", "estop",
    "watchdog", "overload", "adc_error", "stable",      "attached",    "overrange"};

static const char *const control_bit_names[RIG_CTL_COUNT] = {"enable", "quick_stop",
                                                             "fault_reset"};
static const char *const mode_names[RIG_MODE_COUNT] = {"velocity", "position"};

const char *rigfile_role_name(point_role r)
{
    return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

enum { SEC_NONE, SEC_RIG, SEC_LIMITS, SEC_SAFETY, SEC_DEVICE, SEC_POINT };

typedef struct {
    const char *name; /* file name for diagnostics */
    rigor_diag *diag;
    rig_config *cfg;
    long line;
    int sec; /* SEC_* */
    int cur; /* device index or role of the current section */
    bool seen_rig, seen_limits;
    char point_dev[ROLE_COUNT][32]; /* device name per point, resolved at the end */
    long point_dev_line[ROLE_COUNT], point_dev_col[ROLE_COUNT];
    bool point_has[ROLE_COUNT][4]; /* table, address, type, bits/values seen */
    long dev_line[RIG_MAX_DEVICES];
    bool dev_has_slave[RIG_MAX_DEVICES];
    long lim_line[8]; /* line of each limit key, 0 = default */
    long tick_line;   /* line of tick_timeout, 0 = default */
} parser;

enum { L_CAP, L_TMIN, L_TMAX, L_SPEED, L_FMIN, L_FMAX, L_PMIN, L_PMAX };
static const char *const limit_keys[8] = {"capacity",     "travel_min",  "travel_max",
                                          "speed_max",    "force_min",   "force_max",
                                          "position_min", "position_max"};

#define FAIL(p, col, ...)                                                                      \
    do {                                                                                       \
        rigor_diag_set((p)->diag, (p)->name, (p)->line, (col), __VA_ARGS__);                     \
        return RIGOR_EPARSE;                                                                     \
    } while (0)

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
        rigor_diag_set(p->diag, p->name, p->line, col + (long)(end - v), "%s: unknown unit '%s'",
                     key, end);
        return RIGOR_EUNIT;
    }
    if (u.dim != dim) {
        rigor_diag_set(p->diag, p->name, p->line, col + (long)(end - v),
                     "%s: unit '%s' is a %s, expected a %s", key, end, units_dim_name(u.dim),
                     units_dim_name(dim));
        return RIGOR_EUNIT;
    }
    *out = x * u.scale + u.offset;
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

static int key_rig(parser *p, const char *k, const char *v, long col)
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

static int key_limits(parser *p, const char *k, const char *v, long col)
{
    static const unit_dim dims[8] = {DIM_FORCE, DIM_LENGTH, DIM_LENGTH, DIM_VELOCITY,
                                     DIM_FORCE, DIM_FORCE,  DIM_LENGTH, DIM_LENGTH};
    rig_config *c = p->cfg;
    double *dst[8] = {&c->capacity_N,     &c->travel_min_m,  &c->travel_max_m,
                      &c->speed_max_m_s,  &c->force_min_N,   &c->force_max_N,
                      &c->position_min_m, &c->position_max_m};
    for (int i = 0; i < 8; i++) {
        if (!strcmp(k, limit_keys[i])) {
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

static int key_safety(parser *p, const char *k, const char *v, long col)
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
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->watchdog_s);
        if (rc)
            return rc;
        if (c->watchdog_s < 0 || c->watchdog_s > 65.535)
            FAIL(p, col, "watchdog: must be in 0..65.535 s");
    } else if (!strcmp(k, "tick_timeout")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->tick_timeout_s);
        if (rc)
            return rc;
        if (c->tick_timeout_s < 0)
            FAIL(p, col, "tick_timeout: must not be negative");
        p->tick_line = p->line;
    } else if (!strcmp(k, "reconnect_max")) {
        int rc = parse_quantity(p, k, v, col, DIM_TIME, &c->reconnect_max_s);
        if (rc)
            return rc;
        if (c->reconnect_max_s <= 0)
            FAIL(p, col, "reconnect_max: must be positive");
    } else if (!strcmp(k, "max_rate")) {
        int rc = parse_quantity(p, k, v, col, DIM_FREQUENCY, &c->max_rate_hz);
        if (rc)
            return rc;
        if (c->max_rate_hz <= 0 || c->max_rate_hz > 1000)
            FAIL(p, col, "max_rate: must be in (0, 1000] Hz");
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
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [safety] (expected fail_limit, retries, watchdog, "
             "tick_timeout, reconnect_max, max_rate, realtime, spin, keep_awake)",
             k);
    }
    return RIGOR_OK;
}

static int key_device(parser *p, const char *k, const char *v, long col)
{
    rig_device *d = &p->cfg->dev[p->cur];
    long n;
    double x;
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
    } else if (!strcmp(k, "fc06")) {
        if (!parse_bool(v, &d->fc06))
            FAIL(p, col, "fc06: expected yes or no, got '%s'", v);
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [device %s] (expected slave, response_timeout, gap, "
             "max_regs, bridge, fc06)",
             k, d->name);
    }
    return RIGOR_OK;
}

static int key_point(parser *p, const char *k, const char *v, long col)
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
        if (!units_parse(v, &u)) {
            rigor_diag_set(p->diag, p->name, p->line, col, "unit: unknown unit '%s'", v);
            return RIGOR_EUNIT;
        }
        snprintf(pt->unit, sizeof pt->unit, "%s", v);
        pt->si = u;
    } else if (!strcmp(k, "bits")) {
        bool status =
            role == ROLE_DRIVE_STATUS || role == ROLE_FORCE_STATUS || role == ROLE_EXT_STATUS;
        if (!status && role != ROLE_CONTROL)
            FAIL(p, 1, "bits: only status and control points have bits");
        long b[RIG_SB_COUNT];
        bool seen[RIG_SB_COUNT] = {false};
        int rc = parse_pairs(p, k, v, col, status ? status_bit_names : control_bit_names,
                             status ? RIG_SB_COUNT : RIG_CTL_COUNT, 0, 15, b, seen);
        if (rc)
            return rc;
        for (int i = 0; i < RIG_SB_COUNT; i++)
            pt->bit[i] = seen[i] ? (int8_t)b[i] : -1;
        p->point_has[role][3] = true;
    } else if (!strcmp(k, "values")) {
        if (role != ROLE_MODE)
            FAIL(p, 1, "values: only the mode point has values");
        long m[RIG_MODE_COUNT];
        bool seen[RIG_MODE_COUNT] = {false};
        int rc = parse_pairs(p, k, v, col, mode_names, RIG_MODE_COUNT, 0, 65535, m, seen);
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
    } else if (!strcmp(k, "fc")) {
        if (!parse_long(v, 0, 255, &n) || (n != 6 && n != 16))
            FAIL(p, col, "fc: expected 6 or 16, got '%s'", v);
        pt->fc = (int)n;
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [point %s] (expected device, table, address, type, "
             "order, scale, offset, unit, bits, values, value, fc)",
             k, role_names[role]);
    }
    return RIGOR_OK;
}

static int section(parser *p, char *s, long col)
{
    /* s is the text between [ and ] */
    char *a = s;
    while (*a == ' ' || *a == '\t')
        a++;
    char *b = a;
    while (*b && *b != ' ' && *b != '\t')
        b++;
    char *arg = b;
    while (*arg == ' ' || *arg == '\t')
        arg++;
    *b = '\0';
    char *e = arg + strlen(arg);
    while (e > arg && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    rig_config *c = p->cfg;
    if (!strcmp(a, "rig") || !strcmp(a, "limits") || !strcmp(a, "safety")) {
        if (*arg)
            FAIL(p, col, "[%s] takes no name", a);
        int sec = !strcmp(a, "rig") ? SEC_RIG : !strcmp(a, "limits") ? SEC_LIMITS : SEC_SAFETY;
        bool *seen = sec == SEC_RIG ? &p->seen_rig : sec == SEC_LIMITS ? &p->seen_limits : NULL;
        if (seen && *seen)
            FAIL(p, col, "section [%s] appears twice", a);
        if (seen)
            *seen = true;
        p->sec = sec;
        return RIGOR_OK;
    }
    if (!strcmp(a, "device")) {
        if (!*arg)
            FAIL(p, col, "[device] needs a name, e.g. [device drive]");
        for (int i = 0; i < c->ndev; i++)
            if (!strcmp(c->dev[i].name, arg))
                FAIL(p, col, "device '%s' defined twice (first at line %ld)", arg,
                     p->dev_line[i]);
        if (c->ndev >= RIG_MAX_DEVICES)
            FAIL(p, col, "too many devices (at most %d)", RIG_MAX_DEVICES);
        rig_device *d = &c->dev[c->ndev];
        snprintf(d->name, sizeof d->name, "%s", arg);
        d->response_timeout_s = 0.1;
        d->gap_s = 0;
        d->max_regs = 125;
        d->fc06 = true;
        p->dev_line[c->ndev] = p->line;
        p->cur = c->ndev++;
        p->sec = SEC_DEVICE;
        return RIGOR_OK;
    }
    if (!strcmp(a, "point")) {
        int role = -1;
        for (int i = 0; i < ROLE_COUNT; i++)
            if (!strcmp(role_names[i], arg))
                role = i;
        if (role < 0)
            FAIL(p, col,
                 "unknown role '%s' (expected one of position, force, extension, "
                 "velocity, tick, drive_status, force_status, extension_status, "
                 "fault_code, velocity_cmd, position_cmd, mode, control, heartbeat, "
                 "watchdog, tare, zero_extension)",
                 arg);
        rig_point *pt = &c->point[role];
        if (pt->present)
            FAIL(p, col, "duplicate role '%s' (first defined at line %ld)", arg, pt->line);
        pt->present = true;
        pt->line = p->line;
        pt->device = -1;
        pt->scale = 1;
        pt->order = WO_ABCD;
        pt->value = 1;
        pt->si = (unit_info){DIM_NONE, 1, 0};
        for (int i = 0; i < (int)(sizeof pt->bit); i++)
            pt->bit[i] = -1;
        for (int i = 0; i < RIG_MODE_COUNT; i++)
            pt->values[i] = -1;
        p->cur = role;
        p->sec = SEC_POINT;
        return RIGOR_OK;
    }
    FAIL(p, col, "unknown section [%s] (expected rig, limits, safety, device NAME, point ROLE)",
         a);
}

static int line_(parser *p, char *s)
{
    char *start = s;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '#' || *s == ';')
        return RIGOR_OK;
    /* strip an inline comment: ';' or '#' after whitespace */
    for (char *q = s + 1; *q; q++)
        if ((*q == ';' || *q == '#') && (q[-1] == ' ' || q[-1] == '\t')) {
            *q = '\0';
            break;
        }
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    long col = (long)(s - start) + 1;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close)
            FAIL(p, col, "section header without ']'");
        if (close[1])
            FAIL(p, col + (long)(close - s) + 1, "unexpected text after section header");
        *close = '\0';
        return section(p, s + 1, col);
    }
    char *eq = strchr(s, '=');
    if (!eq)
        FAIL(p, col, "expected 'key = value' or '[section]'");
    char *k = s, *ke = eq;
    while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    *ke = '\0';
    if (!*k)
        FAIL(p, col, "missing key before '='");
    for (char *q = k; *q; q++)
        if (!isalnum((unsigned char)*q) && *q != '_')
            FAIL(p, col + (long)(q - k), "invalid character in key '%s'", k);
    char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    long vcol = (long)(v - start) + 1;
    if (!*v)
        FAIL(p, vcol, "missing value for '%s'", k);
    switch (p->sec) {
    case SEC_RIG: return key_rig(p, k, v, vcol);
    case SEC_LIMITS: return key_limits(p, k, v, vcol);
    case SEC_SAFETY: return key_safety(p, k, v, vcol);
    case SEC_DEVICE: return key_device(p, k, v, vcol);
    case SEC_POINT: return key_point(p, k, v, vcol);
    default: FAIL(p, col, "key '%s' outside any section", k);
    }
}

/* Dimension a role's unit must have; DIM_NONE = no unit allowed (raw counts). */
static unit_dim role_dim(int role)
{
    switch (role) {
    case ROLE_POSITION:
    case ROLE_EXTENSION:
    case ROLE_POSITION_CMD: return DIM_LENGTH;
    case ROLE_FORCE: return DIM_FORCE;
    case ROLE_VELOCITY:
    case ROLE_VELOCITY_CMD: return DIM_VELOCITY;
    case ROLE_WATCHDOG: return DIM_TIME;
    default: return DIM_NONE;
    }
}

static bool role_writes(int role)
{
    return role >= ROLE_VELOCITY_CMD;
}

static int validate(parser *p)
{
    rig_config *c = p->cfg;
    p->line = 0;
    if (!p->seen_rig)
        FAIL(p, 0, "missing [rig] section");
    if (!p->seen_limits)
        FAIL(p, 0, "missing [limits] section");
    if (c->transport == RIG_RTU && !c->device[0])
        FAIL(p, 0, "[rig] transport = rtu needs 'device' (a serial port path)");
    if (!c->ndev)
        FAIL(p, 0, "no [device NAME] section");
    for (int i = 0; i < c->ndev; i++) {
        p->line = p->dev_line[i];
        if (!p->dev_has_slave[i])
            FAIL(p, 0, "[device %s] needs 'slave'", c->dev[i].name);
    }
    for (int r = 0; r < ROLE_COUNT; r++) {
        rig_point *pt = &c->point[r];
        if (!pt->present)
            continue;
        p->line = pt->line;
        if (!p->point_dev[r][0])
            FAIL(p, 0, "[point %s] needs 'device'", role_names[r]);
        for (int i = 0; i < c->ndev; i++)
            if (!strcmp(c->dev[i].name, p->point_dev[r]))
                pt->device = i;
        if (pt->device < 0) {
            p->line = p->point_dev_line[r];
            FAIL(p, p->point_dev_col[r], "unknown device '%s'", p->point_dev[r]);
        }
        if (!p->point_has[r][0] || !p->point_has[r][1] || !p->point_has[r][2])
            FAIL(p, 0, "[point %s] needs table, address and type", role_names[r]);
        bool wide = pt->type == PT_U32 || pt->type == PT_I32 || pt->type == PT_F32;
        if (wide && pt->address == 65535)
            FAIL(p, 0,
                 "[point %s]: a 32-bit value at address 65535 runs past the last register",
                 role_names[r]);
        if (role_writes(r) && pt->table != TBL_HR)
            FAIL(p, 0, "[point %s] is written, so it must be in table hr", role_names[r]);
        bool bitsrole = r == ROLE_DRIVE_STATUS || r == ROLE_FORCE_STATUS ||
                        r == ROLE_EXT_STATUS || r == ROLE_CONTROL;
        if (bitsrole && (pt->type != PT_BITS || !p->point_has[r][3]))
            FAIL(p, 0, "[point %s] must have type bits and a 'bits' list", role_names[r]);
        if (!bitsrole && pt->type == PT_BITS)
            FAIL(p, 0, "[point %s] cannot have type bits", role_names[r]);
        if (r == ROLE_MODE && !p->point_has[r][3])
            FAIL(p, 0, "[point mode] needs 'values = velocity:N position:M'");
        if ((r == ROLE_MODE || r == ROLE_HEARTBEAT || r == ROLE_TARE ||
             r == ROLE_ZERO_EXTENSION || r == ROLE_TICK || r == ROLE_FAULT_CODE) &&
            pt->type != PT_U16 && pt->type != PT_I16)
            FAIL(p, 0, "[point %s] must be u16 or i16", role_names[r]);
        unit_dim want = role_dim(r);
        if (want != DIM_NONE && !pt->unit[0])
            FAIL(p, 0, "[point %s] needs a unit of %s", role_names[r], units_dim_name(want));
        if (pt->unit[0] && pt->si.dim != want)
            FAIL(p, 0, "[point %s]: unit '%s' is a %s, expected %s", role_names[r], pt->unit,
                 units_dim_name(pt->si.dim),
                 want == DIM_NONE ? "no unit" : units_dim_name(want));
    }
    static const int required[] = {ROLE_POSITION, ROLE_FORCE, ROLE_VELOCITY_CMD,
                                   ROLE_DRIVE_STATUS};
    p->line = 0;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!c->point[required[i]].present)
            FAIL(p, 0, "missing required role '%s' (add a [point %s] section)",
                 role_names[required[i]], role_names[required[i]]);

    /* A reply that never comes costs (1 + retries) response timeouts without
     * a new tick; a tick_timeout within that reads one lost reply as frozen
     * data and faults the rig (seen: FAULT at 201 ms under 1 % drops). */
    if (c->tick_timeout_s > 0 && c->point[ROLE_TICK].present) {
        const rig_device *d = &c->dev[c->point[ROLE_TICK].device];
        double worst = (1 + c->retries) * d->response_timeout_s;
        if (!(c->tick_timeout_s > worst)) {
            p->line = p->tick_line;
            FAIL(p, 0,
                 "tick_timeout %g ms must exceed (1 + retries) x response_timeout of "
                 "[device %s] = %g ms, or one unanswered request reads as frozen data",
                 c->tick_timeout_s * 1e3, d->name, worst * 1e3);
        }
    }

    /* Limits: machine limits required, soft limits inside them. */
    for (int i = L_CAP; i <= L_SPEED; i++)
        if (!p->lim_line[i])
            FAIL(p, 0, "[limits] needs '%s'", limit_keys[i]);
    p->line = p->lim_line[L_CAP];
    if (c->capacity_N <= 0)
        FAIL(p, 0, "capacity must be positive");
    p->line = p->lim_line[L_TMAX];
    if (c->travel_min_m >= c->travel_max_m)
        FAIL(p, 0, "travel_max must be above travel_min");
    p->line = p->lim_line[L_SPEED];
    if (c->speed_max_m_s <= 0)
        FAIL(p, 0, "speed_max must be positive");
    if (!p->lim_line[L_FMAX])
        c->force_max_N = c->capacity_N;
    if (!p->lim_line[L_FMIN])
        c->force_min_N = -c->capacity_N;
    if (!p->lim_line[L_PMAX])
        c->position_max_m = c->travel_max_m;
    if (!p->lim_line[L_PMIN])
        c->position_min_m = c->travel_min_m;
    int rc = RIGOR_OK;
    if (c->force_max_N > c->capacity_N) {
        p->line = p->lim_line[L_FMAX];
        rc = RIGOR_ELIMIT;
        rigor_diag_set(p->diag, p->name, p->line, 0,
                     "force_max %g N is beyond the load-cell capacity %g N", c->force_max_N,
                     c->capacity_N);
    } else if (c->force_min_N < -c->capacity_N) {
        p->line = p->lim_line[L_FMIN];
        rc = RIGOR_ELIMIT;
        rigor_diag_set(p->diag, p->name, p->line, 0,
                     "force_min %g N is beyond the load-cell capacity -%g N", c->force_min_N,
                     c->capacity_N);
    } else if (c->position_max_m > c->travel_max_m || c->position_min_m < c->travel_min_m) {
        p->line =
            c->position_max_m > c->travel_max_m ? p->lim_line[L_PMAX] : p->lim_line[L_PMIN];
        rc = RIGOR_ELIMIT;
        rigor_diag_set(p->diag, p->name, p->line, 0,
                     "position limits %g..%g mm are beyond the travel range %g..%g mm",
                     c->position_min_m * 1e3, c->position_max_m * 1e3, c->travel_min_m * 1e3,
                     c->travel_max_m * 1e3);
    } else if (c->force_min_N >= c->force_max_N || c->position_min_m >= c->position_max_m) {
        p->line = 0;
        rc = RIGOR_ELIMIT;
        rigor_diag_set(p->diag, p->name, 0, 0, "soft limits: each min must be below its max");
    }
    return rc;
}

int rigfile_parse(const char *text, const char *name, rig_config *cfg, rigor_diag *diag)
{
    if (!text || !cfg)
        return RIGOR_EINVAL;
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name ? name : "");
    snprintf(cfg->host, sizeof cfg->host, "127.0.0.1");
    cfg->port = 502;
    cfg->baud = 115200;
    cfg->parity = 'E';
    cfg->data_bits = 8;
    cfg->stop_bits = 1;
    cfg->fail_limit = 5;
    cfg->retries = 1;
    cfg->watchdog_s = 0.25;
    cfg->tick_timeout_s = 0.2;
    cfg->reconnect_max_s = 1.0;
    cfg->max_rate_hz = 1000;
    cfg->realtime = RT_AUTO;
    sha256_hex(text, strlen(text), cfg->sha256);

    parser *p = calloc(1, sizeof *p);
    if (!p)
        return RIGOR_ENOMEM;
    p->name = name ? name : "";
    p->diag = diag;
    p->cfg = cfg;
    int rc = RIGOR_OK;
    const char *s = text;
    char buf[1024];
    while (*s && rc == RIGOR_OK) {
        p->line++;
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len >= sizeof buf) {
            rigor_diag_set(diag, p->name, p->line, 0, "line longer than %zu characters",
                         sizeof buf - 1);
            rc = RIGOR_EPARSE;
            break;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (memchr(buf, '\0', len)) {
            rigor_diag_set(diag, p->name, p->line, 0, "NUL byte in a text file");
            rc = RIGOR_EPARSE;
            break;
        }
        rc = line_(p, buf);
        s = nl ? nl + 1 : s + len;
    }
    if (rc == RIGOR_OK)
        rc = validate(p);
    free(p);
    return rc;
}

int rigfile_load(const char *path, rig_config *cfg, rigor_diag *diag)
{
    char *text;
    size_t len;
    int rc = textfile_read(path, "the rig file", (size_t)1 << 20, 0, &text, &len, diag);
    if (rc != RIGOR_OK)
        return rc;
    rc = rigfile_parse(text, path, cfg, diag);
    free(text);
    return rc;
}
