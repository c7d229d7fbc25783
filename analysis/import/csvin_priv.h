/* csvin_priv.h — internals shared by the csvin_*.c files (not a public API).
 *
 * The importer works in layers:
 *   csvin_text.c     bytes -> UTF-8 lines (line ends), field splitting with
 *                    quotes;
 *   csvin_number.c   strict number parsing (fields, plain data lines);
 *   csvin_encoding.c the legacy encoding of a non-UTF-8 text;
 *   csvin_table.c    one table (names row, optional units row) -> columns
 *                    and their roles;
 *   csvin_rows.c     its data rows -> one curve, units to SI;
 *   csvin_roles.c    the role of a column (setpoint, extensometer, crosshead);
 *   csvin_checks.c   consistency checks that add notes;
 *   csvin_meta.c     geometry keys, test type, metadata line layouts;
 *   csvin_blocks.c   files of several names+units+numbers blocks;
 *   csvin_formats.c  format detection, the generic reader and its header;
 *   csvin_vendors.c  the families with readers of their own;
 *   csvin_paths.c    folders, several paths, MTS split runs;
 *   csvin.c          public entry points, describe, vendor results.
 */
#ifndef RIGOR_CSVIN_PRIV_H
#define RIGOR_CSVIN_PRIV_H

#include "csvin.h"

#include "../../common/units.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- text layer ---- */

/* 16 bytes per line: the line table of a 10^7-row file is the second
 * largest allocation of an import after the text itself. 32 bits suffice
 * because files are capped at 512 MiB (csvin.c CSVIN_MAX_BYTES). */
typedef struct {
    const char *s; /* line text, UTF-8, without line end, NUL-terminated */
    uint32_t len;  /* bytes */
    uint32_t no;   /* 1-based line number in the file */
} cin_line;

typedef struct {
    const char *name; /* file name for diagnostics */
    char *text;       /* UTF-8 text, lines are NUL-separated inside */
    char *alloc;      /* the allocation holding text (text may start after a BOM) */
    cin_line *lines;
    size_t nlines;
    char encoding[48];  /* "ASCII", "UTF-8", "UTF-8 with BOM", "Latin-1 (assumed)" */
    char eol[8];        /* "LF", "CRLF", "CR" */
    bool final_newline; /* the file ended with a line end */
    bool latin1;        /* bytes were converted from a legacy encoding */
    char legacy[48];    /* which, for the note: "Latin-1 (ISO-8859-1)", "Windows-1250 ..." */
    bool releasable;    /* text and line table may give consumed pages back to the
                           OS (cin_src_adopt: a file read for its curves only) */
} cin_src;

/* threads: parts of a long text checked and cut in parallel (<= 1: one). */
int cin_src_load(cin_src *s, const char *name, const char *buf, size_t len, int threads,
                 rigor_diag *diag);
/* The same, taking ownership of buf (malloc'd, room for len + 1 bytes; freed
 * on error too): valid UTF-8 is cut into lines in place, without a copy. */
int cin_src_adopt(cin_src *s, const char *name, char *buf, size_t len, int threads,
                  rigor_diag *diag);
void cin_src_free(cin_src *s);
/* csvin_encoding.c: convert a text that is not UTF-8 from the legacy
 * encoding its bytes show (Shift-JIS, GBK, Windows-1250, Windows-1252, else
 * Latin-1) into out (room for 3 * len + 1 bytes); names it in name (for
 * inspect) and note (for the curve's note). Returns the bytes written. */
size_t cin_decode_legacy(const unsigned char *p, size_t len, char *out, size_t cap,
                         char *name, size_t nn, char *note, size_t ntn);
bool cin_blank(const cin_line *l); /* only spaces/tabs */
/* Copy s into d[n], truncating; NULL s gives "". */
void cin_copy(char *d, size_t n, const char *s);

typedef struct {
    char *s;     /* unquoted, unescaped, trimmed (unquoted only) field, NUL-terminated */
    bool quoted; /* the field was in double quotes */
    long col;    /* 1-based byte column of the field start in the line */
} cin_field;

typedef struct {
    cin_field *f;
    size_t n, cap;
    char *buf;
    size_t bufcap;
} cin_row;

#define CIN_SPACES ' ' /* delimiter value meaning "runs of blanks" */

