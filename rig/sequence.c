/* sequence.c — start-up sequence and configuration checks (see sequence.h). */
#include "sequence.h"

#include "regmap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    if (!(s > 0))
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The start-up sequence's requests. A transient failure (a timeout, a CRC
 * error, a corrupt reply, a busy device) is retried up to fail_limit times,
 * as the driver's own set-up writes are: a peer that has just accepted the
 * connection may drop or garble a request, and one such request must not
 * fail the whole connect (test_soak caught it: one session in ~15 did not
 * start under injected faults). A deterministic refusal (LINK_REFUSED) or a
 * lost link is final at once. */
static bool seq_transient(link_kind k)
{
    return k == LINK_TIMEOUT || k == LINK_CRC || k == LINK_EXCEPTION || k == LINK_BADDATA;
}

static int seq_tries(const rig_config *c)
{
    return c->fail_limit > 1 ? c->fail_limit : 2;
}

static int seq_write(const rig_config *c, rig_link *l, const rig_device *d, uint16_t addr,
                     uint16_t n, const uint16_t *v, int fc, link_kind *k)
{
    int rc = RIGOR_ELINK;
    for (int i = 0; i < seq_tries(c); i++) {
        rc = link_write(l, d, addr, n, v, fc, k);
        if (rc == RIGOR_OK || !seq_transient(*k))
            break;
    }
    return rc;
}

static int seq_read(const rig_config *c, rig_link *l, const rig_device *d, reg_table t,
                    uint16_t addr, uint16_t n, uint16_t *out, link_kind *k)
{
    int rc = RIGOR_ELINK;
    for (int i = 0; i < seq_tries(c); i++) {
        rc = link_read(l, d, t, addr, n, out, k);
        if (rc == RIGOR_OK || !seq_transient(*k))
            break;
    }
    return rc;
}

const rig_alarm *seq_alarm(const rig_config *c, uint16_t code)
{
    for (int i = 0; i < c->nalarm; i++)
        if (c->alarm[i].code == code)
            return &c->alarm[i];
    return NULL;
}

/* Write a point's registers and read them back. */
static int write_point_verified(rig_link *l, const rig_config *c, point_role role,
                                const uint16_t *regs, char *why, size_t n)
{
    const rig_point *pt = &c->point[role];
    const rig_device *d = &c->dev[pt->device];
    int nr = regmap_nregs(pt);
    link_kind k;
    int rc = seq_write(c, l, d, pt->address, (uint16_t)nr, regs, pt->fc, &k);
    if (rc) {
        snprintf(why, n,
                 "%s:%ld: [point %s]: writing register 0x%04X of [device %s] failed: %s",
                 c->path, pt->line, rigfile_role_name(role), pt->address, d->name,
                 link_last_error(l));
        return rc;
    }
    uint16_t back[2] = {0, 0};
    rc = seq_read(c, l, d, TBL_HR, pt->address, (uint16_t)nr, back, &k);
    if (rc) {
        snprintf(why, n,
                 "%s:%ld: [point %s]: reading back register 0x%04X of [device %s] failed: %s",
                 c->path, pt->line, rigfile_role_name(role), pt->address, d->name,
                 link_last_error(l));
        return rc;
    }
    if (memcmp(back, regs, (size_t)nr * sizeof *regs)) {
        snprintf(
            why, n,
            "%s:%ld: [point %s]: [device %s] register 0x%04X reads back 0x%04X, 0x%04X was "
            "written: the device did not take it",
            c->path, pt->line, rigfile_role_name(role), d->name, pt->address, back[0], regs[0]);
        return RIGOR_EFAULT;
    }
    return RIGOR_OK;
}

