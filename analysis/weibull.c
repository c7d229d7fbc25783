/* weibull.c — two-parameter Weibull estimators; see weibull.h.
 *
 * Median-rank regression (MRR). Sort the n strengths, x_(1) <= ... <= x_(n);
 * give the i-th the failure probability of Bernard's median-rank
 * approximation F_i = (i - 0.3) / (n + 0.4) (Bernard & Bos-Levenbach 1953);
 * linearise the Weibull CDF, ln ln(1 / (1 - F)) = m ln x - m ln sigma0, and
 * fit Y_i = ln ln(1 / (1 - F_i)) against X_i = ln x_(i) by least squares
 * (numeric_linfit, GSL gsl_fit_linear): m = slope, sigma0 = exp(-intercept
 * / m). Y regressed on X as in Quinn & Quinn, Dent. Mater. 26 (2010) 135,
 * "Weibull plot".
 *
 * Maximum likelihood (MLE) as in ASTM C1239-13 and Cohen,
 * Technometrics 7 (1965) 579: m is the root of
 *     g(m) = sum x_i^m ln x_i / sum x_i^m - (1/n) sum ln x_i - 1/m = 0
 * and sigma0 = ((1/n) sum x_i^m)^(1/m). With u_i = ln(x_i / x_max) <= 0 the
 * same equation reads g(m) = sum e^(m u_i) u_i / sum e^(m u_i) - mean(u) - 1/m,
 * which cannot overflow for any m. g is strictly increasing (its derivative
 * is a weighted variance of u plus 1/m^2), tends to -inf as m -> 0 and to
 * -mean(u) > 0 as m -> inf, so the root is unique; it is bracketed by
 * doubling and found with GSL's Brent solver to a relative 1e-12.
 */
#include "weibull.h"

#include "../common/error.h"
#include "numeric.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <stdlib.h>

/* Values must be finite and positive; there must be n >= 3 and scatter. */
static int check(const double *x, size_t n)
{
    if (n < 3)
        return RIGOR_ENODATA;
    int scatter = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !(x[i] > 0))
            return RIGOR_EINVAL;
        if (x[i] != x[0])
            scatter = 1;
    }
    return scatter ? RIGOR_OK : RIGOR_ENODATA;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int weibull_mrr(const double *x, size_t n, double *work, weibull_est *out)
{
    int rc = check(x, n);
    if (rc != RIGOR_OK)
        return rc;
    double *lx = work, *y = work + n;
    for (size_t i = 0; i < n; i++)
        lx[i] = log(x[i]);
    qsort(lx, n, sizeof *lx, cmp_double);
    for (size_t i = 0; i < n; i++) {
        double f = ((double)(i + 1) - 0.3) / ((double)n + 0.4);
        y[i] = log(-log1p(-f));
    }
    linfit lf;
    rc = numeric_linfit(lx, y, n, &lf);
    if (rc != RIGOR_OK)
        return rc;
    if (!(lf.c1 > 0))
        return RIGOR_ENUMERIC;
    out->m = lf.c1;
    out->sigma0 = exp(-lf.c0 / lf.c1);
    out->r2 = lf.r2;
    out->n = n;
    return isfinite(out->sigma0) ? RIGOR_OK : RIGOR_ENUMERIC;
}

typedef struct {
    const double *x;
    size_t n;
    double lmax;  /* ln x_max */
    double umean; /* mean of u_i = ln x_i - lmax */
} mle_ctx;

/* g(m) of the header comment, in the overflow-free u form. */
static double mle_g(double m, void *p)
{
    const mle_ctx *c = p;
    double s = 0, su = 0;
    for (size_t i = 0; i < c->n; i++) {
        double u = log(c->x[i]) - c->lmax;
        double w = exp(m * u);
        s += w;
        su += w * u;
    }
    return su / s - c->umean - 1.0 / m;
}

int weibull_mle(const double *x, size_t n, weibull_est *out)
{
    int rc = check(x, n);
    if (rc != RIGOR_OK)
        return rc;
    mle_ctx c = {x, n, -INFINITY, 0};
    for (size_t i = 0; i < n; i++)
        c.lmax = fmax(c.lmax, log(x[i]));
    for (size_t i = 0; i < n; i++)
        c.umean += log(x[i]) - c.lmax;
    c.umean /= (double)n;

    /* Bracket: g(lo) < 0 < g(hi); 1e-3 and 1e4 cover every material
     * (ceramics m ~ 5-30, metals ~ 20-100). */
    double lo = 1e-3, hi = 1.0;
    if (!(mle_g(lo, &c) < 0))
        return RIGOR_ENUMERIC;
    while (!(mle_g(hi, &c) > 0)) {
        lo = hi;
        hi *= 2;
        if (hi > 1e4)
            return RIGOR_ENUMERIC;
    }
    gsl_function fn = {mle_g, &c};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return RIGOR_ENOMEM;
    /* NOTE: any GSL failure here is reported as RIGOR_ENUMERIC; numeric.c
     * holds the general GSL status translation. */
    rc = RIGOR_ENUMERIC;
    if (gsl_root_fsolver_set(s, &fn, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 200; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
                break;
            double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(a, b, 0, 1e-12) == GSL_SUCCESS) {
                rc = RIGOR_OK;
                break;
            }
        }
    }
    double m = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    if (rc != RIGOR_OK || !(m > 0) || !isfinite(m))
        return RIGOR_ENUMERIC;
    double sw = 0;
    for (size_t i = 0; i < n; i++)
        sw += exp(m * (log(x[i]) - c.lmax));
    out->m = m;
    out->sigma0 = exp(c.lmax + log(sw / (double)n) / m);
    out->r2 = NAN;
    out->n = n;
    return RIGOR_OK;
}