/* Split line into fields. delim is ',', ';', '\t' or CIN_SPACES. */
int cin_split(const cin_line *l, char delim, cin_row *row);
void cin_row_free(cin_row *row);
/* Number of fields after dropping trailing empty ones. */
size_t cin_row_used(const cin_row *row);

typedef enum {
    NUM_OK = 0,
    NUM_EMPTY,    /* empty field */
    NUM_BAD,      /* not a number */
    NUM_NONFINITE /* NaN or infinity spelled out */
} cin_numst;

/* Parse a number. dec is '.' or ','. Grouping separators (the other of ','
 * and '.') are accepted only when group is true (quoted Bluehill values).
 * In decimal-comma mode a value with several commas ("2,110,637") is read
 * with the last comma as the decimal point and *multi set (may be NULL). */
cin_numst cin_num(const char *s, char dec, bool group, double *out, bool *multi);

/* Exact decimal-to-double conversion without strtod for the common case
 * (at most 19 significant digits, value <= 2^53 * 10^q with |q| <= 22): s[0..n)
 * is "[+-]digits[.digits][e[+-]digits]". Returns true and the correctly
 * rounded double (bit-identical to strtod's) in *out, or false when the text
 * is outside the fast path and the caller must use strtod. */
bool cin_fast_decimal(const char *s, size_t n, double *out);

/* The table reader's fast path for one data line: its first `need` fields
 * read without copying them, the picked ones (role[k] = curve role, or -1)
 * into v[role]. true only when cin_split + cin_num would read exactly these
 * values from the line with no note or error: each picked field a plain
 * number in cin_num's first scan (no empty, quoted, grouped or spelled-out
 * cell), no field before them quoted, `need` fields present. false for
 * anything else: the caller then reads the line the general way, so the
 * result never depends on the path. The line must be NUL-terminated and
 * delim is ',', ';' or '\t', never dec. */
bool cin_fast_row(const cin_line *l, char delim, char dec, const signed char *role, size_t need,
                  double *v);

/* Guess the delimiter from lines [from, to): the candidate that splits the
 * most lines into the same number (>1) of fields. Returns 0 if none. */
char cin_guess_delim(const cin_src *s, size_t from, size_t to);

/* ---- table layer ---- */

#define CIN_MAXCOL 128

typedef struct {
    char name[128]; /* column name without its unit */
    char unit[32];  /* unit text ("" when none) */
    char full[160]; /* the name cell as written */
    int role;       /* curve_role or -1 */
    bool text;      /* holds text, not numbers */
    bool sentinel;  /* all values are a fill value (catman -1000000) */
    bool setpoint;  /* a setpoint/command channel (the controller's demand) */
    bool extenso;   /* an extensometer channel */
    double scale;   /* to SI */
    char why[160];  /* why this role (or why not) */
} cin_col;

typedef struct {
    size_t names; /* index of the names row in s->lines */
    long units;   /* index of the units row, -1 none */
    size_t data;  /* first data row index */
    size_t end;   /* one past the last candidate data row */
    char delim;
    char dec;                   /* 0 = detect */
    int skip_cols;              /* leading columns that are not data (specimen number) */
    bool stop_at_blank;         /* a blank line ends the table */
    bool stop_at_hash;          /* a line starting with '#' ends the table (rigor-run) */
    bool sentinel_row;          /* drop a final all-zero row with code 1 (Deben) */
    bool clock_time;            /* the time column is HH:MM:SS:mmm wall-clock */
    bool grams_force;           /* "g" in the force column means grams-force */
    bool point_is_time;         /* Deben: the "Point" column is time in s */
    bool catman;                /* -1000000 marks an unused channel */
    bool tolerate_partial_last; /* drop an incomplete last line with a note */
    bool skip_nonfinite;        /* a row with a NaN/inf cell is skipped with a note
                                   (rigor-run: a NaN reply recorded), not an error */
    bool positional;            /* no names row: columns are o->pos (--columns);
                                   names is then the first data line */
    bool release;               /* the format reads no data line but the first and
                                   those after the table again: with s->releasable,
                                   the pages of consumed data lines are released */
    bool ext_extenso;           /* rigor-run: the ext column (extension_mm) is the
                                   clip-on extensometer, position_mm the crosshead:
                                   kept as curve.xhead for a removal's continuation */
    int flag_col1;              /* rigor-run: 1-based index of the last column, `invalid`,
                                   whose non-empty cells mark samples the driver found
                                   invalid (their values are empty cells): such rows are
                                   skipped and counted in a note; 0 = none */
} cin_tspec;

