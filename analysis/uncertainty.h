/* uncertainty.h — expanded measurement uncertainty of the results by Monte Carlo.
 *
 * GUM Supplement 1 (JCGM 101:2008) propagation of distributions through the
 * very analysis that produced the results (analysis_run), as ISO/TR 15263
 * suggests for tensile results: each trial perturbs the record and the
 * geometry by draws from the input distributions, analyses it again, and
 * the spread of each result over the trials is its standard uncertainty u;
 * the expanded uncertainty is U = k u with k = 2 (about 95 % coverage for a
 * near-normal output, GUM 6.2, JCGM 101 §7.7).
 *
 * Inputs (docs/uncertainty.md):
 *   force-measuring system class c_F (ISO 7500-1 Table 2: relative error of
 *     indication within +-c_F %): a rectangular relative scale error per trial;
 *   extensometer class c_e (ISO 9513 Table 2, relative error of indication
 *     within +-c_e %): the same on the extension (or strain) channel;
 *   geometry: a standard uncertainty per dimension (from repeated
 *     measurements: s / sqrt(n); from an instrument resolution r: r / sqrt(12)),
 *     Gaussian per trial;
 *   the record's own noise (robust standard deviation of the second
 *     differences) and resolution (smallest step), added per sample as
 *     Gaussian noise and a rectangular quantisation error.
 *
 * Trials are seeded per trial index (splitmix64 of seed and index), run in
 * the worker pool (common/pool.h) and reduced in index order, so the numbers
 * do not depend on the number of threads. The number of trials is adaptive:
 * batches of UNC_BATCH trials until every U changes by less than tol (relative)
 * from one batch to the next, twice in a row, or max_trials.
 */
#ifndef RIGOR_UNCERTAINTY_H
#define RIGOR_UNCERTAINTY_H

#include "analysis.h"
#include "curve.h"
#include "results.h"

#include <stdbool.h>
#include <stdint.h>

#define UNC_BATCH 100

typedef struct {
    double force_class_pct; /* ISO 7500-1 class (0.5, 1, 2, 3), 0: not given */
    double ext_class_pct;   /* ISO 9513 class (0.2, 0.5, 1, 2), 0: not given */
    curve_geom u_geom;      /* standard uncertainty of each dimension (m, m^2), NAN/0: none */
    bool record_noise;      /* add the record's own noise and resolution (default true) */
    uint64_t seed;          /* trial i uses splitmix64(seed, i) */
    double tol;             /* relative stability of U between batches (default 0.05) */
    size_t min_trials;      /* at least (default 2 * UNC_BATCH) */
    size_t max_trials;      /* at most (default 5000) */
    double k;               /* coverage factor (default 2) */
    int jobs;               /* threads (pool_run) */
    /* Where each input came from, written to the method as *_source
     * ("--force-class", "run file (rig ...)"); NULL: "not stated" when the
     * input is 0, else "options". */
    const char *force_class_src, *ext_class_src, *u_geom_src;
} unc_opts;

void unc_opts_default(unc_opts *u);

/* The record's noise (robust sd of one sample, channel units) and its
 * resolution (smallest step between samples, 0 when none is visible). */
void unc_channel_noise(const double *v, size_t n, double *sd, double *resolution);

/* Monte Carlo over c analysed with o; rs holds the nominal results (from
 * analysis_run with the same o). Adds "<key>_u" (U, in the key's unit) for
 * each result with an uncertainty, "coverage_factor", and method entries
 * naming every input. Returns RIGOR_OK, RIGOR_EINVAL (bad options) or
 * RIGOR_ENOMEM; results the trials cannot reproduce get a note. */
int uncertainty_run(const curve *c, const analysis_opts *o, const unc_opts *u, result_set *rs,
                    char *why, size_t wl);

#endif
