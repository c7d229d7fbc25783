/* figures.c — the figures of `rigor analyze --plot` and the HTML report.
 *
 * Drawing is analysis/plot.c's (PLplot); this file pairs the kept arrays
 * with the analysed records, names the summary figure, and writes the report
 * as one self-contained HTML file: the figures are PLplot's own SVG output
 * inlined (XML prolog dropped, ids made unique per figure), so the file
 * needs nothing beside it and still has selectable text.
 */
#include "figures.h"

#include "commands.h" /* RIGOR_VERSION */

#include "../analysis/plot.h"
#include "../analysis/prepare.h"
#include "../analysis/rstats.h"
#include "../common/error.h"
#include "../common/sha256.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    double *eps; /* strain, ratio, results' frame; NULL when not available */
    double *sig; /* stress, Pa */
    size_t n;
} fig_entry;

struct figures {
    fig_entry *v;
    size_t n, cap;
};

int figures_new(figures **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? RIGOR_OK : RIGOR_ENOMEM;
}

void figures_free(figures *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].eps);
        free(f->v[i].sig);
    }
    free(f->v);
    free(f);
}

int figures_add(figures *f, const curve *c, const analysis_opts *o, const result_set *rs)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        fig_entry *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return RIGOR_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    fig_entry *e = &f->v[f->n++];
    memset(e, 0, sizeof *e);
    char why[256] = "";
    int rc = analysis_curve_arrays(c, o, rs, &e->eps, &e->sig, &e->n, why, sizeof why);
    if (rc == RIGOR_ENOMEM) {
        f->n--; /* the caller drops the record too: keep them aligned */
        return rc;
    }
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor: %s: no curve to plot: %s\n", c->file, why);
        e->eps = e->sig = NULL;
        e->n = 0;
    }
    return RIGOR_OK;
}

int figures_add_none(figures *f)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        fig_entry *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return RIGOR_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    memset(&f->v[f->n++], 0, sizeof f->v[0]);
    return RIGOR_OK;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const char *label_of(const analysed *a)
{
    return a->specimen[0] ? a->specimen : base_name(a->file);
}

static void series_of(const figures *f, const analysed *a, size_t i, plot_series *s)
{
    s->label = label_of(&a[i]);
    s->strain = f->v[i].eps;
    s->stress_Pa = f->v[i].sig;
    s->n = f->v[i].n;
    s->rs = &a[i].rs;
}

static void title_of(const analysed *a, size_t n, char *t, size_t len)
{
    if (n == 1)
        snprintf(t, len, "Specimen %.120s — %s test (%.120s)", label_of(a), a->rs.test,
                 base_name(a->file));
    else
        snprintf(t, len, "%zu specimens — %s test", n, a->rs.test);
}

/* "dir/out.svg" -> "dir/out-summary.svg" */
static void summary_path(const char *path, char *out, size_t len)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        dot = path + strlen(path);
    snprintf(out, len, "%.*s-summary%s", (int)(dot - path), path, dot);
}

static int plot_batch(const figures *f, const analysed *a, size_t n, const char *path,
                      char *why, size_t wl)
{
    plot_series *s = calloc(n ? n : 1, sizeof *s);
    if (!s)
        return RIGOR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        series_of(f, a, i, &s[i]);
    char title[300];
    title_of(a, n, title, sizeof title);
    int rc = plot_curves(path, title, s, n, why, wl);
    free(s);
    return rc;
}

static int plot_stats(const analysed *a, size_t n, const char *path, char *why, size_t wl)
{
    const result_set **rs = calloc(n ? n : 1, sizeof *rs);
    if (!rs)
        return RIGOR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        rs[i] = &a[i].rs;
    char title[300];
    snprintf(title, sizeof title, "Summary of %zu specimens — %s test", n, a->rs.test);
    int rc = plot_summary(path, title, rs, n, why, wl);
    free(rs);
    return rc;
}

int figures_plot(const figures *f, const analysed *a, size_t n, const char *path, char *why,
                 size_t wl)
{
    if (n == 0 || f->n < n) {
        snprintf(why, wl, "%s: nothing to plot: no specimen was analysed", path);
        return RIGOR_ENODATA;
    }
    int rc = plot_batch(f, a, n, path, why, wl);
    if (rc != RIGOR_OK || n < 2)
        return rc;
    char sp[1100];
    summary_path(path, sp, sizeof sp);
    return plot_stats(a, n, sp, why, wl);
}

/* ---- HTML report ---------------------------------------------------------- */

static void html(FILE *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '&': fputs("&amp;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
    }
}

static void num(FILE *o, double v)
{
    if (isfinite(v))
        fprintf(o, "%.5g", v);
    else
        fputs("—", o);
}

