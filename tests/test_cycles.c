/* test_cycles.c — load-unload cycles on closed-form records (analysis/cycles.c).
 *
 * The reference specimen is elastic-perfectly plastic (E, sigma_y): loading
 * past eps_y = sigma_y / E runs at sigma_y, unloading is elastic with slope E.
 * Strain-controlled cycles to growing peaks eps_k, unloaded to zero stress,
 * then have closed forms: peak stress sigma_y, residual strain eps_k - eps_y,
 * unloading modulus E, and hysteresis (plastic work of the cycle)
 *     W_1 = sigma_y (eps_1 - eps_y),  W_k = sigma_y (eps_k - eps_{k-1}).
 */
#include "harness.h"

#include <stdbool.h>
#include "synth.h"

#include "../analysis/analysis.h"
#include "../analysis/cycles.h"
#include "../analysis/numeric.h"
#include "../common/error.h"

#define E_PA 2.0e9
#define SY_PA 40.0e6
#define AREA 0.4e-6
#define GAUGE 0.02
#define RATE 1e-4 /* strain per sample */

typedef struct {
    double *t, *e, *s, *F;
    size_t n, cap;
    double ep; /* plastic strain of the model */
} rec;

static void push(rec *r, double e, double noise_s, double noise_e)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4096;
        r->t = realloc(r->t, r->cap * sizeof *r->t);
        r->e = realloc(r->e, r->cap * sizeof *r->e);
        r->s = realloc(r->s, r->cap * sizeof *r->s);
        r->F = realloc(r->F, r->cap * sizeof *r->F);
    }
    /* elastic-perfectly plastic return mapping */
    double s = E_PA * (e - r->ep);
    if (s > SY_PA) {
        r->ep = e - SY_PA / E_PA;
        s = SY_PA;
    }
    r->t[r->n] = r->n * 1e-3;
    r->e[r->n] = e + noise_e * synth_normal();
    r->s[r->n] = s + noise_s * synth_normal();
    r->F[r->n] = r->s[r->n] * AREA;
    r->n++;
}

/* Load from the current strain to e_hi, then unload until the stress is 0. */
static void cycle_to(rec *r, double *e, double e_hi, double ns, double ne)
{
    while (*e < e_hi) {
        *e += RATE;
        push(r, *e, ns, ne);
    }
    while (E_PA * (*e - r->ep) > 0) {
        *e -= RATE;
        push(r, *e, ns, ne);
    }
}

static void rec_free(rec *r)
{
    free(r->t);
    free(r->e);
    free(r->s);
    free(r->F);
}

static const double peaks[] = {0.04, 0.06, 0.08, 0.10};

static void build_epp(rec *r, double ns, double ne)
{
    memset(r, 0, sizeof *r);
    double e = 0;
    for (size_t k = 0; k < 4; k++)
        cycle_to(r, &e, peaks[k], ns, ne);
}

static void test_epp_closed_form(void)
{
    rec r;
    synth_seed(7);
    build_epp(&r, 0, 0);
    cycle_info cy[8];
    size_t nc = 0;
    int rc = cycles_find(r.t, r.e, r.s, r.F, r.n, AREA, cy, 8, &nc);
    CHECK(rc == RIGOR_OK, "rc %d", rc);
    CHECK(nc == 4, "found %zu cycles, want 4", nc);
    double ey = SY_PA / E_PA;
    for (size_t k = 0; k < nc && k < 4; k++) {
        char what[64];
        snprintf(what, sizeof what, "cycle %zu peak stress", k + 1);
        CHECK_NEAR(cy[k].peak_stress_Pa, SY_PA, 0, 1e-9, what);
        snprintf(what, sizeof what, "cycle %zu peak force", k + 1);
        CHECK_NEAR(cy[k].peak_force_N, SY_PA * AREA, 0, 1e-9, what);
        snprintf(what, sizeof what, "cycle %zu residual strain", k + 1);
        CHECK_NEAR(cy[k].valley_strain, peaks[k] - ey, 2 * RATE, 0, what);
        snprintf(what, sizeof what, "cycle %zu unloading modulus", k + 1);
        CHECK_NEAR(cy[k].unload_modulus_Pa, E_PA, 0, 1e-6, what);
        double W = SY_PA * (k ? peaks[k] - peaks[k - 1] : peaks[0] - ey);
        snprintf(what, sizeof what, "cycle %zu hysteresis", k + 1);
        /* trapezoids over steps of RATE: one step of sigma_y at each turn */
        CHECK_NEAR(cy[k].hysteresis_J_m3, W, 2 * SY_PA * RATE, 0, what);
    }
    rec_free(&r);
}

