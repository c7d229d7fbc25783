/* holds.c — find holds, report relaxation and creep, fit a model; see holds.h.
 *
 * Relaxation at position (ISO 3384-1 §3 for rubbers, ASTM E328 for
 * materials in general): with the crosshead still from t0 on,
 *     R(t) = (sigma(t0) - sigma(t0 + t)) / sigma(t0) * 100 %.
 * Creep at force (ASTM E139 / ISO 899-1 §3): with the force held,
 *     eps_c(t) = eps(t0 + t) - eps(t0).
 * sigma(t0 + t) and eps(t0 + t) are the means over +-2 % of t (at least 5
 * samples), so a stated time reads no single noisy sample.
 *
 * Models fitted to sigma(t) (MPa) or eps_c(t) (%), t from the hold's start:
 *   prony2: y = c0 + c1 e^(-t/tau1) + c2 e^(-t/tau2)  (two-term Prony series,
 *           generalised Maxwell solid; tau1 <= tau2);
 *   prony1: y = c0 + c1 e^(-t/tau1)  (standard linear solid: tau1 is the
 *           relaxation time, or the retardation time in creep);
 *   log:    y = c0 + c1 ln(1 + t/tau1).
 * The fit is by variable projection: for time constants fixed the model is
 * linear in c (least squares, gsl_multifit_linear); the time constants, in
 * ln, minimise the residual sum of squares (gsl_min Brent for one, gsl
 * multimin Nelder-Mead for two) on 200 log-spaced time bins (mean t and y
 * per bin: each decade of time weighs the same; a long hold at 1 kHz is not
 * 600 000 points). The residual reported is the rms over all samples.
 */
#include "holds.h"
#include "numeric.h"

#include "../common/error.h"
#include "uncertainty.h"

#include <stdbool.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *holds_model_name(hold_model m)
{
    switch (m) {
    case HOLD_MODEL_PRONY1: return "prony1";
    case HOLD_MODEL_LOG: return "log";
    case HOLD_MODEL_PRONY2: break;
    }
    return "prony2";
}

void holds_opts_default(holds_opts *h)
{
    memset(h, 0, sizeof *h);
    h->model = HOLD_MODEL_PRONY2;
    static const double t[] = {1, 10, 60, 600};
    memcpy(h->times_s, t, sizeof t);
    h->ntimes = 4;
}

/* ---- detection ---------------------------------------------------------- */

#define HOLDS_CREEP_SPEED 0.25 /* creep: mean crosshead speed <= this x the ramps' */
#define HOLDS_SAME_RAMP 0.2    /* speed within 20 % of the one before: a ramp, no hold */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void range_of(const double *v, size_t a, size_t b, double *lo, double *hi)
{
    *lo = *hi = v[a];
    for (size_t i = a + 1; i <= b; i++) {
        *lo = num_min(*lo, v[i]);
        *hi = num_max(*hi, v[i]);
    }
}

/* Grow [a, b] sample by sample on both sides while v stays within a band of
 * width gate. */
static void grow(const double *v, size_t n, double gate, size_t *a, size_t *b)
{
    double lo, hi;
    range_of(v, *a, *b, &lo, &hi);
    while (*a > 0 && num_max(hi, v[*a - 1]) - num_min(lo, v[*a - 1]) <= gate) {
        (*a)--;
        lo = num_min(lo, v[*a]);
        hi = num_max(hi, v[*a]);
    }
    while (*b + 1 < n && num_max(hi, v[*b + 1]) - num_min(lo, v[*b + 1]) <= gate) {
        (*b)++;
        lo = num_min(lo, v[*b]);
        hi = num_max(hi, v[*b]);
    }
}