static void value(FILE *o, const result_value *v)
{
    switch (v->kind) {
    case RV_NUMBER: num(o, v->v[0]); break;
    case RV_PAIR:
        num(o, v->v[0]);
        fputs(" … ", o);
        num(o, v->v[1]);
        break;
    case RV_BOOL: fputs(v->v[0] != 0 ? "yes" : "no", o); break;
    case RV_STRING: html(o, v->s); break;
    }
}

/* Render one figure to a temporary SVG and copy it inline, with its ids
 * prefixed by "f<k>-" so several figures can share one HTML document. */
static int inline_svg(FILE *o, int k, int (*draw)(const char *tmp, void *ctx), void *ctx,
                      char *why, size_t wl)
{
    const char *dir = getenv("TMPDIR");
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/rigor-fig-XXXXXX.svg", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(tmp, 4);
    if (fd < 0) {
        snprintf(why, wl, "cannot create a temporary file in %s: %s", dir ? dir : "/tmp",
                 strerror(errno));
        return RIGOR_EIO;
    }
    close(fd);
    int rc = draw(tmp, ctx);
    if (rc == RIGOR_OK) {
        FILE *in = fopen(tmp, "rb");
        char *buf = NULL;
        size_t len = 0;
        if (in) {
            fseek(in, 0, SEEK_END);
            long sz = ftell(in);
            fseek(in, 0, SEEK_SET);
            buf = sz >= 0 ? malloc((size_t)sz + 1) : NULL;
            if (buf) {
                len = fread(buf, 1, (size_t)sz, in);
                buf[len] = '\0';
            }
            fclose(in);
        }
        char *start = buf ? strstr(buf, "<svg") : NULL;
        if (!start) {
            snprintf(why, wl, "the figure could not be read back from %s", tmp);
            rc = RIGOR_EIO;
        } else {
            static const char id[] = "text-clipping";
            fputs("<div class=\"fig\">", o);
            for (char *p = start; *p;) {
                char *hit = strstr(p, id);
                if (!hit) {
                    fputs(p, o);
                    break;
                }
                fwrite(p, 1, (size_t)(hit - p), o);
                fprintf(o, "f%d-clip", k);
                p = hit + sizeof id - 1;
            }
            fputs("</div>\n", o);
        }
        free(buf);
    }
    unlink(tmp);
    return rc;
}

/* One row of the input table: path, size and SHA-256 of the bytes read. */
static void input_row(FILE *o, const char *path)
{
    char hex[65];
    struct stat st;
    fputs("<tr><td>", o);
    html(o, path);
    fputs("</td><td class=\"n\">", o);
    if (stat(path, &st) == 0)
        fprintf(o, "%lld", (long long)st.st_size);
    fputs("</td><td><code>", o);
    fputs(sha256_file(path, hex) == RIGOR_OK ? hex : "(unreadable)", o);
    fputs("</code></td></tr>\n", o);
}

typedef struct {
    const figures *f;
    const analysed *a;
    size_t n; /* records (batch) or 1 (one specimen at a) */
    char *why;
    size_t wl;
} draw_ctx;

static int draw_batch(const char *tmp, void *ctx)
{
    draw_ctx *d = ctx;
    return plot_batch(d->f, d->a, d->n, tmp, d->why, d->wl);
}

static int draw_summary(const char *tmp, void *ctx)
{
    draw_ctx *d = ctx;
    return plot_stats(d->a, d->n, tmp, d->why, d->wl);
}

/* Result keys shown in the tables: every number of any record in order of
 * first appearance, without vendor_* comparisons and internal indices. */
/* Sample indices (break_index, fracture_index) locate events in one curve:
 * they are neither shown nor summarised. */
static bool is_index_key(const char *key)
{
    size_t l = strlen(key);
    return l >= 6 && !strcmp(key + l - 6, "_index");
}

/* The numeric result keys of the specimens of one test type. */
static size_t table_keys(const analysed *a, size_t n, const char *test, const char **keys,
                         size_t max)
{
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(a[i].rs.test, test))
            continue;
        for (size_t r = 0; r < a[i].rs.nresults; r++) {
            const result_value *v = &a[i].rs.results[r];
            if (v->kind != RV_NUMBER || !strncmp(v->key, "vendor_", 7) || is_index_key(v->key))
                continue;
            size_t k = 0;
            while (k < nk && strcmp(keys[k], v->key))
                k++;
            if (k == nk && nk < max)
                keys[nk++] = v->key;
        }
    }
    return nk;
}

static void method_table(FILE *o, const result_set *rs)
{
    fputs("<table><tr><th>parameter</th><th>value</th></tr>\n", o);
    for (size_t m = 0; m < rs->nmethod; m++) {
        fputs("<tr><td>", o);
        html(o, rs->method[m].key);
        fputs("</td><td>", o);
        value(o, &rs->method[m]);
        fputs("</td></tr>\n", o);
    }
    fputs("</table>\n", o);
}

