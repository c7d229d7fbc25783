/* modulus.c — the modulus methods, one implementation each (modulus.h).
 *
 * On engineering strain eps (ratio) and stress sigma (Pa), samples [i0, i1]:
 *
 *   chord   E = (sigma(eps2) - sigma(eps1)) / (eps2 - eps1), sigma linearly
 *           interpolated at the first crossing of each strain (ISO 527-1
 *           §10.3: eps1 = 0.05 %, eps2 = 0.25 %; ISO 604 the same);
 *   secant  E = sigma(eps_a) / eps_a (ASTM D882 1 % secant modulus);
 *   fit     least squares sigma = c0 + E eps over the samples with
 *           lo <= eps <= hi only (ASTM E111 §9 least-squares modulus);
 *   auto    Rigor's objective window: among windows between stress levels
 *           (% of the maximum) that are linear (curvature |t| < 3 or a slope
 *           change below 1 %) and start in the initial loading, the least
 *           normalized residual s / (E * strain span) among those at least
 *           half as steep as the steepest linear one (the E3076 criterion,
 *           with Rigor's linearity and steepness gates in front);
 *   e3076   the fit range of least normalized residual among the windows
 *           in the initial loading, with no gate in front, and the data-
 *           and fit-quality metrics of that range (modulus_quality_of);
 *           what of ASTM E3076 this reproduces: docs/analysis-tensile.md.
 * The chosen window of fit/auto/e3076 is refitted by GSL (numeric_linfit)
 * for E, c0, r^2 and the slope's standard error.
 */
#include "modulus.h"

#include "../common/error.h"
#include "numeric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Least-squares line and parabola over one window from running sums, used
 * only to rank candidate windows; the chosen one is refitted by GSL.
 * Line: y = c0 + c1 x, slope standard error se1 = sqrt(s^2 / Sxx).
 * Parabola in the centred abscissa a = x - mean(x): y = b0 + b1 a + b2 a^2,
 * with t2 = b2 / se(b2) its curvature's significance (normal equations
 * solved by Cramer's rule; the centred 3x3 system is well conditioned). */
typedef struct {
    double slope, se_slope, s_resid;
    double c0;         /* intercept of the line at x = 0 */
    double curv_t;     /* |b2 / se(b2)| */
    double curv_slope; /* |2 b2 (x_hi - x_lo)|: slope change across the window */
    size_t k;
} quick_fit;

static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static int quick_fits(const double *x, const double *y, size_t i0, size_t i1, size_t stride,
                      quick_fit *q)
{
    double mx = 0, my = 0;
    size_t k = 0;
    for (size_t i = i0; i <= i1; i += stride) {
        mx += x[i];
        my += y[i];
        k++;
    }
    if (k < 6)
        return -1;
    double dk = (double)k;
    mx /= dk;
    my /= dk;
    double s2 = 0, s3 = 0, s4 = 0, sy = 0, say = 0, saay = 0, syy = 0;
    for (size_t i = i0; i <= i1; i += stride) {
        double a = x[i] - mx, b = y[i] - my, a2 = a * a;
        s2 += a2;
        s3 += a2 * a;
        s4 += a2 * a2;
        sy += b;
        say += a * b;
        saay += a2 * b;
        syy += b * b;
    }
    if (!(s2 > 0))
        return -1;
    /* line (centred: intercept my, slope say/s2) */
    q->slope = say / s2;
    q->c0 = my - q->slope * mx;
    double sse1 = syy - q->slope * say;
    if (sse1 < 0)
        sse1 = 0;
    q->s_resid = sqrt(sse1 / (dk - 2));
    q->se_slope = q->s_resid / sqrt(s2);
    /* parabola: normal matrix [[k,0,s2],[0,s2,s3],[s2,s3,s4]] (sum a = 0) */
    double M[3][3] = {{dk, 0, s2}, {0, s2, s3}, {s2, s3, s4}};
    double r[3] = {sy, say, saay};
    double D = det3(M);
    if (!(fabs(D) > 0)) {
        q->curv_t = 0;
        q->curv_slope = 0;
    } else {
        double M2[3][3];
        double beta[3];
        for (int c = 0; c < 3; c++) {
            memcpy(M2, M, sizeof M2);
            for (int rr = 0; rr < 3; rr++)
                M2[rr][c] = r[rr];
            beta[c] = det3(M2) / D;
        }
        double sse2 = syy - (beta[0] * r[0] + beta[1] * r[1] + beta[2] * r[2]);
        if (sse2 < 0)
            sse2 = 0;
        /* (M^-1)_22 = cofactor(2,2) / det = (k s2 - 0) / D */
        double inv22 = (dk * s2) / D;
        double se2 = sqrt(sse2 / (dk - 3) * inv22);
        q->curv_t = se2 > 0 ? fabs(beta[2]) / se2 : (beta[2] != 0 ? INFINITY : 0);
        q->curv_slope = fabs(2 * beta[2] * (x[i1] - x[i0]));
    }
    q->k = k;
    return 0;
}

