/* rstats.c — n, mean, SD, CV, min, max of a result over specimens.
 *
 * Two passes (mean first, then the sum of squared deviations), which is
 * exact enough for tens of specimens and avoids the cancellation of the
 * one-pass sum-of-squares formula. SD is the sample SD with n - 1, as ISO
 * 527-1 §10.5 and ASTM D638 §12 report it.
 */
#include "rstats.h"

#include <math.h>
#include <stdlib.h>

void rstats_values(const double *v, size_t n, rstats *out)
{
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        sum += v[i];
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        k++;
    }
    out->n = k;
    out->mean = out->sd = out->cv_pct = out->min = out->max = NAN;
    if (k == 0)
        return;
    out->mean = sum / (double)k;
    out->min = lo;
    out->max = hi;
    if (k < 2)
        return;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            ss += (v[i] - out->mean) * (v[i] - out->mean);
    out->sd = sqrt(ss / (double)(k - 1));
    if (out->mean != 0)
        out->cv_pct = 100 * out->sd / fabs(out->mean);
}

void rstats_of(const result_set *const *rs, size_t nrs, const char *key, rstats *out)
{
    double *v = malloc((nrs ? nrs : 1) * sizeof *v);
    if (!v) {
        out->n = 0;
        out->mean = out->sd = out->cv_pct = out->min = out->max = NAN;
        return;
    }
    for (size_t i = 0; i < nrs; i++)
        v[i] = results_get(rs[i], key);
    rstats_values(v, nrs, out);
    free(v);
}
