/* metals.c — ISO 6892-1:2019 / ASTM E8/E8M results; see metals.h.
 *
 * All strains are the reported ones, eps' = eps - toe (ratio), as percent of
 * the extensometer gauge length when stored; stresses in Pa, MPa when
 * stored. E is the measured modulus (m_E of ISO 6892-1 Annex G).
 *
 *   discontinuous yielding (ISO 6892-1 §3.10.2, Figure 2; ASTM E8 §7.7)
 *     ReH  upper yield strength: the stress at the first maximum before the
 *          first force drop. Rule: scanning from the modulus window, the
 *          first running maximum (index i_h) from which the stress falls by
 *          at least max(0.5 % of it, 5 s_n) before the maximum force, with a
 *          plastic strain eps'_h - sig_h/E below 0.5 % (a drop later in
 *          the plastic range is serrated flow, not the yield point).
 *     yield phase: from i_h to the start of uniform work hardening i_e,
 *          the last sample before the maximum force whose stress is at most
 *          P + max(1 % P, 5 s_n), P the median stress of the yield phase
 *          (found by three passes from the samples between i_h and the
 *          first one that regains ReH, or the maximum force).
 *     ReL  lower yield strength: the lowest stress in the yield phase,
 *          ignoring the initial transient (ISO 6892-1 §3.10.2.2: the first
 *          minimum after ReH and the rise after it, up to the first maximum
 *          that is followed by a fall of the drop band), unless no other
 *          sample is left.
 *     Ae   yield point extension, % = 100 (eps'_e - eps'_h); a phase shorter
 *          than 0.1 % strain is not discontinuous yielding (a hold, a
 *          pause of the drive: the stress relaxes at constant strain).
 *   Rt     stress at a total extension rt (--rt): sigma at eps' = rt,
 *          linear interpolation, first crossing (ISO 6892-1 §3.10.4).
 *   Agt    total extension at maximum force, % = 100 eps'(imax) (§3.6.5).
 *   Ag     plastic extension at maximum force, % = Agt - 100 Rm / E (§3.6.4).
 *   At     total extension at fracture, % = 100 eps'(ib) (§3.4.3).
 *   A      elongation after fracture from the curve, % = At - 100 sig_b / E:
 *          the elastic part removed with the measured modulus (§3.4.2, §20).
 *   Z      reduction of area, % = 100 (S0 - Su) / S0, Su from the final
 *          diameter (pi du^2 / 4) or width x thickness (§3.5, §22).
 *   n      strain-hardening exponent, ISO 10275:2020: least-squares slope of
 *          ln sigma_t against ln eps_p over the uniform plastic range, with
 *          sigma_t = sigma (1 + eps'), eps_p = ln(1 + eps') - sigma_t / E.
 *          Range (Rigor's choice where ISO 10275 leaves it to the product
 *          standard): 10-20 % when Agt >= 20 %, else from max(2 %, end of
 *          the yield phase) to Agt; fewer than 1 % strain or 5 samples: none.
 */
#include "metals.h"

