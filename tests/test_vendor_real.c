/* test_vendor_real.c — where an export states its own results, Rigor's
 * maximum force and strength agree with them to 0.1 % (issue 7, "Bar").
 *
 * Table-driven over the files of ../shared/data/real and ../shared/data/peer
 * that state results: Instron Bluehill raw-data headers ("Tensile stress at
 * Tensile strength"), the Bluehill results table am2.csv ("Maximum Tensile
 * stress"), and the ETH concrete-press blocks (per-specimen Fmax and fc).
 * The vendor values are read by csvin_vendor_results, Rigor's by
 * analysis_run with default options; both in SI. Where a file has no
 * geometry (Double_Punch.txt) a nominal 1 mm^2 x 1 mm is given: the maximum
 * force does not depend on it, and only the force is compared there. The
 * real set has no testXpert file stating Fmax (FORMATS.md §F), and the ETH
 * sandstone file states no per-specimen strength the importer tags, so
 * neither appears here. Skipped when ../shared is absent.
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *file;   /* under ../shared/ */
    const char *vendor; /* csvin_vendor name */
    const char *own;    /* Rigor result key (display units: _mpa, _n) */
    int nspec;          /* specimens expected to be compared */
    bool nominal_geom;  /* give 1 mm^2 and 1 mm: force-only comparison */
} vendor_case;

#define PM "data/real/FollowTheProcess__pymechtest/tests/data/"
#define ETH "data/real/franaudo__compas_testing/data/cubes_results/"

static const vendor_case cases[] = {
    {PM "Tens_No_Yield/Specimen_RawData_1.csv", "tensile_strength_mpa", "tensile_strength_mpa",
     1, false},
    {PM "Tens_No_Yield/Specimen_RawData_10.csv", "tensile_strength_mpa", "tensile_strength_mpa",
     1, false},
    {PM "Tens_Yield/Specimen_RawData_1.csv", "tensile_strength_mpa", "tensile_strength_mpa", 1,
     false},
    {PM "Tens_Yield/Specimen_RawData_6.csv", "tensile_strength_mpa", "tensile_strength_mpa", 1,
     false},
    {"data/real/pedrodamas0803__mechtest_ufmg/data/am2.csv", "tensile_strength_mpa",
     "tensile_strength_mpa", 1, false},
    {ETH "Compressive_Strength.txt", "max_force_n", "max_force_n", 3, false},
    /* a cube's compressive strength fc is its maximum stress (EN 12390-3) */
    {ETH "Compressive_Strength.txt", "compressive_strength_mpa", "max_stress_mpa", 3, false},
    {ETH "Double_Punch.txt", "max_force_n", "max_force_n", 2, true},
};

/* Own value in SI from its display key. */
static double own_si(const result_set *rs, const char *key)
{
    double v = results_get(rs, key);
    size_t n = strlen(key);
    if (n > 4 && !strcmp(key + n - 4, "_mpa"))
        v *= 1e6;
    return v;
}

/* Compare one file; returns the number of specimens compared. */
static int check_file(const char *path, const vendor_case *vc)
{
    curve_list cl = {0};
    rigor_diag d;
    csvin_opts io;
    csvin_opts_default(&io);
    int rc = csvin_read_file(path, &io, &cl, &d);
    CHECK(rc == RIGOR_OK, "%s: read rc %d", path, rc);
    int compared = 0;
    for (size_t k = 0; k < cl.n; k++) {
        const curve *c = cl.v[k];
        csvin_vendor v[32];
        size_t nv = csvin_vendor_results(c, v, 32);
        const csvin_vendor *want = NULL;
        for (size_t i = 0; i < nv; i++)
            if (!strcmp(v[i].name, vc->vendor))
                want = &v[i];
        if (!want)
            continue;
        analysis_opts o;
        analysis_opts_default(&o);
        if (vc->nominal_geom) {
            o.geom.area_m2 = 1e-6;
            o.geom.gauge_m = 1e-3;
        }
        result_set rs;
        results_init(&rs);
        char why[512] = "";
        rc = analysis_run(c, &o, &rs, why, sizeof why);
        CHECK(rc == RIGOR_OK, "%s specimen %s: analysis rc %d: %s", path, c->specimen, rc, why);
        if (rc == RIGOR_OK) {
            double got = own_si(&rs, vc->own);
            char what[1200];
            snprintf(what, sizeof what, "%s specimen %s: %s vs vendor '%s' = %s %s", path,
                     c->specimen, vc->own, want->source, want->text, want->unit);
            CHECK_NEAR(got, want->value_si, 0, 1e-3, what);
            compared++;
        }
        results_clear(&rs);
    }
    curve_list_free(&cl);
    return compared;
}

