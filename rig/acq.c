/* acq.c — the acquisition thread behind rig.h.
 *
 * One thread owns the Modbus link. Each iteration it waits on a condition
 * variable until the next period deadline (CLOCK_MONOTONIC, absolute) or
 * until a command arrives; commands are executed at once, a stop first, so a
 * stop reaches the drive before the next read. At the deadline it runs one
 * cycle: reconnect if the link is down (bounded exponential back-off), write
 * the heartbeat, read every block of the read plan (with retries), decode a
 * sample, run the supervisor, stop the crosshead at once if it trips, and
 * push the sample into a single-producer/single-consumer ring that never
 * blocks (a full ring drops and counts). State shared with other threads
 * (latest sample, health, statistics) sits behind st_mu, held only for
 * copies.
 *
 * Before its first write the thread asks for SCHED_FIFO (rig/rt.h) as the
 * rig file's `realtime` key says, and rig_start waits for the answer: with
 * `required` and a refusal the thread ends before anything reaches the
 * drive. The mutexes it shares with normal threads inherit priority, so a
 * consumer preempted while holding one cannot keep it waiting.
 */
#include "acq_internal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- loop: commands ------------------------------------------------------- */

static void exec_cmd(rig *r, const rig_cmd *c)
{
    double t = now_rel(r);
    switch (c->kind) {
    case CMD_VELOCITY:
    case CMD_JOG:
        if (r->sup.fault || sup_check_velocity(&r->sup, c->a) != RIGOR_OK)
            break;
        if (c->a == 0) {
            acq_send_stop(r, false);
            break;
        }
        if (acq_send_velocity(r, c->a) != RIGOR_OK) {
            acq_command_fault(r, "motion command");
            break;
        }
        r->jogging = c->kind == CMD_JOG;
        r->jog_end_t = t + c->b;
        sup_motion(&r->sup, t, fabs(c->a), NAN);
        break;
    case CMD_POSITION:
        if (r->sup.fault)
            break;
        r->jogging = false;
        /* speed first, then the target, then the mode switch that starts it */
        if (acq_write_value(r, ROLE_VELOCITY_CMD, fabs(c->b)) != RIGOR_OK ||
            acq_write_value(r, ROLE_POSITION_CMD, c->a + r->pos_zero_m) != RIGOR_OK ||
            acq_set_mode_must(r, RIG_MODE_POSITION, false) != RIGOR_OK) {
            acq_command_fault(r, "position command");
            break;
        }
        sup_motion(&r->sup, t, fabs(c->b), c->a + r->pos_zero_m);
        break;
    case CMD_ZERO_POS:
        r->pos_zero_m = r->last_abs_pos;
        pthread_mutex_lock(&r->st_mu);
        r->pos_zero_pub = r->pos_zero_m;
        pthread_mutex_unlock(&r->st_mu);
        break;
    case CMD_TARE:
        /* A refused tare leaves the force zero wrong for the whole test:
         * FAULT rather than go on as if it had been done. */
        if (r->cfg.point[ROLE_TARE].present) {
            if (acq_write_word(r, ROLE_TARE, r->cfg.point[ROLE_TARE].value) != RIGOR_OK)
                acq_command_fault(r, "tare");
        } else {
            r->force_zero_N = r->last_force_raw;
        }
        break;
    case CMD_ZERO_EXT:
        if (r->cfg.point[ROLE_ZERO_EXTENSION].present) {
            if (acq_write_word(r, ROLE_ZERO_EXTENSION,
                               r->cfg.point[ROLE_ZERO_EXTENSION].value) != RIGOR_OK)
                acq_command_fault(r, "extensometer zero");
        } else {
            r->ext_zero_m = r->last_ext_raw;
        }
        break;
    case CMD_ACK:
        if (!link_is_open(r->link))
            break;
        acq_write_control(r, 1u << RIG_CTL_ENABLE | 1u << RIG_CTL_FAULT_RESET);
        acq_write_word(r, ROLE_RESET, r->cfg.point[ROLE_RESET].value); /* absent: no-op */
        acq_send_velocity(r, 0.0);
        /* The fault is cleared when a sample shows the drive has cleared it
         * (cycle()), not now: a drive (or a loaded emulator) may report its
         * old fault bits for a cycle or two after FAULT_RESET, and clearing
         * here would fault again on them. */
        if (acq_write_control(r, 1u << RIG_CTL_ENABLE) == RIGOR_OK) {
            r->ack_until = t + ACK_CONFIRM_S;
            atomic_store(&r->ack_state, ACK_PENDING);
        } else {
            atomic_store(&r->ack_state, ACK_REFUSED);
        }
        break;
    case CMD_LIMITS: sup_set_limits(&r->sup, &c->lim); break;
    }
}

