/* storeio.h — the CLI's bridge between analysed specimens and the store.
 *
 * `rigor db import`, `rigor analyze --store` and `rigor run` all store a
 * curve's provenance and its analysis the same way: the specimen id, batch
 * and material from the file's metadata (batch: the metadata key "batch" or
 * "lot", else the file's folder, the default group of `rigor analyze
 * --summary`), the run from the file (its SHA-256, format, columns, and for
 * Rigor run files the protocol, rig, frame and Rigor version). The store
 * itself (store/) knows nothing of curves' files or of the CLI.
 */
#ifndef RIGOR_STOREIO_H
#define RIGOR_STOREIO_H

#include "output.h"

#include "../analysis/curve.h"
#include "../analysis/results.h"
#include "../store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Vendor results stated in the file beside Rigor's own (cmd_analyze.c). */
void analyze_add_vendor(const curve *c, result_set *rs);

/* The operator's name: $RIGOR_OPERATOR, else $USER / $LOGNAME, else "". */
const char *storeio_operator(void);

/* Fill sp and run from curve c (the curve_index-th of its file, whose bytes
 * hash to sha). run->protocol_text stays NULL. */
void storeio_describe(const curve *c, int curve_index, const char *sha, store_origin origin,
                      const char *operator_name, store_specimen *sp, store_run *run);

/* Store analysed specimen a of curve c: its run (when new) and the
 * analysis. reanalyse: a run already stored gets this analysis as a new row
 * (rigor analyze --store); otherwise RIGOR_EEXIST is returned and nothing is
 * added (rigor db import). The error text is store_errmsg(st). */
int storeio_put(store *st, const store_specimen *sp, const store_run *run, const analysed *a,
                bool reanalyse, int64_t *run_id, int64_t *analysis_id)
    __attribute__((warn_unused_result));

/* Open the store named by --db (NULL: $RIGOR_DB, else the default path),
 * printing "rigor PROG: why" on failure. */
int storeio_open(const char *prog, const char *target, bool readonly, store **out)
    __attribute__((warn_unused_result));

/* What `rigor run` stores after its run file is complete. */
typedef struct {
    bool enabled;              /* --store, --db or $RIGOR_DB */
    const char *db;            /* --db, NULL for $RIGOR_DB / the default */
    const char *protocol_path; /* its text is stored with the run */
    const char *rig_path;      /* hashed; NULL: the run file's rig */
    const char *sim_preset;    /* the frame is "sim:PRESET" */
    const char *series;        /* --series: test its next specimen */
    bool have_series_sp;       /* series_sp holds that specimen */
    store_specimen series_sp;
} storeio_run_opts;

/* --series: the series' next specimen (store_series_next) into o->series_sp;
 * its id becomes *specimen_id and its geometry fills the fields of *geom
 * that no flag set (NAN). Says which specimen on stderr. Returns 0, 2 (no
 * specimen left, or no such series) or STOREIO_EXIT. */
int storeio_series_next(storeio_run_opts *o, const char **specimen_id, curve_geom *geom);

/* Store a live run (the complete run file at run_path, read back as c) and
 * its analysis a (NULL when it could not be analysed). Says on stderr what
 * failed and that `rigor db import` can store the run later. Returns 0 or
 * STOREIO_EXIT. */
int storeio_run(const storeio_run_opts *o, const char *run_path, const curve *c,
                const analysed *a);
/* The same, with what it did or why it failed in msg (one line, "" when
 * not enabled) instead of stderr: for the console, whose screen stderr
 * would spoil. A failed write appends the trailer line
 * "# store: failed (REASON)" to the run file (after its statistics), so
 * the run file itself records that it still has to be stored. */
int storeio_run_msg(const storeio_run_opts *o, const char *run_path, const curve *c,
                    const analysed *a, char *msg, size_t ml);

/* Exit status of a command whose store could not be opened or written:
 * locked, full, newer schema, unreachable. */
#define STOREIO_EXIT 4

#endif
