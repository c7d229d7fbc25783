/* acq_api.c — the calls of rig.h that other threads make: construction,
 * the consumer's side of the sample ring, commands into the loop's queue,
 * state, statistics and shutdown. The loop itself is acq.c. */
#include "acq_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- public helpers ------------------------------------------------------ */

rig_limits rig_limits_none(void)
{
    rig_limits l;
    l.force_min_N = l.force_max_N = l.position_min_m = l.position_max_m = NAN;
    l.stress_max_Pa = l.strain_max = l.area_m2 = l.gauge_m = NAN;
    return l;
}

const rig_config *rig_config_of(const rig *r)
{
    return &r->cfg;
}

int rig_new(const rig_config *cfg, rig **out)
{
    *out = NULL;
    rig *r = calloc(1, sizeof *r);
    if (!r)
        return RIGOR_ENOMEM;
    r->cfg = *cfg;
    int rc = regmap_make_plan(&r->cfg, &r->plan);
    if (rc)
        goto fail_r;
    r->ring = calloc(RING_CAP, sizeof *r->ring);
    if (!r->ring) {
        rc = RIGOR_ENOMEM;
        goto fail_r;
    }
    rc = link_new(&r->cfg, &r->link);
    if (rc)
        goto fail_ring;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_cond_init(&r->data_cv, &ca);
    pthread_condattr_destroy(&ca);
    rt_mutex_init(&r->data_mu);
    rt_mutex_init(&r->mu);
    rt_mutex_init(&r->st_mu);
    sup_init(&r->sup, &r->cfg);
    r->mode = -1;
    *out = r;
    return RIGOR_OK;

fail_ring:
    free(r->ring);
fail_r:
    free(r);
    return rc;
}

int rig_connect(rig *r)
{
    if (r->started)
        return RIGOR_ESTATE;
    /* Only the connection: the start-up sequence (rig/sequence.h) runs in
     * the loop's set-up, after the loop has its scheduling, so that a
     * `realtime = required` refused means nothing reached the drive. */
    int rc = link_connect(r->link);
    r->link_up = rc == RIGOR_OK;
    return rc;
}

static double jit_value(int b)
{
    if (b < 1000)
        return b + 0.5;
    if (b < 2000)
        return 1000 + (b - 1000) * 10 + 5;
    return 11000 + (b - 2000) * 1000 + 500;
}

size_t rig_poll_samples(rig *r, rig_sample *buf, size_t max)
{
    size_t rd = atomic_load_explicit(&r->ring_r, memory_order_relaxed);
    size_t w = atomic_load_explicit(&r->ring_w, memory_order_acquire);
    size_t n = w - rd;
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        buf[i] = r->ring[(rd + i) & (RING_CAP - 1)];
    atomic_store_explicit(&r->ring_r, rd + n, memory_order_release);
    return n;
}

static bool ring_has_data(rig *r)
{
    size_t rd = atomic_load_explicit(&r->ring_r, memory_order_relaxed);
    return atomic_load_explicit(&r->ring_w, memory_order_acquire) != rd;
}

bool rig_wait_samples(rig *r, double timeout_s)
{
    if (ring_has_data(r))
        return true;
    struct timespec dl = abs_of(r, now_rel(r) + fmax(timeout_s, 0));
    atomic_fetch_add(&r->waiters, 1);
    pthread_mutex_lock(&r->data_mu);
    bool got;
    while (!(got = ring_has_data(r)))
        if (pthread_cond_timedwait(&r->data_cv, &r->data_mu, &dl) != 0)
            break;
    if (!got)
        got = ring_has_data(r);
    pthread_mutex_unlock(&r->data_mu);
    atomic_fetch_sub(&r->waiters, 1);
    return got;
}

int rig_latest(rig *r, rig_sample *out)
{
    pthread_mutex_lock(&r->st_mu);
    bool have = r->have_latest;
    if (have)
        *out = r->latest;
    pthread_mutex_unlock(&r->st_mu);
    return have ? RIGOR_OK : RIGOR_ENODATA;
}

