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
#include "rig.h"

#include "link.h"
#include "regmap.h"
#include "rt.h"
#include "sequence.h"
#include "supervisor.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_CAP 16384u /* samples: 16 s at 1 kHz */
#define CMDQ_CAP 64u
#define JIT_BINS 3000 /* 0-999 us by 1 us, then 10 us to 11 ms, then 1 ms to 1 s */

typedef enum {
    CMD_VELOCITY,
    CMD_POSITION,
    CMD_JOG,
    CMD_ZERO_POS,
    CMD_TARE,
    CMD_ZERO_EXT,
    CMD_ACK,
    CMD_LIMITS
} cmd_kind;

enum { ACK_NONE, ACK_PENDING, ACK_DONE, ACK_REFUSED };

/* Status bits that keep a fault: an acknowledgement is confirmed only by a
 * sample in which the devices report none of them. */
#define ACK_BLOCKING \
    (RIG_SB_ESTOP | RIG_SB_WATCHDOG | RIG_SB_FAULT | RIG_SB_OVERLOAD | RIG_SB_ADC_ERROR | \
     RIG_SB_CONFIG)
/* How long the drive may take to clear its fault bits after FAULT_RESET. */
#define ACK_CONFIRM_S 0.5

typedef struct {
    cmd_kind kind;
    double a, b; /* velocity / position, speed / duration */
    rig_limits lim;
} rig_cmd;

struct rig {
    rig_config cfg;
    regmap_plan plan;
    rig_link *link;

    pthread_t thread;
    bool started;
    atomic_bool quit;
    double rate_hz, period_s;
    struct timespec t0;

    /* command queue (mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool rt_known; /* the loop has taken its scheduling (rig_start waits for it on cv) */
    rig_cmd q[CMDQ_CAP];
    unsigned qh, qt;
    atomic_bool stop_req;
    atomic_bool sample_now; /* one cycle off the grid, asked by the consumer */
    bool extra_done;        /* loop only: at most one such cycle per period */
    atomic_bool hold_heartbeat;
    /* acknowledgement of a fault: the caller waits for DONE or REFUSED */
    atomic_int ack_state;
    double ack_until; /* loop only: when a pending ack gives up */

    /* sample ring: the loop writes ring_w, the consumer ring_r */
    rig_sample *ring;
    atomic_size_t ring_w, ring_r;
    /* a consumer blocked in rig_wait_samples is woken by the loop (data_cv)
     * the moment a sample is pushed: a fracture's stop decision waits for
     * nobody's polling interval */
    pthread_mutex_t data_mu;
    pthread_cond_t data_cv;
    atomic_int waiters;

    /* shared state (st_mu) */
    pthread_mutex_t st_mu;
    rig_sample latest;
    bool have_latest;
    bool fault;
    char reason[200];
    unsigned beyond;
    bool link_up;
    double pos_zero_pub;
    rig_stats stats;
    uint32_t jit[JIT_BINS];
    double first_t, last_t;

    /* loop-private */
    supervisor sup;
    rig_stats ls; /* counters, copied to stats each cycle */
    rt_awake *awake; /* keep_awake's spinners while the loop runs (loop thread only) */
    double pos_zero_m, force_zero_N, ext_zero_m;
    double last_abs_pos, last_force_raw, last_ext_raw;
    uint16_t hb;
    int mode; /* RIG_MODE_*, -1 unknown */
    bool jogging;
    double jog_end_t;
    bool pending_stop; /* a fault stop still has to reach the drive */
    double next_reconnect_t, backoff_s;
    int bad_streak; /* consecutive failed cycles on an open link */
    double prev_cycle_t;
    uint16_t cycle_flags;
    uint16_t regs[REGMAP_MAX_BLOCKS][125]; /* registers of the read plan's blocks */
    seq_state seq; /* rig/sequence.h: start-up sequence, decimal point, alarms */
};

/* ---- time ---------------------------------------------------------------- */

static double ts_s(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec * 1e-9;
}

static double now_rel(const rig *r)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_s(&t) - ts_s(&r->t0);
}

