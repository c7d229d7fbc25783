/* rvalue.h — plastic strain ratio r of a sheet tensile test (ISO 10113).
 *
 * Needs the width change channel (curve.width_change: a transverse
 * extensometer) and the initial width b0. r is the slope-derived ratio of
 * the true width strain to the true thickness strain over a stated range
 * of the longitudinal engineering strain; formula and rule in rvalue.c and
 * docs/analysis-tensile.md.
 */
#ifndef RIGOR_RVALUE_H
#define RIGOR_RVALUE_H

#include "results.h"

#include <stddef.h>

/* Default evaluation range of the reported longitudinal engineering strain
 * (ratio): r_8-12 (Rigor's choice; ISO 10113 leaves it to the product
 * standard), clipped at the strain at maximum force. */
#define RVALUE_LO 0.08
#define RVALUE_HI 0.12
/* The shortest range a regression is made on (ratio of strain). */
#define RVALUE_MIN_SPAN 0.02

typedef struct {
    double r;  /* plastic strain ratio, dimensionless */
    double m;  /* slope of eps_b on eps_l */
    double r2; /* coefficient of determination of that fit */
    size_t np; /* samples in the fit */
} rvalue_fit;

/* Fit over the samples whose reported strain eps[i] - toe lies in [lo, hi]
 * (i < n), with a finite width change db[i] (m) and b0 + db[i] > 0.
 * eps: engineering longitudinal strain (ratio), b0: initial width (m).
 * RIGOR_OK, or RIGOR_ENODATA (fewer than 5 usable samples, or a
 * thickness strain that does not fall: a slope m <= -1 or m >= 0). */
int rvalue_compute(const double *eps, const double *db, size_t n, double b0, double toe,
                   double lo, double hi, rvalue_fit *out);

/* Add r_value, r_value_range_pct and r_value_r2 to rs, or a note saying
 * why r is absent: no width change channel (db NULL), no width, a uniform
 * range too short. e_max: reported strain at maximum force (ratio, NAN
 * when unknown). Returns RIGOR_OK or RIGOR_ENOMEM. */
int rvalue_analyze(const double *eps, const double *db, size_t n, double b0, double toe,
                   double e_max, result_set *rs);

#endif
