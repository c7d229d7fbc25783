/* cmd_db.c — `rigor db`: the results store from the command line.
 *
 *   import PATH...   store legacy exports and run files (parallel, idempotent)
 *   query            filtered analyses as a table, --json or --csv
 *   summary          batch statistics and Weibull of the stored analyses
 *   verify           recompute the audit chain
 *   migrate / info   schema version, counts
 *   series load FILE specimens of a series with their measured geometry
 *   exclude / comment / correct   audited annotations
 *
 * Units at this edge: geometry in mm (mm^2 for area) on the command line and
 * in series files, SI in the store. Output formats are those of `rigor
 * analyze` (cli/output.c), so a query's --csv has the columns of
 * `rigor analyze --csv` and its summary those of `--summary`.
 */
#include "commands.h"
#include "figures.h"
#include "output.h"
#include "storeio.h"

#include "../analysis/analysis.h"
#include "../analysis/batch.h"
#include "../analysis/import/csvin.h"
#include "../common/error.h"
#include "../common/pool.h"
#include "../common/sha256.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rigor db [--db TARGET] COMMAND [options]\n"
        "\n"
        "The results store (docs/store.md). TARGET is a SQLite file or a PostgreSQL\n"
        "connection (postgresql://user@host/db, or 'host=... dbname=...'); default\n"
        "$RIGOR_DB, else $XDG_DATA_HOME/rigor/results.db (~/.local/share/rigor/results.db),\n"
        "created on first use.\n"
        "\n"
        "commands:\n"
        "  import [--jobs N] [--preset P] PATH...   store files and folders of exports or\n"
        "                          run files, each analysed as `rigor analyze` does; a file\n"
        "                          already stored (same SHA-256) adds nothing\n"
        "  query [filters] [--json|--csv] [--all-analyses] [--with-excluded]\n"
        "  summary [--group-by batch|material|series|specimen|operator|protocol|test]\n"
        "          [filters] [--json|--csv]   n, mean, SD, CV, min, max, Weibull per group;\n"
        "                          excluded specimens are listed with their reasons\n"
        "  verify                  recompute the audit chain; names the first bad entry\n"
        "  migrate                 apply pending schema migrations\n"
        "  info                    backend, schema version, row counts\n"
        "  series load FILE [--name S]   a series file (CSV: id, width_mm, thickness_mm,\n"
        "                          diameter_mm, area_mm2, gauge_length_mm, height_mm,\n"
        "                          material, batch, notes; id required)\n"
        "  exclude SPECIMEN --reason TEXT [--batch B]   leave a specimen out of statistics\n"
        "  comment specimen|run|analysis ID TEXT\n"
        "  correct SPECIMEN QUANTITY MM --reason TEXT [--batch B]   geometry correction\n"
        "                          (width, thickness, diameter, area [mm^2], gauge-length,\n"
        "                          height)\n"
        "  report -o REPORT.html [filters]   the HTML report of `rigor report` from a\n"
        "                          query; each curve read from its stored run file and\n"
        "                          checked against its SHA-256 (also: rigor report --db)\n"
        "\n"
        "filters: --specimen GLOB --material GLOB --batch GLOB --series GLOB\n"
        "         --operator NAME --protocol NAME --since DATE --until DATE\n"
        "         --where KEY=LO:HI (a result range; LO or HI may be empty)\n"
        "options: --operator NAME (who writes; default $RIGOR_OPERATOR, else $USER)\n"
        "\n"
        "Exit status: 0 done; 1 verify found an entry that does not match; 2 invalid\n"
        "input or usage, or some file could not be read or analysed (report: some curve\n"
        "file is missing, changed or unreadable; the report says which); 4 the store could\n"
        "not be opened or written (locked, full, newer schema, unreachable).\n");
}

/* ---- shared with analyze and run (storeio.h) ------------------------------ */

const char *storeio_operator(void)
{
    const char *v[] = {getenv("RIGOR_OPERATOR"), getenv("USER"), getenv("LOGNAME")};
    for (size_t i = 0; i < 3; i++)
        if (v[i] && v[i][0])
            return v[i];
    return "";
}

static const char *meta(const curve *c, const char *key)
{
    const curve_meta *m = curve_meta_find(c, key);
    return m && m->value[0] ? m->value : NULL;
}