/* Maximal runs of blocks of w samples over which v stays within gate. */
static size_t still_runs(const double *t, const double *v, size_t n, size_t w, double gate,
                         size_t (*run)[2], size_t cap)
{
    size_t nr = 0, a = 0;
    double lo = v[0], hi = v[0];
    for (size_t b = 0; b + w <= n; b += w) {
        double blo, bhi;
        range_of(v, b, b + w - 1, &blo, &bhi);
        double nlo = num_min(lo, blo), nhi = num_max(hi, bhi);
        if (nhi - nlo <= gate) {
            lo = nlo;
            hi = nhi;
            continue;
        }
        if (b > a && t[b - 1] - t[a] >= HOLDS_MIN_S && nr < cap) {
            run[nr][0] = a;
            run[nr][1] = b - 1;
            nr++;
        }
        a = b;
        lo = blo;
        hi = bhi;
        if (bhi - blo > gate) { /* this block itself moves: start after it */
            a = b + w;
            lo = a < n ? v[a] : 0;
            hi = lo;
        }
    }
    size_t end = n - 1;
    if (a < end && t[end] - t[a] >= HOLDS_MIN_S && nr < cap) {
        double rlo, rhi;
        range_of(v, a, end, &rlo, &rhi);
        if (rhi - rlo <= gate) {
            run[nr][0] = a;
            run[nr][1] = end;
            nr++;
        }
    }
    return nr;
}

int holds_find(const double *t, const double *pos, const double *F, size_t n, hold_span *out,
               size_t cap, size_t *nh)
{
    *nh = 0;
    if (!t || n < 50)
        return RIGOR_OK;
    double dt = (t[n - 1] - t[0]) / (double)(n - 1);
    if (!(dt > 0))
        return RIGOR_OK;
    size_t w = (size_t)(0.25 / dt);
    if (w < 5)
        w = 5;
    double sdx, qx, sdF, qF, xlo, xhi, Flo, Fhi;
    unc_channel_noise(pos, n, &sdx, &qx);
    unc_channel_noise(F, n, &sdF, &qF);
    range_of(pos, 0, n - 1, &xlo, &xhi);
    range_of(F, 0, n - 1, &Flo, &Fhi);
    double Fmax = num_max(fabs(Flo), fabs(Fhi));
    double gx = num_max(num_max(10 * sdx, 2 * qx), 1e-4 * (xhi - xlo));
    double gF = num_max(num_max(10 * sdF, 2 * qF), 0.01 * Fmax);
    size_t rcap = 1024;
    size_t(*run)[2] = malloc(rcap * sizeof *run);
    if (!run)
        return RIGOR_ENOMEM;
    /* The crosshead's moving speed: the fastest block but the top 0.1 %. A
     * hold at force creeps far slower than the test's ramps; a ramp through
     * a flat maximum (necking, a plateau) keeps the force nearly constant at
     * the ramp's speed and is no hold. */
    size_t nb = n / w;
    double *vb = malloc((nb + 1) * sizeof *vb);
    if (!vb) {
        free(run);
        return RIGOR_ENOMEM;
    }
    for (size_t k = 0; k < nb; k++) {
        size_t a = k * w, b = a + w - 1;
        vb[k] = t[b] > t[a] ? fabs(pos[b] - pos[a]) / (t[b] - t[a]) : 0;
    }
    qsort(vb, nb, sizeof *vb, cmp_double);
    double v_ref = nb ? vb[nb - 1 - nb / 1000] : 0; /* the fastest but a spike */
    free(vb);
    size_t found = 0;
    /* creep: the force still, the position moving */
    size_t nr = still_runs(t, F, n, w, gF, run, rcap);
    for (size_t k = 0; k < nr; k++) {
        size_t a = run[k][0], b = run[k][1];
        grow(F, n, gF, &a, &b);
        double m = 0, plo, phi;
        for (size_t i = a; i <= b; i++)
            m += fabs(F[i]);
        m /= (double)(b - a + 1);
        range_of(pos, a, b, &plo, &phi);
        double v_mean = fabs(pos[b] - pos[a]) / (t[b] - t[a]);
        if (!(m >= 0.1 * Fmax) || t[b] - t[a] < HOLDS_MIN_S || phi - plo <= gx ||
            !(v_mean <= HOLDS_CREEP_SPEED * v_ref))
            continue;
        /* A hold at force is entered from a ramp far faster than its creep.
         * A crosshead moving as fast over the HOLDS_MIN_S before the span
         * as in it is the same ramp going on through a flat stretch (a
         * Lueders plateau on a slow first ramp, issue 23): no hold. */
        size_t a0 = a;
        while (a0 > 0 && t[a] - t[a0 - 1] <= HOLDS_MIN_S)
            a0--;
        if (t[a] - t[a0] >= 0.5 * HOLDS_MIN_S) {
            double v_before = fabs(pos[a] - pos[a0]) / (t[a] - t[a0]);
            if (fabs(v_mean - v_before) <= HOLDS_SAME_RAMP * v_before)
                continue;
        }
        if (found < cap)
            out[found] = (hold_span){HOLD_CREEP, a, b};
        found++;
    }
    /* relaxation: the position still */
    nr = still_runs(t, pos, n, w, gx, run, rcap);
    for (size_t k = 0; k < nr; k++) {
        size_t a = run[k][0], b = run[k][1];
        grow(pos, n, gx, &a, &b);
        double m = 0;
        for (size_t i = a; i <= b; i++)
            m += fabs(F[i]);
        m /= (double)(b - a + 1);
        if (!(m >= 0.1 * Fmax) || t[b] - t[a] < HOLDS_MIN_S)
            continue;
        /* A hold where both the position and the force barely move meets
         * both rules on parts of it: the kind whose still stretch is the
         * longer wins (the slow end of a creep hold is no relaxation hold,
         * a force that relaxes slowly at a still crosshead is no creep). */
        bool shorter = false;
        for (size_t j = 0; j < found && j < cap; j++) {
            if (out[j].kind != HOLD_CREEP || a > out[j].i1 || b < out[j].i0)
                continue;
            if (out[j].i1 - out[j].i0 >= b - a)
                shorter = true;
            else
                out[j].kind = 0; /* dropped below */
        }
        if (shorter)
            continue;
        if (found < cap)
            out[found] = (hold_span){HOLD_RELAXATION, a, b};
        found++;
    }
    free(run);
    /* drop the creep candidates a longer relaxation hold replaced */
    size_t keep = 0;
    for (size_t j = 0; j < found && j < cap; j++)
        if (out[j].kind)
            out[keep++] = out[j];
    found = keep + (found > cap ? found - cap : 0);
    /* in time order */
    size_t m = found < cap ? found : cap;
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0 && out[j].i0 < out[j - 1].i0; j--) {
            hold_span tmp = out[j];
            out[j] = out[j - 1];
            out[j - 1] = tmp;
        }
    *nh = found;
    return found > cap ? RIGOR_EFULL : RIGOR_OK;
}

