/* rig.h — the rig driver: what the rest of Rigor uses to run a load frame.
 *
 * A rig is an opaque handle built from a rig_config (rigfile.h). rig_new does
 * no I/O; rig_connect opens the Modbus link; rig_start starts the acquisition
 * thread, which alone owns the Modbus context (libmodbus is not thread-safe).
 * That thread samples the frame at a fixed period (CLOCK_MONOTONIC), writes
 * the heartbeat every cycle with the drive watchdog enabled, runs the safety
 * supervisor on every sample, and hands samples to one consumer through a
 * bounded lock-free queue that never blocks it. Commands from any thread go
 * through a command queue and wake the loop at once: a stop reaches the drive
 * before the loop reads again (well within one sample period of the sample
 * that triggered it).
 *
 * Safety: a soft limit, a drive/e-stop/limit-switch/overload status bit, a
 * frozen transmitter TICK, N consecutive failed cycles or a lost link put the
 * rig in FAULT: the crosshead is stopped (quick stop) as soon as any path
 * allows, motion commands are refused, and only rig_ack_fault (an operator's
 * acknowledgement) clears it. Nothing resumes by itself.
 *
 * Every function returns RIGOR_OK or a negative rigor_err unless stated.
 */
#ifndef RIGOR_RIG_H
#define RIGOR_RIG_H

#include "rigfile.h"
#include "rt.h"

#include <math.h> /* INFINITY */
#include <stddef.h>
#include <stdint.h>

typedef struct rig rig;

/* One sample of the frame, SI units. */
typedef struct {
    double t_s;          /* CLOCK_MONOTONIC time since rig_start */
    double position_m;   /* crosshead position minus the zero (rig_cmd_zero_position) */
    double force_N;      /* net force, + = tension */
    double extension_m;  /* extensometer, NAN if none */
    double velocity_m_s; /* actual crosshead velocity, NAN if not mapped */
    uint32_t status;     /* RIG_SB_* bits of all devices */
    uint16_t tick;       /* transmitter tick (0 if not mapped) */
    uint16_t flags;      /* RIG_SF_* */
    uint64_t seq;        /* sample number, from 0 */
} rig_sample;

enum {
    RIG_SF_FAULT = 1u << 0,   /* the rig was in FAULT when this sample was taken */
    RIG_SF_STOPPED = 1u << 1, /* a stop was sent in this cycle */
    RIG_SF_RETRIED = 1u << 2, /* a request of this cycle needed a retry */
    RIG_SF_LIMIT = 1u << 3,   /* a soft limit tripped on this sample */
    /* Invalid values (docs/reliability.md, "Data validity"): the quantity is
     * NAN in this sample and written as an empty cell in the run file. A
     * value is invalid when it is not finite, lies beyond the physical range
     * of its sensor, or its device flags it (ADC / cell error). */
    RIG_SF_BAD_FORCE = 1u << 4,
    RIG_SF_BAD_POSITION = 1u << 5,
    RIG_SF_BAD_EXTENSION = 1u << 6
};
#define RIG_SF_INVALID (RIG_SF_BAD_FORCE | RIG_SF_BAD_POSITION | RIG_SF_BAD_EXTENSION)

/* Acquisition statistics, for the console and the run-file trailer. */
typedef struct {
    uint64_t samples;        /* samples delivered to the queue */
    uint64_t cycles;         /* loop iterations */
    uint64_t failed_cycles;  /* cycles without a valid sample */
    uint64_t overruns;       /* cycles that started a whole period late */
    uint64_t dropped;        /* samples lost because the consumer was too slow */
    uint64_t extra_samples;  /* samples taken off the grid on request (rig_sample_now) */
    double rate_hz;          /* requested rate */
    double achieved_rate_hz; /* samples / elapsed time */
    double jitter_p50_us;    /* |period - nominal| percentiles */
    double jitter_p99_us;
    double jitter_max_us;
    uint64_t transactions; /* Modbus requests sent */
    uint64_t retries;
    uint64_t errors_timeout;
    uint64_t errors_crc;
    uint64_t errors_exception;
    uint64_t errors_baddata; /* malformed replies other than CRC */
    uint64_t errors_link;    /* connection lost / refused / write failed */
    uint64_t reconnects;     /* successful reconnections */
    rt_status realtime;      /* the acquisition thread's scheduling (rig/rt.h): SCHED_FIFO
                                granted, or why not; known once rig_start has returned */
    char keep_awake[128];    /* the rig file's keep_awake while sampling: "" (not asked, or
                                back to back), "N CPUs" kept awake (rt_awake), or "no (why)" */
} rig_stats;

/* Test-specific limits (rig_set_limits); NAN = no limit. Stress and strain
 * limits apply only when area / gauge length are known. */
