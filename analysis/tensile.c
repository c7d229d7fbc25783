/* tensile.c — modulus, yield, strength, break and toughness of a tensile curve.
 *
 * Definitions (all on engineering stress sigma = F/A0 in Pa and engineering
 * strain eps = dL/L0 as a ratio; results are converted to MPa and % only when
 * stored in the result set):
 *
 *   modulus E      auto:   least-squares line over the steepest linear
 *                          window of the loading branch (ASTM E3076 spirit,
 *                          objective and repeatable; see modulus_auto);
 *                  fit:    least squares sigma = c0 + E eps over lo <= eps <= hi
 *                          (ASTM E111 §9 least-squares modulus);
 *                  chord:  E = (sigma(eps2) - sigma(eps1)) / (eps2 - eps1),
 *                          ISO 527-1 §10.3 with eps1 = 0.05 %, eps2 = 0.25 %;
 *                  secant: E = sigma(eps_a) / eps_a (ASTM D882 1 % secant).
 *   toe offset     eps_toe = -c0 / E, where the modulus line meets sigma = 0
 *                  (ASTM D638 Annex A1 / D882 Annex A1); every reported strain
 *                  is eps' = eps - eps_toe.
 *   yield          offset method (ISO 6892-1 Rp, ASTM D638/E8 0.2 % offset):
 *                  first crossing of the curve with sigma = E (eps' - offset),
 *                  interpolated linearly between the two samples around it.
 *   strength       sigma_max = max sigma (ISO 527 sigma_M, ASTM D638 tensile
 *                  strength); strain at max = eps'(argmax).
 *   break          ASTM E8: the last point before the final sudden force drop
 *                  (the sample before the first step of the fall; one held
 *                  sample inside the fall does not end it, see find_break);
 *                  when there is none, the last point before force falls below
 *                  10 % of the maximum; else the last sample (noted).
 *   true stress    max of sigma (1 + eps') up to break (constant volume).
 *   toughness      U = integral of sigma d eps from the first sample through
 *                  the fracture, i.e. to the end of the final drop (or the
 *                  sample below 10 %, or the last sample), trapezoid rule,
 *                  J/m^3; ASTM D882 Annex A2 "tensile energy to break" per
 *                  unit volume: the energy absorbed up to rupture.
 */
#include "tensile.h"

#include "../common/error.h"
#include "metals.h"
#include "numeric.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

double tensile_toe_bound(double eps_at_max)
{
    double b = TENSILE_TOE_MAX_FRAC * fabs(eps_at_max);
    return b < TENSILE_TOE_MAX_STRAIN ? b : TENSILE_TOE_MAX_STRAIN;
}

int tensile_modulus_find(const double *eps, const double *sig, size_t imax,
                         const analysis_opts *o, tensile_modulus *m, modulus_quality *q,
                         char *why, size_t wl)
{
    if (q)
        memset(q, 0, sizeof *q);
    if (imax < 2) {
        memset(m, 0, sizeof *m);
        m->r2 = m->se_E_Pa = NAN;
        snprintf(why, wl, "only %zu samples before the maximum stress: no modulus", imax + 1);
        return RIGOR_ENODATA;
    }
    switch (o->modulus) {
    case MOD_CHORD:
        return modulus_chord(eps, sig, 0, imax, o->mod_lo, o->mod_hi, m, why, wl);
    case MOD_SECANT:
        return modulus_secant(eps, sig, 0, imax, o->mod_lo, m, why, wl);
    case MOD_FIT:
        return modulus_fit(eps, sig, 0, imax, o->mod_lo, o->mod_hi, m, why, wl);
    case MOD_E3076:
        return modulus_e3076(eps, sig, 0, imax, tensile_toe_bound(eps[imax]), m, q, why, wl);
    case MOD_AUTO:
    default:
        return modulus_auto(eps, sig, 0, imax, tensile_toe_bound(eps[imax]), m, why, wl);
    }
}

#define UNLOAD_REVERSAL_FRAC 0.01 /* strain back by 1 % of its range: a reversal */
#define UNLOAD_FORCE_FRAC 0.5     /* ... with the force still above half its maximum */

