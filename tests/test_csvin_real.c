/* test_csvin_real.c — every text file of ../shared/data/real/ imports with
 * no flags: detected format, number of specimens, rows of the first
 * specimen, and its first and last data row in SI.
 *
 * The expected rows were computed by a separate throw-away script that reads
 * each file with a hand-written layout per file (data start line, delimiter,
 * decimal separator, column indexes and unit scales taken from reading the
 * files), sharing no code with the importer; a few were checked by hand
 * against the raw text (see the comments). NAN = not checked.
 */
#include "../analysis/import/csvin.h"
#include "harness.h"

#include <math.h>
#include <string.h>

typedef struct {
    const char *file;
    const char *format;
    int nspec;   /* 0: recognised file without a curve (RIGOR_ENODATA) */
    size_t rows; /* rows of the first specimen */
    double first[CURVE_NROLES], last[CURVE_NROLES];
} real_case;

static const real_case cases[] = {
    {"24Zack__Fixing-Messed-up-Data-for-Tensile-test-from-the-Bluehill-universal-software-/"
     "solution/Tensile_test_PE.csv",
     "bluehill-export",
     1,
     12660,
     {0, 0.0001366, 5, NAN, NAN},
     {253.162, 2.110849, 100.4, NAN, NAN}},
    {"DuncanWilliamGibbons__tensile-analyzer/Test Data/Steel_1045_Normalized_1_Formatted.csv",
     "plain-csv",
     1,
     381,
     {0, 0, 122.3, 4e-05, NAN},
     {189.5, 0.01263, 22200, 0.2864, NAN}},
    {"DuncanWilliamGibbons__tensile-analyzer/Test Data/Steel_1045_Normalized_2_Formatted.csv",
     "plain-csv",
     1,
     321,
     {0, 0, 254.7, 4.889e-05, NAN},
     {160, 0.01066, 25100, 0.2286, NAN}},
    {"DuncanWilliamGibbons__tensile-analyzer/Test Data/Steel_1045_Normalized_3_Formatted.csv",
     "plain-csv",
     1,
     322,
     {0, 0, 145.2, -6.132e-06, NAN},
     {160.5, 0.0107, 25180, 0.2222, NAN}},
    {"FollowTheProcess__pymechtest/tests/data/Tens_No_Yield/Specimen_RawData_1.csv",
     "bluehill-raw",
     1,
     1467,
     {0, 1.731e-05, 462.86465, -2e-06, 22270800},
     {164.708, 0.0024455, 8413.95215, 0.03216, 404838500}},
    {"FollowTheProcess__pymechtest/tests/data/Tens_No_Yield/Specimen_RawData_10.csv",
     "bluehill-raw",
     1,
     1299,
     {0, -1.69e-06, 496.73795, -1.2e-05, 24132300},
     {148.246, 0.00214619, 9525.78223, 0.036178, 462776900}},
    {"FollowTheProcess__pymechtest/tests/data/Tens_Yield/Specimen_RawData_1.csv",
     "bluehill-raw",
     1,
     279,
     {0, 3.19e-06, 499.71045, -6e-06, 24767100},
     {46.462, 0.00045269, 2252.98486, 0.015715, 111664300}},
    {"FollowTheProcess__pymechtest/tests/data/Tens_Yield/Specimen_RawData_6.csv",
     "bluehill-raw",
     1,
     469,
     {0, 1.381e-05, 480.66965, -4e-06, 23446100},
     {68.08, 0.00077825, 2296.9751, 0.026695, 112042000}},
    {"TomWang0428__MTS_data/MTS_Data_Example/I8-3-1/Test Run 1 10-23-2023 6 04 50 PM/DAQ- "
     "Crosshead, … - (Timed).txt",
     "mts-daq",
     1,
     391,
     {0.112999998, -0.002997227013, -6.065840353e-05, NAN, NAN},
     {39.03499985, -0.001699861954, 0.04067916796, NAN, NAN}},
    {"TomWang0428__MTS_data/MTS_Data_Example/I8-3-1/Test Run 1 10-23-2023 6 04 50 PM/DAQ- "
     "Crosshead, … - (Timed)1.txt",
     "mts-daq",
     1,
     1589,
     {39.14699936, -0.001699861954, 0.03965801373, NAN, NAN},
     {197.9470062, -0.001699742861, 0.01746113971, NAN, NAN}},
    {"WhiteRabbit2006__instron_data_processing/tests/silicone_10a/oct_22/data/"
     "Test7.steps.tracking.csv",
     "instron-wavematrix",
     1,
     1942,
     {0, 0.000174042576, -18.536563, NAN, -18536562.69},
     {15.602, -0.000109943043, -18.464829, NAN, -18464829.15}},
    {"WhiteRabbit2006__instron_data_processing/tests/silicone_30a/oct_29_t2/data/"
     "silicone_30a_20251029_145648_1.csv",
     "bluehill-export",
     1,
     4041,
     {0, -1e-07, 0.5, 2.8e-05, NAN},
     {80.0604, -3e-07, 0.6, -0.000268, NAN}},
    {"a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/Allong "
     "1.TRA",
     "testxpert-tra",
     1,
     2184,
     {5.4937, 0, 146.366, NAN, NAN},
     {44.4337, 0.00024226, -44.3443, NAN, NAN}},
    {"a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/"
     "Invar_LT_05_01.TRA",
     "testxpert-tra",
     1,
     5336,
     {2.63805, 0, 103.053, NAN, NAN},
     {107.858, 0.00144074, 302.441, NAN, NAN}},
    {"a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/"
     "mDB1pct.TRA",
     "testxpert-tra",
     1,
     3415,
     {9.49405, 0, 74.1155, NAN, NAN},
     {77.1741, 0.0003702, 157.304, NAN, NAN}},
    {"bezborodow__stress-strain/examples/Al5005.csv",
     "bluehill-universal",
     1,
     573,
     {0, 0, 0.33675, 0, 9350},
     {114.224, 0.00951888, 357.61533, 0.15011, 9933760}},
    {"bezborodow__stress-strain/examples/St1594.csv",
     "bluehill-universal",
     1,
     1285,
     {0, 0, 0.123, 0, 3630},
     {256.646, 0.02139188, 691.95624, 0.37888, 20393640}},
    {"bezborodow__stress-strain/examples/St1595.csv",
     "bluehill-universal",
     1,
     2010,
     {0, 0, 1.17535, 0, 33110},
     {401.787, 0.03348244, 471.4704, 0.62952, 13282350}},
    {"danielvogler__3d_printed_sstone/data/load_data/"
     "ethz_sandstone_artificial_coarse_gs25_d52mm_2015-11-12.txt",
     "eth-blocks",
     13,
     30,
     {NAN, 0, 1610, NAN, NAN},
     {NAN, 0.00136, 3080, NAN, NAN}},
    {"danielvogler__3d_printed_sstone/data/machine_parameters.txt",
     "key-value-text",
     0,
     0,
     {NAN, NAN, NAN, NAN, NAN},
     {NAN, NAN, NAN, NAN, NAN}},
    /* ext is the extensometer (_Strain1 in mm, "Maytec [mm]"), not the
     * crosshead (_Extension, Standardwegaufnehmer): issue #20 class 2. */
    {"e-dub__pyZiagn/examples/data/3-2.txt",
     "mts-daq",
     1,
     2261,
     {0.09000000358, 5.72722565266e-05, 152.8494873, NAN, NAN},
     {150.7599945, 4.23126402893e-05, -2.501288652, NAN, NAN}},
    {"e-dub__pyZiagn/examples/data/5D.txt",
     "mts-daq",
     1,
     4105,
     {0.1299999952, 3.85194562114e-06, 11.64596081, NAN, NAN},
     {273.730011, 0.00188270723447, 3.121622801, NAN, NAN}},
    {"franaudo__compas_testing/data/cubes_results/Compressive_Strength.txt",
     "eth-blocks",
     3,
     724,
     {0, 0, 20000, NAN, NAN},
     {667.28, 0.0019966, 772330, NAN, NAN}},
    {"franaudo__compas_testing/data/cubes_results/Double_Punch.txt",
     "eth-blocks",
     2,
     170,
     {0, -1e-06, 4990, NAN, NAN},
     {294.91, 0.000345, -2220, NAN, NAN}},
    {"gerlachjan__eval_TensileTest/experminent_data/DD11_7_1.ASC",
     "catman-asc",
     1,
     1290,
     {0, 4.709e-05, 122.99, NAN, NAN},
     {25.78, 0.005916, 229.43, NAN, NAN}},
    {"gerlachjan__eval_TensileTest/experminent_data/DD11_7_3.TSX",
     "catman-tsx",
     0,
     0,
     {NAN, NAN, NAN, NAN, NAN},
     {NAN, NAN, NAN, NAN, NAN}},
    {"gerlachjan__eval_TensileTest/experminent_data/HSM700_7_1.ASC",
     "catman-asc",
     1,
     1526,
     {0, 3.479e-05, 130.27, NAN, NAN},
     {30.5, 0.004127, 139.39, NAN, NAN}},
    {"joeyjhkim__compression_test_data_analysis/highSquish_side1.is_comp_Exports/"
     "highSquish_side1_trial_1.csv",
     "bluehill-export",
     1,
     6014,
     {0, 0, 0, NAN, NAN},
     {120.225, -1.97e-05, 0, NAN, NAN}},
    {"pedrodamas0803__mechtest_ufmg/data/am1.csv",
     "bluehill-results",
     1,
     9320,
     {0, -4.72e-06, 5.08, 0, 213820},
     {441.568, 0.02649003, 4020.13, 0.3596, 169209630}},
    {"pedrodamas0803__mechtest_ufmg/data/am2.csv",
     "bluehill-results",
     1,
     10878,
     {0, -5.602e-05, 6.61, 0, 278430},
     {199.912, 0.0119399, 9094.55, 0.1494, 382794740}},
    {"pedrodamas0803__mechtest_ufmg/tests/data/astm1055.tsv",
     "plain-csv",
     1,
     10867,
     {NAN, NAN, NAN, 0, 278430},
     {NAN, NAN, NAN, 0.14936, 647181520}},
    {"pedrodamas0803__mechtest_ufmg/tests/output/ASTM 1055_summary.csv",
     "results-summary",
     0,
     0,
     {NAN, NAN, NAN, NAN, NAN},
     {NAN, NAN, NAN, NAN, NAN}},
    {"ppieczywek__TDA/DATA/NANO_K_1.MTR",
     "deben-mtr",
     1,
     1743,
     {0.1, 8e-06, -0.03, NAN, NAN},
     {174.7, 0.000548, 0.02, NAN, NAN}},
    {"tm-mech__diy-tensile-tester/data/PLA/PLA_533_001.csv",
     "plain-csv",
     1,
     4094,
     {11119.504, 5e-06, 0.879, NAN, NAN},
     {11528.804, 0.05456, 0.018, NAN, NAN}},
    {"tm-mech__diy-tensile-tester/data/compliance_lookup.csv",
     "plain-csv",
     1,
     161,
     {NAN, 0, 0, NAN, NAN},
     {NAN, 0.0019117, 800, NAN, NAN}},
};

