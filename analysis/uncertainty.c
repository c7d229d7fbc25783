/* uncertainty.c — Monte Carlo expanded uncertainty (GUM S1); see uncertainty.h.
 *
 * One trial r (JCGM 101 §7.2, a draw of every input quantity):
 *   F_i' = F_i (1 + d_F) + s_F z_i + q_F (w_i - 1/2)   (force or stress channel)
 *   x_i' = x_i (1 + d_x) + s_x z_i + q_x (w_i - 1/2)   (extension or strain channel)
 *   g'   = g + u_g z                                  (each dimension)
 * with d_F ~ R(-c_F, c_F), d_x ~ R(-c_x, c_x) (rectangular: a class states
 * limits, GUM 4.3.7), z ~ N(0, 1), w ~ R(0, 1), s the record's noise and q
 * its resolution. NOTE: the record already carries its noise once; adding
 * it again spreads each trial's result about the nominal one by what that
 * noise does to the result, which is the noise's contribution to u.
 * The output of trial r is analysis_run(record', geometry'); u is the sample
 * standard deviation of the finite outputs (JCGM 101 §7.6) and U = k u.
 */
#include "uncertainty.h"
#include "numeric.h"

#include "../common/error.h"
#include "../common/pool.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The results an uncertainty is stated for (when the analysis gave them). */
static const char *const unc_keys[] = {"modulus_mpa",
                                       "compressive_modulus_mpa",
                                       "yield_strength_mpa",
                                       "yield_strain_pct",
                                       "upper_yield_strength_mpa",
                                       "lower_yield_strength_mpa",
                                       "tensile_strength_mpa",
                                       "strain_at_max_pct",
                                       "break_stress_mpa",
                                       "strain_at_break_pct",
                                       "elongation_after_fracture_pct",
                                       "max_force_n",
                                       "max_stress_mpa",
                                       "max_strain_pct",
                                       "first_max_stress_mpa",
                                       "fracture_stress_mpa",
                                       "fracture_strain_pct",
                                       "plateau_stress_mpa",
                                       "energy_absorption_mj_m3",
                                       "densification_strain_pct",
                                       "toughness_mj_m3",
                                       "cycle_first_unloading_modulus_mpa",
                                       "cycle_last_unloading_modulus_mpa",
                                       "cycle_last_residual_strain_pct",
                                       "relaxation_pct",
                                       "relaxation_fit_tau1_s",
                                       "creep_strain_pct"};
#define UNC_NKEYS (sizeof unc_keys / sizeof unc_keys[0])

void unc_opts_default(unc_opts *u)
{
    memset(u, 0, sizeof *u);
    curve_geom_clear(&u->u_geom);
    u->record_noise = true;
    u->seed = 1;
    u->tol = 0.05;
    u->min_trials = 2 * UNC_BATCH;
    u->max_trials = 5000;
    u->k = 2;
    u->jobs = 1;
}

/* ---- random numbers: one stream per trial ------------------------------ */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s;
    double spare;
    bool has_spare;
} rng;

static void rng_seed(rng *r, uint64_t seed, uint64_t trial)
{
    uint64_t s = seed ^ (trial * 0xD1B54A32D192ED03ull);
    r->s = splitmix64(&s);
    r->has_spare = false;
}