/* ---- the model fit ------------------------------------------------------ */

#define NBINS 200

typedef struct {
    double t[NBINS + 1], y[NBINS + 1];
    size_t n;
    hold_model model;
    gsl_matrix *X, *cov;
    gsl_vector *yv, *c;
    gsl_multifit_linear_workspace *ws;
} fitctx;

static double basis(hold_model m, double t, double tau)
{
    return m == HOLD_MODEL_LOG ? log1p(t / tau) : exp(-t / tau);
}

/* Residual sum of squares on the bins for time constants exp(u[0..1]);
 * the amplitudes are left in f->c. */
static double rss(fitctx *f, const double *u)
{
    size_t p = f->model == HOLD_MODEL_PRONY2 ? 3 : 2;
    for (size_t i = 0; i < f->n; i++) {
        gsl_matrix_set(f->X, i, 0, 1.0);
        gsl_matrix_set(f->X, i, 1, basis(f->model, f->t[i], exp(u[0])));
        if (p == 3)
            gsl_matrix_set(f->X, i, 2, basis(f->model, f->t[i], exp(u[1])));
    }
    double chisq;
    if (gsl_multifit_linear(f->X, f->yv, f->c, f->cov, &chisq, f->ws) != GSL_SUCCESS)
        return INFINITY;
    return isfinite(chisq) ? chisq : INFINITY;
}

