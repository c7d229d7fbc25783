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
#include "tensile.h"

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

    const double *F = c->ch[CURVE_FORCE], *X = c->ch[CURVE_EXT];
    const double *S = c->ch[CURVE_STRESS], *E = c->ch[CURVE_STRAIN];
    /* The extensometer switch, as analysis_run() finds it: the crosshead
     * beside the force when both are finite, else the stress (or force). */
    ext_switch sw = {.kind = EXT_SWITCH_NONE, .at = c->n};
    const double *xh = NULL, *load = file_sig ? S : F;
    bool separate = false;
    double *ext_eps = NULL; /* the extensometer extension / L0, beside a crosshead */
    if (!compression)
        xh = prepare_crosshead(c, &separate);
    if (!compression && !file_eps && separate) {
        /* eps = dL / L0 of the extensometer, continued like a strain column */
        ext_eps = malloc(c->n * sizeof *ext_eps);
        if (!ext_eps) {
            snprintf(why, wl, "out of memory");
            return RIGOR_ENOMEM;
        }
        for (size_t i = 0; i < c->n; i++)
            ext_eps[i] = X[i] / len;
        E = ext_eps;
    }
    if (!compression && (file_eps || ext_eps)) {
        char tmp[8];
        if (xh)
            load = F;
        if (prepare_ext_switch(E, xh, load, c->n, g.gauge_m, prepare_compliance(c, o), &sw, tmp,
                               sizeof tmp))
            sw = (ext_switch){.kind = EXT_SWITCH_NONE, .at = c->n};
    } else {
        xh = NULL;
    }

    size_t i0 = 0, i1 = c->n - 1;
    if (compression) {
        i0 = method_index(rs, "contact_sample", c->n, 0);
        i1 = method_index(rs, "loading_end_sample", c->n, c->n - 1);
        if (i1 < i0)
            i1 = c->n - 1;
    } else if (sw.kind != EXT_SWITCH_NONE && !xh && sw.at > 0) {
        i1 = sw.at - 1; /* the analysis ended where the strain stopped */
    }
    size_t n = i1 - i0 + 1;
    double *eps = malloc(n * sizeof *eps), *sig = malloc(n * sizeof *sig);
    double *comb = NULL; /* the extensometer continued from the crosshead */
    if (sw.kind != EXT_SWITCH_NONE || sw.rezero_at)
        comb = malloc(c->n * sizeof *comb);
    if (!eps || !sig || ((sw.kind != EXT_SWITCH_NONE || sw.rezero_at) && !comb)) {
        free(eps);
        free(sig);
        free(comb);
        free(ext_eps);
        snprintf(why, wl, "out of memory");
        return RIGOR_ENOMEM;
    }
    if (comb) {
        prepare_ext_combine(E, xh, load, c->n, &sw, comb);
        E = comb;
    }
    if (!compression) {
        double toe = results_get(rs, "toe_offset_pct") / 100;
        if (!isfinite(toe))
            toe = 0;
        /* E is the strain column, or comb / ext_eps, each filled over all
         * c->n samples above; the analyzer does not follow
         * prepare_ext_combine's writes. */
        // NOLINTBEGIN(clang-analyzer-core.UndefinedBinaryOperatorResult,clang-analyzer-core.NullDereference)
        for (size_t i = 0; i < n; i++) {
            sig[i] = file_sig ? S[i] : F[i] / area;        /* sigma = F / A0 */
            eps[i] = (file_eps || ext_eps ? E[i] : X[i] / len) - toe; /* eps' = dL / L0 - toe */
        }
        // NOLINTEND(clang-analyzer-core.UndefinedBinaryOperatorResult,clang-analyzer-core.NullDereference)
    } else {
        /* Magnitudes from the contact sample on (either sign convention). */
        double C = o->compliance_m_per_N > 0 ? o->compliance_m_per_N : 0;
        /* a record that started in contact: its toe-extrapolated zero */
        double toe = results_get(rs, "toe_offset_pct") / 100;
        if (!isfinite(toe))
            toe = 0;
        double f0 = F ? fabs(F[i0]) : 0, x0 = X ? X[i0] : 0, e0 = E ? E[i0] : 0;
        /* F (without file stress) and X (without file strain) were checked
         * present above; the analyzer does not follow curve_has(). */
        // NOLINTBEGIN(clang-analyzer-core.NullDereference)
        for (size_t k = 0; k < n; k++) {
            size_t i = i0 + k;
            sig[k] = file_sig ? fabs(S[i]) : fabs(F[i]) / area;
            if (file_eps)
                eps[k] = fabs(E[i] - e0) - toe;
            else
                eps[k] = (fabs(X[i] - x0) - C * ((F ? fabs(F[i]) : 0) - f0)) / len - toe;
        }
        // NOLINTEND(clang-analyzer-core.NullDereference)
    }
    free(comb);
    free(ext_eps);
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

