/* plot.h — stress–strain figures and batch summary charts, drawn with PLplot.
 *
 * The only module that includes <plplot.h>. It draws from arrays and
 * result sets only (no curve, no CLI types), so `rigor analyze --plot`,
 * `rigor report` and later the console can all use it. Output format by the
 * file name: .svg (PLplot's svg device: text stays text), .png (pngcairo),
 * .pdf (pdfcairo). Rendering needs no display and only Debian's default
 * fonts (DejaVu through fontconfig).
 *
 * Annotation texts are "NAME = VALUE UNIT" with VALUE printed %.4g from the
 * result key named here, so tests can compare them with the JSON results:
 *   E = modulus_mpa | compressive_modulus_mpa   (MPa)
 *   Rp = yield_strength_mpa, Rm = tensile_strength_mpa,
 *   σb = break_stress_mpa, σf = fracture_stress_mpa, σmax = max_stress_mpa,
 *   σ1 = first_max_stress_mpa, σpl = plateau_stress_mpa   (MPa)
 *   εD = densification_strain_pct, εpe = plateau_end_strain_pct   (%)
 */
#ifndef RIGOR_PLOT_H
#define RIGOR_PLOT_H

#include "results.h"

#include <stddef.h>

typedef enum { PLOT_SVG = 0, PLOT_PNG, PLOT_PDF } plot_format;

/* The format named by path's extension (.svg, .png, .pdf, any case).
 * RIGOR_OK, or RIGOR_EINVAL for any other name. */
int plot_format_of(const char *path, plot_format *fmt);

/* One specimen: its curve in the frame of its results (analysis/prepare.h). */
typedef struct {
    const char *label;       /* legend text: specimen id or file name */
    const double *strain;    /* engineering strain, ratio */
    const double *stress_Pa; /* engineering stress, Pa */
    size_t n;
    const result_set *rs; /* annotations; NULL for none */
} plot_series;

/* Stress–strain figure: one series fully annotated (modulus line over its
 * window, offset line, yield, maximum, break/fracture, toe-compensated
 * origin, stages shaded, plateau and densification lines, values in the
 * legend); several series overlaid, one colour each, with maximum and break
 * marked. title may be NULL (the label of the first series). Returns
 * RIGOR_OK; RIGOR_EINVAL (unknown extension), RIGOR_EIO (cannot write path, why
 * names it), RIGOR_EUNSUPPORTED (the PLplot driver for the format is not
 * installed), RIGOR_ENODATA (no series with samples). */
int plot_curves(const char *path, const char *title, const plot_series *s, size_t n, char *why,
                size_t wl);

/* Summary figure of a batch: bar charts of the mean with +-1 SD error bars
 * of the strengths present (yield, tensile strength, break, plateau, max)
 * and of the modulus, over the result sets. Same returns as plot_curves. */
int plot_summary(const char *path, const char *title, const result_set *const *rs, size_t n,
                 char *why, size_t wl);

#endif