size_t tensile_loading_end(const double *eps, const double *y, size_t n, double *f_frac)
{
    *f_frac = NAN;
    if (n < 2)
        return n;
    double lo, hi;
    numeric_minmax(eps, n, &lo, &hi);
    double range = hi - lo;
    if (!(range > 0))
        return n;
    double run = eps[0], ymax = y[0];
    for (size_t i = 1; i < n; i++) {
        if (eps[i] > run)
            run = eps[i];
        if (y[i] > ymax)
            ymax = y[i];
        if (eps[i] < run - UNLOAD_REVERSAL_FRAC * range) {
            if (ymax > 0 && y[i] >= UNLOAD_FORCE_FRAC * ymax) {
                *f_frac = y[i] / ymax;
                return i;
            }
            return n; /* the force had fallen first: a break, then a return */
        }
    }
    return n;
}

/* Break index by the ASTM E8 rules; *rule receives the rule that fired. */
static size_t find_break(const double *y, size_t n, size_t imax, const analysis_opts *o,
                         const char **rule, size_t *iend)
{
    double ymax = y[imax];
    double need = o->break_drop_frac * ymax;
    size_t k = o->break_drop_samples > 0 ? (size_t)o->break_drop_samples : 1;
    /* Final sudden drop: the largest i whose value exceeds the minimum of the
     * next k samples by at least the drop fraction of the maximum. */
    size_t found = n;
    for (size_t i = n - 1; i-- > imax;) {
        double mn = y[i + 1];
        for (size_t j = i + 1; j <= i + k && j < n; j++)
            if (y[j] < mn)
                mn = y[j];
        if (y[i] - mn >= need) {
            found = i;
            break;
        }
    }
    if (found < n) {
        /* Walk back to where the sudden part began: a step still belongs to
         * the drop while it is at least a tenth of what remains to fall from
         * the sample before it; the gentle decline of necking does not. */
        double mn = y[found + 1];
        *iend = found + 1;
        for (size_t j = found + 1; j <= found + k && j < n; j++)
            if (y[j] < mn) {
                mn = y[j];
                *iend = j;
            }
        size_t i = found;
        while (i > imax) {
            if (y[i - 1] - y[i] >= 0.1 * (y[i - 1] - mn)) {
                i--;
                continue;
            }
            /* One held sample inside the drop (a controller that records the
             * detection sample twice, a quantised reading, a slow 10 Hz
             * acquisition that caught the fall half-way) does not end the
             * walk: the fall over two steps still counts. Necking never
             * falls by a tenth of what remains in two samples. */
            if (i >= imax + 2 && y[i - 1] >= y[i] && y[i - 2] - y[i] >= 0.1 * (y[i - 2] - mn)) {
                i--;
                continue;
            }
            break;
        }
        *rule = "sudden-drop";
        return i;
    }
    for (size_t i = imax + 1; i < n; i++) {
        if (y[i] < o->break_low_frac * ymax) {
            *rule = "below-10pct-of-max";
            *iend = i;
            return i - 1;
        }
    }
    *rule = "end-of-data";
    *iend = n - 1;
    return n - 1;
}