/* ---- loop: one cycle ------------------------------------------------------ */

static void push_sample(rig *r, const rig_sample *s)
{
    size_t w = atomic_load_explicit(&r->ring_w, memory_order_relaxed);
    size_t rd = atomic_load_explicit(&r->ring_r, memory_order_acquire);
    if (w - rd >= RING_CAP) {
        r->ls.dropped++;
        return;
    }
    r->ring[w & (RING_CAP - 1)] = *s;
    atomic_store_explicit(&r->ring_w, w + 1, memory_order_release);
    /* Pairs with the waiter's increment of `waiters` before it looks at
     * ring_w: either it sees the new sample or this sees it waiting. The
     * mutex is taken only when someone waits, so an unwatched loop pays one
     * atomic load. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&r->waiters) > 0) {
        pthread_mutex_lock(&r->data_mu);
        pthread_cond_broadcast(&r->data_cv);
        pthread_mutex_unlock(&r->data_mu);
    }
    r->ls.samples++;
}

static int jit_bin(double us)
{
    if (us < 1000)
        return (int)us;
    if (us < 11000)
        return 1000 + (int)((us - 1000) / 10);
    int b = 2000 + (int)((us - 11000) / 1000);
    return b < JIT_BINS ? b : JIT_BINS - 1;
}

static bool read_all(rig *r, uint16_t regs[REGMAP_MAX_BLOCKS][125], const char **what)
{
    for (int i = 0; i < r->plan.nblocks; i++) {
        const regmap_block *b = &r->plan.block[i];
        const rig_device *d = &r->cfg.dev[b->device];
        bool ok = false;
        for (int attempt = 0; attempt <= r->cfg.retries && !ok; attempt++) {
            if (attempt) {
                r->ls.retries++;
                r->cycle_flags |= RIG_SF_RETRIED;
            }
            link_kind k;
            r->ls.transactions++;
            if (link_read(r->link, d, b->table, b->start, b->count, regs[i], &k) == RIGOR_OK) {
                ok = true;
                break;
            }
            acq_count_error(r, k);
            *what = link_last_error(r->link);
            if (k == LINK_LOST) {
                acq_link_lost(r, now_rel(r));
                return false;
            }
            if (k == LINK_REFUSED) {
                /* The map asks for registers the device does not have: the
                 * same read would be refused again, whatever the retries. */
                snprintf(r->werr, sizeof r->werr, "%.31s refused reading %s %u..%u: %.100s",
                         d->name, b->table == TBL_HR ? "hr" : "ir", (unsigned)b->start,
                         (unsigned)(b->start + b->count - 1), link_last_error(r->link));
                r->read_refused = true;
                return false;
            }
        }
        if (!ok)
            return false;
    }
    return true;
}

static double point_value(const rig *r, point_role role, uint16_t regs[REGMAP_MAX_BLOCKS][125])
{
    int b = r->plan.block_of[role];
    if (b < 0)
        return NAN;
    return regmap_decode(&r->cfg.point[role], &regs[b][r->plan.offset_of[role]]);
}

static uint16_t point_word(const rig *r, point_role role, uint16_t regs[REGMAP_MAX_BLOCKS][125])
{
    int b = r->plan.block_of[role];
    return b < 0 ? 0 : regs[b][r->plan.offset_of[role]];
}

