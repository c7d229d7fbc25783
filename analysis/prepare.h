/* prepare.h — a curve's engineering stress and strain in the results' frame.
 *
 * Plots and reports draw the curve that the numbers were computed on. This
 * gives the arrays: stress sigma (Pa) and strain (ratio) in the same frame as
 * the result_set of analysis_run() on the same curve and options, so a point
 * drawn at (strain_at_max_pct, tensile_strength_mpa) lies on the curve.
 */
#ifndef RIGOR_PREPARE_H
#define RIGOR_PREPARE_H

#include "analysis.h"
#include "curve.h"
#include "results.h"

#include <stdbool.h>
#include <stddef.h>

/* Engineering strain and stress of c as analysed into rs (rs->test says
 * which analysis ran):
 *   tensile      sigma = F / A0 (or the file's stress column), eps = dL / L0
 *                (or the file's strain column), then toe-compensated:
 *                eps' = eps - toe_offset_pct / 100, as every reported strain.
 *   compression  magnitudes |F| / A0 and |travel - travel(contact)| / h0
 *                minus the constant compliance's deflection, over the first
 *                loading stroke, with contact and stroke end taken from the
 *                method entries contact_sample / loading_end_sample (1-based)
 *                when present. A compliance table (o->compliance_file) is
 *                not applied here: the strain then still holds the machine
 *                deflection that the analysis removed.
 * Geometry: o->geom over c->geom, as in analysis_run().
 * On RIGOR_OK *eps and *sig are malloc'd arrays of *n samples, owned by the
 * caller (free both). Otherwise nothing is allocated and why says what is
 * missing (RIGOR_EGEOMETRY, RIGOR_ENODATA, RIGOR_ENOMEM). */
int analysis_curve_arrays(const curve *c, const analysis_opts *o, const result_set *rs,
                          double **eps, double **sig, size_t *n, char *why, size_t wl);

/* ---- Extensometer removed mid-test ----
 *
 * ISO 6892-1 allows removing the extensometer after yield (clause number
 * UNVERIFIED here). An extensometer taken off (or stopped) after yield leaves its strain
 * column empty (NaN), frozen at its last value, or jumped back (to 0 or
 * elsewhere) while force and crosshead go on. prepare_ext_switch() finds
 * that point s from the strain channel E (ratio), the crosshead X (m) and
 * the force F (N); prepare_ext_combine() then keeps E before s and continues
 * after it from the crosshead, matched at the last extensometer sample:
 *
 *   eps(i) = E(i)                                  i <  s
 *   eps(i) = E(s-1) + k * (Xc(i) - Xc(s-1))        i >= s,  Xc = X - C * F
 *
 * with C the frame compliance (m/N, 0 when unknown) and k the strain per
 * metre of compliance-corrected crosshead: the least-squares slope of E on
 * Xc over the overlap just before s (the samples whose E lies in the upper
 * 30 % of E's range before s), which absorbs the difference between the
 * gauge length and the free length between the grips; 1 / L0 when that
 * overlap does not give a clear positive slope (r^2 < 0.9 or < 8 samples).
 *
 * Detection, in this order, only while the specimen carries load (F at the
 * candidate >= 20 % of the largest force before it) and before any break:
 *  empty   the first non-finite E after at least 8 finite ones, with F and X
 *          still finite;
 *  jumped  a one-sample step BACK, E(i-1) - E(i), of at least max(1e-4,
 *          5 % of E's range so far) that is more than 5 x what the crosshead
 *          predicts (k |dXc|; a step forward is a Lüders band or a slip,
 *          and the gauge still measures), with the force not falling by more than 5 %
 *          of its maximum in that step (a fracture's jump is not a
 *          removal); when E after the step still follows the crosshead
 *          (the rise of its running maximum after the step is at least half
 *          of k times the crosshead's, and above the jump threshold) it is
 *          a re-zero, not a removal: the step is taken out (E continued
 *          across it, sw->rezero_at) and the search goes on;
 *  frozen  a final run of E within max(1e-6, 0.5 % of E's range) of its
 *          last finite value over which the crosshead, while the force is
 *          still >= 20 % of its maximum, predicts a strain change k dXc of
 *          more than 20 x that band and at least 5 % of E's range: the
 *          gauge no longer follows the specimen (a gauge that holds its
 *          value after the break is not a removal).
 * A hold (crosshead at rest) or an unload (crosshead back) is none of
 * these. */
