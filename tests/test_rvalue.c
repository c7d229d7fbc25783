/* test_rvalue.c — plastic strain ratio r (ISO 10113) on closed-form curves
 * whose width channel is built from a known r, and end to end from a
 * testXpert-shaped export with a Breitenänderung column.
 *
 * Closed form: with eps_l = ln(1 + e) and a constant r, volume constancy
 * gives eps_b = -r / (1 + r) eps_l, so db = b0 ((1 + e)^(-r/(1+r)) - 1).
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "../analysis/numeric.h"
#include "../analysis/rvalue.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 600
static double EPS[NS], DB[NS];

/* e from 0 to 0.30; width from r (with a constant offset c0 of the gauge) */
static void build(double r, double b0, double c0)
{
    double m = -r / (1 + r);
    for (int i = 0; i < NS; i++) {
        EPS[i] = 0.30 * i / (NS - 1);
        DB[i] = b0 * (pow(1 + EPS[i], m) - 1) + c0;
    }
}

static bool has_note(const result_set *rs, const char *needle)
{
    for (size_t i = 0; i < rs->nnotes; i++)
        if (strstr(rs->notes[i], needle))
            return true;
    return false;
}

static void test_isotropic_and_anisotropic(void)
{
    const double rs_[] = {1.0, 2.0, 0.6};
    for (size_t k = 0; k < sizeof rs_ / sizeof rs_[0]; k++) {
        build(rs_[k], 20e-3, 0);
        rvalue_fit f;
        int rc = rvalue_compute(EPS, DB, NS, 20e-3, 0, RVALUE_LO, RVALUE_HI, &f);
        CHECK(rc == RIGOR_OK, "r %g: rc %d", rs_[k], rc);
        CHECK_NEAR(f.r, rs_[k], 1e-9, 0, "r");
        CHECK_NEAR(f.m, -rs_[k] / (1 + rs_[k]), 1e-9, 0, "slope");
        CHECK(f.np >= 5 && f.r2 > 0.999999, "np %zu r2 %g", f.np, f.r2);
        /* every fitted sample is in 8-12 %: 0.04 / (0.30 / 599) + 1 samples */
        CHECK(f.np == 80 || f.np == 81, "samples in range %zu", f.np);
    }
    /* r = 1 is isotropic: eps_b = eps_a, the width and thickness strains equal */
    build(1.0, 20e-3, 0);
    double e = EPS[NS / 3], eb = log1p(DB[NS / 3] / 20e-3), el = log1p(e);
    CHECK_NEAR(eb, -(el + eb), 1e-15, 0, "isotropic: eps_b = eps_a");
}

static void test_offset_and_toe(void)
{
    /* a zero offset of the transverse gauge does not change the slope */
    build(2.0, 20e-3, 3e-6);
    rvalue_fit f;
    CHECK(rvalue_compute(EPS, DB, NS, 20e-3, 0, RVALUE_LO, RVALUE_HI, &f) == RIGOR_OK, "rc");
    CHECK_NEAR(f.r, 2.0, 0.002, 0, "r with a 3 um gauge offset");
    CHECK(fabs(f.r - 2.0) > 1e-9, "the offset is seen (not a hard-coded answer)");
    /* the toe: e' = e - toe selects the range and is the length strain */
    double toe = 0.01;
    for (int i = 0; i < NS; i++) {
        double ep = 0.30 * i / (NS - 1);
        EPS[i] = ep + toe;
        DB[i] = 20e-3 * (pow(1 + ep, -2.0 / 3) - 1);
    }
    CHECK(rvalue_compute(EPS, DB, NS, 20e-3, toe, RVALUE_LO, RVALUE_HI, &f) == RIGOR_OK,
          "rc toe");
    CHECK_NEAR(f.r, 2.0, 1e-9, 0, "r with the toe taken out");
}

