/* store.c — schema, migrations, writes, queries and the audit chain, once
 * for both backends (store/backend.h runs the statements).
 *
 * The audit chain. Every insert (specimen, measurement, run, analysis,
 * comment, exclusion) appends, in the same transaction and under the
 * writer lock, one audit entry:
 *
 *   content_sha256 = SHA-256(canonical text of the rows the insert wrote,
 *                            read back from the store)
 *   entry_sha256   = SHA-256("seq|at|actor|kind|ref|content_sha256|prev_sha256")
 *
 * with prev_sha256 the entry_sha256 of entry seq-1 (64 zeros for the first).
 * The canonical text is built by canon() from the rows as stored, at insert
 * time and again by store_verify, so a row changed afterwards by plain SQL
 * no longer hashes to its entry's content_sha256, an entry changed or
 * deleted breaks the chain of entry hashes, and a row inserted without an
 * entry is found by the "every row has its entry" pass. (This shows
 * tampering by anyone who cannot also rewrite the whole chain; an auditor
 * who keeps the last entry_sha256 elsewhere also detects that.)
 */
#include "backend.h"

#include "../common/error.h"
#include "../common/sha256.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int store_fail(store *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return code;
}

const char *store_errmsg(const store *st)
{
    return st ? st->err : "";
}
store_backend store_kind(const store *st)
{
    return st->kind;
}
const char *store_target(const store *st)
{
    return st->target;
}

bool store_default_path(char *buf, size_t len)
{
    const char *x = getenv("XDG_DATA_HOME");
    const char *h = getenv("HOME");
    if (x && x[0])
        snprintf(buf, len, "%s/rigor/results.db", x);
    else if (h && h[0])
        snprintf(buf, len, "%s/.local/share/rigor/results.db", h);
    else
        return false;
    return true;
}

static void utc_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char s[24];
    if (strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        s[0] = '\0';
    snprintf(buf, len, "%.19s.%06dZ", s, (int)((ts.tv_nsec / 1000) % 1000000));
}

/* ---- statements with arguments -------------------------------------------- */

typedef struct {
    char t; /* 't' text, 'i' int64, 'd' double */
    const char *s;
    int64_t i;
    double d;
} arg;

#define T(x) ((arg){.t = 't', .s = (x)})
#define I(x) ((arg){.t = 'i', .i = (x)})
#define D(x) ((arg){.t = 'd', .d = (x)})
#define NARGS(...) (sizeof((arg[]){__VA_ARGS__}) / sizeof(arg))
#define ARGS(...) (arg[]){__VA_ARGS__}, NARGS(__VA_ARGS__)

static int prep(store *st, const char *sql, const arg *a, size_t n, store_stmt **out)
{
    int rc = st->ops->prepare(st, sql, out);
    for (size_t k = 0; rc == RIGOR_OK && k < n; k++) {
        int i = (int)k + 1;
        rc = a[k].t == 't'   ? st->ops->bind_text(*out, i, a[k].s)
             : a[k].t == 'i' ? st->ops->bind_int(*out, i, a[k].i)
                             : st->ops->bind_double(*out, i, a[k].d);
    }
    if (rc != RIGOR_OK && *out) {
        st->ops->finalize(*out);
        *out = NULL;
    }
    return rc;
}

/* Run a statement; *id (if non-NULL) gets column 0 of its first row
 * (INSERT ... RETURNING id, SELECT count(*)), RIGOR_ENODATA when none. */
static int run(store *st, const char *sql, const arg *a, size_t n, int64_t *id)
{
    store_stmt *s = NULL;
    int rc = prep(st, sql, a, n, &s);
    if (rc != RIGOR_OK)
        return rc;
    int r = st->ops->step(s);
    if (r < 0)
        rc = r;
    else if (id && r == 1)
        *id = st->ops->col_int(s, 0);
    else if (id)
        rc = RIGOR_ENODATA;
    while (rc == RIGOR_OK && r == 1 && (r = st->ops->step(s)) == 1)
        ; /* drain */
    if (r < 0)
        rc = r;
    st->ops->finalize(s);
    return rc;
}

/* ---- schema and migrations -------------------------------------------------
 * migrations[v-1] takes a store from version v-1 to v. A new version appends
 * an entry; entries are never edited once released. "@ID@" is the backend's
 * auto-numbered primary key. */

static const char *const schema_v1[] = {
    "CREATE TABLE specimens (id @ID@, code TEXT NOT NULL, batch TEXT NOT NULL, "
    "material TEXT NOT NULL, series TEXT NOT NULL, series_pos INTEGER NOT NULL, "
    "notes TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (code, batch))",
    /* Every measurement of a quantity is kept; the latest is the specimen's. */
    "CREATE TABLE measurements (id @ID@, specimen_id BIGINT NOT NULL REFERENCES specimens(id), "
    "quantity TEXT NOT NULL, value_si DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL, "
    "operator TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE TABLE runs (id @ID@, specimen_id BIGINT NOT NULL REFERENCES specimens(id), "
    "origin TEXT NOT NULL CHECK (origin IN ('imported', 'live')), source TEXT NOT NULL, "
    "source_sha256 TEXT NOT NULL, curve_index INTEGER NOT NULL, format TEXT NOT NULL, "
    "test TEXT NOT NULL, columns TEXT NOT NULL, protocol_name TEXT NOT NULL, "
    "protocol_text TEXT, rig_sha256 TEXT NOT NULL, operator TEXT NOT NULL, "
    "frame TEXT NOT NULL, rigor_version TEXT NOT NULL, tested_at TEXT NOT NULL, "
    "stored_at TEXT NOT NULL, UNIQUE (source_sha256, curve_index))",
    "CREATE TABLE analyses (id @ID@, run_id BIGINT NOT NULL REFERENCES runs(id), "
    "test TEXT NOT NULL, method_json TEXT NOT NULL, operator TEXT NOT NULL, "
    "rigor_version TEXT NOT NULL, created_at TEXT NOT NULL)",
    /* section 'method' (the method object of --json) or 'result'; kind
     * number, pair, string or bool; v0/v1 the numbers, s the string. */
    "CREATE TABLE analysis_values (analysis_id BIGINT NOT NULL REFERENCES analyses(id), "
    "section TEXT NOT NULL CHECK (section IN ('method', 'result')), ord INTEGER NOT NULL, "
    "key TEXT NOT NULL, kind TEXT NOT NULL, v0 DOUBLE PRECISION, v1 DOUBLE PRECISION, "
    "s TEXT NOT NULL, PRIMARY KEY (analysis_id, section, ord))",
    "CREATE TABLE analysis_stages (analysis_id BIGINT NOT NULL REFERENCES analyses(id), "
    "ord INTEGER NOT NULL, stage TEXT NOT NULL, start_index BIGINT NOT NULL, "
    "start_time_s DOUBLE PRECISION, start_position_mm DOUBLE PRECISION, "
    "start_strain_pct DOUBLE PRECISION, end_strain_pct DOUBLE PRECISION, "
    "start_stress_mpa DOUBLE PRECISION, rule TEXT NOT NULL, PRIMARY KEY (analysis_id, ord))",
    "CREATE TABLE analysis_notes (analysis_id BIGINT NOT NULL REFERENCES analyses(id), "
    "ord INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (analysis_id, ord))",
    "CREATE TABLE comments (id @ID@, target TEXT NOT NULL, target_id BIGINT NOT NULL, "
    "text TEXT NOT NULL, operator TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE TABLE exclusions (id @ID@, specimen_id BIGINT NOT NULL REFERENCES specimens(id), "
    "reason TEXT NOT NULL, operator TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE TABLE audit (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
    "kind TEXT NOT NULL, ref BIGINT NOT NULL, content_sha256 TEXT NOT NULL, "
    "prev_sha256 TEXT NOT NULL, entry_sha256 TEXT NOT NULL)",
    "CREATE INDEX runs_specimen ON runs (specimen_id)",
    "CREATE INDEX analyses_run ON analyses (run_id)",
    "CREATE INDEX values_key ON analysis_values (section, key, v0)",
    "CREATE INDEX audit_ref ON audit (kind, ref)",
    /* The long table pandas and psql users want: one row per result. */
    "CREATE VIEW results_long AS SELECT s.code AS specimen, s.batch, s.material, "
    "r.id AS run_id, a.id AS analysis_id, r.tested_at, r.operator, r.protocol_name, "
    "v.key, v.v0 AS value, v.v1 AS value_hi, v.s AS text FROM analysis_values v "
    "JOIN analyses a ON a.id = v.analysis_id JOIN runs r ON r.id = a.run_id "
    "JOIN specimens s ON s.id = r.specimen_id WHERE v.section = 'result'",
    NULL};

