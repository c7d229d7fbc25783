/* test_compression.c — compression analysis on closed-form curves and the gel.
 *
 * Closed forms (tests/synth.h): the founding study's brittle pellet (linear
 * to 0.19 MPa at 6.5 %), a cellular model with known ISO 13314 plateau,
 * plateau end, absorbed energy and efficiency maximum, and the E-LPSCl film
 * (elastic, plastic, densification to 80 MPa at 90 %). Each is recorded as a
 * frame would: pre-contact gap, noisy force, optional machine compliance,
 * either sign convention.
 */
#include "../analysis/compliance.h"
#include "../analysis/compression.h"
#include "../analysis/modulus.h"
#include "../analysis/detect.h"
#include "../common/error.h"
#include "harness.h"
#include "../analysis/prepare.h"
#include "synth.h"

#include <stdio.h>

/* A curve (time, travel, force) from a synthetic recording; sF, sX flip
 * force and travel, x0 is the travel reading at the start. */
static curve *to_curve(const synth_curve *s, double sF, double sX, double x0)
{
    curve *c;
    if (curve_new(1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE, &c))
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        double row[CURVE_NROLES] = {0};
        row[CURVE_TIME] = s->t[i];
        row[CURVE_EXT] = x0 + sX * s->x[i];
        row[CURVE_FORCE] = sF * s->F[i];
        curve_append(c, row);
    }
    snprintf(c->test, sizeof c->test, "compression");
    return c;
}

static int analyze(const curve *c, const analysis_opts *o, result_set *rs)
{
    char why[256] = "";
    results_init(rs);
    int rc = compression_analyze(c, o, rs, why, sizeof why);
    if (rc)
        printf("    compression_analyze: %s (%s)\n", rigor_strerror(rc), why);
    return rc;
}

static void dump(const result_set *rs)
{
    for (size_t i = 0; i < rs->nresults; i++)
        printf("    %-26s %.9g\n", rs->results[i].key, rs->results[i].v[0]);
    for (size_t i = 0; i < rs->nstages; i++)
        printf("    stage %-13s #%zu t %.4g s pos %.5g mm strain %.4g..%.4g %% stress %.5g "
               "MPa (%s)\n",
               rs->stages[i].stage, rs->stages[i].start_index, rs->stages[i].start_time_s,
               rs->stages[i].start_position_mm, rs->stages[i].start_strain_pct,
               rs->stages[i].end_strain_pct, rs->stages[i].start_stress_mpa,
               rs->stages[i].rule);
    for (size_t i = 0; i < rs->nnotes; i++)
        printf("    note: %s\n", rs->notes[i]);
}

static bool stages_are(const result_set *rs, const char *const *want, size_t n)
{
    if (rs->nstages != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(rs->stages[i].stage, want[i]))
            return false;
    return true;
}

static const char *const KEYS[] = {
    "max_force_n",          "compressive_modulus_mpa",  "modulus_r2",
    "yield_strength_mpa",   "first_max_stress_mpa",     "fracture_stress_mpa",
    "fracture_strain_pct",  "plateau_stress_mpa",       "plateau_end_strain_pct",
    "densification_strain_pct", "energy_absorption_mj_m3", "max_stress_mpa",
    "max_strain_pct"};

static void check_all_keys(const result_set *rs)
{
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        CHECK(results_find(rs, KEYS[i]) != NULL, "result key %s missing", KEYS[i]);
}

/* ---- models ---------------------------------------------------------------- */

static const double PELLET_K[] = {0.19e6 / 0.065};
static synth_spec pellet_spec(double C)
{
    /* 10 mm pellet, 0.6 mm thick, 0.05 mm gap, 100 Hz. */
    synth_spec sp = {law_linear, PELLET_K, M_PI * 25e-6, 0.6e-3, 0.05e-3, 0.065, true, 0.02,
                     200, 2e-5, 0.01, 0.004, C};
    return sp;
}