static void cycle(rig *r, double t, uint64_t *seq)
{
    r->ls.cycles++;
    r->cycle_flags = 0;
    /* Reconnect with bounded back-off; the pending stop goes out first. */
    if (!link_is_open(r->link)) {
        if (t >= r->next_reconnect_t) {
            if (link_connect(r->link) == RIGOR_OK) {
                r->ls.reconnects++;
                r->mode = -1; /* back-off is reset by the first good cycle */
                pthread_mutex_lock(&r->st_mu);
                r->link_up = true;
                pthread_mutex_unlock(&r->st_mu);
            } else {
                r->backoff_s =
                    fmin(r->backoff_s > 0 ? r->backoff_s * 2 : 0.05, r->cfg.reconnect_max_s);
                r->next_reconnect_t = t + r->backoff_s;
            }
        }
        if (!link_is_open(r->link)) {
            r->ls.failed_cycles++;
            sup_failure(&r->sup, t, "link down");
            acq_publish_fault(r);
            return;
        }
    }
    if (r->pending_stop && acq_send_stop(r, true) == RIGOR_OK)
        r->pending_stop = false;
    if (r->jogging && t >= r->jog_end_t)
        acq_send_stop(r, false);
    if (!atomic_load(&r->hold_heartbeat) && r->cfg.point[ROLE_HEARTBEAT].present) {
        /* A lost heartbeat write is covered by the drive's watchdog and by
         * the read streak; a refused one would starve the watchdog on every
         * cycle: FAULT. */
        uint16_t hb = ++r->hb;
        link_kind k;
        if (acq_write_regs_k(r, ROLE_HEARTBEAT, &hb, 1, false, &k) != RIGOR_OK &&
            k == LINK_REFUSED)
            acq_command_fault(r, "heartbeat write");
    }

    uint16_t(*regs)[125] = r->regs;
    const char *what = "read failed";
    r->read_refused = false;
    if (!read_all(r, regs, &what)) {
        r->ls.failed_cycles++;
        if (r->read_refused) {
            /* deterministic: FAULT now, no retry streak, no reconnect */
            if (sup_command_failed(&r->sup, r->werr) && acq_send_stop(r, true) != RIGOR_OK)
                r->pending_stop = true;
            acq_publish_fault(r);
            return;
        }
        if (sup_failure(&r->sup, t, what) && acq_send_stop(r, true) != RIGOR_OK)
            r->pending_stop = true;
        /* A streak of failures on an open link (a peer that restarted or went
         * half-open answers nothing): reconnect, libmodbus will not. */
        if (link_is_open(r->link) && ++r->bad_streak >= r->cfg.fail_limit) {
            r->bad_streak = 0;
            link_close(r->link);
            acq_link_lost(r, t);
        }
        acq_publish_fault(r);
        return;
    }
    r->bad_streak = 0;
    r->backoff_s = 0;
    rig_sample s;
    memset(&s, 0, sizeof s);
    s.t_s = t;
    s.seq = (*seq)++;
    double abs_pos = point_value(r, ROLE_POSITION, regs);
    double force_raw = point_value(r, ROLE_FORCE, regs);
    double ext_raw = point_value(r, ROLE_EXTENSION, regs);
    s.velocity_m_s = point_value(r, ROLE_VELOCITY, regs);
    static const point_role st[] = {ROLE_DRIVE_STATUS, ROLE_FORCE_STATUS, ROLE_EXT_STATUS,
                                    ROLE_DRIVE_STATUS2};
    s.status |= seq_cycle(&r->seq, &r->cfg, point_word(r, ROLE_FORCE_DP, regs),
                          point_word(r, ROLE_FAULT_CODE, regs));
    for (int i = 0; i < 4; i++)
        if (r->plan.block_of[st[i]] >= 0)
            s.status |= regmap_status(&r->cfg.point[st[i]], point_word(r, st[i], regs));
    s.tick = point_word(r, ROLE_TICK, regs);
    /* NOTE: an invalid value becomes NAN here and is never kept as the last
     * reading: a tare, a zero or a limit must not work on it. The
     * supervisor counts invalid samples in a row. */
    unsigned bad = sup_validate(&r->sup, force_raw, abs_pos, ext_raw,
                                r->plan.block_of[ROLE_EXTENSION] >= 0, s.status);
    s.flags |= (uint16_t)bad;
    if (bad & RIG_SF_BAD_FORCE)
        force_raw = NAN;
    else
        r->last_force_raw = force_raw;
    if (bad & RIG_SF_BAD_POSITION)
        abs_pos = NAN;
    else
        r->last_abs_pos = abs_pos;
    if (bad & RIG_SF_BAD_EXTENSION)
        ext_raw = NAN;
    else
        r->last_ext_raw = ext_raw;
    s.position_m = abs_pos - r->pos_zero_m;
    s.force_N = force_raw - r->force_zero_N;
    s.extension_m = ext_raw - r->ext_zero_m;
    bool acked = false;
    if (atomic_load(&r->ack_state) == ACK_PENDING) {
        /* The deadline first: an ack whose confirming sample never came in
         * time (the link dropped meanwhile) must not clear a fault later on
         * its own — no automatic resume. */
        if (t > r->ack_until) {
            atomic_store(&r->ack_state, ACK_REFUSED);
        } else if (!(s.status & ACK_BLOCKING)) {
            sup_ack(&r->sup, t);
            r->pending_stop = false;
            acked = true; /* told to the caller once published, below */
        }
    }
    bool was_fault = r->sup.fault;
    if (sup_sample(&r->sup, &s, abs_pos)) {
        /* NOTE: the stop goes out in this very cycle, before anything else. */
        if (acq_send_stop(r, true) != RIGOR_OK)
            r->pending_stop = true;
        if (r->sup.kind == SUP_STATUS)
            seq_annotate(&r->seq, &r->cfg, point_word(r, ROLE_FORCE_DP, regs),
                         point_word(r, ROLE_FAULT_CODE, regs), r->sup.reason,
                         sizeof r->sup.reason);
        if (r->sup.kind == SUP_LIMIT)
            s.flags |= RIG_SF_LIMIT;
    }
    if (was_fault || r->sup.fault)
        s.flags |= RIG_SF_FAULT;
    s.flags |= r->cycle_flags;
    acq_publish_fault(r);
    /* Only now: rig_ack_fault reads the published state as soon as it sees
     * ACK_DONE (it once saw the fault still published and refused). */
    if (acked)
        atomic_store(&r->ack_state, ACK_DONE);
    push_sample(r, &s);
    pthread_mutex_lock(&r->st_mu);
    r->latest = s;
    if (!r->have_latest)
        r->first_t = t;
    r->have_latest = true;
    r->last_t = t;
    pthread_mutex_unlock(&r->st_mu);
}