/* Noise on stress (0.5 % of sigma_y) and strain (1 % of a step) must not make
 * false reversals, and the results stay near the closed form. */
static void test_epp_noisy(void)
{
    rec r;
    synth_seed(11);
    build_epp(&r, 0.005 * SY_PA, 0.01 * RATE);
    cycle_info cy[8];
    size_t nc = 0;
    int rc = cycles_find(r.t, r.e, r.s, r.F, r.n, AREA, cy, 8, &nc);
    CHECK(rc == RIGOR_OK && nc == 4, "rc %d, %zu cycles, want 4", rc, nc);
    for (size_t k = 0; k < nc && k < 4; k++) {
        CHECK_NEAR(cy[k].unload_modulus_Pa, E_PA, 0, 0.01, "noisy unloading modulus");
        CHECK_NEAR(cy[k].valley_strain, peaks[k] - SY_PA / E_PA, 0.002, 0, "noisy residual");
    }
    rec_free(&r);
}

/* A monotonic ramp has no cycle; a return stroke after a fracture (no
 * force) is not one either. */
static void test_no_false_cycles(void)
{
    rec r = {0};
    synth_seed(3);
    double e = 0;
    for (int i = 0; i < 3000; i++) {
        e += RATE;
        push(&r, e, 0.005 * SY_PA, 0.01 * RATE);
    }
    cycle_info cy[4];
    size_t nc = 9;
    CHECK(cycles_find(r.t, r.e, r.s, r.F, r.n, AREA, cy, 4, &nc) == RIGOR_OK && nc == 0,
          "monotonic ramp: %zu cycles", nc);
    /* fracture: the stress falls to noise while the crosshead runs on for
     * 50 samples, then the crosshead returns */
    for (int i = 0; i < 2050; i++) {
        e += i < 50 ? RATE : -RATE;
        push(&r, e, 0, 0.01 * RATE);
        r.s[r.n - 1] = 1e4 * synth_normal();
        r.F[r.n - 1] = r.s[r.n - 1] * AREA;
    }
    CHECK(cycles_find(r.t, r.e, r.s, r.F, r.n, AREA, cy, 4, &nc) == RIGOR_OK && nc == 0,
          "return after fracture: %zu cycles", nc);
    rec_free(&r);
}

static curve *to_curve(const rec *r, const char *test)
{
    curve *c = NULL;
    if (curve_new(1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE, &c))
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        double row[CURVE_NROLES] = {r->t[i], r->e[i] * GAUGE, r->F[i], 0, 0};
        if (curve_append(c, row)) {
            curve_free(c);
            return NULL;
        }
    }
    snprintf(c->test, sizeof c->test, "%s", test);
    c->geom.area_m2 = AREA;
    c->geom.gauge_m = GAUGE;
    c->geom.height_m = GAUGE;
    return c;
}

/* Regression (issue 25): three elastic cycles to 10 N and a ramp to break
 * at 30 N reported the first stroke's 10 N as the maximum. */