static void check_row(const char *file, const curve *c, size_t i, const double *want,
                      const char *which)
{
    for (int r = 0; r < CURVE_NROLES; r++) {
        if (isnan(want[r]))
            continue;
        CHECK(c->ch[r] != NULL, "%s: no %s channel", file, csvin_role_name(r));
        if (!c->ch[r])
            continue;
        char what[512];
        snprintf(what, sizeof what, "%s %s row %s", file, which, csvin_role_name(r));
        CHECK_NEAR(c->ch[r][i], want[r], 1e-15, 1e-9, what);
    }
}

static void test_real_files(void)
{
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent (a user's clone): no real exports to check");
    size_t n = sizeof cases / sizeof cases[0];
    CHECK(n == 35, "table has %zu files, want the 35 of data/real", n);
    for (size_t k = 0; k < n; k++) {
        const real_case *rc = &cases[k];
        char rel[600];
        snprintf(rel, sizeof rel, "data/real/%s", rc->file);
        const char *path = th_shared(rel);
        CHECK(path != NULL, "%s missing", rel);
        if (!path)
            continue;
        curve_list l = {0};
        rigor_diag d = {0};
        int err = csvin_read_file(path, NULL, &l, &d);
        if (rc->nspec == 0) {
            CHECK(err == RIGOR_ENODATA && l.n == 0, "%s: rc %d, %zu curves", rc->file, err, l.n);
            /* inspect still describes it with its format */
            FILE *f = tmpfile();
            CHECK(f && csvin_describe(path, NULL, f, &d) == RIGOR_OK, "%s: describe", rc->file);
            if (f) {
                char buf[4096] = "";
                rewind(f);
                size_t got = fread(buf, 1, sizeof buf - 1, f);
                buf[got] = '\0';
                CHECK(strstr(buf, rc->format) != NULL, "%s: describe lacks format %s", rc->file,
                      rc->format);
                fclose(f);
            }
            continue;
        }
        CHECK(err == RIGOR_OK, "%s: rc %d: %s (line %ld col %ld)", rc->file, err, d.msg, d.line,
              d.col);
        CHECK(l.n == (size_t)rc->nspec, "%s: %zu specimens, want %d", rc->file, l.n, rc->nspec);
        if (err || l.n == 0) {
            curve_list_free(&l);
            continue;
        }
        const curve *c = l.v[0];
        CHECK(!strcmp(c->format, rc->format), "%s: format %s, want %s", rc->file, c->format,
              rc->format);
        CHECK(c->n == rc->rows, "%s: %zu rows, want %zu", rc->file, c->n, rc->rows);
        if (c->n == rc->rows && c->n > 0) {
            check_row(rc->file, c, 0, rc->first, "first");
            check_row(rc->file, c, c->n - 1, rc->last, "last");
        }
        curve_list_free(&l);
    }
}

static bool has_note(const curve *c, const char *needle)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strstr(c->notes[i], needle))
            return true;
    return false;
}

