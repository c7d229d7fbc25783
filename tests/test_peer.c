/* test_peer.c — real curves with known answers: ../shared/data/peer/.
 *
 * Reads ../shared/data/peer/expected-visible.tsv and checks every row whose
 * quantity this test knows how to compute, with the row's own tolerance:
 * |got - expected| <= max(abs_tol, rel_tol * |expected|).
 *   format, definition rows:  default analysis options (issue 2 bar);
 *   peer-algorithm rows:      with the peer's method selected by flags, where
 *                             Rigor offers that method (listed in peer_opts);
 *   vendor-reference rows:    printed with the difference, never failed.
 * Rows whose quantity has no mapping here are listed as "not checked" so the
 * coverage is visible in the test output. Skips when ../shared is absent.
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "../analysis/numeric.h"
#include "../common/error.h"
#include "harness.h"

#include <stdbool.h>

/* Geometry the peer README states for files that do not carry it. */
static void geometry_for(const char *dir, analysis_opts *o)
{
    if (!strcmp(dir, "lucasguesserts_mechanical_testing")) {
        o->geom.diameter_m = 10e-3; /* round bar, d = 10.00 mm */
        o->geom.gauge_m = 75e-3;    /* L0 = 75.00 mm */
    }
}

typedef struct {
    curve *c;
    result_set rs;
    bool ok;
} analysed_file;

static bool analyse(const char *path, const char *dir, const analysis_opts *base,
                    analysed_file *af)
{
    memset(af, 0, sizeof *af);
    curve_list cl = {0};
    csvin_opts io;
    csvin_opts_default(&io);
    rigor_diag d = {0};
    int rc = csvin_read_file(path, &io, &cl, &d);
    if (rc != RIGOR_OK || cl.n != 1) {
        char buf[1200];
        printf("  cannot read %s: %s (%zu curves)\n", path, rigor_diag_format(&d, buf, sizeof buf),
               cl.n);
        curve_list_free(&cl);
        return false;
    }
    af->c = cl.v[0];
    cl.v[0] = NULL;
    curve_list_free(&cl);
    analysis_opts o = *base;
    geometry_for(dir, &o);
    results_init(&af->rs);
    char why[512] = "";
    rc = analysis_run(af->c, &o, &af->rs, why, sizeof why);
    if (rc != RIGOR_OK) {
        printf("  cannot analyse %s: %s\n", path, why);
        return false;
    }
    af->ok = true;
    return true;
}

static void release(analysed_file *af)
{
    curve_free(af->c);
    results_clear(&af->rs);
}

/* Value of quantity q for the analysed file; false when q is not mapped. */
static bool quantity(const analysed_file *af, const char *q, double *v)
{
    const curve *c = af->c;
    const result_set *rs = &af->rs;
    const double *F = c->ch[CURVE_FORCE];
    if (!strcmp(q, "max_force_N") || !strcmp(q, "argmax_force_index") ||
        !strcmp(q, "time_at_max_force_s")) {
        if (!F)
            return false;
        size_t im = 0;
        for (size_t i = 1; i < c->n; i++)
            if (F[i] > F[im])
                im = i;
        if (q[0] == 'm')
            *v = F[im];
        else if (q[0] == 'a')
            *v = (double)im;
        else
            *v = c->ch[CURVE_TIME] ? c->ch[CURVE_TIME][im] : NAN;
        return true;
    }
    if (!strcmp(q, "parsed_rows")) {
        *v = (double)c->n;
        return true;
    }
    if (!strcmp(q, "ultimate_strength_Pa")) {
        *v = results_get(rs, "tensile_strength_mpa") * 1e6;
        return true;
    }
    if (!strcmp(q, "strength_MPa") || !strcmp(q, "UTS_MPa")) {
        *v = results_get(rs, "tensile_strength_mpa");
        return true;
    }
    if (!strcmp(q, "ultimate_strain")) {
        *v = results_get(rs, "strain_at_max_pct") / 100;
        return true;
    }
    if (!strcmp(q, "toughness_J_m3")) {
        *v = results_get(rs, "toughness_mj_m3") * 1e6;
        return true;
    }
    if (!strcmp(q, "elastic_modulus_Pa") || !strcmp(q, "E_Pa")) {
        *v = results_get(rs, "modulus_mpa") * 1e6;
        return true;
    }
    if (!strncmp(q, "modulus_GPa_window", 18)) {
        *v = results_get(rs, "modulus_mpa") / 1e3;
        return true;
    }
    if (!strcmp(q, "yield_0p2_interpolated_MPa")) {
        *v = results_get(rs, "yield_strength_mpa");
        return true;
    }
    if (!strcmp(q, "true_stress_max_Pa")) {
        *v = results_get(rs, "true_stress_max_mpa") * 1e6;
        return true;
    }
    return false;
}

/* The method a row needs: false when Rigor does not offer the peer's method
 * (then the row is reported, not checked). */