/* Foam: E 50 MPa, plateau 1 MPa + 0.5 MPa per unit strain from 2 %,
 * densification + 300 MPa (eps - 0.35)^3; 100 mm^2, 10 mm high. */
static const double FOAM_K[] = {50e6, 1e6, 0.5e6, 0.35, 300e6};
static synth_spec foam_spec(void)
{
    synth_spec sp = {law_cellular, FOAM_K, 100e-6, 10e-3, 0.2e-3, 0.80, false, 0, 0,
                     2e-4, 0.01, 0.02, 0};
    return sp;
}

static const double FILM_K[] = {100e6, 0.04, 15e6, 0.55, 63.1e6 / (0.35 * 0.35 * 0.35)};
static synth_spec film_spec(void)
{
    synth_spec sp = {law_film, FILM_K, M_PI * 25e-6, 40e-6, 4e-6, 0.90, false, 0, 0,
                     1e-4, 0.01, 0.05, 0};
    return sp;
}

static void set_geom(analysis_opts *o, const synth_spec *sp)
{
    o->geom.area_m2 = sp->A0;
    o->geom.height_m = sp->h0;
}

/* ---- cases ----------------------------------------------------------------- */

/* Regression (2026-11-25, seen on a simulated pellet run): sampled densely
 * (0.0001 N per sample against 0.004 N noise) a noise dip on the slow rise
 * after contact was taken for the ISO 13314 first maximum (0.0066 MPa). */
static void test_first_max_not_noise(void)
{
    synth_spec sp = pellet_spec(0);
    sp.deps = 5e-6;
    sp.dt = 0.001;
    sp.noise_N = 0.004;
    synth_curve s;
    synth_seed(7);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, 1, 1, 0);
    analysis_opts o;
    analysis_opts_default(&o);
    set_geom(&o, &sp);
    result_set rs;
    CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
    CHECK_NEAR(results_get(&rs, "first_max_stress_mpa"), 0.19, 0, 0.02, "first maximum");
    CHECK_NEAR(results_get(&rs, "fracture_stress_mpa"), 0.19, 0, 0.02, "fracture stress");
    results_clear(&rs);
    curve_free(c);
    synth_free(&s);
}

static void test_pellet(void)
{
    synth_spec sp = pellet_spec(0);
    synth_curve s;
    synth_seed(101);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, 1, 1, 0);
    analysis_opts o;
    analysis_opts_default(&o);
    set_geom(&o, &sp);
    result_set rs;
    CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
    check_all_keys(&rs);
    CHECK_NEAR(results_get(&rs, "fracture_stress_mpa"), 0.19, 0, 0.02, "fracture stress");
    CHECK_NEAR(results_get(&rs, "fracture_strain_pct"), 6.5, 0, 0.02, "fracture strain");
    CHECK_NEAR(results_get(&rs, "compressive_modulus_mpa"), PELLET_K[0] * 1e-6, 0, 0.02,
               "modulus");
    CHECK_NEAR(results_get(&rs, "first_max_stress_mpa"), 0.19, 0, 0.02, "first maximum");
    CHECK_NEAR(results_get(&rs, "max_force_n"), 0.19e6 * sp.A0, 0, 0.02, "max force");
    CHECK(isnan(results_get(&rs, "yield_strength_mpa")), "no offset yield before fracture");
    CHECK(isnan(results_get(&rs, "densification_strain_pct")), "no densification");
    CHECK(isnan(results_get(&rs, "plateau_stress_mpa")), "no plateau at 6.5 %%");
    const char *const want[] = {"contact", "elastic", "fracture"};
    CHECK(stages_are(&rs, want, 3), "stages contact, elastic, fracture");
    if (rs.nstages) {
        /* 0.0046 N per sample against 0.004 N noise: 6 sigma takes ~6 samples. */
        CHECK(rs.stages[0].start_index >= s.i_contact &&
                  rs.stages[0].start_index <= s.i_contact + 10,
              "contact at %zu, true %zu", rs.stages[0].start_index, s.i_contact);
        CHECK_NEAR(rs.stages[0].start_position_mm, 0.05, 0.002, 0, "contact position");
        CHECK_NEAR(rs.stages[0].start_strain_pct, 0, 1e-12, 0, "contact strain is zero");
    }
    /* ISO 604 chord 0.05..0.25 % on the same curve. */
    result_set r2;
    o.modulus = MOD_CHORD;
    CHECK(analyze(c, &o, &r2) == RIGOR_OK, "analysis chord");
    CHECK_NEAR(results_get(&r2, "compressive_modulus_mpa"), PELLET_K[0] * 1e-6, 0, 0.05,
               "chord modulus");
    const result_value *mm = results_find_method(&r2, "modulus_method");
    CHECK(mm && !strcmp(mm->s, "chord"), "chord recorded in the method");
    if (getenv("RIGOR_TEST_VERBOSE"))
        printf("    pellet: modulus %.6g MPa (true %.6g), fracture %.6g MPa at %.6g %%\n",
               results_get(&rs, "compressive_modulus_mpa"), PELLET_K[0] * 1e-6,
               results_get(&rs, "fracture_stress_mpa"), results_get(&rs, "fracture_strain_pct"));
    if (th_case_failed)
        dump(&rs);
    results_clear(&rs);
    results_clear(&r2);
    curve_free(c);
    synth_free(&s);
}