/* First index in [i0, imax] where sig >= level (exists because sig[imax]
 * is the maximum). */
static size_t first_at_or_above(const double *sig, size_t i0, size_t imax, double level)
{
    for (size_t i = i0; i <= imax; i++)
        if (sig[i] >= level)
            return i;
    return imax;
}

static int auto_window(const double *eps, const double *sig, size_t i0, size_t imax,
                       double toe_bound, modulus_line *m, char *why, size_t wl)
{
    double smax = sig[imax];
    /* Window bounds as stress levels, in % of the maximum stress. */
    enum { NLEV = 101 };
    size_t idx[NLEV];
    for (int k = 0; k < NLEV; k++)
        idx[k] = first_at_or_above(sig, i0, imax, smax * k / 100.0);
    /* Rank windows on at most ~20000 points each; the final fit uses all. */
    size_t stride = (imax - i0) / 20000 + 1;

    /* Candidate windows between stress levels lo and lo + w (% of max).
     * A window is linear when its curvature is statistically insignificant
     * (|t| < 3 for the quadratic term) or practically negligible (the tangent
     * changes by less than 1 % across it). The modulus window is the linear
     * window with the least normalized fit residual s / (E * strain span)
     * (ASTM E3076), among those at least half as steep as the steepest
     * linear window: a long, straight hardening branch is far shallower than
     * the elastic line and is never taken for it. */
    enum { MAXC = 400 };
    struct {
        size_t a, b;
        double slope, score;
        bool linear, toe_ok;
    } c[MAXC];
    int nc = 0;
    double steep = 0;
    for (int lo = 0; lo <= 60; lo += 5) {
        for (int w = 10; w <= 60 && lo + w <= 95 && nc < MAXC; w += 5) {
            size_t a = idx[lo], b = idx[lo + w];
            if (b <= a)
                continue;
            quick_fit q;
            if (quick_fits(eps, sig, a, b, stride, &q) || !(q.slope > 0))
                continue;
            double dx = eps[b] - eps[a];
            if (!(dx > 0))
                continue;
            c[nc].a = a;
            c[nc].b = b;
            c[nc].slope = q.slope;
            c[nc].score = q.s_resid / (q.slope * dx);
            c[nc].linear = q.curv_t < 3 || q.curv_slope < 0.01 * q.slope;
            /* Initial loading: the window's line meets sigma = 0 within the
             * toe bound of the recorded zero (see tensile_toe_bound). */
            /* A line meeting zero stress before the data start by more than
             * the bound (c0 > 0) lies under a steeper initial loading: it is
             * past the elastic part, never the modulus. One meeting it after
             * the start by more than the bound follows a long slack toe: the
             * window may be the elastic line, and tensile_analyze refuses to
             * apply that toe (WARNING). */
            c[nc].toe_ok = -q.c0 / q.slope >= -toe_bound;
            if (c[nc].linear && c[nc].toe_ok && q.slope - 2 * q.se_slope > steep)
                steep = q.slope - 2 * q.se_slope;
            nc++;
        }
    }
    int best = -1;
    size_t best_lo = 0, best_hi = 0;
    double best_score = INFINITY;
    /* Fallback when no window is linear: the least normalized residual
     * among the windows whose line starts in the initial loading, else the
     * steepest window of all; flagged either way. */
    double fb_slope = 0, fb_score = INFINITY, fb_any_slope = 0;
    size_t fb_lo = 0, fb_hi = 0, fba_lo = 0, fba_hi = 0;
    int n_toe_rejected = 0;
    for (int i = 0; i < nc; i++) {
        /* c[0..nc-1] were all filled above (cppcheck does not track nc) */
        // cppcheck-suppress uninitvar
        if (c[i].toe_ok && c[i].score < fb_score) {
            fb_score = c[i].score;
            fb_slope = c[i].slope;
            fb_lo = c[i].a;
            fb_hi = c[i].b;
        }
        if (c[i].slope > fb_any_slope) {
            fb_any_slope = c[i].slope;
            fba_lo = c[i].a;
            fba_hi = c[i].b;
        }
        if (c[i].linear && c[i].toe_ok && c[i].slope >= 0.5 * steep &&
            c[i].score < best_score) {
            best_score = c[i].score;
            best_lo = c[i].a;
            best_hi = c[i].b;
            best = 1;
        }
    }
    /* Refused windows worth a note: linear ones that would have won (a
     * better score than the chosen one, or any when none was chosen). */
    for (int i = 0; i < nc; i++)
        if (c[i].linear && !c[i].toe_ok && c[i].score < best_score && c[i].slope >= 0.5 * steep)
            n_toe_rejected++;
    m->linear = best >= 0;
    m->n_toe_rejected = n_toe_rejected;
    if (best < 0 && fb_slope > 0) {
        best_lo = fb_lo;
        best_hi = fb_hi;
        best = 1;
    } else if (best < 0 && fb_any_slope > 0) {
        best_lo = fba_lo;
        best_hi = fba_hi;
        best = 1;
    }
    if (best < 0) {
        /* Too few points for any window (sparse data): fit the loading branch
         * up to 60 % of the maximum, or all of it. */
        size_t b = idx[60] >= i0 + 4 ? idx[60] : imax;
        if (b < i0 + 2) {
            snprintf(why, wl, "only %zu samples before the maximum: no modulus window",
                     imax - i0 + 1);
            return RIGOR_ENODATA;
        }
        m->i_lo = i0;
        m->i_hi = b;
        return RIGOR_OK;
    }
    m->i_lo = best_lo;
    m->i_hi = best_hi;
    return RIGOR_OK;
}