static double rss1(double u, void *ctx)
{
    /* rss reads u[1] only for two time constants; a full pair keeps any
     * reader of u in bounds. */
    double uu[2] = {u, u};
    return rss(ctx, uu);
}

static double rss2(const gsl_vector *v, void *ctx)
{
    double u[2] = {gsl_vector_get(v, 0), gsl_vector_get(v, 1)};
    return rss(ctx, u);
}

/* Two time constants closer than this ratio are one, and amplitudes that
 * cancel each other (|c1| + |c2| above 10 times the data's range) say
 * nothing: the two-term fit keeps the grid's best then. */
#define PRONY2_MIN_RATIO 2.0

static bool blown_up(fitctx *f, const gsl_vector *x)
{
    double u[2] = {gsl_vector_get(x, 0), gsl_vector_get(x, 1)};
    if (!isfinite(rss(f, u)))
        return true;
    double lo = f->y[0], hi = f->y[0];
    for (size_t i = 1; i < f->n; i++) {
        lo = num_min(lo, f->y[i]);
        hi = num_max(hi, f->y[i]);
    }
    return fabs(gsl_vector_get(f->c, 1)) + fabs(gsl_vector_get(f->c, 2)) > 10 * (hi - lo);
}

int holds_fit(const double *t, const double *y, size_t n, hold_model m, hold_fit *out)
{
    memset(out, 0, sizeof *out);
    out->model = m;
    out->c0 = out->c1 = out->c2 = out->tau1 = out->tau2 = out->rms = NAN;
    if (n < 10 || !(t[n - 1] > t[0]))
        return RIGOR_ENODATA;
    fitctx *f = calloc(1, sizeof *f);
    if (!f)
        return RIGOR_ENOMEM;
    f->model = m;
    /* log-time bins from the first step to the end */
    double T = t[n - 1] - t[0], t1 = num_max(t[1] - t[0], T * 1e-6);
    double lr = log(T / t1);
    double sum_t[NBINS + 1] = {0}, sum_y[NBINS + 1] = {0};
    size_t cnt[NBINS + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        double tt = t[i] - t[0];
        size_t b = tt < t1 ? 0 : 1 + (size_t)((NBINS - 1) * log(tt / t1) / lr);
        if (b > NBINS)
            b = NBINS;
        sum_t[b] += tt;
        sum_y[b] += y[i];
        cnt[b]++;
    }
    for (size_t b = 0; b <= NBINS; b++)
        if (cnt[b]) {
            f->t[f->n] = sum_t[b] / cnt[b];
            f->y[f->n] = sum_y[b] / cnt[b];
            f->n++;
        }
    size_t p = m == HOLD_MODEL_PRONY2 ? 3 : 2;
    int rc = RIGOR_OK;
    if (f->n < p + 3) {
        rc = RIGOR_ENODATA;
        goto out;
    }
    f->X = gsl_matrix_alloc(f->n, p);
    f->cov = gsl_matrix_alloc(p, p);
    f->yv = gsl_vector_alloc(f->n);
    f->c = gsl_vector_alloc(p);
    f->ws = gsl_multifit_linear_alloc(f->n, p);
    if (!f->X || !f->cov || !f->yv || !f->c || !f->ws) {
        rc = RIGOR_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < f->n; i++)
        gsl_vector_set(f->yv, i, f->y[i]);
    /* coarse grid over ln tau in [ln(t1 / 3), ln(30 T)] */
    double ulo = log(t1 / 3), uhi = log(30 * T);
    const int G = 40;
    double best = INFINITY, bu[2] = {0, 0};
    int bi = 0;
    if (p == 2) {
        for (int i = 0; i <= G; i++) {
            double u = ulo + (uhi - ulo) * i / G, r = rss1(u, f);
            if (r < best)
                best = r, bu[0] = u, bi = i;
        }
        if (bi > 0 && bi < G) {
            gsl_min_fminimizer *mn = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
            gsl_function fn = {rss1, f};
            double a = ulo + (uhi - ulo) * (bi - 1) / G, b = ulo + (uhi - ulo) * (bi + 1) / G;
            if (mn && gsl_min_fminimizer_set_with_values(mn, &fn, bu[0], best, a, rss1(a, f), b,
                                                         rss1(b, f)) == GSL_SUCCESS) {
                for (int it = 0; it < 100; it++) {
                    if (gsl_min_fminimizer_iterate(mn) != GSL_SUCCESS)
                        break;
                    double l = gsl_min_fminimizer_x_lower(mn),
                           h = gsl_min_fminimizer_x_upper(mn);
                    if (gsl_min_test_interval(l, h, 1e-7, 0) == GSL_SUCCESS)
                        break;
                }
                bu[0] = gsl_min_fminimizer_x_minimum(mn);
            }
            gsl_min_fminimizer_free(mn);
        }
    } else {
        for (int i = 0; i <= G; i++)
            for (int j = i + 1; j <= G; j++) {
                if ((uhi - ulo) * (j - i) / G < log(PRONY2_MIN_RATIO))
                    continue;
                double u[2] = {ulo + (uhi - ulo) * i / G, ulo + (uhi - ulo) * j / G};
                double r = rss(f, u);
                if (r < best)
                    best = r, bu[0] = u[0], bu[1] = u[1];
            }
        gsl_multimin_fminimizer *mn =
            gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
        gsl_vector *x0 = gsl_vector_alloc(2), *ss = gsl_vector_alloc(2);
        if (mn && x0 && ss) {
            gsl_vector_set(x0, 0, bu[0]);
            gsl_vector_set(x0, 1, bu[1]);
            gsl_vector_set_all(ss, (uhi - ulo) / G);
            gsl_multimin_function fn = {rss2, 2, f};
            if (gsl_multimin_fminimizer_set(mn, &fn, x0, ss) == GSL_SUCCESS) {
                for (int it = 0; it < 500; it++) {
                    if (gsl_multimin_fminimizer_iterate(mn) != GSL_SUCCESS)
                        break;
                    if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mn), 1e-6) ==
                        GSL_SUCCESS)
                        break;
                }
                double v0 = gsl_vector_get(mn->x, 0), v1 = gsl_vector_get(mn->x, 1);
                /* time constants beyond the grid are a linear trend in
                 * disguise: keep the grid's best then */
                if (mn->fval < best && v0 >= ulo && v0 <= uhi && v1 >= ulo && v1 <= uhi &&
                    fabs(v1 - v0) >= log(PRONY2_MIN_RATIO) && !blown_up(f, mn->x)) {
                    bu[0] = gsl_vector_get(mn->x, 0);
                    bu[1] = gsl_vector_get(mn->x, 1);
                }
            }
        }
        gsl_multimin_fminimizer_free(mn);
        gsl_vector_free(x0);
        gsl_vector_free(ss);
    }
    if (!isfinite(rss(f, bu))) {
        rc = RIGOR_ENUMERIC;
        goto out;
    }
    out->c0 = gsl_vector_get(f->c, 0);
    out->c1 = gsl_vector_get(f->c, 1);
    out->tau1 = exp(bu[0]);
    if (p == 3) {
        out->c2 = gsl_vector_get(f->c, 2);
        out->tau2 = exp(bu[1]);
        if (out->tau2 < out->tau1) { /* tau1 <= tau2 */
            double tt = out->tau1, cc = out->c1;
            out->tau1 = out->tau2, out->c1 = out->c2;
            out->tau2 = tt, out->c2 = cc;
        }
    }
    double ss2 = 0;
    for (size_t i = 0; i < n; i++) {
        double tt = t[i] - t[0];
        double yh = out->c0 + out->c1 * basis(m, tt, out->tau1);
        if (p == 3)
            yh += out->c2 * basis(m, tt, out->tau2);
        ss2 += (y[i] - yh) * (y[i] - yh);
    }
    out->rms = sqrt(ss2 / (double)n);
    out->n = n;
    if (p == 3) {
        /* A second term that does not fit better than one (within 2 %) is
         * not there: report the one-term fit, c2 = 0 and no tau2. */
        hold_fit one;
        if (holds_fit(t, y, n, HOLD_MODEL_PRONY1, &one) == RIGOR_OK &&
            one.rms <= 1.02 * out->rms) {
            *out = one;
            out->model = HOLD_MODEL_PRONY2;
            out->c2 = 0;
            out->tau2 = NAN;
        }
    }