/* Start-up writes: stopped, velocity mode, watchdog on, drive enabled. */
static void setup_writes(rig *r);

static void setup(rig *r)
{
    r->in_setup = true;
    /* [init], decimal point, watchdog read-back, servo-on (rig/sequence.h),
     * then the driver's own checked writes. A refused start-up step is a
     * FAULT naming it, and the drive is not enabled. */
    char why[200] = "";
    if (seq_connect(r->link, &r->cfg, &r->seq, why, sizeof why) != RIGOR_OK) {
        if (sup_command_failed(&r->sup, why) && link_is_open(r->link) &&
            acq_send_stop(r, true) != RIGOR_OK)
            r->pending_stop = true;
        acq_publish_fault(r);
    } else {
        setup_writes(r);
    }
    r->in_setup = false;
}

static void setup_writes(rig *r)
{
    /* Each is checked: a drive whose watchdog was not set, or that did not
     * take velocity 0, must not be enabled. The FAULT names the write. */
    if (acq_send_velocity_must(r, 0.0, true) != RIGOR_OK) {
        acq_command_fault(r, "start-up velocity 0");
        return;
    }
    if (r->cfg.point[ROLE_WATCHDOG].present &&
        acq_write_value_must(r, ROLE_WATCHDOG, r->cfg.watchdog_s, true) != RIGOR_OK) {
        acq_command_fault(r, "watchdog write");
        return;
    }
    if (r->cfg.point[ROLE_HEARTBEAT].present)
        acq_write_word(r, ROLE_HEARTBEAT, ++r->hb);
    if (acq_write_control_must(r, 1u << RIG_CTL_ENABLE, true) != RIGOR_OK)
        acq_command_fault(r, "enable");
}

/* The loop's scheduling, taken before anything is written to the drive and
 * reported to rig_start (waiting on cv) and in the statistics. Returns
 * false when the loop must not run (realtime = required, not granted). */
static bool take_scheduling(rig *r)
{
    rt_status rt;
    /* NOTE: back to back (period 0, RIG_RATE_MAX) declines: a FIFO thread
     * that never sleeps would take a core (rt_for_loop says more). */
    rt_for_loop(r->cfg.realtime, r->period_s, RT_PRIO_ACQ, &rt);
    r->ls.realtime = rt;
    r->ls.keep_awake[0] = '\0';
    bool runs = rt.granted || r->cfg.realtime != RT_REQUIRED;
    /* keep_awake (rig/rt.h): the CPUs this loop and its peer wake every
     * cycle never halt. Not back to back: the loop itself never sleeps
     * then. A refusal leaves the loop running and says so. */
    if (runs && r->cfg.keep_awake && r->period_s > 0) {
        char why[96];
        r->awake = rt_awake_new(why, sizeof why);
        if (r->awake)
            snprintf(r->ls.keep_awake, sizeof r->ls.keep_awake, "%d CPUs",
                     rt_awake_cpus(r->awake));
        else
            snprintf(r->ls.keep_awake, sizeof r->ls.keep_awake, "no (%s)", why);
    }
    pthread_mutex_lock(&r->st_mu);
    r->stats.realtime = rt;
    memcpy(r->stats.keep_awake, r->ls.keep_awake, sizeof r->stats.keep_awake);
    pthread_mutex_unlock(&r->st_mu);
    pthread_mutex_lock(&r->mu);
    r->rt_known = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return runs;
}