static curve_list read_real(const char *rel)
{
    curve_list l = {0};
    char r[600];
    snprintf(r, sizeof r, "data/real/%s", rel);
    const char *p = th_shared(r);
    rigor_diag d = {0};
    if (p)
        CHECK(csvin_read_file(p, NULL, &l, &d) == RIGOR_OK, "%s: %s", rel, d.msg);
    return l;
}

/* The README's expected warnings: the x10 jumps, the catman fill channels. */
static void test_real_expected_warnings(void)
{
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent");
    curve_list l = read_real("24Zack__Fixing-Messed-up-Data-for-Tensile-test-from-the-Bluehill-"
                             "universal-software-/solution/Tensile_test_PE.csv");
    CHECK(l.n == 1 && has_note(l.v[0], "WARNING") && has_note(l.v[0], "x10"),
          "24Zack: x10 jumps not flagged");
    /* Hand check: line 57 of the file is "1,08;10,114;0,0912", kept as read. */
    if (l.n == 1)
        CHECK_NEAR(l.v[0]->ch[CURVE_EXT][54], 10.114e-3, 1e-15, 0, "24Zack line 57 kept");
    curve_list_free(&l);
    l = read_real("gerlachjan__eval_TensileTest/experminent_data/DD11_7_1.ASC");
    CHECK(l.n == 1 && has_note(l.v[0], "-1000000"), "catman: fill channels not reported");
    curve_list_free(&l);
    l = read_real("WhiteRabbit2006__instron_data_processing/tests/silicone_10a/oct_22/data/"
                  "Test7.steps.tracking.csv");
    CHECK(l.n == 1 && has_note(l.v[0], "1 mm^2"), "WaveMatrix placeholder area not flagged");
    curve_list_free(&l);
    /* Exactly these two files carry a WARNING; the others read cleanly. */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (!cases[k].nspec)
            continue;
        bool want = strstr(cases[k].file, "24Zack") || strstr(cases[k].file, "Test7.steps");
        l = read_real(cases[k].file);
        bool got = false;
        for (size_t i = 0; i < l.n; i++)
            got |= has_note(l.v[i], "WARNING");
        CHECK(got == want, "%s: WARNING %s", cases[k].file, got ? "present" : "missing");
        curve_list_free(&l);
    }
}