typedef struct {
    cin_col col[CIN_MAXCOL];
    int ncol;
    int pick[CURVE_NROLES]; /* column index per role or -1 */
    int xhead;              /* a crosshead kept beside an extensometer that took
                               the ext role (curve.xhead), or -1 */
    int wchg;               /* a width-change column in a length unit
                               (curve.width_change), or -1 */
    size_t rows;            /* data rows read */
    size_t last_line;       /* index of the last data line read */
    char delim, dec;
    int threads; /* threads the data lines were read in (the checks
                    of cin_check_curve use as many) */
} cin_tinfo;

/* csvin_roles.c: the dimension each role's unit must have. */
extern const unit_dim cin_role_dim[CURVE_NROLES];
/* Role (curve_role, or -1 with c->why saying why not) and priority of a
 * column from its name and unit; sets c->setpoint / c->extenso. */
int cin_classify(cin_col *c, const unit_info *ui, bool has_unit, int *prio);
/* The name is a setpoint/command channel (Sollwert, setpoint, command...). */
bool cin_is_setpoint(const char *name);
/* The name is a width-change channel (Breitenänderung, Width change, Δb,
 * Variation largeur...): a transverse extensometer, never the extension. */
bool cin_is_width_change(const char *name);

/* Read the table described by t into c (which must be empty: no channels).
 * Fills ti. On error fills diag and returns a negative rigor_err. */
int cin_read_table(const cin_src *s, const cin_tspec *t, const csvin_opts *o, curve *c,
                   cin_tinfo *ti, rigor_diag *diag);

/* Split "Force [kN]", "Load (N)", "time_s" into name and unit. */
void cin_split_name_unit(const char *cell, char *name, size_t nn, char *unit, size_t un);

/* Post-read checks that only add notes: time backwards, x10 jumps, stress
 * implying a placeholder area. */
void cin_check_curve(curve *c, const cin_tinfo *ti, const cin_src *s);

/* The median -- the (nd / 2)-th smallest, 0-based -- of the nd steps
 * |x[i] - x[i-1]| that are finite and > 0, exactly, NAN when there is none
 * (the x10-jump check's scale). AUTO: a copy and Hoare's selection for
 * short curves, the radix selection on the bit patterns for long ones (no
 * copy); the others force one way (tests compare them). */
typedef enum { CIN_MEDIAN_AUTO, CIN_MEDIAN_COPY, CIN_MEDIAN_RADIX } cin_median_how;
double cin_step_median(const double *x, size_t n, cin_median_how how);

/* Apply a metadata key (any language) to the geometry if it names one:
 * width, thickness, diameter, area, gauge length, height. Returns true when
 * used. value in the given unit (default mm / mm^2 when unit is ""). */
bool cin_geom_key(curve *c, const char *key, const char *value, const char *unit, char dec);

/* csvin_meta.c: lower case of ASCII and UTF-8 Latin letters (Á -> á, Ł -> ł). */
void cin_lower(char *d, size_t dn, const char *s);
/* The key (trailing ':' dropped), value and unit of a metadata row in the
 * layouts "key,value,unit", "key:<TAB>value<TAB>unit" and
 * "key<TAB><TAB><TAB>unit<TAB>value". val/unit point into row. */
void cin_meta_fields(const cin_row *row, char *key, size_t kn, const char **val,
                     const char **unit);

/* The text names a flexure (bending) test: flexure, Biege, 3-point, ... */
bool cin_flexure_word(const char *text);

/* Set c->test from a text mentioning tension/tensile or compression. */
void cin_test_from_text(curve *c, const char *text);
/* csvin_meta.c: the test type from a metadata key that names it ("Test
 * type: Compression", "Methode: Zugversuch", "Prüfart", "Tipo de ensayo"),
 * with a note; nothing when c->test is set or no such key says it. */
void cin_test_from_meta(curve *c);

/* csvin_rows.c: the data rows of table t, whose columns and roles
 * cin_read_table has put in ti (dec the decimal separator), into c, units
 * to SI. RIGOR_OK, or an error with diag (file:line:col). */