static int same_method(const result_set *a, const result_set *b)
{
    if (a->nmethod != b->nmethod)
        return 0;
    for (size_t m = 0; m < a->nmethod; m++) {
        const result_value *x = &a->method[m], *y = &b->method[m];
        if (strcmp(x->key, y->key) || x->kind != y->kind || strcmp(x->s, y->s) ||
            !(x->v[0] == y->v[0] || (isnan(x->v[0]) && isnan(y->v[0]))) ||
            !(x->v[1] == y->v[1] || (isnan(x->v[1]) && isnan(y->v[1]))))
            return 0;
    }
    return 1;
}

int figures_report(const figures *f, const analysed *a, size_t n, const char *path, int argc,
                   char **argv, char *why, size_t wl)
{
    if (n == 0 || f->n < n) {
        snprintf(why, wl, "%s: no report: no specimen was analysed", path);
        return RIGOR_ENODATA;
    }
    FILE *o = fopen(path, "w");
    if (!o) {
        snprintf(why, wl, "%s: cannot write: %s", path, strerror(errno));
        return RIGOR_EIO;
    }
    int rc = RIGOR_OK;
    char stamp[64];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tmv));

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Rigor "
          "report</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:75em;color:#111}\n"
          "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}\n"
          "th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left}\n"
          "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
          "code{font-size:.9em}\n.fig svg{width:100%;height:auto;max-width:60em}\n"
          "</style></head><body>\n",
          o);
    bool mixed = false;
    for (size_t i = 1; i < n; i++)
        mixed |= strcmp(a[i].rs.test, a[0].rs.test) != 0;
    fprintf(o, "<h1>Rigor report — %zu specimen%s, %s%s</h1>\n", n, n == 1 ? "" : "s",
            mixed ? "tests of several types (one section each)" : a->rs.test,
            mixed ? "" : " test");
    fprintf(o, "<p>Rigor version <b id=\"version\">%s</b>, written %s.<br>Command: <code>",
            RIGOR_VERSION, stamp);
    html(o, "rigor");
    for (int i = 0; i < argc; i++) {
        fputc(' ', o);
        html(o, argv[i]);
    }
    fputs("</code></p>\n", o);

    /* Inputs with SHA-256. */
    fputs("<h2>Input files</h2>\n<table id=\"inputs\"><tr><th>file</th><th>bytes</th>"
          "<th>SHA-256</th></tr>\n",
          o);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && strcmp(a[j].file, a[i].file))
            j++;
        if (j == i) /* a multi-specimen file is listed once */
            input_row(o, a[i].file);
    }
    /* A compliance table changes the numbers too: it is an input. */
    const result_value *cf0 = NULL;
    for (size_t i = 0; i < n; i++) {
        const result_value *cf = results_find_method(&a[i].rs, "compliance_file");
        if (cf && cf->kind == RV_STRING && cf->s[0] && !(cf0 && !strcmp(cf0->s, cf->s))) {
            input_row(o, cf->s);
            cf0 = cf;
        }
    }
    fputs("</table>\n", o);

    /* Specimen table and statistics, one section per test type: results of
     * different tests are never averaged together. Headers are the
     * results' names; specimens the batch statistics leave out (an operator
     * stop, a fault, --exclude) are listed with the reason. */
    const result_set **rs = calloc(n ? n : 1, sizeof *rs);
    if (!rs) {
        fclose(o);
        snprintf(why, wl, "out of memory");
        return RIGOR_ENOMEM;
    }
    size_t ntests = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && strcmp(a[j].rs.test, a[i].rs.test))
            j++;
        ntests += j == i;
    }
    for (size_t t = 0; t < n; t++) {
        size_t first = 0;
        while (first < t && strcmp(a[first].rs.test, a[t].rs.test))
            first++;
        if (first < t)
            continue; /* this test's section was written at its first specimen */
        const char *test = a[t].rs.test;
        char sfx[40] = "";
        if (t > 0)
            snprintf(sfx, sizeof sfx, "-%.30s", test);
        const char *keys[64];
        size_t nk = table_keys(a, n, test, keys, 64);
        fputs("<h2>Results", o);
        if (ntests > 1) {
            fputs(" — ", o);
            html(o, test);
        }
        fprintf(o, "</h2>\n<table id=\"specimens%s\"><tr><th>specimen</th><th>file</th>", sfx);
        for (size_t k = 0; k < nk; k++) {
            const char *unit, *lab = output_label(keys[k], &unit);
            fputs("<th>", o);
            html(o, lab ? lab : keys[k]);
            if (lab && unit[0]) {
                fputs(" (", o);
                html(o, unit);
                fputs(")", o);
            }
            fputs("</th>", o);
        }
        fputs("</tr>\n", o);
        size_t nrs = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(a[i].rs.test, test))
                continue;
            fputs("<tr><td>", o);
            html(o, label_of(&a[i]));
            fputs("</td><td>", o);
            html(o, base_name(a[i].file));
            fputs("</td>", o);
            for (size_t k = 0; k < nk; k++) {
                fputs("<td class=\"n\">", o);
                num(o, results_get(&a[i].rs, keys[k]));
                fputs("</td>", o);
            }
            fputs("</tr>\n", o);
            if (!a[i].excluded[0])
                rs[nrs++] = &a[i].rs;
        }
        fputs("</table>\n", o);
        fputs("<h2>Statistics", o);
        if (ntests > 1) {
            fputs(" — ", o);
            html(o, test);
        }
        fputs("</h2>\n<p>Sample standard deviation (n − 1); CV = SD / |mean|; null "
              "results are left out of n.</p>\n",
              o);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(a[i].rs.test, test) && a[i].excluded[0]) {
                fputs("<p class=\"excluded\">Left out: ", o);
                html(o, label_of(&a[i]));
                fputs(" (", o);
                html(o, base_name(a[i].file));
                fputs("): ", o);
                html(o, a[i].excluded);
                fputs("</p>\n", o);
            }
        fprintf(o,
                "<table id=\"statistics%s\"><tr><th>result</th>"
                "<th>n</th><th>mean</th><th>SD</th><th>CV (%%)</th><th>min</th><th>max</th></tr>\n",
                sfx);
        for (size_t k = 0; k < nk; k++) {
            rstats st;
            rstats_of(rs, nrs, keys[k], &st);
            const char *unit, *lab = output_label(keys[k], &unit);
            fputs("<tr><td>", o);
            html(o, lab ? lab : keys[k]);
            if (lab && unit[0]) {
                fputs(" (", o);
                html(o, unit);
                fputs(")", o);
            }
            fprintf(o, "</td><td class=\"n\">%zu</td>", st.n);
            double cols[5] = {st.mean, st.sd, st.cv_pct, st.min, st.max};
            for (int c = 0; c < 5; c++) {
                fputs("<td class=\"n\">", o);
                num(o, cols[c]);
                fputs("</td>", o);
            }
            fputs("</tr>\n", o);
        }
        fputs("</table>\n", o);
    }
    free(rs);

    /* Method parameters. */
    int all_same = 1;
    for (size_t i = 1; i < n; i++)
        all_same &= same_method(&a[0].rs, &a[i].rs);
    fputs("<h2>Method parameters</h2>\n", o);
    if (all_same) {
        fprintf(o, "<p>Identical for all %zu specimens.</p>\n", n);
        method_table(o, &a[0].rs);
    } else {
        fputs("<p>The parameters differ between specimens; each specimen's are listed with "
              "its figure.</p>\n",
              o);
    }

    /* Figures. */
    fputs("<h2>Figures</h2>\n", o);
    int fig = 0;
    draw_ctx d = {f, a, n, why, wl};
    if (n > 1) {
        fputs("<h3>All specimens</h3>\n", o);
        if ((rc = inline_svg(o, fig++, draw_batch, &d, why, wl)) != RIGOR_OK)
            goto out;
        if ((rc = inline_svg(o, fig++, draw_summary, &d, why, wl)) != RIGOR_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        fputs("<h3>", o);
        html(o, label_of(&a[i]));
        fputs(" — ", o);
        html(o, a[i].file);
        fputs("</h3>\n", o);
        draw_ctx one = {f, &a[i], 1, why, wl};
        figures one_f = {&f->v[i], 1, 1};
        one.f = &one_f;
        if (f->v[i].n == 0)
            fputs("<p>No curve to draw (see the notes).</p>\n", o);
        else if ((rc = inline_svg(o, fig++, draw_batch, &one, why, wl)) != RIGOR_OK)
            goto out;
        if (a[i].nnotes + a[i].rs.nnotes) {
            fputs("<ul>\n", o);
            for (size_t k = 0; k < a[i].nnotes; k++) {
                fputs("<li>", o);
                html(o, a[i].notes[k]);
                fputs("</li>\n", o);
            }
            for (size_t k = 0; k < a[i].rs.nnotes; k++) {
                fputs("<li>", o);
                html(o, a[i].rs.notes[k]);
                fputs("</li>\n", o);
            }
            fputs("</ul>\n", o);
        }
        if (!all_same)
            method_table(o, &a[i].rs);
    }
    fputs("</body></html>\n", o);
out:
    if (fclose(o) != 0 && rc == RIGOR_OK) {
        snprintf(why, wl, "%s: write failed: %s", path, strerror(errno));
        rc = RIGOR_EIO;
    }
    return rc;
}
