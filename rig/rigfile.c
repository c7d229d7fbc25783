/* rigfile.c — parse and validate rig files (see rigfile.h, docs/rigfile.md).
 *
 * Parse, then validate, then hand over: the text is read line by line into a
 * rig_config with every key checked as it comes (type, range, unit), then the
 * whole configuration is checked (required sections and roles, devices that
 * exist, units of the right dimension, soft limits inside machine limits).
 * Only a configuration that passes everything is returned.
 */
#include "rigfile_priv.h"
#include "scaling.h"

#include "../common/sha256.h"
#include "../common/textfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const rf_role_names[ROLE_COUNT] = {
    "position",     "force",         "extension",      "velocity",
    "tick",         "drive_status",  "force_status",   "extension_status",
    "fault_code",   "drive_status2", "force_dp",       "velocity_cmd",
    "position_cmd", "mode",          "control",        "heartbeat",
    "watchdog",     "tare",          "zero_extension", "reset"};

const char *const rf_status_bit_names[RIG_SB_COUNT] = {
    "enabled",  "moving",    "fault",  "upper_limit", "lower_limit", "estop", "watchdog",
    "overload", "adc_error", "stable", "attached",    "overrange",   "config"};

const char *const rf_control_bit_names[RIG_CTL_COUNT] = {"enable", "quick_stop", "fault_reset"};
const char *const rf_mode_names[RIG_MODE_COUNT] = {"velocity", "position"};
const char *const rf_limit_keys[8] = {"capacity",     "travel_min",  "travel_max",
                                      "speed_max",    "force_min",   "force_max",
                                      "position_min", "position_max"};