static void line_init(modulus_line *m)
{
    memset(m, 0, sizeof *m);
    m->E_Pa = m->c0_Pa = m->r2 = m->se_E_Pa = m->eps_lo = m->eps_hi = NAN;
    m->linear = true;
}

/* The first sample of the largest stress in [i0, i1]. */
static size_t argmax(const double *sig, size_t i0, size_t i1)
{
    size_t k = i0;
    for (size_t i = i0 + 1; i <= i1; i++)
        if (sig[i] > sig[k])
            k = i;
    return k;
}

/* GSL least squares over [m->i_lo, m->i_hi] into m. */
static int refit(const double *eps, const double *sig, modulus_line *m, char *why, size_t wl)
{
    linfit f;
    int rc = numeric_linfit(eps + m->i_lo, sig + m->i_lo, m->i_hi - m->i_lo + 1, &f);
    if (rc) {
        snprintf(why, wl, "least-squares modulus failed: %s", rigor_strerror(rc));
        return rc;
    }
    if (!(f.c1 > 0)) {
        snprintf(why, wl, "modulus window gives a non-positive slope");
        return RIGOR_ENODATA;
    }
    m->E_Pa = f.c1;
    m->c0_Pa = f.c0;
    m->r2 = f.r2;
    m->se_E_Pa = f.se_c1;
    m->eps_lo = eps[m->i_lo];
    m->eps_hi = eps[m->i_hi];
    return RIGOR_OK;
}