static void *loop(void *arg)
{
    rig *r = arg;
    uint64_t seq = 0;
    if (!take_scheduling(r))
        return NULL; /* rig_start reports it; the drive was not touched */
    setup(r);
    double next = now_rel(r);
    r->prev_cycle_t = NAN;
    rig_cmd local[CMDQ_CAP];
    /* The rig file's spin: the last stretch before each deadline is waited
     * for awake (the lock taken and given back, so commands, stops and
     * extra samples are still seen at once) instead of asleep, whose
     * wake-up lags where idle CPUs are slow to wake (a VM: p99 443 us at
     * 1 kHz idle, 145 us with 300 us of spin; docs/performance.md). At most
     * half the period, so the loop always sleeps some of it. */
    const double spin = r->period_s > 0 ? fmin(r->cfg.spin_s, 0.5 * r->period_s) : 0;
    while (!atomic_load(&r->quit)) {
        unsigned n = 0;
        pthread_mutex_lock(&r->mu);
        struct timespec dl = abs_of(r, next - spin);
        double now;
        while (r->period_s > 0 && !atomic_load(&r->quit) && r->qh == r->qt &&
               !atomic_load(&r->stop_req) && !atomic_load(&r->sample_now) &&
               (now = now_rel(r)) < next) {
            if (now >= next - spin) { /* spinning */
                pthread_mutex_unlock(&r->mu);
                pthread_mutex_lock(&r->mu);
                continue;
            }
            if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) == ETIMEDOUT && spin == 0)
                break;
        }
        while (r->qh != r->qt)
            local[n++] = r->q[r->qt++ % CMDQ_CAP];
        pthread_mutex_unlock(&r->mu);
        if (atomic_load(&r->quit))
            break;
        if (atomic_exchange(&r->stop_req, false) && link_is_open(r->link))
            acq_send_stop(r, false);
        for (unsigned i = 0; i < n; i++)
            exec_cmd(r, &local[i]);
        double t = now_rel(r);
        bool extra = atomic_exchange(&r->sample_now, false) && !r->extra_done;
        if (t < next && extra) {
            /* A sample off the grid, now: the consumer's fracture detector
             * has a drop pending confirmation, and waiting for the next
             * deadline would add up to a period to the stop. The grid is
             * kept; its next cycle's jitter is not judged against this one. */
            r->extra_done = true;
            r->ls.extra_samples++;
            cycle(r, t, &seq);
            r->prev_cycle_t = NAN;
            continue;
        }
        if (t < next)
            continue; /* woken for commands: wait for the deadline again */
        r->extra_done = false;
        if (isfinite(r->prev_cycle_t) && r->period_s > 0) {
            double jit_us = fabs((t - r->prev_cycle_t) - r->period_s) * 1e6;
            pthread_mutex_lock(&r->st_mu);
            r->jit[jit_bin(jit_us)]++;
            if (jit_us > r->stats.jitter_max_us)
                r->stats.jitter_max_us = jit_us;
            pthread_mutex_unlock(&r->st_mu);
        }
        r->prev_cycle_t = t;
        cycle(r, t, &seq);
        next += r->period_s;
        double after = now_rel(r);
        if (r->period_s == 0) {
            next = after; /* back to back: no deadline, no overrun */
        } else if (after > next + r->period_s) {
            r->ls.overruns++;
            next = after + r->period_s * 0.5; /* skip missed deadlines */
            r->prev_cycle_t = NAN;
        }
        pthread_mutex_lock(&r->st_mu);
        double jmax = r->stats.jitter_max_us;
        r->stats = r->ls;
        r->stats.jitter_max_us = jmax;
        r->stats.rate_hz = r->rate_hz;
        pthread_mutex_unlock(&r->st_mu);
    }
    rt_awake_free(r->awake);
    r->awake = NULL;
    /* Leave the frame stopped and disabled. */
    if (link_is_open(r->link)) {
        acq_send_stop(r, false);
        acq_write_control(r, 0);
    }
    /* Publish the counts of those last transactions too (their errors). */
    pthread_mutex_lock(&r->st_mu);
    double jmax = r->stats.jitter_max_us;
    r->stats = r->ls;
    r->stats.jitter_max_us = jmax;
    r->stats.rate_hz = r->rate_hz;
    pthread_mutex_unlock(&r->st_mu);
    return NULL;
}

