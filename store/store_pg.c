/* store_pg.c — the lab-server store backend: PostgreSQL through libpq.
 *
 * Several frames' controllers and the analysts' machines write to one
 * server. Writers are made to take turns with a transaction-scoped advisory
 * lock (pg_advisory_xact_lock): it is held from the start of a write
 * transaction to its commit, so reading the last audit entry and appending
 * the next one can never interleave with another writer's, whatever the
 * isolation level, and it exists before any table does (the first
 * migration is serialised too). lock_timeout bounds the wait: a writer
 * that cannot get the lock in busy_timeout_ms fails with RIGOR_ETIMEOUT.
 * Values travel as text; doubles are written with 17 significant digits
 * and PostgreSQL (>= 12) prints the shortest text that reads back to the
 * same double, so hashes over them agree with SQLite's.
 * libpq's SQLSTATEs are translated into rigor_err here only (translate).
 */
#include "backend.h"

#include "../common/error.h"

#include <libpq-fe.h> /* the only file that includes it */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any constant: the key of the one advisory lock all Rigor writers share. */
#define PG_WRITER_LOCK 0x52494730LL

#define PG_MAX_PARAMS 65535 /* the protocol's limit */

struct store_stmt {
    store *st;
    char *sql;    /* with $1, $2, ... */
    char **param; /* owned text, NULL for SQL NULL */
    int nparam;   /* highest bound */
    int cap;
    PGresult *res;
    int row; /* current row, -1 before the first step */
};

/* The one translation of libpq's outcomes. */
static int translate(store *st, const PGresult *r, const char *what)
{
    PGconn *c = st->db;
    if (c && PQstatus(c) == CONNECTION_BAD)
        return store_fail(st, RIGOR_EIO, "%s: the PostgreSQL server is unreachable: %s",
                          st->target, PQerrorMessage(c));
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : (c ? PQerrorMessage(c) : "no connection");
    char m[512];
    snprintf(m, sizeof m, "%s", msg);
    m[strcspn(m, "\n")] = '\0';
    if (!state)
        return store_fail(st, RIGOR_EIO, "%s: %s: %s", st->target, what, m);
    if (!strcmp(state, "23505"))
        return store_fail(st, RIGOR_EEXIST, "%s: %s: %s", st->target, what, m);
    if (!strncmp(state, "53", 2)) /* insufficient resources: disk full, out of memory */
        return store_fail(st, RIGOR_EFULL, "%s: the server is out of space: %s", st->target, m);
    if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
        !strcmp(state, "57014"))
        return store_fail(st, RIGOR_ETIMEOUT,
                          "%s: the store is locked by another writer (waited %d ms): %s",
                          st->target, st->busy_timeout_ms, m);
    if (!strncmp(state, "08", 2))
        return store_fail(st, RIGOR_EIO, "%s: the PostgreSQL server is unreachable: %s",
                          st->target, m);
    if (!strncmp(state, "42", 2) || !strncmp(state, "28", 2))
        return store_fail(st, RIGOR_EIO, "%s: %s (SQLSTATE %s)", st->target, m, state);
    return store_fail(st, RIGOR_EIO, "%s: %s: %s (SQLSTATE %s)", st->target, what, m, state);
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs such as "relation exists, skipping" are not errors */
}

