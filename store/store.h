/* store.h — the results store: specimens, runs, analyses and an audit chain.
 *
 * One place for a lab's results: every specimen (with its measured geometry,
 * repeated measurements kept), every run (live from `rigor run` or imported
 * from a legacy export: where the raw curve lives and its SHA-256, never the
 * curve itself), every analysis of a run with the method parameters it used
 * (a re-analysis is a new row beside the old one, never an update), and an
 * append-only audit log in which each entry holds the SHA-256 of its own
 * content and of the entry before it, so `rigor db verify` can show that
 * nothing was changed behind the log's back (docs/store.md).
 *
 * Two backends behind one opaque handle (libmodbus-style ops table,
 * store/backend.h): SQLite (embedded default, WAL mode, one file) and
 * PostgreSQL through libpq (a lab server). Only store/ includes the database
 * libraries. Every write is one transaction that also appends its audit
 * entry under a writer lock, so the chain stays linear with many writers.
 *
 * Errors: every action returns RIGOR_OK or a negative rigor_err, and the
 * handle keeps a one-line message (store_errmsg) naming what failed:
 * RIGOR_ETIMEOUT the store is locked by another writer for longer than the
 * busy timeout, RIGOR_EFULL the disk or the database is full,
 * RIGOR_EUNSUPPORTED the store has a newer schema than this Rigor,
 * RIGOR_EIO the store cannot be opened or reached, RIGOR_EINVAL bad
 * arguments, RIGOR_EEXIST the row exists already (idempotent import).
 */
#ifndef RIGOR_STORE_H
#define RIGOR_STORE_H

#include "../analysis/curve.h"
#include "../analysis/results.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STORE_SCHEMA_VERSION 1 /* the schema this Rigor writes (store_migrate) */

typedef struct store store;

typedef enum { STORE_SQLITE = 0, STORE_POSTGRES } store_backend;

typedef struct {
    const char *target;  /* "postgresql://..." / "postgres://..." / a libpq
                            "host=... dbname=..." string, or a SQLite path;
                            NULL: $RIGOR_DB, else store_default_path() */
    int busy_timeout_ms; /* how long a write waits for another writer's lock
                            (0: $RIGOR_DB_BUSY_MS, else 10000) */
    bool readonly;       /* open for queries: no creation, no migration */
} store_cfg;

/* The default SQLite path: $XDG_DATA_HOME/rigor/results.db, else
 * $HOME/.local/share/rigor/results.db. Writes it into buf; false when
 * neither variable is set. */
bool store_default_path(char *buf, size_t len);

/* Open (and on first use create) the store cfg names, applying pending
 * schema migrations unless cfg->readonly. A store whose schema is newer
 * than STORE_SCHEMA_VERSION is refused (RIGOR_EUNSUPPORTED). On failure
 * *out is NULL and why (if non-NULL) holds the reason. */
int store_open(const store_cfg *cfg, store **out, char *why, size_t whylen)
    __attribute__((warn_unused_result));
void store_close(store *st); /* NULL safe */

const char *store_errmsg(const store *st); /* the last failure, "" if none */
store_backend store_kind(const store *st);
const char *store_target(const store *st); /* path or connection string */

/* Schema version stored (0 for a store without one). */
int store_schema_version(store *st, int *version) __attribute__((warn_unused_result));
/* Apply pending migrations (store_open does it already); *from and *to are the
 * versions before and after. */
int store_migrate(store *st, int *from, int *to) __attribute__((warn_unused_result));

/* ---- writing ------------------------------------------------------------ */

typedef enum { STORE_IMPORTED = 0, STORE_LIVE } store_origin;

/* A specimen as measured. Geometry in SI, NAN where not measured. */
typedef struct {
    char code[128];  /* the lab's specimen id */
    char batch[256]; /* batch (or folder for legacy files) */
    char material[128];
    char series[128]; /* series it belongs to, "" for none */
    int series_pos;   /* 1-based position in its series, 0 for none */
    char notes[512];
    curve_geom geom;
} store_specimen;

/* One run: a test of one specimen, recorded in a file outside the store. */
typedef struct {
    store_origin origin;
    char source[1024];      /* path of the run file or legacy export */
    char source_sha256[65]; /* SHA-256 of its bytes */
    int curve_index;        /* position of this curve in a multi-specimen file */
    char format[64];        /* detected format (csvin) */
    char test[16];
    char columns[1024]; /* "role=name[unit];..." of the source columns */
    char protocol_name[256];
    const char *protocol_text; /* the protocol's text, NULL when unknown */
    char rig_sha256[65];       /* SHA-256 of the rig file (or register map), "" */
    char operator_name[64];
    char frame[128];        /* the frame's identity (rig file name / serial) */
    char rigor_version[32]; /* Rigor that recorded the run */
    char tested_at[32];     /* UTC ISO 8601 of the test, "" when unknown */
} store_run;

/* An analysis to store: the result set (method, results, stages, notes) and
 * the import notes that precede its notes when printed. */
typedef struct {
    const result_set *rs;
    char *const *import_notes;
    size_t nimport_notes;
    char operator_name[64];
    char rigor_version[32]; /* Rigor that analysed */
} store_analysis;