static void on_err(void *ctx, int err, const rigor_diag *d)
{
    (void)err;
    (void)d;
    ++*(int *)ctx;
}

/* One MTS run split over "(Timed).txt" and "(Timed)1.txt" is one curve. */
static void test_real_mts_join(void)
{
    const char *dir = th_shared("data/real/TomWang0428__MTS_data/MTS_Data_Example/I8-3-1");
    if (!dir)
        SKIP("../shared/data/real is absent");
    curve_list l = {0};
    int errs = 0;
    size_t nr = 0, nf = 0;
    int rc = csvin_read_path(dir, NULL, &l, on_err, &errs, &nr, &nf);
    CHECK(rc == RIGOR_OK && errs == 0, "rc %d, %d errors", rc, errs);
    CHECK(l.n == 1 && nr == 1 && nf == 0, "%zu curves, %zu read, %zu failed", l.n, nr, nf);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(c->n == 391 + 1589, "joined rows %zu", c->n);
        CHECK(has_note(c, "split over 2 files"), "join not noted");
        CHECK(!has_note(c, "MTS part:"), "joined run still says it is a part");
        CHECK_NEAR(c->ch[CURVE_TIME][390], 39.0349998474121, 1e-12, 0, "end of part 0");
        CHECK_NEAR(c->ch[CURVE_TIME][391], 39.1469993591309, 1e-12, 0, "start of part 1");
        CHECK(!strcmp(c->test, "compression"), "test %s", c->test);
    }
    curve_list_free(&l);
    /* Read alone, a part says it is one. */
    char rel0[300];
    snprintf(rel0, sizeof rel0,
             "TomWang0428__MTS_data/MTS_Data_Example/I8-3-1/Test Run 1 "
             "10-23-2023 6 04 50 PM/DAQ- Crosshead, \xE2\x80\xA6 - (Timed).txt");
    l = read_real(rel0);
    CHECK(l.n == 1 && has_note(l.v[0], "MTS part:"), "single part not marked");
    curve_list_free(&l);
    /* Naming one part brings its sibling. */
    char one[1200];
    snprintf(one, sizeof one,
             "%s/Test Run 1 10-23-2023 6 04 50 PM/DAQ- Crosshead, \xE2\x80\xA6 - (Timed)1.txt",
             dir);
    rc = csvin_read_path(one, NULL, &l, on_err, &errs, &nr, &nf);
    CHECK(rc == RIGOR_OK && l.n == 1 && l.v[0]->n == 1980, "one part: rc %d, %zu curves", rc,
          l.n);
    curve_list_free(&l);
    /* Both parts and their folder named together: still one run. */
    char zero[1200];
    snprintf(zero, sizeof zero,
             "%s/Test Run 1 10-23-2023 6 04 50 PM/DAQ- Crosshead, \xE2\x80\xA6 - (Timed).txt",
             dir);
    const char *args[] = {zero, one, dir};
    rc = csvin_read_paths(args, 3, NULL, &l, on_err, &errs, &nr, &nf);
    CHECK(rc == RIGOR_OK && l.n == 1 && nr == 1, "parts + folder: rc %d, %zu curves", rc, l.n);
    curve_list_free(&l);
}

