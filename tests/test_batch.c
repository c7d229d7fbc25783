/* test_batch.c — Weibull estimators and per-group batch statistics.
 *
 * References:
 *  - closed form: strengths placed exactly on Bernard's median ranks of a
 *    Weibull(m, sigma0) give back m and sigma0 by median-rank regression
 *    with r^2 = 1;
 *  - large samples: 4000 Weibull(m = 8, sigma0 = 300 MPa) variates drawn by
 *    inversion, x = sigma0 (-ln(1 - U))^(1/m), from a fixed-seed xorshift64*
 *    generator; both estimators recover m and sigma0 within a few %
 *    (the sampling SD of m at n = 4000 is ~ 0.78 m / sqrt(n) ~ 1.2 %);
 *  - an independent implementation: for the ten strengths of test_small,
 *    SciPy 1.10.1 scipy.stats.weibull_min.fit(x, floc=0) gives
 *    m = 13.0177160, sigma0 = 369.309201 (its optimiser stops at ~1e-7
 *    relative; scipy.optimize.brentq on the likelihood equation gives
 *    m = 13.01771483, sigma0 = 369.3091795), and numpy.polyfit of
 *    ln ln(1/(1-F)) on ln x with Bernard's ranks gives m = 12.95195659,
 *    sigma0 = 369.3774650, r^2 = 0.96476121.
 */