/* ---- Extensometer removed mid-test: see prepare.h for the rules ---- */

double prepare_compliance(const curve *c, const analysis_opts *o)
{
    if (o->compliance_m_per_N > 0)
        return o->compliance_m_per_N;
    const curve_meta *cm = curve_meta_find(c, "compliance_mm_per_N");
    if (cm) {
        char *end;
        double v = strtod(cm->value, &end);
        if (end != cm->value && isfinite(v) && v > 0)
            return v * 1e-3; /* mm/N -> m/N */
    }
    return 0;
}

#define SW_MIN_FINITE 8      /* finite extensometer samples before a switch */
#define SW_LOAD_FRAC 0.20    /* the specimen carries >= 20 % of the force so far */
#define SW_OVERLAP_FRAC 0.30 /* k fitted where E is in the upper 30 % of its range */
#define SW_MIN_R2 0.9        /* ... when the fit is that linear */
#define SW_JUMP_ABS 1e-4     /* a jump: at least 1e-4 strain ... */
#define SW_JUMP_FRAC 0.05    /* ... and 5 % of E's range so far ... */
#define SW_JUMP_MULT 5.0     /* ... and 5 x the crosshead's prediction */
#define SW_JUMP_FDROP 0.05   /* ... with F falling by less than 5 % of its maximum */
#define SW_FROZEN_ABS 1e-6   /* frozen band: at least 1e-6 strain ... */
#define SW_FROZEN_FRAC 0.005 /* ... or 0.5 % of E's range */
#define SW_FROZEN_MULT 20.0  /* the crosshead predicts >= 20 x the band ... */
#define SW_FROZEN_RANGE 0.05 /* ... and >= 5 % of E's range */
#define SW_FROZEN_FRISE 0.10 /* no crosshead: F rises by > 10 % of its max */

static double xc_at(const double *X, const double *F, double C, size_t i)
{
    return X ? X[i] - C * F[i] : 0; /* crosshead less the frame's deflection, m */
}

/* k = dE/dXc: least-squares slope of E on Xc over the samples before s
 * whose E lies in the upper SW_OVERLAP_FRAC of E's range on [0, s); NAN
 * when fewer than SW_MIN_FINITE such samples, a non-positive slope or
 * r^2 < SW_MIN_R2. */
static double overlap_slope(const double *E, const double *X, const double *F, double C,
                            size_t s, double shift, size_t rz)
{
    if (!X)
        return NAN;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < s; i++) {
        double e = E[i] + (rz && i >= rz ? shift : 0);
        if (e < lo)
            lo = e;
        if (e > hi)
            hi = e;
    }
    if (!(hi > lo))
        return NAN;
    double cut = hi - SW_OVERLAP_FRAC * (hi - lo);
    double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    size_t m = 0;
    for (size_t i = 0; i < s; i++) {
        double e = E[i] + (rz && i >= rz ? shift : 0);
        if (e < cut)
            continue;
        double x = xc_at(X, F, C, i);
        sx += x, sy += e, sxx += x * x, sxy += x * e, syy += e * e;
        m++;
    }
    if (m < SW_MIN_FINITE)
        return NAN;
    double vx = sxx - sx * sx / (double)m, vy = syy - sy * sy / (double)m;
    double cxy = sxy - sx * sy / (double)m;
    if (!(vx > 0) || !(vy > 0))
        return NAN;
    double k = cxy / vx, r2 = cxy * cxy / (vx * vy);
    return k > 0 && r2 >= SW_MIN_R2 ? k : NAN;
}