static const char *const *const migrations[] = {schema_v1};
#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(NMIGRATIONS == STORE_SCHEMA_VERSION, "one migration per schema version");

static int exec_ddl(store *st, const char *ddl)
{
    char buf[2048];
    const char *at = strstr(ddl, "@ID@");
    if (at)
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - ddl), ddl, st->ops->id_column, at + 4);
    else
        snprintf(buf, sizeof buf, "%s", ddl);
    return st->ops->exec(st, buf);
}

static int read_version(store *st, int *v)
{
    *v = 0;
    if (!st->ops->has_table(st, "schema_version"))
        return RIGOR_OK;
    int64_t x = 0;
    int rc = run(st, "SELECT max(version) FROM schema_version", NULL, 0, &x);
    *v = (int)x;
    return rc == RIGOR_ENODATA ? RIGOR_OK : rc;
}

int store_schema_version(store *st, int *version)
{
    return read_version(st, version);
}

static int newer(store *st, int v)
{
    return store_fail(st, RIGOR_EUNSUPPORTED,
                      "%s: the store has schema version %d, newer than this Rigor's %d: "
                      "use a newer Rigor (nothing was changed)",
                      st->target, v, STORE_SCHEMA_VERSION);
}

int store_migrate(store *st, int *from, int *to)
{
    int v = 0;
    int rc = st->ops->begin_write(st);
    if (rc == RIGOR_OK)
        rc = read_version(st, &v);
    if (from)
        *from = v;
    if (rc == RIGOR_OK && v > STORE_SCHEMA_VERSION)
        rc = newer(st, v);
    if (rc == RIGOR_OK && v == 0)
        rc = st->ops->exec(st, "CREATE TABLE schema_version (version INTEGER NOT NULL, "
                               "applied_at TEXT NOT NULL)");
    for (int m = v; rc == RIGOR_OK && m < STORE_SCHEMA_VERSION; m++) {
        for (const char *const *d = migrations[m]; rc == RIGOR_OK && *d; d++)
            rc = exec_ddl(st, *d);
        char now[40];
        utc_now(now, sizeof now);
        if (rc == RIGOR_OK)
            rc = run(st, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                     ARGS(I(m + 1), T(now)), NULL);
    }
    if (rc == RIGOR_OK)
        rc = st->ops->commit(st);
    if (rc != RIGOR_OK) {
        char keep[sizeof st->err];
        memcpy(keep, st->err, sizeof keep);
        (void)st->ops->rollback(st);
        memcpy(st->err, keep, sizeof keep);
        return rc;
    }
    if (to)
        *to = v > STORE_SCHEMA_VERSION ? v : STORE_SCHEMA_VERSION;
    return RIGOR_OK;
}

/* The target as it may be shown: a password in a connection URI
 * (scheme://user:PASSWORD@host) or string (password=PASSWORD) is replaced
 * by "***", so that no message or `rigor db info` prints it. */
static void redact(const char *t, char *out, size_t len)
{
    snprintf(out, len, "%s", t);
    char *scheme = strstr(out, "://");
    if (scheme) {
        char *at = strchr(scheme + 3, '@');
        char *colon = strchr(scheme + 3, ':');
        if (at && colon && colon < at) {
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", at);
            snprintf(colon, len - (size_t)(colon - out), ":***%s", rest);
        }
    }
    for (char *p = strstr(out, "password="); p; p = strstr(p + 1, "password=")) {
        char *v = p + 9, *end = v;
        if (*end == '\'') {
            end++;
            while (*end && *end != '\'')
                end += end[0] == '\\' && end[1] ? 2 : 1;
            if (*end)
                end++;
        } else {
            while (*end && *end != ' ' && *end != '&')
                end++;
        }
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", end);
        snprintf(v, len - (size_t)(v - out), "***%s", rest);
    }
}

static bool is_pg_target(const char *t)
{
    return !strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11) ||
           strstr(t, "dbname=") || strstr(t, "host=");
}

int store_open(const store_cfg *cfg, store **out, char *why, size_t whylen)
{
    *out = NULL;
    store_cfg c = cfg ? *cfg : (store_cfg){0};
    char path[1024];
    const char *target = c.target;
    if (!target || !target[0])
        target = getenv("RIGOR_DB");
    if (!target || !target[0]) {
        if (!store_default_path(path, sizeof path)) {
            if (why)
                snprintf(why, whylen,
                         "no store given and neither RIGOR_DB, XDG_DATA_HOME "
                         "nor HOME is set");
            return RIGOR_EINVAL;
        }
        target = path;
    }
    if (c.busy_timeout_ms <= 0) {
        const char *e = getenv("RIGOR_DB_BUSY_MS");
        char *end = NULL;
        long ms = e ? strtol(e, &end, 10) : 0;
        if (e && (end == e || *end || ms <= 0 || ms > 3600000)) {
            if (why)
                snprintf(why, whylen,
                         "RIGOR_DB_BUSY_MS: '%s' is not a time in milliseconds (1 to 3600000)",
                         e);
            return RIGOR_EINVAL;
        }
        c.busy_timeout_ms = e ? (int)ms : 10000;
    }
    store *st = calloc(1, sizeof *st);
    if (!st) {
        if (why)
            snprintf(why, whylen, "out of memory");
        return RIGOR_ENOMEM;
    }
    bool pg = is_pg_target(target);
    st->ops = pg ? &store_pg_ops : &store_sqlite_ops;
    st->kind = pg ? STORE_POSTGRES : STORE_SQLITE;
    st->busy_timeout_ms = c.busy_timeout_ms;
    st->readonly = c.readonly;
    redact(target, st->target, sizeof st->target);
    int rc = st->ops->open(st, target, &c);
    int v = 0;
    if (rc == RIGOR_OK)
        rc = read_version(st, &v);
    if (rc == RIGOR_OK && v > STORE_SCHEMA_VERSION)
        rc = newer(st, v);
    if (rc == RIGOR_OK && v < STORE_SCHEMA_VERSION) {
        if (c.readonly)
            rc = store_fail(st, RIGOR_ENODATA, "%s: %s", target,
                            v ? "the store has an older schema: run 'rigor db migrate'"
                              : "no Rigor store there yet");
        else
            rc = store_migrate(st, NULL, NULL);
    }
    if (rc != RIGOR_OK) {
        if (why)
            snprintf(why, whylen, "%s", st->err[0] ? st->err : rigor_strerror(rc));
        store_close(st);
        return rc;
    }
    st->err[0] = '\0';
    *out = st;
    return RIGOR_OK;
}

void store_close(store *st)
{
    if (!st)
        return;
    if (st->db)
        st->ops->close(st);
    free(st);
}

/* ---- canonical content of what an audit entry records ------------------ */

typedef enum {
    A_SPECIMEN = 0,
    A_MEASUREMENT,
    A_RUN,
    A_ANALYSIS,
    A_COMMENT,
    A_EXCLUSION,
    A_NKINDS
} audit_kind;

/* The one table of audit kinds: stored name and the table its ref points to. */
static const struct {
    const char *name;
    const char *table;
} akind[A_NKINDS] = {
    [A_SPECIMEN] = {"specimen", "specimens"},
    [A_MEASUREMENT] = {"measurement", "measurements"},
    [A_RUN] = {"run", "runs"},
    [A_ANALYSIS] = {"analysis", "analyses"},
    [A_COMMENT] = {"comment", "comments"},
    [A_EXCLUSION] = {"exclusion", "exclusions"},
};

static int kind_from_name(const char *s)
{
    for (int k = 0; k < A_NKINDS; k++)
        if (!strcmp(akind[k].name, s))
            return k;
    return -1;
}

/* The SELECTs whose rows make an entry's content, by kind; each takes the
 * ref once per '?'. Every column of the row is part of it. */
