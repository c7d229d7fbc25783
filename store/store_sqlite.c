/* store_sqlite.c — the embedded store backend: one SQLite file in WAL mode.
 *
 * WAL lets readers (rigor db query) run while one writer appends; a writer
 * takes the database's write lock at BEGIN IMMEDIATE, so two writers never
 * interleave audit entries, and waits busy_timeout_ms for another writer
 * before giving up with RIGOR_ETIMEOUT ("locked"). synchronous=NORMAL in
 * WAL mode keeps every committed transaction across a crash of Rigor; a
 * power loss can lose the last ones but never corrupts the file (SQLite
 * documentation, "WAL mode"), and the run file stays the record of the test.
 * temp_store=MEMORY keeps the statement journals of savepoints (one per run
 * inside an import batch) in memory instead of two temporary files each.
 * SQLite result codes are translated into rigor_err here only (translate).
 */
#include "backend.h"

#include "../common/error.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h> /* the only file that includes it */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct store_stmt {
    store *st;
    sqlite3_stmt *s;
    int slot; /* index in the cache, -1 when not cached */
};

/* Prepared statements kept by their SQL text: the store runs the same few
 * dozen statements for every run, and preparing one costs more than
 * running it. A cached statement is reset, not finalised, when done. */
#define SQ_CACHE 48
typedef struct {
    char *sql[SQ_CACHE];
    store_stmt *stmt[SQ_CACHE];
    bool busy[SQ_CACHE];
    int next; /* slot replaced next when all are taken */
} sq_cache;

/* The one translation of SQLite's primary result codes. */
static int translate(store *st, int rc, const char *what)
{
    int sys = errno; /* before anything else can change it */
    sqlite3 *db = st->db;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return RIGOR_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return store_fail(st, RIGOR_ETIMEOUT,
                          "%s: the store is locked by another writer (waited %d ms): %s",
                          st->target, st->busy_timeout_ms, what);
    case SQLITE_FULL:
        return store_fail(st, RIGOR_EFULL, "%s: the disk or database is full: %s", st->target,
                          what);
    case SQLITE_NOMEM: return store_fail(st, RIGOR_ENOMEM, "out of memory: %s", what);
    case SQLITE_CONSTRAINT:
        return store_fail(st, RIGOR_EEXIST, "%s: %s: %s", st->target, what, msg);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return store_fail(st, RIGOR_EIO, "%s: not a Rigor store (or damaged): %s", st->target,
                          msg);
    case SQLITE_IOERR:
        /* A write refused for room (no space, quota, file size limit) is
         * "full". SQLite keeps the failing write's errno only in its file
         * object, so it is read here, right after the failed call. */
        if (sys == ENOSPC || sys == EFBIG || sys == EDQUOT ||
            (db && sqlite3_system_errno(db) == ENOSPC))
            return store_fail(st, RIGOR_EFULL, "%s: the disk or database is full (%s): %s",
                              st->target, strerror(sys ? sys : ENOSPC), what);
        /* fall through */
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return store_fail(st, RIGOR_EIO, "%s: cannot open or write the store: %s", st->target,
                          msg);
    default: return store_fail(st, RIGOR_EIO, "%s: %s: %s", st->target, what, msg);
    }
}