out:
    if (f->X)
        gsl_matrix_free(f->X);
    if (f->cov)
        gsl_matrix_free(f->cov);
    if (f->yv)
        gsl_vector_free(f->yv);
    if (f->c)
        gsl_vector_free(f->c);
    if (f->ws)
        gsl_multifit_linear_free(f->ws);
    free(f);
    return rc;
}

/* ---- report ------------------------------------------------------------- */

/* Mean of v over the samples of [a, b] within +-2 % of time tq (at least 5). */
static double mean_at(const double *t, const double *v, size_t a, size_t b, double tq)
{
    size_t lo = a, hi = b;
    while (lo < hi) { /* first sample at or after tq */
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] < tq)
            lo = mid + 1;
        else
            hi = mid;
    }
    double half = 0.02 * (tq - t[a]);
    size_t i0 = lo, i1 = lo;
    while (i0 > a && t[i0 - 1] >= tq - half)
        i0--;
    while (i1 < b && t[i1 + 1] <= tq + half)
        i1++;
    while (i1 - i0 + 1 < 5 && (i0 > a || i1 < b)) {
        if (i0 > a)
            i0--;
        if (i1 - i0 + 1 < 5 && i1 < b)
            i1++;
    }
    double s = 0;
    for (size_t i = i0; i <= i1; i++)
        s += v[i];
    return s / (double)(i1 - i0 + 1);
}

