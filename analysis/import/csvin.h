/* csvin.h — import recorded test data from text exports of any machine.
 *
 * One reader for every text format Rigor knows: its own run files, plain SI
 * CSV, Instron Bluehill (raw data, Universal, results tables, exports),
 * ZwickRoell testXpert .TRA, MTS TestSuite DAQ text, HBM catman .ASC,
 * Deben .MTR, Stable Micro Systems Exponent .tab, ETH multi-specimen blocks
 * and Instron WaveMatrix tracking files. Per file it detects the encoding
 * (UTF-8 with or without BOM, else Latin-1), the delimiter, the decimal
 * separator, the metadata block, the column-name and unit rows, and the role
 * of each column, and produces one curve per specimen in SI units
 * (analysis/curve.h). docs/import.md lists the formats and the rules.
 *
 * Nothing is "fixed": data that parse but look physically wrong (a channel
 * that jumps x10 and back, time going backwards, a stress column that
 * implies a placeholder area) are kept as they are and flagged in
 * curve->notes. Every curve also carries its metadata (key, value, unit as
 * in the file); vendor-computed results are tagged, see csvin_vendor_results.
 */
#ifndef RIGOR_CSVIN_H
#define RIGOR_CSVIN_H

#include "../../common/error.h"
#include "../curve.h"

#include <stddef.h>
#include <stdio.h>

#define CSVIN_MAX_JOBS 16

#define CSVIN_MAX_POS 32

/* One column of a declared layout (--columns): its role and unit. */
typedef struct {
    int role;     /* curve_role, or -1: a column to skip */
    char unit[16]; /* unit symbol (common/units.h); "" = the role's SI unit */
} csvin_pos;

typedef struct {
    const char *column[CURVE_NROLES]; /* --column ROLE=NAME overrides, NULL = auto */
    int npos;                    /* --columns: columns declared by position, 0 = none */
    csvin_pos pos[CSVIN_MAX_POS]; /* for files without a names row (bare numbers) */
    long long max_bytes; /* a file larger than this is refused before it is read;
                            0 = the built-in 512 MiB, which is also the most */
    int jobs; /* csvin_read_paths: files read in this many threads (<= 1: one) */
    int table_threads; /* the data lines of one long table read in this many threads
                          (<= 1: one); csvin_read_paths gives each file the threads
                          its jobs leave over */
} csvin_opts;

void csvin_opts_default(csvin_opts *o);

/* Parse a --columns layout "ROLE:UNIT,ROLE:UNIT,..." (e.g. "strain:%,stress:MPa",
 * "time:s,ext:mm,force:kN"; ROLE as for --column, or "-"/"skip" for a column
 * to ignore; ":UNIT" may be left out for the role's SI unit) into o->pos.
 * Returns RIGOR_OK, or RIGOR_EINVAL with what is wrong in err. */
int csvin_parse_columns(const char *spec, csvin_opts *o, char *err, size_t errlen);

/* --max-file-size SIZE: bytes, or a number with K, M or G (KiB, MiB, GiB:
 * 1024-based; a trailing B or iB is allowed), into o->max_bytes. At least 1
 * byte and at most CSVIN_MAX_FILE_BYTES (512 MiB: the line table's 32-bit
 * lengths, csvin_priv.h). RIGOR_EINVAL with err otherwise. */
#define CSVIN_MAX_FILE_BYTES (512LL * 1024 * 1024)
int csvin_parse_size(const char *text, csvin_opts *o, char *err, size_t errlen);

/* Role of a name as used by --column: "time", "ext" (also "extension",
 * "position", "crosshead", "displacement"), "force" (also "load"), "strain",
 * "stress". Returns the role or -1 when the name is not a role. */
int csvin_role_from_name(const char *name);
/* Short name of a role: "time", "ext", "force", "strain", "stress". */
const char *csvin_role_name(int role);

/* What kind of channel a column is, from its name and unit (the rules of
 * the importer's role choice, docs/import.md): "extensometer", "crosshead",
 * "setpoint" (a controller demand) or "channel" (anything else). */
const char *csvin_channel_kind(const char *name, const char *unit);