/* mkdir -p of the folder that will hold path. */
static int make_parent(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static int sq_exec(store *st, const char *sql)
{
    char *msg = NULL;
    errno = 0; /* translate reads the errno of this call's failure */
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    return translate(st, rc, sql);
}

static int sq_open(store *st, const char *target, const store_cfg *cfg)
{
    sqlite3 *db = NULL;
    int flags =
        cfg->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (!cfg->readonly && make_parent(target) != 0)
        return store_fail(st, RIGOR_EIO, "%s: cannot create its folder: %s", target,
                          strerror(errno));
    int rc = sqlite3_open_v2(target, &db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
    st->db = db;
    if (rc != SQLITE_OK) {
        int e = translate(st, rc, "open");
        sqlite3_close(db);
        st->db = NULL;
        return e;
    }
    sqlite3_busy_timeout(db, st->busy_timeout_ms);
    sqlite3_extended_result_codes(db, 0);
    /* Reading the header tells a non-database file before anything is written. */
    rc = sq_exec(st, "SELECT count(*) FROM sqlite_master");
    if (rc == RIGOR_OK && !cfg->readonly)
        rc = sq_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                         "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY");
    if (rc != RIGOR_OK) {
        sqlite3_close(db);
        st->db = NULL;
    }
    return rc;
}

static void sq_close(store *st)
{
    sq_cache *c = st->priv;
    for (int i = 0; c && i < SQ_CACHE; i++) {
        if (c->stmt[i]) {
            sqlite3_finalize(c->stmt[i]->s);
            free(c->stmt[i]);
        }
        free(c->sql[i]);
    }
    free(c);
    st->priv = NULL;
    if (st->db)
        sqlite3_close(st->db);
    st->db = NULL;
}

/* IMMEDIATE: the write lock is taken now, before the transaction reads the
 * last audit entry, so no other writer can append in between. */
static int sq_begin_write(store *st)
{
    return sq_exec(st, "BEGIN IMMEDIATE");
}
static int sq_begin_read(store *st)
{
    return sq_exec(st, "BEGIN");
}
static int sq_commit(store *st)
{
    return sq_exec(st, "COMMIT");
}
static int sq_rollback(store *st)
{
    if (sqlite3_get_autocommit(st->db))
        return RIGOR_OK;
    return sq_exec(st, "ROLLBACK");
}

static int sq_prepare(store *st, const char *sql, store_stmt **out)
{
    sq_cache *c = st->priv;
    if (!c && (c = st->priv = calloc(1, sizeof *c)) == NULL)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    for (int i = 0; i < SQ_CACHE; i++)
        if (c->sql[i] && !c->busy[i] && !strcmp(c->sql[i], sql)) {
            c->busy[i] = true;
            *out = c->stmt[i];
            return RIGOR_OK;
        }
    store_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return store_fail(st, RIGOR_ENOMEM, "out of memory");
    s->st = st;
    s->slot = -1;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s->s, NULL);
    if (rc != SQLITE_OK) {
        free(s);
        return translate(st, rc, sql);
    }
    /* Cache it in a free slot (or replace an idle one); busy ones stay. */
    for (int k = 0; k < SQ_CACHE; k++) {
        int i = (c->next + k) % SQ_CACHE;
        if (c->busy[i])
            continue;
        char *copy = strdup(sql);
        if (!copy)
            break;
        if (c->stmt[i]) {
            sqlite3_finalize(c->stmt[i]->s);
            free(c->stmt[i]);
        }
        free(c->sql[i]);
        c->sql[i] = copy;
        c->stmt[i] = s;
        c->busy[i] = true;
        s->slot = i;
        c->next = (i + 1) % SQ_CACHE;
        break;
    }
    *out = s;
    return RIGOR_OK;
}

static void sq_finalize(store_stmt *s);

static bool sq_has_table(store *st, const char *name)
{
    store_stmt *s = NULL;
    if (sq_prepare(st, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", &s) || !s)
        return false;
    sqlite3_bind_text(s->s, 1, name, -1, SQLITE_TRANSIENT);
    bool yes = sqlite3_step(s->s) == SQLITE_ROW;
    sq_finalize(s);
    return yes;
}

static int sq_bind_text(store_stmt *s, int i, const char *v)
{
    int rc =
        v ? sqlite3_bind_text(s->s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->s, i);
    return translate(s->st, rc, "bind");
}

static int sq_bind_int(store_stmt *s, int i, int64_t v)
{
    return translate(s->st, sqlite3_bind_int64(s->s, i, v), "bind");
}

static int sq_bind_double(store_stmt *s, int i, double v)
{
    int rc = isnan(v) ? sqlite3_bind_null(s->s, i) : sqlite3_bind_double(s->s, i, v);
    return translate(s->st, rc, "bind");
}

static int sq_step(store_stmt *s)
{
    errno = 0; /* translate reads the errno of this call's failure */
    int rc = sqlite3_step(s->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    int e = translate(s->st, rc, sqlite3_sql(s->s));
    return e < 0 ? e : RIGOR_EIO;
}

static const char *sq_col_text(store_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s->s, i);
    return t ? (const char *)t : "";
}

static int64_t sq_col_int(store_stmt *s, int i)
{
    return sqlite3_column_int64(s->s, i);
}

static double sq_col_double(store_stmt *s, int i)
{
    if (sqlite3_column_type(s->s, i) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(s->s, i);
}

static bool sq_col_null(store_stmt *s, int i)
{
    return sqlite3_column_type(s->s, i) == SQLITE_NULL;
}

static void sq_finalize(store_stmt *s)
{
    if (!s)
        return;
    if (s->slot >= 0) {
        sq_cache *c = s->st->priv;
        sqlite3_reset(s->s);
        sqlite3_clear_bindings(s->s);
        c->busy[s->slot] = false;
        return;
    }
    sqlite3_finalize(s->s);
    free(s);
}

const store_ops store_sqlite_ops = {
    .name = "sqlite",
    .id_column = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .begin_write = sq_begin_write,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .has_table = sq_has_table,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_null = sq_col_null,
    .finalize = sq_finalize,
};