static double rng_uniform(rng *r) /* [0, 1) */
{
    return (splitmix64(&r->s) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_normal(rng *r) /* Box-Muller, both values used */
{
    if (r->has_spare) {
        r->has_spare = false;
        return r->spare;
    }
    double u = rng_uniform(r), v = rng_uniform(r);
    if (u < 1e-300)
        u = 1e-300;
    double m = sqrt(-2 * log(u));
    r->spare = m * sin(2 * M_PI * v);
    r->has_spare = true;
    return m * cos(2 * M_PI * v);
}

/* ---- the record's noise and resolution --------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void unc_channel_noise(const double *v, size_t n, double *sd, double *resolution)
{
    *sd = 0;
    *resolution = 0;
    if (n < 8)
        return;
    /* sd from second differences: var(v[i+1] - 2 v[i] + v[i-1]) = 6 s^2 for
     * white noise, while a ramp cancels; robust: 1.4826 MAD / sqrt(6). */
    size_t m = n - 2, step = m > 50000 ? m / 50000 : 1, k = 0;
    double *d = malloc((m / step + 1) * sizeof *d);
    if (!d)
        return;
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        lo = num_min(lo, v[i]);
        hi = num_max(hi, v[i]);
    }
    double tiny = 1e-9 * (hi - lo), res = INFINITY;
    for (size_t i = 1; i + 1 < n; i += step) {
        d[k++] = v[i + 1] - 2 * v[i] + v[i - 1];
        double s = fabs(v[i + 1] - v[i]);
        if (s > tiny && s < res)
            res = s;
    }
    qsort(d, k, sizeof *d, cmp_double);
    double med = d[k / 2];
    for (size_t i = 0; i < k; i++)
        d[i] = fabs(d[i] - med);
    qsort(d, k, sizeof *d, cmp_double);
    *sd = 1.4826 * d[k / 2] / sqrt(6.0);
    /* A resolution is visible only when the steps lie on a grid of the
     * smallest one (within 5 %, for values stored in single precision) and
     * at least two multiples of it occur: the steps of a smooth ramp are
     * all alike and say nothing about the instrument. */
    if (isfinite(res)) {
        size_t on = 0, tot = 0;
        long seen[2] = {-1, -1};
        for (size_t i = 1; i < n; i += step) {
            double r = fabs(v[i] - v[i - 1]) / res, k_ = round(r);
            tot++;
            if (fabs(r - k_) <= 0.05) {
                on++;
                if (seen[0] < 0)
                    seen[0] = (long)k_;
                else if ((long)k_ != seen[0])
                    seen[1] = (long)k_;
            }
        }
        if (on >= tot * 98 / 100 && seen[1] >= 0)
            *resolution = res;
    }
    free(d);
}

/* ---- trials ------------------------------------------------------------- */

typedef struct {
    const curve *c;
    const analysis_opts *o;
    const unc_opts *u;
    curve_geom g;                             /* nominal merged geometry */
    double sd[CURVE_NROLES], q[CURVE_NROLES]; /* noise and resolution per channel */
    size_t keys[UNC_NKEYS], nk;               /* indices into unc_keys */
    double *val;                              /* max_trials x nk */
    int *failed;                              /* per trial */
    size_t base;                              /* first trial of the batch */
} mc;

static double perturb_area(const mc *m, const curve_geom *g, rng *r, curve_geom *tg)
{
    const curve_geom *u = &m->u->u_geom;
    *tg = *g;
#define DRAW(f)                                                                                \
    if (isfinite(g->f) && isfinite(u->f) && u->f > 0)                                          \
    tg->f = g->f + u->f * rng_normal(r)
    DRAW(width_m);
    DRAW(thickness_m);
    DRAW(diameter_m);
    DRAW(gauge_m);
    DRAW(height_m);
#undef DRAW
#define GIVEN(f) (isfinite(u->f) && u->f > 0)
    if (GIVEN(area_m2) && isfinite(curve_geom_area(g)))
        return curve_geom_area(g) + u->area_m2 * rng_normal(r);
    if ((GIVEN(width_m) || GIVEN(thickness_m)) && isfinite(g->width_m) &&
        isfinite(g->thickness_m))
        return tg->width_m * tg->thickness_m;
    if (GIVEN(diameter_m) && isfinite(g->diameter_m))
        return M_PI * tg->diameter_m * tg->diameter_m / 4;
#undef GIVEN
    return curve_geom_area(g);
}

