/* rvalue.c — plastic strain ratio r (ISO 10113:2020); see rvalue.h.
 *
 * Strains (ratios), widths in m:
 *   eps_l = ln(L / L0) = ln(1 + e')          true longitudinal strain, e' the
 *                                              reported engineering strain
 *   eps_b = ln(b / b0) = ln(1 + db / b0)      true width strain, db = b - b0
 *   eps_a = ln(a / a0) = ln(L0 b0 / (L b))    true thickness strain, from
 *         = -(eps_l + eps_b)                   volume constancy a b L = a0 b0 L0
 *   r     = eps_b / eps_a                      (ISO 10113 cl. 3, formula (1))
 *
 * Rule (the linear-regression method of ISO 10113 cl. 8): over the range
 * [lo, hi] of e' the least-squares slope m of eps_b on eps_l (with an
 * intercept) gives eps_b = m eps_l + c, so that the increments satisfy
 * deps_a = -(1 + m) deps_l and
 *   r = -m / (1 + m).
 * The intercept takes up what is constant over the range: the elastic
 * parts (their change is (dsigma / E)(1 + nu), ~1e-4 over a range of a
 * few % against 4e-2 of plastic strain, neglected) and a zero offset of
 * the transverse gauge. The range must lie in the uniform plastic
 * elongation (cl. 8): 8-12 % by default (r_8-12), clipped at the strain at
 * maximum force; below RVALUE_MIN_SPAN of strain r is not given.
 */
#include "rvalue.h"

#include "numeric.h"

#include "../common/error.h"

#include <math.h>
#include <stdlib.h>

int rvalue_compute(const double *eps, const double *db, size_t n, double b0, double toe,
                   double lo, double hi, rvalue_fit *out)
{
    out->r = out->m = out->r2 = NAN;
    out->np = 0;
    if (!eps || !db || !(b0 > 0) || !(hi > lo))
        return RIGOR_ENODATA;
    size_t k = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        double e = eps[i] - toe;
        cap += e >= lo && e <= hi;
    }
    if (cap < 5)
        return RIGOR_ENODATA;
    double *x = malloc(2 * cap * sizeof *x);
    if (!x)
        return RIGOR_ENOMEM;
    double *y = x + cap;
    for (size_t i = 0; i < n && k < cap; i++) {
        double e = eps[i] - toe;
        if (!(e >= lo && e <= hi) || !isfinite(db[i]) || !(b0 + db[i] > 0) || !(e > -1))
            continue;
        x[k] = log1p(e);          /* eps_l */
        y[k] = log1p(db[i] / b0); /* eps_b */
        k++;
    }
    int rc = RIGOR_ENODATA;
    linfit f;
    if (k >= 5 && numeric_linfit(x, y, k, &f) == RIGOR_OK) {
        out->m = f.c1;
        out->np = k;
        if (f.c1 < 0 && f.c1 > -1) { /* the width and the thickness both fall */
            out->r = -f.c1 / (1 + f.c1);
            out->r2 = f.r2;
            rc = RIGOR_OK;
        }
    }
    free(x);
    return rc;
}

int rvalue_analyze(const double *eps, const double *db, size_t n, double b0, double toe,
                   double e_max, result_set *rs)
{
    if (!db)
        return results_note(rs, "r_value is absent: the file has no width-change channel "
                                "(ISO 10113 needs the width measured during the test)");
    if (!(b0 > 0))
        return results_note(rs, "r_value is absent: the initial width b0 is not known "
                                "(give --width)");
    double lo = RVALUE_LO, hi = RVALUE_HI;
    if (isfinite(e_max) && e_max < hi)
        hi = e_max;
    if (hi - lo < RVALUE_MIN_SPAN) {
        /* a low uniform elongation: the last RVALUE_MIN_SPAN*2 before it */
        lo = hi - 2 * RVALUE_MIN_SPAN;
        if (lo < RVALUE_MIN_SPAN)
            lo = RVALUE_MIN_SPAN;
    }
    if (hi - lo < RVALUE_MIN_SPAN)
        return results_note(rs,
                            "r_value is absent: the uniform plastic elongation ends at %.3g %% "
                            "strain, too short a range for ISO 10113 (at least %.3g %% from "
                            "%.3g %%)",
                            hi * 100, RVALUE_MIN_SPAN * 100, RVALUE_MIN_SPAN * 100);
    rvalue_fit f;
    int rc = rvalue_compute(eps, db, n, b0, toe, lo, hi, &f);
    if (rc == RIGOR_ENOMEM)
        return rc;
    if (rc != RIGOR_OK) {
        if (f.np)
            return results_warn(rs,
                                "r_value is absent: over %.3g-%.3g %% strain the width strain "
                                "changes by %.4g per unit length strain, so the thickness "
                                "strain does not fall (r needs -1 < slope < 0; is the width "
                                "change's sign reversed?)",
                                lo * 100, hi * 100, f.m);
        return results_note(rs,
                            "r_value is absent: fewer than 5 samples with a width change in "
                            "%.3g-%.3g %% strain (ISO 10113)",
                            lo * 100, hi * 100);
    }
    if ((rc = results_number(rs, "r_value", f.r)))
        return rc;
    if ((rc = results_pair(rs, "r_value_range_pct", lo * 100, hi * 100)))
        return rc;
    return results_number(rs, "r_value_r2", f.r2);
}