/* Closed-form answers for the foam. */
static double foam_eta_max(void)
{
    /* d(eta)/d(eps) = 0  <=>  sigma^2 = W sigma'; bisection on (0.36, 0.8). */
    double a = 0.36, b = 0.8;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (a + b);
        double s = law_cellular(m, FOAM_K);
        double g = s * s - law_cellular_W(m, FOAM_K) * law_cellular_slope(m, FOAM_K);
        if (g > 0)
            a = m;
        else
            b = m;
    }
    return 0.5 * (a + b);
}

static double foam_plateau_end(double spl)
{
    double a = 0.2, b = 0.8;
    for (int i = 0; i < 200; i++) {
        double m = 0.5 * (a + b);
        if (law_cellular(m, FOAM_K) < 1.3 * spl)
            a = m;
        else
            b = m;
    }
    return 0.5 * (a + b);
}

static void test_foam(void)
{
    synth_spec sp = foam_spec();
    synth_curve s;
    synth_seed(102);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, 1, 1, 0);
    analysis_opts o;
    analysis_opts_default(&o);
    set_geom(&o, &sp);
    result_set rs;
    CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
    check_all_keys(&rs);
    /* ISO 13314 plateau 20..30 %: the model is linear there, so the mean is
     * its value at 25 %. */
    double spl = law_cellular(0.25, FOAM_K);
    CHECK_NEAR(results_get(&rs, "plateau_stress_mpa"), spl * 1e-6, 0, 0.02, "plateau 20-30");
    double ed = foam_eta_max();
    CHECK_NEAR(results_get(&rs, "densification_strain_pct"), ed * 100, 1.0, 0,
               "densification (efficiency maximum)");
    CHECK_NEAR(results_get(&rs, "plateau_end_strain_pct"), foam_plateau_end(spl) * 100, 1.0, 0,
               "plateau end");
    CHECK_NEAR(results_get(&rs, "energy_absorption_mj_m3"), law_cellular_W(0.5, FOAM_K) * 1e-6,
               0, 0.02, "energy to 50 %");
    CHECK_NEAR(results_get(&rs, "compressive_modulus_mpa"), 50, 0, 0.02, "modulus");
    CHECK(isnan(results_get(&rs, "fracture_stress_mpa")), "no fracture");
    const char *const want[] = {"contact", "elastic", "plateau", "densification"};
    CHECK(stages_are(&rs, want, 4), "stages contact, elastic, plateau, densification");
    /* The 20..40 % variant. */
    o.plateau_hi = 0.40;
    result_set r2;
    CHECK(analyze(c, &o, &r2) == RIGOR_OK, "analysis 20-40");
    double spl40 = (law_cellular_W(0.40, FOAM_K) - law_cellular_W(0.20, FOAM_K)) / 0.20;
    CHECK_NEAR(results_get(&r2, "plateau_stress_mpa"), spl40 * 1e-6, 0, 0.02, "plateau 20-40");
    if (th_case_failed || getenv("RIGOR_TEST_VERBOSE")) {
        printf("    want eta max at %.4f %%, plateau %.6g MPa, plateau end %.4f %%\n", ed * 100,
               spl * 1e-6, foam_plateau_end(spl) * 100);
        dump(&rs);
    }
    results_clear(&rs);
    results_clear(&r2);
    curve_free(c);
    synth_free(&s);
}