static struct timespec abs_of(const rig *r, double rel)
{
    double a = ts_s(&r->t0) + rel;
    struct timespec t;
    t.tv_sec = (time_t)floor(a);
    t.tv_nsec = (long)((a - floor(a)) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

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
    int rc = link_connect(r->link);
    /* [init], decimal point, watchdog read-back, servo-on (rig/sequence.h) */
    if (rc == RIGOR_OK &&
        (rc = seq_connect(r->link, &r->cfg, &r->seq, r->reason, sizeof r->reason)) != RIGOR_OK) {
        r->fault = true;
        link_close(r->link);
    }
    r->link_up = rc == RIGOR_OK;
    return rc;
}

/* ---- loop: transactions --------------------------------------------------- */

static void count_error(rig *r, link_kind k)
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

static void link_lost(rig *r, double t)
{
    pthread_mutex_lock(&r->st_mu);
    r->link_up = false;
    pthread_mutex_unlock(&r->st_mu);
    sup_link_lost(&r->sup, link_last_error(r->link));
    r->pending_stop = true; /* sent as soon as the link is back */
    r->backoff_s = r->backoff_s > 0 ? fmin(r->backoff_s * 2, r->cfg.reconnect_max_s) : 0.05;
    r->next_reconnect_t = t + r->backoff_s;
}

/* Write the registers of a point, with retries. */
static int write_regs(rig *r, point_role role, const uint16_t *regs, int n)
{
    const rig_point *pt = &r->cfg.point[role];
    if (!pt->present)
        return RIGOR_OK;
    const rig_device *d = &r->cfg.dev[pt->device];
    int rc = RIGOR_ELINK;
    for (int attempt = 0; attempt <= r->cfg.retries; attempt++) {
        if (attempt)
            r->ls.retries++;
        link_kind k;
        r->ls.transactions++;
        rc = link_write(r->link, d, pt->address, (uint16_t)n, regs, pt->fc, &k);
        if (rc == RIGOR_OK)
            return RIGOR_OK;
        count_error(r, k);
        if (k == LINK_LOST) {
            link_lost(r, now_rel(r));
            return rc;
        }
        if (k == LINK_EXCEPTION)
            return rc; /* the device refuses: retrying will not help */
    }
    return rc;
}

static int write_value(rig *r, point_role role, double si)
{
    const rig_point *pt = &r->cfg.point[role];
    if (!pt->present)
        return RIGOR_OK;
    uint16_t regs[2];
    int rc = regmap_encode(pt, si, regs);
    if (rc)
        return rc;
    return write_regs(r, role, regs, regmap_nregs(pt));
}

static int write_word(rig *r, point_role role, uint16_t w)
{
    return write_regs(r, role, &w, 1);
}

static int write_control(rig *r, unsigned flags)
{
    const rig_point *pt = &r->cfg.point[ROLE_CONTROL];
    if (!pt->present)
        return RIGOR_OK;
    return write_word(r, ROLE_CONTROL, regmap_control(pt, flags));
}

static int set_mode(rig *r, int mode)
{
    const rig_point *pt = &r->cfg.point[ROLE_MODE];
    if (!pt->present || r->mode == mode)
        return RIGOR_OK;
    if (pt->values[mode] < 0)
        return RIGOR_EUNSUPPORTED;
    int rc = write_word(r, ROLE_MODE, (uint16_t)pt->values[mode]);
    r->mode = rc == RIGOR_OK ? mode : -1;
    return rc;
}

/* NOTE: the setpoint goes first, then the mode: switching a drive from position
 * to velocity mode before the new setpoint would run it, however briefly, at
 * the old position-mode speed. */
static int send_velocity(rig *r, double v)
{
    int rc = write_value(r, ROLE_VELOCITY_CMD, v);
    int rc2 = set_mode(r, RIG_MODE_VELOCITY);
    return rc ? rc : rc2;
}

/* Stop the crosshead: velocity 0 in velocity mode; a fault stop also sets the
 * drive's quick stop. */
static int send_stop(rig *r, bool fault)
{
    r->jogging = false;
    r->cycle_flags |= RIG_SF_STOPPED;
    int rc = send_velocity(r, 0.0);
    if (fault) {
        int rc2 = write_control(r, 1u << RIG_CTL_ENABLE | 1u << RIG_CTL_QUICK_STOP);
        if (rc == RIGOR_OK)
            rc = rc2;
    }
    return rc;
}

static void publish_fault(rig *r)
{
    pthread_mutex_lock(&r->st_mu);
    r->fault = r->sup.fault;
    snprintf(r->reason, sizeof r->reason, "%s", r->sup.reason);
    r->beyond = r->sup.beyond;
    pthread_mutex_unlock(&r->st_mu);
}

/* ---- loop: commands ------------------------------------------------------- */

static void exec_cmd(rig *r, const rig_cmd *c)
{
    double t = now_rel(r);
    switch (c->kind) {
    case CMD_VELOCITY:
    case CMD_JOG:
        if (r->sup.fault || sup_check_velocity(&r->sup, c->a) != RIGOR_OK)
            break;
        send_velocity(r, c->a);
        r->jogging = c->kind == CMD_JOG;
        r->jog_end_t = t + c->b;
        break;
    case CMD_POSITION:
        if (r->sup.fault)
            break;
        r->jogging = false;
        /* speed first, then the target, then the mode switch that starts it */
        if (write_value(r, ROLE_VELOCITY_CMD, fabs(c->b)) == RIGOR_OK &&
            write_value(r, ROLE_POSITION_CMD, c->a + r->pos_zero_m) == RIGOR_OK)
            set_mode(r, RIG_MODE_POSITION);
        break;
    case CMD_ZERO_POS:
        r->pos_zero_m = r->last_abs_pos;
        pthread_mutex_lock(&r->st_mu);
        r->pos_zero_pub = r->pos_zero_m;
        pthread_mutex_unlock(&r->st_mu);
        break;
    case CMD_TARE:
        if (r->cfg.point[ROLE_TARE].present)
            write_word(r, ROLE_TARE, r->cfg.point[ROLE_TARE].value);
        else
            r->force_zero_N = r->last_force_raw;
        break;
    case CMD_ZERO_EXT:
        if (r->cfg.point[ROLE_ZERO_EXTENSION].present)
            write_word(r, ROLE_ZERO_EXTENSION, r->cfg.point[ROLE_ZERO_EXTENSION].value);
        else
            r->ext_zero_m = r->last_ext_raw;
        break;
    case CMD_ACK:
        if (!link_is_open(r->link))
            break;
        write_control(r, 1u << RIG_CTL_ENABLE | 1u << RIG_CTL_FAULT_RESET);
        write_word(r, ROLE_RESET, r->cfg.point[ROLE_RESET].value); /* absent: no-op */
        send_velocity(r, 0.0);
        /* The fault is cleared when a sample shows the drive has cleared it
         * (cycle()), not now: a drive (or a loaded emulator) may report its
         * old fault bits for a cycle or two after FAULT_RESET, and clearing
         * here would fault again on them. */
        if (write_control(r, 1u << RIG_CTL_ENABLE) == RIGOR_OK) {
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

static double jit_value(int b)
{
    if (b < 1000)
        return b + 0.5;
    if (b < 2000)
        return 1000 + (b - 1000) * 10 + 5;
    return 11000 + (b - 2000) * 1000 + 500;
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
            count_error(r, k);
            *what = link_last_error(r->link);
            if (k == LINK_LOST) {
                link_lost(r, now_rel(r));
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
            publish_fault(r);
            return;
        }
    }
    if (r->pending_stop && send_stop(r, true) == RIGOR_OK)
        r->pending_stop = false;
    if (r->jogging && t >= r->jog_end_t)
        send_stop(r, false);
    if (!atomic_load(&r->hold_heartbeat) && r->cfg.point[ROLE_HEARTBEAT].present)
        write_word(r, ROLE_HEARTBEAT, ++r->hb);

    uint16_t(*regs)[125] = r->regs;
    const char *what = "read failed";
    if (!read_all(r, regs, &what)) {
        r->ls.failed_cycles++;
        if (sup_failure(&r->sup, t, what) && send_stop(r, true) != RIGOR_OK)
            r->pending_stop = true;
        /* A streak of failures on an open link (a peer that restarted or went
         * half-open answers nothing): reconnect, libmodbus will not. */
        if (link_is_open(r->link) && ++r->bad_streak >= r->cfg.fail_limit) {
            r->bad_streak = 0;
            link_close(r->link);
            link_lost(r, t);
        }
        publish_fault(r);
        return;
    }
    r->bad_streak = 0;
    r->backoff_s = 0;
    rig_sample s;
    memset(&s, 0, sizeof s);
    s.t_s = t;
    s.seq = (*seq)++;
    double abs_pos = point_value(r, ROLE_POSITION, regs);
    r->last_abs_pos = abs_pos;
    s.position_m = abs_pos - r->pos_zero_m;
    r->last_force_raw = point_value(r, ROLE_FORCE, regs);
    s.force_N = r->last_force_raw - r->force_zero_N;
    r->last_ext_raw = point_value(r, ROLE_EXTENSION, regs);
    s.extension_m = r->last_ext_raw - r->ext_zero_m;
    s.velocity_m_s = point_value(r, ROLE_VELOCITY, regs);
    static const point_role st[] = {ROLE_DRIVE_STATUS, ROLE_FORCE_STATUS, ROLE_EXT_STATUS,
                                    ROLE_DRIVE_STATUS2};
    s.status |= seq_cycle(&r->seq, &r->cfg, point_word(r, ROLE_FORCE_DP, regs),
                          point_word(r, ROLE_FAULT_CODE, regs));
    for (int i = 0; i < 4; i++)
        if (r->plan.block_of[st[i]] >= 0)
            s.status |= regmap_status(&r->cfg.point[st[i]], point_word(r, st[i], regs));
    s.tick = point_word(r, ROLE_TICK, regs);
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
        if (send_stop(r, true) != RIGOR_OK)
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
    publish_fault(r);
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
static void setup(rig *r)
{
    send_velocity(r, 0.0);
    if (r->cfg.point[ROLE_WATCHDOG].present)
        write_value(r, ROLE_WATCHDOG, r->cfg.watchdog_s);
    if (r->cfg.point[ROLE_HEARTBEAT].present)
        write_word(r, ROLE_HEARTBEAT, ++r->hb);
    write_control(r, 1u << RIG_CTL_ENABLE);
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
            send_stop(r, false);
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
        send_stop(r, false);
        write_control(r, 0);
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
            write_word(r, ROLE_HEARTBEAT, ++r->hb);
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