void storeio_describe(const curve *c, int idx, const char *sha, store_origin origin,
                      const char *op, store_specimen *sp, store_run *run)
{
    memset(sp, 0, sizeof *sp);
    memset(run, 0, sizeof *run);
    const char *base = strrchr(c->file, '/');
    base = base ? base + 1 : c->file;
    if (c->specimen[0])
        snprintf(sp->code, sizeof sp->code, "%s", c->specimen);
    else if (idx > 0)
        snprintf(sp->code, sizeof sp->code, "%.100s#%d", base, idx + 1);
    else
        snprintf(sp->code, sizeof sp->code, "%.127s", base);
    const char *b = meta(c, "batch");
    if (!b)
        b = meta(c, "lot");
    if (b) {
        snprintf(sp->batch, sizeof sp->batch, "%s", b);
    } else {
        const char *slash = strrchr(c->file, '/');
        if (!slash)
            snprintf(sp->batch, sizeof sp->batch, ".");
        else if (slash == c->file)
            snprintf(sp->batch, sizeof sp->batch, "/");
        else
            snprintf(sp->batch, sizeof sp->batch, "%.*s", (int)(slash - c->file), c->file);
    }
    const char *mat = meta(c, "material");
    snprintf(sp->material, sizeof sp->material, "%s", mat ? mat : "");
    sp->geom = c->geom;
    run->origin = origin;
    snprintf(run->source, sizeof run->source, "%s", c->file);
    snprintf(run->source_sha256, sizeof run->source_sha256, "%s", sha);
    run->curve_index = idx;
    snprintf(run->format, sizeof run->format, "%s", c->format);
    snprintf(run->test, sizeof run->test, "%s", c->test);
    size_t at = 0;
    for (int r = 0; r < CURVE_NROLES; r++) {
        if (!c->colname[r][0])
            continue;
        int n = snprintf(run->columns + at, sizeof run->columns - at, "%s%s=%s[%s]",
                         at ? ";" : "", csvin_role_name(r), c->colname[r], c->colunit[r]);
        if (n < 0 || (size_t)n >= sizeof run->columns - at)
            break;
        at += (size_t)n;
    }
    const char *v;
    if ((v = meta(c, "protocol")))
        snprintf(run->protocol_name, sizeof run->protocol_name, "%s", v);
    if ((v = meta(c, "regmap_sha256")))
        snprintf(run->rig_sha256, sizeof run->rig_sha256, "%s", v);
    if ((v = meta(c, "rig")))
        snprintf(run->frame, sizeof run->frame, "%s", v);
    if ((v = meta(c, "rigor_version")))
        snprintf(run->rigor_version, sizeof run->rigor_version, "%s", v);
    v = meta(c, "operator");
    snprintf(run->operator_name, sizeof run->operator_name, "%s", v ? v : op);
    if ((v = meta(c, "start_utc"))) {
        snprintf(run->tested_at, sizeof run->tested_at, "%s", v);
    } else {
        /* a legacy export rarely states its date readably: the file's mtime */
        struct stat sb;
        if (stat(c->file, &sb) == 0) {
            struct tm tm;
            gmtime_r(&sb.st_mtime, &tm);
            strftime(run->tested_at, sizeof run->tested_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
    }
}

int storeio_put(store *st, const store_specimen *sp, const store_run *run, const analysed *a,
                bool reanalyse, int64_t *run_id, int64_t *analysis_id)
{
    store_analysis sa = {.rs = &a->rs, .import_notes = a->notes, .nimport_notes = a->nnotes};
    snprintf(sa.operator_name, sizeof sa.operator_name, "%s", storeio_operator());
    snprintf(sa.rigor_version, sizeof sa.rigor_version, "%s", RIGOR_VERSION);
    int64_t rid = 0;
    int rc = store_add_run(st, sp, run, &sa, &rid, analysis_id);
    if (run_id)
        *run_id = rid;
    if (rc == RIGOR_EEXIST && reanalyse && rid > 0)
        rc = store_add_analysis(st, rid, &sa, analysis_id);
    return rc;
}

int storeio_open(const char *prog, const char *target, bool readonly, store **out)
{
    char why[1200];
    store_cfg cfg = {.target = target, .readonly = readonly};
    int rc = store_open(&cfg, out, why, sizeof why);
    if (rc != RIGOR_OK)
        fprintf(stderr, "rigor %s: store: %s\n", prog, why);
    return rc;
}

int storeio_series_next(storeio_run_opts *o, const char **specimen_id, curve_geom *geom)
{
    store *st = NULL;
    if (storeio_open("run", o->db, false, &st) != RIGOR_OK)
        return STOREIO_EXIT;
    int64_t id = 0;
    int left = 0;
    int rc = store_series_next(st, o->series, &o->series_sp, &id, &left);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor run: --series: %s%s\n", store_errmsg(st),
                rc == RIGOR_ENODATA ? " (rigor db series load FILE adds specimens)" : "");
        store_close(st);
        return rc == RIGOR_ENODATA ? 2 : STOREIO_EXIT;
    }
    store_close(st);
    o->have_series_sp = true;
    *specimen_id = o->series_sp.code;
    const curve_geom *g = &o->series_sp.geom;
    double *dst[] = {&geom->width_m, &geom->thickness_m, &geom->diameter_m,
                     &geom->area_m2, &geom->gauge_m,     &geom->height_m};
    const double src[] = {g->width_m, g->thickness_m, g->diameter_m,
                          g->area_m2, g->gauge_m,     g->height_m};
    for (size_t k = 0; k < sizeof src / sizeof src[0]; k++)
        if (isnan(*dst[k]) && isfinite(src[k]))
            *dst[k] = src[k];
    fprintf(stderr,
            "rigor run: series %s: specimen %s (position %d, %d left with this one): width "
            "%g mm, thickness %g mm, diameter %g mm, gauge length %g mm, height %g mm\n",
            o->series, o->series_sp.code, o->series_sp.series_pos, left, geom->width_m * 1e3,
            geom->thickness_m * 1e3, geom->diameter_m * 1e3, geom->gauge_m * 1e3,
            geom->height_m * 1e3);
    return 0;
}

/* A failed store write, recorded in the run file itself (the run file is
 * the record of the test, stderr is gone with the terminal): one trailer
 * line "# store: failed (REASON)" after the acquisition statistics, which
 * the importer reads as metadata like any other trailer "# key: value"
 * line (rig/runfile.h), so `rigor analyze` and `rigor db import` still read
 * the file, and the import then stores it. */
static int note_store_failed(const char *run_path, const char *reason)
{
    FILE *f = fopen(run_path, "a");
    if (!f)
        return RIGOR_EIO;
    char one[1024];
    snprintf(one, sizeof one, "%.1000s", reason);
    for (char *p = one; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(f, "# store: failed (%s)\n", one);
    return fclose(f) == 0 ? RIGOR_OK : RIGOR_EIO;
}

int storeio_run_msg(const storeio_run_opts *o, const char *run_path, const curve *c,
                    const analysed *a, char *msg, size_t ml)
{
    msg[0] = '\0';
    if (!o->enabled)
        return 0;
    char sha[65], why[1200] = "";
    if (sha256_file(run_path, sha) != RIGOR_OK) {
        snprintf(msg, ml, "store: cannot read back %s: %s", run_path, strerror(errno));
        return STOREIO_EXIT;
    }
    store_specimen sp;
    store_run run;
    storeio_describe(c, 0, sha, STORE_LIVE, storeio_operator(), &sp, &run);
    if (o->have_series_sp) { /* the run belongs to the series' specimen */
        curve_geom g = sp.geom;
        sp = o->series_sp;
        sp.geom = g; /* as tested: the run file's geometry */
    }
    /* the run file where it is, whatever the current folder of whoever
     * reads the store later (rigor report --db, another machine's console) */
    char absbuf[PATH_MAX];
    if (realpath(run_path, absbuf) && strlen(absbuf) < sizeof run.source)
        memcpy(run.source, absbuf, strlen(absbuf) + 1);
    char *text = NULL;
    FILE *f = o->protocol_path ? fopen(o->protocol_path, "r") : NULL;
    if (f) {
        size_t cap = 1 << 20; /* protocols are short; a megabyte is plenty */
        text = malloc(cap + 1);
        size_t n = text ? fread(text, 1, cap, f) : 0;
        if (text)
            text[n] = '\0';
        fclose(f);
    }
    run.protocol_text = text;
    if (o->sim_preset)
        snprintf(run.frame, sizeof run.frame, "sim:%s", o->sim_preset);
    char rsha[65];
    if (o->rig_path && sha256_file(o->rig_path, rsha) == RIGOR_OK)
        snprintf(run.rig_sha256, sizeof run.rig_sha256, "%s", rsha);
    store *st = NULL;
    store_cfg cfg = {.target = o->db};
    int rc = store_open(&cfg, &st, why, sizeof why);
    int64_t rid = 0, aid = 0;
    if (rc == RIGOR_OK) {
        if (a) {
            rc = storeio_put(st, &sp, &run, a, false, &rid, &aid);
        } else {
            rc = store_add_run(st, &sp, &run, NULL, &rid, NULL);
        }
        if (rc != RIGOR_OK)
            snprintf(why, sizeof why, "%s", store_errmsg(st));
        else
            snprintf(msg, ml, "stored as run %lld%s in %s", (long long)rid,
                     a ? " with its analysis" : " (not analysed)", store_target(st));
    }
    store_close(st);
    free(text);
    if (rc == RIGOR_OK)
        return 0;
    bool noted = note_store_failed(run_path, why) == RIGOR_OK;
    snprintf(msg, ml,
             "store: %s; the test is safe in %s%s; store it later with 'rigor db import %s'",
             why, run_path, noted ? " (its trailer says '# store: failed')" : "", run_path);
    return STOREIO_EXIT;
}

int storeio_run(const storeio_run_opts *o, const char *run_path, const curve *c,
                const analysed *a)
{
    char msg[4096];
    int rc = storeio_run_msg(o, run_path, c, a, msg, sizeof msg);
    if (msg[0])
        fprintf(stderr, "rigor run: %s\n", msg);
    return rc;
}

/* ---- import --------------------------------------------------------------- */

typedef struct {
    char **v;
    size_t n, cap;
} paths;

static int paths_push(paths *p, const char *s)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        char **nv = realloc(p->v, cap * sizeof *nv);
        if (!nv)
            return RIGOR_ENOMEM;
        p->v = nv;
        p->cap = cap;
    }
    if (!(p->v[p->n] = strdup(s)))
        return RIGOR_ENOMEM;
    p->n++;
    return RIGOR_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or a folder expanded recursively in byte-wise sorted order. */
