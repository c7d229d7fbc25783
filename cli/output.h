/* output.h — print analysed specimens as a human table, JSON or CSV.
 *
 * One analysed specimen is an `analysed` record: where it came from and its
 * result_set. The printers know the display label and unit of each result
 * key; keys they do not know are printed as they are, so a new analysis
 * needs no change here to be printed.
 */
#ifndef RIGOR_OUTPUT_H
#define RIGOR_OUTPUT_H

#include "../analysis/curve.h"
#include "../analysis/results.h"

#include <stdio.h>

typedef struct {
    char file[1024];
    char specimen[128];
    char format[64];
    char group[256];                      /* batch group (folder or metadata value) */
    char colname[CURVE_NROLES][128];      /* source columns by role */
    char colunit[CURVE_NROLES][32];
    char **notes;                         /* import notes (copied) */
    size_t nnotes;
    result_set rs;
} analysed;

/* Copy the provenance of c into a (results left empty). RIG_OK or RIG_ENOMEM. */
int analysed_from_curve(analysed *a, const curve *c);
void analysed_clear(analysed *a);

void output_table(FILE *f, const analysed *v, size_t n);
void output_json(FILE *f, const analysed *v, size_t n);
void output_csv(FILE *f, const analysed *v, size_t n);

#endif