typedef struct {
    double force_min_N, force_max_N;
    double position_min_m, position_max_m; /* on the zeroed position */
    double stress_max_Pa;                  /* |force| / area_m2 */
    double strain_max;                     /* |position| / gauge_m (ratio) */
    double area_m2;
    double gauge_m;
} rig_limits;

/* The rig's health. */
typedef enum { RIG_HEALTH_OK = 0, RIG_HEALTH_FAULT } rig_health;

/* Build a rig from a validated configuration (copied). No I/O. */
int rig_new(const rig_config *cfg, rig **out);

/* Open the Modbus link (TCP or RTU) and flush stale bytes. RIGOR_ELINK if the
 * peer cannot be reached. Call before rig_start. */
int rig_connect(rig *r);

/* Start the acquisition thread at rate_hz (capped at the rig file's
 * max_rate). rate_hz <= 0: the highest rate the link sustains, measured by
 * timing a few cycles first (rig_stats.rate_hz tells the result).
 * RIG_RATE_MAX with a config whose max_rate_hz is INFINITY too (benchmarks;
 * a rig file caps at 1000 Hz): cycles back to back, as fast as the link
 * answers, no jitter or overrun accounting.
 * The loop first takes its scheduling as the rig file's `realtime` says
 * (SCHED_FIFO RT_PRIO_ACQ at a finite rate; never back to back; the result
 * is in rig_stats.realtime when this returns); with `realtime = required`
 * and a refusal it writes nothing and this returns RIGOR_EPERM (RIGOR_EINVAL
 * back to back). It then sets velocity 0 and velocity mode, writes the
 * watchdog time, enables the drive and samples. RIGOR_ESTATE if already
 * running. */
#define RIG_RATE_MAX INFINITY
int rig_start(rig *r, double rate_hz);

/* Consumer side: move up to max samples out of the queue into buf (oldest
 * first). Returns the number copied (0 if none). One consumer thread only. */
size_t rig_poll_samples(rig *r, rig_sample *buf, size_t max);

/* The most recent sample (any thread). RIGOR_ENODATA before the first one. */
int rig_latest(rig *r, rig_sample *out);

/* Wait up to timeout_s for at least one sample to be queued. Returns true if
 * there is one. */
bool rig_wait_samples(rig *r, double timeout_s);

/* Commands: validated against the machine limits here (RIGOR_ELIMIT),
 * refused in FAULT (RIGOR_ESTATE), queued (RIGOR_EFULL if the queue is full) and
 * executed by the loop at once. */
int rig_cmd_velocity(rig *r, double m_per_s); /* move at rate (+ = up/tension) */
int rig_cmd_position(rig *r, double pos_m, double speed_m_s); /* move to a zeroed position */
int rig_cmd_jog(rig *r, double m_per_s, double duration_s);   /* move at rate, then stop */
int rig_cmd_stop(rig *r);           /* velocity 0; always accepted, also in FAULT */
/* Take one sample now, off the sampling grid (at most one per period; the
 * grid itself is kept). For a consumer that must decide on the next sample
 * (a fracture pending confirmation) without waiting a period for it. */
int rig_sample_now(rig *r);
int rig_cmd_zero_position(rig *r);  /* the present position becomes 0 */
int rig_cmd_tare(rig *r);           /* zero the force (transmitter command, or software) */
int rig_cmd_zero_extension(rig *r); /* zero the extensometer (device command, or software) */

/* Replace the test-specific limits (NULL clears them). Machine limits from
 * the rig file always apply as well. */
int rig_set_limits(rig *r, const rig_limits *lim);

/* A rig_limits with every field NAN. */
rig_limits rig_limits_none(void);

/* OK or FAULT; the reason ("" when OK) is copied into reason (may be NULL). */
rig_health rig_state(rig *r, char *reason, size_t len);

/* Operator acknowledgement: sends the drive's fault reset and clears FAULT
 * once a sample shows the devices report no fault, e-stop, watchdog, overload
 * or ADC error (they get 0.5 s to clear them). RIGOR_ESTATE if the cause is
 * still present (link down, e-stop pressed, a drive that keeps its fault). */
int rig_ack_fault(rig *r);

/* Statistics so far (any thread). */
int rig_stats_get(rig *r, rig_stats *out);

/* Stop the acquisition: velocity 0, drive disabled, thread joined, link
 * closed. Safe to call when not started. */
int rig_stop(rig *r);

/* Stop if needed and free. rig_free(NULL) is safe. */
void rig_free(rig *r);

/* Fault injection for tests: stop (true) or resume writing the heartbeat, to
 * prove that the drive's watchdog stops the frame without us. */
void rig_test_hold_heartbeat(rig *r, bool hold);

/* The configuration the rig runs with. */
const rig_config *rig_config_of(const rig *r);

#endif
