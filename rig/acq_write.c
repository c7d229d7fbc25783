/* acq_write.c — the acquisition loop's writes: every one checked.
 *
 * A transient failure (timeout, CRC, a busy device) is retried; a
 * deterministic refusal (exception 01-03) is not. A stop that does not
 * reach the drive escalates in the same call (quick stop, disable, FAULT);
 * a refused command is a FAULT naming the register and the device's answer
 * (docs/reliability.md, "Every write is checked"). Called by the loop
 * thread only (acq.c), which owns the link.
 */
#include "acq_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- loop: transactions --------------------------------------------------- */

void acq_count_error(rig *r, link_kind k)
{
    switch (k) {
    case LINK_TIMEOUT: r->ls.errors_timeout++; break;
    case LINK_CRC: r->ls.errors_crc++; break;
    case LINK_EXCEPTION: r->ls.errors_exception++; break;
    case LINK_BADDATA: r->ls.errors_baddata++; break;
    case LINK_LOST: r->ls.errors_link++; break;
    default: break;
    }
}

void acq_link_lost(rig *r, double t)
{
    pthread_mutex_lock(&r->st_mu);
    r->link_up = false;
    pthread_mutex_unlock(&r->st_mu);
    sup_link_lost(&r->sup, link_last_error(r->link));
    r->pending_stop = true; /* sent as soon as the link is back */
    r->backoff_s = r->backoff_s > 0 ? fmin(r->backoff_s * 2, r->cfg.reconnect_max_s) : 0.05;
    r->next_reconnect_t = t + r->backoff_s;
}

/* Write the registers of a point. A transient error (timeout, CRC, a busy
 * device) is retried `retries` times, and at least once for the writes that
 * stop the crosshead (`must`); a deterministic refusal (LINK_REFUSED) is not
 * retried. A failure is described in r->werr, naming the register. */
int acq_write_regs_k(rig *r, point_role role, const uint16_t *regs, int n, bool must,
                     link_kind *kind)
{
    const rig_point *pt = &r->cfg.point[role];
    *kind = LINK_OK;
    if (!pt->present)
        return RIGOR_OK;
    const rig_device *d = &r->cfg.dev[pt->device];
    int rc = RIGOR_ELINK;
    int tries = r->cfg.retries < 1 && must ? 1 : r->cfg.retries;
    /* start-up: a peer that has just accepted the connection may be slow to
     * answer its first requests; the read path tolerates fail_limit failed
     * cycles, the set-up writes as many transient errors */
    if (r->in_setup && tries < r->cfg.fail_limit)
        tries = r->cfg.fail_limit;
    for (int attempt = 0; attempt <= tries; attempt++) {
        if (attempt)
            r->ls.retries++;
        link_kind k;
        r->ls.transactions++;
        rc = link_write(r->link, d, pt->address, (uint16_t)n, regs, pt->fc, &k);
        if (rc == RIGOR_OK)
            return RIGOR_OK;
        *kind = k;
        acq_count_error(r, k);
        snprintf(r->werr, sizeof r->werr, "%.31s hr %u (%s): %.100s", d->name,
                 (unsigned)pt->address, rigfile_role_name(role), link_last_error(r->link));
        if (k == LINK_LOST) {
            acq_link_lost(r, now_rel(r));
            return rc;
        }
        if (k == LINK_REFUSED)
            return rc; /* the device refuses: the same request would be refused again */
    }
    return rc;
}

int acq_write_regs(rig *r, point_role role, const uint16_t *regs, int n)
{
    link_kind k;
    return acq_write_regs_k(r, role, regs, n, false, &k);
}

static int acq_encode_value(rig *r, point_role role, double si, uint16_t regs[2])
{
    int rc = regmap_encode(&r->cfg.point[role], si, regs);
    if (rc)
        snprintf(r->werr, sizeof r->werr, "%s: %.6g does not fit the register (%s)",
                 rigfile_role_name(role), si, rigor_strerror(rc));
    return rc;
}

int acq_write_value_must(rig *r, point_role role, double si, bool must)
{
    const rig_point *pt = &r->cfg.point[role];
    if (!pt->present)
        return RIGOR_OK;
    uint16_t regs[2];
    int rc = acq_encode_value(r, role, si, regs);
    if (rc)
        return rc;
    link_kind k;
    return acq_write_regs_k(r, role, regs, regmap_nregs(pt), must, &k);
}

int acq_write_value(rig *r, point_role role, double si)
{
    return acq_write_value_must(r, role, si, false);
}

int acq_write_word(rig *r, point_role role, uint16_t w)
{
    return acq_write_regs(r, role, &w, 1);
}

int acq_write_control_must(rig *r, unsigned flags, bool must)
{
    const rig_point *pt = &r->cfg.point[ROLE_CONTROL];
    if (!pt->present)
        return RIGOR_OK;
    uint16_t w = regmap_control(pt, flags);
    link_kind k;
    int rc = acq_write_regs_k(r, ROLE_CONTROL, &w, 1, must, &k);
    if (rc == RIGOR_OK)
        r->enable_sent = (flags >> RIG_CTL_ENABLE) & 1u;
    return rc;
}