/* The whole folder: the 35 exports, README.md and FORMATS.md skipped. */
static void test_real_folder(void)
{
    const char *dir = th_shared("data/real");
    if (!dir)
        SKIP("../shared/data/real is absent");
    curve_list l = {0};
    int errs = 0;
    size_t nr = 0, nf = 0;
    csvin_read_path(dir, NULL, &l, on_err, &errs, &nr, &nf);
    /* 35 files: 3 hold no curve, the 2 MTS parts are one run -> 31 read */
    CHECK(nr == 31 && nf == 3 && errs == 3, "%zu read, %zu failed, %d reported", nr, nf, errs);
    /* curves: 27 single-specimen files, the joined MTS run, 13 + 3 + 2 ETH specimens */
    CHECK(l.n == 27 + 1 + 13 + 3 + 2, "%zu curves", l.n);
    curve_list_free(&l);
}

/* Where the file states its own maximum, the imported data agree to 0.1 %. */
static void test_real_vendor_agreement(void)
{
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent");
    static const char *const files[] = {
        "franaudo__compas_testing/data/cubes_results/Compressive_Strength.txt",
        "franaudo__compas_testing/data/cubes_results/Double_Punch.txt",
        "pedrodamas0803__mechtest_ufmg/data/am2.csv",
        "FollowTheProcess__pymechtest/tests/data/Tens_Yield/Specimen_RawData_1.csv",
        "FollowTheProcess__pymechtest/tests/data/Tens_No_Yield/Specimen_RawData_10.csv",
    };
    int compared = 0;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        curve_list l = read_real(files[k]);
        for (size_t s = 0; s < l.n; s++) {
            const curve *c = l.v[s];
            csvin_vendor v[16];
            size_t nv = csvin_vendor_results(c, v, 16);
            for (size_t i = 0; i < nv; i++) {
                int role = !strcmp(v[i].name, "max_force_n")            ? CURVE_FORCE
                           : !strcmp(v[i].name, "tensile_strength_mpa") ? CURVE_STRESS
                                                                        : -1;
                if (role < 0 || !c->ch[role])
                    continue;
                double mx = -INFINITY;
                for (size_t j = 0; j < c->n; j++)
                    mx = fmax(mx, c->ch[role][j]);
                char what[600];
                snprintf(what, sizeof what, "%s #%zu %s", files[k], s + 1, v[i].name);
                CHECK_NEAR(mx, v[i].value_si, 0, 1e-3, what);
                compared++;
            }
        }
        curve_list_free(&l);
    }
    CHECK(compared >= 8, "only %d vendor values compared", compared);
}