static void test_film(void)
{
    synth_spec sp = film_spec();
    synth_curve s;
    synth_seed(103);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, -1, -1, 12.5e-3); /* the simulated frame's signs */
    analysis_opts o;
    analysis_opts_default(&o);
    set_geom(&o, &sp);
    result_set rs;
    CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
    CHECK_NEAR(results_get(&rs, "max_stress_mpa"), 80, 0, 0.02, "max stress");
    CHECK_NEAR(results_get(&rs, "max_strain_pct"), 90, 0, 0.02, "max strain");
    CHECK_NEAR(results_get(&rs, "compressive_modulus_mpa"), 100, 0, 0.05, "modulus");
    CHECK(isnan(results_get(&rs, "fracture_stress_mpa")), "no rupture");
    const char *const want[] = {"contact", "elastic", "plastic", "densification"};
    CHECK(stages_are(&rs, want, 4), "stages contact, elastic, plastic, densification");
    if (rs.nstages == 4) {
        CHECK_NEAR(rs.stages[2].start_strain_pct, 4, 1, 0, "plastic from the 4 % knee");
        CHECK(rs.stages[3].start_strain_pct > 55, "densification after 55 %%");
        CHECK_NEAR(rs.stages[0].start_position_mm, 12.5 - 0.004, 0.0005, 0,
                   "contact position as in the file");
    }
    if (th_case_failed || getenv("RIGOR_TEST_VERBOSE"))
        dump(&rs);
    results_clear(&rs);
    curve_free(c);
    synth_free(&s);
}

/* Either sign of force and travel, any travel origin: the same results. */
static void test_signs(void)
{
    synth_spec specs[2] = {pellet_spec(0), foam_spec()};
    for (int m = 0; m < 2; m++) {
        synth_curve s;
        synth_seed(200 + (uint64_t)m);
        synth_make(&specs[m], &s);
        analysis_opts o;
        analysis_opts_default(&o);
        set_geom(&o, &specs[m]);
        result_set ref;
        curve *c0 = to_curve(&s, 1, 1, 0);
        CHECK(analyze(c0, &o, &ref) == RIGOR_OK, "reference");
        static const double flips[3][3] = {{-1, -1, 50e-3}, {-1, 1, -3e-3}, {1, -1, 0}};
        for (int f = 0; f < 3; f++) {
            curve *c = to_curve(&s, flips[f][0], flips[f][1], flips[f][2]);
            result_set rs;
            CHECK(analyze(c, &o, &rs) == RIGOR_OK, "flipped %d", f);
            for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
                double a = results_get(&ref, KEYS[k]), b = results_get(&rs, KEYS[k]);
                CHECK((isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a)),
                      "model %d flip %d: %s %.12g vs %.12g", m, f, KEYS[k], a, b);
            }
            CHECK(rs.nstages == ref.nstages, "model %d flip %d: stage count", m, f);
            for (size_t k = 0; k < rs.nstages && k < ref.nstages; k++)
                CHECK(rs.stages[k].start_index == ref.stages[k].start_index &&
                          !strcmp(rs.stages[k].stage, ref.stages[k].stage),
                      "model %d flip %d: stage %zu", m, f, k);
            results_clear(&rs);
            curve_free(c);
        }
        results_clear(&ref);
        curve_free(c0);
        synth_free(&s);
    }
}

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/rigor-compl-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    close(fd);
    return w == (ssize_t)len ? path : NULL;
}