static void trial(void *ctx, size_t i)
{
    mc *m = ctx;
    size_t r_idx = m->base + i;
    double *out = m->val + r_idx * m->nk;
    for (size_t k = 0; k < m->nk; k++)
        out[k] = NAN;
    m->failed[r_idx] = 1;
    rng r;
    rng_seed(&r, m->u->seed, r_idx);
    const curve *c = m->c;
    curve tc = *c; /* shallow: metadata shared read-only, channels replaced */
    double *buf[CURVE_NROLES] = {0};
    double dF = (2 * rng_uniform(&r) - 1) * m->u->force_class_pct / 100;
    double dx = (2 * rng_uniform(&r) - 1) * m->u->ext_class_pct / 100;
    curve_geom tg;
    double area = perturb_area(m, &m->g, &r, &tg);
    tg.area_m2 = area;
    for (int ch = 0; ch < CURVE_NROLES; ch++) {
        if (!curve_has(c, (curve_role)ch) || ch == CURVE_TIME)
            continue;
        buf[ch] = malloc(c->n * sizeof *buf[ch]);
        if (!buf[ch])
            goto out;
        double d = ch == CURVE_FORCE || ch == CURVE_STRESS ? dF : dx;
        double sd = m->u->record_noise ? m->sd[ch] : 0, q = m->u->record_noise ? m->q[ch] : 0;
        const double *v = c->ch[ch];
        for (size_t j = 0; j < c->n; j++) {
            double y = v[j] * (1 + d);
            if (sd > 0)
                y += sd * rng_normal(&r);
            if (q > 0)
                y += q * (rng_uniform(&r) - 0.5);
            buf[ch][j] = y;
        }
        tc.ch[ch] = buf[ch];
    }
    analysis_opts to = *m->o;
    to.geom = tg;
    to.threads = 1;
    result_set rs;
    results_init(&rs);
    char why[256];
    if (analysis_run(&tc, &to, &rs, why, sizeof why) == RIGOR_OK) {
        m->failed[r_idx] = 0;
        for (size_t k = 0; k < m->nk; k++)
            out[k] = results_get(&rs, unc_keys[m->keys[k]]);
    }
    results_clear(&rs);
out:
    for (int ch = 0; ch < CURVE_NROLES; ch++)
        free(buf[ch]);
}

/* Standard deviation of column k over trials [0, nt), finite values only,
 * in index order (the same sum for any thread count). */
static double column_sd(const mc *m, size_t k, size_t nt, size_t *nfin)
{
    double mean = 0;
    size_t nf = 0;
    for (size_t r = 0; r < nt; r++) {
        double v = m->val[r * m->nk + k];
        if (isfinite(v)) {
            mean += v;
            nf++;
        }
    }
    *nfin = nf;
    if (nf < 2)
        return NAN;
    mean /= (double)nf;
    double ss = 0;
    for (size_t r = 0; r < nt; r++) {
        double v = m->val[r * m->nk + k];
        if (isfinite(v))
            ss += (v - mean) * (v - mean);
    }
    return sqrt(ss / (double)(nf - 1));
}

