/* numeric.h — the numerical building blocks of the analysis, on top of GSL.
 *
 * Only analysis/ includes GSL; everything GSL returns is translated here into
 * rigor_err (RIGOR_ENUMERIC). All routines take caller-owned arrays and never
 * allocate.
 */
#ifndef RIGOR_NUMERIC_H
#define RIGOR_NUMERIC_H

#include <stddef.h>

/* fmin/fmax with their NaN rule (a NaN argument loses to a number), inline:
 * at -O2 without -ffast-math GCC emits a libm call for every fmin/fmax, and
 * the running minima and maxima of the cycle and hold passes over every
 * sample made those calls 12-15 % of a whole analysis (perf, Dec 2026). */
static inline double num_min(double a, double b)
{
    return (b < a || a != a) ? b : a;
}

static inline double num_max(double a, double b)
{
    return (b > a || a != a) ? b : a;
}

/* Turn off GSL's abort() error handler. Call once from main(). */
void analysis_init(void);

/* Least-squares line y = c0 + c1 x over x[0..n-1], y[0..n-1] (stride 1).
 * Model and outputs as in GSL fit/linear.c: c1 slope, c0 intercept, their
 * standard errors from the residual variance s^2 = SSE/(n-2), r2 = 1 -
 * SSE/SST, and the residual standard deviation s. Needs n >= 3. */
typedef struct {
    double c0, c1;       /* intercept (y units), slope (y/x units) */
    double se_c0, se_c1; /* standard errors of c0 and c1 */
    double r2;           /* coefficient of determination */
    double s_resid;      /* sqrt(SSE / (n - 2)), y units */
    size_t n;            /* points used */
} linfit;

int numeric_linfit(const double *x, const double *y, size_t n, linfit *out);

/* Trapezoid integral of y dx over [i0, i1] (inclusive indices), in
 * (x units)(y units). Non-finite samples are skipped together with the
 * intervals that touch them. */
double numeric_trapz(const double *x, const double *y, size_t i0, size_t i1);

/* Linear interpolation of y at x = xq on the first segment [i, i+1] with
 * i >= i0 whose x-range contains xq (x need not be monotone overall).
 * Returns NAN when no segment contains xq. *seg receives i when non-NULL. */
double numeric_interp_first(const double *x, const double *y, size_t i0, size_t n, double xq,
                            size_t *seg);

/* Mean and sample standard deviation (n-1) of v[0..n-1], GSL statistics. */
void numeric_mean_sd(const double *v, size_t n, double *mean, double *sd);

/* Smallest and largest of v[0..n-1] (n >= 1), GSL statistics. */
void numeric_minmax(const double *v, size_t n, double *lo, double *hi);

#endif
