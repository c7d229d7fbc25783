/* curve.c — storage for recorded test data; see curve.h. */
#include "curve.h"

#include "../common/bigmem.h"
#include "../common/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int curve_new(unsigned role_mask, curve **out)
{
    curve *c = calloc(1, sizeof *c);
    if (!c)
        return RIGOR_ENOMEM;
    curve_geom_clear(&c->geom);
    for (int r = 0; r < CURVE_NROLES; r++) {
        if (role_mask & (1u << r)) {
            int rc = curve_add_channel(c, (curve_role)r);
            if (rc) {
                curve_free(c);
                return rc;
            }
        }
    }
    *out = c;
    return RIGOR_OK;
}

void curve_free(curve *c)
{
    if (!c)
        return;
    for (int r = 0; r < CURVE_NROLES; r++)
        free(c->ch[r]);
    free(c->xhead);
    for (size_t i = 0; i < c->nmeta; i++) {
        free(c->meta[i].key);
        free(c->meta[i].value);
        free(c->meta[i].unit);
    }
    free(c->meta);
    for (size_t i = 0; i < c->nnotes; i++)
        free(c->notes[i]);
    free(c->notes);
    free(c);
}

int curve_add_channel(curve *c, curve_role role)
{
    if (role < 0 || role >= CURVE_NROLES)
        return RIGOR_EINVAL;
    if (c->ch[role])
        return RIGOR_OK;
    size_t cap = c->cap ? c->cap : 256;
    double *a = bigmem_alloc(cap * sizeof *a);
    if (!a)
        return RIGOR_ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        a[i] = NAN;
    c->ch[role] = a;
    if (!c->cap)
        c->cap = cap;
    return RIGOR_OK;
}

int curve_add_xhead(curve *c)
{
    if (c->xhead)
        return RIGOR_OK;
    size_t cap = c->cap ? c->cap : 256;
    double *a = bigmem_alloc(cap * sizeof *a);
    if (!a)
        return RIGOR_ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        a[i] = NAN;
    c->xhead = a;
    if (!c->cap)
        c->cap = cap;
    return RIGOR_OK;
}

bool curve_has(const curve *c, curve_role role)
{
    return role >= 0 && role < CURVE_NROLES && c->ch[role] != NULL;
}

int curve_check_finite(const curve *c, curve_role r, const char *what, char *why, size_t wl)
{
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(c->ch[r][i])) {
            snprintf(why, wl, "%s of sample %zu is not a finite number", what, i + 1);
            return RIGOR_ENODATA;
        }
    }
    return RIGOR_OK;
}

int curve_append(curve *c, const double row[CURVE_NROLES])
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        /* Grow every present channel; on failure the curve stays consistent
         * because cap is only raised after all reallocations succeeded. */
        for (int r = 0; r < CURVE_NROLES; r++) {
            if (!c->ch[r])
                continue;
            double *a = bigmem_realloc(c->ch[r], ncap * sizeof *a);
            if (!a)
                return RIGOR_ENOMEM;
            c->ch[r] = a;
        }
        if (c->xhead) {
            double *a = bigmem_realloc(c->xhead, ncap * sizeof *a);
            if (!a)
                return RIGOR_ENOMEM;
            c->xhead = a;
        }
        c->cap = ncap;
    }
    for (int r = 0; r < CURVE_NROLES; r++)
        if (c->ch[r])
            c->ch[r][c->n] = row[r];
    if (c->xhead)
        c->xhead[c->n] = NAN;
    c->n++;
    return RIGOR_OK;
}

int curve_reserve(curve *c, size_t n)
{
    if (n <= c->cap)
        return RIGOR_OK;
    for (int r = 0; r < CURVE_NROLES; r++) {
        if (!c->ch[r])
            continue;
        double *a = bigmem_realloc(c->ch[r], n * sizeof *a);
        if (!a)
            return RIGOR_ENOMEM; /* cap unchanged: the grown channels are merely larger */
        c->ch[r] = a;
    }
    if (c->xhead) {
        double *a = bigmem_realloc(c->xhead, n * sizeof *a);
        if (!a)
            return RIGOR_ENOMEM;
        c->xhead = a;
    }
    c->cap = n;
    return RIGOR_OK;
}

void curve_push_reserved(curve *c, const double row[CURVE_NROLES])
{
    for (int r = 0; r < CURVE_NROLES; r++)
        if (c->ch[r])
            c->ch[r][c->n] = row[r];
    if (c->xhead)
        c->xhead[c->n] = NAN;
    c->n++;
}

static char *dup_or_empty(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int curve_meta_add(curve *c, const char *key, const char *value, const char *unit)
{
    curve_meta *m = realloc(c->meta, (c->nmeta + 1) * sizeof *m);
    if (!m)
        return RIGOR_ENOMEM;
    c->meta = m;
    curve_meta *e = &m[c->nmeta];
    e->key = dup_or_empty(key);
    e->value = dup_or_empty(value);
    e->unit = dup_or_empty(unit);
    if (!e->key || !e->value || !e->unit) {
        free(e->key);
        free(e->value);
        free(e->unit);
        return RIGOR_ENOMEM;
    }
    c->nmeta++;
    return RIGOR_OK;
}

const curve_meta *curve_meta_find(const curve *c, const char *key)
{
    for (size_t i = 0; i < c->nmeta; i++)
        if (strcasecmp(c->meta[i].key, key) == 0)
            return &c->meta[i];
    return NULL;
}

int curve_note(curve *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **v = realloc(c->notes, (c->nnotes + 1) * sizeof *v);
    if (!v)
        return RIGOR_ENOMEM;
    c->notes = v;
    v[c->nnotes] = dup_or_empty(buf);
    if (!v[c->nnotes])
        return RIGOR_ENOMEM;
    c->nnotes++;
    return RIGOR_OK;
}

void curve_geom_clear(curve_geom *g)
{
    g->width_m = g->thickness_m = g->diameter_m = NAN;
    g->area_m2 = g->gauge_m = g->height_m = NAN;
}

double curve_geom_area(const curve_geom *g)
{
    if (isfinite(g->area_m2))
        return g->area_m2;
    if (isfinite(g->width_m) && isfinite(g->thickness_m))
        return g->width_m * g->thickness_m;
    if (isfinite(g->diameter_m))
        return M_PI * g->diameter_m * g->diameter_m / 4.0;
    return NAN;
}

int curve_list_push(curve_list *l, curve *c)
{
    curve **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return RIGOR_ENOMEM;
    l->v = v;
    v[l->n++] = c;
    return RIGOR_OK;
}

void curve_list_free(curve_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        curve_free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
