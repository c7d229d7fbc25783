/* test_csvin_gaps.c — an extensometer removed mid-test, end to end from the
 * file (issue 20 class 3): the importer reads the empty cells after the
 * removal as missing, curve preparation continues the strain from the
 * crosshead, and every result comes from the combined curve. Fixtures:
 * tests/data/import-gaps/ (make_fixtures.py states the closed-form truth:
 * Rm = 500 MPa at 10.15 % strain, break at 14 %, removal at 2 %).
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
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

int main(void)
{
    TEST_RUN(test_strain_empty);
    TEST_RUN(test_force_empty_is_error);
    TEST_RUN(test_empty_first_row_is_error);
    TEST_RUN(test_gap_then_numbers_is_error);
    TEST_END("test_csvin_gaps");
}