/* ---- public API ----------------------------------------------------------- */

/* The highest rate the link sustains: time a few full cycles (heartbeat and
 * every read) and leave a third of the period free for commands and retries.
 * Runs in the caller's thread before the acquisition thread exists. */
static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The cycle time is the 80th percentile of the successful probe cycles:
 * failed cycles (a dropped reply, an injected fault) are left out so that one
 * timeout does not set the whole test's rate, and the upper part of the good
 * ones is used rather than the median because a peer with a heavy tail (a
 * Python server, a loaded machine, an ASan build) sustains its slow cycles,
 * not its typical one. */
static double probe_rate(rig *r)
{
    enum { N = 20, NEED = 5 };
    double cyc[N];
    int ok = 0;
    for (int i = 0; i < N && ok < 10; i++) {
        struct timespec a, b;
        const char *what;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (r->cfg.point[ROLE_HEARTBEAT].present)
            acq_write_word(r, ROLE_HEARTBEAT, ++r->hb);
        int good = read_all(r, r->regs, &what);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (good)
            cyc[ok++] = ts_s(&b) - ts_s(&a);
        if (!link_is_open(r->link))
            break;
    }
    /* The probe's samples are not part of the run, but its link errors are:
     * every timeout and bad reply on this link is counted. */
    rig_stats keep = r->ls;
    r->ls = (rig_stats){0};
    r->ls.transactions = keep.transactions;
    r->ls.retries = keep.retries;
    r->ls.errors_timeout = keep.errors_timeout;
    r->ls.errors_crc = keep.errors_crc;
    r->ls.errors_exception = keep.errors_exception;
    r->ls.errors_baddata = keep.errors_baddata;
    r->ls.errors_link = keep.errors_link;
    r->ls.reconnects = keep.reconnects;
    if (ok < NEED)
        return fmin(r->cfg.max_rate_hz, 50); /* errors: be modest, the supervisor watches */
    qsort(cyc, (size_t)ok, sizeof cyc[0], cmp_double);
    double cycle_s = cyc[(ok * 4) / 5 < ok ? (ok * 4) / 5 : ok - 1];
    double rate = 1.0 / (1.5 * cycle_s);
    if (rate > 100)
        rate = floor(rate / 50) * 50; /* a round number for the run file */
    return fmax(1.0, fmin(rate, r->cfg.max_rate_hz));
}

int rig_start(rig *r, double rate_hz)
{
    if (r->started)
        return RIGOR_ESTATE;
    if (!link_is_open(r->link))
        return RIGOR_ESTATE;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    if (rate_hz <= 0)
        rate_hz = probe_rate(r);
    if (!link_is_open(r->link))
        return RIGOR_ELINK;
    if (rate_hz > r->cfg.max_rate_hz)
        rate_hz = r->cfg.max_rate_hz;
    r->rate_hz = rate_hz;
    /* INFINITY (RIG_RATE_MAX) under an infinite cap: back to back. A
     * finite but huge rate would instead sleep for microseconds each cycle
     * and pay the kernel's timer slack (~50 us) every time. */
    r->period_s = isinf(rate_hz) ? 0 : 1.0 / rate_hz;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    pthread_mutex_lock(&r->st_mu);
    r->stats.rate_hz = rate_hz;
    pthread_mutex_unlock(&r->st_mu);
    atomic_store(&r->quit, false);
    r->rt_known = false;
    if (pthread_create(&r->thread, NULL, loop, r) != 0)
        return RIGOR_ENOMEM;
    pthread_mutex_lock(&r->mu);
    while (!r->rt_known)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    pthread_mutex_lock(&r->st_mu);
    rt_status rt = r->stats.realtime;
    pthread_mutex_unlock(&r->st_mu);
    if (!rt.granted && r->cfg.realtime == RT_REQUIRED) {
        pthread_join(r->thread, NULL); /* it ended without touching the drive */
        /* refused by the OS, or not asked at all (back to back cannot be real-time) */
        return rt.asked ? RIGOR_EPERM : RIGOR_EINVAL;
    }
    r->started = true;
    return RIGOR_OK;
}