static int expand(const char *path, paths *out, int depth)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode) || depth > 16)
        return paths_push(out, path);
    DIR *d = opendir(path);
    if (!d)
        return paths_push(out, path);
    paths names = {0};
    struct dirent *e;
    int rc = RIGOR_OK;
    while (rc == RIGOR_OK && (e = readdir(d)))
        if (e->d_name[0] != '.' && !csvin_not_data(e->d_name))
            rc = paths_push(&names, e->d_name);
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, cmp_name);
    for (size_t i = 0; rc == RIGOR_OK && i < names.n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
                 names.v[i]);
        rc = expand(full, out, depth + 1);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    return rc;
}

typedef struct {
    store_specimen sp;
    store_run run;
    analysed a;
    int rc; /* RIGOR_OK or why the curve was not analysed */
    char why[512];
} import_curve;

typedef struct {
    const char *path;
    char sha[65];
    bool known; /* already in the store: not read */
    int rc;     /* reading */
    rigor_diag diag;
    import_curve *c;
    size_t n;
} import_file;

typedef struct {
    import_file *f;
    const analysis_opts *o;
    const char (*known)[65];
    size_t nknown;
    const char *op;
} import_pool;

static int cmp_sha(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* One file: hash, skip if known, read, analyse every curve. Nothing shared
 * but the read-only known list; the store is written by the calling thread. */
static void import_one(void *ctx, size_t k)
{
    import_pool *p = ctx;
    import_file *f = &p->f[k];
    if (sha256_file(f->path, f->sha) != RIGOR_OK) {
        f->rc = RIGOR_EIO;
        rigor_diag_set(&f->diag, f->path, 0, 0, "cannot read: %s", strerror(errno));
        return;
    }
    if (p->nknown && bsearch(f->sha, p->known, p->nknown, sizeof *p->known, cmp_sha)) {
        f->known = true;
        return;
    }
    curve_list cl = {0};
    csvin_opts io;
    csvin_opts_default(&io);
    f->rc = csvin_read_file(f->path, &io, &cl, &f->diag);
    if (f->rc != RIGOR_OK) {
        curve_list_free(&cl);
        return;
    }
    f->c = calloc(cl.n ? cl.n : 1, sizeof *f->c);
    if (!f->c) {
        f->rc = RIGOR_ENOMEM;
        rigor_diag_set(&f->diag, f->path, 0, 0, "out of memory");
        curve_list_free(&cl);
        return;
    }
    f->n = cl.n;
    for (size_t i = 0; i < cl.n; i++) {
        import_curve *ic = &f->c[i];
        const curve *c = cl.v[i];
        storeio_describe(c, (int)i, f->sha, STORE_IMPORTED, p->op, &ic->sp, &ic->run);
        ic->rc = analysed_from_curve(&ic->a, c);
        if (ic->rc == RIGOR_OK)
            ic->rc = analysis_run(c, p->o, &ic->a.rs, ic->why, sizeof ic->why);
        if (ic->rc == RIGOR_OK)
            analyze_add_vendor(c, &ic->a.rs);
    }
    curve_list_free(&cl);
}

typedef struct {
    const char *db;
    const char *op;
    int jobs;
    const char *preset;
    bool json, csv, all, excluded;
    store_filter f;
    store_range ranges[16];
    const char *group_by;
    const char *reason, *batch, *name, *text;
    const char *output; /* report: the HTML file */
    int argc;           /* the command line, written into the report */
    char **argv;
} db_opts;

static int db_import(store *st, const db_opts *o, char **args, int nargs)
{
    if (!nargs) {
        fprintf(stderr, "rigor db import: no file or folder given\n");
        return 2;
    }
    analysis_opts ao;
    analysis_opts_default(&ao);
    if (o->preset && analysis_preset(&ao, o->preset) != RIGOR_OK) {
        fprintf(stderr, "rigor db import: --preset: unknown preset '%s'\n", o->preset);
        return 2;
    }
    paths files = {0};
    int rc = RIGOR_OK;
    for (int i = 0; rc == RIGOR_OK && i < nargs; i++) {
        struct stat sb;
        if (stat(args[i], &sb) != 0) {
            fprintf(stderr, "rigor db import: %s: %s\n", args[i], strerror(errno));
            rc = RIGOR_EIO;
            break;
        }
        rc = expand(args[i], &files, 0);
    }
    char(*known)[65] = NULL;
    size_t nknown = 0;
    if (rc == RIGOR_OK && store_known_sources(st, &known, &nknown) != RIGOR_OK) {
        fprintf(stderr, "rigor db import: store: %s\n", store_errmsg(st));
        rc = RIGOR_EIO;
    }
    size_t nstored = 0, nruns = 0, nsame = 0, nfailed = 0, nnot = 0;
    int status = rc == RIGOR_OK ? 0 : 2;
    bool store_failed = false;
    /* Chunks bound the memory of results waiting for the writer. */
    const size_t chunk = 64; /* also bounds how long the writer lock is held */
    for (size_t at = 0; rc == RIGOR_OK && at < files.n; at += chunk) {
        size_t n = files.n - at < chunk ? files.n - at : chunk;
        import_file *f = calloc(n, sizeof *f);
        if (!f) {
            rc = RIGOR_ENOMEM;
            break;
        }
        for (size_t i = 0; i < n; i++)
            f[i].path = files.v[at + i];
        import_pool p = {
            .f = f, .o = &ao, .known = (const char(*)[65])known, .nknown = nknown, .op = o->op};
        pool_run(n, o->jobs, import_one, &p);
        /* One transaction per chunk (each run a savepoint inside it): a
         * commit per run would cost more than the analysis. */
        size_t chunk_files = 0, chunk_runs = 0;
        if (store_batch_begin(st) != RIGOR_OK) {
            fprintf(stderr, "rigor db import: store: %s\n", store_errmsg(st));
            store_failed = true;
        }
        for (size_t i = 0; i < n; i++) {
            char buf[1200];
            if (f[i].known) {
                nsame++;
                continue;
            }
            if (f[i].rc != RIGOR_OK) {
                fprintf(stderr, "rigor: %s\n", rigor_diag_format(&f[i].diag, buf, sizeof buf));
                nfailed++;
                status = 2;
                continue;
            }
            bool any = false, same = false;
            for (size_t j = 0; j < f[i].n; j++) {
                import_curve *ic = &f[i].c[j];
                if (ic->rc != RIGOR_OK) {
                    fprintf(stderr, "rigor: %s%s%s: %s\n", f[i].path,
                            ic->a.specimen[0] ? ": specimen " : "", ic->a.specimen,
                            ic->why[0] ? ic->why : rigor_strerror(ic->rc));
                    nnot++;
                    status = 2;
                }
                if (!store_failed && (ic->rc == RIGOR_OK || ic->a.file[0])) {
                    /* A curve read but not analysed (no geometry, say) is
                     * stored as a run without analysis: `rigor analyze
                     * --store` with the missing flags adds it later. */
                    int e = ic->rc == RIGOR_OK
                                ? storeio_put(st, &ic->sp, &ic->run, &ic->a, false, NULL, NULL)
                                : store_add_run(st, &ic->sp, &ic->run, NULL, NULL, NULL);
                    if (e == RIGOR_OK) {
                        chunk_runs++;
                        any = true;
                    } else if (e == RIGOR_EEXIST) {
                        same = true;
                    } else {
                        fprintf(stderr, "rigor db import: store: %s\n", store_errmsg(st));
                        store_failed = true;
                    }
                }
                analysed_clear(&ic->a);
            }
            free(f[i].c);
            chunk_files += any;
            nsame += !any && same;
        }
        if (!store_failed && store_batch_end(st, true) != RIGOR_OK) {
            fprintf(stderr, "rigor db import: store: %s\n", store_errmsg(st));
            store_failed = true;
        } else if (store_failed) {
            int e = store_batch_end(st, false); /* this chunk is not stored */
            (void)e;                            /* the first failure was said */
        }
        if (!store_failed) {
            nstored += chunk_files;
            nruns += chunk_runs;
        }
        free(f);
        if (store_failed)
            break;
    }
    fprintf(stderr,
            "rigor db import: %zu file%s: %zu stored (%zu runs), %zu already stored, %zu "
            "failed; %zu specimen%s not analysed (stored without analysis)\n",
            files.n, files.n == 1 ? "" : "s", nstored, nruns, nsame, nfailed, nnot,
            nnot == 1 ? "" : "s");
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    free(known);
    if (rc == RIGOR_ENOMEM)
        fprintf(stderr, "rigor db import: out of memory\n");
    return store_failed ? STOREIO_EXIT : status;
}

/* ---- query and summary ------------------------------------------------------ */

typedef struct {
    analysed *v;
    size_t n, cap;
    char **excluded; /* "specimen (batch): reason" of excluded rows */
    size_t nexcl;
    const char *group_by;
    int rc;
    bool report;       /* rigor report --db: keep each row's curve location */
    char (*sha)[65];   /* the run file's stored SHA-256, per record */
    int *cidx;         /* its curve index in that file */
} collect;

/* "role=name[unit];..." back into the analysed record's columns. */
static void parse_columns(const char *s, analysed *a)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '='), *br = strrchr(tok, '[');
        if (!eq || !br)
            continue;
        *eq = '\0';
        *br = '\0';
        char *end = strrchr(br + 1, ']');
        if (end)
            *end = '\0';
        int role = csvin_role_from_name(tok);
        if (role < 0)
            continue;
        snprintf(a->colname[role], sizeof a->colname[role], "%s", eq + 1);
        snprintf(a->colunit[role], sizeof a->colunit[role], "%s", br + 1);
    }
}