static void test_vendor_agreement(void)
{
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent (a user's clone)");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = th_shared(cases[i].file);
        CHECK(path, "%s missing from ../shared/data", cases[i].file);
        if (!path)
            continue;
        int n = check_file(path, &cases[i]);
        CHECK(n == cases[i].nspec, "%s: %s compared on %d specimens, expected %d", path,
              cases[i].vendor, n, cases[i].nspec);
    }
}

/* testXpert .TRA load-unload records: the crosshead ('Traverse absolue')
 * goes back at 1 mm/min after the maximum and the force falls with it.
 * Rigor ends the analysis at that reversal (break_rule "unloaded"); it once
 * reported a "below-10pct-of-max" break at the end of the unload, and later
 * the reversal sample as a break. */
static void test_real_unload(void)
{
    static const char *files[] = {
        "data/real/a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/"
        "Allong 1.TRA",
        "data/real/a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/"
        "mDB1pct.TRA"};
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent (a user's clone)");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = th_shared(files[i]);
        CHECK(path, "%s missing", files[i]);
        if (!path)
            continue;
        curve_list cl = {0};
        rigor_diag d;
        csvin_opts io;
        csvin_opts_default(&io);
        CHECK(csvin_read_file(path, &io, &cl, &d) == RIGOR_OK && cl.n == 1, "%s: read", path);
        if (cl.n == 1) {
            analysis_opts o;
            analysis_opts_default(&o);
            result_set rs;
            results_init(&rs);
            char why[512] = "";
            CHECK(analysis_run(cl.v[0], &o, &rs, why, sizeof why) == RIGOR_OK, "%s: %s", path, why);
            const result_value *br = results_find(&rs, "break_rule");
            CHECK(br && !strcmp(br->s, "unloaded"), "%s: break rule '%s'", path, br ? br->s : "?");
            /* An unloaded specimen did not break (issue 23): no stress at
             * break, and no tensile strength (it never passed its maximum
             * by necking); the highest stress reached is max_stress_mpa. */
            double smax = results_get(&rs, "max_stress_mpa");
            CHECK(smax > 100, "%s: max stress %.1f MPa", path, smax);
            CHECK(isnan(results_get(&rs, "break_stress_mpa")), "%s: no stress at break", path);
            CHECK(isnan(results_get(&rs, "tensile_strength_mpa")), "%s: no strength", path);
            results_clear(&rs);
        }
        curve_list_free(&cl);
    }
}

/* The 30 pymechtest peer files: Bluehill header strength on every one. */
static void test_vendor_peer_pymechtest(void)
{
    static const char *dirs[] = {"No_IDs", "Tens_No_Yield", "Tens_Yield"};
    if (!th_shared("data/peer/FollowTheProcess_pymechtest"))
        SKIP("../shared/data/peer is absent");
    vendor_case vc = {NULL, "tensile_strength_mpa", "tensile_strength_mpa", 1, false};
    int total = 0;
    for (size_t d = 0; d < 3; d++) {
        for (int i = 1; i <= 10; i++) {
            char rel[256];
            snprintf(rel, sizeof rel,
                     "data/peer/FollowTheProcess_pymechtest/%s/"
                     "Specimen_RawData_%d.csv",
                     dirs[d], i);
            const char *path = th_shared(rel);
            CHECK(path, "%s missing", rel);
            if (path)
                total += check_file(path, &vc);
        }
    }
    CHECK(total == 30, "compared %d of 30 peer specimens", total);
}

int main(void)
{
    TEST_RUN(test_vendor_agreement);
    TEST_RUN(test_vendor_peer_pymechtest);
    TEST_RUN(test_real_unload);
    TEST_END("vendor_real");
}