int uncertainty_run(const curve *c, const analysis_opts *o, const unc_opts *u, result_set *rs,
                    char *why, size_t wl)
{
    if (!(u->k > 0) || !(u->tol > 0) || u->max_trials < 2 || u->min_trials > u->max_trials ||
        !(u->force_class_pct >= 0) || !(u->ext_class_pct >= 0)) {
        snprintf(why, wl, "uncertainty options out of range");
        return RIGOR_EINVAL;
    }
    mc m = {.c = c, .o = o, .u = u};
    analysis_merge_geom(&o->geom, &c->geom, &m.g);
    for (size_t k = 0; k < UNC_NKEYS; k++)
        if (isfinite(results_get(rs, unc_keys[k])))
            m.keys[m.nk++] = k;
    if (!m.nk)
        return RIGOR_OK;
    for (int ch = 0; ch < CURVE_NROLES; ch++)
        if (curve_has(c, (curve_role)ch) && ch != CURVE_TIME)
            unc_channel_noise(c->ch[ch], c->n, &m.sd[ch], &m.q[ch]);
    size_t maxt = (u->max_trials + UNC_BATCH - 1) / UNC_BATCH * UNC_BATCH;
    m.val = malloc(maxt * m.nk * sizeof *m.val);
    m.failed = calloc(maxt, sizeof *m.failed);
    double *U_prev = malloc(m.nk * sizeof *U_prev), *U = malloc(m.nk * sizeof *U);
    int rc = RIGOR_OK;
    if (!m.val || !m.failed || !U_prev || !U) {
        rc = RIGOR_ENOMEM;
        goto out;
    }
    size_t nt = 0, stable = 0;
    bool converged = false;
    while (nt < maxt) {
        m.base = nt;
        pool_run(UNC_BATCH, u->jobs, trial, &m);
        nt += UNC_BATCH;
        bool same = nt > UNC_BATCH;
        for (size_t k = 0; k < m.nk; k++) {
            size_t nf;
            U[k] = u->k * column_sd(&m, k, nt, &nf);
            if (nt > UNC_BATCH && !(fabs(U[k] - U_prev[k]) <= u->tol * fabs(U[k])) &&
                !(U[k] == 0 && U_prev[k] == 0) && isfinite(U[k]))
                same = false;
            U_prev[k] = U[k];
        }
        stable = same ? stable + 1 : 0;
        if (nt >= u->min_trials && stable >= 2) {
            converged = true;
            break;
        }
    }
    size_t nfail = 0;
    for (size_t r = 0; r < nt; r++)
        nfail += m.failed[r] != 0;
    for (size_t k = 0; k < m.nk; k++) {
        char key[64];
        size_t nf;
        double sd = column_sd(&m, k, nt, &nf);
        snprintf(key, sizeof key, "%s_u", unc_keys[m.keys[k]]);
        if ((rc = results_number(rs, key, u->k * sd)))
            goto out;
        if (nf < nt * 9 / 10)
            results_note(rs,
                         "WARNING: %s: only %zu of %zu Monte Carlo trials gave a value; "
                         "its uncertainty is not representative",
                         unc_keys[m.keys[k]], nf, nt);
    }
    results_number(rs, "coverage_factor", u->k);
    results_method_string(rs, "uncertainty_method", "Monte Carlo, GUM S1 (JCGM 101)");
    results_method_number(rs, "uncertainty_trials", (double)nt);
    results_method_number(rs, "uncertainty_seed", (double)u->seed);
    results_method_number(rs, "uncertainty_tolerance_pct", u->tol * 100);
    results_method_number(rs, "force_class_pct", u->force_class_pct);
    results_method_number(rs, "extensometer_class_pct", u->ext_class_pct);
    const curve_geom *ug = &u->u_geom;
    bool any_ug = false;
    for (int i = 0; i < 6; i++) {
        double g = i == 0   ? ug->width_m
                   : i == 1 ? ug->thickness_m
                   : i == 2 ? ug->diameter_m
                   : i == 3 ? ug->gauge_m
                   : i == 4 ? ug->height_m
                            : ug->area_m2;
        any_ug |= isfinite(g) && g > 0;
    }
    results_method_string(rs, "force_class_source",
                          !(u->force_class_pct > 0) ? "not stated"
                          : u->force_class_src      ? u->force_class_src
                                                    : "options");
    results_method_string(rs, "extensometer_class_source",
                          !(u->ext_class_pct > 0) ? "not stated"
                          : u->ext_class_src      ? u->ext_class_src
                                                  : "options");
    results_method_string(rs, "geometry_uncertainty_source",
                          !any_ug         ? "not stated"
                          : u->u_geom_src ? u->u_geom_src
                                          : "options");
    if (isfinite(ug->width_m) && ug->width_m > 0)
        results_method_number(rs, "u_width_mm", ug->width_m * 1e3);
    if (isfinite(ug->thickness_m) && ug->thickness_m > 0)
        results_method_number(rs, "u_thickness_mm", ug->thickness_m * 1e3);
    if (isfinite(ug->diameter_m) && ug->diameter_m > 0)
        results_method_number(rs, "u_diameter_mm", ug->diameter_m * 1e3);
    if (isfinite(ug->gauge_m) && ug->gauge_m > 0)
        results_method_number(rs, "u_gauge_length_mm", ug->gauge_m * 1e3);
    if (isfinite(ug->height_m) && ug->height_m > 0)
        results_method_number(rs, "u_height_mm", ug->height_m * 1e3);
    if (isfinite(ug->area_m2) && ug->area_m2 > 0)
        results_method_number(rs, "u_area_mm2", ug->area_m2 * 1e6);
    if (u->record_noise) {
        if (curve_has(c, CURVE_FORCE)) {
            results_method_number(rs, "noise_force_n", m.sd[CURVE_FORCE]);
            results_method_number(rs, "resolution_force_n", m.q[CURVE_FORCE]);
        }
        if (curve_has(c, CURVE_EXT)) {
            results_method_number(rs, "noise_extension_mm", m.sd[CURVE_EXT] * 1e3);
            results_method_number(rs, "resolution_extension_mm", m.q[CURVE_EXT] * 1e3);
        }
    }
    if (nfail)
        results_note(rs, "%zu of %zu Monte Carlo trials could not be analysed", nfail, nt);
    if (!converged)
        results_note(rs, "WARNING: the uncertainty did not settle to %.3g %% within %zu trials",
                     u->tol * 100, nt);
out:
    free(m.val);
    free(m.failed);
    free(U_prev);
    free(U);
    return rc;
}