/* Machine deflection comparable to the specimen's is removed exactly. */
static void test_compliance(void)
{
    double C = 2e-6; /* m/N: 30 um at 15 N against 39 um of specimen */
    synth_spec sp = pellet_spec(C);
    synth_curve s;
    synth_seed(104);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, -1, -1, 0);
    analysis_opts o;
    analysis_opts_default(&o);
    set_geom(&o, &sp);
    result_set raw, cor, tab;
    CHECK(analyze(c, &o, &raw) == RIGOR_OK, "uncorrected");
    o.compliance_m_per_N = C;
    CHECK(analyze(c, &o, &cor) == RIGOR_OK, "corrected");
    CHECK_NEAR(results_get(&cor, "fracture_strain_pct"), 6.5, 0, 0.01, "corrected strain");
    CHECK_NEAR(results_get(&cor, "compressive_modulus_mpa"), PELLET_K[0] * 1e-6, 0, 0.02,
               "corrected modulus");
    CHECK(results_get(&raw, "fracture_strain_pct") > 6.5 * 1.5,
          "uncorrected strain %.4g %% must include the frame", results_get(&raw, "fracture_strain_pct"));
    /* The same compliance as a table file in kN and um. */
    char *path = write_temp("# platens together, no specimen\n"
                            "force (kN), deflection (um)\r\n"
                            "0, 0\n"
                            "0.01, 20\n"
                            "0.1 200\n");
    CHECK(path != NULL, "temp file");
    if (path) {
        o.compliance_m_per_N = 0;
        snprintf(o.compliance_file, sizeof o.compliance_file, "%s", path);
        CHECK(analyze(c, &o, &tab) == RIGOR_OK, "table");
        for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
            double a = results_get(&cor, KEYS[k]), b = results_get(&tab, KEYS[k]);
            CHECK((isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a)),
                  "table vs constant: %s %.12g vs %.12g", KEYS[k], a, b);
        }
        results_clear(&tab);
        unlink(path);
    }
    results_clear(&raw);
    results_clear(&cor);
    curve_free(c);
    synth_free(&s);
}

static void test_compliance_file_errors(void)
{
    compliance_table t;
    rigor_diag d;
    char buf[600];
    CHECK(compliance_parse("0, 0\n10, x\n", "c.txt", &t, &d) == RIGOR_EPARSE, "bad number");
    CHECK(!strcmp(rigor_diag_format(&d, buf, sizeof buf),
                  "c.txt:2:5: expected a deflection value (number)"),
          "diag: %s", buf);
    CHECK(compliance_parse("0 0\n10 0.1\n5 0.2\n", "c.txt", &t, &d) == RIGOR_EPARSE,
          "decreasing forces");
    CHECK(d.line == 3 && d.col == 1, "decreasing at 3:1, got %ld:%ld", d.line, d.col);
    CHECK(compliance_parse("force (kPa), deflection (mm)\n0 0\n1 1\n", "c.txt", &t, &d) ==
              RIGOR_EUNIT,
          "a stress unit for force");
    CHECK(d.line == 1 && d.col == 8, "unit at 1:8, got %ld:%ld", d.line, d.col);
    CHECK(compliance_parse("# only\n5 0.1\n", "c.txt", &t, &d) == RIGOR_EPARSE, "one row");
    CHECK(compliance_parse("0;0\n-100;-0.05\n", "c.txt", &t, &d) == RIGOR_OK, "magnitudes");
    CHECK_NEAR(compliance_deflection(&t, -50), 0.025e-3, 1e-15, 0, "interpolated");
    CHECK_NEAR(compliance_deflection(&t, 200), 0.1e-3, 1e-15, 0, "extrapolated");
    compliance_free(&t);
    compliance_free(NULL);
    CHECK(compliance_load("/nonexistent/rigor.txt", &t, &d) == RIGOR_EIO, "missing file");
}

