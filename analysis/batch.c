/* batch.c — per-group statistics and Weibull fits; see batch.h.
 *
 * Grouping is a linear search over the labels seen so far: batches are
 * tens to thousands of specimens in a handful of groups, so O(n * groups)
 * is nothing next to reading the files.
 */
#include "batch.h"

#include "../common/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const strength_keys[] = {"tensile_strength_mpa", "break_stress_mpa",
                                            "fracture_stress_mpa", "max_stress_mpa"};

bool batch_is_strength_key(const char *key)
{
    for (size_t i = 0; i < sizeof strength_keys / sizeof strength_keys[0]; i++)
        if (!strcmp(key, strength_keys[i]))
            return true;
    return false;
}

void batch_summary_free(batch_summary *s)
{
    for (size_t g = 0; g < s->ngroups; g++) {
        free(s->groups[g].name);
        free(s->groups[g].members);
        free(s->groups[g].keys);
        free(s->groups[g].excluded);
        free(s->groups[g].excluded_why);
    }
    free(s->groups);
    s->groups = NULL;
    s->ngroups = 0;
}

/* Group of label, appended when new; NULL on ENOMEM. */
static batch_group *group_of(batch_summary *s, const char *label)
{
    for (size_t g = 0; g < s->ngroups; g++)
        if (!strcmp(s->groups[g].name, label))
            return &s->groups[g];
    batch_group *ng = realloc(s->groups, (s->ngroups + 1) * sizeof *ng);
    if (!ng)
        return NULL;
    s->groups = ng;
    batch_group *g = &ng[s->ngroups];
    memset(g, 0, sizeof *g);
    size_t len = strlen(label) + 1;
    g->name = malloc(len);
    if (!g->name)
        return NULL;
    memcpy(g->name, label, len);
    s->ngroups++;
    return g;
}

/* Sample indices ("break_index", "fracture_index") locate events in one
 * curve; their mean over specimens means nothing, so they are left out. */
static bool summarised(const char *key)
{
    size_t n = strlen(key);
    return !(n >= 6 && !strcmp(key + n - 6, "_index"));
}

/* Add key to the group's key list when new. */
static int add_key(batch_group *g, const char *key)
{
    for (size_t k = 0; k < g->nkeys; k++)
        if (!strcmp(g->keys[k].key, key))
            return RIGOR_OK;
    batch_keystat *nk = realloc(g->keys, (g->nkeys + 1) * sizeof *nk);
    if (!nk)
        return RIGOR_ENOMEM;
    g->keys = nk;
    batch_keystat *ks = &nk[g->nkeys++];
    memset(ks, 0, sizeof *ks);
    snprintf(ks->key, sizeof ks->key, "%s", key);
    ks->strength = batch_is_strength_key(key);
    ks->weibull_rc = RIGOR_ENODATA;
    return RIGOR_OK;
}

/* Statistics and Weibull fits of one group; vals/work hold 3 * g->n doubles. */
static void group_stats(batch_group *g, const result_set *const *rs, double *vals)
{
    double *work = vals + g->n;
    for (size_t k = 0; k < g->nkeys; k++) {
        batch_keystat *ks = &g->keys[k];
        size_t nv = 0;
        for (size_t i = 0; i < g->n; i++) {
            const result_value *r = results_find(rs[g->members[i]], ks->key);
            if (r && r->kind == RV_NUMBER && isfinite(r->v[0]))
                vals[nv++] = r->v[0];
        }
        rstats_values(vals, nv, &ks->st);
        if (!ks->strength)
            continue;
        ks->weibull_rc = weibull_mle(vals, nv, &ks->mle);
        if (ks->weibull_rc == RIGOR_OK)
            ks->weibull_rc = weibull_mrr(vals, nv, work, &ks->mrr);
    }
}

/* True when another specimen with the same label has a different test. */
static bool mixed_label(const result_set *const *rs, const char *const *group, size_t n,
                        size_t i)
{
    const char *li = group[i] ? group[i] : "";
    for (size_t j = 0; j < n; j++) {
        const char *lj = group[j] ? group[j] : "";
        if (!strcmp(li, lj) && strcmp(rs[i]->test, rs[j]->test))
            return true;
    }
    return false;
}

int batch_summarize_ex(const result_set *const *rs, const char *const *group,
                       const char *const *exclude, size_t n, batch_summary *out)
{
    out->groups = NULL;
    out->ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        char label[1200];
        const char *base = group[i] ? group[i] : "";
        if (mixed_label(rs, group, n, i))
            snprintf(label, sizeof label, "%s · %s", base, rs[i]->test);
        else
            snprintf(label, sizeof label, "%s", base);
        batch_group *g = group_of(out, label);
        if (!g)
            return RIGOR_ENOMEM;
        if (exclude && exclude[i]) {
            size_t *ne = realloc(g->excluded, (g->nexcluded + 1) * sizeof *ne);
            if (!ne)
                return RIGOR_ENOMEM;
            g->excluded = ne;
            const char **nw = realloc(g->excluded_why, (g->nexcluded + 1) * sizeof *nw);
            if (!nw)
                return RIGOR_ENOMEM;
            g->excluded_why = nw;
            g->excluded[g->nexcluded] = i;
            g->excluded_why[g->nexcluded++] = exclude[i];
            continue;
        }
        size_t *nm = realloc(g->members, (g->n + 1) * sizeof *nm);
        if (!nm)
            return RIGOR_ENOMEM;
        g->members = nm;
        g->members[g->n++] = i;
        for (size_t r = 0; r < rs[i]->nresults; r++)
            if (rs[i]->results[r].kind == RV_NUMBER && summarised(rs[i]->results[r].key) &&
                add_key(g, rs[i]->results[r].key))
                return RIGOR_ENOMEM;
    }
    for (size_t gi = 0; gi < out->ngroups; gi++) {
        batch_group *g = &out->groups[gi];
        double *vals = malloc(3 * (g->n ? g->n : 1) * sizeof *vals);
        if (!vals)
            return RIGOR_ENOMEM;
        group_stats(g, rs, vals);
        free(vals);
    }
    return RIGOR_OK;
}

int batch_summarize(const result_set *const *rs, const char *const *group, size_t n,
                    batch_summary *out)
{
    return batch_summarize_ex(rs, group, NULL, n, out);
}