int prepare_ext_switch(const double *E, const double *X, const double *F, size_t n,
                       double gauge_m, double c_m_per_N, ext_switch *sw, char *why, size_t wl)
{
    double C = c_m_per_N > 0 ? c_m_per_N : 0;
    *sw = (ext_switch){.kind = EXT_SWITCH_NONE, .at = n, .c_m_per_N = C};
    double k_l0 = X && gauge_m > 0 ? 1 / gauge_m : NAN;
    size_t s = n;
    ext_switch_kind kind = EXT_SWITCH_NONE;
    double fpk = -INFINITY, elo = INFINITY, ehi = -INFINITY, shift = 0;
    size_t nfin = 0, rz = 0;

    for (size_t i = 0; i < n && kind == EXT_SWITCH_NONE; i++) {
        bool loaded = nfin >= SW_MIN_FINITE && F[i] >= SW_LOAD_FRAC * fpk && fpk > 0;
        if (!isfinite(E[i])) {
            if (loaded) {
                kind = EXT_SWITCH_EMPTY;
                s = i;
            }
            continue; /* NaN before loading: left to the finite check */
        }
        double e = E[i] + (rz && i >= rz ? shift : 0);
        if (loaded && isfinite(E[i - 1])) {
            double de = e - (E[i - 1] + (rz && i - 1 >= rz ? shift : 0));
            double thr = fmax(SW_JUMP_ABS, SW_JUMP_FRAC * (ehi - elo));
            /* (the O(i) slope only for a step that is large already) */
            double k = de <= -thr ? overlap_slope(E, X, F, C, i, shift, rz) : NAN;
            if (!isfinite(k))
                k = k_l0;
            double pred = isfinite(k) ? k * fabs(xc_at(X, F, C, i) - xc_at(X, F, C, i - 1)) : 0;
            if (de <= -thr && -de > SW_JUMP_MULT * pred &&
                F[i] >= F[i - 1] - SW_JUMP_FDROP * fpk) {
                /* Re-zero or removal: does E go on following the crosshead? */
                double emax = E[i], xmax = xc_at(X, F, C, i), x0 = xmax;
                for (size_t j = i + 1; j < n && isfinite(E[j]); j++) {
                    if (E[j] > emax)
                        emax = E[j];
                    double xj = xc_at(X, F, C, j);
                    if (xj > xmax)
                        xmax = xj;
                }
                double rise = emax - E[i], want = isfinite(k) ? k * (xmax - x0) : NAN;
                /* (no crosshead: E rising again after the step is a re-zero) */
                bool follows = X ? isfinite(want) && rise >= 0.5 * want : true;
                if (!rz && rise > thr && follows) {
                    rz = i;
                    shift = -de;
                    e = E[i] + shift;
                } else {
                    kind = EXT_SWITCH_JUMPED;
                    s = i;
                    continue;
                }
            }
        }
        nfin++;
        if (e < elo)
            elo = e;
        if (e > ehi)
            ehi = e;
        if (F[i] > fpk)
            fpk = F[i];
    }
    if (kind == EXT_SWITCH_NONE) {
        /* Frozen: a final run within the band of the last finite value. */
        size_t m = n;
        while (m > 0 && !isfinite(E[m - 1]))
            m--;
        if (m > SW_MIN_FINITE) {
            double last = E[m - 1];
            double band = fmax(SW_FROZEN_ABS, SW_FROZEN_FRAC * (ehi - elo));
            size_t j = m - 1;
            while (j > 0 && isfinite(E[j - 1]) && fabs(E[j - 1] - last) <= band)
                j--;
            double fm = -INFINITY;
            for (size_t i = 0; i < j; i++)
                if (F[i] > fm)
                    fm = F[i];
            if (j >= SW_MIN_FINITE && fm > 0 && F[j] >= SW_LOAD_FRAC * fm) {
                double k = overlap_slope(E, X, F, C, j, shift, rz);
                if (!isfinite(k))
                    k = k_l0;
                double xs = xc_at(X, F, C, j), xm = xs;
                /* (only while loaded: travel after a break is no evidence) */
                for (size_t i = j; i < m; i++)
                    if (F[i] >= SW_LOAD_FRAC * fm && xc_at(X, F, C, i) > xm)
                        xm = xc_at(X, F, C, i);
                double pred = isfinite(k) ? k * (xm - xs) : 0;
                /* Without a crosshead: the force rose by more than
                 * SW_FROZEN_FRISE of its maximum at a constant strain,
                 * which no specimen does. */
                double frise = 0;
                for (size_t i = j; !X && i < m; i++)
                    frise = fmax(frise, F[i] - F[j]);
                if (X ? pred > SW_FROZEN_MULT * band && pred >= SW_FROZEN_RANGE * (ehi - elo)
                      : frise > SW_FROZEN_FRISE * fm) {
                    kind = EXT_SWITCH_FROZEN;
                    s = j + 1; /* sample j is the last one the gauge measured */
                }
            }
        }
    }
    sw->rezero_at = rz;
    sw->rezero_shift = rz ? shift : 0;
    if (kind == EXT_SWITCH_NONE)
        return RIGOR_OK;
    sw->strain_at = E[s - 1] + (rz && s - 1 >= rz ? shift : 0);
    if (!X) {
        /* nothing to continue from: the caller ends the analysis at s */
        sw->kind = kind;
        sw->at = s;
        sw->k_per_m = NAN;
        return RIGOR_OK;
    }
    double k = overlap_slope(E, X, F, C, s, shift, rz);
    sw->k_fitted = isfinite(k);
    if (!isfinite(k))
        k = k_l0;
    if (!isfinite(k)) {
        snprintf(why, wl,
                 "the extensometer stops at sample %zu and the strain cannot be continued from "
                 "the crosshead: no clear overlap slope before it and no gauge length",
                 s + 1);
        return RIGOR_ENODATA;
    }
    sw->kind = kind;
    sw->at = s;
    sw->k_per_m = k;
    sw->strain_at = E[s - 1] + (rz && s - 1 >= rz ? shift : 0);
    return RIGOR_OK;
}

