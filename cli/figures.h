/* figures.h — `--plot` and `rigor report`: keep each analysed curve for its
 * figure, then draw the stress–strain figure(s) and write the HTML report.
 *
 * cmd_analyze frees every curve after analysing it; before that it hands
 * the curve to figures_add(), which keeps only the stress and strain arrays
 * in the frame of the results (analysis/prepare.h). The k-th figures entry
 * belongs to the k-th analysed record, so the records' result sets label
 * and annotate the plots.
 */
#ifndef RIGOR_FIGURES_H
#define RIGOR_FIGURES_H

#include "output.h"

#include "../analysis/analysis.h"

#include <stddef.h>

typedef struct figures figures;

/* Empty collection; RIGOR_OK or RIGOR_ENOMEM. figures_free(NULL) is safe. */
int figures_new(figures **out);
void figures_free(figures *f);

/* Keep c's arrays in the frame of rs (the result of analysis_run(c, o)).
 * Always adds an entry (empty when the arrays cannot be made, with a
 * warning on stderr) so entries stay aligned with the analysed records.
 * RIGOR_OK, or RIGOR_ENOMEM with nothing added (the caller then drops the
 * record). */
int figures_add(figures *f, const curve *c, const analysis_opts *o, const result_set *rs);

/* An entry without a curve (its file is missing or changed: rigor report
 * --db), keeping entries aligned with the records. RIGOR_OK or RIGOR_ENOMEM. */
int figures_add_none(figures *f);

/* Stress–strain figure of records a[0..n-1] to path (.svg/.png/.pdf): one
 * specimen fully annotated, several overlaid. With several, also a summary
 * figure (bar charts of mean +- SD) to "<path without extension>-summary.<ext>".
 * RIGOR_OK or the error of plot_curves() with why filled. */
int figures_plot(const figures *f, const analysed *a, size_t n, const char *path, char *why,
                 size_t wl);

/* One self-contained HTML report: specimen table, statistics (n, mean, SD,
 * CV, min, max), every curve's figure as inline SVG, method parameters,
 * input files with SHA-256, Rigor version and the command line (argv,
 * argc) that reproduces it. RIGOR_OK, RIGOR_EIO or the plot error, why filled. */
int figures_report(const figures *f, const analysed *a, size_t n, const char *path, int argc,
                   char **argv, char *why, size_t wl);

#endif