int modulus_chord(const double *eps, const double *sig, size_t i0, size_t i1, double lo,
                  double hi, modulus_line *m, char *why, size_t wl)
{
    line_init(m);
    size_t s1 = 0, s2 = 0;
    double a = numeric_interp_first(eps, sig, i0, i1 + 1, lo, &s1);
    double b = numeric_interp_first(eps, sig, i0, i1 + 1, hi, &s2);
    if (!isfinite(a) || !isfinite(b) || !(hi > lo)) {
        snprintf(why, wl,
                 "chord strains %.4g %% and %.4g %% are not both on the loading branch "
                 "(which spans %.4g %% to %.4g %%)",
                 lo * 100, hi * 100, eps[i0] * 100, eps[i1] * 100);
        return RIGOR_ENODATA;
    }
    m->E_Pa = (b - a) / (hi - lo);
    m->c0_Pa = a - m->E_Pa * lo;
    m->i_lo = s1;
    m->i_hi = s2 + 1;
    m->eps_lo = lo;
    m->eps_hi = hi;
    if (!(m->E_Pa > 0)) {
        snprintf(why, wl, "chord modulus is not positive");
        return RIGOR_ENODATA;
    }
    return RIGOR_OK;
}

int modulus_secant(const double *eps, const double *sig, size_t i0, size_t i1, double at,
                   modulus_line *m, char *why, size_t wl)
{
    line_init(m);
    size_t s = 0;
    double a = numeric_interp_first(eps, sig, i0, i1 + 1, at, &s);
    if (!isfinite(a) || !(at > 0)) {
        snprintf(why, wl, "secant strain %.4g %% is not on the loading branch", at * 100);
        return RIGOR_ENODATA;
    }
    m->E_Pa = a / at;
    m->c0_Pa = 0;
    m->i_lo = i0;
    m->i_hi = s + 1;
    m->eps_lo = 0;
    m->eps_hi = at;
    return RIGOR_OK;
}

int modulus_fit(const double *eps, const double *sig, size_t i0, size_t i1, double lo,
                double hi, modulus_line *m, char *why, size_t wl)
{
    line_init(m);
    size_t a = i1 + 1, b = 0;
    for (size_t i = i0; i <= i1; i++)
        if (eps[i] >= lo && eps[i] <= hi) {
            if (a > i1)
                a = i;
            b = i;
        }
    if (a > i1 || b < a + 2) {
        snprintf(why, wl, "fewer than 3 samples between %.4g %% and %.4g %% strain", lo * 100,
                 hi * 100);
        return RIGOR_ENODATA;
    }
    m->i_lo = a;
    m->i_hi = b;
    /* Only samples inside [lo, hi] take part: noise can put a sample
     * between a and b outside the window. */
    size_t cap = b - a + 1, k = 0;
    double *xs = malloc(2 * cap * sizeof *xs);
    if (!xs)
        return RIGOR_ENOMEM;
    double *ys = xs + cap;
    for (size_t i = a; i <= b; i++)
        if (eps[i] >= lo && eps[i] <= hi) {
            xs[k] = eps[i];
            ys[k] = sig[i];
            k++;
        }
    linfit f;
    int rc = k >= 3 ? numeric_linfit(xs, ys, k, &f) : RIGOR_ENODATA;
    free(xs);
    if (rc) {
        snprintf(why, wl, "least-squares modulus failed: %s", rigor_strerror(rc));
        return rc;
    }
    if (!(f.c1 > 0)) {
        snprintf(why, wl, "modulus window gives a non-positive slope");
        return RIGOR_ENODATA;
    }
    m->E_Pa = f.c1;
    m->c0_Pa = f.c0;
    m->r2 = f.r2;
    m->se_E_Pa = f.se_c1;
    m->eps_lo = eps[a];
    m->eps_hi = eps[b];
    return RIGOR_OK;
}

int modulus_auto(const double *eps, const double *sig, size_t i0, size_t i1, double toe_bound,
                 modulus_line *m, char *why, size_t wl)
{
    line_init(m);
    if (i1 < i0 + 2) {
        snprintf(why, wl, "only %zu samples before the maximum stress: no modulus",
                 i1 >= i0 ? i1 - i0 + 1 : 0);
        return RIGOR_ENODATA;
    }
    int rc = auto_window(eps, sig, i0, argmax(sig, i0, i1), toe_bound, m, why, wl);
    return rc ? rc : refit(eps, sig, m, why, wl);
}

