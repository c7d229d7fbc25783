/* prepare.c — engineering stress/strain arrays in the frame of the results.
 *
 * The reduction repeats analysis_run()'s (sigma = F / A0, eps = dL / L0 or
 * the file's columns, geometry from the options over the file) and then
 * moves the strain origin the way the analysis reported it: by the toe
 * offset (ASTM D638 / D882 Annex A1) for tensile results, to the contact
 * point for compression. NOTE: keep it in step with analysis.c; the plot
 * tests check that the reported maximum lies on these arrays.
 */
#include "prepare.h"

#include "../common/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A 1-based sample number from the method record, as a 0-based index, or
 * dflt when absent or out of range. */
static size_t method_index(const result_set *rs, const char *key, size_t n, size_t dflt)
{
    const result_value *v = results_find_method(rs, key);
    if (!v || !isfinite(v->v[0]) || v->v[0] < 1 || v->v[0] > (double)n)
        return dflt;
    return (size_t)v->v[0] - 1;
}

int analysis_curve_arrays(const curve *c, const analysis_opts *o, const result_set *rs,
                          double **eps_out, double **sig_out, size_t *n_out, char *why,
                          size_t wl)
{
    bool compression = !strcmp(rs->test, "compression");
    curve_geom g;
    analysis_merge_geom(&o->geom, &c->geom, &g);
    double area = curve_geom_area(&g);
    double len = compression ? (isfinite(g.height_m) ? g.height_m : g.gauge_m) : g.gauge_m;
    bool file_sig = o->use_file_columns && curve_has(c, CURVE_STRESS);
    bool file_eps = o->use_file_columns && curve_has(c, CURVE_STRAIN);

    if (c->n == 0) {
        snprintf(why, wl, "the curve has no samples");
        return RIGOR_ENODATA;
    }
    if (!file_sig && (!curve_has(c, CURVE_FORCE) || !(area > 0))) {
        snprintf(why, wl, "no stress: neither a stress column nor force and cross-section");
        return RIGOR_EGEOMETRY;
    }
    if (!file_eps && (!curve_has(c, CURVE_EXT) || !(len > 0))) {
        snprintf(why, wl, "no strain: neither a strain column nor extension and %s",
                 compression ? "height" : "gauge length");
        return RIGOR_EGEOMETRY;
    }

    size_t i0 = 0, i1 = c->n - 1;
    if (compression) {
        i0 = method_index(rs, "contact_sample", c->n, 0);
        i1 = method_index(rs, "loading_end_sample", c->n, c->n - 1);
        if (i1 < i0)
            i1 = c->n - 1;
    }
    size_t n = i1 - i0 + 1;
    double *eps = malloc(n * sizeof *eps), *sig = malloc(n * sizeof *sig);
    if (!eps || !sig) {
        free(eps);
        free(sig);
        snprintf(why, wl, "out of memory");
        return RIGOR_ENOMEM;
    }

    const double *F = c->ch[CURVE_FORCE], *X = c->ch[CURVE_EXT];
    const double *S = c->ch[CURVE_STRESS], *E = c->ch[CURVE_STRAIN];
    if (!compression) {
        double toe = results_get(rs, "toe_offset_pct") / 100;
        if (!isfinite(toe))
            toe = 0;
        for (size_t i = 0; i < n; i++) {
            sig[i] = file_sig ? S[i] : F[i] / area;        /* sigma = F / A0 */
            eps[i] = (file_eps ? E[i] : X[i] / len) - toe; /* eps' = dL / L0 - toe */
        }
    } else {
        /* Magnitudes from the contact sample on (either sign convention). */
        double C = o->compliance_m_per_N > 0 ? o->compliance_m_per_N : 0;
        double f0 = F ? fabs(F[i0]) : 0, x0 = X ? X[i0] : 0, e0 = E ? E[i0] : 0;
        /* F (without file stress) and X (without file strain) were checked
         * present above; the analyzer does not follow curve_has(). */
        // NOLINTBEGIN(clang-analyzer-core.NullDereference)
        for (size_t k = 0; k < n; k++) {
            size_t i = i0 + k;
            sig[k] = file_sig ? fabs(S[i]) : fabs(F[i]) / area;
            if (file_eps)
                eps[k] = fabs(E[i] - e0);
            else
                eps[k] = (fabs(X[i] - x0) - C * ((F ? fabs(F[i]) : 0) - f0)) / len;
        }
        // NOLINTEND(clang-analyzer-core.NullDereference)
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(eps[i]) || !isfinite(sig[i])) {
            snprintf(why, wl, "sample %zu has no finite stress and strain", i0 + i + 1);
            free(eps);
            free(sig);
            return RIGOR_ENODATA;
        }
    }
    *eps_out = eps;
    *sig_out = sig;
    *n_out = n;
    return RIGOR_OK;
}