static void test_errors(void)
{
    synth_spec sp = pellet_spec(0);
    synth_curve s;
    synth_seed(105);
    synth_make(&sp, &s);
    curve *c = to_curve(&s, 1, 1, 0);
    analysis_opts o;
    analysis_opts_default(&o);
    o.geom.area_m2 = sp.A0;
    char why[256];
    result_set rs;
    results_init(&rs);
    CHECK(compression_analyze(c, &o, &rs, why, sizeof why) == RIGOR_EGEOMETRY, "no height");
    CHECK(strstr(why, "--height") != NULL, "why names --height: %s", why);
    results_clear(&rs);
    analysis_opts_default(&o);
    o.geom.height_m = sp.h0;
    CHECK(compression_analyze(c, &o, &rs, why, sizeof why) == RIGOR_EGEOMETRY, "no area");
    CHECK(strstr(why, "--diameter") != NULL, "why names the area flags: %s", why);
    results_clear(&rs);
    o.geom.area_m2 = sp.A0;
    snprintf(o.compliance_file, sizeof o.compliance_file, "/nonexistent/c.txt");
    CHECK(compression_analyze(c, &o, &rs, why, sizeof why) == RIGOR_EIO, "missing table");
    CHECK(strstr(why, "/nonexistent/c.txt") != NULL, "why names the file: %s", why);
    results_clear(&rs);
    /* No contact: a flat noise record. */
    curve *z;
    curve_new(1u << CURVE_EXT | 1u << CURVE_FORCE, &z);
    for (int i = 0; i < 100; i++) {
        double row[CURVE_NROLES] = {0};
        row[CURVE_EXT] = i * 1e-6;
        row[CURVE_FORCE] = 1e-3 * ((i * 7) % 5 - 2);
        curve_append(z, row);
    }
    o.compliance_file[0] = 0;
    CHECK(compression_analyze(z, &o, &rs, why, sizeof why) == RIGOR_ENODATA, "no contact");
    results_clear(&rs);
    curve_free(z);
    curve_free(c);
    synth_free(&s);
}

/* Test-local reader for the Exponent .tab export of the gel (the importer
 * is another module): 3 header lines, a blank line, then Force (g),
 * Distance (mm), Time (s), tab-separated with CRLF and a trailing tab. */
static curve *read_gel(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    curve *c;
    if (curve_new(1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE, &c)) {
        fclose(f);
        return NULL;
    }
    char line[256];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        if (++ln <= 4)
            continue;
        double g, mm, sec;
        if (sscanf(line, "%lf\t%lf\t%lf", &g, &mm, &sec) != 3)
            continue;
        double row[CURVE_NROLES] = {0};
        row[CURVE_FORCE] = g * 9.80665e-3;
        row[CURVE_EXT] = mm * 1e-3;
        row[CURVE_TIME] = sec;
        curve_append(c, row);
    }
    fclose(f);
    return c;
}

