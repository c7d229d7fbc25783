/* compliance.c — machine compliance tables; see compliance.h for the format. */
#include "compliance.h"

#include "../common/textfile.h"
#include "../common/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void compliance_free(compliance_table *t)
{
    if (!t)
        return;
    free(t->F_N);
    free(t->delta_m);
    t->F_N = t->delta_m = NULL;
    t->n = 0;
}

static bool is_sep(char c)
{
    return c == ',' || c == ';' || c == '\t' || c == ' ';
}

/* Unit text inside the first (...) or [...] of field [a, b); scale to SI of
 * the wanted dimension. Returns RIGOR_OK, or RIGOR_EUNIT with diag filled. */
static int header_unit(const char *a, const char *b, unit_dim want, double *scale,
                       const char *name, long line, long col, rigor_diag *diag)
{
    const char *o = NULL;
    for (const char *p = a; p < b; p++) {
        if (*p == '(' || *p == '[') {
            o = p + 1;
            break;
        }
    }
    if (!o)
        return RIGOR_OK; /* no unit given: keep the default */
    const char *c = o;
    while (c < b && *c != ')' && *c != ']')
        c++;
    char sym[32];
    size_t len = (size_t)(c - o);
    if (len >= sizeof sym)
        len = sizeof sym - 1;
    memcpy(sym, o, len);
    sym[len] = 0;
    unit_info u;
    if (!units_parse(sym, &u) || u.dim != want) {
        rigor_diag_set(diag, name, line, col + (long)(o - a),
                     "unit \"%s\" is not a %s unit", sym, units_dim_name(want));
        return RIGOR_EUNIT;
    }
    *scale = u.scale;
    return RIGOR_OK;
}