/* Ids, geometry and clock time of the multi-specimen and header formats. */
static void test_real_metadata(void)
{
    if (!th_shared("data/real/README.md"))
        SKIP("../shared/data/real is absent");
    curve_list l = read_real("danielvogler__3d_printed_sstone/data/load_data/"
                             "ethz_sandstone_artificial_coarse_gs25_d52mm_2015-11-12.txt");
    if (l.n == 13) {
        CHECK(!strcmp(l.v[0]->specimen, "c2") && !strcmp(l.v[12]->specimen, "b12"),
              "ETH ids %s .. %s", l.v[0]->specimen, l.v[12]->specimen);
        /* 16:56:47:308 -> 16:57:00:578 on the last row of block c2 (hand check) */
        CHECK_NEAR(l.v[0]->ch[CURVE_TIME][l.v[0]->n - 1], 13.27, 1e-9, 0, "clock time");
        CHECK(has_note(l.v[0], "without data rows"), "empty block x not reported");
    }
    curve_list_free(&l);
    l = read_real(
        "a-hilhorst__Tensile-test-Analysis/imap_versions/other_machine_outputs_examples/"
        "Invar_LT_05_01.TRA");
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK_NEAR(c->geom.area_m2, 7.335e-6, 1e-15, 0, "TRA cross-section");
        CHECK_NEAR(c->geom.gauge_m, 30e-3, 1e-15, 0, "TRA gauge");
        const curve_meta *m = curve_meta_find(c, "date");
        CHECK(m && !strcmp(m->value, "2020-12-17 12:00"), "Excel date 44182.5 -> %s",
              m ? m->value : "(none)");
        CHECK(!strcmp(c->colname[CURVE_EXT], "Standard travel"), "TRA ext %s",
              c->colname[CURVE_EXT]);
    }
    curve_list_free(&l);
    l = read_real("pedrodamas0803__mechtest_ufmg/data/am1.csv");
    CHECK(l.n == 1 && !strcmp(l.v[0]->specimen, "A\xC3\xA7o 1016"), "Latin-1 id to UTF-8");
    curve_list_free(&l);
    l = read_real("ppieczywek__TDA/DATA/NANO_K_1.MTR");
    if (l.n == 1) {
        CHECK_NEAR(l.v[0]->geom.gauge_m, 10e-3, 1e-15, 0, "Deben span with decimal comma");
        CHECK(has_note(l.v[0], "sentinel"), "Deben sentinel not reported");
    }
    curve_list_free(&l);
}

int main(void)
{
    TEST_RUN(test_real_files);
    TEST_RUN(test_real_expected_warnings);
    TEST_RUN(test_real_mts_join);
    TEST_RUN(test_real_folder);
    TEST_RUN(test_real_vendor_agreement);
    TEST_RUN(test_real_metadata);
    TEST_END("test_csvin_real");
}