/* Noise of the stress signal, Pa: a robust standard deviation from the
 * second differences d2_i = sig[i+1] - 2 sig[i] + sig[i-1] over [0, imax].
 * For white noise of SD s, var(d2) = 6 s^2, and the median absolute
 * deviation of a normal variable is 0.6745 of its SD, so
 *     s = MAD(d2) / (0.6745 sqrt 6).
 * A smooth curve sampled densely has d2 ~ 0, so the curve itself does not
 * count as noise, and one outlier does not move a median. At most ~20000
 * triplets are used (evenly spread); 0 when there are fewer than 5. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_inplace(double *v, size_t k)
{
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

static double stress_noise_sd(const double *sig, size_t imax)
{
    if (imax < 6)
        return 0;
    size_t stride = (imax - 1) / 20000 + 1;
    size_t cap = (imax - 1) / stride + 1, k = 0;
    double *v = malloc(cap * sizeof *v);
    if (!v)
        return 0;
    for (size_t i = 1; i + 1 <= imax && k < cap; i += stride) {
        double d2 = sig[i + 1] - 2 * sig[i] + sig[i - 1];
        if (isfinite(d2))
            v[k++] = d2;
    }
    double sd = 0;
    if (k >= 5) {
        double med = median_inplace(v, k);
        for (size_t i = 0; i < k; i++)
            v[i] = fabs(v[i] - med);
        sd = median_inplace(v, k) / (0.6745 * sqrt(6.0));
    }
    free(v);
    return sd;
}

/* Offset-line crossing, robust to noise (issue 20). With
 *     d_i = sig_i - E (eps_i - eps_line)      (eps_line = toe + offset)
 * the curve is above the offset line while d > 0. Rule:
 *  1. Sustained crossing: the first sample i_c in [i0, imax] with d <= 0
 *     after which no sample up to the maximum rises above the line by more
 *     than 3 s_n (s_n: stress_noise_sd). A noisy sample touching the line
 *     early is followed by samples clearly above it, so it does not count.
 *  2. Refinement: least-squares lines of d and of sig against eps over the
 *     contiguous samples around the crossing with |d| <= 4 s_n (at most
 *     5000 on each side); eps_y solves d(eps_y) = 0 on the d line and sig_y
 *     is the sig line there. With s_n = 0 (a clean record) the window is
 *     the two samples around the crossing: linear interpolation, as ISO
 *     6892-1 Rp and ASTM E8 draw it. If the fit is degenerate the
 *     interpolation between those two samples is used.
 * *eps_y, *sig_y: recorded strain and stress of the crossing, NAN if none. */
static void offset_cross(const double *eps, const double *sig, size_t i0, size_t imax, double E,
                         double eps_line, double s_n, double *eps_y, double *sig_y)
{
    *eps_y = *sig_y = NAN;
    if (imax <= i0)
        return;
#define DOFF(i) (sig[(i)] - E * (eps[(i)] - eps_line))
    double band = 3 * s_n;
    size_t last_above = i0; /* last sample above the line by more than band */
    bool any = false;
    for (size_t i = imax + 1; i-- > i0;)
        if (DOFF(i) > band) {
            last_above = i;
            any = true;
            break;
        }
    if (!any)
        return; /* never clearly above the line: no crossing from above */
    size_t ic = imax + 1;
    for (size_t i = last_above + 1; i <= imax; i++)
        if (DOFF(i) <= 0) {
            ic = i;
            break;
        }
    if (ic > imax)
        return;
    /* bracket for the interpolation: the last sample above the line before ic */
    size_t ia = ic - 1;
    double da = DOFF(ia), dc = DOFF(ic);
    double f = da > dc ? da / (da - dc) : 0;
    *eps_y = eps[ia] + f * (eps[ic] - eps[ia]);
    *sig_y = sig[ia] + f * (sig[ic] - sig[ia]);
    if (!(s_n > 0))
        return;
    size_t a = ia, b = ic;
    double w = 4 * s_n;
    while (a > i0 && ia - a < 5000 && fabs(DOFF(a - 1)) <= w)
        a--;
    while (b < imax && b - ic < 5000 && fabs(DOFF(b + 1)) <= w)
        b++;
    if (b - a + 1 < 4)
        return;
    double k = 0, mx = 0, md = 0, ms = 0;
    for (size_t i = a; i <= b; i++) {
        mx += eps[i];
        md += DOFF(i);
        ms += sig[i];
        k++;
    }
    mx /= k;
    md /= k;
    ms /= k;
    double sxx = 0, sxd = 0, sxs = 0;
    for (size_t i = a; i <= b; i++) {
        double dx = eps[i] - mx;
        sxx += dx * dx;
        sxd += dx * (DOFF(i) - md);
        sxs += dx * (sig[i] - ms);
    }
#undef DOFF
    if (!(sxx > 0))
        return;
    double bd = sxd / sxx, bs = sxs / sxx;
    if (!(bd < 0))
        return;
    double ex = mx - md / bd;
    if (!(ex >= eps[a] && ex <= eps[b]))
        return;
    *eps_y = ex;
    *sig_y = ms + bs * (ex - mx);
}

/* Zero-slope yield (ISO 527-1 yield stress, ASTM D638/D882 yield point):
 * the first running maximum of the stress, from the start of the modulus
 * window i0, from which the stress falls by at least max(0.5 % of it, 5
 * s_n) before the break sample ib (so the fracture drop itself does not
 * count). Returns its index, or SIZE_MAX when there is none. A noisy
 * record's maximum sample sits up to a few s_n above the curve. */
