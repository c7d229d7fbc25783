/* batch.h — statistics of a batch of analysed specimens, by group.
 *
 * `rigor analyze --summary` groups specimens (by folder, format, test or a
 * metadata value: the caller gives each specimen its group label) and
 * reports per group and per numeric result key n, mean, sample SD, CV, min
 * and max (analysis/rstats.h), plus a two-parameter Weibull fit
 * (analysis/weibull.h) for the strength keys. Groups come in the order of
 * their first specimen, keys in the order of first appearance, so the
 * summary is as deterministic as its input.
 */
#ifndef RIGOR_BATCH_H
#define RIGOR_BATCH_H

#include "results.h"
#include "rstats.h"
#include "weibull.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char key[48];    /* result key, e.g. "tensile_strength_mpa" */
    rstats st;       /* over the finite values of the group */
    bool strength;   /* a strength key: Weibull attempted */
    int weibull_rc;  /* RIGOR_OK, or why there is no fit (e.g. RIGOR_ENODATA: n < 3) */
    weibull_est mle; /* maximum likelihood (valid when weibull_rc == RIGOR_OK) */
    weibull_est mrr; /* median-rank regression (same) */
} batch_keystat;

typedef struct {
    char *name;          /* group label (owned) */
    size_t *members;     /* indices into the caller's specimen array, ascending */
    size_t n;            /* number of specimens summarised */
    size_t *excluded;    /* specimens of the group left out of the statistics */
    const char **excluded_why; /* their reasons (the caller's strings) */
    size_t nexcluded;
    batch_keystat *keys; /* numeric result keys of the group */
    size_t nkeys;
} batch_group;

typedef struct {
    batch_group *groups;
    size_t ngroups;
} batch_summary;

/* True for the result keys that get a Weibull fit: tensile_strength_mpa,
 * break_stress_mpa, fracture_stress_mpa, max_stress_mpa. */
bool batch_is_strength_key(const char *key);

/* Summarise rs[0..n-1], specimen i belonging to group label group[i].
 * Number results only (pairs, strings, booleans and sample indices, keys
 * ending in "_index", are skipped). *out is
 * filled (free with batch_summary_free, also after an error). Returns
 * RIGOR_OK or RIGOR_ENOMEM. */
int batch_summarize(const result_set *const *rs, const char *const *group, size_t n,
                    batch_summary *out);

/* As batch_summarize, with exclude[i] non-NULL (a reason, kept by pointer)
 * for a specimen to list under its group but leave out of the statistics
 * (an operator-stopped or faulted run, a specimen the user excluded);
 * exclude may be NULL. A group label holding more than one test type
 * (tensile and compression in one folder) is split into "label · test"
 * groups: results of different tests are never averaged together. */
int batch_summarize_ex(const result_set *const *rs, const char *const *group,
                       const char *const *exclude, size_t n, batch_summary *out);

void batch_summary_free(batch_summary *s);

#endif