static const char *const canon_sql[A_NKINDS][4] = {
    [A_SPECIMEN] = {"SELECT id, code, batch, material, series, series_pos, notes, created_at "
                    "FROM specimens WHERE id = ?"},
    [A_MEASUREMENT] = {"SELECT id, specimen_id, quantity, value_si, reason, operator, at "
                       "FROM measurements WHERE id = ?"},
    [A_RUN] = {"SELECT id, specimen_id, origin, source, source_sha256, curve_index, format, "
               "test, columns, protocol_name, protocol_text, rig_sha256, operator, frame, "
               "rigor_version, tested_at, stored_at FROM runs WHERE id = ?"},
    [A_ANALYSIS] = {"SELECT id, run_id, test, method_json, operator, rigor_version, created_at "
                    "FROM analyses WHERE id = ?",
                    "SELECT section, ord, key, kind, v0, v1, s FROM analysis_values "
                    "WHERE analysis_id = ? ORDER BY section, ord",
                    "SELECT ord, stage, start_index, start_time_s, start_position_mm, "
                    "start_strain_pct, end_strain_pct, start_stress_mpa, rule "
                    "FROM analysis_stages WHERE analysis_id = ? ORDER BY ord",
                    "SELECT ord, note FROM analysis_notes WHERE analysis_id = ? ORDER BY ord"},
    [A_COMMENT] =
        {"SELECT id, target, target_id, text, operator, at FROM comments WHERE id = ?"},
    [A_EXCLUSION] = {"SELECT id, specimen_id, reason, operator, at FROM exclusions "
                     "WHERE id = ?"},
};

/* Column types of canon_sql rows, by position: 'i' integer, 'd' double,
 * otherwise text. One string per statement. */
static const char *const canon_types[A_NKINDS][4] = {
    [A_SPECIMEN] = {"ittttitt"},
    [A_MEASUREMENT] = {"iitdttt"},
    [A_RUN] = {"iittti"
               "ttttttttttt"},
    [A_ANALYSIS] = {"iittttt",
                    "titt"
                    "ddt",
                    "itiddddd"
                    "t",
                    "it"},
    [A_COMMENT] = {"ititt"
                   "t"},
    [A_EXCLUSION] = {"iittt"},
};

/* SHA-256 of the canonical text of (kind, ref): each value as
 * "<type><length>:<text>" so that no two row contents share a text.
 * Doubles as %.17g (exact), NULL as "n". RIGOR_ENODATA when the row is gone. */
static int canon_hash(store *st, int kind, int64_t ref, char hex[65])
{
    sha256_ctx h;
    sha256_init(&h);
    int rc = RIGOR_OK;
    for (int q = 0; q < 4 && canon_sql[kind][q] && rc == RIGOR_OK; q++) {
        store_stmt *s = NULL;
        rc = prep(st, canon_sql[kind][q], ARGS(I(ref)), &s);
        if (rc != RIGOR_OK)
            break;
        const char *types = canon_types[kind][q];
        int ncol = (int)strlen(types);
        int r, rows = 0;
        char tag[24];
        while ((r = st->ops->step(s)) == 1) {
            rows++;
            snprintf(tag, sizeof tag, "R%d:", q);
            sha256_update(&h, tag, strlen(tag));
            for (int i = 0; i < ncol; i++) {
                char num[48];
                const char *v;
                if (st->ops->col_null(s, i)) {
                    sha256_update(&h, "n", 1);
                    continue;
                }
                if (types[i] == 'i') {
                    snprintf(num, sizeof num, "%lld", (long long)st->ops->col_int(s, i));
                    v = num;
                } else if (types[i] == 'd') {
                    snprintf(num, sizeof num, "%.17g", st->ops->col_double(s, i));
                    v = num;
                } else {
                    v = st->ops->col_text(s, i);
                }
                snprintf(tag, sizeof tag, "%c%zu:", types[i], strlen(v));
                sha256_update(&h, tag, strlen(tag));
                sha256_update(&h, v, strlen(v));
            }
        }
        st->ops->finalize(s);
        if (r < 0)
            rc = r;
        else if (q == 0 && rows == 0)
            rc = RIGOR_ENODATA;
    }
    uint8_t d[32];
    sha256_final(&h, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return rc;
}

static void entry_hash(int64_t seq, const char *at, const char *actor, const char *kind,
                       int64_t ref, const char *content, const char *prev, char hex[65])
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m) {
        fprintf(m, "%lld|%s|%s|%s|%lld|%s|%s", (long long)seq, at, actor, kind, (long long)ref,
                content, prev);
        fclose(m);
    }
    sha256_hex(buf ? buf : "", buf ? len : 0, hex);
    free(buf);
}

static const char zero_sha[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Append the entry of (kind, ref); the caller holds the writer lock. */
static int audit_append(store *st, audit_kind kind, int64_t ref, const char *actor)
{
    char content[65], prev[65], entry[65], at[40];
    int rc = canon_hash(st, kind, ref, content);
    if (rc != RIGOR_OK)
        return rc == RIGOR_ENODATA ? store_fail(st, RIGOR_EIO, "row vanished before audit")
                                   : rc;
    int64_t seq = 0;
    memcpy(prev, zero_sha, sizeof prev);
    if (st->tail_valid) {
        seq = st->tail_seq;
        memcpy(prev, st->tail_sha, sizeof prev);
    } else {
        store_stmt *s = NULL;
        rc = prep(st, "SELECT seq, entry_sha256 FROM audit ORDER BY seq DESC LIMIT 1", NULL, 0,
                  &s);
        if (rc != RIGOR_OK)
            return rc;
        int r = st->ops->step(s);
        if (r == 1) {
            seq = st->ops->col_int(s, 0);
            snprintf(prev, sizeof prev, "%s", st->ops->col_text(s, 1));
        }
        st->ops->finalize(s);
        if (r < 0)
            return r;
    }
    seq++;
    utc_now(at, sizeof at);
    entry_hash(seq, at, actor, akind[kind].name, ref, content, prev, entry);
    rc = run(st,
             "INSERT INTO audit (seq, at, actor, kind, ref, content_sha256, prev_sha256, "
             "entry_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             ARGS(I(seq), T(at), T(actor), T(akind[kind].name), I(ref), T(content), T(prev),
                  T(entry)),
             NULL);
    if (rc == RIGOR_OK) {
        st->tail_valid = true;
        st->tail_seq = seq;
        memcpy(st->tail_sha, entry, sizeof st->tail_sha);
    }
    return rc;
}

/* ---- writes ------------------------------------------------------------ */

/* The measured quantities, by their stored name, in curve_geom's order. */
static const struct {
    const char *name;
} geomq[] = {{"width_m"}, {"thickness_m"}, {"diameter_m"},
             {"area_m2"}, {"gauge_m"},     {"height_m"}};
#define NGEOMQ (sizeof geomq / sizeof geomq[0])

static double geom_get(const curve_geom *g, size_t k)
{
    switch (k) {
    case 0: return g->width_m;
    case 1: return g->thickness_m;
    case 2: return g->diameter_m;
    case 3: return g->area_m2;
    case 4: return g->gauge_m;
    case 5: return g->height_m;
    default: return NAN;
    }
}

/* Undo the current write: the whole transaction, or inside a batch the
 * savepoint of this one write. The first failure's message is kept. */
static void undo(store *st)
{
    char keep[sizeof st->err];
    memcpy(keep, st->err, sizeof keep);
    if (st->in_batch) {
        (void)st->ops->exec(st, "ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w");
        st->tail_valid = st->saved_valid;
        st->tail_seq = st->saved_seq;
        memcpy(st->tail_sha, st->saved_sha, sizeof st->tail_sha);
    } else {
        (void)st->ops->rollback(st);
        st->tail_valid = false;
    }
    memcpy(st->err, keep, sizeof keep);
}

/* End a write: commit (or release its savepoint in a batch) on success,
 * else undo it. */
static int finish(store *st, int rc)
{
    if (rc == RIGOR_OK) {
        rc = st->in_batch ? st->ops->exec(st, "RELEASE SAVEPOINT w") : st->ops->commit(st);
        if (!st->in_batch)
            st->tail_valid = false; /* the lock is gone with the commit */
        if (rc == RIGOR_OK)
            return RIGOR_OK;
    }
    undo(st);
    return rc;
}