static void test_gel(void)
{
    const char *path = th_shared("data/peer/tbgitoo_textureAnalyzerGels/sampleGel.tab");
    if (!path)
        SKIP("../shared/data/peer/tbgitoo_textureAnalyzerGels/sampleGel.tab not present");
    curve *c = read_gel(path);
    CHECK(c && c->n == 90001, "gel rows: %zu", c ? c->n : 0);
    if (!c)
        return;
    analysis_opts o;
    analysis_opts_default(&o);
    o.geom.diameter_m = 4e-3; /* the export's default probe */
    o.geom.height_m = 2.5e-3; /* from the sample label */
    result_set rs;
    CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
    /* The file's largest force: 18.0037 g at 2.25 mm, row 45007, the end of
     * the down stroke. */
    CHECK_NEAR(results_get(&rs, "max_force_n"), 18.0037 * 9.80665e-3, 0, 1e-6, "max force");
    /* the gel has no straight elastic part: a modulus r^2 below the bound is
     * a WARNING (issue 23: one modulus module, the same flag as tensile) */
    CHECK(results_get(&rs, "modulus_r2") >= MODULUS_R2_MIN || results_has_warning(&rs),
          "modulus r^2 %.4g below %.2f without a WARNING", results_get(&rs, "modulus_r2"),
          MODULUS_R2_MIN);
    CHECK(rs.nstages >= 3 && !strcmp(rs.stages[0].stage, "contact"), "contact first");
    if (rs.nstages) {
        /* The force starts rising near 0.55 mm and leaves the noise band
         * (sigma ~0.12 g while moving; 5 sigma ~0.6 g) near 0.67 mm. */
        CHECK(rs.stages[0].start_position_mm > 0.5 && rs.stages[0].start_position_mm < 0.75,
              "contact at %.4g mm", rs.stages[0].start_position_mm);
    }
    bool plateau = false, dens = false;
    for (size_t i = 0; i < rs.nstages; i++) {
        plateau |= !strcmp(rs.stages[i].stage, "plateau") || !strcmp(rs.stages[i].stage, "plastic");
        dens |= !strcmp(rs.stages[i].stage, "densification");
    }
    CHECK(plateau && dens, "plateau/plastic and densification stages");
    CHECK(isnan(results_get(&rs, "fracture_stress_mpa")), "the gel does not break");
    CHECK(isfinite(results_get(&rs, "densification_strain_pct")), "efficiency maximum found");
    /* Live (sample by sample) and offline (detect_run_curve) agree on the
     * gel's own stress and strain, as the protocol would feed them. */
    if (rs.nstages) {
        size_t n = c->n, ic = rs.stages[0].start_index;
        double A0 = M_PI * 4e-6, *e = malloc(n * sizeof *e), *sg = malloc(n * sizeof *sg);
        for (size_t i = 0; i < n; i++) {
            e[i] = (c->ch[CURVE_EXT][i] - c->ch[CURVE_EXT][ic]) / 2.5e-3;
            sg[i] = c->ch[CURVE_FORCE][i] / A0;
        }
        detect_params p;
        detect_params_default(&p, true);
        detect_event off[64], live[64], b[DET_NKINDS];
        size_t noff = 0, nlive = 0;
        detect_run_curve(&p, c->ch[CURVE_TIME], e, sg, c->ch[CURVE_FORCE], n, off, 64, &noff);
        detect *d;
        detect_new(&p, &d);
        for (size_t i = 0; i <= n; i++) {
            int m = i < n ? detect_feed(d, c->ch[CURVE_TIME][i], e[i], sg[i],
                                        c->ch[CURVE_FORCE][i], b, DET_NKINDS)
                          : detect_finish(d, b, DET_NKINDS);
            for (int j = 0; j < m && nlive < 64; j++)
                live[nlive++] = b[j];
        }
        detect_free(d);
        CHECK(noff == nlive && noff > 3, "live %zu vs offline %zu events", nlive, noff);
        for (size_t k = 0; k < noff && k < nlive; k++)
            /* live[0..nlive-1] were filled above and k < nlive */
            // cppcheck-suppress uninitvar
            CHECK(off[k].kind == live[k].kind && off[k].index == live[k].index &&
                      off[k].emit_index == live[k].emit_index,
                  "event %zu differs", k);
        free(e);
        free(sg);
    }
    if (th_case_failed || getenv("RIGOR_TEST_VERBOSE"))
        dump(&rs);
    results_clear(&rs);
    curve_free(c);
}

/* A record that starts already in contact (issue 20): no approach, the
 * first sample already carries a preload (a concrete cube at 20 kN), or the
 * record starts low on the loading ramp. The strain zero is where the
 * linear part extrapolates to zero stress (ISO 604); the old code took the
 * contact sample as zero, so every strain was short by the preload's. The
 * noise is not the ramp's spread: the old code took 3 SD of the rising
 * pre-contact force as the noise floor. */