int compliance_parse(const char *text, const char *name, compliance_table *t, rigor_diag *diag)
{
    memset(t, 0, sizeof *t);
    double fs = 1.0, ds = 1e-3; /* default units N and mm */
    size_t cap = 0;
    long line = 0;
    bool seen_row = false, seen_header = false;
    const char *p = text;
    int rc = RIGOR_OK;

    while (*p) {
        const char *eol = p;
        while (*eol && *eol != '\n')
            eol++;
        line++;
        const char *end = eol;
        if (end > p && end[-1] == '\r')
            end--;
        for (const char *h = p; h < end; h++) {
            if (*h == '#') {
                end = h;
                break;
            }
        }
        const char *q = p;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q == end)
            goto next;

        /* Split into fields. */
        const char *fa[3], *fb[3];
        int nf = 0;
        const char *r = q;
        while (r < end && nf < 3) {
            while (r < end && is_sep(*r))
                r++;
            if (r >= end)
                break;
            fa[nf] = r;
            if (!seen_row && !seen_header) {
                /* a header field may contain spaces: it ends at , ; or tab */
                while (r < end && *r != ',' && *r != ';' && *r != '\t')
                    r++;
            } else {
                while (r < end && !is_sep(*r))
                    r++;
            }
            fb[nf++] = r;
        }
        if (nf == 0) /* only separators (",,,"): a blank line */
            goto next;
        char *num_end;
        errno = 0;
        double f = strtod(fa[0], &num_end);
        bool numeric = num_end != fa[0];
        if (!numeric && !seen_row && !seen_header) {
            /* A header line: optional units for the two columns. */
            seen_header = true;
            if (nf < 2) {
                rigor_diag_set(diag, name, line, fa[0] - p + 1,
                             "expected a header with two columns (force, deflection) separated by a comma, semicolon or tab");
                rc = RIGOR_EPARSE;
                goto fail;
            }
            if ((rc = header_unit(fa[0], fb[0], DIM_FORCE, &fs, name, line, fa[0] - p + 1,
                                  diag)))
                goto fail;
            if ((rc = header_unit(fa[1], fb[1], DIM_LENGTH, &ds, name, line, fa[1] - p + 1,
                                  diag)))
                goto fail;
            goto next;
        }
        if (!seen_row && !seen_header) {
            /* no header: re-split with the data rule (spaces separate) */
            nf = 0;
            r = q;
            while (r < end && nf < 3) {
                while (r < end && is_sep(*r))
                    r++;
                if (r >= end)
                    break;
                fa[nf] = r;
                while (r < end && !is_sep(*r))
                    r++;
                fb[nf++] = r;
            }
        }
        if (!numeric || num_end != fb[0] || !isfinite(f)) {
            rigor_diag_set(diag, name, line, fa[0] - p + 1, "expected a force value (number)");
            rc = RIGOR_EPARSE;
            goto fail;
        }
        if (nf < 2) {
            rigor_diag_set(diag, name, line, end - p + 1,
                         "expected a second column: the machine deflection");
            rc = RIGOR_EPARSE;
            goto fail;
        }
        double dv = strtod(fa[1], &num_end);
        if (num_end != fb[1] || !isfinite(dv)) {
            rigor_diag_set(diag, name, line, fa[1] - p + 1, "expected a deflection value (number)");
            rc = RIGOR_EPARSE;
            goto fail;
        }
        if (nf > 2) {
            rigor_diag_set(diag, name, line, fa[2] - p + 1,
                         "unexpected third column: a row is force and deflection");
            rc = RIGOR_EPARSE;
            goto fail;
        }
        f = fabs(f) * fs;
        dv = fabs(dv) * ds;
        if (t->n && !(f > t->F_N[t->n - 1])) {
            rigor_diag_set(diag, name, line, fa[0] - p + 1,
                         "forces must strictly increase (%.6g N after %.6g N)", f,
                         t->F_N[t->n - 1]);
            rc = RIGOR_EPARSE;
            goto fail;
        }
        if (t->n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            double *a = realloc(t->F_N, nc * sizeof *a);
            if (!a) {
                rc = RIGOR_ENOMEM;
                goto fail;
            }
            t->F_N = a;
            double *b = realloc(t->delta_m, nc * sizeof *b);
            if (!b) {
                rc = RIGOR_ENOMEM;
                goto fail;
            }
            t->delta_m = b;
            cap = nc;
        }
        t->F_N[t->n] = f;
        t->delta_m[t->n] = dv;
        t->n++;
        seen_row = true;
    next:
        p = *eol ? eol + 1 : eol;
    }
    if (t->n < 2) {
        rigor_diag_set(diag, name, 0, 0, "a compliance table needs at least 2 rows, found %zu",
                     t->n);
        rc = RIGOR_EPARSE;
        goto fail;
    }
    return RIGOR_OK;
fail:
    compliance_free(t);
    return rc;
}

int compliance_load(const char *path, compliance_table *t, rigor_diag *diag)
{
    memset(t, 0, sizeof *t);
    char *buf;
    size_t n;
    int rc = textfile_read(path, "the compliance file", (size_t)64 << 20, 0, &buf, &n, diag);
    if (rc != RIGOR_OK)
        return rc;
    rc = compliance_parse(buf, path, t, diag);
    free(buf);
    return rc;
}

double compliance_deflection(const compliance_table *t, double F_N)
{
    if (!t || t->n < 2 || !isfinite(F_N))
        return NAN;
    double F = fabs(F_N);
    size_t i = 0;
    if (F >= t->F_N[t->n - 1])
        i = t->n - 2;
    else if (F > t->F_N[0]) {
        size_t lo = 0, hi = t->n - 1; /* F_N[lo] < F <= F_N[hi] */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (t->F_N[mid] < F)
                lo = mid;
            else
                hi = mid;
        }
        i = lo;
    }
    double f = (F - t->F_N[i]) / (t->F_N[i + 1] - t->F_N[i]);
    return t->delta_m[i] + f * (t->delta_m[i + 1] - t->delta_m[i]);
}
