/* protoopt.h — command-line options shared by `rigor check` and `rigor run`.
 *
 * Geometry overrides (--width 10mm, --thickness 40um, ...) and the machine
 * limits a protocol is validated against (--rig FILE, or --capacity,
 * --travel, --max-speed for a rig without a file). Values take a unit
 * ("40um", "40 um"); a bare number is in the unit the option names in its
 * help: mm for lengths, um for --thickness, mm2 for --area, N, mm, mm/min.
 */
#ifndef RIGOR_PROTOOPT_H
#define RIGOR_PROTOOPT_H

#include "../analysis/curve.h"
#include "../protocols/protocol.h"

#include <stdio.h>

/* If opt is a geometry option, parse val into *g and return 1; 0 when opt
 * is not one; -1 with a message in err when val is invalid. */
int protoopt_geom(const char *opt, const char *val, curve_geom *g, char *err, size_t errlen);

/* The same for --capacity, --travel and --max-speed into *r. */
int protoopt_rig(const char *opt, const char *val, proto_rig_limits *r, char *err,
                 size_t errlen);

/* Load the machine limits of a rig file into *r. Returns RIGOR_OK, or an error
 * with *d filled (file:line:col: message). RIGOR_EUNSUPPORTED when this build
 * has no rig-file parser (rig/rigfile.h). */
int protoopt_rig_file(const char *path, proto_rig_limits *r, rigor_diag *d);

/* What `rigor check --rig` says about a rig beyond its limits (rig/scaling.h). */
typedef struct {
    double speed_min_m_s; /* smallest non-zero speed the rig can command; 0 = no floor */
    long speed_line;      /* line of [point velocity_cmd] in the rig file */
    bool position_mode;   /* the rig can move to a position (return steps) */
    char watchdog[160];   /* the drive watchdog as it is written ("off (...)", ...) */
    int nwarn;            /* the rig file's warnings, "file:line: warning: ..." */
    char warn[4][256];
} protoopt_rig_info;

/* protoopt_rig_file, and *info filled. */
int protoopt_rig_file_info(const char *path, proto_rig_limits *r, protoopt_rig_info *info,
                           rigor_diag *d);

/* One line of help text for all the options above. */
void protoopt_help(FILE *f);

/* Print a diagnostic "file:line:col: [prefix]message", then the source line
 * and a caret under the column when line/col are known; text is the whole
 * source (may be NULL). */
void protoopt_print_diag(FILE *f, const rigor_diag *d, const char *prefix, const char *text,
                         size_t len);

#endif
