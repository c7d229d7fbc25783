/* ratectl.h — closed-loop force rate on the crosshead speed (pure logic).
 *
 * The outer loop of `ramp`, `cycle`, `unload` at a force rate (N/s) and of
 * `hold at FORCE`: it turns the measured force and crosshead position into
 * a crosshead speed, one sample at a time. The law (docs/protocols.md,
 * "Force-rate control"):
 *
 *   F*(t) = F_a + r (t - t_a)                    reference (hold: F* = target)
 *   e     = F*(t) - F                            force error, N
 *   v     = (r + e / tau + I / (4 tau^2)) / k    I = integral of e dt, N s
 *
 * with k the specimen+frame stiffness dF/dx estimated on line (least
 * squares over the last RATECTL_WIN samples), r the signed force rate, and
 * tau the loop time constant. With k exact the error obeys
 * e'' + e'/tau + e/(4 tau^2) = 0: critically damped, decaying as
 * exp(-t/(2 tau)). A k off by a factor q scales the loop gain by 1/q; the
 * rate is still r in the steady state (the integral removes the lag).
 *
 * No gain is tuned per specimen: tau = max(20 ms, 10 sample periods,
 * 3 loop delays) (the loop stays ten times slower than the one-period
 * command delay, and three times slower than the delay the caller measures
 * between a sample and its command reaching the drive, which grows when
 * the host is loaded), the speed
 * is clamped to the rig file's speed_max, and k is never taken below
 * |r| / speed_max (a softer specimen cannot reach the rate anyway). Before
 * the stiffness is known (no travel yet) the crosshead probes: it starts at
 * speed_max / 10^4 and doubles the speed every tau until the estimate's
 * standard error is below 25 % of its value.
 *
 * Coordinates: everything in the test direction (force and travel positive
 * as the specimen is loaded); the caller converts to rig coordinates.
 */
#ifndef RIGOR_RATECTL_H
#define RIGOR_RATECTL_H

#include <stdbool.h>

#define RATECTL_WIN 64

typedef struct {
    double speed_max_m_s; /* clamp (rig file speed_max) */
    /* stiffness window (test direction, raw: zero offsets cancel in a slope) */
    double wx[RATECTL_WIN], wf[RATECTL_WIN];
    int wn, wi;
    double k_last;        /* last trusted stiffness, N/m (0 = none yet) */
    double t_prev, dt_s;  /* sample period estimate (EWMA), s */
    double delay_s;       /* loop delay: fast attack, decays over ~1 s */
    /* the segment being controlled */
    bool active;
    bool hold;            /* hold at f_target (r = 0) */
    int dir;              /* +1 loading (v >= 0), -1 unloading (v <= 0), 0 hold */
    double rate_N_s;      /* signed force rate r */
    double t_a, f_a;      /* reference origin */
    double f_target;      /* hold target */
    double integ;         /* integral of e dt, N s */
    double probe_v;       /* probing speed while k is unknown, m/s */
    double t_probe;       /* when probe_v was last doubled */
    bool probing;
} ratectl;

/* speed_max_m_s: NAN or <= 0 = unknown (then 10 mm/s). */
void ratectl_init(ratectl *c, double speed_max_m_s);

/* Feed every sample (also while the loop is not in charge) so the stiffness
 * window is warm when a force-rate step begins. */
void ratectl_observe(ratectl *c, double t_s, double x_m, double f_N);

/* Begin a segment: rate_N_s > 0 magnitude, dir +1 (force rising) or -1
 * (falling). The reference starts at the present force f_N. */
void ratectl_begin_rate(ratectl *c, double t_s, double f_N, double rate_N_s, int dir);
/* Begin holding f_target_N. */
void ratectl_begin_hold(ratectl *c, double t_s, double f_target_N);

/* The crosshead speed (m/s, test direction) for the sample just observed. */
double ratectl_speed(ratectl *c, double t_s, double f_N);

/* The loop time constant now, s. */
double ratectl_tau(const ratectl *c);

/* The delay between a sample and the command computed from it taking
 * effect (the caller's measure: e.g. how stale the samples of a batch
 * are), s. Raises tau at once; forgotten over about a second. */
void ratectl_set_delay(ratectl *c, double delay_s);

/* The delay estimate now, s. */
double ratectl_delay(const ratectl *c);

/* Stiffness estimate of the window, N/m, or NAN when it is not trusted. */
double ratectl_stiffness(const ratectl *c);

#endif