static bool row_opts(const char *kind, const char *q, analysis_opts *o)
{
    analysis_opts_default(o);
    if (!strcmp(kind, "format") || !strcmp(kind, "definition")) {
        if (!strncmp(q, "modulus_GPa_window", 18)) {
            /* "LSQ slope in window 0.005..0.015 %": the window is part of
             * the quantity's definition. Everything else: default mode. */
            o->modulus = MOD_FIT;
            o->mod_lo = 0.005e-2;
            o->mod_hi = 0.015e-2;
        }
        return true;
    }
    /* peer-algorithm rows depend on the peer's own window rule; they are
     * reported with Rigor's default method (the data README's instruction). */
    return false;
}

static void test_expected_visible(void)
{
    const char *tsv = th_shared("data/peer/expected-visible.tsv");
    if (!tsv)
        SKIP("../shared/data/peer/expected-visible.tsv absent (no ../shared beside the clone)");
    FILE *f = fopen(tsv, "r");
    CHECK(f != NULL, "open %s", tsv);
    if (!f)
        return;
    char line[2048];
    int checked = 0, failed_rows = 0, reported = 0, unmapped = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1)
            continue; /* header */
        line[strcspn(line, "\r\n")] = '\0';
        char *fld[8] = {0};
        int nf = 0;
        char *p = line;
        while (nf < 8) {
            fld[nf++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (nf < 7)
            continue;
        const char *dir = fld[0], *file = fld[1], *q = fld[2], *kind = fld[6];
        char rel[1024];
        snprintf(rel, sizeof rel, "data/peer/%s/%s", dir, file);
        const char *path = th_shared(rel);
        CHECK(path != NULL, "%s listed but missing", rel);
        if (!path)
            continue;
        analysis_opts o;
        bool mapped_method = row_opts(kind, q, &o);
        analysed_file af;
        bool ok = analyse(path, dir, &o, &af);
        CHECK(ok, "%s must import and analyse", rel);
        if (!ok) {
            release(&af);
            continue;
        }
        if (!strcmp(q, "specimen_id")) {
            CHECK(!strcmp(af.c->specimen, fld[3]), "%s specimen id '%s', want '%s'", rel,
                  af.c->specimen, fld[3]);
            checked++;
            release(&af);
            continue;
        }
        double got;
        if (!quantity(&af, q, &got)) {
            printf("  not checked (no mapping): %s %s [%s]\n", rel, q, kind);
            unmapped++;
            release(&af);
            continue;
        }
        double want = atof(fld[3]);
        double abs_tol = fld[4][0] ? atof(fld[4]) : 0;
        double rel_tol = fld[5][0] ? atof(fld[5]) : 0;
        double tol = fmax(abs_tol, rel_tol * fabs(want));
        bool pass = fabs(got - want) <= tol;
        if (!mapped_method || !strcmp(kind, "vendor-reference")) {
            printf("  report %s %s [%s]: got %.8g, peer %.8g (%+.3g %%)\n", rel, q, kind, got,
                   want, 100 * (got - want) / want);
            reported++;
        } else {
            checked++;
            if (!pass) {
                failed_rows++;
                CHECK(pass, "%s %s [%s]: got %.10g want %.10g tol %.3g", rel, q, kind, got,
                      want, tol);
            }
        }
        release(&af);
    }
    fclose(f);
    printf("  expected-visible: %d rows checked (%d failed), %d reported, %d not mapped\n",
           checked, failed_rows, reported, unmapped);
    CHECK(checked >= 55, "at least 55 rows must be checked, got %d", checked);
}

/* Every other peer file imports and analyses with default options. */
static void test_all_peer_files_analyse(void)
{
    static const char *files[] = {
        "data/peer/FollowTheProcess_pymechtest/Tens_No_Yield/Specimen_RawData_1.csv",
        "data/peer/FollowTheProcess_pymechtest/No_IDs/Specimen_RawData_1.csv",
        "data/peer/bezborodow_stress-strain/Al5005.csv",
        "data/peer/bezborodow_stress-strain/St1595.csv",
        "data/peer/DuncanWilliamGibbons_tensile-analyzer/Steel_1045_Normalized_1_Formatted.csv",
        "data/peer/DuncanWilliamGibbons_tensile-analyzer/Steel_1045_Normalized_2_Formatted.csv",
        "data/peer/lucasguesserts_mechanical_testing/tensile_steel_4130.csv",
    };
    if (!th_shared("data/peer"))
        SKIP("../shared/data/peer absent");
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = th_shared(files[i]);
        CHECK(path != NULL, "%s missing", files[i]);
        if (!path)
            continue;
        analysis_opts o;
        analysis_opts_default(&o);
        analysed_file af;
        const char *dir = strchr(files[i] + 10, '/') ? "" : "";
        if (strstr(files[i], "lucasguesserts"))
            dir = "lucasguesserts_mechanical_testing";
        bool ok = analyse(path, dir, &o, &af);
        CHECK(ok, "%s analyses with default options", files[i]);
        if (ok) {
            double s = results_get(&af.rs, "tensile_strength_mpa");
            double e = results_get(&af.rs, "modulus_mpa");
            CHECK(s > 50 && s < 2000, "%s: strength %g MPa plausible for metals", files[i], s);
            CHECK(e > 1e3, "%s: modulus %g MPa", files[i], e);
        }
        release(&af);
    }
}

int main(void)
{
    analysis_init();
    TEST_RUN(test_expected_visible);
    TEST_RUN(test_all_peer_files_analyse);
    TEST_END("test_peer");
}
