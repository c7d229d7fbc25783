/* holds.h — holds in a record: stress relaxation at position, creep at force.
 *
 * A protocol's `hold TIME` keeps the crosshead still (the stress relaxes);
 * `hold at FORCE for TIME` keeps the force (the strain creeps). This module
 * finds the holds from the record itself (run files carry no step marks),
 * and reports per hold the stress (relaxation) or strain (creep) against
 * time: relaxation in % or creep strain at the end and at stated times, and
 * the fit of a stated model with its parameters and residual. Definitions:
 * docs/analysis-cycles.md. SI inside: s, Pa, ratio, N.
 */
#ifndef RIGOR_HOLDS_H
#define RIGOR_HOLDS_H

#include "results.h"

#include <stddef.h>

typedef enum { HOLD_RELAXATION = 1, HOLD_CREEP = 2 } hold_kind;

typedef enum {
    HOLD_MODEL_PRONY2 = 0, /* y = c0 + c1 exp(-t/tau1) + c2 exp(-t/tau2) (default) */
    HOLD_MODEL_PRONY1,     /* y = c0 + c1 exp(-t/tau1): a standard linear solid */
    HOLD_MODEL_LOG         /* y = c0 + c1 ln(1 + t/tau1): logarithmic law */
} hold_model;

/* The stated model's name in results ("prony2", "prony1", "log"). */
const char *holds_model_name(hold_model m);

typedef struct {
    hold_kind kind;
    size_t i0, i1; /* first and last sample of the hold */
} hold_span;

/* Holds of at least HOLDS_MIN_S seconds with the specimen loaded (mean
 * force at least 10 % of the record's largest): the position still within
 * max(10 noise sd, 1e-4 of its range) -> relaxation; else the force still
 * within max(10 noise sd, 1 % of the largest force) with the crosshead
 * moving at most a quarter of the ramps' speed -> creep. pos: crosshead
 * position or extension (m), F: force (N) or stress; t_s required. */
#define HOLDS_MIN_S 2.0
int holds_find(const double *t_s, const double *pos, const double *F, size_t n, hold_span *out,
               size_t cap, size_t *nh);

typedef struct {
    hold_model model;
    double c0, c1, c2; /* y units */
    double tau1, tau2; /* s (tau1 = t0 of the log law); NAN where unused */
    double rms;        /* root-mean-square residual over all samples, y units */
    size_t n;          /* samples */
} hold_fit;

/* Fit y(t) (t from the hold's start, s) with model m by variable projection:
 * the amplitudes by linear least squares (GSL multifit) for given time
 * constants, the time constants (in ln) by GSL Brent (one) or Nelder-Mead
 * (two) minimisation of the residual sum of squares on log-time bins. */
int holds_fit(const double *t, const double *y, size_t n, hold_model m, hold_fit *f);

/* Holds report options: the model and the stated times (s from the hold's
 * start) at which relaxation and creep are also given. */
typedef struct {
    hold_model model;
    double times_s[8];
    size_t ntimes;
} holds_opts;

void holds_opts_default(holds_opts *h); /* prony2, times 1, 10, 60, 600 s */

/* Add "relaxation" and "creep" tables and summary keys (first hold of each
 * kind: relaxation_pct, relaxation_fit_rms_mpa, creep_strain_pct) to rs.
 * eps: strain (ratio), sig: stress (Pa), pos: position for the detection,
 * strain_origin: subtracted from reported strains. */
int holds_report(const double *t_s, const double *pos, const double *eps, const double *sig,
                 const double *F, size_t n, double strain_origin, const holds_opts *h,
                 result_set *rs);

#endif
