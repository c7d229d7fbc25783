/* results.h — the result set every analysis fills and every output prints.
 *
 * An analysis (tensile, compression) does not print. It fills a result_set:
 * the method parameters it used, its results as named values (SI-free display
 * units are part of the key, e.g. "tensile_strength_mpa", exactly as in the
 * JSON output), the stage list, and notes explaining nulls and warnings.
 * cli/ turns a result_set into JSON, CSV or a human table, so every analysis
 * gets every output format for free and the keys are written in one place.
 *
 * Values are doubles; NAN means "not defined for this curve" (printed null),
 * and an analysis that leaves a value NAN adds a note saying why.
 */
#ifndef RIGOR_RESULTS_H
#define RIGOR_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    RV_NUMBER, /* v[0] */
    RV_PAIR,   /* [v[0], v[1]] */
    RV_STRING, /* s */
    RV_BOOL    /* v[0] != 0 */
} rv_kind;

typedef struct {
    char key[48];
    rv_kind kind;
    double v[2];
    char s[128];
} result_value;

/* One detected stage: start and end in the units named by the field. */
typedef struct {
    char stage[24];           /* "contact", "elastic", "plastic", "plateau", ... */
    size_t start_index;       /* sample index in the source curve */
    double start_time_s;
    double start_position_mm; /* crosshead/travel as in the file */
    double start_strain_pct;
    double end_strain_pct;
    double start_stress_mpa;
    char rule[48];            /* what made the detector say so, e.g. "drop-from-peak" */
} result_stage;

typedef struct {
    char test[16];            /* "tensile" or "compression" */
    result_value *method;     /* every parameter used, in order */
    size_t nmethod;
    result_value *results;    /* results, in output order */
    size_t nresults;
    result_stage *stages;
    size_t nstages;
    char **notes;
    size_t nnotes;
    unsigned char *note_kind; /* result_note_kind of notes[i]; NULL when none */
    struct result_table *tables; /* per-cycle / per-hold rows (results_table.c) */
    size_t ntables;
} result_set;

/* What a note is: information (why a value is null, what was used), or a
 * warning that a result is implausible or was computed outside its method's
 * conditions. A warning's text starts with "WARNING: " for people; code asks
 * the kind (results_note_is_warning), never the text. */
typedef enum { RN_INFO = 0, RN_WARNING = 1 } result_note_kind;

void results_init(result_set *rs);
void results_clear(result_set *rs); /* frees contents, leaves an empty set */

/* Set (or replace) a named value. Return RIGOR_OK or RIGOR_ENOMEM. */
int results_number(result_set *rs, const char *key, double v);
int results_pair(result_set *rs, const char *key, double a, double b);
int results_string(result_set *rs, const char *key, const char *s);
int results_method_number(result_set *rs, const char *key, double v);
int results_method_pair(result_set *rs, const char *key, double a, double b);
int results_method_string(result_set *rs, const char *key, const char *s);
int results_method_bool(result_set *rs, const char *key, int v);
int results_add_stage(result_set *rs, const result_stage *st);
int results_note(result_set *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning note: its text is "WARNING: " + the formatted message. */
int results_warn(result_set *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool results_note_is_warning(const result_set *rs, size_t i);
/* Remove the notes whose text starts with prefix (a later step found the
 * reason they gave no longer holds). Returns how many were removed. */
size_t results_drop_notes(result_set *rs, const char *prefix);
bool results_has_warning(const result_set *rs);

/* Lookup: the value or NAN (number; first of a pair). */
double results_get(const result_set *rs, const char *key);
const result_value *results_find(const result_set *rs, const char *key);
const result_value *results_find_method(const result_set *rs, const char *key);

/* ---- tables of rows (analysis/results_table.c) ---------------------------
 * Results that come once per cycle or per hold: a named table ("cycles",
 * "holds": the JSON key) of rows with the same numeric columns, the display
 * unit in each column key as for results. NAN is null. */
#define RESULT_TABLE_COLS 24

typedef struct result_table {
    char name[24];                   /* JSON key, e.g. "cycles" */
    size_t ncols;
    char col[RESULT_TABLE_COLS][40]; /* column keys, e.g. "peak_force_n" */
    double *v;                       /* nrows x ncols, row-major */
    size_t nrows;
    bool object;                     /* one row, printed as an object (modulus_quality) */
    unsigned bool_cols;              /* bit j: column j is a pass/fail, printed true/false */
} result_table;

/* Add an empty table; *idx receives its index in rs->tables. RIGOR_OK,
 * RIGOR_EINVAL (more than RESULT_TABLE_COLS columns) or RIGOR_ENOMEM. */
int results_table_add(result_set *rs, const char *name, const char *const *cols, size_t ncols,
                      size_t *idx);
/* Append one row of rs->tables[idx].ncols values. RIGOR_OK or RIGOR_ENOMEM. */
int results_table_row(result_set *rs, size_t idx, const double *row);
/* The table named name, or NULL. */
const result_table *results_table_find(const result_set *rs, const char *name);
/* Free the tables (called by results_clear). */
void results_tables_free(result_set *rs);

#endif