#include "../common/error.h"
#include "numeric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROP_FRAC 0.005     /* first force drop: 0.5 % of the stress ... */
#define DROP_NOISE 5.0      /* ... and 5 noise SDs */
#define YIELD_PLASTIC 0.005 /* ReH lies below 0.5 % plastic strain */
#define PLATEAU_FRAC 0.01   /* yield phase: within 1 % of its median level */
#define AE_MIN 0.001        /* a yield phase spans at least 0.1 % strain */
#define PLASTIC_ZERO_PCT 0.1 /* Ag, A below zero by less than this (%): 0 */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bool metals_discontinuous(const metals_in *in, size_t *i_h, size_t *i_l, size_t *i_e)
{
    const double *eps = in->eps, *sig = in->sig;
    if (!isfinite(in->E_Pa) || in->imax <= in->i0 + 2)
        return false;
    size_t irm = in->i0;
    size_t h = in->imax + 1;
    for (size_t i = in->i0 + 1; i <= in->imax; i++) {
        if (sig[i] > sig[irm]) {
            irm = i;
            continue;
        }
        double band = fmax(DROP_FRAC * sig[irm], DROP_NOISE * in->s_n);
        if (sig[irm] - sig[i] >= band) {
            double ep = eps[irm] - in->toe - sig[irm] / in->E_Pa;
            if (ep < YIELD_PLASTIC && sig[irm] > 0)
                h = irm;
            break;
        }
    }
    if (h > in->imax)
        return false;
    double band = fmax(DROP_FRAC * sig[h], DROP_NOISE * in->s_n);
    /* P: median stress from ReH to the first sample that regains it */
    size_t j = h + 1;
    while (j < in->imax && sig[j] < sig[h])
        j++;
    size_t k = j - h;
    if (k < 3)
        return false;
    /* e can move past j in the passes below: room up to the maximum */
    double *v = malloc((in->imax - h + 1) * sizeof *v);
    if (!v)
        return false;
    /* P and i_e together: the median of [h, j) starts high when hardening
     * follows the plateau before ReH is regained; three passes of "median
     * of [h, e], then e from it" settle on the plateau. */
    size_t e = j - 1;
    for (int pass = 0; pass < 3; pass++) {
        size_t kk = e - h;
        if (kk < 2)
            break;
        memcpy(v, sig + h + 1, kk * sizeof *v);
        qsort(v, kk, sizeof *v, cmp_double);
        double P = v[kk / 2];
        double lim = P + fmax(PLATEAU_FRAC * P, DROP_NOISE * in->s_n);
        size_t ne = h;
        for (size_t i = in->imax; i > h; i--)
            if (sig[i] <= lim) {
                ne = i;
                break;
            }
        if (ne == e)
            break;
        e = ne;
    }
    free(v);
    /* A yield phase shorter than AE_MIN of strain is a hold or a pause of
     * the drive (the stress relaxes at constant strain), not Lueders
     * yielding, whose bands run over the gauge length. */
    if (e <= h + 1 || eps[e] - eps[h] < AE_MIN)
        return false;
    /* Initial transient: down to its first minimum, up again by the band,
     * and on to the first maximum after it (the stress falls back by the
     * band); ReL is the least stress after that, within the yield phase. */
    size_t t = h + 1, tmin = h + 1;
    for (; t <= e; t++) {
        if (sig[t] < sig[tmin])
            tmin = t;
        else if (sig[t] - sig[tmin] >= band)
            break;
    }
    size_t tmx = t;
    for (; t <= e; t++) {
        if (sig[t] > sig[tmx])
            tmx = t;
        else if (sig[tmx] - sig[t] >= band)
            break;
    }
    size_t l = tmin;
    if (t < e) {
        l = t;
        for (size_t i = t; i <= e; i++)
            if (sig[i] < sig[l])
                l = i;
    }
    *i_h = h;
    *i_l = l;
    *i_e = e;
    return true;
}

/* ISO 10275 n over [lo, hi] of eps' (ratio); NAN when the range is short. */
static double n_value(const metals_in *in, double lo, double hi, double *r2, size_t *np)
{
    *r2 = NAN;
    *np = 0;
    const double *eps = in->eps, *sig = in->sig;
    size_t a = in->imax + 1, b = 0;
    for (size_t i = in->i0; i <= in->imax; i++) {
        double e = eps[i] - in->toe;
        if (e >= lo && e <= hi) {
            if (a > in->imax)
                a = i;
            b = i;
        }
    }
    if (a > in->imax || b < a + 4)
        return NAN;
    size_t stride = (b - a) / 20000 + 1, cap = (b - a) / stride + 1, k = 0;
    double *x = malloc(2 * cap * sizeof *x);
    if (!x)
        return NAN;
    double *y = x + cap;
    for (size_t i = a; i <= b && k < cap; i += stride) {
        double e = eps[i] - in->toe;
        double st = sig[i] * (1 + e);
        double ep = log1p(e) - st / in->E_Pa;
        if (st > 0 && ep > 0) {
            x[k] = log(ep);
            y[k] = log(st);
            k++;
        }
    }
    double n = NAN;
    linfit f;
    if (k >= 5 && numeric_linfit(x, y, k, &f) == RIGOR_OK) {
        n = f.c1;
        *r2 = f.r2;
        *np = k;
    }
    free(x);
    return n;
}