static int begin(store *st)
{
    if (st->readonly)
        return store_fail(st, RIGOR_EINVAL, "%s: opened read-only", st->target);
    st->err[0] = '\0';
    if (!st->in_batch) {
        st->tail_valid = false;
        return st->ops->begin_write(st);
    }
    st->saved_valid = st->tail_valid;
    st->saved_seq = st->tail_seq;
    memcpy(st->saved_sha, st->tail_sha, sizeof st->saved_sha);
    return st->ops->exec(st, "SAVEPOINT w");
}

int store_batch_begin(store *st)
{
    if (st->in_batch)
        return store_fail(st, RIGOR_ESTATE, "a batch is already open");
    if (st->readonly)
        return store_fail(st, RIGOR_EINVAL, "%s: opened read-only", st->target);
    st->err[0] = '\0';
    st->tail_valid = false;
    int rc = st->ops->begin_write(st);
    st->in_batch = rc == RIGOR_OK;
    return rc;
}

int store_batch_end(store *st, bool commit)
{
    if (!st->in_batch)
        return store_fail(st, RIGOR_ESTATE, "no batch is open");
    st->in_batch = false;
    st->tail_valid = false;
    int rc = commit ? st->ops->commit(st) : RIGOR_OK;
    if (!commit || rc != RIGOR_OK) {
        char keep[sizeof st->err];
        memcpy(keep, st->err, sizeof keep);
        (void)st->ops->rollback(st);
        memcpy(st->err, keep, sizeof keep);
    }
    return rc;
}

static int add_measurement(store *st, int64_t sid, const char *q, double v, const char *reason,
                           const char *op)
{
    char now[40];
    utc_now(now, sizeof now);
    int64_t mid = 0;
    int rc = run(st,
                 "INSERT INTO measurements (specimen_id, quantity, value_si, reason, operator, "
                 "at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                 ARGS(I(sid), T(q), D(v), T(reason), T(op), T(now)), &mid);
    return rc == RIGOR_OK ? audit_append(st, A_MEASUREMENT, mid, op) : rc;
}

/* The specimen's geometry: measurements differing from the latest stored
 * value of their quantity are added (a repeated measurement is kept). */
static int add_geometry(store *st, int64_t sid, const curve_geom *g, const char *reason,
                        const char *op, bool fresh)
{
    int rc = RIGOR_OK;
    for (size_t k = 0; k < NGEOMQ && rc == RIGOR_OK; k++) {
        double v = geom_get(g, k);
        if (!isfinite(v))
            continue;
        if (fresh) { /* a specimen created in this transaction has none yet */
            rc = add_measurement(st, sid, geomq[k].name, v, reason, op);
            continue;
        }
        store_stmt *s = NULL;
        rc = prep(st,
                  "SELECT value_si FROM measurements WHERE specimen_id = ? AND quantity = ? "
                  "ORDER BY id DESC LIMIT 1",
                  ARGS(I(sid), T(geomq[k].name)), &s);
        if (rc != RIGOR_OK)
            break;
        int r = st->ops->step(s);
        bool same = r == 1 && st->ops->col_double(s, 0) == v;
        st->ops->finalize(s);
        if (r < 0)
            rc = r;
        else if (!same)
            rc = add_measurement(st, sid, geomq[k].name, v, reason, op);
    }
    return rc;
}

static int specimen_get_or_create(store *st, const store_specimen *sp, const char *reason,
                                  const char *op, int64_t *sid)
{
    int rc = run(st, "SELECT id FROM specimens WHERE code = ? AND batch = ?",
                 ARGS(T(sp->code), T(sp->batch)), sid);
    bool fresh = rc == RIGOR_ENODATA;
    if (rc == RIGOR_ENODATA) {
        char now[40];
        utc_now(now, sizeof now);
        rc = run(st,
                 "INSERT INTO specimens (code, batch, material, series, series_pos, notes, "
                 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 ARGS(T(sp->code), T(sp->batch), T(sp->material), T(sp->series),
                      I(sp->series_pos), T(sp->notes), T(now)),
                 sid);
        if (rc == RIGOR_OK)
            rc = audit_append(st, A_SPECIMEN, *sid, op);
    }
    if (rc == RIGOR_OK)
        rc = add_geometry(st, *sid, &sp->geom, reason, op, fresh);
    return rc;
}

static const char *kind_name(rv_kind k)
{
    static const char *const names[] = {
        [RV_NUMBER] = "number", [RV_PAIR] = "pair", [RV_STRING] = "string", [RV_BOOL] = "bool"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "number";
}

static rv_kind kind_from(const char *s)
{
    for (rv_kind k = RV_NUMBER; k <= RV_BOOL; k++)
        if (!strcmp(kind_name(k), s))
            return k;
    return RV_NUMBER;
}

/* The method object as `rigor analyze --json` prints it (without the
 * writer's whitespace), for readers of the store that want one column. */
static char *method_json(const result_set *rs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    fputc('{', m);
    for (size_t i = 0; i < rs->nmethod; i++) {
        const result_value *v = &rs->method[i];
        fprintf(m, "%s\"%s\": ", i ? ", " : "", v->key);
        switch (v->kind) {
        case RV_NUMBER:
            if (isfinite(v->v[0]))
                fprintf(m, "%.10g", v->v[0]);
            else
                fputs("null", m);
            break;
        case RV_PAIR: fprintf(m, "[%.10g, %.10g]", v->v[0], v->v[1]); break;
        case RV_BOOL: fputs(v->v[0] != 0 ? "true" : "false", m); break;
        case RV_STRING:
            fputc('"', m);
            for (const char *p = v->s; *p; p++) {
                if (*p == '"' || *p == '\\')
                    fputc('\\', m);
                if ((unsigned char)*p >= 0x20)
                    fputc(*p, m);
            }
            fputc('"', m);
            break;
        }
    }
    fputc('}', m);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Rows of one table in as few statements as possible: "INSERT ... VALUES
 * (?, ...), (?, ...)" for up to ROWS_PER_INSERT rows at a time, a[] holding
 * ncol arguments per row. One statement instead of one per value matters
 * over a network (PostgreSQL: one round trip each). */
#define ROWS_PER_INSERT 256

static int insert_rows(store *st, const char *head, int ncol, const arg *a, size_t nrows)
{
    int rc = RIGOR_OK;
    for (size_t at = 0; at < nrows && rc == RIGOR_OK; at += ROWS_PER_INSERT) {
        size_t n = nrows - at < ROWS_PER_INSERT ? nrows - at : ROWS_PER_INSERT;
        size_t len = strlen(head) + n * ((size_t)ncol * 3 + 4) + 1;
        char *sql = malloc(len);
        if (!sql)
            return store_fail(st, RIGOR_ENOMEM, "out of memory");
        char *o = sql + sprintf(sql, "%s", head);
        for (size_t r = 0; r < n; r++) {
            *o++ = r ? ',' : ' ';
            *o++ = '(';
            for (int c = 0; c < ncol; c++)
                o += sprintf(o, "%s?", c ? ", " : "");
            *o++ = ')';
        }
        *o = '\0';
        rc = run(st, sql, a + at * (size_t)ncol, n * (size_t)ncol, NULL);
        free(sql);
    }
    return rc;
}

static int insert_values(store *st, int64_t aid, const char *section, const result_value *v,
                         size_t n)
{
    if (!n)
        return RIGOR_OK;
    arg *a = malloc(n * 8 * sizeof *a);
    if (!a)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        arg *r = a + i * 8;
        r[0] = I(aid);
        r[1] = T(section);
        r[2] = I((int64_t)i);
        r[3] = T(v[i].key);
        r[4] = T(kind_name(v[i].kind));
        r[5] = D(v[i].kind == RV_STRING ? NAN : v[i].v[0]);
        r[6] = D(v[i].kind == RV_PAIR ? v[i].v[1] : NAN);
        r[7] = T(v[i].kind == RV_STRING ? v[i].s : "");
    }
    int rc =
        insert_rows(st,
                    "INSERT INTO analysis_values (analysis_id, section, ord, key, kind, v0, "
                    "v1, s) VALUES",
                    8, a, n);
    free(a);
    return rc;
}

static int insert_stages(store *st, int64_t aid, const result_stage *g, size_t n)
{
    if (!n)
        return RIGOR_OK;
    arg *a = malloc(n * 10 * sizeof *a);
    if (!a)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        arg *r = a + i * 10;
        r[0] = I(aid);
        r[1] = I((int64_t)i);
        r[2] = T(g[i].stage);
        r[3] = I((int64_t)g[i].start_index);
        r[4] = D(g[i].start_time_s);
        r[5] = D(g[i].start_position_mm);
        r[6] = D(g[i].start_strain_pct);
        r[7] = D(g[i].end_strain_pct);
        r[8] = D(g[i].start_stress_mpa);
        r[9] = T(g[i].rule);
    }
    int rc = insert_rows(st,
                         "INSERT INTO analysis_stages (analysis_id, ord, stage, start_index, "
                         "start_time_s, start_position_mm, start_strain_pct, end_strain_pct, "
                         "start_stress_mpa, rule) VALUES",
                         10, a, n);
    free(a);
    return rc;
}

static int insert_notes(store *st, int64_t aid, const store_analysis *an)
{
    const result_set *rs = an->rs;
    size_t n = an->nimport_notes + rs->nnotes;
    if (!n)
        return RIGOR_OK;
    arg *a = malloc(n * 3 * sizeof *a);
    if (!a)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        a[i * 3] = I(aid);
        a[i * 3 + 1] = I((int64_t)i);
        a[i * 3 + 2] =
            T(i < an->nimport_notes ? an->import_notes[i] : rs->notes[i - an->nimport_notes]);
    }
    int rc =
        insert_rows(st, "INSERT INTO analysis_notes (analysis_id, ord, note) VALUES", 3, a, n);
    free(a);
    return rc;
}