static bool all_finite(const double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return false;
    return true;
}

const double *prepare_crosshead(const curve *c, bool *separate)
{
    *separate = false;
    const double *F = c->ch[CURVE_FORCE];
    if (!F || !all_finite(F, c->n))
        return NULL;
    if (c->xhead && all_finite(c->xhead, c->n)) {
        *separate = true;
        return c->xhead;
    }
    const double *X = c->ch[CURVE_EXT];
    return X && all_finite(X, c->n) ? X : NULL;
}

void prepare_ext_combine(const double *E, const double *X, const double *F, size_t n,
                         const ext_switch *sw, double *out)
{
    size_t s = sw->kind == EXT_SWITCH_NONE ? n : sw->at;
    double C = sw->c_m_per_N;
    double x0 = s < n ? xc_at(X, F, C, s - 1) : 0;
    for (size_t i = 0; i < n; i++) {
        if (i < s || !X)
            out[i] = E[i] + (sw->rezero_at && i >= sw->rezero_at ? sw->rezero_shift : 0);
        else
            out[i] = sw->strain_at + sw->k_per_m * (xc_at(X, F, C, i) - x0);
    }
}

/* ---- Unload judged from the right channel: see prepare.h ---- */

#define UNLOAD_BACK_FRAC 0.01 /* back by 1 % of the range: a reversal */
#define UNLOAD_HALF 0.5       /* ... with the force still above half its maximum */
#define UNLOAD_FFALL 0.01     /* strain only: the force fell >= 1 % of its max with it */

size_t prepare_loading_end(const double *X, const double *eps, const double *y, size_t n,
                           double *f_frac)
{
    if (X)
        return tensile_loading_end(X, y, n, f_frac);
    *f_frac = NAN;
    if (n < 2)
        return n;
    double lo = eps[0], hi = eps[0];
    for (size_t i = 1; i < n; i++) {
        if (eps[i] < lo)
            lo = eps[i];
        if (eps[i] > hi)
            hi = eps[i];
    }
    double range = hi - lo;
    if (!(range > 0))
        return n;
    double run = eps[0], ymax = y[0], y_at_run = y[0];
    for (size_t i = 1; i < n; i++) {
        if (eps[i] > run) {
            run = eps[i];
            y_at_run = y[i];
        }
        if (y[i] > ymax)
            ymax = y[i];
        if (eps[i] < run - UNLOAD_BACK_FRAC * range) {
            if (!(y[i] <= y_at_run - UNLOAD_FFALL * ymax)) {
                /* The strain stepped alone (a re-zero, a removed gauge): no
                 * unload; later reversals are judged from the new level. */
                run = eps[i];
                y_at_run = y[i];
                continue;
            }
            if (ymax > 0 && y[i] >= UNLOAD_HALF * ymax) {
                *f_frac = y[i] / ymax;
                return i;
            }
            return n; /* the force had fallen first: a break, then a return */
        }
    }
    return n;
}
