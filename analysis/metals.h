/* metals.h — ISO 6892-1:2019 / ASTM E8/E8M quantities of a tensile curve.
 *
 * Called by tensile_analyze after modulus, offset yield, maximum and break
 * are known; adds discontinuous-yielding results (ReH, ReL, Ae), Rt, Ag,
 * Agt, At, A, Z and the strain-hardening exponent n (ISO 10275) to the
 * result set. Definitions, formulas and clauses are in metals.c and in
 * docs/analysis-tensile.md.
 */
#ifndef RIGOR_METALS_H
#define RIGOR_METALS_H

#include "results.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const double *eps;    /* recorded engineering strain (ratio), loaded part */
    const double *sig;    /* engineering stress, Pa */
    size_t n;             /* samples */
    size_t i0;            /* start of the modulus window (the toe before it is skipped) */
    size_t imax;          /* sample of the maximum stress */
    size_t ib;            /* break sample (tensile_analyze's rule) */
    double E_Pa;          /* modulus, Pa (NAN: none) */
    double toe;           /* applied toe offset (ratio): reported strain = eps - toe */
    double s_n;           /* stress noise SD, Pa */
    double area_m2;       /* S0, m^2 (NAN when unknown) */
    double rt;            /* Rt's total extension (ratio), 0 = not asked */
    double final_area_m2; /* Su from the final dimensions, NAN when not given */
} metals_in;

/* Fill rs with the metals results that apply; a note for each that does
 * not. Returns RIGOR_OK or RIGOR_ENOMEM. */
int metals_analyze(const metals_in *in, result_set *rs);

/* Discontinuous yielding, exposed for tests: indices of ReH (i_h), of ReL
 * (i_l) and of the start of uniform work hardening (i_e). False when the
 * yielding is continuous. */
bool metals_discontinuous(const metals_in *in, size_t *i_h, size_t *i_l, size_t *i_e);

#endif
