/* analyze_priv.h — what cmd_analyze.c shares with analyze_one.c, the
 * per-specimen part of `rigor analyze` (one curve: analysis, uncertainty,
 * vendor comparison, group label). Private to cli/. */
#ifndef RIGOR_CLI_ANALYZE_PRIV_H
#define RIGOR_CLI_ANALYZE_PRIV_H

#include "../analysis/batch.h"
#include "../analysis/import/csvin.h"
#include "../analysis/uncertainty.h"
#include "output.h"

/* ---- the parallel part ---------------------------------------------------
 * Curves are independent: analysis_run uses no global state (GSL's error
 * handler is set once in main; the analysis allocates its own work arrays),
 * so N workers (common/pool.h) take curve indices and store each result at
 * its index. Printing, figures (PLplot is not thread-safe) and the
 * summary happen afterwards in index order, so the output is the same for
 * any N. */

typedef struct {
    analysed a;
    int rc;        /* RIGOR_OK or why the specimen was not analysed */
    char why[512]; /* analysis_run's explanation */
} job;

typedef struct {
    const curve_list *cl;
    const analysis_opts *o;
    const char *group_by;
    const unc_opts *unc; /* NULL: no uncertainty */
    job *jobs;
    unsigned unc_given;  /* UG_*: the inputs a flag stated (the run file's do not apply) */
} pool;

/* Uncertainty inputs stated by a flag; the others come from the run file's
 * header (the rig file's [calibration], docs/uncertainty.md). */
enum { UG_FC = 1, UG_EC = 2, UG_W = 4, UG_T = 8, UG_D = 16, UG_G = 32, UG_H = 64, UG_A = 128 };

/* Analyses curve k of p (a pool *) into p->jobs[k]; the pool_run worker. */
void analyse_one(void *ctx, size_t k);

#endif