static size_t zero_slope(const double *sig, size_t i0, size_t ib, double s_n)
{
    size_t irm = i0;
    for (size_t i = i0 + 1; i <= ib; i++) {
        if (sig[i] > sig[irm]) {
            irm = i;
            continue;
        }
        if (sig[irm] > 0 && sig[irm] - sig[i] >= fmax(0.005 * sig[irm], 5 * s_n))
            return irm;
    }
    return SIZE_MAX;
}

int tensile_analyze(const double *t_s, const double *eps, const double *sig,
                    const double *force_N, size_t n, double area_m2,
                    const analysis_opts *o, result_set *rs, char *why, size_t wl)
{
    (void)t_s;
    if (n < 5) {
        snprintf(why, wl, "%zu samples: a tensile analysis needs at least 5", n);
        return RIGOR_ENODATA;
    }
    snprintf(rs->test, sizeof rs->test, "tensile");

    size_t imax = 0;
    for (size_t i = 1; i < n; i++)
        if (sig[i] > sig[imax])
            imax = i;
    if (!(sig[imax] > 0)) {
        snprintf(why, wl, "stress never rises above zero: not a tensile curve");
        return RIGOR_ENODATA;
    }

    /* Method record. */
    results_method_string(rs, "modulus_method", modulus_method_name(o->modulus));
    if (o->modulus == MOD_FIT || o->modulus == MOD_CHORD)
        results_method_pair(rs, "modulus_window_pct", o->mod_lo * 100, o->mod_hi * 100);
    if (o->modulus == MOD_SECANT)
        results_method_number(rs, "secant_strain_pct", o->mod_lo * 100);
    results_method_number(rs, "yield_offset_pct", o->offset * 100);
    static const char *yield_names[] = {"offset", "zero-slope", "zero-slope, else offset"};
    results_method_string(rs, "yield_rule", yield_names[o->yield]);
    results_method_bool(rs, "toe_compensation", o->toe && o->modulus != MOD_SECANT);
    results_method_number(rs, "break_drop_pct", o->break_drop_frac * 100);
    results_method_number(rs, "break_drop_samples", o->break_drop_samples);
    results_method_number(rs, "break_low_pct", o->break_low_frac * 100);
    results_method_string(rs, "toughness_range", "first sample to the end of the fracture drop");

    /* Maximum force: from the force channel, else stress times area. */
    double fmax = NAN;
    if (force_N) {
        fmax = force_N[0];
        for (size_t i = 1; i < n; i++)
            if (force_N[i] > fmax)
                fmax = force_N[i];
    } else if (isfinite(area_m2)) {
        fmax = sig[imax] * area_m2;
    }
    results_number(rs, "max_force_n", fmax);

    tensile_modulus m;
    char mwhy[256] = "";
    modulus_quality mq;
    int mrc = tensile_modulus_find(eps, sig, imax, o, &m, &mq, mwhy, sizeof mwhy);
    double E = NAN, toe = 0;
    double line_toe = 0; /* where the offset line's parent meets sigma = 0 */
    if (mrc == RIGOR_OK) {
        E = m.E_Pa;
        if (o->toe && o->modulus != MOD_SECANT) {
            toe = line_toe = -m.c0_Pa / m.E_Pa;
            double bound = tensile_toe_bound(eps[imax]);
            if (!(fabs(toe) <= bound)) {
                results_warn(rs,
                             "toe offset %.4g %% strain is beyond the bound %.3g %% (the "
                             "smaller of 2 %% strain and 10 %% of the strain at maximum): the "
                             "modulus line does not start in the initial loading; not applied, "
                             "strains are as recorded",
                             toe * 100, bound * 100);
                toe = 0;
            }
        }
        if (o->modulus == MOD_E3076)
            modulus_quality_report(rs, &mq);
        else if (!m.linear)
            results_warn(
                rs,
                "no window of the initial loading passes the linearity test (quadratic "
                "term |t| < 3 or slope change < 1 %% across the window): the modulus is "
                "the slope of the best of the windows in the initial loading, %.4g %% to "
                "%.4g %% strain, and "
                "the curve has no linear elastic region at this sampling",
                m.eps_lo * 100, m.eps_hi * 100);
        if (m.n_toe_rejected > 0)
            results_note(rs,
                         "%d linear modulus window%s refused: %s line meets zero stress "
                         "beyond the toe bound, outside the initial loading",
                         m.n_toe_rejected, m.n_toe_rejected > 1 ? "s" : "",
                         m.n_toe_rejected > 1 ? "their" : "its");
        if (isfinite(m.r2) && m.r2 < TENSILE_MODULUS_R2_MIN)
            results_warn(rs,
                         "modulus fit r^2 = %.4f is below %.2f: the window is not a straight "
                         "line",
                         m.r2, TENSILE_MODULUS_R2_MIN);
        results_number(rs, "modulus_mpa", E / 1e6);
        results_number(rs, "modulus_r2", m.r2);
        results_number(rs, "modulus_se_mpa", m.se_E_Pa / 1e6); /* standard error of the slope */
        results_pair(rs, "modulus_strain_range_pct", m.eps_lo * 100, m.eps_hi * 100);
        if (o->modulus == MOD_CHORD)
            results_note(rs, "modulus_r2 is null: a chord modulus has no fit");
        if (o->modulus == MOD_SECANT)
            results_note(rs, "modulus_r2 is null: a secant modulus has no fit; no toe "
                             "compensation with a secant modulus");
    } else {
        results_number(rs, "modulus_mpa", NAN);
        results_number(rs, "modulus_r2", NAN);
        results_number(rs, "modulus_se_mpa", NAN);
        results_pair(rs, "modulus_strain_range_pct", NAN, NAN);
        results_note(rs, "modulus is null: %s", mwhy);
    }

    /* Yield by the offset method, searched from the start of the modulus
     * window (the toe before it is not material response) to the maximum.
     * Stored once the break is known (a zero-slope yield needs it); the
     * keys are placed here to keep their order. */
    double ys = NAN, ye = NAN;
    double s_n = stress_noise_sd(sig, imax);
    char ywhy[200] = "";
    size_t i0 = mrc == RIGOR_OK && o->modulus != MOD_SECANT ? m.i_lo : 0;
    if (mrc == RIGOR_OK && o->offset > 0) {
        offset_cross(eps, sig, i0, imax, E, line_toe + o->offset, s_n, &ye, &ys);
        if (isfinite(ye))
            ye -= toe;
        if (!isfinite(ys))
            snprintf(ywhy, sizeof ywhy,
                     "the %.3g %% offset line does not cross the curve before the maximum "
                     "stress",
                     o->offset * 100);
    } else {
        snprintf(ywhy, sizeof ywhy, "%s", mrc != RIGOR_OK ? "no modulus" : "no offset asked");
    }
    results_number(rs, "yield_strength_mpa", NAN);
    results_number(rs, "yield_strain_pct", NAN);
    results_string(rs, "yield_method", "");

    results_number(rs, "tensile_strength_mpa", sig[imax] / 1e6);
    results_number(rs, "strain_at_max_pct", (eps[imax] - toe) * 100);

    const char *rule = "";
    size_t iend = n - 1;
    size_t ib = find_break(force_N ? force_N : sig, n, imax, o, &rule, &iend);
    /* The force channel and the stress channel peak at the same sample unless
     * stress came from a file column; keep the break at or after the maximum. */
    if (ib < imax)
        ib = imax;
    if (iend < ib)
        iend = ib;
    results_number(rs, "break_stress_mpa", sig[ib] / 1e6);
    results_number(rs, "strain_at_break_pct", (eps[ib] - toe) * 100);
    results_string(rs, "break_rule", rule);
    if (!strcmp(rule, "end-of-data"))
        results_note(rs, "no sudden drop and force never fell below %.0f %% of the maximum: "
                         "break taken at the last sample",
                     o->break_low_frac * 100);

    /* Which yield is reported (o->yield; presets iso527, astm-d638/d882). */
    size_t iz = zero_slope(sig, i0, ib, s_n);
    double zs = iz < n ? sig[iz] : NAN, ze = iz < n ? eps[iz] - toe : NAN;
    const char *ymethod = "offset";
    if (o->yield == YIELD_ZERO_SLOPE || (o->yield == YIELD_ZERO_SLOPE_OR_OFFSET && iz < n)) {
        ymethod = "zero-slope";
        if (isfinite(ys)) {
            results_number(rs, "offset_yield_strength_mpa", ys / 1e6);
            results_number(rs, "offset_yield_strain_pct", ye * 100);
        }
        ys = zs;
        ye = ze;
        if (iz >= n)
            results_note(rs,
                         "yield is null: no point of zero slope (a first local maximum "
                         "followed by a fall of 0.5 %% or 5 noise SDs) before the break "
                         "(ISO 527-1 yield stress)%s",
                         o->offset > 0 ? "" : "; no offset yield asked (--offset)");
    } else {
        if (o->yield == YIELD_ZERO_SLOPE_OR_OFFSET)
            results_note(rs,
                         "no point of zero slope before the break: the yield is the %.3g "
                         "%% offset yield",
                         o->offset * 100);
        if (!isfinite(ys))
            results_note(rs, "yield is null: %s", ywhy);
    }
    results_string(rs, "yield_method", ymethod);
    if (isfinite(ys) && ys <= 0)
        results_warn(rs, "yield strength %.4g MPa is not positive: not a physical yield",
                     ys / 1e6);
    results_number(rs, "yield_strength_mpa", ys / 1e6);
    results_number(rs, "yield_strain_pct", ye * 100);

    /* True stress sigma_t = sigma (1 + eps'), valid while deformation is
     * uniform (volume constancy); its maximum up to break. */
    double tmax = -INFINITY;
    for (size_t i = 0; i <= ib; i++) {
        double st = sig[i] * (1 + eps[i] - toe);
        if (st > tmax)
            tmax = st;
    }
    results_number(rs, "true_stress_max_mpa", tmax / 1e6);

    double U = numeric_trapz(eps, sig, 0, iend);
    results_number(rs, "toughness_mj_m3", U / 1e6);
    results_number(rs, "toe_offset_pct", toe * 100);
    results_number(rs, "break_index", (double)ib);

    /* ISO 6892-1 / ASTM E8 quantities (metals.c). */
    double su = NAN;
    if (isfinite(o->final_diameter_m))
        su = M_PI * o->final_diameter_m * o->final_diameter_m / 4;
    else if (isfinite(o->final_width_m) && isfinite(o->final_thickness_m))
        su = o->final_width_m * o->final_thickness_m;
    metals_in mi = {.eps = eps,
                    .sig = sig,
                    .n = n,
                    .i0 = mrc == RIGOR_OK && o->modulus != MOD_SECANT ? m.i_lo : 0,
                    .imax = imax,
                    .ib = ib,
                    .E_Pa = E,
                    .toe = toe,
                    .s_n = s_n,
                    .area_m2 = area_m2,
                    .rt = o->rt,
                    .final_area_m2 = su};
    if (metals_analyze(&mi, rs) != RIGOR_OK)
        return RIGOR_ENOMEM;
    return RIGOR_OK;
}

