/* prepare.h — a curve's engineering stress and strain in the results' frame.
 *
 * Plots and reports draw the curve that the numbers were computed on. This
 * gives the arrays: stress sigma (Pa) and strain (ratio) in the same frame as
 * the result_set of analysis_run() on the same curve and options, so a point
 * drawn at (strain_at_max_pct, tensile_strength_mpa) lies on the curve.
 */
#ifndef RIGOR_PREPARE_H
#define RIGOR_PREPARE_H

#include "analysis.h"
#include "curve.h"
#include "results.h"

#include <stddef.h>

/* Engineering strain and stress of c as analysed into rs (rs->test says
 * which analysis ran):
 *   tensile      sigma = F / A0 (or the file's stress column), eps = dL / L0
 *                (or the file's strain column), then toe-compensated:
 *                eps' = eps - toe_offset_pct / 100, as every reported strain.
 *   compression  magnitudes |F| / A0 and |travel - travel(contact)| / h0
 *                minus the constant compliance's deflection, over the first
 *                loading stroke, with contact and stroke end taken from the
 *                method entries contact_sample / loading_end_sample (1-based)
 *                when present. A compliance table (o->compliance_file) is
 *                not applied here: the strain then still holds the machine
 *                deflection that the analysis removed.
 * Geometry: o->geom over c->geom, as in analysis_run().
 * On RIGOR_OK *eps and *sig are malloc'd arrays of *n samples, owned by the
 * caller (free both). Otherwise nothing is allocated and why says what is
 * missing (RIGOR_EGEOMETRY, RIGOR_ENODATA, RIGOR_ENOMEM). */
int analysis_curve_arrays(const curve *c, const analysis_opts *o, const result_set *rs,
                          double **eps, double **sig, size_t *n, char *why, size_t wl);

#endif