static void test_whole_record_maximum(void)
{
    rec r = {0};
    synth_seed(5);
    double e = 0, e10 = 10.0 / AREA / E_PA, e1 = 1.0 / AREA / E_PA;
    /* elastic cycles between 1 N and 10 N (the model stays elastic: sigma_y
     * is 40 MPa = 16 N) */
    for (int k = 0; k < 3; k++) {
        while (e < e10) {
            e += RATE / 10;
            push(&r, e, 0.001 * SY_PA, 0);
        }
        while (e > e1) {
            e -= RATE / 10;
            push(&r, e, 0.001 * SY_PA, 0);
        }
    }
    /* to 0.05 strain, plastic at 16 N, then a force drop to zero (break) */
    while (e < 0.05) {
        e += RATE;
        push(&r, e, 0.001 * SY_PA, 0);
    }
    for (int i = 0; i < 50; i++) {
        e += RATE;
        push(&r, e, 0, 0);
        r.s[r.n - 1] = r.F[r.n - 1] = 0;
    }
    curve *c = to_curve(&r, "tensile");
    CHECK(c != NULL, "curve");
    if (!c) {
        rec_free(&r);
        return;
    }
    analysis_opts o;
    analysis_opts_default(&o);
    result_set rs;
    results_init(&rs);
    char why[256] = "";
    int rc = analysis_run(c, &o, &rs, why, sizeof why);
    CHECK(rc == RIGOR_OK, "analysis_run: %s", why);
    CHECK_NEAR(results_get(&rs, "max_force_n"), SY_PA * AREA, 0, 0.01,
               "max force (whole record)");
    CHECK_NEAR(results_get(&rs, "tensile_strength_mpa"), SY_PA * 1e-6, 0, 0.01, "strength");
    CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), 5.0, 0.05, 0, "strain at break");
    CHECK_NEAR(results_get(&rs, "cycle_count"), 3, 0, 0, "cycle count");
    CHECK_NEAR(results_get(&rs, "modulus_mpa"), E_PA * 1e-6, 0, 0.01,
               "modulus of the first stroke");
    const result_table *t = results_table_find(&rs, "cycles");
    CHECK(t && t->nrows == 3, "cycles table with 3 rows");
    if (t && t->nrows == 3)
        for (size_t k = 0; k < 3; k++) {
            CHECK_NEAR(t->v[k * t->ncols + 5], 10.0, 0, 0.01, "peak force of a cycle");
            CHECK_NEAR(t->v[k * t->ncols + 11], E_PA * 1e-6, 0, 0.01, "unloading modulus");
        }
    results_clear(&rs);
    curve_free(c);
    rec_free(&r);
}

/* A compression record (travel and force positive into the specimen) with
 * stack-pressure cycles: cycles are reported from the contact on and the
 * whole record's maximum is the maximum force. */
static void test_compression_cycles(void)
{
    rec r;
    synth_seed(9);
    build_epp(&r, 0.002 * SY_PA, 0);
    /* a final stroke to a larger force: hardening is absent, so go elastic
     * only: reload to 0.12 where the stress is again sigma_y; raise it by
     * scaling the last samples to mark a larger maximum */
    double e = r.e[r.n - 1];
    while (e < 0.12) {
        e += RATE;
        push(&r, e, 0, 0);
    }
    r.F[r.n - 1] *= 1.5; /* one sample above the cycles' peaks */
    r.s[r.n - 1] *= 1.5;
    curve *c = to_curve(&r, "compression");
    CHECK(c != NULL, "curve");
    if (!c) {
        rec_free(&r);
        return;
    }
    analysis_opts o;
    analysis_opts_default(&o);
    result_set rs;
    results_init(&rs);
    char why[256] = "";
    int rc = analysis_run(c, &o, &rs, why, sizeof why);
    CHECK(rc == RIGOR_OK, "analysis_run: %s", why);
    CHECK_NEAR(results_get(&rs, "max_force_n"), 1.5 * SY_PA * AREA, 0, 0.01,
               "compression: max force of the whole record");
    CHECK(results_get(&rs, "cycle_count") >= 4, "compression: %g cycles",
          results_get(&rs, "cycle_count"));
    const result_table *t = results_table_find(&rs, "cycles");
    CHECK(t && t->nrows >= 4, "compression cycles table");
    if (t && t->nrows >= 4)
        CHECK_NEAR(t->v[1 * t->ncols + 11], E_PA * 1e-6, 0, 0.02,
                   "compression unloading modulus");
    results_clear(&rs);
    curve_free(c);
    rec_free(&r);
}

/* Regression (issue 25): after stack-pressure cycles the compression notes
 * described the first stroke only ("no fracture detected", "the force after
 * the first loading stroke reaches ... above the reported maximum") while the
 * cycles code reported the whole record's maximum and a later fracture. A
 * brittle pellet: three elastic cycles 1..10 N, then a ramp to 15 N and
 * either a fracture (force to 0) or a slow unloading (no fracture). */
static bool has_note(const result_set *rs, const char *part)
{
    for (size_t i = 0; i < rs->nnotes; i++)
        if (strstr(rs->notes[i], part))
            return true;
    return false;
}

