/* rstats.h — summary statistics of one result over a batch of specimens.
 *
 * For the batch table of a report and the summary figure: n, mean, sample
 * standard deviation, coefficient of variation, minimum and maximum of the
 * finite values of one result key (e.g. "tensile_strength_mpa") over a list
 * of result sets. Null (NAN) results are left out and not counted.
 */
#ifndef RIGOR_RSTATS_H
#define RIGOR_RSTATS_H

#include "results.h"

#include <stddef.h>

typedef struct {
    size_t n;        /* specimens with a finite value */
    double mean;     /* arithmetic mean; NAN when n = 0 */
    double sd;       /* sample SD, sqrt(sum (x - mean)^2 / (n - 1)); NAN when n < 2 */
    double cv_pct;   /* 100 sd / |mean|; NAN when sd or mean is not defined or mean = 0 */
    double min, max; /* NAN when n = 0 */
} rstats;

/* Statistics of key over rs[0..nrs-1] (the value's first number for a pair). */
void rstats_of(const result_set *const *rs, size_t nrs, const char *key, rstats *out);

/* The same over an array of values (non-finite values are skipped). */
void rstats_values(const double *v, size_t n, rstats *out);

#endif