typedef enum {
    EXT_SWITCH_NONE = 0, /* the extensometer follows the specimen to the end */
    EXT_SWITCH_EMPTY,    /* its column became empty (NaN) */
    EXT_SWITCH_FROZEN,   /* it froze at its last value */
    EXT_SWITCH_JUMPED    /* it jumped away (back to 0 or elsewhere) */
} ext_switch_kind;

typedef struct {
    ext_switch_kind kind;
    size_t at;           /* first sample taken from the crosshead (n when none) */
    double strain_at;    /* extensometer strain at sample at - 1 (ratio) */
    double k_per_m;      /* strain per metre of corrected crosshead */
    double c_m_per_N;    /* frame compliance applied (0: none) */
    int k_fitted;        /* 1: k fitted on the overlap, 0: k = 1 / L0 */
    size_t rezero_at;    /* a re-zero step taken out at this sample (0: none) */
    double rezero_shift; /* strain added from rezero_at on (ratio) */
} ext_switch;

/* Find the switch on E, X, F[0..n-1] (X, F must be finite everywhere; E may
 * hold NaN). gauge_m: L0 or NAN; c_m_per_N: compliance or 0. Returns
 * RIGOR_OK (sw->kind NONE when there is nothing to do), or RIGOR_ENODATA
 * with why when E has a removal but k cannot be found (no overlap slope and
 * no gauge length).
 * X may be NULL (no crosshead; F may then be the stress): empty and jumped
 * are found the same way (the crosshead's prediction taken as 0; a step
 * after which E rises again by more than the jump threshold is a re-zero),
 * frozen only when the force rises by more than 10 % of its maximum while
 * E stays in the band; sw->k_per_m is then NAN and there is nothing to
 * continue from: the caller ends the analysis at sw->at. */
int prepare_ext_switch(const double *E, const double *X, const double *F, size_t n,
                       double gauge_m, double c_m_per_N, ext_switch *sw, char *why, size_t wl);

/* The crosshead the switch and the unload rule are judged on: c->xhead (a
 * crosshead kept beside an extensometer extension, curve.h) when it and the
 * force are finite everywhere, else the extension channel when it and the
 * force are; NULL otherwise. *separate is set true when it is c->xhead (the
 * extension channel is then the extensometer, whose strain eps = dL / L0
 * may itself be removed mid-test). */
const double *prepare_crosshead(const curve *c, bool *separate);

/* Frame compliance for a tensile curve, m/N: o->compliance_m_per_N when
 * > 0, else the one a Rigor run file states (metadata compliance_mm_per_N),
 * else 0 (unknown). */
double prepare_compliance(const curve *c, const analysis_opts *o);

/* Write the combined strain into out[0..n-1] (out may equal E); without a
 * crosshead (X NULL) E with the re-zero step taken out, unchanged from
 * sw->at on. */
void prepare_ext_combine(const double *E, const double *X, const double *F, size_t n,
                         const ext_switch *sw, double *out);

/* ---- Unload judged from the right channel ----
 *
 * End of the loading part of a tensile record: the first sample at which
 * the CROSSHEAD X (m, when the file has one; NULL otherwise) has come back
 * from its running maximum by more than 1 % of its range while the force y
 * is still at least half of its maximum so far (tensile_loading_end on X).
 * Without a crosshead, a strain reversal counts only when the force fell
 * together with it: at the reversal y is below its value at the strain's
 * running maximum by at least 1 % of its maximum. A step of the strain
 * channel alone (a re-zeroed clip-on gauge, a removed or frozen
 * extensometer) is never an unload (the running maximum then restarts
 * from that sample). Rules in docs/analysis-prepare.md. Returns n when there is none; else the
 * loaded part is [0, it), with *f_frac the force there over the maximum. */
size_t prepare_loading_end(const double *X, const double *eps, const double *y, size_t n,
                           double *f_frac);

#endif
