/* acq_internal.h — the rig handle's state, shared by rig/acq*.c only.
 *
 * acq.c runs the acquisition thread (cycle, commands, writes); acq_api.c
 * holds the public calls other threads make (rig.h). Nothing outside
 * rig/acq*.c includes this file.
 */
#ifndef RIGOR_ACQ_INTERNAL_H
#define RIGOR_ACQ_INTERNAL_H

#include "rig.h"

#include "link.h"
#include "regmap.h"
#include "rt.h"
#include "sequence.h"
#include "supervisor.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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
#define ACK_BLOCKING                                                                           \
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
    rig_stats ls;    /* counters, copied to stats each cycle */
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
    bool enable_sent;  /* the last CONTROL written had ENABLE */
    bool in_setup;     /* the start-up writes run (more patience with transient errors) */
    bool read_refused; /* read_all: a block was refused with a deterministic exception */
    char werr[200];    /* the last failed write: device, register, role and why */
    uint16_t regs[REGMAP_MAX_BLOCKS][125]; /* registers of the read plan's blocks */
    seq_state seq; /* rig/sequence.h: start-up sequence, decimal point, alarms */
};

/* ---- acq_write.c: the loop's writes (loop thread only) ------------------- */

/* Count a link error in the loop's statistics. */
void acq_count_error(rig *r, link_kind k);
/* The link is gone: FAULT, stop pending, reconnect back-off. */
void acq_link_lost(rig *r, double t);
/* Copy the supervisor's FAULT state to the shared state. */
void acq_publish_fault(rig *r);
/* Write a point's registers; *kind says how it failed; r->werr says what. */
int acq_write_regs_k(rig *r, point_role role, const uint16_t *regs, int n, bool must,
                     link_kind *kind);
int acq_write_regs(rig *r, point_role role, const uint16_t *regs, int n);
int acq_write_value_must(rig *r, point_role role, double si, bool must);
int acq_write_value(rig *r, point_role role, double si);
int acq_write_word(rig *r, point_role role, uint16_t w);
int acq_write_control_must(rig *r, unsigned flags, bool must);
int acq_write_control(rig *r, unsigned flags);
int acq_set_mode_must(rig *r, int mode, bool must);
int acq_send_velocity_must(rig *r, double v, bool must);
int acq_send_velocity(rig *r, double v);
/* A command write failed: FAULT naming it (r->werr), then stop. */
void acq_command_fault(rig *r, const char *what);
/* Stop the crosshead, checked, retried and escalated (acq_write.c). */
int acq_send_stop(rig *r, bool fault);

/* ---- time (CLOCK_MONOTONIC) ---------------------------------------------- */

static inline double ts_s(const struct timespec *t)
{
    return (double)t->tv_sec + (double)t->tv_nsec * 1e-9;
}

static inline double now_rel(const rig *r)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_s(&t) - ts_s(&r->t0);
}

static inline struct timespec abs_of(const rig *r, double rel)
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

#endif