static void test_starts_in_contact(void)
{
    static const double k[] = {50e6}; /* linear to a brittle break at 5 % */
    const double A0 = 1e-4, h0 = 10e-3;
    for (int mode = 0; mode < 2; mode++) {
        /* mode 0: preloaded 20 N (0.4 % strain) at the first sample;
         * mode 1: starts at 0.3 N on a slow ramp, noise 0.01 N */
        synth_spec sp = {.law = law_linear, .k = k, .A0 = A0, .h0 = h0, .gap_m = 0,
                         .eps_end = 0.05, .brittle = true, .post_frac = 0.02,
                         .post_samples = 40, .deps = mode ? 1e-6 : 1e-5, .dt = 0.01,
                         .noise_N = 0.01, .C = 0};
        synth_curve s;
        synth_seed(300 + (uint64_t)mode);
        CHECK(synth_make(&sp, &s) == 0, "synth");
        double F0 = mode ? 0.3 : 20.0;
        size_t i0 = 0;
        while (i0 < s.n && s.e[i0] * k[0] * A0 < F0)
            i0++;
        curve *c;
        CHECK(curve_new(1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE, &c) == 0, "c");
        for (size_t i = i0; i < s.n; i++) {
            /* the travel reading is zeroed at the first recorded sample */
            double row[CURVE_NROLES] = {s.t[i], s.x[i] - s.x[i0], s.F[i], 0, 0};
            CHECK(curve_append(c, row) == 0, "append");
        }
        snprintf(c->test, sizeof c->test, "compression");
        analysis_opts o;
        analysis_opts_default(&o);
        o.geom.area_m2 = A0;
        o.geom.height_m = h0;
        result_set rs;
        CHECK(analyze(c, &o, &rs) == RIGOR_OK, "analysis");
        char what[64];
        snprintf(what, sizeof what, "mode %d fracture strain", mode);
        CHECK_NEAR(results_get(&rs, "fracture_strain_pct"), 5.0, 0.02, 0, what);
        snprintf(what, sizeof what, "mode %d max strain", mode);
        /* (the crosshead travels on after the break: the stroke's maximum) */
        CHECK_NEAR(results_get(&rs, "max_strain_pct"), s.x[s.n - 1] / h0 * 100, 0.02, 0, what);
        snprintf(what, sizeof what, "mode %d modulus", mode);
        CHECK_NEAR(results_get(&rs, "compressive_modulus_mpa"), 50, 0, 0.01, what);
        const result_value *z = results_find_method(&rs, "strain_zero");
        CHECK(z && strstr(z->s, "toe extrapolation"), "mode %d: strain zero by toe", mode);
        if (mode == 1) {
            /* 3 SD of the force noise, not of the ramp (0.3 -> 1 N) */
            const result_value *nf = results_find_method(&rs, "force_noise_n");
            CHECK(nf && nf->v[0] > 0.02 && nf->v[0] < 0.045, "force noise %.4g N, want ~0.03",
                  nf ? nf->v[0] : NAN);
        }
        /* the plot arrays carry the same zero */
        double *eps = NULL, *sig = NULL;
        size_t na = 0;
        char why[128];
        CHECK(analysis_curve_arrays(c, &o, &rs, &eps, &sig, &na, why, sizeof why) == RIGOR_OK,
              "arrays: %s", why);
        if (eps && na) {
            size_t im = 0;
            for (size_t i = 0; i < na; i++)
                if (sig[i] > sig[im])
                    im = i;
            snprintf(what, sizeof what, "mode %d plotted strain at max", mode);
            CHECK_NEAR(eps[im] * 100, 5.0, 0.02, 0, what);
        }
        free(eps);
        free(sig);
        if (th_case_failed || getenv("RIGOR_TEST_VERBOSE"))
            dump(&rs);
        results_clear(&rs);
        curve_free(c);
        synth_free(&s);
    }
}

int main(void)
{
    TEST_RUN(test_pellet);
    TEST_RUN(test_first_max_not_noise);
    TEST_RUN(test_foam);
    TEST_RUN(test_film);
    TEST_RUN(test_signs);
    TEST_RUN(test_compliance);
    TEST_RUN(test_compliance_file_errors);
    TEST_RUN(test_errors);
    TEST_RUN(test_gel);
    TEST_RUN(test_starts_in_contact);
    TEST_END("test_compression");
}
