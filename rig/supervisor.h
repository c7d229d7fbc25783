/* supervisor.h — the safety supervisor: pure logic run inside the
 * acquisition loop, independent of any protocol.
 *
 * It sees every cycle's outcome (a valid sample, or a failed cycle, or a
 * lost link) and decides whether the rig must stop and enter FAULT:
 *   - soft limits on force, position (rig file and per test), stress and
 *     strain (per test, when area / gauge length are known): tripped when a
 *     value goes beyond a limit (edge-triggered, so that after an
 *     acknowledgement the crosshead can be moved back; sup_check_velocity
 *     refuses motion further into a violated limit);
 *   - status bits: drive fault, e-stop, watchdog tripped, load-cell overload
 *     or ADC error (level-triggered: present -> FAULT), limit switches
 *     (edge-triggered like soft limits);
 *   - a frozen transmitter TICK (unchanged for tick_timeout);
 *   - invalid samples (sup_validate: NaN, beyond the sensor's range, ADC
 *     error bit): more than invalid_limit in a row;
 *   - a force value bit-identical for frozen_timeout while the crosshead is
 *     commanded to move (a device without a heartbeat that repeats its last
 *     value; SUP_FROZEN_HB_X times longer when its TICK is watched);
 *   - a commanded motion whose position stays in the noise band of where it
 *     last was for longer than the motion allowance ("the drive does not
 *     move": a stalled drive or a frozen encoder);
 *   - a refused or failed command write (sup_command_failed);
 *   - fail_limit consecutive failed cycles, or a lost link.
 * FAULT is latched with the first reason and cleared only by sup_ack. No I/O,
 * no clock: times come in with the samples, so it is tested from a table.
 */
#ifndef RIGOR_SUPERVISOR_H
#define RIGOR_SUPERVISOR_H

#include "rig.h"

#include <stdbool.h>

typedef enum {
    SUP_NONE = 0,
    SUP_LIMIT,    /* a soft limit */
    SUP_STATUS,   /* a device status bit */
    SUP_TICK,     /* frozen force data */
    SUP_FAILURES, /* consecutive failed cycles */
    SUP_LINK,     /* link lost */
    SUP_INVALID,  /* more than invalid_limit invalid samples in a row */
    SUP_FROZEN,   /* force or position bit-identical while commanded to move */
    SUP_NO_MOTION, /* commanded to move, position unchanged beyond the noise */
    SUP_COMMAND   /* a write refused or failed (stop escalated, motion refused) */
} sup_kind;

/* Defaults of the driver checks (rig_config fields left 0). */
#define SUP_INVALID_LIMIT 3     /* invalid samples in a row tolerated */
#define SUP_FROZEN_S 1.0        /* s: bit-identical force while moving */
#define SUP_FROZEN_HB_X 5.0     /* x SUP_FROZEN_S when the transmitter has a watched TICK */
#define SUP_MOTION_S 0.5        /* s: acceleration and latency allowance of a motion */
#define SUP_POS_NOISE_M 5e-6    /* m: position noise band */
#define SUP_FORCE_RANGE_X 2.0   /* |gross force| beyond this x capacity is no reading */
#define SUP_POS_RANGE_X 1.0     /* positions beyond the travel by more than this x the
                                   travel length are no reading */

/* "beyond" bits: which limit the last sample violates */
enum {
    SUP_B_FORCE_HI = 1u << 0,
    SUP_B_FORCE_LO = 1u << 1,
    SUP_B_POS_HI = 1u << 2,
    SUP_B_POS_LO = 1u << 3,
    SUP_B_SWITCH_HI = 1u << 4,
    SUP_B_SWITCH_LO = 1u << 5
};

typedef struct {
    /* configuration */
    double force_min_N, force_max_N; /* rig soft limits */
    double pos_min_m, pos_max_m;     /* rig soft limits, absolute position */
    rig_limits test;                 /* per-test limits, NAN = none */
    int fail_limit;
    double tick_timeout_s; /* <= 0: not watched */
    bool watch_tick;
    /* state */
    bool fault;
    sup_kind kind;
    char reason[200];
    unsigned beyond; /* SUP_B_* of the last sample */
    int fail_streak;
    bool tick_seen;
    uint16_t last_tick;
    double tick_change_t; /* time the tick last changed */
    double last_t;
    /* data validity (sup_validate) */
    int invalid_limit;
    int invalid_streak;
    char invalid_why[120];     /* what the last invalid sample had wrong */
    double force_range_N;      /* |gross force| beyond: no reading */
    double pos_lo_m, pos_hi_m; /* absolute positions outside: no reading */
    /* commanded motion (sup_motion), frozen values and motion verification */
    double frozen_s, motion_s, pos_noise_m;
    bool moving_cmd;        /* the crosshead is commanded to move */
    double speed_cmd_m_s;   /* its commanded speed (> 0) */
    double target_abs_m;    /* position move: absolute target, NAN for a velocity move */
    double motion_t;        /* time the motion was commanded (NAN: take the next sample) */
    double motion_pos_m;    /* absolute position at that time (NAN: not known yet) */
    bool motion_seen;       /* the position has left the noise band since */
    uint64_t force_bits;    /* last force, bit for bit */
    double force_same_t;    /* since when it is identical (NAN: not known) */
} supervisor;

void sup_init(supervisor *s, const rig_config *cfg);

/* Replace the per-test limits (NULL: none). */
void sup_set_limits(supervisor *s, const rig_limits *lim);

/* A valid sample; abs_position_m is the position before the software zero.
 * Returns true when this sample trips a FAULT (the caller stops at once). */
bool sup_sample(supervisor *s, const rig_sample *smp, double abs_position_m);

/* A cycle without a valid sample at time t_s (what: short description).
 * Returns true when the failure streak reaches fail_limit. */
bool sup_failure(supervisor *s, double t_s, const char *what);

/* The link was lost. Returns true if this newly trips FAULT. */
bool sup_link_lost(supervisor *s, const char *why);

/* Validity of one reading (pure): returns the RIG_SF_BAD_* bits of the values
 * that cannot be a measurement: not finite, beyond the sensor's physical range
 * (force_gross_N beyond SUP_FORCE_RANGE_X x capacity, abs_pos_m beyond the
 * travel by more than SUP_POS_RANGE_X travel lengths), or flagged by the
 * device (RIG_SB_ADC_ERROR: the force). ext_m NAN with has_ext false is
 * "no extensometer", not invalid. The reason goes to s->invalid_why. */
unsigned sup_validate(supervisor *s, double force_gross_N, double abs_pos_m, double ext_m,
                      bool has_ext, uint32_t status);

/* The crosshead is commanded to move at speed_m_s (> 0) at time t_s, towards
 * the absolute position target_abs_m (NAN: a velocity move), or stopped
 * (speed 0). Starts or ends the frozen-value and motion checks. */
void sup_motion(supervisor *s, double t_s, double speed_m_s, double target_abs_m);

/* A command write failed or was refused (what: register and reason). Trips
 * SUP_COMMAND; returns true if this newly trips FAULT. */
bool sup_command_failed(supervisor *s, const char *what);

/* Operator acknowledgement: clear FAULT and restart the tick watch at t_s. */
void sup_ack(supervisor *s, double t_s);

/* May the crosshead move at v (m/s) given the limits the last sample
 * violates? RIGOR_OK or RIGOR_ELIMIT. */
int sup_check_velocity(const supervisor *s, double v);

#endif