static const char *group_of(const store_row *r, const char *by)
{
    if (!strcmp(by, "material"))
        return r->material;
    if (!strcmp(by, "series"))
        return r->series;
    if (!strcmp(by, "specimen"))
        return r->specimen;
    if (!strcmp(by, "operator"))
        return r->run.operator_name;
    if (!strcmp(by, "protocol"))
        return r->run.protocol_name;
    if (!strcmp(by, "test"))
        return r->rs.test;
    return r->batch;
}

static int copy_values(result_value **dst, const result_value *src, size_t n)
{
    *dst = NULL;
    if (!n)
        return RIGOR_OK;
    *dst = malloc(n * sizeof **dst);
    if (!*dst)
        return RIGOR_ENOMEM;
    memcpy(*dst, src, n * sizeof **dst);
    return RIGOR_OK;
}

static int on_row(void *ctx, const store_row *r)
{
    collect *c = ctx;
    if (r->excluded) {
        char line[1200];
        snprintf(line, sizeof line, "%s (batch %s): %s", r->specimen, r->batch,
                 r->exclusion_reason);
        char **nv = realloc(c->excluded, (c->nexcl + 1) * sizeof *nv);
        if (!nv)
            return RIGOR_ENOMEM;
        c->excluded = nv;
        if (!(c->excluded[c->nexcl] = strdup(line)))
            return RIGOR_ENOMEM;
        c->nexcl++;
        if (c->group_by) /* the summary leaves them out of its statistics */
            return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        analysed *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv)
            return RIGOR_ENOMEM;
        c->v = nv;
        if (c->report) {
            char(*ns)[65] = realloc(c->sha, cap * sizeof *ns);
            if (ns)
                c->sha = ns;
            int *ni = ns ? realloc(c->cidx, cap * sizeof *ni) : NULL;
            if (!ni)
                return RIGOR_ENOMEM;
            c->cidx = ni;
        }
        c->cap = cap;
    }
    if (c->report) {
        snprintf(c->sha[c->n], sizeof c->sha[c->n], "%s", r->run.source_sha256);
        c->cidx[c->n] = r->run.curve_index;
    }
    analysed *a = &c->v[c->n];
    memset(a, 0, sizeof *a);
    results_init(&a->rs);
    snprintf(a->file, sizeof a->file, "%s", r->run.source);
    snprintf(a->specimen, sizeof a->specimen, "%s", r->specimen);
    snprintf(a->format, sizeof a->format, "%s", r->run.format);
    snprintf(a->group, sizeof a->group, "%s", group_of(r, c->group_by ? c->group_by : "batch"));
    parse_columns(r->run.columns, a);
    if (c->report && r->excluded) /* the report lists it with its reason */
        snprintf(a->excluded, sizeof a->excluded, "excluded: %.170s", r->exclusion_reason);
    snprintf(a->rs.test, sizeof a->rs.test, "%s", r->rs.test);
    c->n++; /* from here analysed_clear frees whatever was copied */
    if (copy_values(&a->rs.method, r->rs.method, r->rs.nmethod) != RIGOR_OK)
        return RIGOR_ENOMEM;
    a->rs.nmethod = r->rs.nmethod;
    if (copy_values(&a->rs.results, r->rs.results, r->rs.nresults) != RIGOR_OK)
        return RIGOR_ENOMEM;
    a->rs.nresults = r->rs.nresults;
    for (size_t i = 0; i < r->rs.nstages; i++)
        if (results_add_stage(&a->rs, &r->rs.stages[i]) != RIGOR_OK)
            return RIGOR_ENOMEM;
    if (r->nnotes) {
        a->notes = calloc(r->nnotes, sizeof *a->notes);
        if (!a->notes)
            return RIGOR_ENOMEM;
        for (size_t i = 0; i < r->nnotes; i++) {
            if (!(a->notes[i] = strdup(r->notes[i])))
                return RIGOR_ENOMEM;
            a->nnotes = i + 1;
        }
    }
    return 0;
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        analysed_clear(&c->v[i]);
    free(c->v);
    for (size_t i = 0; i < c->nexcl; i++)
        free(c->excluded[i]);
    free(c->excluded);
    free(c->sha);
    free(c->cidx);
}

