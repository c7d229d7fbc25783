/* weibull.h — two-parameter Weibull fit of strengths (brittle materials).
 *
 * The strength of brittle specimens (films, ceramics, glass, concrete) is
 * judged by its Weibull distribution, P(sigma) = 1 - exp(-(sigma/sigma0)^m):
 * the modulus m says how scattered the strengths are (large m: little
 * scatter), the characteristic strength sigma0 is the stress at which
 * 63.2 % of the specimens have failed. Two estimators are given, because
 * both are in use and they differ for small batches:
 *
 *  - weibull_mle: maximum likelihood, the estimator of ASTM C1239-13
 *    and ISO 20501:2019 (EN 843-5); without the small-sample unbiasing
 *    factor of C1239 (m_mle is biased high: at n = 10 its mean is ~ 1.17 m,
 *    by simulation, matching C1239's factor 0.859).
 *  - weibull_mrr: median-rank regression (Bernard's ranks), the graphical
 *    method of most textbooks and spreadsheets; also gives r^2 of the
 *    Weibull plot, a quick check that the data are Weibull at all.
 *
 * Strengths may be in any unit; sigma0 comes back in the same unit. Only
 * complete (uncensored) samples; no confidence bounds.
 */
#ifndef RIGOR_WEIBULL_H
#define RIGOR_WEIBULL_H

#include <stddef.h>

typedef struct {
    double m;      /* Weibull modulus (shape), dimensionless */
    double sigma0; /* characteristic strength (scale), unit of the data */
    double r2;     /* r^2 of the Weibull plot (median-rank regression); NAN for MLE */
    size_t n;      /* values used */
} weibull_est;

/* Median-rank regression over x[0..n-1] (all finite and > 0, n >= 3, not
 * all equal). work: caller-owned, 2n doubles. Returns RIGOR_OK, RIGOR_EINVAL
 * (a value <= 0 or not finite), RIGOR_ENODATA (n < 3 or no scatter) or
 * RIGOR_ENUMERIC. */
int weibull_mrr(const double *x, size_t n, double *work, weibull_est *out);

/* Maximum likelihood over x[0..n-1], same conditions (uses a GSL root solver).
 * Returns RIGOR_OK, RIGOR_EINVAL, RIGOR_ENODATA, RIGOR_ENOMEM or RIGOR_ENUMERIC (no root). */
int weibull_mle(const double *x, size_t n, weibull_est *out);

#endif
