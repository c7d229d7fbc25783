/* test_csvin_gaps.c — an extensometer removed mid-test, end to end from the
 * file (issue 20 class 3): the importer reads the empty cells after the
 * removal as missing, curve preparation continues the strain from the
 * crosshead, and every result comes from the combined curve. Fixtures:
 * tests/data/import-gaps/ (make_fixtures.py states the closed-form truth:
 * Rm = 500 MPa at 10.15 % strain, break at 14 %, removal at 2 %).
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "../analysis/prepare.h"
#include "../analysis/results.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/data/import-gaps/"
#define RM_MPA 500.0
#define EM_PCT 10.15
#define EB_PCT 14.0
#define ER_PCT 2.0

static bool has_note(const curve *c, const char *needle)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strstr(c->notes[i], needle))
            return true;
    return false;
}

/* Read path (one curve) and analyse it with the default options. */
static int read_analyse(const char *path, curve_list *l, result_set *rs, char *why, size_t wl)
{
    rigor_diag d = {0};
    int rc = csvin_read_file(path, NULL, l, &d);
    if (rc) {
        rigor_diag_format(&d, why, wl);
        return rc;
    }
    CHECK(l->n == 1, "%s: %zu curves", path, l->n);
    if (l->n != 1)
        return RIGOR_EPARSE;
    analysis_opts o;
    analysis_opts_default(&o);
    results_init(rs);
    return analysis_run(l->v[0], &o, rs, why, wl);
}

static void check_combined(const char *path, const result_set *rs)
{
    char what[160];
    snprintf(what, sizeof what, "%s Rm MPa", path);
    CHECK_NEAR(results_get(rs, "tensile_strength_mpa"), RM_MPA, 1.0, 0, what);
    snprintf(what, sizeof what, "%s strain at max %%", path);
    CHECK_NEAR(results_get(rs, "strain_at_max_pct"), EM_PCT, 0.2, 0, what);
    snprintf(what, sizeof what, "%s strain at break %%", path);
    CHECK_NEAR(results_get(rs, "strain_at_break_pct"), EB_PCT, 0.1, 0, what);
    snprintf(what, sizeof what, "%s removed at %%", path);
    CHECK_NEAR(results_get(rs, "extensometer_removed_at_pct"), ER_PCT, 0.02, 0, what);
}

/* Strain (%) empty after the removal, force and crosshead going on. Fails
 * on the old code: "expected a number in column 'Strain (%)', found an
 * empty cell". */
static void test_strain_empty(void)
{
    curve_list l = {0};
    result_set rs;
    char why[1200] = "";
    int rc = read_analyse(FIX "strain_empty_after_yield.csv", &l, &rs, why, sizeof why);
    CHECK(rc == RIGOR_OK, "rc %d: %s", rc, why);
    if (rc == RIGOR_OK) {
        CHECK(has_note(l.v[0], "column 'Strain (%)' is empty from line 206 on"),
              "one note names the first empty line");
        CHECK(isnan(l.v[0]->ch[CURVE_STRAIN][l.v[0]->n - 1]), "the empty cell is NaN");
        check_combined("strain empty", &rs);
    }
    results_clear(&rs);
    curve_list_free(&l);
}

/* An empty FORCE cell stays an error naming the line and the column: a
 * row without its force is not a measurement to continue. */
static void test_force_empty_is_error(void)
{
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_file(FIX "force_empty.csv", NULL, &l, &d);
    CHECK(rc == RIGOR_EPARSE, "rc %d", rc);
    CHECK(d.line == 1027, "line %ld", (long)d.line);
    CHECK(strstr(d.msg, "'Load (N)'") && strstr(d.msg, "empty cell"), "msg: %s", d.msg);
    curve_list_free(&l);
}

/* An empty strain cell in the first data row (no numbers before it) is
 * still an error: nothing says a gauge was removed. */
static void test_empty_first_row_is_error(void)
{
    static const char txt[] = "Time (s),Extension (mm),Load (N),Strain (%)\n"
                              "0,0,0,\n0.1,0.01,10,0.01\n0.2,0.02,20,0.02\n";
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_buffer("first.csv", txt, sizeof txt - 1, NULL, &l, &d);
    CHECK(rc == RIGOR_EPARSE, "rc %d", rc);
    CHECK(d.line == 2 && strstr(d.msg, "empty cell"), "line %ld msg %s", (long)d.line, d.msg);
    curve_list_free(&l);
}

/* Empty cells and then numbers again: a dropout, still an error at the
 * first empty cell (the rows after it go through the general path, not the
 * fast one that would not see the gap). */
static void test_gap_then_numbers_is_error(void)
{
    char txt[8192];
    size_t k = (size_t)snprintf(txt, sizeof txt, "Time (s),Extension (mm),Load (N),Strain (%%)\n");
    for (int i = 0; i < 60; i++) {
        if (i == 30 || i == 31)
            k += (size_t)snprintf(txt + k, sizeof txt - k, "%d,%d,%d,\n", i, i, 10 * i);
        else
            k += (size_t)snprintf(txt + k, sizeof txt - k, "%d,%d,%d,%g\n", i, i, 10 * i,
                                  0.01 * i);
    }
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_buffer("gap.csv", txt, k, NULL, &l, &d);
    CHECK(rc == RIGOR_EPARSE, "rc %d", rc);
    CHECK(d.line == 32 && strstr(d.msg, "numbers again at line 34"), "line %ld msg %s",
          (long)d.line, d.msg);
    CHECK(l.n == 0, "nothing appended");
    curve_list_free(&l);
}