const char *rigfile_role_name(point_role r)
{
    return (unsigned)r < ROLE_COUNT ? rf_role_names[r] : "?";
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
    if (!strcmp(a, "calibration")) {
        if (*arg)
            FAIL(p, col, "[calibration] takes no name");
        p->sec = SEC_CAL;
        return RIGOR_OK;
    }
    if (!strcmp(a, "init")) {
        if (*arg)
            FAIL(p, col, "[init] takes no name");
        p->sec = SEC_INIT;
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
            if (!strcmp(rf_role_names[i], arg))
                role = i;
        if (role < 0)
            FAIL(p, col,
                 "unknown role '%s' (expected one of position, force, extension, "
                 "velocity, tick, drive_status, force_status, extension_status, "
                 "fault_code, drive_status2, force_dp, velocity_cmd, position_cmd, mode, "
                 "control, heartbeat, "
                 "watchdog, tare, zero_extension, reset)",
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
    FAIL(p, col,
         "unknown section [%s] (expected rig, limits, safety, init, calibration, device NAME, "
         "point ROLE)",
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
    case SEC_RIG: return rf_key_rig(p, k, v, vcol);
    case SEC_LIMITS: return rf_key_limits(p, k, v, vcol);
    case SEC_SAFETY: return rf_key_safety(p, k, v, vcol);
    case SEC_DEVICE: return rf_key_device(p, k, v, vcol);
    case SEC_POINT: return rf_key_point(p, k, v, vcol);
    case SEC_INIT: return rf_key_init(p, k, v, vcol);
    case SEC_CAL: return rf_key_calibration(p, k, v, vcol);
    default: FAIL(p, col, "key '%s' outside any section", k);
    }
}

/* Dimension a role's unit must have; DIM_NONE = no unit allowed (raw counts). */
unit_dim rf_role_dim(int role)
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
            FAIL(p, 0, "[point %s] needs 'device'", rf_role_names[r]);
        for (int i = 0; i < c->ndev; i++)
            if (!strcmp(c->dev[i].name, p->point_dev[r]))
                pt->device = i;
        if (pt->device < 0) {
            p->line = p->point_dev_line[r];
            FAIL(p, p->point_dev_col[r], "unknown device '%s'", p->point_dev[r]);
        }
        if (!p->point_has[r][0] || !p->point_has[r][1] || !p->point_has[r][2])
            FAIL(p, 0, "[point %s] needs table, address and type", rf_role_names[r]);
        bool wide = pt->type == PT_U32 || pt->type == PT_I32 || pt->type == PT_F32;
        if (wide && pt->address == 65535)
            FAIL(p, 0,
                 "[point %s]: a 32-bit value at address 65535 runs past the last register",
                 rf_role_names[r]);
        if (role_writes(r) && pt->table != TBL_HR)
            FAIL(p, 0, "[point %s] is written, so it must be in table hr", rf_role_names[r]);
        bool bitsrole = r == ROLE_DRIVE_STATUS || r == ROLE_FORCE_STATUS ||
                        r == ROLE_EXT_STATUS || r == ROLE_CONTROL || r == ROLE_DRIVE_STATUS2;
        if (bitsrole && (pt->type != PT_BITS || !p->point_has[r][3]))
            FAIL(p, 0, "[point %s] must have type bits and a 'bits' list", rf_role_names[r]);
        if (pt->field_n && pt->type != PT_U16)
            FAIL(p, 0, "[point %s]: a bit field needs type u16", rf_role_names[r]);
        if (!bitsrole && pt->type == PT_BITS)
            FAIL(p, 0, "[point %s] cannot have type bits", rf_role_names[r]);
        if (r == ROLE_MODE && !p->point_has[r][3])
            FAIL(p, 0, "[point mode] needs 'values = velocity:N position:M'");
        if ((r == ROLE_MODE || r == ROLE_HEARTBEAT || r == ROLE_TARE ||
             r == ROLE_ZERO_EXTENSION || r == ROLE_RESET || r == ROLE_TICK ||
             r == ROLE_FAULT_CODE || r == ROLE_FORCE_DP) &&
            pt->type != PT_U16 && pt->type != PT_I16)
            FAIL(p, 0, "[point %s] must be u16 or i16", rf_role_names[r]);
        unit_dim want = rf_role_dim(r);
        if (want != DIM_NONE && !pt->unit[0])
            FAIL(p, 0, "[point %s] needs a unit of %s", rf_role_names[r], units_dim_name(want));
        if (pt->unit[0] && pt->si.dim != want)
            FAIL(p, 0, "[point %s]: unit '%s' is a %s, expected %s", rf_role_names[r], pt->unit,
                 units_dim_name(pt->si.dim),
                 want == DIM_NONE ? "no unit" : units_dim_name(want));
    }
    static const int required[] = {ROLE_POSITION, ROLE_FORCE, ROLE_VELOCITY_CMD,
                                   ROLE_DRIVE_STATUS};
    p->line = 0;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!c->point[required[i]].present)
            FAIL(p, 0, "missing required role '%s' (add a [point %s] section)",
                 rf_role_names[required[i]], rf_role_names[required[i]]);

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
            FAIL(p, 0, "[limits] needs '%s'", rf_limit_keys[i]);
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
    if (rc == RIGOR_OK)
        rc = rf_validate_buses(p);
    if (rc == RIGOR_OK)
        rc = rf_validate_seq(p);
    if (rc == RIGOR_OK)
        rc = scaling_validate(c, p->name, p->diag);
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
    /* One code for every problem with the file (see rigfile.h). */
    return rc == RIGOR_OK || rc == RIGOR_ENOMEM ? rc : RIGOR_EPARSE;
}

int rigfile_load(const char *path, rig_config *cfg, rigor_diag *diag)
{
    char *text;
    size_t len;
    int rc = textfile_read(path, "the rig file", (size_t)1 << 20, 0, &text, &len, diag);
    if (rc != RIGOR_OK)
        return rc == RIGOR_ENOMEM ? rc : RIGOR_EPARSE; /* unreadable: the user's to fix */
    rc = rigfile_parse(text, path, cfg, diag);
    free(text);
    return rc;
}