/* Read one file; appends one curve per specimen to *out (multi-specimen
 * files give several). On error returns a negative rigor_err, fills *diag with
 * file, line, col and what was expected, and appends nothing. Warnings
 * (encoding assumed, ambiguous column chosen, physically inconsistent data
 * such as a x10 jump or time going backwards) go into curve->notes.
 * Files that are recognised but hold no curve (a catman .TSX companion, a
 * results summary, a parameter list) return RIGOR_ENODATA with a diag saying
 * what the file is. */
int csvin_read_file(const char *path, const csvin_opts *opts, curve_list *out, rigor_diag *diag);

/* The same from a memory buffer; name is used in diagnostics and curve->file. */
int csvin_read_buffer(const char *name, const char *buf, size_t len, const csvin_opts *opts,
                      curve_list *out, rigor_diag *diag);

/* Read a file or a directory. A directory is expanded recursively in
 * byte-wise sorted order; a directory reached twice (a symbolic link into
 * the tree, by device and inode) is scanned once; FIFOs, sockets and
 * devices are skipped and reported through on_error as RIGOR_ENODATA
 * ("not a regular file"); hidden entries and documentation/code/picture
 * files (README*, LICENSE*, *.md, *.pdf, *.png, *.py, ... see
 * docs/import.md) are skipped. MTS TestSuite runs split
 * over "...(Timed).txt", "...(Timed)1.txt", ... in one folder are joined into
 * one curve (when path is one part, its sibling parts are joined too).
 * Files that fail are reported through on_error (may be NULL) with their
 * diag and the batch goes on; the return value is RIGOR_OK when at least one
 * file was read or the folder held nothing, else the last error.
 * *nread / *nfailed (may be NULL) count files read and failed; files
 * recognised as holding no curve (RIGOR_ENODATA) count as failed too.
 * With opts->jobs > 1 files are read in that many threads (at most
 * CSVIN_MAX_JOBS); curves, errors and counts come out in the same order as
 * with one, and on_error is called from the calling thread only. */
/* A folder entry csvin_read_path skips: documentation, code or a picture
 * (README*, LICENSE*, COPYING*, *.md, *.pdf, *.png, *.py, ...; name is the
 * entry's name, not its path). Shared with `rigor db import DIR` so both
 * read the same files. */
bool csvin_not_data(const char *name);

typedef void (*csvin_error_fn)(void *ctx, int err, const rigor_diag *diag);
int csvin_read_path(const char *path, const csvin_opts *opts, curve_list *out,
                    csvin_error_fn on_error, void *ctx, size_t *nread, size_t *nfailed);
/* The same for all command-line arguments at once: a file named twice, or
 * a run part named with its sibling, is read once. Prefer this for
 * `rigor analyze FILE...` so that split MTS runs are not read twice. */
int csvin_read_paths(const char *const *paths, size_t npaths, const csvin_opts *opts,
                     curve_list *out, csvin_error_fn on_error, void *ctx, size_t *nread,
                     size_t *nfailed);

/* For rigor inspect: human description of what was detected (format,
 * encoding, delimiter, decimal separator, columns with roles and units,
 * metadata, rows, notes) written to out. Returns RIGOR_OK when the file was
 * described, also for recognised files that hold no curve (a .TSX, a
 * results summary: "content:" says what they are); otherwise the error of
 * csvin_read_file with *diag filled and nothing written. */
int csvin_describe(const char *path, const csvin_opts *opts, FILE *out, rigor_diag *diag);

/* Vendor-computed results stated in the file (Bluehill header results,
 * results-table rows, testXpert Fmax, ETH per-specimen strengths). Each is
 * also in curve->meta under its source key; this gives them uniformly:
 * name is a stable snake_case key ("max_force_n", "tensile_strength_mpa",
 * "modulus_mpa", "yield_strength_mpa", "strain_at_max_pct", ...) and
 * value_si is in SI (N, Pa, ratio). Returns the number found (at most max)
 * and fills v[0..n-1]; pointers stay valid while the curve lives. */
typedef struct {
    const char *name;   /* stable key, see docs/import.md */
    double value_si;    /* in SI: N, Pa, ratio */
    const char *source; /* the source key as written in the file */
    const char *text;   /* the value text as written */
    const char *unit;   /* the unit text as written */
} csvin_vendor;
size_t csvin_vendor_results(const curve *c, csvin_vendor *v, size_t max);

#endif