static int run_init(rig_link *l, const rig_config *c, char *why, size_t n)
{
    for (int i = 0; i < c->ninit; i++) {
        const rig_init_step *s = &c->init[i];
        if (s->kind == INIT_WAIT) {
            sleep_s(s->wait_s);
            continue;
        }
        const rig_device *d = &c->dev[s->device];
        link_kind k;
        int rc = seq_write(c, l, d, s->address, s->n, s->value, 0, &k);
        if (rc) {
            snprintf(why, n,
                     "%s:%ld: [init] write of register 0x%04X of [device %s] failed: %s",
                     c->path, s->line, s->address, d->name, link_last_error(l));
            return rc;
        }
        if (!s->verify)
            continue;
        uint16_t back[8];
        rc = seq_read(c, l, d, TBL_HR, s->address, s->n, back, &k);
        if (rc) {
            snprintf(why, n,
                     "%s:%ld: [init] read-back of register 0x%04X of [device %s] failed: %s",
                     c->path, s->line, s->address, d->name, link_last_error(l));
            return rc;
        }
        for (int j = 0; j < s->n; j++)
            if (back[j] != s->value[j]) {
                snprintf(why, n,
                         "%s:%ld: [init] [device %s] register 0x%04X reads back 0x%04X, 0x%04X "
                         "was written: the device did not take it",
                         c->path, s->line, d->name, s->address + j, back[j], s->value[j]);
                return RIGOR_EFAULT;
            }
    }
    return RIGOR_OK;
}

static int read_word(rig_link *l, const rig_config *c, point_role role, uint16_t *w, char *why,
                     size_t n)
{
    const rig_point *pt = &c->point[role];
    const rig_device *d = &c->dev[pt->device];
    link_kind k;
    int rc = seq_read(c, l, d, pt->table, pt->address, 1, w, &k);
    if (rc)
        snprintf(why, n,
                 "%s:%ld: [point %s]: reading register 0x%04X of [device %s] failed: %s",
                 c->path, pt->line, rigfile_role_name(role), pt->address, d->name,
                 link_last_error(l));
    return rc;
}

/* Decimal point: 0..6 digits after the point (a transmitter showing 12.34
 * kN sends 1234 with dp = 2). */
static int read_dp(rig_link *l, rig_config *c, seq_state *st, char *why, size_t n)
{
    uint16_t w;
    int rc = read_word(l, c, ROLE_FORCE_DP, &w, why, n);
    if (rc)
        return rc;
    const rig_point *pt = &c->point[ROLE_FORCE_DP];
    double dp = regmap_raw(pt, &w) * pt->scale + pt->offset;
    if (!(dp >= 0 && dp <= 6 && dp == floor(dp))) {
        snprintf(why, n, "%s:%ld: [point force_dp] reads %g: not a decimal point 0..6", c->path,
                 pt->line, dp);
        return RIGOR_EFAULT;
    }
    st->dp = (int)dp;
    c->point[ROLE_FORCE].scale = st->force_scale0 * pow(10, -dp);
    return RIGOR_OK;
}

