/* compression.h — compression results: ISO 604 / ASTM D695 / ISO 13314.
 *
 * compression_analyze() reduces a recorded compression curve to engineering
 * stress and strain and fills a result_set. It detects the sign convention
 * (either sign of force and travel; results are magnitudes), the end of the
 * first loading stroke (the return stroke, holds and later cycles are
 * analysed by cycles.c and holds.c, not here), and the contact point (with the streaming detector of detect.h,
 * so the live run and the analysis agree). Then
 *     strain = (travel since contact - (delta(F) - delta(F_contact))) / h0,
 *     stress = F / A0,
 * with delta(F) the machine deflection from the compliance (constant or
 * table, compliance.h), or the file's own stress/strain columns when
 * o->use_file_columns and the file has them (a note says so).
 *
 * Result keys (results_number; NAN plus a note when not defined):
 *   max_force_n, compressive_modulus_mpa, modulus_r2, yield_strength_mpa,
 *   first_max_stress_mpa, fracture_stress_mpa, fracture_strain_pct,
 *   plateau_stress_mpa, plateau_end_strain_pct, densification_strain_pct,
 *   energy_absorption_mj_m3, max_stress_mpa, max_strain_pct;
 * stages (results_add_stage) from the detector, contact first; method
 * entries for every parameter used. Definitions, formulas and clauses:
 * docs/analysis-compression.md.
 */
#ifndef RIGOR_COMPRESSION_H
#define RIGOR_COMPRESSION_H

#include "analysis.h"
#include "detect.h"
#include "results.h"

#include <stddef.h>

/* Analyse curve c with options o into rs (initialised by the caller). Uses
 * o->geom over c->geom (area / diameter / width x thickness; height_m = h0),
 * o->compliance_m_per_N or o->compliance_file, o->modulus/mod_lo/mod_hi,
 * o->offset, o->plateau_lo/hi, o->energy_to, o->break_* (fracture rules).
 * Returns RIGOR_OK, or RIGOR_EGEOMETRY / RIGOR_ENODATA / RIGOR_EPARSE / RIGOR_EIO /
 * RIGOR_ENOMEM with why set to one line naming what is wrong. */
int compression_analyze(const curve *c, const analysis_opts *o, result_set *rs, char *why,
                        size_t whylen);

#endif