static int db_query(store *st, const db_opts *o, bool summary)
{
    collect c = {.group_by = summary ? (o->group_by ? o->group_by : "batch") : NULL};
    store_filter f = o->f;
    if (summary)
        f.with_excluded = true; /* to list them, not to count them */
    int rc = store_query(st, &f, on_row, &c);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor db %s: %s\n", summary ? "summary" : "query",
                rc == RIGOR_ENOMEM ? "out of memory" : store_errmsg(st));
        collect_free(&c);
        return rc == RIGOR_ENOMEM ? 2 : STOREIO_EXIT;
    }
    int status = 0;
    if (!summary) {
        if (o->json)
            output_json(stdout, c.v, c.n);
        else if (o->csv)
            output_csv(stdout, c.v, c.n);
        else
            output_table(stdout, c.v, c.n);
        fprintf(stderr, "rigor db query: %zu analys%s\n", c.n, c.n == 1 ? "is" : "es");
        collect_free(&c);
        return 0;
    }
    batch_summary bs = {0};
    const result_set **rs = malloc((c.n ? c.n : 1) * sizeof *rs);
    const char **grp = malloc((c.n ? c.n : 1) * sizeof *grp);
    rc = rs && grp ? RIGOR_OK : RIGOR_ENOMEM;
    for (size_t k = 0; rc == RIGOR_OK && k < c.n; k++) {
        rs[k] = &c.v[k].rs;
        grp[k] = c.v[k].group;
    }
    if (rc == RIGOR_OK)
        rc = batch_summarize(rs, grp, c.n, &bs);
    free(rs);
    free(grp);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor db summary: %s\n", rigor_strerror(rc));
        status = 2;
    } else if (o->json) {
        output_json_summary(stdout, c.v, c.n, &bs, c.group_by);
    } else if (o->csv) {
        output_summary_csv(stdout, &bs);
    } else {
        output_summary_table(stdout, c.v, &bs, c.group_by);
    }
    /* Excluded specimens with their reasons: on stdout for the table, on
     * stderr for machine formats (whose stdout stays one document). */
    FILE *ex = o->json || o->csv ? stderr : stdout;
    if (c.nexcl)
        fprintf(ex, "\nexcluded (%zu):\n", c.nexcl);
    for (size_t i = 0; i < c.nexcl; i++)
        fprintf(ex, "  %s\n", c.excluded[i]);
    batch_summary_free(&bs);
    collect_free(&c);
    return status;
}

/* ---- report ------------------------------------------------------------------ */

/* The analysis options that reproduce a stored analysis's curve frame: the
 * cross-section and gauge length (or height) it used, and whether it took
 * the file's stress / strain columns (the method record, analysis.c). */
static void opts_from_method(const result_set *rs, analysis_opts *ao)
{
    analysis_opts_default(ao);
    const result_value *v;
    if ((v = results_find_method(rs, "area_mm2")) && v->kind == RV_NUMBER && isfinite(v->v[0]))
        ao->geom.area_m2 = v->v[0] * 1e-6;
    if ((v = results_find_method(rs, "gauge_length_mm")) && v->kind == RV_NUMBER &&
        isfinite(v->v[0]))
        ao->geom.gauge_m = v->v[0] * 1e-3;
    if ((v = results_find_method(rs, "height_mm")) && v->kind == RV_NUMBER && isfinite(v->v[0]))
        ao->geom.height_m = v->v[0] * 1e-3;
    const result_value *ss = results_find_method(rs, "stress_source");
    const result_value *es = results_find_method(rs, "strain_source");
    ao->use_file_columns = (ss && ss->kind == RV_STRING && !strcmp(ss->s, "file column")) ||
                           (es && es->kind == RV_STRING && !strcmp(es->s, "file column"));
}

/* A note placed first among the record's notes (the report shows it under
 * the specimen's figure heading). */
static int note_first(analysed *a, const char *text)
{
    char **nv = realloc(a->notes, (a->nnotes + 1) * sizeof *nv);
    if (!nv)
        return RIGOR_ENOMEM;
    a->notes = nv;
    char *t = strdup(text);
    if (!t)
        return RIGOR_ENOMEM;
    memmove(nv + 1, nv, a->nnotes * sizeof *nv);
    nv[0] = t;
    a->nnotes++;
    return RIGOR_OK;
}

/* The curve of record k from its stored location, checked against the
 * stored SHA-256: the run file stays the record of the data, so a file that
 * is gone, changed or unreadable gets no figure and a note saying so (and
 * a line on stderr), never a silent gap. Returns RIGOR_OK (figure added),
 * a positive 1 (curve missing, note added) or RIGOR_ENOMEM. */
static int report_curve(figures *fig, analysed *a, const char *sha, int cidx)
{
    char hex[65], msg[1400];
    int rc;
    if (sha256_file(a->file, hex) != RIGOR_OK) {
        snprintf(msg, sizeof msg, "curve file missing: %s: %s; no figure", a->file,
                 strerror(errno));
    } else if (strcmp(hex, sha)) {
        snprintf(msg, sizeof msg,
                 "curve file changed since it was stored: %s: SHA-256 now %s, stored %s; "
                 "no figure",
                 a->file, hex, sha);
    } else {
        curve_list cl = {0};
        csvin_opts io;
        csvin_opts_default(&io);
        rigor_diag d;
        memset(&d, 0, sizeof d);
        rc = csvin_read_file(a->file, &io, &cl, &d);
        if (rc == RIGOR_OK && cidx >= 0 && (size_t)cidx < cl.n) {
            analysis_opts ao;
            opts_from_method(&a->rs, &ao);
            rc = figures_add(fig, cl.v[cidx], &ao, &a->rs);
            curve_list_free(&cl);
            return rc;
        }
        char dm[1024];
        if (rc == RIGOR_OK)
            snprintf(msg, sizeof msg, "curve file %s has %zu curve(s), not curve %d; no figure",
                     a->file, cl.n, cidx + 1);
        else
            snprintf(msg, sizeof msg, "curve file unreadable: %s; no figure",
                     rigor_diag_format(&d, dm, sizeof dm));
        curve_list_free(&cl);
    }
    fprintf(stderr, "rigor report: %s: %s\n", a->specimen[0] ? a->specimen : a->file, msg);
    if ((rc = note_first(a, msg)) != RIGOR_OK || (rc = figures_add_none(fig)) != RIGOR_OK)
        return rc;
    return 1;
}

