/* compliance.h — machine compliance: the frame's own deflection under load.
 *
 * In compression the crosshead travel includes the deflection of the load
 * frame, load cell and platens. For thin films this is comparable to the
 * specimen's own deflection, and ISO 604 requires it removed for the modulus.
 * A lab measures it by compressing the platens together without a specimen
 * and records force -> deflection. Rigor takes it either as a constant
 * compliance C (m/N: delta = C * F) or as such a table, interpolated
 * linearly (extrapolated with the end segments beyond the table).
 *
 * Table file format (text, UTF-8/ASCII):
 *   - '#' starts a comment; blank lines are ignored;
 *   - an optional header line naming the two columns with units in
 *     parentheses or brackets, e.g. "force (kN), deflection (um)"; without
 *     a header the units are N and mm (header columns are separated by a
 *     comma, semicolon or tab);
 *   - then one row per point: force and deflection, separated by a comma,
 *     semicolon, tab or spaces, decimal point;
 *   - both columns are read as magnitudes (the sign convention of the machine
 *     does not matter); forces must strictly increase; at least 2 rows.
 * Errors are reported as "file:line:col: message" through rigor_diag.
 */
#ifndef RIGOR_COMPLIANCE_H
#define RIGOR_COMPLIANCE_H

#include "../common/error.h"

#include <stddef.h>

typedef struct {
    double *F_N;      /* force magnitudes, strictly increasing, N */
    double *delta_m;  /* machine deflection magnitudes, m */
    size_t n;
} compliance_table;

/* Read a table from path. Returns RIGOR_OK, RIGOR_EIO (open failed), RIGOR_EPARSE
 * or RIGOR_EUNIT (with *diag filled), RIGOR_ENOMEM. Free with compliance_free. */
int compliance_load(const char *path, compliance_table *t, rigor_diag *diag);

/* Parse a table from text already in memory (name is used in diagnostics). */
int compliance_parse(const char *text, const char *name, compliance_table *t, rigor_diag *diag);

void compliance_free(compliance_table *t); /* NULL safe, leaves an empty table */

/* Machine deflection (m) at force magnitude F_N by linear interpolation. */
double compliance_deflection(const compliance_table *t, double F_N);

#endif