/* ---- ASTM E3076 ---------------------------------------------------------
 *
 * From the standard's published scope (ASTM E3076-18 §1.1-1.3, the only part
 * of its text available to this project): the fit range is the one of least
 * normalized residual in a linear region early in the record, the data are
 * judged by their noise and digital resolution, and the fit by its residuals
 * in and around the range. The normalized residual of a range [a, b] is
 *   NR = s / (E (eps_b - eps_a)),  s = sqrt(SSE / (k - 2)),
 * the residual SD over the stress the line rises across the range. The
 * candidate ranges (Rigor's choice) run between stress levels lo and lo + w
 * in % of the maximum, lo = 0, 5, ..., 60 and w = 10, 15, ..., 60 with
 * lo + w <= 95, each starting in the initial loading (its line meets zero
 * stress no more than toe_bound before the data start).
 *
 * Metrics of the chosen range of k samples (modulus_quality_of):
 *   noise       sd_n(y) = sqrt(sum (D2 y)^2 / (6 (k - 2))), D2 the second
 *               difference y[i+1] - 2 y[i] + y[i-1]: for white noise of SD
 *               sd, var(D2 y) = 6 sd^2, and a line (or a slowly curving
 *               record) contributes nothing; relative to the fitted span;
 *   resolution  the smallest non-zero gap between the range's distinct
 *               values, sorted (a quantised signal lies on a grid of its
 *               step); for stress and strain, relative to their spans;
 *   points      k;
 *   residual    NR above;
 *   curvature   |2 b2 (eps_b - eps_a)| / E of the parabola y = b0 + b1 a +
 *               b2 a^2 (a = eps - mean): the slope change across the range;
 *   first-order s / sd_n(sigma): a straight line leaves residuals no larger
 *               than the noise, a curved record leaves more.
 */
bool modulus_quality_ok(const modulus_quality *q)
{
    return q->noise_ok && q->stress_res_ok && q->strain_res_ok && q->points_ok &&
           q->residual_ok && q->curvature_ok && q->ratio_ok;
}

static double d2_noise(const double *v, size_t a, size_t b)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = a + 1; i < b; i++) {
        double d = v[i + 1] - 2 * v[i] + v[i - 1];
        s += d * d;
        k++;
    }
    return k ? sqrt(s / (6.0 * (double)k)) : NAN;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Digital resolution of v[a..b]: the smallest non-zero gap between its
 * distinct values, sorted. A quantised signal takes values on a grid of
 * step q, so with enough samples two of them lie one step apart; a
 * continuous one gives a gap far below any threshold. NAN: no memory. */
static double resolution(const double *v, size_t a, size_t b)
{
    size_t k = b - a + 1;
    double *w = malloc(k * sizeof *w);
    if (!w)
        return NAN;
    memcpy(w, v + a, k * sizeof *w);
    qsort(w, k, sizeof *w, cmp_dbl);
    double r = INFINITY;
    for (size_t i = 1; i < k; i++) {
        double d = w[i] - w[i - 1];
        if (d > 0 && d < r)
            r = d;
    }
    free(w);
    return r;
}