int cin_read_rows(const cin_src *s, const cin_tspec *t, const csvin_opts *o, char dec, curve *c,
                  cin_tinfo *ti, rigor_diag *diag);
/* csvin_rows.c: a wall-clock time "HH:MM:SS:mmm" in s (false if not one). */
bool cin_parse_clock(const char *s, double *sec);

/* "a FIFO", "a socket", "a character device", ... for a stat mode. */
const char *cin_file_kind(unsigned mode);

/* ---- formats ---- */

/* A table found in the text: names row, optional units row, first data row. */
typedef struct {
    size_t names;
    long units;
    size_t data;
    char delim;
} cin_found;

/* Line i is a data row: most non-empty fields are numbers (either decimal
 * convention) or clock times. */
bool cin_numeric_row(const cin_src *s, size_t i, char delim, cin_row *row);
/* The first names row at or after from (before to), followed after an
 * optional units row by data rows; delim_hint 0 = guess. */
bool cin_find_table(const cin_src *s, size_t from, size_t to, char delim_hint, cin_found *f,
                    cin_row *row);

/* csvin_blocks.c: files built of several "names + units + numbers" blocks
 * (MTS 793 / TestSuite .dat, Shimadzu Trapezium: parameters, peak/valley
 * or results blocks, then the timed data). */
typedef struct {
    cin_found f;
    size_t end;     /* one past the block's last data row */
    size_t rows;    /* data rows */
    bool roles;     /* has a force/stress and an extension/strain column */
} cin_block;

#define CIN_MAX_BLOCKS 16

/* All blocks from the first table on, in file order (at most max). */
size_t cin_find_blocks(const cin_src *s, const cin_found *first, cin_block *b, size_t max,
                       cin_row *row);
/* Index of the timed-data block: a block with the roles and the most rows. */
size_t cin_pick_data_block(const cin_block *b, size_t n);
/* The columns of a short block as metadata (name = value unit; with
 * several rows, "name [row k]"), geometry from them; vendor results come
 * from the keys (csvin_vendor_results). */
void cin_block_meta(curve *c, const cin_src *s, const cin_block *b, cin_row *row);
/* The metadata keys cin_block_meta gives the largest value of a peak/valley
 * block's peak force / peak stress column (csvin_vendor_results: the
 * vendor's max_force_n / max_stress_mpa where the file states none). */
#define CIN_PEAK_FORCE_KEY "Peak force (largest of the peak block)"
#define CIN_PEAK_STRESS_KEY "Peak stress (largest of the peak block)"

typedef struct {
    char format[64];
    char what[256];  /* for ENODATA files: what the file is */
    cin_tinfo table; /* first table, for describe */
    size_t ntables;
} cin_info;

/* csvin_formats.c helpers shared with csvin_vendors.c. */
bool cin_starts(const char *s, const char *p);  /* s starts with p */
bool cin_istarts(const char *s, const char *p); /* the same, ASCII case ignored */
bool cin_units_row(const cin_src *s, size_t i, char delim, cin_row *row);
bool cin_names_row(const cin_src *s, size_t i, char delim, cin_row *row);
int cin_new_curve(const cin_src *s, const char *format, curve **out);
bool cin_key_is_specimen(const char *k);
int cin_finish(curve *c, const cin_tinfo *ti, const cin_src *s, curve_list *out);
void cin_set_info(cin_info *info, const char *format, const cin_tinfo *ti);
void cin_meta_lines(curve *c, const cin_src *s, size_t from, size_t to, char delim,
                    cin_row *row, bool *id_blank);
/* csvin_vendors.c: the readers of the families with their own layout. */
int cin_rd_exponent(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                    rigor_diag *diag);
int cin_rd_mts(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
               rigor_diag *diag);
int cin_rd_deben(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                 rigor_diag *diag);
int cin_rd_tra(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
               rigor_diag *diag);
int cin_rd_results_table(const cin_src *s, const csvin_opts *o, curve_list *out,
                         cin_info *info, rigor_diag *diag);
int cin_rd_eth(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
               rigor_diag *diag);

/* Parse all curves of one loaded source. */
int cin_parse(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
              rigor_diag *diag);

#endif
