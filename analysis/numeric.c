/* numeric.c — least squares, integrals and interpolation; see numeric.h. */
#include "numeric.h"

#include "../common/error.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

void analysis_init(void)
{
    gsl_set_error_handler_off();
}

/* GSL status -> rigor_err, the one translation point for GSL codes. */
static int from_gsl(int status)
{
    switch (status) {
    case GSL_SUCCESS: return RIGOR_OK;
    case GSL_ENOMEM: return RIGOR_ENOMEM;
    case GSL_EINVAL:
    case GSL_EDOM: return RIGOR_EINVAL;
    default: return RIGOR_ENUMERIC;
    }
}

int numeric_linfit(const double *x, const double *y, size_t n, linfit *out)
{
    if (n < 3)
        return RIGOR_ENODATA;
    double c0, c1, cov00, cov01, cov11, sumsq;
    int st = gsl_fit_linear(x, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    if (st)
        return from_gsl(st);
    double ymean = gsl_stats_mean(y, 1, n);
    double sst = 0;
    for (size_t i = 0; i < n; i++)
        sst += (y[i] - ymean) * (y[i] - ymean);
    if (!isfinite(c1) || !isfinite(c0))
        return RIGOR_ENUMERIC;
    out->c0 = c0;
    out->c1 = c1;
    out->se_c0 = sqrt(cov00);
    out->se_c1 = sqrt(cov11);
    out->r2 = sst > 0 ? 1.0 - sumsq / sst : 1.0;
    out->s_resid = sqrt(sumsq / (double)(n - 2));
    out->n = n;
    return RIGOR_OK;
}

double numeric_trapz(const double *x, const double *y, size_t i0, size_t i1)
{
    double a = 0;
    for (size_t i = i0; i < i1; i++) {
        if (!isfinite(x[i]) || !isfinite(x[i + 1]) || !isfinite(y[i]) || !isfinite(y[i + 1]))
            continue;
        a += 0.5 * (y[i] + y[i + 1]) * (x[i + 1] - x[i]);
    }
    return a;
}

double numeric_interp_first(const double *x, const double *y, size_t i0, size_t n, double xq,
                            size_t *seg)
{
    for (size_t i = i0; i + 1 < n; i++) {
        double a = x[i], b = x[i + 1];
        if ((a <= xq && xq <= b) || (b <= xq && xq <= a)) {
            if (seg)
                *seg = i;
            if (b == a)
                return y[i];
            double f = (xq - a) / (b - a);
            return y[i] + f * (y[i + 1] - y[i]);
        }
    }
    return NAN;
}

void numeric_minmax(const double *v, size_t n, double *lo, double *hi)
{
    gsl_stats_minmax(lo, hi, v, 1, n);
}

void numeric_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    *mean = n ? gsl_stats_mean(v, 1, n) : NAN;
    *sd = n > 1 ? gsl_stats_sd(v, 1, n) : NAN;
}