#include "../analysis/batch.h"
#include "../analysis/weibull.h"
#include "../common/error.h"
#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* xorshift64* (Vigna 2016): fixed seed, same numbers on every platform. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double uniform01(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t r = rng_state * 2685821657736338717ull;
    return ((double)(r >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
}

static void test_closed_form_mrr(void)
{
    enum { N = 15 };
    double x[N], work[2 * N];
    const double m = 6.5, s0 = 250;
    for (int i = 0; i < N; i++) {
        double f = (i + 1 - 0.3) / (N + 0.4);
        x[N - 1 - i] = s0 * pow(-log1p(-f), 1 / m); /* reversed: the fit must sort */
    }
    weibull_est e;
    int rc = weibull_mrr(x, N, work, &e);
    CHECK(rc == RIGOR_OK, "mrr rc %d", rc);
    CHECK_NEAR(e.m, m, 0, 1e-10, "MRR m on exact median ranks");
    CHECK_NEAR(e.sigma0, s0, 0, 1e-10, "MRR sigma0 on exact median ranks");
    CHECK_NEAR(e.r2, 1, 1e-12, 0, "MRR r2 on exact median ranks");
    CHECK(e.n == N, "n %zu", e.n);
}

static void test_large_sample(void)
{
    enum { N = 4000 };
    static double x[N], work[2 * N];
    const double m = 8, s0 = 300;
    for (int i = 0; i < N; i++)
        x[i] = s0 * pow(-log1p(-uniform01()), 1 / m);
    weibull_est mle, mrr;
    CHECK(weibull_mle(x, N, &mle) == RIGOR_OK, "mle");
    CHECK(weibull_mrr(x, N, work, &mrr) == RIGOR_OK, "mrr");
    CHECK_NEAR(mle.m, m, 0, 0.04, "MLE m, n = 4000");
    CHECK_NEAR(mle.sigma0, s0, 0, 0.01, "MLE sigma0, n = 4000");
    CHECK_NEAR(mrr.m, m, 0, 0.05, "MRR m, n = 4000");
    CHECK_NEAR(mrr.sigma0, s0, 0, 0.01, "MRR sigma0, n = 4000");
    CHECK(mrr.r2 > 0.98, "Weibull data give a straight Weibull plot, r2 %g", mrr.r2);
}

static void test_small(void)
{
    const double x[] = {308, 326, 332, 347, 351, 358, 369, 372, 385, 411};
    double work[20];
    weibull_est mle, mrr;
    CHECK(weibull_mle(x, 10, &mle) == RIGOR_OK, "mle");
    CHECK(weibull_mrr(x, 10, work, &mrr) == RIGOR_OK, "mrr");
    CHECK_NEAR(mle.m, 13.01771483, 0, 1e-8, "MLE m vs brentq");
    CHECK_NEAR(mle.sigma0, 369.3091795, 0, 1e-8, "MLE sigma0 vs brentq");
    CHECK_NEAR(mle.m, 13.0177160, 0, 1e-6, "MLE m vs SciPy weibull_min.fit");
    CHECK_NEAR(mle.sigma0, 369.309201, 0, 1e-6, "MLE sigma0 vs SciPy weibull_min.fit");
    CHECK_NEAR(mrr.m, 12.95195659, 0, 1e-8, "MRR m vs numpy.polyfit");
    CHECK_NEAR(mrr.sigma0, 369.3774650, 0, 1e-8, "MRR sigma0 vs numpy.polyfit");
    CHECK_NEAR(mrr.r2, 0.96476121, 1e-7, 0, "MRR r2 vs numpy");
    CHECK(isnan(mle.r2), "MLE has no r2");

    /* scale invariance: strengths in Pa instead of MPa */
    double xp[10];
    for (int i = 0; i < 10; i++)
        xp[i] = x[i] * 1e6;
    weibull_est p;
    CHECK(weibull_mle(xp, 10, &p) == RIGOR_OK, "mle in Pa");
    CHECK_NEAR(p.m, mle.m, 0, 1e-9, "m does not depend on the unit");
    CHECK_NEAR(p.sigma0, mle.sigma0 * 1e6, 0, 1e-9, "sigma0 scales with the unit");
}

static void test_refused(void)
{
    double work[8];
    weibull_est e;
    const double two[] = {1, 2};
    const double same[] = {5, 5, 5, 5};
    const double neg[] = {5, -1, 6, 7};
    const double nan3[] = {5, NAN, 6};
    CHECK(weibull_mle(two, 2, &e) == RIGOR_ENODATA, "n = 2 refused (MLE)");
    CHECK(weibull_mrr(two, 2, work, &e) == RIGOR_ENODATA, "n = 2 refused (MRR)");
    CHECK(weibull_mle(same, 4, &e) == RIGOR_ENODATA, "no scatter refused (MLE)");
    CHECK(weibull_mrr(same, 4, work, &e) == RIGOR_ENODATA, "no scatter refused (MRR)");
    CHECK(weibull_mle(neg, 4, &e) == RIGOR_EINVAL, "negative strength refused");
    CHECK(weibull_mrr(nan3, 3, work, &e) == RIGOR_EINVAL, "NaN strength refused");
}

/* Specimens in three groups, interleaved; a key missing in some. */
static void test_summarize(void)
{
    enum { N = 7 };
    result_set rs[N];
    const result_set *prs[N];
    const char *grp[N] = {"A", "B", "A", "C", "A", "B", "A"};
    const double ts[N] = {100, 50, 110, 70, 90, 55, 105};
    for (int i = 0; i < N; i++) {
        results_init(&rs[i]);
        results_number(&rs[i], "max_force_n", 10.0 * (i + 1));
        results_number(&rs[i], "tensile_strength_mpa", ts[i]);
        results_number(&rs[i], "break_index", 100 + i);
        if (i != 4)
            results_number(&rs[i], "modulus_mpa", 2000 + i);
        results_string(&rs[i], "break_rule", "sudden-drop");
        prs[i] = &rs[i];
    }
    results_number(&rs[6], "modulus_mpa", NAN); /* null: not counted */
    batch_summary s;
    int rc = batch_summarize(prs, grp, N, &s);
    CHECK(rc == RIGOR_OK, "summarize rc %d", rc);
    CHECK(s.ngroups == 3, "3 groups, got %zu", s.ngroups);
    if (s.ngroups == 3) {
        CHECK(!strcmp(s.groups[0].name, "A") && !strcmp(s.groups[1].name, "B") &&
                  !strcmp(s.groups[2].name, "C"),
              "groups in order of first appearance");
        batch_group *a = &s.groups[0];
        CHECK(a->n == 4 && a->members[0] == 0 && a->members[1] == 2 && a->members[2] == 4 &&
                  a->members[3] == 6,
              "members of A");
        CHECK(a->nkeys == 3,
              "numeric keys only (break_rule is a string, break_index an index): %zu",
              a->nkeys);
        const batch_keystat *t = NULL, *mo = NULL;
        for (size_t k = 0; k < a->nkeys; k++) {
            if (!strcmp(a->keys[k].key, "tensile_strength_mpa"))
                t = &a->keys[k];
            if (!strcmp(a->keys[k].key, "modulus_mpa"))
                mo = &a->keys[k];
        }
        CHECK(t && mo, "keys present");
        if (t && mo) {
            /* 100, 110, 90, 105: mean 101.25, SD sqrt(218.75/3) */
            CHECK(t->st.n == 4, "n %zu", t->st.n);
            CHECK_NEAR(t->st.mean, 101.25, 1e-12, 0, "mean");
            CHECK_NEAR(t->st.sd, sqrt(218.75 / 3), 1e-12, 0, "SD (n - 1)");
            CHECK_NEAR(t->st.cv_pct, 100 * sqrt(218.75 / 3) / 101.25, 1e-12, 0, "CV %%");
            CHECK(t->st.min == 90 && t->st.max == 110, "min/max");
            CHECK(t->strength && t->weibull_rc == RIGOR_OK, "Weibull for a strength key");
            weibull_est ref;
            const double v[] = {100, 110, 90, 105};
            weibull_mle(v, 4, &ref);
            CHECK_NEAR(t->mle.m, ref.m, 0, 1e-12, "group Weibull = Weibull of its values");
            CHECK(!mo->strength, "modulus is not a strength");
            CHECK(mo->st.n == 2, "modulus: specimen 4 lacks it, 6 is null: n %zu", mo->st.n);
        }
        const batch_keystat *tb = NULL;
        for (size_t k = 0; k < s.groups[1].nkeys; k++)
            if (!strcmp(s.groups[1].keys[k].key, "tensile_strength_mpa"))
                tb = &s.groups[1].keys[k];
        CHECK(tb && tb->weibull_rc == RIGOR_ENODATA, "two specimens: no Weibull fit");
    }
    batch_summary_free(&s);
    CHECK(batch_is_strength_key("max_stress_mpa") && !batch_is_strength_key("max_force_n"),
          "strength keys");
    for (int i = 0; i < N; i++)
        results_clear(&rs[i]);
}

/* Exclusions and mixed tests (issue 23): an excluded specimen is listed
 * under its group with its reason and left out of every statistic; a folder
 * holding tensile and compression specimens becomes two groups, never one
 * mean of both. */
static void test_exclude_and_mixed(void)
{
    enum { N = 5 };
    result_set rs[N];
    const result_set *prs[N];
    const char *grp[N] = {"d", "d", "d", "d", "e"};
    const char *tst[N] = {"tensile", "tensile", "compression", "tensile", "tensile"};
    const double v[N] = {100, 200, 7, 1000, 50};
    const char *exc[N] = {NULL, NULL, NULL, "the run ended by 'operator stop'", NULL};
    for (int i = 0; i < N; i++) {
        results_init(&rs[i]);
        snprintf(rs[i].test, sizeof rs[i].test, "%s", tst[i]);
        results_number(&rs[i], "max_stress_mpa", v[i]);
        prs[i] = &rs[i];
    }
    batch_summary s;
    int rc = batch_summarize_ex(prs, grp, exc, N, &s);
    CHECK(rc == RIGOR_OK, "rc %d", rc);
    CHECK(s.ngroups == 3, "d · tensile, d · compression, e: %zu groups", s.ngroups);
    if (s.ngroups == 3) {
        CHECK(!strcmp(s.groups[0].name, "d · tensile") &&
                  !strcmp(s.groups[1].name, "d · compression") &&
                  !strcmp(s.groups[2].name, "e"),
              "names %s | %s | %s", s.groups[0].name, s.groups[1].name, s.groups[2].name);
        const batch_group *t = &s.groups[0];
        CHECK(t->n == 2 && t->nexcluded == 1 && t->excluded[0] == 3 &&
                  strstr(t->excluded_why[0], "operator stop"),
              "specimen 3 listed and left out");
        CHECK(t->nkeys == 1 && t->keys[0].st.n == 2, "statistics over 2");
        if (t->nkeys == 1)
            CHECK_NEAR(t->keys[0].st.mean, 150, 1e-12, 0, "mean without the excluded 1000");
        CHECK(s.groups[1].n == 1 && s.groups[1].keys[0].st.mean == 7, "compression apart");
    }
    batch_summary_free(&s);
    /* without exclusions: the same as batch_summarize, 1000 counted */
    rc = batch_summarize(prs, grp, N, &s);
    CHECK(rc == RIGOR_OK && s.ngroups == 3 && s.groups[0].n == 3, "no exclusion: n 3");
    batch_summary_free(&s);
    for (int i = 0; i < N; i++)
        results_clear(&rs[i]);
}

int main(void)
{
    TEST_RUN(test_closed_form_mrr);
    TEST_RUN(test_large_sample);
    TEST_RUN(test_small);
    TEST_RUN(test_refused);
    TEST_RUN(test_summarize);
    TEST_RUN(test_exclude_and_mixed);
    TEST_END("batch");
}
