/* output_summary.c — the batch summary (per group: mean, s, CV, Weibull) as
 * a table, JSON and CSV; see output.h. Moved unchanged from output.c.
 */
#include "output.h"
#include "output_priv.h"

#include "../common/error.h"
#include "../common/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- batch summary ------------------------------------------------------ */

/* Label and display scale of a result key in the summary table; false for
 * keys the table leaves to JSON/CSV (indices). vendor_<key> is the machine
 * software's own value, vendor_<key>_rel_diff Rigor's relative difference
 * to it (shown in %). */
static bool summary_label(const char *key, char *lab, size_t len, double *scale)
{
    *scale = 1;
    const label_row *l = label_of(key);
    if (l) {
        snprintf(lab, len, "%s%s%s%s", l->label, l->unit[0] ? " [" : "", l->unit,
                 l->unit[0] ? "]" : "");
        return true;
    }
    if (strncmp(key, "vendor_", 7))
        return false;
    char own[64];
    snprintf(own, sizeof own, "%s", key + 7);
    size_t n = strlen(own);
    bool diff = n > 9 && !strcmp(own + n - 9, "_rel_diff");
    if (diff)
        own[n - 9] = '\0';
    l = label_of(own);
    if (diff) {
        *scale = 100;
        snprintf(lab, len, "vendor: %s, Rigor diff [%%]", l ? l->label : own);
    } else if (l) {
        snprintf(lab, len, "vendor: %s%s%s%s", l->label, l->unit[0] ? " [" : "", l->unit,
                 l->unit[0] ? "]" : "");
    } else {
        snprintf(lab, len, "vendor: %s", own);
    }
    return true;
}

/* Print s left-aligned in width display columns (UTF-8 aware: "r²"). */
static void pad_utf8(FILE *f, const char *s, int width)
{
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    fputs(s, f);
    for (; cols < width; cols++)
        fputc(' ', f);
}

static const char *weibull_why(int rc)
{
    switch (rc) {
    case RIGOR_ENODATA: return "needs at least 3 values that differ";
    case RIGOR_EINVAL: return "a value is not positive";
    default: return rigor_strerror(rc);
    }
}

static size_t group_warned(const analysed *v, const batch_group *g)
{
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++)
        k += analysed_has_warning(&v[g->members[i]]);
    return k;
}

void output_summary_table(FILE *f, const analysed *v, const batch_summary *s,
                          const char *group_by)
{
    fprintf(f, "\nSummary by %s: %zu group%s\n", group_by, s->ngroups,
            s->ngroups == 1 ? "" : "s");
    for (size_t gi = 0; gi < s->ngroups; gi++) {
        const batch_group *g = &s->groups[gi];
        fprintf(f, "\ngroup %s · %zu specimen%s · %zu with warnings\n", g->name, g->n,
                g->n == 1 ? "" : "s", group_warned(v, g));
        for (size_t e = 0; e < g->nexcluded; e++) {
            const analysed *x = &v[g->excluded[e]];
            fprintf(f, "  left out: %s%s%s: %s\n", x->file, x->specimen[0] ? " specimen " : "",
                    x->specimen, g->excluded_why[e]);
        }
        fprintf(f, "  %-44s %4s %11s %11s %9s %11s %11s\n", "result", "n", "mean", "SD", "CV %",
                "min", "max");
        for (size_t k = 0; k < g->nkeys; k++) {
            const batch_keystat *ks = &g->keys[k];
            char lab[96], c[5][48];
            double sc;
            if (!summary_label(ks->key, lab, sizeof lab, &sc))
                continue;
            fmt_num(c[0], sizeof c[0], ks->st.mean * sc);
            fmt_num(c[1], sizeof c[1], ks->st.sd * sc);
            fmt_num(c[2], sizeof c[2], ks->st.cv_pct);
            fmt_num(c[3], sizeof c[3], ks->st.min * sc);
            fmt_num(c[4], sizeof c[4], ks->st.max * sc);
            fputs("  ", f);
            pad_utf8(f, lab, 44);
            fprintf(f, " %4zu %11s %11s %9s %11s %11s\n", ks->st.n, c[0], c[1], c[2], c[3],
                    c[4]);
        }
        for (size_t k = 0; k < g->nkeys; k++) {
            const batch_keystat *ks = &g->keys[k];
            if (!ks->strength)
                continue;
            const label_row *l = label_of(ks->key);
            if (ks->weibull_rc != RIGOR_OK) {
                fprintf(f, "  Weibull, %s: no fit (%s)\n", l->label,
                        weibull_why(ks->weibull_rc));
                continue;
            }
            char m1[48], s1[48], m2[48], s2[48];
            fmt_num(m1, sizeof m1, ks->mle.m);
            fmt_num(s1, sizeof s1, ks->mle.sigma0);
            fmt_num(m2, sizeof m2, ks->mrr.m);
            fmt_num(s2, sizeof s2, ks->mrr.sigma0);
            fprintf(f,
                    "  Weibull, %s (n = %zu): maximum likelihood m = %s, σ0 = %s %s; "
                    "median-rank regression m = %s, σ0 = %s %s, r² = %.4f\n",
                    l->label, ks->mle.n, m1, s1, l->unit, m2, s2, l->unit, ks->mrr.r2);
        }
    }
}