static int enable_confirmed(rig_link *l, const rig_config *c, char *why, size_t n)
{
    uint16_t regs[2];
    if (c->point[ROLE_VELOCITY_CMD].present &&
        regmap_encode(&c->point[ROLE_VELOCITY_CMD], 0.0, regs) == RIGOR_OK) {
        const rig_point *pt = &c->point[ROLE_VELOCITY_CMD];
        link_kind k;
        if (seq_write(c, l, &c->dev[pt->device], pt->address, (uint16_t)regmap_nregs(pt), regs,
                       pt->fc, &k)) {
            snprintf(why, n,
                     "%s:%ld: [point velocity_cmd]: writing 0 before the servo-on "
                     "failed: %s",
                     c->path, pt->line, link_last_error(l));
            return RIGOR_EFAULT;
        }
    }
    if (c->point[ROLE_CONTROL].present) {
        const rig_point *pt = &c->point[ROLE_CONTROL];
        uint16_t w = regmap_control(pt, 1u << RIG_CTL_ENABLE);
        link_kind k;
        if (seq_write(c, l, &c->dev[pt->device], pt->address, 1, &w, pt->fc, &k)) {
            snprintf(why, n, "%s:%ld: [point control]: the servo-on write failed: %s", c->path,
                     pt->line, link_last_error(l));
            return RIGOR_EFAULT;
        }
    }
    double t0 = mono_s();
    uint32_t status = 0;
    uint16_t w = 0;
    for (;;) {
        int rc = read_word(l, c, ROLE_DRIVE_STATUS, &w, why, n);
        if (rc)
            return rc;
        status = regmap_status(&c->point[ROLE_DRIVE_STATUS], w);
        if (status & RIG_SB_ENABLED)
            return RIGOR_OK;
        if (status & (RIG_SB_FAULT | RIG_SB_ESTOP))
            break;
        if (mono_s() - t0 > c->enable_timeout_s)
            break;
        sleep_s(0.01);
    }
    uint16_t code = 0;
    char al[96] = "";
    if (c->point[ROLE_FAULT_CODE].present &&
        read_word(l, c, ROLE_FAULT_CODE, &code, why, n) == RIGOR_OK && code) {
        const rig_alarm *a = seq_alarm(c, code);
        snprintf(al, sizeof al, "; alarm 0x%04X%s%s", code, a ? " " : "", a ? a->name : "");
    }
    snprintf(why, n, "servo-on not confirmed: [point drive_status] (%s:%ld) reads 0x%04X, %s%s",
             c->path, c->point[ROLE_DRIVE_STATUS].line, w,
             status & RIG_SB_ESTOP   ? "emergency stop"
             : status & RIG_SB_FAULT ? "drive fault"
                                     : "the enabled bit is still clear after enable_timeout",
             al);
    return RIGOR_EFAULT;
}

int seq_connect(rig_link *l, rig_config *c, seq_state *st, char *why, size_t n)
{
    if (!st->connected_once) {
        st->connected_once = true;
        st->dp = -1;
        st->force_scale0 = c->point[ROLE_FORCE].scale;
    }
    int rc = run_init(l, c, why, n);
    if (!rc && c->point[ROLE_FORCE_DP].present)
        rc = read_dp(l, c, st, why, n);
    if (!rc && c->point[ROLE_WATCHDOG].present) {
        uint16_t regs[2];
        rc = regmap_encode(&c->point[ROLE_WATCHDOG], c->watchdog_s, regs);
        if (rc)
            snprintf(why, n, "%s: the watchdog %g s does not fit [point watchdog]", c->path,
                     c->watchdog_s);
        else
            rc = write_point_verified(l, c, ROLE_WATCHDOG, regs, why, n);
    }
    if (!rc && c->enable_timeout_s > 0)
        rc = enable_confirmed(l, c, why, n);
    return rc;
}

uint32_t seq_cycle(const seq_state *st, const rig_config *c, uint16_t dp_word,
                   uint16_t fault_code)
{
    uint32_t out = 0;
    if (st->dp >= 0 && c->point[ROLE_FORCE_DP].present) {
        const rig_point *pt = &c->point[ROLE_FORCE_DP];
        if (regmap_raw(pt, &dp_word) * pt->scale + pt->offset != st->dp)
            out |= RIG_SB_CONFIG;
    }
    if (fault_code && c->nalarm) {
        const rig_alarm *a = seq_alarm(c, fault_code);
        out |= a ? a->status : RIG_SB_FAULT; /* a code the table lacks is still a fault */
    }
    return out;
}

void seq_annotate(const seq_state *st, const rig_config *c, uint16_t dp_word,
                  uint16_t fault_code, char *reason, size_t n)
{
    size_t len = strlen(reason);
    if (len >= n)
        return;
    if (seq_cycle(st, c, dp_word, 0) & RIG_SB_CONFIG) {
        const rig_point *pt = &c->point[ROLE_FORCE_DP];
        snprintf(reason + len, n - len,
                 ": decimal point %d at connect, now %g ([point force_dp])", st->dp,
                 regmap_raw(pt, &dp_word) * pt->scale + pt->offset);
        return;
    }
    if (fault_code && c->nalarm) {
        const rig_alarm *a = seq_alarm(c, fault_code);
        snprintf(reason + len, n - len, ": alarm 0x%04X %s", fault_code,
                 a ? a->name : "(not in the rig file's alarm table)");
    }
}