/* The end reasons protocols/machine.c writes, as prefixes of the text. */
static const struct {
    const char *prefix;
    tensile_end kind;
} end_names[] = {
    {"fracture", TENSILE_END_FRACTURE},
    {"limit ", TENSILE_END_LIMIT},
    {"operator stop", TENSILE_END_OPERATOR},
    {"fault", TENSILE_END_FAULT},
    {"protocol complete", TENSILE_END_COMPLETE},
    {"protocol has no steps", TENSILE_END_COMPLETE},
    {"stop reaction", TENSILE_END_COMPLETE},
    {"ended", TENSILE_END_COMPLETE},
};

tensile_end tensile_end_from_reason(const char *reason)
{
    if (!reason || !reason[0])
        return TENSILE_END_UNKNOWN;
    for (size_t i = 0; i < sizeof end_names / sizeof end_names[0]; i++)
        if (!strncmp(reason, end_names[i].prefix, strlen(end_names[i].prefix)))
            return end_names[i].kind;
    return TENSILE_END_UNKNOWN;
}

#define NECK_DROP_FRAC 0.05   /* stress 5 % below its maximum ... */
#define NECK_STRAIN_FRAC 0.10 /* ... with the strain 10 % beyond the strain at maximum */

int tensile_apply_end(tensile_end end, const char *reason, const double *eps, const double *sig,
                      size_t n, result_set *rs)
{
    const result_value *br = results_find(rs, "break_rule");
    if (!br || n < 2)
        return RIGOR_OK;
    bool no_drop = !strcmp(br->s, "end-of-data") || !strcmp(br->s, "unloaded");
    size_t imax = 0;
    for (size_t i = 1; i < n; i++)
        if (sig[i] > sig[imax])
            imax = i;
    /* Maximum passed: necking seen (stress down 5 % while the strain grew
     * on by 10 % of the strain at maximum; a relaxation at constant strain
     * does not count). */
    bool passed = false;
    double e_need = eps[imax] + NECK_STRAIN_FRAC * fabs(eps[imax] - eps[0]);
    for (size_t i = imax + 1; i < n; i++)
        if (sig[i] <= (1 - NECK_DROP_FRAC) * sig[imax] && eps[i] >= e_need) {
            passed = true;
            break;
        }
    bool broken;
    char why[200];
    switch (end) {
    case TENSILE_END_FRACTURE: broken = true; break;
    case TENSILE_END_UNKNOWN:
        broken = !no_drop || passed;
        snprintf(why, sizeof why,
                 "the record ends at %.0f %% of the maximum stress with no "
                 "fracture drop",
                 sig[imax] > 0 ? 100 * sig[n - 1] / sig[imax] : 0.0);
        if (!strcmp(br->s, "unloaded"))
            snprintf(why, sizeof why, "the crosshead was driven back with the specimen loaded");
        break;
    default:
        /* A fracture drop in the record is a break whatever ended the run
         * afterwards (a limit reached after the fracture, a protocol that
         * went on with 'on fracture next' and completed). */
        broken = !no_drop;
        snprintf(why, sizeof why, "the run ended by '%s', not by fracture",
                 reason ? reason : "");
        break;
    }
    if (broken) {
        if (end == TENSILE_END_UNKNOWN && no_drop && !strcmp(br->s, "end-of-data"))
            results_note(rs,
                         "the record ends after necking (stress %.0f %% below its maximum): "
                         "taken as cut at fracture, the last sample is the break",
                         100 * (1 - sig[n - 1] / sig[imax]));
        return RIGOR_OK;
    }
    int rc = RIGOR_OK;
    rc |= results_number(rs, "break_stress_mpa", NAN);
    rc |= results_number(rs, "strain_at_break_pct", NAN);
    rc |= results_number(rs, "toughness_mj_m3", NAN);
    if (results_find(rs, "total_elongation_at_fracture_pct"))
        rc |= results_number(rs, "total_elongation_at_fracture_pct", NAN);
    if (results_find(rs, "elongation_after_fracture_pct"))
        rc |= results_number(rs, "elongation_after_fracture_pct", NAN);
    if (results_find(rs, "reduction_of_area_pct"))
        rc |= results_number(rs, "reduction_of_area_pct", NAN);
    /* "break taken at the last sample" no longer holds: there is none */
    results_drop_notes(rs, "no sudden drop and force never fell below");
    if (strcmp(br->s, "unloaded") != 0) /* "unloaded" already says why */
        rc |= results_string(rs, "break_rule", "not-broken");
    rc |= results_note(rs,
                       "the specimen did not break (%s): no stress or strain at break, no "
                       "energy to break",
                       why);
    if (!passed) {
        rc |= results_number(rs, "max_stress_mpa", sig[imax] / 1e6);
        rc |= results_number(rs, "tensile_strength_mpa", NAN);
        /* Ag and Agt are extensions at the maximum force of a test that
         * passed it (ISO 6892-1 §3.6.4-3.6.5): not of a stopped one */
        if (results_find(rs, "uniform_elongation_pct"))
            rc |= results_number(rs, "uniform_elongation_pct", NAN);
        if (results_find(rs, "total_elongation_at_max_pct"))
            rc |= results_number(rs, "total_elongation_at_max_pct", NAN);
        rc |=
            results_note(rs, "tensile strength is null: the specimen neither broke nor passed "
                             "its maximum (no necking); max_stress_mpa is the highest stress "
                             "reached, not a strength");
    }
    return rc ? RIGOR_ENOMEM : RIGOR_OK;
}
