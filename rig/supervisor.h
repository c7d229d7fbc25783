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
    SUP_LINK      /* link lost */
} sup_kind;

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

/* Operator acknowledgement: clear FAULT and restart the tick watch at t_s. */
void sup_ack(supervisor *s, double t_s);

/* May the crosshead move at v (m/s) given the limits the last sample
 * violates? RIGOR_OK or RIGOR_ELIMIT. */
int sup_check_velocity(const supervisor *s, double v);

#endif