int modulus_quality_of(const double *eps, const double *sig, size_t a, size_t b,
                       const modulus_line *m, modulus_quality *q)
{
    memset(q, 0, sizeof *q);
    quick_fit qf;
    if (b < a + 5 || quick_fits(eps, sig, a, b, 1, &qf))
        return RIGOR_ENODATA;
    double dx = eps[b] - eps[a];
    double span = m->E_Pa * dx;
    double sse = 0;
    for (size_t i = a; i <= b; i++) {
        double r = sig[i] - (m->c0_Pa + m->E_Pa * eps[i]);
        sse += r * r;
    }
    double s = sqrt(sse / (double)(b - a - 1));
    double sdn = d2_noise(sig, a, b);
    q->points = b - a + 1;
    q->stress_noise_rel = sdn / span;
    q->strain_noise_rel = d2_noise(eps, a, b) / dx;
    double rs = resolution(sig, a, b), re = resolution(eps, a, b);
    if (isnan(rs) || isnan(re))
        return RIGOR_ENOMEM;
    q->stress_resolution_rel = isfinite(rs) ? rs / span : 0;
    q->strain_resolution_rel = isfinite(re) ? re / dx : 0;
    q->fit_residual_rel = s / span;
    q->curvature_rel = qf.curv_slope / m->E_Pa;
    /* A noise-free record: a floor of 1e-9 of the span keeps the ratio finite. */
    q->residual_to_noise = s / fmax(sdn, 1e-9 * span);
    q->noise_ok = q->stress_noise_rel <= MODULUS_Q_NOISE_MAX;
    q->stress_res_ok = q->stress_resolution_rel <= MODULUS_Q_RES_MAX;
    q->strain_res_ok = q->strain_resolution_rel <= MODULUS_Q_RES_MAX;
    q->points_ok = q->points >= MODULUS_Q_POINTS_MIN;
    q->residual_ok = q->fit_residual_rel <= MODULUS_Q_NFR_MAX;
    q->curvature_ok = q->curvature_rel <= MODULUS_Q_CURV_MAX;
    /* the first-order test: residuals within twice the noise, or negligible */
    q->ratio_ok = q->residual_to_noise <= MODULUS_Q_RATIO_MAX || q->fit_residual_rel < 1e-6;
    return RIGOR_OK;
}

int modulus_e3076(const double *eps, const double *sig, size_t i0, size_t i1, double toe_bound,
                  modulus_line *m, modulus_quality *q, char *why, size_t wl)
{
    line_init(m);
    if (q)
        memset(q, 0, sizeof *q);
    if (i1 < i0 + 5) {
        snprintf(why, wl, "only %zu samples before the maximum stress: no E3076 fit range",
                 i1 >= i0 ? i1 - i0 + 1 : 0);
        return RIGOR_ENODATA;
    }
    size_t imax = argmax(sig, i0, i1);
    double smax = sig[imax];
    enum { NLEV = 101 };
    size_t idx[NLEV];
    for (int k = 0; k < NLEV; k++)
        idx[k] = first_at_or_above(sig, i0, imax, smax * k / 100.0);
    size_t stride = (imax - i0) / 20000 + 1;
    double best = INFINITY;
    size_t ba = 0, bb = 0;
    for (int lo = 0; lo <= 60; lo += 5)
        for (int w = 10; w <= 60 && lo + w <= 95; w += 5) {
            size_t a = idx[lo], b = idx[lo + w];
            quick_fit f;
            if (b <= a || quick_fits(eps, sig, a, b, stride, &f) || !(f.slope > 0))
                continue;
            double dx = eps[b] - eps[a];
            if (!(dx > 0) || -f.c0 / f.slope < -toe_bound)
                continue;
            double nr = f.s_resid / (f.slope * dx);
            if (nr < best) {
                best = nr;
                ba = a;
                bb = b;
            }
        }
    if (!isfinite(best)) {
        snprintf(why, wl,
                 "no E3076 fit range: no rising window of at least 6 samples starts "
                 "in the initial loading");
        return RIGOR_ENODATA;
    }
    m->i_lo = ba;
    m->i_hi = bb;
    int rc = refit(eps, sig, m, why, wl);
    if (rc)
        return rc;
    modulus_quality qq;
    rc = modulus_quality_of(eps, sig, ba, bb, m, &qq);
    if (rc == RIGOR_ENOMEM)
        return rc;
    if (rc == RIGOR_OK) {
        m->linear = qq.curvature_ok && qq.ratio_ok;
        if (q)
            *q = qq;
    }
    return RIGOR_OK;
}

const char *modulus_method_name(modulus_method meth)
{
    static const char *names[] = {"auto", "fit", "chord", "secant", "e3076"};
    return (unsigned)meth < sizeof names / sizeof names[0] ? names[meth] : "auto";
}