static void json_summary(json_writer *w, const analysed *v, const batch_summary *s)
{
    json_begin_array(w);
    for (size_t gi = 0; gi < s->ngroups; gi++) {
        const batch_group *g = &s->groups[gi];
        json_begin_object(w);
        json_kv_string(w, "group", g->name);
        json_kv_int(w, "n", (long long)g->n);
        json_kv_int(w, "specimens_with_warnings", (long long)group_warned(v, g));
        json_key(w, "excluded");
        json_begin_array(w);
        for (size_t e = 0; e < g->nexcluded; e++) {
            const analysed *x = &v[g->excluded[e]];
            json_begin_object(w);
            json_kv_string(w, "file", x->file);
            json_kv_string(w, "specimen", x->specimen);
            json_kv_string(w, "reason", g->excluded_why[e]);
            json_end_object(w);
        }
        json_end_array(w);
        json_key(w, "stats");
        json_begin_object(w);
        for (size_t k = 0; k < g->nkeys; k++) {
            const batch_keystat *ks = &g->keys[k];
            json_key(w, ks->key);
            json_begin_object(w);
            json_kv_int(w, "n", (long long)ks->st.n);
            json_kv_number(w, "mean", ks->st.mean);
            json_kv_number(w, "sd", ks->st.sd);
            json_kv_number(w, "cv_pct", ks->st.cv_pct);
            json_kv_number(w, "min", ks->st.min);
            json_kv_number(w, "max", ks->st.max);
            json_end_object(w);
        }
        json_end_object(w);
        json_key(w, "weibull");
        json_begin_object(w);
        for (size_t k = 0; k < g->nkeys; k++) {
            const batch_keystat *ks = &g->keys[k];
            if (!ks->strength)
                continue;
            json_key(w, ks->key);
            json_begin_object(w);
            json_kv_int(w, "n", (long long)ks->st.n);
            if (ks->weibull_rc != RIGOR_OK) {
                json_key(w, "mle");
                json_null(w);
                json_key(w, "mrr");
                json_null(w);
                json_kv_string(w, "why", weibull_why(ks->weibull_rc));
            } else {
                json_key(w, "mle");
                json_begin_object(w);
                json_kv_number(w, "m", ks->mle.m);
                json_kv_number(w, "sigma0", ks->mle.sigma0);
                json_end_object(w);
                json_key(w, "mrr");
                json_begin_object(w);
                json_kv_number(w, "m", ks->mrr.m);
                json_kv_number(w, "sigma0", ks->mrr.sigma0);
                json_kv_number(w, "r2", ks->mrr.r2);
                json_end_object(w);
            }
            json_end_object(w);
        }
        json_end_object(w);
        json_end_object(w);
    }
    json_end_array(w);
}

void output_json_summary(FILE *f, const analysed *v, size_t n, const batch_summary *s,
                         const char *group_by)
{
    json_writer w;
    json_init(&w, f, true);
    json_begin_object(&w);
    json_kv_string(&w, "group_by", group_by);
    json_key(&w, "specimens");
    json_specimens(&w, v, n);
    json_key(&w, "summary");
    json_summary(&w, v, s);
    json_end_object(&w);
}

static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.10g", v);
}

void output_summary_csv(FILE *f, const batch_summary *s)
{
    fputs("group,key,n,mean,sd,cv_pct,min,max,weibull_n,weibull_m_mle,weibull_sigma0_mle,"
          "weibull_m_mrr,weibull_sigma0_mrr,weibull_r2_mrr\n",
          f);
    for (size_t gi = 0; gi < s->ngroups; gi++) {
        const batch_group *g = &s->groups[gi];
        for (size_t k = 0; k < g->nkeys; k++) {
            const batch_keystat *ks = &g->keys[k];
            csv_field(f, g->name);
            fprintf(f, ",%s,%zu", ks->key, ks->st.n);
            csv_num(f, ks->st.mean);
            csv_num(f, ks->st.sd);
            csv_num(f, ks->st.cv_pct);
            csv_num(f, ks->st.min);
            csv_num(f, ks->st.max);
            if (ks->strength && ks->weibull_rc == RIGOR_OK) {
                fprintf(f, ",%zu", ks->mle.n);
                csv_num(f, ks->mle.m);
                csv_num(f, ks->mle.sigma0);
                csv_num(f, ks->mrr.m);
                csv_num(f, ks->mrr.sigma0);
                csv_num(f, ks->mrr.r2);
            } else {
                fputs(",,,,,,", f);
            }
            fputc('\n', f);
        }
    }
}