static int insert_analysis(store *st, int64_t run_id, const store_analysis *a, int64_t *aid)
{
    const result_set *rs = a->rs;
    char now[40];
    utc_now(now, sizeof now);
    char *mj = method_json(rs);
    if (!mj)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    int rc = run(
        st,
        "INSERT INTO analyses (run_id, test, method_json, operator, rigor_version, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        ARGS(I(run_id), T(rs->test), T(mj), T(a->operator_name), T(a->rigor_version), T(now)),
        aid);
    free(mj);
    if (rc == RIGOR_OK)
        rc = insert_values(st, *aid, "method", rs->method, rs->nmethod);
    if (rc == RIGOR_OK)
        rc = insert_values(st, *aid, "result", rs->results, rs->nresults);
    if (rc == RIGOR_OK)
        rc = insert_stages(st, *aid, rs->stages, rs->nstages);
    if (rc == RIGOR_OK)
        rc = insert_notes(st, *aid, a);
    if (rc == RIGOR_OK)
        rc = audit_append(st, A_ANALYSIS, *aid, a->operator_name);
    return rc;
}

int store_add_run(store *st, const store_specimen *sp, const store_run *r,
                  const store_analysis *a, int64_t *run_id, int64_t *analysis_id)
{
    int64_t rid = 0, aid = 0, sid = 0;
    if (!sp->code[0])
        return store_fail(st, RIGOR_EINVAL, "a run needs a specimen id");
    int rc = begin(st);
    if (rc != RIGOR_OK)
        return rc;
    /* Under the writer lock: a second import of the same bytes adds nothing. */
    rc = run(st, "SELECT id FROM runs WHERE source_sha256 = ? AND curve_index = ?",
             ARGS(T(r->source_sha256), I(r->curve_index)), &rid);
    if (rc == RIGOR_OK) {
        undo(st);
        if (run_id)
            *run_id = rid;
        return store_fail(st, RIGOR_EEXIST, "%s: already stored as run %lld", r->source,
                          (long long)rid);
    }
    if (rc == RIGOR_ENODATA)
        rc = specimen_get_or_create(st, sp, r->origin == STORE_LIVE ? "run" : "import",
                                    r->operator_name, &sid);
    char now[40];
    utc_now(now, sizeof now);
    if (rc == RIGOR_OK)
        rc = run(st,
                 "INSERT INTO runs (specimen_id, origin, source, source_sha256, curve_index, "
                 "format, test, columns, protocol_name, protocol_text, rig_sha256, operator, "
                 "frame, rigor_version, tested_at, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                 "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                 ARGS(I(sid), T(r->origin == STORE_LIVE ? "live" : "imported"), T(r->source),
                      T(r->source_sha256), I(r->curve_index), T(r->format), T(r->test),
                      T(r->columns), T(r->protocol_name), T(r->protocol_text), T(r->rig_sha256),
                      T(r->operator_name), T(r->frame), T(r->rigor_version), T(r->tested_at),
                      T(now)),
                 &rid);
    if (rc == RIGOR_OK)
        rc = audit_append(st, A_RUN, rid, r->operator_name);
    if (rc == RIGOR_OK && a)
        rc = insert_analysis(st, rid, a, &aid);
    rc = finish(st, rc);
    if (rc == RIGOR_OK) {
        if (run_id)
            *run_id = rid;
        if (analysis_id)
            *analysis_id = aid;
    }
    return rc;
}

int store_add_analysis(store *st, int64_t run_id, const store_analysis *a, int64_t *analysis_id)
{
    int rc = begin(st);
    if (rc != RIGOR_OK)
        return rc;
    int64_t x, aid = 0;
    rc = run(st, "SELECT id FROM runs WHERE id = ?", ARGS(I(run_id)), &x);
    if (rc == RIGOR_ENODATA)
        rc = store_fail(st, RIGOR_ENODATA, "no run %lld in the store", (long long)run_id);
    if (rc == RIGOR_OK)
        rc = insert_analysis(st, run_id, a, &aid);
    rc = finish(st, rc);
    if (rc == RIGOR_OK && analysis_id)
        *analysis_id = aid;
    return rc;
}

int store_put_specimen(store *st, const store_specimen *sp, const char *op, int64_t *id)
{
    if (!sp->code[0])
        return store_fail(st, RIGOR_EINVAL, "a specimen needs an id");
    int64_t sid = 0;
    int rc = begin(st);
    if (rc == RIGOR_OK)
        rc = specimen_get_or_create(st, sp, "series", op ? op : "", &sid);
    rc = finish(st, rc);
    if (rc == RIGOR_OK && id)
        *id = sid;
    return rc;
}

static int specimen_exists(store *st, int64_t sid)
{
    int64_t x;
    int rc = run(st, "SELECT id FROM specimens WHERE id = ?", ARGS(I(sid)), &x);
    if (rc == RIGOR_ENODATA)
        return store_fail(st, RIGOR_ENODATA, "no specimen %lld in the store", (long long)sid);
    return rc;
}

int store_correct_geometry(store *st, int64_t sid, const char *quantity, double v,
                           const char *reason, const char *op)
{
    size_t k;
    for (k = 0; k < NGEOMQ; k++)
        if (!strcmp(geomq[k].name, quantity))
            break;
    if (k == NGEOMQ)
        return store_fail(st, RIGOR_EINVAL,
                          "unknown quantity '%s' (width_m, thickness_m, diameter_m, area_m2, "
                          "gauge_m, height_m)",
                          quantity);
    if (!(isfinite(v) && v > 0))
        return store_fail(st, RIGOR_EGEOMETRY, "%s = %g is not a positive length", quantity, v);
    if (!reason || !reason[0])
        return store_fail(st, RIGOR_EINVAL, "a geometry correction needs a reason");
    int rc = begin(st);
    if (rc == RIGOR_OK)
        rc = specimen_exists(st, sid);
    if (rc == RIGOR_OK)
        rc = add_measurement(st, sid, geomq[k].name, v, reason, op ? op : "");
    return finish(st, rc);
}