static void test_analyze_results_and_absent(void)
{
    result_set rs;
    build(2.0, 20e-3, 0);
    results_init(&rs);
    CHECK(rvalue_analyze(EPS, DB, NS, 20e-3, 0, 0.25, &rs) == RIGOR_OK, "analyze");
    CHECK_NEAR(results_get(&rs, "r_value"), 2.0, 1e-9, 0, "r_value");
    CHECK_NEAR(results_get(&rs, "r_value_r2"), 1.0, 1e-9, 0, "r_value_r2");
    const result_value *rg = results_find(&rs, "r_value_range_pct");
    CHECK(rg != NULL, "range reported");
    results_clear(&rs);

    /* uniform elongation 10 %: the range is clipped at it (8-10 %) */
    results_init(&rs);
    CHECK(rvalue_analyze(EPS, DB, NS, 20e-3, 0, 0.10, &rs) == RIGOR_OK, "clipped");
    CHECK_NEAR(results_get(&rs, "r_value"), 2.0, 1e-9, 0, "clipped r");
    results_clear(&rs);

    /* a low uniform elongation (5 %): the 4 % before it, 2-5 % at least 2 % */
    results_init(&rs);
    CHECK(rvalue_analyze(EPS, DB, NS, 20e-3, 0, 0.05, &rs) == RIGOR_OK, "low Ag");
    CHECK_NEAR(results_get(&rs, "r_value"), 2.0, 1e-9, 0, "low-Ag r");
    results_clear(&rs);

    /* no width channel, no width, too short a range: absent, with a note */
    results_init(&rs);
    rvalue_analyze(EPS, NULL, NS, 20e-3, 0, 0.25, &rs);
    CHECK(isnan(results_get(&rs, "r_value")), "absent without a width channel");
    CHECK(has_note(&rs, "no width-change channel"), "note: no channel");
    results_clear(&rs);
    results_init(&rs);
    rvalue_analyze(EPS, DB, NS, NAN, 0, 0.25, &rs);
    CHECK(isnan(results_get(&rs, "r_value")), "absent without b0");
    CHECK(has_note(&rs, "--width"), "note: give --width");
    results_clear(&rs);
    results_init(&rs);
    rvalue_analyze(EPS, DB, NS, 20e-3, 0, 0.03, &rs);
    CHECK(isnan(results_get(&rs, "r_value")), "absent: Ag 3 %%");
    CHECK(has_note(&rs, "too short a range"), "note: too short");
    results_clear(&rs);

    /* a width that grows while the specimen lengthens: a warning, no r */
    for (int i = 0; i < NS; i++)
        DB[i] = -DB[i];
    results_init(&rs);
    rvalue_analyze(EPS, DB, NS, 20e-3, 0, 0.25, &rs);
    CHECK(isnan(results_get(&rs, "r_value")), "absent: width grows");
    CHECK(results_has_warning(&rs) && has_note(&rs, "sign reversed"), "warned");
    results_clear(&rs);
}

/* End to end: a testXpert II export (the shape of Fraunhofer IWM's, see
 * tests/data/import-wild/README.md) with Breitenänderung built for r = 1.9. */
static void test_end_to_end_testxpert(void)
{
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_file("tests/data/import-wild/de_testxpert_rvalue.TXT", NULL, &l, &d);
    CHECK(rc == RIGOR_OK && l.n == 1, "read rc %d", rc);
    if (rc != RIGOR_OK || l.n != 1) {
        curve_list_free(&l);
        return;
    }
    const curve *c = l.v[0];
    CHECK(c->width_change != NULL, "width change kept");
    CHECK(!strcmp(c->width_change_col, "Breitenänderung"), "from '%s'", c->width_change_col);
    CHECK(!strcmp(c->colname[CURVE_EXT], "Dehnung"), "ext '%s' (never the width change)",
          c->colname[CURVE_EXT]);
    /* row 3 as written: -0.000262588757 mm */
    CHECK_NEAR(c->width_change[1], -0.000262588757e-3, 0, 1e-12, "width change in m");
    analysis_opts o;
    analysis_opts_default(&o);
    result_set rs;
    results_init(&rs);
    char why[256] = "";
    rc = analysis_run(c, &o, &rs, why, sizeof why);
    CHECK(rc == RIGOR_OK, "analysis rc %d: %s", rc, why);
    CHECK_NEAR(results_get(&rs, "r_value"), 1.9, 0, 1e-4, "r_value of the fixture");
    results_clear(&rs);
    curve_list_free(&l);

    /* the Fraunhofer IWM export (real) keeps its Breitenänderung too */
    rc = csvin_read_file("tests/data/import-wild/data2rdf_DX56_D_FZ2_WR00_43_head200.TXT",
                         NULL, &l, &d);
    CHECK(rc == RIGOR_OK && l.n == 1 && l.v[0]->width_change, "data2rdf keeps the width");
    curve_list_free(&l);
}

int main(void)
{
    analysis_init();
    TEST_RUN(test_isotropic_and_anisotropic);
    TEST_RUN(test_offset_and_toe);
    TEST_RUN(test_analyze_results_and_absent);
    TEST_RUN(test_end_to_end_testxpert);
    TEST_END("test_rvalue");
}