int holds_report(const double *t, const double *pos, const double *eps, const double *sig,
                 const double *F, size_t n, double origin, const holds_opts *h, result_set *rs)
{
    hold_span hs[64];
    size_t nh = 0;
    int rc = holds_find(t, pos, F ? F : sig, n, hs, 64, &nh);
    if (rc == RIGOR_EFULL) {
        results_note(rs, "%zu holds found; the first 64 are reported", nh);
        nh = 64;
        rc = RIGOR_OK;
    }
    if (rc || !nh)
        return rc;
    char names[2][RESULT_TABLE_COLS][40];
    const char *cols[2][RESULT_TABLE_COLS];
    size_t nc[2] = {0, 0};
    static const char *const head[2][7] = {{"hold", "start_index", "end_index", "start_time_s",
                                            "duration_s", "start_stress_mpa", "end_stress_mpa"},
                                           {"hold", "start_index", "end_index", "start_time_s",
                                            "duration_s", "stress_mpa", "start_strain_pct"}};
    static const char *const endcol[2] = {"relaxation_pct", "creep_strain_pct"};
    static const char *const fitcol[6] = {"fit_c0", "fit_c1",     "fit_tau1_s",
                                          "fit_c2", "fit_tau2_s", "fit_rms"};
    size_t ti[2] = {SIZE_MAX, SIZE_MAX};
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 7; j++)
            snprintf(names[k][nc[k]++], 40, "%s", head[k][j]);
        snprintf(names[k][nc[k]++], 40, "%s", k ? "end_strain_pct" : "strain_pct");
        snprintf(names[k][nc[k]++], 40, "%s", endcol[k]);
        for (size_t j = 0; j < h->ntimes && nc[k] < RESULT_TABLE_COLS - 6; j++)
            snprintf(names[k][nc[k]++], 40, "%s_at_%gs", endcol[k], h->times_s[j]);
        for (int j = 0; j < 6; j++)
            snprintf(names[k][nc[k]++], 40, "%s%s", fitcol[j],
                     j == 5 ? (k ? "_pct" : "_mpa") : "");
        for (size_t j = 0; j < nc[k]; j++)
            cols[k][j] = names[k][j];
    }
    size_t count[2] = {0, 0};
    for (size_t q = 0; q < nh && rc == RIGOR_OK; q++) {
        int k = hs[q].kind == HOLD_CREEP;
        size_t a = hs[q].i0, b = hs[q].i1, m = b - a + 1;
        if (ti[k] == SIZE_MAX &&
            (rc = results_table_add(rs, k ? "creep" : "relaxation", cols[k], nc[k], &ti[k])))
            break;
        double *y = malloc(m * sizeof *y);
        if (!y) {
            rc = RIGOR_ENOMEM;
            break;
        }
        double T = t[b] - t[a];
        double s0 = mean_at(t, sig, a, b, t[a]), s1 = mean_at(t, sig, a, b, t[b]);
        double e0 = mean_at(t, eps, a, b, t[a]), e1 = mean_at(t, eps, a, b, t[b]);
        double row[RESULT_TABLE_COLS];
        size_t c = 0;
        row[c++] = (double)(count[k] + 1);
        row[c++] = (double)a;
        row[c++] = (double)b;
        row[c++] = t[a];
        row[c++] = T;
        if (!k) {
            row[c++] = s0 * 1e-6;
            row[c++] = s1 * 1e-6;
            row[c++] = (e0 - origin) * 100;
            row[c++] = (s0 - s1) / s0 * 100;
            for (size_t j = 0; j < h->ntimes && c < nc[k] - 6; j++)
                row[c++] = h->times_s[j] <= T
                               ? (s0 - mean_at(t, sig, a, b, t[a] + h->times_s[j])) / s0 * 100
                               : NAN;
            for (size_t i = 0; i < m; i++)
                y[i] = sig[a + i] * 1e-6; /* MPa */
        } else {
            double smean = 0;
            for (size_t i = a; i <= b; i++)
                smean += sig[i];
            row[c++] = smean / (double)m * 1e-6;
            row[c++] = (e0 - origin) * 100;
            row[c++] = (e1 - origin) * 100;
            row[c++] = (e1 - e0) * 100;
            for (size_t j = 0; j < h->ntimes && c < nc[k] - 6; j++)
                row[c++] = h->times_s[j] <= T
                               ? (mean_at(t, eps, a, b, t[a] + h->times_s[j]) - e0) * 100
                               : NAN;
            for (size_t i = 0; i < m; i++)
                y[i] = (eps[a + i] - e0) * 100; /* creep strain, % */
        }
        hold_fit hf;
        int frc = holds_fit(t + a, y, m, h->model, &hf);
        free(y);
        if (frc == RIGOR_ENOMEM) {
            rc = frc;
            break;
        }
        row[c++] = hf.c0;
        row[c++] = hf.c1;
        row[c++] = hf.tau1;
        row[c++] = hf.c2;
        row[c++] = hf.tau2;
        row[c++] = hf.rms;
        if (frc)
            results_note(rs, "%s hold %zu: the %s model could not be fitted",
                         k ? "creep" : "relaxation", count[k] + 1, holds_model_name(h->model));
        if ((rc = results_table_row(rs, ti[k], row)))
            break;
        if (count[k] == 0) {
            if (!k) {
                results_number(rs, "relaxation_pct", (s0 - s1) / s0 * 100);
                results_number(rs, "relaxation_duration_s", T);
                results_number(rs, "relaxation_fit_tau1_s", hf.tau1);
                results_number(rs, "relaxation_fit_rms_mpa", hf.rms);
            } else {
                results_number(rs, "creep_strain_pct", (e1 - e0) * 100);
                results_number(rs, "creep_duration_s", T);
                results_number(rs, "creep_fit_tau1_s", hf.tau1);
                results_number(rs, "creep_fit_rms_pct", hf.rms);
            }
        }
        count[k]++;
    }
    if (rc == RIGOR_OK) {
        results_method_string(rs, "hold_model", holds_model_name(h->model));
        results_note(rs, "%zu relaxation and %zu creep hold%s; model %s fitted to each",
                     count[0], count[1], count[0] + count[1] == 1 ? "" : "s",
                     holds_model_name(h->model));
    }
    return rc;
}