int store_comment(store *st, store_target_kind kind, int64_t id, const char *text,
                  const char *op)
{
    static const char *const tname[] = {"specimen", "run", "analysis"};
    static const char *const ttable[] = {"specimens", "runs", "analyses"};
    if ((unsigned)kind > STORE_T_ANALYSIS || !text || !text[0])
        return store_fail(st, RIGOR_EINVAL, "a comment needs a target and a text");
    int rc = begin(st);
    int64_t x = 0, cid = 0;
    char sql[96], now[40];
    snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = ?", ttable[kind]);
    if (rc == RIGOR_OK)
        rc = run(st, sql, ARGS(I(id)), &x);
    if (rc == RIGOR_ENODATA)
        rc = store_fail(st, RIGOR_ENODATA, "no %s %lld in the store", tname[kind],
                        (long long)id);
    utc_now(now, sizeof now);
    if (rc == RIGOR_OK)
        rc =
            run(st,
                "INSERT INTO comments (target, target_id, text, operator, at) VALUES (?, ?, ?, "
                "?, ?) RETURNING id",
                ARGS(T(tname[kind]), I(id), T(text), T(op ? op : ""), T(now)), &cid);
    if (rc == RIGOR_OK)
        rc = audit_append(st, A_COMMENT, cid, op ? op : "");
    return finish(st, rc);
}

int store_exclude(store *st, int64_t sid, const char *reason, const char *op)
{
    if (!reason || !reason[0])
        return store_fail(st, RIGOR_EINVAL, "an exclusion needs a reason");
    int rc = begin(st);
    int64_t eid = 0;
    char now[40];
    utc_now(now, sizeof now);
    if (rc == RIGOR_OK)
        rc = specimen_exists(st, sid);
    if (rc == RIGOR_OK)
        rc = run(
            st,
            "INSERT INTO exclusions (specimen_id, reason, operator, at) VALUES (?, ?, ?, ?) "
            "RETURNING id",
            ARGS(I(sid), T(reason), T(op ? op : ""), T(now)), &eid);
    if (rc == RIGOR_OK)
        rc = audit_append(st, A_EXCLUSION, eid, op ? op : "");
    return finish(st, rc);
}

int store_find_specimen(store *st, const char *code, const char *batch, int64_t *id)
{
    store_stmt *s = NULL;
    int rc = batch ? prep(st, "SELECT id, batch FROM specimens WHERE code = ? AND batch = ?",
                          ARGS(T(code), T(batch)), &s)
                   : prep(st, "SELECT id, batch FROM specimens WHERE code = ? ORDER BY id",
                          ARGS(T(code)), &s);
    if (rc != RIGOR_OK)
        return rc;
    int n = 0, r;
    char batches[512] = "";
    while ((r = st->ops->step(s)) == 1) {
        if (!n)
            *id = st->ops->col_int(s, 0);
        size_t l = strlen(batches);
        snprintf(batches + l, sizeof batches - l, "%s'%s'", n ? ", " : "",
                 st->ops->col_text(s, 1));
        n++;
    }
    st->ops->finalize(s);
    if (r < 0)
        return r;
    if (!n)
        return store_fail(st, RIGOR_ENODATA, "no specimen '%s'%s%s in the store", code,
                          batch ? " in batch " : "", batch ? batch : "");
    if (n > 1)
        return store_fail(st, RIGOR_EINVAL,
                          "specimen '%s' is in several batches (%s): name the batch", code,
                          batches);
    return RIGOR_OK;
}

int store_series_next(store *st, const char *series, store_specimen *sp, int64_t *id,
                      int *remaining)
{
    memset(sp, 0, sizeof *sp);
    curve_geom_clear(&sp->geom);
    *remaining = 0;
    static const char *const pending =
        " FROM specimens s WHERE s.series = ? AND NOT EXISTS (SELECT 1 FROM runs r WHERE "
        "r.specimen_id = s.id) AND NOT EXISTS (SELECT 1 FROM exclusions e WHERE "
        "e.specimen_id = s.id)";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*)%s", pending);
    int64_t n = 0;
    int rc = run(st, sql, ARGS(T(series)), &n);
    if (rc != RIGOR_OK)
        return rc;
    *remaining = (int)n;
    if (!n)
        return store_fail(st, RIGOR_ENODATA, "series '%s': no specimen left to test", series);
    snprintf(sql, sizeof sql,
             "SELECT s.id, s.code, s.batch, s.material, s.series, s.series_pos, s.notes%s "
             "ORDER BY s.series_pos, s.id LIMIT 1",
             pending);
    store_stmt *s = NULL;
    rc = prep(st, sql, ARGS(T(series)), &s);
    if (rc != RIGOR_OK)
        return rc;
    int r = st->ops->step(s);
    if (r == 1) {
        *id = st->ops->col_int(s, 0);
        snprintf(sp->code, sizeof sp->code, "%s", st->ops->col_text(s, 1));
        snprintf(sp->batch, sizeof sp->batch, "%s", st->ops->col_text(s, 2));
        snprintf(sp->material, sizeof sp->material, "%s", st->ops->col_text(s, 3));
        snprintf(sp->series, sizeof sp->series, "%s", st->ops->col_text(s, 4));
        sp->series_pos = (int)st->ops->col_int(s, 5);
        snprintf(sp->notes, sizeof sp->notes, "%s", st->ops->col_text(s, 6));
    }
    st->ops->finalize(s);
    if (r < 0)
        return r;
    if (r != 1)
        return store_fail(st, RIGOR_ENODATA, "series '%s': no specimen left to test", series);
    rc = prep(st,
              "SELECT quantity, value_si FROM measurements WHERE specimen_id = ? ORDER BY id",
              ARGS(I(*id)), &s);
    if (rc != RIGOR_OK)
        return rc;
    while ((r = st->ops->step(s)) == 1) {
        const char *q = st->ops->col_text(s, 0);
        double v = st->ops->col_double(s, 1);
        double *g[NGEOMQ] = {&sp->geom.width_m, &sp->geom.thickness_m, &sp->geom.diameter_m,
                             &sp->geom.area_m2, &sp->geom.gauge_m,     &sp->geom.height_m};
        for (size_t k = 0; k < NGEOMQ; k++)
            if (!strcmp(q, geomq[k].name))
                *g[k] = v; /* the latest measurement wins */
    }
    st->ops->finalize(s);
    return r < 0 ? r : RIGOR_OK;
}

static int cmp_sha(const void *a, const void *b)
{
    return strcmp(a, b);
}

int store_known_sources(store *st, char (**sha)[65], size_t *n)
{
    *sha = NULL;
    *n = 0;
    store_stmt *s = NULL;
    int rc = prep(st, "SELECT DISTINCT source_sha256 FROM runs", NULL, 0, &s);
    if (rc != RIGOR_OK)
        return rc;
    size_t cap = 0;
    int r;
    while ((r = st->ops->step(s)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char(*nv)[65] = realloc(*sha, cap * sizeof **sha);
            if (!nv) {
                st->ops->finalize(s);
                free(*sha);
                *sha = NULL;
                *n = 0;
                return store_fail(st, RIGOR_ENOMEM, "out of memory");
            }
            *sha = nv;
        }
        snprintf((*sha)[(*n)++], 65, "%s", st->ops->col_text(s, 0));
    }
    st->ops->finalize(s);
    if (r < 0) {
        free(*sha);
        *sha = NULL;
        *n = 0;
        return r;
    }
    if (*n)
        qsort(*sha, *n, sizeof **sha, cmp_sha);
    return RIGOR_OK;
}

int store_count(store *st, store_counts *c)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM specimens", "SELECT count(*) FROM runs",
        "SELECT count(*) FROM analyses",  "SELECT count(*) FROM measurements",
        "SELECT count(*) FROM comments",  "SELECT count(*) FROM exclusions",
        "SELECT count(*) FROM audit"};
    int64_t *f[] = {&c->specimens, &c->runs,       &c->analyses, &c->measurements,
                    &c->comments,  &c->exclusions, &c->audit};
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        int rc = run(st, sql[i], NULL, 0, f[i]);
        if (rc != RIGOR_OK)
            return rc;
    }
    return RIGOR_OK;
}

/* ---- verify -------------------------------------------------------------- */