/* Store a specimen (created when (code, batch) is new; its geometry is added
 * as measurements with the reason given), a run of it and, when a is not
 * NULL, the run's first analysis, in one transaction with its audit entries.
 * A run already stored (same source_sha256 and curve_index) adds nothing and
 * returns RIGOR_EEXIST with *run_id set to the stored run. */
int store_add_run(store *st, const store_specimen *sp, const store_run *run,
                  const store_analysis *a, int64_t *run_id, int64_t *analysis_id)
    __attribute__((warn_unused_result));

/* Many writes in one transaction (rigor db import: one commit per chunk of
 * files instead of per run). Inside, each write is a savepoint: one that
 * fails (RIGOR_EEXIST) is undone alone. The writer lock is held until
 * store_batch_end, which commits (commit true) or rolls everything back. */
int store_batch_begin(store *st) __attribute__((warn_unused_result));
int store_batch_end(store *st, bool commit) __attribute__((warn_unused_result));

/* A re-analysis of a stored run: a new analysis row linked to it. */
int store_add_analysis(store *st, int64_t run_id, const store_analysis *a, int64_t *analysis_id)
    __attribute__((warn_unused_result));

/* Create or update a specimen of a series: a new specimen, or new
 * measurements (reason "series") for one that exists. */
int store_put_specimen(store *st, const store_specimen *sp, const char *operator_name,
                       int64_t *specimen_id) __attribute__((warn_unused_result));

/* A geometry correction: a new measurement of quantity (width_m,
 * thickness_m, diameter_m, area_m2, gauge_m, height_m) with its reason. */
int store_correct_geometry(store *st, int64_t specimen_id, const char *quantity,
                           double value_si, const char *reason, const char *operator_name)
    __attribute__((warn_unused_result));

typedef enum { STORE_T_SPECIMEN = 0, STORE_T_RUN, STORE_T_ANALYSIS } store_target_kind;
int store_comment(store *st, store_target_kind kind, int64_t id, const char *text,
                  const char *operator_name) __attribute__((warn_unused_result));
/* Exclude a specimen from its batch's statistics, with the reason. */
int store_exclude(store *st, int64_t specimen_id, const char *reason, const char *operator_name)
    __attribute__((warn_unused_result));

/* Find a specimen by code (and batch, NULL for any; ambiguous codes give
 * RIGOR_EINVAL naming the batches). RIGOR_ENODATA when absent. */
int store_find_specimen(store *st, const char *code, const char *batch, int64_t *id)
    __attribute__((warn_unused_result));

/* The next specimen of a series to test: the lowest series position with
 * no run and no exclusion, with its latest measured geometry (NAN where
 * never measured). RIGOR_ENODATA when every specimen has its run (or the
 * series does not exist: *remaining tells, 0 both times). */
int store_series_next(store *st, const char *series, store_specimen *sp, int64_t *id,
                      int *remaining) __attribute__((warn_unused_result));

/* Every source_sha256 already stored, for a caller that skips known files
 * before reading them (sorted, caller frees with free()). */
int store_known_sources(store *st, char (**sha)[65], size_t *n)
    __attribute__((warn_unused_result));

/* ---- reading ------------------------------------------------------------ */

/* A result range filter: lo <= key <= hi (NAN bound = open). */
typedef struct {
    char key[48];
    double lo, hi;
} store_range;

typedef struct {
    const char *specimen; /* code, '*' and '?' globs allowed; NULL any */
    const char *material;
    const char *batch;
    const char *series;
    const char *operator_name;
    const char *protocol; /* protocol name */
    const char *since;    /* tested_at >= since (ISO text compare), NULL any */
    const char *until;    /* tested_at < until */
    const store_range *ranges;
    size_t nranges;
    bool all_analyses;  /* every analysis; default the latest of each run */
    bool with_excluded; /* include excluded specimens */
} store_filter;

/* One analysis with its provenance, as store_query hands it over. */
typedef struct {
    int64_t analysis_id, run_id, specimen_id;
    char specimen[128], batch[256], material[128], series[128];
    bool excluded;
    char exclusion_reason[512];
    store_run run; /* protocol_text NULL */
    char analysed_at[32];
    result_set rs; /* method, results, stages (notes empty) */
    char **notes;  /* import notes then analysis notes, in order */
    size_t nnotes;
} store_row;

/* Call fn for each analysis matching f, in (specimen, run, analysis) id
 * order. The row is valid during the call only. fn returning non-zero stops
 * the query with that value. */
typedef int (*store_row_fn)(void *ctx, const store_row *row);
int store_query(store *st, const store_filter *f, store_row_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* ---- the audit chain ---------------------------------------------------- */

typedef struct {
    int64_t entries;    /* entries checked */
    int64_t bad_seq;    /* first entry that does not match, 0 when all do */
    char bad_what[512]; /* what it records and what does not match */
} store_verify_report;

/* Recompute every entry's content hash from the rows it records and the
 * chain of hashes; RIGOR_OK when all match, RIGOR_EPARSE (with rep filled)
 * at the first that does not. */
int store_verify(store *st, store_verify_report *rep) __attribute__((warn_unused_result));

/* Counts of rows per table, for `rigor db summary` and tests. */
typedef struct {
    int64_t specimens, runs, analyses, measurements, comments, exclusions, audit;
} store_counts;
int store_count(store *st, store_counts *c) __attribute__((warn_unused_result));

#endif
