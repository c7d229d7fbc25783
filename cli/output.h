/* output.h — print analysed specimens as a human table, JSON or CSV.
 *
 * One analysed specimen is an `analysed` record: where it came from and its
 * result_set. The printers know the display label and unit of each result
 * key; keys they do not know are printed as they are, so a new analysis
 * needs no change here to be printed.
 */
#ifndef RIGOR_OUTPUT_H
#define RIGOR_OUTPUT_H

#include "../analysis/batch.h"
#include "../analysis/curve.h"
#include "../analysis/results.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
    char file[1024];
    char specimen[128];
    char format[64];
    char group[1024]; /* batch group: folder, format, test, file or metadata value */
    char colname[CURVE_NROLES][128]; /* source columns by role */
    char colunit[CURVE_NROLES][32];
    char **notes; /* import notes (copied) */
    size_t nnotes;
    char end_reason[128]; /* a run file's end_reason, "" when the file has none */
    char excluded[192];   /* why the batch statistics leave it out, "" when they do not */
    result_set rs;
} analysed;

/* Copy the provenance of c into a (results left empty). RIGOR_OK or RIGOR_ENOMEM. */
int analysed_from_curve(analysed *a, const curve *c);
void analysed_clear(analysed *a);

/* True when a carries a warning note ("WARNING: ..." from the importer or
 * the analysis): physically inconsistent data, kept as they are. */
bool analysed_has_warning(const analysed *a);

/* The display label and unit of a result key ("Tensile strength", "MPa"),
 * or NULL for a key without one (then the key is its own name). */
const char *output_label(const char *key, const char **unit);

/* Per-specimen printers. Warning notes are printed as "WARNING:" lines in
 * the table, kept in "notes" in JSON, and joined into the last CSV column
 * "warnings". */
void output_table(FILE *f, const analysed *v, size_t n);
void output_json(FILE *f, const analysed *v, size_t n);
void output_csv(FILE *f, const analysed *v, size_t n);

/* Batch summary printers (rigor analyze --summary); s was computed over
 * v[0..n-1] (batch_summarize: group members index v). group_by names the
 * grouping ("folder", "format", "test", "file" or a metadata key). */
void output_summary_table(FILE *f, const analysed *v, const batch_summary *s,
                          const char *group_by);
/* One JSON object {"group_by", "specimens": [as output_json], "summary": [...]}. */
void output_json_summary(FILE *f, const analysed *v, size_t n, const batch_summary *s,
                         const char *group_by);
/* Long format, one row per group and result key: group,key,n,mean,sd,cv_pct,
 * min,max,weibull_n,weibull_m_mle,weibull_sigma0_mle,weibull_m_mrr,
 * weibull_sigma0_mrr,weibull_r2_mrr. */
void output_summary_csv(FILE *f, const batch_summary *s);

/* One row per entry of the table named name ("cycles", "holds") of every
 * specimen: file,specimen,test then the table's columns (rigor analyze
 * --csv --cycles / --holds). Specimens without it add no rows. */
void output_csv_table(FILE *f, const analysed *v, size_t n, const char *name);

#endif