static int db_report(store *st, const db_opts *o)
{
    if (!o->output) {
        fprintf(stderr, "rigor report: no output file: give -o REPORT.html\n");
        return 2;
    }
    collect c = {.report = true};
    store_filter f = o->f;
    int rc = store_query(st, &f, on_row, &c);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor report: %s\n",
                rc == RIGOR_ENOMEM ? "out of memory" : store_errmsg(st));
        collect_free(&c);
        return rc == RIGOR_ENOMEM ? 2 : STOREIO_EXIT;
    }
    figures *fig = NULL;
    size_t bad = 0;
    rc = figures_new(&fig);
    for (size_t k = 0; rc >= 0 && k < c.n; k++) {
        rc = report_curve(fig, &c.v[k], c.sha[k], c.cidx[k]);
        bad += rc == 1;
    }
    int status = 0;
    char why[512] = "";
    if (rc < 0) {
        fprintf(stderr, "rigor report: out of memory\n");
        status = 2;
    } else if ((rc = figures_report(fig, c.v, c.n, o->output, o->argc, o->argv, why,
                                    sizeof why)) != RIGOR_OK) {
        fprintf(stderr, "rigor report: %s\n", why);
        status = 2;
    } else {
        fprintf(stderr, "rigor report: %s: %zu analys%s from the store%s\n", o->output, c.n,
                c.n == 1 ? "is" : "es", bad ? "" : ", every curve verified");
        if (bad) {
            fprintf(stderr,
                    "rigor report: %zu curve file%s missing, changed or unreadable "
                    "(said in the report)\n",
                    bad, bad == 1 ? "" : "s");
            status = 2;
        }
    }
    figures_free(fig);
    collect_free(&c);
    return status;
}

/* ---- verify, info, migrate ------------------------------------------------- */

static int db_verify(store *st)
{
    store_verify_report rep;
    int rc = store_verify(st, &rep);
    if (rc == RIGOR_OK) {
        printf("audit chain verified: %lld entr%s, every row recorded\n",
               (long long)rep.entries, rep.entries == 1 ? "y" : "ies");
        return 0;
    }
    if (rc == RIGOR_EPARSE) {
        printf("audit chain BROKEN: %s\n", rep.bad_what);
        fprintf(stderr, "rigor db verify: %s\n", rep.bad_what);
        return 1;
    }
    fprintf(stderr, "rigor db verify: %s\n", store_errmsg(st));
    return STOREIO_EXIT;
}

static int db_info(store *st)
{
    int v = 0;
    store_counts c;
    if (store_schema_version(st, &v) != RIGOR_OK || store_count(st, &c) != RIGOR_OK) {
        fprintf(stderr, "rigor db info: %s\n", store_errmsg(st));
        return STOREIO_EXIT;
    }
    printf("store: %s (%s)\nschema version: %d\n", store_target(st),
           store_kind(st) == STORE_POSTGRES ? "postgresql" : "sqlite", v);
    printf("specimens: %lld\nmeasurements: %lld\nruns: %lld\nanalyses: %lld\ncomments: %lld\n"
           "exclusions: %lld\naudit entries: %lld\n",
           (long long)c.specimens, (long long)c.measurements, (long long)c.runs,
           (long long)c.analyses, (long long)c.comments, (long long)c.exclusions,
           (long long)c.audit);
    return 0;
}

/* ---- series, exclusions, comments, corrections ---------------------------- */

static bool parse_mm(const char *s, double scale, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end || errno || !isfinite(v) || v <= 0)
        return false;
    *out = v * scale;
    return true;
}

/* Split one CSV line (RFC 4180 quotes) in place; returns the field count. */
static int split_csv(char *line, char **field, int max, long *col)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        col[n] = (long)(p - line) + 1;
        while (*p == ' ')
            p++;
        if (*p == '"') {
            char *w = ++p;
            field[n++] = w;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            char *rest = p;
            *w = '\0';
            p = rest;
            while (*p && *p != ',')
                p++;
        } else {
            field[n++] = p;
            while (*p && *p != ',')
                p++;
        }
        if (!*p)
            break;
        *p++ = '\0';
    }
    for (int i = 0; i < n; i++) {
        size_t l = strlen(field[i]);
        while (l && (field[i][l - 1] == ' ' || field[i][l - 1] == '\r'))
            field[i][--l] = '\0';
    }
    return n;
}

enum { SC_ID, SC_W, SC_T, SC_D, SC_A, SC_G, SC_H, SC_MAT, SC_BATCH, SC_NOTES, SC_N };
static const struct {
    const char *name;
    double scale;
} series_col[SC_N] = {
    [SC_ID] = {"id", 0},
    [SC_W] = {"width_mm", 1e-3},
    [SC_T] = {"thickness_mm", 1e-3},
    [SC_D] = {"diameter_mm", 1e-3},
    [SC_A] = {"area_mm2", 1e-6},
    [SC_G] = {"gauge_length_mm", 1e-3},
    [SC_H] = {"height_mm", 1e-3},
    [SC_MAT] = {"material", 0},
    [SC_BATCH] = {"batch", 0},
    [SC_NOTES] = {"notes", 0},
};

