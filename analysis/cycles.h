/* cycles.h — load–unload cycles of a record: segmentation and per-cycle results.
 *
 * A cyclic protocol (`cycle N between LO and HI`, a ramp followed by an
 * unload, stack-pressure cycling) drives the crosshead up and down. This
 * module cuts the record into cycles at the reversals of the crosshead
 * (turning points of the strain with a hysteresis gate, so noise and
 * quantisation do not make false reversals) and reports, per cycle, the peak
 * and valley, the unloading modulus, the hysteresis energy and the residual
 * strain. It also gives the whole-record maximum and the final break when a
 * tensile record goes on loading after its first unload (the tensile
 * analysis itself stops at the first reversal). Definitions, formulas and
 * the fractions used: docs/analysis-cycles.md.
 *
 * All inputs SI: strain as a ratio, stress in Pa, force in N, time in s.
 */
#ifndef RIGOR_CYCLES_H
#define RIGOR_CYCLES_H

#include "analysis.h"
#include "results.h"

#include <stddef.h>

/* The upper part of an unloading branch the unloading modulus is fitted
 * on, as fractions of the branch's force range above the valley: from 95 %
 * (the turning point itself is left out: the crosshead slows and turns
 * there) down to 50 %. */
#define CYCLES_UNLOAD_HI 0.95
#define CYCLES_UNLOAD_LO 0.50
/* Reversal gate: the strain must come back from its running extreme by this
 * fraction of its range (or 8 noise standard deviations, if more). */
#define CYCLES_REV_FRAC 0.01
/* A cycle counts when its force falls, from the peak to the valley, by at
 * least this fraction of the record's largest force (a return stroke of a
 * broken specimen carries no force and is not a cycle). */
#define CYCLES_MIN_DROP 0.10

typedef struct {
    size_t i_start, i_peak, i_valley; /* samples: cycle start (previous valley or 0),
                                         reversal at the top, reversal at the bottom */
    double t_peak_s;                  /* time of the peak, NAN without a time channel */
    double peak_stress_Pa, peak_force_N, peak_strain;       /* largest stress in the cycle */
    double valley_stress_Pa, valley_force_N, valley_strain; /* smallest on the unload */
    double unload_modulus_Pa; /* slope of the fitted upper unloading branch */
    double unload_r2;         /* its r^2 */
    size_t unload_n;          /* samples in that fit */
    double hysteresis_J_m3;   /* closed-path integral of sigma d(eps) */
} cycle_info;

/* Find the complete cycles of x (strain) / y (stress); force_N may be NULL
 * (then the force fields are y * area_m2, or NAN with area NAN); t_s may
 * be NULL. At most cap cycles are stored in out; *ncyc receives how many
 * were found (it may exceed cap: then RIGOR_EFULL). */
int cycles_find(const double *t_s, const double *x, const double *y, const double *force_N,
                size_t n, double area_m2, cycle_info *out, size_t cap, size_t *ncyc);

/* Add the cycles to rs: a "cycles" table (one row per cycle), cycle_count
 * and the evolution from the first to the last cycle; minimum is the number
 * of cycles below which nothing is added (2 by default, 1 with --cycles).
 * Strains are reported minus strain_origin (the toe offset of a tensile
 * analysis, the contact strain of a compression one); sample indices in the
 * table are those of x plus i_offset. */
int cycles_report(const double *t_s, const double *x, const double *y, const double *force_N,
                  size_t n, double area_m2, double strain_origin, size_t i_offset,
                  size_t minimum, result_set *rs);

/* A tensile record analysed up to its first unload (samples [0, n_first))
 * that goes on after it: replace the maximum force, tensile strength and
 * strain at maximum by those of the whole record, and take the break from
 * the last loading stroke (after the last valley), so that a cyclic test
 * followed by a ramp to fracture reports that fracture. Notes say so. */
int cycles_tensile_whole(const double *t_s, const double *eps, const double *sig,
                         const double *force_N, size_t n_first, size_t n, double area_m2,
                         const analysis_opts *o, result_set *rs);

/* The cycles of a compression record after compression_analyze filled rs:
 * strain from travel since contact minus frame deflection, over the height,
 * as compression.c defines it (sign conventions detected the same way); the
 * whole-record maximum force and stress replace the first stroke's when
 * larger. */
int cycles_compression(const curve *c, const analysis_opts *o, result_set *rs);

#endif
