/* json.h — a minimal streaming JSON writer for Rigor's machine-readable output.
 *
 * Results are emitted, never parsed, so a writer that tracks commas and
 * escapes strings is all we need (no dependency for ~100 lines). Non-finite
 * doubles are written as null, since JSON has no NaN.
 */
#ifndef RIGOR_JSON_H
#define RIGOR_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct {
    FILE *out;
    int depth;
    bool first[JSON_MAX_DEPTH]; /* no element written yet at this depth */
    bool after_key;             /* a key was just written; next value follows ':' */
    bool pretty;                /* newline + indent between elements */
} json_writer;

void json_init(json_writer *w, FILE *out, bool pretty);
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
void json_key(json_writer *w, const char *key);
void json_string(json_writer *w, const char *s); /* NULL writes null */
void json_number(json_writer *w, double v);      /* NaN/inf write null */
void json_int(json_writer *w, long long v);
void json_bool(json_writer *w, bool v);
void json_null(json_writer *w);

/* Shorthands for "key": value. */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_number(json_writer *w, const char *key, double v);
void json_kv_int(json_writer *w, const char *key, long long v);
void json_kv_bool(json_writer *w, const char *key, bool v);

#endif