static int db_series_load(store *st, const db_opts *o, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "rigor db series: %s: %s\n", file, strerror(errno));
        return 2;
    }
    char name[128];
    if (o->name) {
        snprintf(name, sizeof name, "%s", o->name);
    } else {
        const char *b = strrchr(file, '/');
        snprintf(name, sizeof name, "%s", b ? b + 1 : file);
        char *dot = strrchr(name, '.');
        if (dot && dot != name)
            *dot = '\0';
    }
    char line[4096];
    int map[32]; /* file column -> series_col, -1 unknown */
    int ncol = 0, lineno = 0, pos = 0, status = 0;
    size_t stored = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fprintf(stderr, "%s:%d: line longer than %zu bytes\n", file, lineno,
                    sizeof line - 1);
            status = 2;
            break;
        }
        line[strcspn(line, "\n")] = '\0';
        char *fld[32];
        long col[32];
        if (line[0] == '#' || !line[strspn(line, " ,\r")])
            continue;
        int n = split_csv(line, fld, 32, col);
        if (!ncol) { /* the header */
            bool have_id = false;
            for (int i = 0; i < n; i++) {
                map[i] = -1;
                for (int k = 0; k < SC_N; k++)
                    if (!strcasecmp(fld[i], series_col[k].name))
                        map[i] = k;
                if (map[i] < 0) {
                    fprintf(stderr,
                            "%s:%d:%ld: unknown column '%s' (id, width_mm, thickness_mm, "
                            "diameter_mm, area_mm2, gauge_length_mm, height_mm, material, "
                            "batch, notes)\n",
                            file, lineno, col[i], fld[i]);
                    fclose(f);
                    return 2;
                }
                have_id |= map[i] == SC_ID;
            }
            if (!have_id) {
                fprintf(stderr, "%s:%d: the header has no 'id' column\n", file, lineno);
                fclose(f);
                return 2;
            }
            ncol = n;
            continue;
        }
        if (n != ncol) {
            fprintf(stderr, "%s:%d: %d fields, the header has %d\n", file, lineno, n, ncol);
            status = 2;
            continue;
        }
        store_specimen sp;
        memset(&sp, 0, sizeof sp);
        curve_geom_clear(&sp.geom);
        double *g[SC_N] = {[SC_W] = &sp.geom.width_m,    [SC_T] = &sp.geom.thickness_m,
                           [SC_D] = &sp.geom.diameter_m, [SC_A] = &sp.geom.area_m2,
                           [SC_G] = &sp.geom.gauge_m,    [SC_H] = &sp.geom.height_m};
        bool bad = false;
        for (int i = 0; i < n && !bad; i++) {
            int k = map[i];
            if (k == SC_ID)
                snprintf(sp.code, sizeof sp.code, "%s", fld[i]);
            else if (k == SC_MAT)
                snprintf(sp.material, sizeof sp.material, "%s", fld[i]);
            else if (k == SC_BATCH)
                snprintf(sp.batch, sizeof sp.batch, "%s", fld[i]);
            else if (k == SC_NOTES)
                snprintf(sp.notes, sizeof sp.notes, "%s", fld[i]);
            else if (fld[i][0] && !parse_mm(fld[i], series_col[k].scale, g[k])) {
                fprintf(stderr, "%s:%d:%ld: %s: '%s' is not a positive number\n", file, lineno,
                        col[i], series_col[k].name, fld[i]);
                bad = true;
            }
        }
        if (!bad && !sp.code[0]) {
            fprintf(stderr, "%s:%d: empty specimen id\n", file, lineno);
            bad = true;
        }
        if (bad) {
            status = 2;
            continue;
        }
        if (!sp.batch[0])
            snprintf(sp.batch, sizeof sp.batch, "%s", name);
        snprintf(sp.series, sizeof sp.series, "%s", name);
        sp.series_pos = ++pos;
        if (store_put_specimen(st, &sp, o->op, NULL) != RIGOR_OK) {
            fprintf(stderr, "rigor db series: %s:%d: store: %s\n", file, lineno,
                    store_errmsg(st));
            fclose(f);
            return STOREIO_EXIT;
        }
        stored++;
    }
    fclose(f);
    if (!ncol) {
        fprintf(stderr, "%s: no header line (id, width_mm, ...)\n", file);
        return 2;
    }
    fprintf(stderr, "rigor db series: %s: %zu specimen%s of series '%s' stored\n", file, stored,
            stored == 1 ? "" : "s", name);
    return status;
}

static int specimen_id(store *st, const char *cmd, const char *code, const char *batch,
                       int64_t *id)
{
    int rc = store_find_specimen(st, code, batch, id);
    if (rc == RIGOR_OK)
        return 0;
    fprintf(stderr, "rigor db %s: %s\n", cmd, store_errmsg(st));
    return rc == RIGOR_ENODATA || rc == RIGOR_EINVAL ? 2 : STOREIO_EXIT;
}

static int write_status(store *st, const char *cmd, int rc)
{
    if (rc == RIGOR_OK)
        return 0;
    fprintf(stderr, "rigor db %s: %s\n", cmd, store_errmsg(st));
    return rc == RIGOR_EINVAL || rc == RIGOR_ENODATA || rc == RIGOR_EGEOMETRY ? 2
                                                                              : STOREIO_EXIT;
}

static int db_correct(store *st, const db_opts *o, char **a, int n)
{
    static const struct {
        const char *name, *quantity;
        double scale;
    } q[] = {{"width", "width_m", 1e-3},        {"thickness", "thickness_m", 1e-3},
             {"diameter", "diameter_m", 1e-3},  {"area", "area_m2", 1e-6},
             {"gauge-length", "gauge_m", 1e-3}, {"height", "height_m", 1e-3}};
    if (n != 3 || !o->reason) {
        fprintf(stderr, "rigor db correct: expected SPECIMEN QUANTITY MM --reason TEXT\n");
        return 2;
    }
    size_t k;
    for (k = 0; k < sizeof q / sizeof q[0]; k++)
        if (!strcmp(a[1], q[k].name))
            break;
    double v;
    if (k == sizeof q / sizeof q[0]) {
        fprintf(stderr,
                "rigor db correct: unknown quantity '%s' (width, thickness, diameter, "
                "area, gauge-length, height)\n",
                a[1]);
        return 2;
    }
    if (!parse_mm(a[2], q[k].scale, &v)) {
        fprintf(stderr, "rigor db correct: %s: '%s' is not a positive number\n", a[1], a[2]);
        return 2;
    }
    int64_t id;
    int e = specimen_id(st, "correct", a[0], o->batch, &id);
    if (e)
        return e;
    return write_status(st, "correct",
                        store_correct_geometry(st, id, q[k].quantity, v, o->reason, o->op));
}

static int db_comment(store *st, const db_opts *o, char **a, int n)
{
    static const char *const kinds[] = {"specimen", "run", "analysis"};
    if (n != 3) {
        fprintf(stderr, "rigor db comment: expected specimen|run|analysis ID TEXT\n");
        return 2;
    }
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(a[0], kinds[i]))
            k = i;
    char *end;
    long long id = strtoll(a[1], &end, 10);
    if (k < 0 || *end || id <= 0) {
        fprintf(stderr, "rigor db comment: expected specimen|run|analysis and a numeric id\n");
        return 2;
    }
    return write_status(st, "comment",
                        store_comment(st, (store_target_kind)k, (int64_t)id, a[2], o->op));
}

static int db_exclude(store *st, const db_opts *o, char **a, int n)
{
    if (n != 1 || !o->reason || !o->reason[0]) {
        fprintf(stderr, "rigor db exclude: expected SPECIMEN --reason TEXT\n");
        return 2;
    }
    int64_t id;
    int e = specimen_id(st, "exclude", a[0], o->batch, &id);
    if (e)
        return e;
    return write_status(st, "exclude", store_exclude(st, id, o->reason, o->op));
}

/* --where KEY=LO:HI */
static bool parse_where(const char *s, store_range *r)
{
    const char *eq = strchr(s, '=');
    const char *colon = eq ? strchr(eq, ':') : NULL;
    if (!eq || !colon || eq == s || (size_t)(eq - s) >= sizeof r->key)
        return false;
    snprintf(r->key, sizeof r->key, "%.*s", (int)(eq - s), s);
    r->lo = r->hi = NAN;
    char *end;
    if (colon > eq + 1) {
        r->lo = strtod(eq + 1, &end);
        if (end != colon || !isfinite(r->lo))
            return false;
    }
    if (colon[1]) {
        r->hi = strtod(colon + 1, &end);
        if (*end || !isfinite(r->hi))
            return false;
    }
    return true;
}