static void test_compression_notes_after_cycles(void)
{
    for (int broken = 1; broken >= 0; broken--) {
        rec r = {0};
        synth_seed(11);
        double e = 0, e10 = 10.0 / AREA / E_PA, e1 = 1.0 / AREA / E_PA;
        double e15 = 15.0 / AREA / E_PA;
        for (int k = 0; k < 3; k++) {
            while (e < e10) {
                e += RATE / 10;
                push(&r, e, 0.001 * SY_PA, 0);
            }
            while (e > e1) {
                e -= RATE / 10;
                push(&r, e, 0.001 * SY_PA, 0);
            }
        }
        while (e < e15) {
            e += RATE / 10;
            push(&r, e, 0.001 * SY_PA, 0);
        }
        for (int i = 0; i < 300; i++) {
            e += broken ? RATE / 10 : -RATE / 10;
            push(&r, e, 0, 0);
            if (broken)
                r.s[r.n - 1] = r.F[r.n - 1] = 0;
        }
        curve *c = to_curve(&r, "compression");
        CHECK(c != NULL, "curve");
        if (!c) {
            rec_free(&r);
            return;
        }
        analysis_opts o;
        analysis_opts_default(&o);
        result_set rs;
        results_init(&rs);
        char why[256] = "";
        CHECK(analysis_run(c, &o, &rs, why, sizeof why) == RIGOR_OK, "analysis_run: %s", why);
        CHECK_NEAR(results_get(&rs, "max_force_n"), 15.0, 0, 0.01, "whole-record maximum");
        CHECK(has_note(&rs, "the maximum of the whole record"), "the cycles note");
        CHECK(!has_note(&rs, "the force after the first loading stroke reaches"),
              "broken %d: the first stroke's maximum note is restated, not kept", broken);
        CHECK(!has_note(&rs, "above the reported maximum"), "no contradicting maximum");
        CHECK(!has_note(&rs, "later cycles are not analysed"), "cycles are analysed");
        CHECK(has_note(&rs, "the first loading stroke's (samples 1.."),
              "says which results are the first stroke's");
        CHECK(!has_note(&rs, "end of the data") && !has_note(&rs, "the curve ends before"),
              "the first stroke's end is not called the end of the data");
        CHECK(has_note(&rs, "integrated to the end of the first loading stroke"),
              "the energy note names the first stroke");
        if (broken) {
            CHECK_NEAR(results_get(&rs, "fracture_stress_mpa"), 15.0 / AREA * 1e-6, 0, 0.01,
                       "fracture on the later stroke");
            CHECK(!has_note(&rs, "no fracture detected"), "no 'no fracture' note beside it");
            CHECK(has_note(&rs, "on a later stroke"), "the later fracture's note");
        } else {
            CHECK(!isfinite(results_get(&rs, "fracture_stress_mpa")), "no fracture");
            CHECK(has_note(&rs, "no fracture detected (on the first loading stroke, nor after "
                                "the whole record's maximum)"),
                  "the no-fracture note covers the whole record");
            CHECK(!has_note(&rs, "no fracture detected on the first loading stroke"),
                  "the first-stroke note is replaced");
        }
        for (size_t i = 0; i < rs.nnotes; i++)
            printf("  %s: %s\n", broken ? "broken" : "unbroken", rs.notes[i]);
        results_clear(&rs);
        curve_free(c);
        rec_free(&r);
    }
}

/* The result table: rows append and free with the set. */
static void test_result_table(void)
{
    result_set rs;
    results_init(&rs);
    const char *cols[] = {"a", "b"};
    size_t ti = 99;
    CHECK(results_table_add(&rs, "x", cols, 2, &ti) == RIGOR_OK && ti == 0, "add");
    double row[2] = {1, 2};
    CHECK(results_table_row(&rs, ti, row) == RIGOR_OK, "row");
    row[0] = 3;
    CHECK(results_table_row(&rs, ti, row) == RIGOR_OK, "row");
    const result_table *t = results_table_find(&rs, "x");
    CHECK(t && t->nrows == 2 && t->v[2] == 3 && t->v[3] == 2, "contents");
    CHECK(results_table_find(&rs, "y") == NULL, "unknown table");
    const char *many[RESULT_TABLE_COLS + 1] = {0};
    for (size_t i = 0; i <= RESULT_TABLE_COLS; i++)
        many[i] = "c";
    CHECK(results_table_add(&rs, "z", many, RESULT_TABLE_COLS + 1, &ti) == RIGOR_EINVAL,
          "too many columns refused");
    results_clear(&rs);
    CHECK(rs.ntables == 0 && rs.tables == NULL, "cleared");
}

int main(void)
{
    analysis_init();
    TEST_RUN(test_epp_closed_form);
    TEST_RUN(test_epp_noisy);
    TEST_RUN(test_no_false_cycles);
    TEST_RUN(test_whole_record_maximum);
    TEST_RUN(test_compression_cycles);
    TEST_RUN(test_compression_notes_after_cycles);
    TEST_RUN(test_result_table);
    TEST_END("test_cycles");
}