int metals_analyze(const metals_in *in, result_set *rs)
{
    const double *eps = in->eps, *sig = in->sig;
    double E = in->E_Pa, toe = in->toe;
    int rc = RIGOR_OK;
#define TRY(call)                                                                              \
    do {                                                                                       \
        if ((call) != RIGOR_OK)                                                                \
            rc = RIGOR_ENOMEM;                                                                 \
    } while (0)
    /* Discontinuous or continuous yielding. */
    size_t ih, il, ie;
    double ae_end = 0;
    if (metals_discontinuous(in, &ih, &il, &ie)) {
        TRY(results_string(rs, "yield_type", "discontinuous"));
        TRY(results_number(rs, "upper_yield_strength_mpa", sig[ih] / 1e6));
        TRY(results_number(rs, "lower_yield_strength_mpa", sig[il] / 1e6));
        TRY(results_number(rs, "yield_point_extension_pct", (eps[ie] - eps[ih]) * 100));
        ae_end = eps[ie] - toe;
        TRY(results_note(rs,
                         "discontinuous yielding: a force drop of %.3g %% after the upper "
                         "yield point at %.4g %% strain; ReH, ReL and Ae apply beside Rp",
                         100 * (sig[ih] - sig[il]) / sig[ih], (eps[ih] - toe) * 100));
    } else if (isfinite(E) && !isfinite(results_get(rs, "yield_strength_mpa")) &&
               !isfinite(results_get(rs, "offset_yield_strength_mpa"))) {
        TRY(results_string(rs, "yield_type", "none"));
        TRY(results_note(rs, "no yielding before the maximum (no force drop, no offset "
                             "yield): ReH, ReL and Ae do not apply"));
    } else if (isfinite(E)) {
        TRY(results_string(rs, "yield_type", "continuous"));
        TRY(results_note(rs, "continuous yielding (no force drop before the maximum): ReH, ReL "
                             "and Ae do not apply"));
    }
    /* Rt */
    if (in->rt > 0) {
        double rt = NAN;
        for (size_t i = 1; i <= in->imax; i++) {
            double e0 = eps[i - 1] - toe, e1 = eps[i] - toe;
            if (e0 < in->rt && e1 >= in->rt) {
                double f = (in->rt - e0) / (e1 - e0);
                rt = sig[i - 1] + f * (sig[i] - sig[i - 1]);
                break;
            }
        }
        TRY(results_number(rs, "total_extension_strength_mpa", rt / 1e6));
        if (!isfinite(rt))
            TRY(results_note(rs,
                             "total_extension_strength_mpa is null: the curve does not "
                             "reach %.4g %% total extension before the maximum force",
                             in->rt * 100));
    }
    /* Ag, Agt, At, A. A plastic part computed below zero is the elastic
     * line's scatter on a specimen with no plastic extension (a brittle
     * film): within 0.1 % strain it is 0 (noted), beyond that the modulus
     * does not describe the unloading and it is a WARNING. */
    double agt = (eps[in->imax] - toe) * 100;
    double at = (eps[in->ib] - toe) * 100;
    TRY(results_number(rs, "total_elongation_at_max_pct", agt));
    if (isfinite(E)) /* keys in the order Agt, Ag, At, A */
        TRY(results_number(rs, "uniform_elongation_pct", NAN));
    TRY(results_number(rs, "total_elongation_at_fracture_pct", at));
    if (isfinite(E)) {
        static const char *const key[2] = {"uniform_elongation_pct",
                                           "elongation_after_fracture_pct"};
        double v[2] = {agt - 100 * sig[in->imax] / E, at - 100 * sig[in->ib] / E};
        for (int k = 0; k < 2; k++) {
            if (v[k] < 0 && v[k] >= -PLASTIC_ZERO_PCT) {
                TRY(results_note(rs, "%s: the plastic part %.3g %% is below zero by less than "
                                     "%.2g %% strain: no plastic extension, reported as 0",
                                 key[k], v[k], PLASTIC_ZERO_PCT));
                v[k] = 0;
            } else if (v[k] < 0) {
                TRY(results_warn(rs, "%s = %.3g %% is negative: the modulus does not describe "
                                     "the elastic part of this record",
                                 key[k], v[k]));
            }
            TRY(results_number(rs, key[k], v[k]));
        }
    } else {
        TRY(results_note(rs, "uniform_elongation_pct and elongation_after_fracture_pct are "
                             "absent: no modulus to remove the elastic part"));
    }
    /* Z */
    if (isfinite(in->final_area_m2)) {
        if (isfinite(in->area_m2) && in->area_m2 > 0 && in->final_area_m2 <= in->area_m2 &&
            in->final_area_m2 > 0)
            TRY(results_number(rs, "reduction_of_area_pct",
                               100 * (in->area_m2 - in->final_area_m2) / in->area_m2));
        else
            TRY(results_warn(rs,
                             "reduction of area not computed: final cross-section %.4g mm^2 "
                             "against an initial %.4g mm^2",
                             in->final_area_m2 * 1e6, in->area_m2 * 1e6));
    }
    /* n (ISO 10275) */
    if (isfinite(E)) {
        double hi = (eps[in->imax] - toe), lo = fmax(0.02, ae_end);
        if (hi >= 0.20) {
            lo = fmax(0.10, ae_end);
            hi = 0.20;
        }
        double r2 = NAN;
        size_t np = 0;
        double n = hi - lo >= 0.01 ? n_value(in, lo, hi, &r2, &np) : NAN;
        if (isfinite(n)) {
            TRY(results_number(rs, "n_value", n));
            TRY(results_pair(rs, "n_value_range_pct", lo * 100, hi * 100));
            TRY(results_number(rs, "n_value_r2", r2));
        } else if (hi <= lo) {
            TRY(results_note(rs,
                             "n_value is absent: the uniform plastic range ends at %.3g %% "
                             "strain, before its start at %.3g %% (ISO 10275)",
                             hi * 100, lo * 100));
        } else {
            TRY(results_note(rs,
                             "n_value is absent: the uniform plastic range %.3g-%.3g %% is "
                             "shorter than 1 %% strain or 5 samples (ISO 10275)",
                             lo * 100, hi * 100));
        }
    }
#undef TRY
    return rc;
}
