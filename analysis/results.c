/* results.c — storage for result sets; see results.h. */
#include "results.h"

#include "../common/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void results_init(result_set *rs)
{
    memset(rs, 0, sizeof *rs);
}

void results_clear(result_set *rs)
{
    free(rs->method);
    free(rs->results);
    free(rs->stages);
    for (size_t i = 0; i < rs->nnotes; i++)
        free(rs->notes[i]);
    free(rs->notes);
    free(rs->note_kind);
    results_tables_free(rs);
    results_init(rs);
}

/* Find key in the array or append a new slot; NULL on allocation failure. */
static result_value *slot(result_value **arr, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*arr)[i].key, key))
            return &(*arr)[i];
    result_value *a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return NULL;
    *arr = a;
    result_value *v = &a[(*n)++];
    memset(v, 0, sizeof *v);
    snprintf(v->key, sizeof v->key, "%s", key);
    return v;
}

static int set_num(result_value **arr, size_t *n, const char *key, rv_kind k, double a, double b)
{
    result_value *v = slot(arr, n, key);
    if (!v)
        return RIGOR_ENOMEM;
    v->kind = k;
    v->v[0] = a;
    v->v[1] = b;
    return RIGOR_OK;
}

static int set_str(result_value **arr, size_t *n, const char *key, const char *s)
{
    result_value *v = slot(arr, n, key);
    if (!v)
        return RIGOR_ENOMEM;
    v->kind = RV_STRING;
    snprintf(v->s, sizeof v->s, "%s", s ? s : "");
    return RIGOR_OK;
}

int results_number(result_set *rs, const char *key, double v)
{
    return set_num(&rs->results, &rs->nresults, key, RV_NUMBER, v, NAN);
}

int results_pair(result_set *rs, const char *key, double a, double b)
{
    return set_num(&rs->results, &rs->nresults, key, RV_PAIR, a, b);
}

int results_string(result_set *rs, const char *key, const char *s)
{
    return set_str(&rs->results, &rs->nresults, key, s);
}

int results_method_number(result_set *rs, const char *key, double v)
{
    return set_num(&rs->method, &rs->nmethod, key, RV_NUMBER, v, NAN);
}

int results_method_pair(result_set *rs, const char *key, double a, double b)
{
    return set_num(&rs->method, &rs->nmethod, key, RV_PAIR, a, b);
}

int results_method_string(result_set *rs, const char *key, const char *s)
{
    return set_str(&rs->method, &rs->nmethod, key, s);
}

int results_method_bool(result_set *rs, const char *key, int v)
{
    return set_num(&rs->method, &rs->nmethod, key, RV_BOOL, v ? 1 : 0, NAN);
}

int results_add_stage(result_set *rs, const result_stage *st)
{
    result_stage *a = realloc(rs->stages, (rs->nstages + 1) * sizeof *a);
    if (!a)
        return RIGOR_ENOMEM;
    rs->stages = a;
    a[rs->nstages++] = *st;
    return RIGOR_OK;
}

static int add_note(result_set *rs, result_note_kind kind, const char *prefix, const char *fmt,
                    va_list ap)
{
    char buf[512];
    size_t pl = strlen(prefix);
    memcpy(buf, prefix, pl + 1);
    vsnprintf(buf + pl, sizeof buf - pl, fmt, ap);
    char **v = realloc(rs->notes, (rs->nnotes + 1) * sizeof *v);
    if (!v)
        return RIGOR_ENOMEM;
    rs->notes = v;
    unsigned char *k = realloc(rs->note_kind, (rs->nnotes + 1) * sizeof *k);
    if (!k)
        return RIGOR_ENOMEM;
    rs->note_kind = k;
    size_t len = strlen(buf) + 1;
    v[rs->nnotes] = malloc(len);
    if (!v[rs->nnotes])
        return RIGOR_ENOMEM;
    memcpy(v[rs->nnotes], buf, len);
    k[rs->nnotes++] = (unsigned char)kind;
    return RIGOR_OK;
}

int results_note(result_set *rs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_note(rs, RN_INFO, "", fmt, ap);
    va_end(ap);
    return rc;
}

int results_warn(result_set *rs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_note(rs, RN_WARNING, "WARNING: ", fmt, ap);
    va_end(ap);
    return rc;
}

bool results_note_is_warning(const result_set *rs, size_t i)
{
    return i < rs->nnotes && rs->note_kind && rs->note_kind[i] == RN_WARNING;
}

size_t results_drop_notes(result_set *rs, const char *prefix)
{
    size_t pl = strlen(prefix), k = 0, dropped = 0;
    for (size_t i = 0; i < rs->nnotes; i++) {
        if (!strncmp(rs->notes[i], prefix, pl)) {
            free(rs->notes[i]);
            dropped++;
            continue;
        }
        rs->notes[k] = rs->notes[i];
        if (rs->note_kind)
            rs->note_kind[k] = rs->note_kind[i];
        k++;
    }
    rs->nnotes = k;
    return dropped;
}

bool results_has_warning(const result_set *rs)
{
    for (size_t i = 0; i < rs->nnotes; i++)
        if (results_note_is_warning(rs, i))
            return true;
    return false;
}

const result_value *results_find(const result_set *rs, const char *key)
{
    for (size_t i = 0; i < rs->nresults; i++)
        if (!strcmp(rs->results[i].key, key))
            return &rs->results[i];
    return NULL;
}

const result_value *results_find_method(const result_set *rs, const char *key)
{
    for (size_t i = 0; i < rs->nmethod; i++)
        if (!strcmp(rs->method[i].key, key))
            return &rs->method[i];
    return NULL;
}

double results_get(const result_set *rs, const char *key)
{
    const result_value *v = results_find(rs, key);
    return v && v->kind != RV_STRING ? v->v[0] : NAN;
}