/* An extensometer in mm beside a crosshead in mm (issue 20 class 2/3): the
 * importer keeps the crosshead (curve.xhead) instead of dropping it, and the
 * removal (frozen, or empty cells) is continued from it. Fails on the old
 * code: the frozen gauge gave strain at max = strain at break = 2 %, the
 * empty one "extension of sample 201 is not a finite number". */
static void test_extenso_mm_beside_crosshead(void)
{
    static const char *const f[] = {FIX "extenso_mm_frozen.csv", FIX "extenso_mm_empty.csv"};
    for (int k = 0; k < 2; k++) {
        curve_list l = {0};
        result_set rs;
        char why[1200] = "";
        int rc = read_analyse(f[k], &l, &rs, why, sizeof why);
        CHECK(rc == RIGOR_OK, "%s: rc %d: %s", f[k], rc, why);
        if (rc == RIGOR_OK) {
            const curve *c = l.v[0];
            CHECK(c->xhead && !strcmp(c->xhead_col, "Crosshead"), "%s: crosshead kept '%s'",
                  f[k], c->xhead_col);
            CHECK(!strcmp(c->colname[CURVE_EXT], "Extensometer"), "%s: ext is '%s'", f[k],
                  c->colname[CURVE_EXT]);
            if (c->xhead)
                CHECK_NEAR(c->xhead[c->n - 21], 0.065 * 0.14, 1e-8, 0, "crosshead in m");
            check_combined(f[k], &rs);
            const result_value *m = results_find_method(&rs, "strain_after_removal");
            CHECK(m && strstr(m->s, "crosshead"), "%s: continued from the crosshead", f[k]);
            /* the plot arrays are the same combined curve */
            analysis_opts o;
            analysis_opts_default(&o);
            double *eps = NULL, *sig = NULL;
            size_t n = 0;
            rc = analysis_curve_arrays(c, &o, &rs, &eps, &sig, &n, why, sizeof why);
            CHECK(rc == RIGOR_OK && n == c->n, "%s: arrays rc %d: %s", f[k], rc, why);
            if (rc == RIGOR_OK)
                CHECK_NEAR(eps[1399] * 100, 13.99, 0.05, 0, "plotted strain before the break");
            free(eps);
            free(sig);
        }
        results_clear(&rs);
        curve_list_free(&l);
    }
}

/* The unload rule on the kept crosshead: a frozen extensometer (in mm) is
 * no unload, a crosshead driven back under load is, even though the gauge
 * reads nothing of it. */
static void test_unload_on_kept_crosshead(void)
{
    char *txt = malloc(200000);
    CHECK(txt, "alloc");
    if (!txt)
        return;
    size_t k = (size_t)snprintf(txt, 200000,
                                "Area,10,mm^2\nGauge length,50,mm\n\n"
                                "Time (s),Crosshead (mm),Extensometer (mm),Load (N)\n");
    /* linear-elastic loading to 0.5 % strain, then the crosshead goes back
     * by 20 % at a still high force; the gauge froze at 0.3 % */
    double e = 0;
    for (int i = 0; i < 120; i++) {
        e = i < 100 ? i * 5e-5 : (100 - (i - 100) * 0.5) * 5e-5;
        double xe = fmin(e, 0.003) * 50;
        double F = 200e9 * e * 10e-6;
        k += (size_t)snprintf(txt + k, 200000 - k, "%d,%.6f,%.6f,%.3f\n", i, e * 65, xe, F);
    }
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_buffer("unload.csv", txt, k, NULL, &l, &d);
    CHECK(rc == RIGOR_OK && l.n == 1, "rc %d %s", rc, d.msg);
    if (rc == RIGOR_OK && l.n == 1) {
        analysis_opts o;
        analysis_opts_default(&o);
        result_set rs;
        results_init(&rs);
        char why[512] = "";
        rc = analysis_run(l.v[0], &o, &rs, why, sizeof why);
        CHECK(rc == RIGOR_OK, "rc %d %s", rc, why);
        bool unload = false;
        for (size_t i = 0; i < rs.nnotes; i++)
            unload |= strstr(rs.notes[i], "the crosshead reversed at sample") != NULL;
        CHECK(unload, "the unload is judged on the kept crosshead");
        results_clear(&rs);
    }
    curve_list_free(&l);
    free(txt);
}

int main(void)
{
    TEST_RUN(test_strain_empty);
    TEST_RUN(test_force_empty_is_error);
    TEST_RUN(test_empty_first_row_is_error);
    TEST_RUN(test_gap_then_numbers_is_error);
    TEST_RUN(test_extenso_mm_beside_crosshead);
    TEST_RUN(test_unload_on_kept_crosshead);
    TEST_END("test_csvin_gaps");
}