int cmd_db(int argc, char **argv)
{
    enum {
        O_DB = 256,
        O_JOBS,
        O_PRESET,
        O_JSON,
        O_CSV,
        O_ALL,
        O_EXCL,
        O_SPEC,
        O_MAT,
        O_BATCH,
        O_SERIES,
        O_OPER,
        O_PROTO,
        O_SINCE,
        O_UNTIL,
        O_WHERE,
        O_GROUP,
        O_REASON,
        O_NAME,
        O_OUTPUT,
        O_HELP
    };
    static const struct option longopts[] = {{"db", required_argument, 0, O_DB},
                                             {"jobs", required_argument, 0, O_JOBS},
                                             {"preset", required_argument, 0, O_PRESET},
                                             {"json", no_argument, 0, O_JSON},
                                             {"csv", no_argument, 0, O_CSV},
                                             {"all-analyses", no_argument, 0, O_ALL},
                                             {"with-excluded", no_argument, 0, O_EXCL},
                                             {"specimen", required_argument, 0, O_SPEC},
                                             {"material", required_argument, 0, O_MAT},
                                             {"batch", required_argument, 0, O_BATCH},
                                             {"series", required_argument, 0, O_SERIES},
                                             {"operator", required_argument, 0, O_OPER},
                                             {"protocol", required_argument, 0, O_PROTO},
                                             {"since", required_argument, 0, O_SINCE},
                                             {"until", required_argument, 0, O_UNTIL},
                                             {"where", required_argument, 0, O_WHERE},
                                             {"group-by", required_argument, 0, O_GROUP},
                                             {"reason", required_argument, 0, O_REASON},
                                             {"name", required_argument, 0, O_NAME},
                                             {"output", required_argument, 0, O_OUTPUT},
                                             {"help", no_argument, 0, O_HELP},
                                             {0, 0, 0, 0}};
    db_opts o;
    memset(&o, 0, sizeof o);
    o.op = storeio_operator();
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = n < 1 ? 1 : n > 4 ? 4 : (int)n;
    o.f.ranges = o.ranges;
    o.argc = argc;
    o.argv = argv;
    const char *who = NULL;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (ch) {
        case O_DB: o.db = optarg; break;
        case O_JOBS: {
            char *end;
            long j = strtol(optarg, &end, 10);
            if (*end || j < 1 || j > 16) {
                fprintf(stderr, "rigor db: --jobs: expected 1 to 16, got '%s'\n", optarg);
                return 2;
            }
            o.jobs = (int)j;
            break;
        }
        case O_PRESET: o.preset = optarg; break;
        case O_JSON: o.json = true; break;
        case O_CSV: o.csv = true; break;
        case O_ALL: o.f.all_analyses = true; break;
        case O_EXCL: o.f.with_excluded = true; break;
        case O_SPEC: o.f.specimen = optarg; break;
        case O_MAT: o.f.material = optarg; break;
        case O_BATCH:
            o.f.batch = optarg;
            o.batch = optarg;
            break;
        case O_SERIES: o.f.series = optarg; break;
        case O_OPER: who = optarg; break;
        case O_PROTO: o.f.protocol = optarg; break;
        case O_SINCE: o.f.since = optarg; break;
        case O_UNTIL: o.f.until = optarg; break;
        case O_WHERE:
            if (o.f.nranges == sizeof o.ranges / sizeof o.ranges[0] ||
                !parse_where(optarg, &o.ranges[o.f.nranges])) {
                fprintf(stderr,
                        "rigor db: --where: expected KEY=LO:HI (at most 16), got '%s'\n",
                        optarg);
                return 2;
            }
            o.f.nranges++;
            break;
        case O_GROUP: {
            static const char *const by[] = {"batch",    "material", "series", "specimen",
                                             "operator", "protocol", "test"};
            bool ok = false;
            for (size_t i = 0; i < sizeof by / sizeof by[0]; i++)
                ok |= !strcmp(optarg, by[i]);
            if (!ok) {
                fprintf(stderr,
                        "rigor db: --group-by: expected batch, material, series, "
                        "specimen, operator, protocol or test, got '%s'\n",
                        optarg);
                return 2;
            }
            o.group_by = optarg;
            break;
        }
        case O_REASON: o.reason = optarg; break;
        case O_NAME: o.name = optarg; break;
        case 'o':
        case O_OUTPUT: o.output = optarg; break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "rigor db: no command\n");
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[optind];
    char **rest = argv + optind + 1;
    int nrest = argc - optind - 1;
    /* --operator is a filter for query/summary, the writer's name otherwise */
    bool reading = !strcmp(cmd, "query") || !strcmp(cmd, "summary") || !strcmp(cmd, "report");
    if (who && reading)
        o.f.operator_name = who;
    else if (who)
        o.op = who;
    static const char *const cmds[] = {"import", "query",  "summary", "verify",  "migrate",
                                       "info",   "series", "exclude", "comment", "correct",
                                       "report"};
    bool known = false;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        known |= !strcmp(cmd, cmds[i]);
    if (!known) {
        fprintf(stderr, "rigor db: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    if (o.json && o.csv) {
        fprintf(stderr, "rigor db: --json and --csv exclude each other\n");
        return 2;
    }
    if (!strcmp(cmd, "series") && (nrest != 2 || strcmp(rest[0], "load"))) {
        fprintf(stderr, "rigor db series: expected 'series load FILE'\n");
        return 2;
    }
    bool readonly = reading || !strcmp(cmd, "verify") || !strcmp(cmd, "info");
    store *st = NULL;
    if (storeio_open("db", o.db, readonly, &st) != RIGOR_OK)
        return STOREIO_EXIT;
    int status;
    if (!strcmp(cmd, "import"))
        status = db_import(st, &o, rest, nrest);
    else if (reading)
        status = nrest ? (fprintf(stderr, "rigor db %s: unexpected '%s'\n", cmd, rest[0]), 2)
                       : !strcmp(cmd, "report") ? db_report(st, &o)
                                                : db_query(st, &o, !strcmp(cmd, "summary"));
    else if (!strcmp(cmd, "verify"))
        status = db_verify(st);
    else if (!strcmp(cmd, "info"))
        status = db_info(st);
    else if (!strcmp(cmd, "migrate")) {
        int from = 0, to = 0;
        if (store_migrate(st, &from, &to) != RIGOR_OK) {
            fprintf(stderr, "rigor db migrate: %s\n", store_errmsg(st));
            status = STOREIO_EXIT;
        } else {
            printf("schema version %d%s\n", to, from == to ? " (up to date)" : "");
            status = 0;
        }
    } else if (!strcmp(cmd, "series"))
        status = db_series_load(st, &o, rest[1]);
    else if (!strcmp(cmd, "exclude"))
        status = db_exclude(st, &o, rest, nrest);
    else if (!strcmp(cmd, "comment"))
        status = db_comment(st, &o, rest, nrest);
    else
        status = db_correct(st, &o, rest, nrest);
    store_close(st);
    return status;
}
