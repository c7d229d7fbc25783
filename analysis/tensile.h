/* tensile.h — tensile results from an engineering stress–strain curve.
 *
 * Input is the curve already reduced to engineering strain (ratio) and
 * stress (Pa) by analysis_run(); this module computes modulus, yield, strength,
 * break and toughness following ISO 527-1, ASTM D638/D882 (toe compensation,
 * Annex A1) and ASTM E8 (break rules), and records every parameter it used.
 */
#ifndef RIGOR_TENSILE_H
#define RIGOR_TENSILE_H

#include "analysis.h"
#include "modulus.h"
#include "results.h"

#include <stdbool.h>
#include <stddef.h>

/* The modulus line sigma = c0 + E eps (modulus.h), exposed for tests and plots. */
typedef modulus_line tensile_modulus;

/* The toe-offset bound (ASTM D638 / D882 Annex A1 leave it open; Rigor's
 * choice, issue 20): a modulus line sigma = E (eps - eps_toe) whose eps_toe
 * lies farther than this from the recorded zero does not describe the
 * initial loading. Bound = min(2 % strain, 10 % of the recorded strain at
 * maximum stress), as a ratio. An auto window beyond it is refused and the
 * next candidate used; a toe offset beyond it is never applied. */
#define TENSILE_TOE_MAX_STRAIN 0.02
#define TENSILE_TOE_MAX_FRAC 0.10
double tensile_toe_bound(double eps_at_max);

/* A least-squares modulus fit with r^2 below this is flagged (WARNING). */
#define TENSILE_MODULUS_R2_MIN MODULUS_R2_MIN

/* Find the modulus by o->modulus (auto/fit/chord/secant/e3076, modulus.h)
 * on samples [0, imax] of eps/sig; q (may be NULL) receives the E3076
 * metrics for MOD_E3076. Returns RIGOR_OK or RIGOR_ENODATA with why filled. */
int tensile_modulus_find(const double *eps, const double *sig, size_t imax,
                         const analysis_opts *o, tensile_modulus *m, modulus_quality *q,
                         char *why, size_t wl);

/* End of the loading part of a tensile record, in samples: the first
 * sample at which the strain has come back from its running maximum by
 * more than 1 % of its range while the force (y: force, or stress) is still
 * at least half of its maximum so far. The crosshead was driven back (an
 * unload, a relaxation protocol's return): the specimen did not break, and
 * the unloading branch is not a fracture drop. A force that fell first (a
 * fracture) with the crosshead returning afterwards is not an unload.
 * Returns n when there is none, else that sample's index (the loaded part
 * is [0, it)), with *f_frac the force there as a fraction of the maximum. */
size_t tensile_loading_end(const double *eps, const double *y, size_t n, double *f_frac);

/* Full tensile analysis. eps: recorded engineering strain (ratio); sig:
 * engineering stress (Pa); force_N may be NULL (then max force = NAN unless
 * area_m2 is finite). t_s may be NULL. Fills rs (results, method, notes). */
int tensile_analyze(const double *t_s, const double *eps, const double *sig,
                    const double *force_N, size_t n, double area_m2,
                    const analysis_opts *o, result_set *rs, char *why, size_t wl);

/* How a test ended, from a Rigor run file's `end_reason` trailer (the only
 * place the text is read; one table in tensile.c owns the names). */
typedef enum {
    TENSILE_END_UNKNOWN = 0, /* no end reason: a legacy export, an interrupted run */
    TENSILE_END_FRACTURE,    /* "fracture" */
    TENSILE_END_LIMIT,       /* "limit ... reached": a protocol limit stopped it */
    TENSILE_END_OPERATOR,    /* "operator stop" */
    TENSILE_END_FAULT,       /* "fault: ...": the supervisor stopped it */
    TENSILE_END_COMPLETE     /* the protocol ran to its end (relaxation, creep, cycles) */
} tensile_end;

/* The end kind named by a run file's end_reason text (NULL: unknown). */
tensile_end tensile_end_from_reason(const char *reason);

/* Results of a specimen that did not break (issue 23). Called after
 * tensile_analyze on the same loaded part eps/sig[0..n-1] with the curve's
 * end reason. A specimen did not break when no fracture drop was found
 * (break rule end-of-data or unloaded) and either its run file says it
 * ended other than by fracture, or it has no end reason and the stress
 * never fell from its maximum by
 * 5 % while the strain grew by 10 % of the strain at maximum (no necking:
 * a legacy file cut at fracture after necking keeps its last sample as the
 * break). Then break_stress_mpa, strain_at_break_pct and toughness_mj_m3
 * are null, break_rule is "not-broken" (or stays "unloaded"), and unless the maximum was passed
 * (that necking test) tensile_strength_mpa is null and max_stress_mpa
 * holds the highest stress reached; each with a note naming why.
 * Returns RIGOR_OK (or RIGOR_ENOMEM). */
int tensile_apply_end(tensile_end end, const char *reason, const double *eps, const double *sig,
                      size_t n, result_set *rs);

#endif