static int enqueue(rig *r, const rig_cmd *c)
{
    if (!r->started)
        return RIGOR_ESTATE;
    int rc = RIGOR_OK;
    pthread_mutex_lock(&r->mu);
    if (r->qh - r->qt >= CMDQ_CAP)
        rc = RIGOR_EFULL;
    else
        r->q[r->qh++ % CMDQ_CAP] = *c;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* Common checks of motion commands in the caller's thread. */
static int motion_ok(rig *r, double v)
{
    if (!r->started)
        return RIGOR_ESTATE;
    if (!isfinite(v) || fabs(v) > r->cfg.speed_max_m_s)
        return RIGOR_ELIMIT;
    pthread_mutex_lock(&r->st_mu);
    bool fault = r->fault;
    unsigned beyond = r->beyond;
    pthread_mutex_unlock(&r->st_mu);
    if (fault)
        return RIGOR_ESTATE;
    supervisor probe;
    probe.beyond = beyond;
    return sup_check_velocity(&probe, v);
}

int rig_cmd_velocity(rig *r, double v)
{
    int rc = motion_ok(r, v);
    if (rc)
        return rc;
    rig_cmd c = {.kind = CMD_VELOCITY, .a = v};
    return enqueue(r, &c);
}

int rig_cmd_jog(rig *r, double v, double duration_s)
{
    if (!(duration_s > 0))
        return RIGOR_EINVAL;
    int rc = motion_ok(r, v);
    if (rc)
        return rc;
    rig_cmd c = {.kind = CMD_JOG, .a = v, .b = duration_s};
    return enqueue(r, &c);
}

int rig_cmd_position(rig *r, double pos_m, double speed_m_s)
{
    if (!r->cfg.point[ROLE_POSITION_CMD].present || !r->cfg.point[ROLE_MODE].present ||
        r->cfg.point[ROLE_MODE].values[RIG_MODE_POSITION] < 0)
        return RIGOR_EUNSUPPORTED;
    if (!(speed_m_s > 0))
        return RIGOR_EINVAL;
    int rc = motion_ok(r, speed_m_s);
    if (rc)
        return rc;
    pthread_mutex_lock(&r->st_mu);
    double abs_target = pos_m + r->pos_zero_pub;
    pthread_mutex_unlock(&r->st_mu);
    if (!isfinite(pos_m) || abs_target > r->cfg.position_max_m ||
        abs_target < r->cfg.position_min_m)
        return RIGOR_ELIMIT;
    rig_cmd c = {.kind = CMD_POSITION, .a = pos_m, .b = speed_m_s};
    return enqueue(r, &c);
}

/* Set a request flag the loop reads before its next cycle, and wake it. */
static int raise_flag(rig *r, atomic_bool *flag)
{
    if (!r->started)
        return RIGOR_ESTATE;
    pthread_mutex_lock(&r->mu);
    atomic_store(flag, true);
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return RIGOR_OK;
}

int rig_cmd_stop(rig *r)
{
    return raise_flag(r, &r->stop_req);
}

int rig_sample_now(rig *r)
{
    return raise_flag(r, &r->sample_now);
}

int rig_cmd_zero_position(rig *r)
{
    rig_cmd c = {.kind = CMD_ZERO_POS};
    return enqueue(r, &c);
}

int rig_cmd_tare(rig *r)
{
    rig_cmd c = {.kind = CMD_TARE};
    return enqueue(r, &c);
}

int rig_cmd_zero_extension(rig *r)
{
    rig_cmd c = {.kind = CMD_ZERO_EXT};
    return enqueue(r, &c);
}

int rig_set_limits(rig *r, const rig_limits *lim)
{
    rig_cmd c = {.kind = CMD_LIMITS, .lim = lim ? *lim : rig_limits_none()};
    if (!r->started) {
        sup_set_limits(&r->sup, &c.lim);
        return RIGOR_OK;
    }
    return enqueue(r, &c);
}

rig_health rig_state(rig *r, char *reason, size_t len)
{
    pthread_mutex_lock(&r->st_mu);
    bool fault = r->fault;
    if (reason && len)
        snprintf(reason, len, "%s", fault ? r->reason : "");
    pthread_mutex_unlock(&r->st_mu);
    return fault ? RIG_HEALTH_FAULT : RIG_HEALTH_OK;
}

int rig_ack_fault(rig *r)
{
    if (!r->started)
        return RIGOR_ESTATE;
    pthread_mutex_lock(&r->st_mu);
    bool fault = r->fault, up = r->link_up;
    bool estop = r->have_latest && (r->latest.status & RIG_SB_ESTOP);
    pthread_mutex_unlock(&r->st_mu);
    if (!fault)
        return RIGOR_OK;
    if (!up || estop)
        return RIGOR_ESTATE;
    rig_cmd c = {.kind = CMD_ACK};
    atomic_store(&r->ack_state, ACK_NONE);
    int rc = enqueue(r, &c);
    if (rc)
        return rc;
    /* Wait until the loop has sent the reset and a sample has confirmed it
     * (or the drive kept its fault for ACK_CONFIRM_S). */
    for (int i = 0; i < 2000; i++) {
        int a = atomic_load(&r->ack_state);
        if (a == ACK_DONE)
            return rig_state(r, NULL, 0) == RIG_HEALTH_OK ? RIGOR_OK : RIGOR_ESTATE;
        if (a == ACK_REFUSED)
            return RIGOR_ESTATE;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return RIGOR_ETIMEOUT;
}

int rig_stats_get(rig *r, rig_stats *out)
{
    pthread_mutex_lock(&r->st_mu);
    *out = r->stats;
    uint64_t total = 0;
    for (int i = 0; i < JIT_BINS; i++)
        total += r->jit[i];
    double p50 = 0, p99 = 0;
    uint64_t acc = 0;
    bool got50 = false;
    for (int i = 0; i < JIT_BINS && total; i++) {
        acc += r->jit[i];
        if (!got50 && acc * 2 >= total) {
            p50 = jit_value(i);
            got50 = true;
        }
        if (acc * 100 >= total * 99) {
            p99 = jit_value(i);
            break;
        }
    }
    out->jitter_p50_us = p50;
    out->jitter_p99_us = p99;
    if (out->samples > 1 && r->last_t > r->first_t)
        out->achieved_rate_hz = (double)(out->samples - 1) / (r->last_t - r->first_t);
    else
        out->achieved_rate_hz = 0;
    pthread_mutex_unlock(&r->st_mu);
    return RIGOR_OK;
}

void rig_test_hold_heartbeat(rig *r, bool hold)
{
    atomic_store(&r->hold_heartbeat, hold);
}

int rig_stop(rig *r)
{
    if (r->started) {
        atomic_store(&r->quit, true);
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        r->started = false;
    }
    link_close(r->link);
    return RIGOR_OK;
}

void rig_free(rig *r)
{
    if (!r)
        return;
    rig_stop(r);
    link_free(r->link);
    pthread_cond_destroy(&r->cv);
    pthread_cond_destroy(&r->data_cv);
    pthread_mutex_destroy(&r->data_mu);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->st_mu);
    free(r->ring);
    free(r);
}