int modulus_quality_report(result_set *rs, const modulus_quality *q)
{
    static const char *const cols[] = {"points",
                                       "points_min",
                                       "points_ok",
                                       "stress_noise_pct",
                                       "stress_noise_max_pct",
                                       "stress_noise_ok",
                                       "strain_noise_pct",
                                       "stress_resolution_pct",
                                       "stress_resolution_max_pct",
                                       "stress_resolution_ok",
                                       "strain_resolution_pct",
                                       "strain_resolution_max_pct",
                                       "strain_resolution_ok",
                                       "fit_residual_pct",
                                       "fit_residual_max_pct",
                                       "fit_residual_ok",
                                       "curvature_pct",
                                       "curvature_max_pct",
                                       "curvature_ok",
                                       "residual_to_noise",
                                       "residual_to_noise_max",
                                       "first_order_ok"};
    enum { NC = sizeof cols / sizeof cols[0] };
    double row[NC] = {(double)q->points,
                      MODULUS_Q_POINTS_MIN,
                      q->points_ok,
                      q->stress_noise_rel * 100,
                      MODULUS_Q_NOISE_MAX * 100,
                      q->noise_ok,
                      q->strain_noise_rel * 100,
                      q->stress_resolution_rel * 100,
                      MODULUS_Q_RES_MAX * 100,
                      q->stress_res_ok,
                      q->strain_resolution_rel * 100,
                      MODULUS_Q_RES_MAX * 100,
                      q->strain_res_ok,
                      q->fit_residual_rel * 100,
                      MODULUS_Q_NFR_MAX * 100,
                      q->residual_ok,
                      q->curvature_rel * 100,
                      MODULUS_Q_CURV_MAX * 100,
                      q->curvature_ok,
                      q->residual_to_noise,
                      MODULUS_Q_RATIO_MAX,
                      q->ratio_ok};
    size_t ti;
    int rc = results_table_add(rs, "modulus_quality", cols, NC, &ti);
    if (rc)
        return rc;
    rs->tables[ti].object = true;
    rs->tables[ti].bool_cols =
        1u << 2 | 1u << 5 | 1u << 9 | 1u << 12 | 1u << 15 | 1u << 18 | 1u << 21;
    if ((rc = results_table_row(rs, ti, row)))
        return rc;
    if (modulus_quality_ok(q))
        return RIGOR_OK;
    char b[512] = "";
    size_t l = 0;
#define FAILED(ok, ...)                                                                        \
    do {                                                                                       \
        if (!(ok) && l < sizeof b)                                                             \
            l += (size_t)snprintf(b + l, sizeof b - l, __VA_ARGS__);                           \
    } while (0)
    FAILED(q->points_ok, "; %zu points in the fit range (fewer than %d)", q->points,
           MODULUS_Q_POINTS_MIN);
    FAILED(q->noise_ok, "; stress noise %.3g %% of the fitted span (above %.3g %%)",
           q->stress_noise_rel * 100, MODULUS_Q_NOISE_MAX * 100);
    FAILED(q->stress_res_ok, "; stress resolution %.3g %% of the span (above %.3g %%)",
           q->stress_resolution_rel * 100, MODULUS_Q_RES_MAX * 100);
    FAILED(q->strain_res_ok, "; strain resolution %.3g %% of the span (above %.3g %%)",
           q->strain_resolution_rel * 100, MODULUS_Q_RES_MAX * 100);
    FAILED(q->residual_ok, "; normalized fit residual %.3g %% (above %.3g %%)",
           q->fit_residual_rel * 100, MODULUS_Q_NFR_MAX * 100);
    FAILED(q->curvature_ok, "; slope change %.3g %% across the range (above %.3g %%)",
           q->curvature_rel * 100, MODULUS_Q_CURV_MAX * 100);
    FAILED(q->ratio_ok, "; residuals %.3g times the noise (above %.3g: not first-order)",
           q->residual_to_noise, MODULUS_Q_RATIO_MAX);
#undef FAILED
    return results_warn(rs, "E3076 modulus quality: %s (limits are Rigor's own)", b + 2);
}