int store_verify(store *st, store_verify_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int rc = st->ops->begin_read(st);
    if (rc != RIGOR_OK)
        return rc;
    store_stmt *s = NULL;
    rc = prep(st,
              "SELECT seq, at, actor, kind, ref, content_sha256, prev_sha256, entry_sha256 "
              "FROM audit ORDER BY seq",
              NULL, 0, &s);
    char prev[65];
    memcpy(prev, zero_sha, sizeof prev);
    int64_t want = 1;
    int r = 0;
    while (rc == RIGOR_OK && (r = st->ops->step(s)) == 1) {
        int64_t seq = st->ops->col_int(s, 0);
        char at[40], actor[128], kname[32], content[65], eprev[65], entry[65], got[65];
        snprintf(at, sizeof at, "%s", st->ops->col_text(s, 1));
        snprintf(actor, sizeof actor, "%s", st->ops->col_text(s, 2));
        snprintf(kname, sizeof kname, "%s", st->ops->col_text(s, 3));
        int64_t ref = st->ops->col_int(s, 4);
        snprintf(content, sizeof content, "%s", st->ops->col_text(s, 5));
        snprintf(eprev, sizeof eprev, "%s", st->ops->col_text(s, 6));
        snprintf(entry, sizeof entry, "%s", st->ops->col_text(s, 7));
        rep->entries++;
        int kind = kind_from_name(kname);
        const char *bad = NULL;
        char detail[256] = "";
        if (seq != want) {
            snprintf(detail, sizeof detail, "entry %lld missing (next is %lld)",
                     (long long)want, (long long)seq);
            bad = detail;
            seq = want;
        } else if (strcmp(eprev, prev)) {
            bad = "its prev_sha256 is not the hash of the entry before it";
        } else if (entry_hash(seq, at, actor, kname, ref, content, eprev, got),
                   strcmp(got, entry)) {
            bad = "the entry itself was changed (its entry_sha256 does not match)";
        } else if (kind < 0) {
            bad = "unknown kind";
        } else {
            int e = canon_hash(st, kind, ref, got);
            if (e == RIGOR_ENODATA)
                bad = "the row it records was deleted";
            else if (e != RIGOR_OK)
                rc = e;
            else if (strcmp(got, content))
                bad = "the stored row no longer matches the content it recorded";
        }
        if (rc == RIGOR_OK && bad) {
            rep->bad_seq = seq;
            snprintf(rep->bad_what, sizeof rep->bad_what,
                     "audit entry %lld (%s %lld, %s by '%s'): %s", (long long)seq, kname,
                     (long long)ref, at, actor, bad);
            rc = RIGOR_EPARSE;
            break;
        }
        memcpy(prev, entry, sizeof prev);
        want++;
    }
    if (r < 0 && rc == RIGOR_OK)
        rc = r;
    st->ops->finalize(s);
    /* Rows written behind the log's back: every row needs its entry. */
    for (int k = 0; rc == RIGOR_OK && k < A_NKINDS; k++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT t.id FROM %s t WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE "
                 "a.kind = ? AND a.ref = t.id) ORDER BY t.id LIMIT 1",
                 akind[k].table);
        int64_t id = 0;
        int e = run(st, sql, ARGS(T(akind[k].name)), &id);
        if (e == RIGOR_OK) {
            rep->bad_seq = -1;
            snprintf(rep->bad_what, sizeof rep->bad_what,
                     "%s %lld has no audit entry (inserted behind the log's back)",
                     akind[k].name, (long long)id);
            rc = RIGOR_EPARSE;
        } else if (e != RIGOR_ENODATA) {
            rc = e;
        }
    }
    /* Value, stage and note rows are covered by their analysis' entry;
     * rows of an analysis that does not exist are covered by none. */
    static const char *const parts[] = {"analysis_values", "analysis_stages", "analysis_notes"};
    for (size_t k = 0; rc == RIGOR_OK && k < sizeof parts / sizeof parts[0]; k++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT v.analysis_id FROM %s v WHERE NOT EXISTS (SELECT 1 FROM analyses a "
                 "WHERE a.id = v.analysis_id) LIMIT 1",
                 parts[k]);
        int64_t id = 0;
        int e = run(st, sql, NULL, 0, &id);
        if (e == RIGOR_OK) {
            rep->bad_seq = -1;
            snprintf(rep->bad_what, sizeof rep->bad_what,
                     "%s rows of analysis %lld, which does not exist (inserted behind the "
                     "log's back)",
                     parts[k], (long long)id);
            rc = RIGOR_EPARSE;
        } else if (e != RIGOR_ENODATA) {
            rc = e;
        }
    }
    char keep[sizeof st->err];
    memcpy(keep, st->err, sizeof keep);
    (void)st->ops->rollback(st);
    memcpy(st->err, keep, sizeof keep);
    return rc;
}

/* ---- query --------------------------------------------------------------- */

/* A glob (* ?) as a LIKE pattern, with LIKE's own characters escaped. */
static void glob_like(const char *g, char *out, size_t len)
{
    size_t o = 0;
    for (; *g && o + 3 < len; g++) {
        if (*g == '*')
            out[o++] = '%';
        else if (*g == '?')
            out[o++] = '_';
        else {
            if (*g == '%' || *g == '_' || *g == '\\')
                out[o++] = '\\';
            out[o++] = *g;
        }
    }
    out[o] = '\0';
}

static void row_clear(store_row *r)
{
    results_clear(&r->rs);
    for (size_t i = 0; i < r->nnotes; i++)
        free(r->notes[i]);
    free(r->notes);
    r->notes = NULL;
    r->nnotes = 0;
}

/* One value row (section, key, kind, v0, v1, s from column 1 on) into row. */
static int apply_value(store *st, store_stmt *s, store_row *row)
{
    bool method = !strcmp(st->ops->col_text(s, 1), "method");
    const char *key = st->ops->col_text(s, 2);
    rv_kind k = kind_from(st->ops->col_text(s, 3));
    double v0 = st->ops->col_double(s, 4), v1 = st->ops->col_double(s, 5);
    const char *sv = st->ops->col_text(s, 6);
    switch (k) {
    case RV_NUMBER:
        return method ? results_method_number(&row->rs, key, v0)
                      : results_number(&row->rs, key, v0);
    case RV_PAIR:
        return method ? results_method_pair(&row->rs, key, v0, v1)
                      : results_pair(&row->rs, key, v0, v1);
    case RV_STRING:
        return method ? results_method_string(&row->rs, key, sv)
                      : results_string(&row->rs, key, sv);
    case RV_BOOL:
        if (method)
            return results_method_bool(&row->rs, key, v0 != 0);
        {
            int rc = results_number(&row->rs, key, v0);
            if (rc == RIGOR_OK)
                row->rs.results[row->rs.nresults - 1].kind = RV_BOOL;
            return rc;
        }
    }
    return RIGOR_OK;
}

static int apply_stage(store *st, store_stmt *s, store_row *row)
{
    result_stage g;
    memset(&g, 0, sizeof g);
    snprintf(g.stage, sizeof g.stage, "%s", st->ops->col_text(s, 1));
    g.start_index = (size_t)st->ops->col_int(s, 2);
    g.start_time_s = st->ops->col_double(s, 3);
    g.start_position_mm = st->ops->col_double(s, 4);
    g.start_strain_pct = st->ops->col_double(s, 5);
    g.end_strain_pct = st->ops->col_double(s, 6);
    g.start_stress_mpa = st->ops->col_double(s, 7);
    snprintf(g.rule, sizeof g.rule, "%s", st->ops->col_text(s, 8));
    return results_add_stage(&row->rs, &g);
}

static int apply_note(store *st, store_stmt *s, store_row *row)
{
    char **nv = realloc(row->notes, (row->nnotes + 1) * sizeof *nv);
    if (!nv)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    row->notes = nv;
    if (!(row->notes[row->nnotes] = strdup(st->ops->col_text(s, 1))))
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    row->nnotes++;
    return RIGOR_OK;
}

/* The rows of a page, rows[0..n-1] ascending by analysis id, get their
 * values, stages and notes from three range queries (three statements per
 * page of QUERY_PAGE analyses instead of three per analysis: a round trip
 * each on PostgreSQL). Rows of analyses outside the page (other filters)
 * are skipped. */
#define QUERY_PAGE 512

static store_row *page_find(store_row *rows, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rows[mid].analysis_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && rows[lo].analysis_id == id ? &rows[lo] : NULL;
}

