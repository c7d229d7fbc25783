/* backend.h — the ops table a store backend fills (private to store/).
 *
 * store.c holds the schema, the audit chain and every query once, in SQL
 * both SQLite and PostgreSQL accept; a backend only runs statements. SQL
 * uses '?' for parameters (the PostgreSQL backend renumbers them $1, $2...)
 * and "@ID@" in DDL for an auto-numbered primary key. Values cross the
 * seam as text, int64 or double; a NAN double is bound as NULL and a NULL
 * column reads as NAN, so the store's canonical text is the same whatever
 * the backend. Each backend translates its library's codes into rigor_err
 * in one place and writes the reason with store_fail().
 */
#ifndef RIGOR_STORE_BACKEND_H
#define RIGOR_STORE_BACKEND_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct store_stmt store_stmt;

typedef struct {
    const char *name;      /* "sqlite", "postgresql" */
    const char *id_column; /* DDL for an auto-numbered primary key */
    int (*open)(store *st, const char *target, const store_cfg *cfg);
    void (*close)(store *st);
    int (*exec)(store *st, const char *sql); /* no parameters; one or more statements */
    /* A write transaction that holds the store's writer lock until commit
     * or rollback, so that audit entries are appended one after another. */
    int (*begin_write)(store *st);
    int (*begin_read)(store *st); /* one consistent snapshot for a query */
    int (*commit)(store *st);
    int (*rollback)(store *st);
    bool (*has_table)(store *st, const char *name);
    int (*prepare)(store *st, const char *sql, store_stmt **out);
    int (*bind_text)(store_stmt *s, int i, const char *v); /* 1-based; NULL binds NULL */
    int (*bind_int)(store_stmt *s, int i, int64_t v);
    int (*bind_double)(store_stmt *s, int i, double v); /* NAN binds NULL */
    int (*step)(store_stmt *s);                         /* 1 a row, 0 done, < 0 error */
    const char *(*col_text)(store_stmt *s, int i);      /* 0-based; "" for NULL */
    int64_t (*col_int)(store_stmt *s, int i);
    double (*col_double)(store_stmt *s, int i); /* NAN for NULL */
    bool (*col_null)(store_stmt *s, int i);
    void (*finalize)(store_stmt *s); /* NULL safe */
} store_ops;

struct store {
    const store_ops *ops;
    store_backend kind;
    void *db; /* the backend's connection */
    char target[1024];
    char err[1024]; /* last failure */
    int busy_timeout_ms;
    bool readonly;
    bool in_batch; /* store_batch_begin: writes are savepoints */
    void *priv;    /* the backend's own state (statement cache) */
    /* The last audit entry, known while this writer holds the lock (one
     * query less per entry); saved at each savepoint of a batch. */
    bool tail_valid, saved_valid;
    int64_t tail_seq, saved_seq;
    char tail_sha[65], saved_sha[65];
};

/* Record the reason of a failure in st->err; returns code. */
int store_fail(store *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

extern const store_ops store_sqlite_ops;
extern const store_ops store_pg_ops;

#endif