int acq_write_control(rig *r, unsigned flags)
{
    return acq_write_control_must(r, flags, false);
}

int acq_set_mode_must(rig *r, int mode, bool must)
{
    const rig_point *pt = &r->cfg.point[ROLE_MODE];
    if (!pt->present || r->mode == mode)
        return RIGOR_OK;
    if (pt->values[mode] < 0) {
        snprintf(r->werr, sizeof r->werr, "mode: the rig file has no value for this mode");
        return RIGOR_EUNSUPPORTED;
    }
    uint16_t w = (uint16_t)pt->values[mode];
    link_kind k;
    int rc = acq_write_regs_k(r, ROLE_MODE, &w, 1, must, &k);
    r->mode = rc == RIGOR_OK ? mode : -1;
    return rc;
}

/* NOTE: the setpoint goes first, then the mode: switching a drive from position
 * to velocity mode before the new setpoint would run it, however briefly, at
 * the old position-mode speed. */
int acq_send_velocity_must(rig *r, double v, bool must)
{
    int rc = acq_write_value_must(r, ROLE_VELOCITY_CMD, v, must);
    if (rc)
        return rc; /* NOTE: no mode switch after a refused setpoint: it could start
                      the old one */
    return acq_set_mode_must(r, RIG_MODE_VELOCITY, must);
}

int acq_send_velocity(rig *r, double v)
{
    return acq_send_velocity_must(r, v, false);
}

/* The quick-stop control flags: ENABLE stays only where the drive was
 * enabled by us (a quick stop holds the axis); a FAULT before the enable
 * (a refused watchdog write) must not be what enables the drive. */
static unsigned quick_stop_word(const rig *r)
{
    return (r->enable_sent ? 1u << RIG_CTL_ENABLE : 0) | 1u << RIG_CTL_QUICK_STOP;
}

/* Stop the crosshead: velocity 0 in velocity mode; a fault stop also sets the
 * drive's quick stop. Every write here is checked and retried at once; when
 * velocity 0 still does not reach the drive, the stop escalates in this same
 * call: quick stop (if the map has the bit), then disable, then FAULT naming
 * the refused write (docs/reliability.md bounds the time). Returns RIGOR_OK
 * when the crosshead was stopped by some path, else the error of the last
 * try (the link is gone; link_lost keeps the stop pending). */
int acq_send_stop(rig *r, bool fault)
{
    r->jogging = false;
    r->cycle_flags |= RIG_SF_STOPPED;
    sup_motion(&r->sup, now_rel(r), 0, NAN);
    int rc = acq_send_velocity_must(r, 0.0, true);
    if (rc == RIGOR_OK) {
        if (fault) /* the velocity 0 took: the quick stop only reinforces it */
            acq_write_control_must(r, quick_stop_word(r), true);
        return RIGOR_OK;
    }
    char why[200];
    snprintf(why, sizeof why, "%s", r->werr);
    if (!link_is_open(r->link))
        return rc; /* nothing more can be sent; link_lost has FAULTed, the stop is pending */
    const rig_point *ctl = &r->cfg.point[ROLE_CONTROL];
    bool have_qs = ctl->present && ctl->bit[RIG_CTL_QUICK_STOP] >= 0;
    bool have_en = ctl->present && ctl->bit[RIG_CTL_ENABLE] >= 0;
    int qs =
        have_qs
            ? acq_write_control_must(r, quick_stop_word(r), true)
            : RIGOR_EUNSUPPORTED;
    int dis = have_en ? acq_write_control_must(r, 0, true) : RIGOR_EUNSUPPORTED;
    char msg[200];
    snprintf(msg, sizeof msg, "stop refused (%.110s); escalated: quick stop %s, disable %s",
             why, have_qs ? (qs == RIGOR_OK ? "sent" : "failed") : "not mapped",
             have_en ? (dis == RIGOR_OK ? "sent" : "failed") : "not mapped");
    sup_command_failed(&r->sup, msg);
    acq_publish_fault(r);
    return qs == RIGOR_OK || dis == RIGOR_OK ? RIGOR_OK : rc;
}

void acq_command_fault(rig *r, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s refused: %.150s", what, r->werr);
    /* Only a new FAULT stops here: in FAULT already, its stop was sent (or
     * is pending), and a heartbeat refused on every cycle must not turn into
     * a stop on every cycle. */
    if (sup_command_failed(&r->sup, msg) && link_is_open(r->link) &&
        acq_send_stop(r, true) != RIGOR_OK)
        r->pending_stop = true;
    acq_publish_fault(r);
}

void acq_publish_fault(rig *r)
{
    pthread_mutex_lock(&r->st_mu);
    r->fault = r->sup.fault;
    snprintf(r->reason, sizeof r->reason, "%s", r->sup.reason);
    r->beyond = r->sup.beyond;
    pthread_mutex_unlock(&r->st_mu);
}