static int load_page(store *st, store_row *rows, size_t n)
{
    static const char *const sql[3] = {
        "SELECT analysis_id, section, key, kind, v0, v1, s FROM analysis_values WHERE "
        "analysis_id BETWEEN ? AND ? ORDER BY analysis_id, section, ord",
        "SELECT analysis_id, stage, start_index, start_time_s, start_position_mm, "
        "start_strain_pct, end_strain_pct, start_stress_mpa, rule FROM analysis_stages WHERE "
        "analysis_id BETWEEN ? AND ? ORDER BY analysis_id, ord",
        "SELECT analysis_id, note FROM analysis_notes WHERE analysis_id BETWEEN ? AND ? "
        "ORDER BY analysis_id, ord"};
    int (*const apply[3])(store *, store_stmt *, store_row *) = {apply_value, apply_stage,
                                                                 apply_note};
    int rc = RIGOR_OK;
    for (int q = 0; q < 3 && rc == RIGOR_OK; q++) {
        store_stmt *s = NULL;
        rc = prep(st, sql[q], ARGS(I(rows[0].analysis_id), I(rows[n - 1].analysis_id)), &s);
        int r = 0;
        while (rc == RIGOR_OK && (r = st->ops->step(s)) == 1) {
            store_row *row = page_find(rows, n, st->ops->col_int(s, 0));
            if (row)
                rc = apply[q](st, s, row);
        }
        if (r < 0 && rc == RIGOR_OK)
            rc = r;
        st->ops->finalize(s);
    }
    return rc;
}

int store_query(store *st, const store_filter *f, store_row_fn fn, void *ctx)
{
    static const store_filter none;
    if (!f)
        f = &none;
    char *sql = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&sql, &len);
    if (!m)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    arg a[64];
    size_t na = 0;
    char pat[4][300];
    fputs("SELECT a.id, r.id, s.id, s.code, s.batch, s.material, s.series, r.origin, r.source, "
          "r.source_sha256, r.curve_index, r.format, r.test, r.columns, r.protocol_name, "
          "r.rig_sha256, r.operator, r.frame, r.rigor_version, r.tested_at, a.created_at, "
          "(SELECT e.reason FROM exclusions e WHERE e.specimen_id = s.id ORDER BY e.id DESC "
          "LIMIT 1), a.test FROM analyses a JOIN runs r ON r.id = a.run_id JOIN specimens s ON "
          "s.id = r.specimen_id WHERE 1 = 1",
          m);
    const char *globs[4] = {f->specimen, f->material, f->batch, f->series};
    const char *gcol[4] = {"s.code", "s.material", "s.batch", "s.series"};
    for (int i = 0; i < 4; i++) {
        if (!globs[i])
            continue;
        glob_like(globs[i], pat[i], sizeof pat[i]);
        fprintf(m, " AND lower(%s) LIKE lower(CAST(? AS TEXT)) ESCAPE '\\'", gcol[i]);
        a[na++] = T(pat[i]);
    }
    if (f->operator_name) {
        fputs(" AND r.operator = ?", m);
        a[na++] = T(f->operator_name);
    }
    if (f->protocol) {
        fputs(" AND r.protocol_name = ?", m);
        a[na++] = T(f->protocol);
    }
    if (f->since) {
        fputs(" AND r.tested_at >= ?", m);
        a[na++] = T(f->since);
    }
    if (f->until) {
        fputs(" AND r.tested_at < ?", m);
        a[na++] = T(f->until);
    }
    for (size_t i = 0; i < f->nranges && na + 4 <= sizeof a / sizeof a[0]; i++) {
        fputs(" AND EXISTS (SELECT 1 FROM analysis_values v WHERE v.analysis_id = a.id AND "
              "v.section = 'result' AND v.key = ?",
              m);
        a[na++] = T(f->ranges[i].key);
        if (!isnan(f->ranges[i].lo)) {
            fputs(" AND v.v0 >= ?", m);
            a[na++] = D(f->ranges[i].lo);
        }
        if (!isnan(f->ranges[i].hi)) {
            fputs(" AND v.v0 <= ?", m);
            a[na++] = D(f->ranges[i].hi);
        }
        fputs(")", m);
    }
    if (!f->all_analyses)
        fputs(" AND a.id = (SELECT max(a2.id) FROM analyses a2 WHERE a2.run_id = r.id)", m);
    if (!f->with_excluded)
        fputs(" AND NOT EXISTS (SELECT 1 FROM exclusions e WHERE e.specimen_id = s.id)", m);
    fprintf(m, " AND a.id > ? ORDER BY a.id LIMIT %d", QUERY_PAGE);
    if (fclose(m) != 0) {
        free(sql);
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    }
    store_row *rows = calloc(QUERY_PAGE, sizeof *rows);
    if (!rows) {
        free(sql);
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    }
    int rc = st->ops->begin_read(st);
    int64_t after = 0;
    for (;;) {
        size_t n = 0;
        store_stmt *s = NULL;
        a[na] = I(after);
        if (rc == RIGOR_OK)
            rc = prep(st, sql, a, na + 1, &s);
        int r = 0;
        while (rc == RIGOR_OK && n < QUERY_PAGE && (r = st->ops->step(s)) == 1) {
            store_row *row = &rows[n++];
            results_init(&row->rs);
            row->analysis_id = st->ops->col_int(s, 0);
            row->run_id = st->ops->col_int(s, 1);
            row->specimen_id = st->ops->col_int(s, 2);
            snprintf(row->specimen, sizeof row->specimen, "%s", st->ops->col_text(s, 3));
            snprintf(row->batch, sizeof row->batch, "%s", st->ops->col_text(s, 4));
            snprintf(row->material, sizeof row->material, "%s", st->ops->col_text(s, 5));
            snprintf(row->series, sizeof row->series, "%s", st->ops->col_text(s, 6));
            store_run *u = &row->run;
            u->origin = !strcmp(st->ops->col_text(s, 7), "live") ? STORE_LIVE : STORE_IMPORTED;
            snprintf(u->source, sizeof u->source, "%s", st->ops->col_text(s, 8));
            snprintf(u->source_sha256, sizeof u->source_sha256, "%s", st->ops->col_text(s, 9));
            u->curve_index = (int)st->ops->col_int(s, 10);
            snprintf(u->format, sizeof u->format, "%s", st->ops->col_text(s, 11));
            snprintf(u->test, sizeof u->test, "%s", st->ops->col_text(s, 12));
            snprintf(u->columns, sizeof u->columns, "%s", st->ops->col_text(s, 13));
            snprintf(u->protocol_name, sizeof u->protocol_name, "%s", st->ops->col_text(s, 14));
            snprintf(u->rig_sha256, sizeof u->rig_sha256, "%s", st->ops->col_text(s, 15));
            snprintf(u->operator_name, sizeof u->operator_name, "%s", st->ops->col_text(s, 16));
            snprintf(u->frame, sizeof u->frame, "%s", st->ops->col_text(s, 17));
            snprintf(u->rigor_version, sizeof u->rigor_version, "%s", st->ops->col_text(s, 18));
            snprintf(u->tested_at, sizeof u->tested_at, "%s", st->ops->col_text(s, 19));
            snprintf(row->analysed_at, sizeof row->analysed_at, "%s", st->ops->col_text(s, 20));
            row->excluded = !st->ops->col_null(s, 21);
            snprintf(row->exclusion_reason, sizeof row->exclusion_reason, "%s",
                     st->ops->col_text(s, 21));
            snprintf(row->rs.test, sizeof row->rs.test, "%s", st->ops->col_text(s, 22));
        }
        if (r < 0 && rc == RIGOR_OK)
            rc = r;
        st->ops->finalize(s);
        if (rc == RIGOR_OK && n)
            rc = load_page(st, rows, n);
        for (size_t i = 0; i < n; i++) {
            if (rc == RIGOR_OK && fn)
                rc = fn(ctx, &rows[i]);
            row_clear(&rows[i]);
        }
        if (rc != RIGOR_OK || n < QUERY_PAGE)
            break;
        after = rows[n - 1].analysis_id;
        memset(rows, 0, QUERY_PAGE * sizeof *rows);
    }
    free(sql);
    free(rows);
    char keep[sizeof st->err];
    memcpy(keep, st->err, sizeof keep);
    (void)st->ops->rollback(st);
    memcpy(st->err, keep, sizeof keep);
    return rc;
}