static int pg_exec(store *st, const char *sql)
{
    PGresult *r = PQexec(st->db, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? RIGOR_OK : translate(st, r, sql);
    PQclear(r);
    return rc;
}

static int pg_open(store *st, const char *target, const store_cfg *cfg)
{
    (void)cfg;
    /* connect_timeout: an unreachable server is an error in seconds, not a hang. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {target, "10", "rigor", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    st->db = c;
    if (!c)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        char m[512];
        snprintf(m, sizeof m, "%s", PQerrorMessage(c));
        m[strcspn(m, "\n")] = '\0';
        PQfinish(c);
        st->db = NULL;
        return store_fail(st, RIGOR_EIO, "%s: cannot connect to the PostgreSQL server: %s",
                          st->target, m);
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    char sql[128];
    snprintf(sql, sizeof sql, "SET lock_timeout = %d; SET client_min_messages = warning",
             st->busy_timeout_ms);
    int rc = pg_exec(st, sql);
    if (rc != RIGOR_OK) {
        PQfinish(c);
        st->db = NULL;
    }
    return rc;
}

static void pg_cache_free(store *st);

static void pg_close(store *st)
{
    pg_cache_free(st);
    if (st->db)
        PQfinish(st->db);
    st->db = NULL;
}

static int pg_begin_write(store *st)
{
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)PG_WRITER_LOCK);
    int rc = pg_exec(st, sql);
    if (rc != RIGOR_OK)
        (void)pg_exec(st, "ROLLBACK");
    return rc;
}

static int pg_begin_read(store *st)
{
    return pg_exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}
static int pg_commit(store *st)
{
    return pg_exec(st, "COMMIT");
}
static int pg_rollback(store *st)
{
    if (PQtransactionStatus(st->db) == PQTRANS_IDLE)
        return RIGOR_OK;
    return pg_exec(st, "ROLLBACK");
}

/* '?' -> $n outside quoted literals. */
static char *renumber(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 6 + 1); /* '?' becomes at most "$65535" */
    if (!out)
        return NULL;
    int k = 0;
    bool quoted = false;
    char *o = out;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        if (*p == '?' && !quoted)
            o += sprintf(o, "$%d", ++k);
        else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

static int pg_prepare(store *st, const char *sql, store_stmt **out)
{
    store_stmt *s = calloc(1, sizeof *s);
    if (!s || !(s->sql = renumber(sql))) {
        free(s);
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    }
    s->st = st;
    s->row = -1;
    *out = s;
    return RIGOR_OK;
}

static bool pg_has_table(store *st, const char *name)
{
    const char *p[1] = {name};
    PGresult *r = PQexecParams(st->db,
                               "SELECT 1 FROM information_schema.tables WHERE "
                               "table_schema = current_schema() AND table_name = $1",
                               1, NULL, p, NULL, NULL, 0);
    bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

static int set_param(store_stmt *s, int i, char *v)
{
    if (i < 1 || i > PG_MAX_PARAMS) {
        free(v);
        return store_fail(s->st, RIGOR_EINVAL, "parameter %d out of range", i);
    }
    if (i > s->cap) {
        int cap = s->cap ? s->cap : 16;
        while (cap < i)
            cap *= 2;
        char **nv = realloc(s->param, (size_t)cap * sizeof *nv);
        if (!nv) {
            free(v);
            return store_fail(s->st, RIGOR_ENOMEM, "out of memory");
        }
        memset(nv + s->cap, 0, (size_t)(cap - s->cap) * sizeof *nv);
        s->param = nv;
        s->cap = cap;
    }
    free(s->param[i - 1]);
    s->param[i - 1] = v;
    if (i > s->nparam)
        s->nparam = i;
    return RIGOR_OK;
}

static int pg_bind_text(store_stmt *s, int i, const char *v)
{
    char *c = NULL;
    if (v && !(c = strdup(v)))
        return store_fail(s->st, RIGOR_ENOMEM, "out of memory");
    return set_param(s, i, c);
}

static int pg_bind_int(store_stmt *s, int i, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return pg_bind_text(s, i, buf);
}

static int pg_bind_double(store_stmt *s, int i, double v)
{
    if (isnan(v))
        return set_param(s, i, NULL);
    char buf[40];
    if (isinf(v))
        snprintf(buf, sizeof buf, "%s", v > 0 ? "Infinity" : "-Infinity");
    else
        snprintf(buf, sizeof buf, "%.17g", v);
    return pg_bind_text(s, i, buf);
}

/* Statements prepared on the server by their SQL text: parsing and
 * planning the same few dozen statements for every run cost the server
 * more than executing them. Prepared statements belong to the session and
 * survive a rollback. When the table is full the rest run unprepared. */
#define PG_CACHE 128
typedef struct {
    char *sql[PG_CACHE];
    int n;
} pg_cache;

static void pg_cache_free(store *st)
{
    pg_cache *c = st->priv;
    for (int i = 0; c && i < c->n; i++)
        free(c->sql[i]);
    free(c);
    st->priv = NULL;
}

/* The name of the prepared statement for sql ("r<index>"), preparing it on
 * first use; "" when it is run unprepared. */
static int pg_prepared(store *st, const char *sql, int nparam, char name[16])
{
    name[0] = '\0';
    pg_cache *c = st->priv;
    if (!c && (c = st->priv = calloc(1, sizeof *c)) == NULL)
        return RIGOR_OK; /* no memory for the cache: unprepared */
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->sql[i], sql)) {
            snprintf(name, 16, "r%d", i);
            return RIGOR_OK;
        }
    if (c->n == PG_CACHE)
        return RIGOR_OK;
    char *copy = strdup(sql);
    if (!copy)
        return RIGOR_OK;
    snprintf(name, 16, "r%d", c->n);
    PGresult *r = PQprepare(st->db, name, sql, nparam, NULL);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? RIGOR_OK : translate(st, r, sql);
    PQclear(r);
    if (rc != RIGOR_OK) {
        free(copy);
        name[0] = '\0';
        return rc;
    }
    c->sql[c->n++] = copy;
    return RIGOR_OK;
}

static int pg_step(store_stmt *s)
{
    if (!s->res) {
        char name[16];
        int prc = pg_prepared(s->st, s->sql, s->nparam, name);
        if (prc != RIGOR_OK)
            return prc;
        if (name[0])
            s->res = PQexecPrepared(s->st->db, name, s->nparam, (const char *const *)s->param,
                                    NULL, NULL, 0);
        else
            s->res = PQexecParams(s->st->db, s->sql, s->nparam, NULL,
                                  (const char *const *)s->param, NULL, NULL, 0);
        ExecStatusType t = PQresultStatus(s->res);
        if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
            int e = translate(s->st, s->res, s->sql);
            PQclear(s->res);
            s->res = NULL;
            return e;
        }
    }
    s->row++;
    return s->row < PQntuples(s->res) ? 1 : 0;
}

static const char *pg_col_text(store_stmt *s, int i)
{
    return PQgetvalue(s->res, s->row, i); /* "" for NULL */
}

static int64_t pg_col_int(store_stmt *s, int i)
{
    return strtoll(PQgetvalue(s->res, s->row, i), NULL, 10);
}

static double pg_col_double(store_stmt *s, int i)
{
    if (PQgetisnull(s->res, s->row, i))
        return NAN;
    return strtod(PQgetvalue(s->res, s->row, i), NULL);
}

static bool pg_col_null(store_stmt *s, int i)
{
    return PQgetisnull(s->res, s->row, i);
}

static void pg_finalize(store_stmt *s)
{
    if (!s)
        return;
    PQclear(s->res);
    for (int i = 0; i < s->cap; i++)
        free(s->param[i]);
    free(s->param);
    free(s->sql);
    free(s);
}

const store_ops store_pg_ops = {
    .name = "postgresql",
    .id_column = "BIGSERIAL PRIMARY KEY",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .begin_write = pg_begin_write,
    .begin_read = pg_begin_read,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .has_table = pg_has_table,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_null = pg_col_null,
    .finalize = pg_finalize,
};
