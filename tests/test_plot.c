/* test_plot.c — figures (analysis/plot.c), curve arrays (prepare.c), rstats.
 *
 * Cases: batch statistics on values with known mean/SD; the format from the
 * file name; a compression-like curve (linear rise, plateau, densification)
 * with a hand-made compression result set drawn to SVG, PNG and PDF — the
 * SVG parses, its annotation text carries the result values, the PNG has a
 * valid signature and the page size in IHDR; error paths that must return
 * (PLplot would otherwise exit); and the arrays of the bundled tensile example
 * lie in the frame of its results (the reported maximum is on the curve).
 */
#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "../analysis/plot.h"
#include "../analysis/prepare.h"
#include "../analysis/rstats.h"
#include "../common/error.h"
#include "harness.h"

#include <stdint.h>

/* LeakSanitizer: fontconfig, pango, cairo and libltdl (PLplot's driver
 * loader) keep process-lifetime caches that are never freed; they are not
 * Rigor's leaks. Only these libraries are exempt. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig\nleak:libpango\nleak:libcairo\nleak:libltdl\n"
           "leak:libglib\nleak:libgobject\nleak:libharfbuzz\nleak:libpixman\n";
}

static void test_rstats(void)
{
    double v[] = {1, 2, NAN, 3, 4};
    rstats st;
    rstats_values(v, 5, &st);
    CHECK(st.n == 4, "n = %zu", st.n);
    CHECK_NEAR(st.mean, 2.5, 1e-12, 0, "mean");
    CHECK_NEAR(st.sd, sqrt(5.0 / 3.0), 1e-12, 0, "sd");
    CHECK_NEAR(st.cv_pct, 100 * sqrt(5.0 / 3.0) / 2.5, 1e-10, 0, "cv");
    CHECK(st.min == 1 && st.max == 4, "min %g max %g", st.min, st.max);
    double one = 7;
    rstats_values(&one, 1, &st);
    CHECK(st.n == 1 && st.mean == 7 && isnan(st.sd) && isnan(st.cv_pct), "n=1: sd undefined");
    rstats_values(v + 2, 1, &st);
    CHECK(st.n == 0 && isnan(st.mean), "only NAN: nothing");

    result_set a, b;
    results_init(&a);
    results_init(&b);
    results_number(&a, "tensile_strength_mpa", 10);
    results_number(&b, "tensile_strength_mpa", 14);
    const result_set *rs[2] = {&a, &b};
    rstats_of(rs, 2, "tensile_strength_mpa", &st);
    CHECK(st.n == 2 && st.mean == 12, "mean of two = %g", st.mean);
    CHECK_NEAR(st.sd, sqrt(8.0), 1e-12, 0, "sd of two");
    rstats_of(rs, 2, "modulus_mpa", &st);
    CHECK(st.n == 0, "absent key: n = 0");
    results_clear(&a);
    results_clear(&b);
}

static void test_format_of(void)
{
    plot_format f;
    CHECK(plot_format_of("a/b.SVG", &f) == RIGOR_OK && f == PLOT_SVG, "svg");
    CHECK(plot_format_of("x.png", &f) == RIGOR_OK && f == PLOT_PNG, "png");
    CHECK(plot_format_of("x.pdf", &f) == RIGOR_OK && f == PLOT_PDF, "pdf");
    CHECK(plot_format_of("x.jpg", &f) == RIGOR_EINVAL, "jpg refused");
    CHECK(plot_format_of("noext", &f) == RIGOR_EINVAL, "no extension refused");
}

/* A foam-like compression curve: linear to 1 MPa at 2 %, plateau rising
 * from 1.0 to 1.2 MPa up to 45 %, then densification. */
#define NC 700
static double CE[NC], CS[NC];

static void make_compression(result_set *rs)
{
    for (int i = 0; i < NC; i++) {
        double e = 0.7 * i / (NC - 1), s;
        if (e < 0.02)
            s = 50e6 * e;
        else if (e < 0.45)
            s = 1e6 + 0.2e6 * (e - 0.02) / 0.43;
        else
            s = 1.2e6 + 30e6 * (e - 0.45) * (e - 0.45);
        CE[i] = e;
        CS[i] = s;
    }
    results_init(rs);
    snprintf(rs->test, sizeof rs->test, "compression");
    results_method_pair(rs, "modulus_window_pct", 0.5, 1.5);
    results_method_pair(rs, "plateau_window_pct", 20, 30);
    results_number(rs, "compressive_modulus_mpa", 50);
    results_number(rs, "first_max_stress_mpa", 1.0);
    results_number(rs, "plateau_stress_mpa", 1.0 + 0.2 * (0.25 - 0.02) / 0.43);
    results_number(rs, "densification_strain_pct", 52.5);
    results_number(rs, "max_stress_mpa", CS[NC - 1] / 1e6);
    static const char *names[] = {"contact", "elastic", "plateau", "densification"};
    static const double at[] = {0, 0.1, 2, 45}, to[] = {0.1, 2, 45, 70};
    for (int k = 0; k < 4; k++) {
        result_stage st = {0};
        snprintf(st.stage, sizeof st.stage, "%s", names[k]);
        st.start_strain_pct = at[k];
        st.end_strain_pct = to[k];
        results_add_stage(rs, &st);
    }
}

/* The text of an SVG file with numeric character references decoded
 * (PLplot writes every glyph as &#x..;), tags removed. */
static char *svg_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char raw[4 << 20];
    size_t n = fread(raw, 1, sizeof raw - 1, f);
    fclose(f);
    raw[n] = '\0';
    char *out = malloc(n + 1);
    size_t k = 0;
    int in_tag = 0;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '<') {
            in_tag = 1;
            continue;
        }
        if (raw[i] == '>') {
            in_tag = 0;
            continue;
        }
        if (in_tag)
            continue;
        if (raw[i] == '&' && raw[i + 1] == '#' && raw[i + 2] == 'x') {
            char *end;
            unsigned long cp = strtoul(raw + i + 3, &end, 16);
            if (*end == ';') {
                if (cp < 0x80)
                    out[k++] = (char)cp;
                else if (cp < 0x800) {
                    out[k++] = (char)(0xC0 | (cp >> 6));
                    out[k++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    out[k++] = (char)(0xE0 | (cp >> 12));
                    out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    out[k++] = (char)(0x80 | (cp & 0x3F));
                }
                i = (size_t)(end - raw);
                continue;
            }
        }
        if (raw[i] != '\n')
            out[k++] = raw[i];
    }
    out[k] = '\0';
    return out;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void test_compression_figure(void)
{
    result_set rs;
    make_compression(&rs);
    plot_series s = {"foam-1", CE, CS, NC, &rs};
    char why[512] = "", svg[] = "/tmp/rigor-plot-XXXXXX.svg";
    int fd = mkstemps(svg, 4);
    CHECK(fd >= 0, "temp file");
    close(fd);
    int rc = plot_curves(svg, NULL, &s, 1, why, sizeof why);
    CHECK(rc == RIGOR_OK, "svg: %s", why);
    char *text = svg_text(svg);
    CHECK(text != NULL, "svg readable");
    if (text) {
        char want[64];
        snprintf(want, sizeof want, "σpl = %.4g MPa", results_get(&rs, "plateau_stress_mpa"));
        CHECK(strstr(text, want) != NULL, "'%s' in the SVG text", want);
        snprintf(want, sizeof want, "εD = %.4g %%",
                 results_get(&rs, "densification_strain_pct"));
        CHECK(strstr(text, want) != NULL, "'%s' in the SVG text", want);
        CHECK(strstr(text, "E = 50 MPa") != NULL, "modulus in the SVG text");
        CHECK(strstr(text, "stage: plateau") && strstr(text, "stage: densification"),
              "stages in the legend");
        CHECK(strstr(text, "foam-1") != NULL, "title/legend from the specimen id");
        CHECK(strstr(text, "Engineering strain (%)") &&
                  strstr(text, "Engineering stress (MPa)"),
              "axis labels with units");
        free(text);
    }
    unlink(svg);

    char png[] = "/tmp/rigor-plot-XXXXXX.png";
    fd = mkstemps(png, 4);
    close(fd);
    rc = plot_curves(png, "Compression of foam-1", &s, 1, why, sizeof why);
    CHECK(rc == RIGOR_OK, "png: %s", why);
    FILE *f = fopen(png, "rb");
    unsigned char h[24] = {0};
    CHECK(f && fread(h, 1, 24, f) == 24, "png header readable");
    if (f)
        fclose(f);
    CHECK(!memcmp(h, "\x89PNG\r\n\x1a\n", 8) && !memcmp(h + 12, "IHDR", 4), "PNG signature");
    uint32_t w = (uint32_t)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19];
    uint32_t ht = (uint32_t)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23];
    CHECK(w == 1000 && ht == 620, "PNG %ux%u, want 1000x620", w, ht);
    CHECK(file_size(png) > 10000, "PNG has content (%ld bytes)", file_size(png));
    if (getenv("RIGOR_KEEP_PLOTS"))
        printf("  kept %s\n", png);
    else
        unlink(png);

    char pdf[] = "/tmp/rigor-plot-XXXXXX.pdf";
    fd = mkstemps(pdf, 4);
    close(fd);
    rc = plot_curves(pdf, NULL, &s, 1, why, sizeof why);
    CHECK(rc == RIGOR_OK, "pdf: %s", why);
    f = fopen(pdf, "rb");
    char p5[6] = {0};
    CHECK(f && fread(p5, 1, 5, f) == 5 && !strcmp(p5, "%PDF-"), "PDF header '%s'", p5);
    if (f)
        fclose(f);
    unlink(pdf);
    results_clear(&rs);
}

/* A title longer than the page is elided in the middle, keeping its start
 * (specimen id) and its end (the file name's tail); a '#' pair survives. */
static void test_long_title(void)
{
    result_set rs;
    make_compression(&rs);
    plot_series s = {"foam-1", CE, CS, NC, &rs};
    char why[512] = "", svg[] = "/tmp/rigor-plot-XXXXXX.svg";
    int fd = mkstemps(svg, 4);
    CHECK(fd >= 0, "temp file");
    close(fd);
    char title[400];
    snprintf(title, sizeof title, "Specimen foam-1 #7 - compression (%s)",
             "lab-a-2026-11-25-batch-0042-very-long-run-file-name-written-by-the-frame-"
             "software-with-date-and-operator-and-then-some-more-retest-final.csv");
    int rc = plot_curves(svg, title, &s, 1, why, sizeof why);
    CHECK(rc == RIGOR_OK, "svg: %s", why);
    char *text = svg_text(svg);
    CHECK(text != NULL, "svg readable");
    if (text) {
        CHECK(strstr(text, "Specimen foam-1 #7") != NULL, "start kept, '#' intact");
        CHECK(strstr(text, "more-retest-final.csv)") != NULL, "end kept");
        CHECK(strstr(text, "\xe2\x80\xa6") != NULL, "elided with an ellipsis");
        CHECK(strstr(text, "written-by-the-frame") == NULL, "the middle is gone");
        free(text);
    }
    unlink(svg);
    results_clear(&rs);
}

static void test_errors_return(void)
{
    result_set rs;
    make_compression(&rs);
    plot_series s = {"x", CE, CS, NC, &rs};
    char why[512] = "";
    CHECK(plot_curves("/nonexistent-dir/rigor/x.svg", NULL, &s, 1, why, sizeof why) == RIGOR_EIO,
          "unwritable path");
    CHECK(strstr(why, "/nonexistent-dir/rigor/x.svg") != NULL, "why names the file: %s", why);
    CHECK(plot_curves("/tmp/x.gif", NULL, &s, 1, why, sizeof why) == RIGOR_EINVAL, "gif");
    plot_series empty = {"e", CE, CS, 0, NULL};
    CHECK(plot_curves("/tmp/never.svg", NULL, &empty, 1, why, sizeof why) == RIGOR_ENODATA,
          "no samples");
    const result_set *r1 = &rs;
    CHECK(plot_summary("/nonexistent-dir/s.svg", "t", &r1, 1, why, sizeof why) == RIGOR_EIO,
          "summary to an unwritable path");
    results_clear(&rs);
}

static void test_arrays_in_results_frame(void)
{
    curve_list cl = {0};
    rigor_diag d;
    csvin_opts io;
    csvin_opts_default(&io);
    int rc = csvin_read_file("examples/film-tensile.csv", &io, &cl, &d);
    CHECK(rc == RIGOR_OK && cl.n == 1, "example read");
    if (rc != RIGOR_OK || cl.n != 1) {
        curve_list_free(&cl);
        return;
    }
    analysis_opts o;
    analysis_opts_default(&o);
    result_set rs;
    results_init(&rs);
    char why[256];
    CHECK(analysis_run(cl.v[0], &o, &rs, why, sizeof why) == RIGOR_OK, "analysis");
    double *eps = NULL, *sig = NULL;
    size_t n = 0;
    rc = analysis_curve_arrays(cl.v[0], &o, &rs, &eps, &sig, &n, why, sizeof why);
    CHECK(rc == RIGOR_OK && n == cl.v[0]->n, "arrays: %s", why);
    if (rc == RIGOR_OK) {
        size_t im = 0;
        for (size_t i = 1; i < n; i++)
            if (sig[i] > sig[im])
                im = i;
        CHECK_NEAR(sig[im] / 1e6, results_get(&rs, "tensile_strength_mpa"), 1e-9, 1e-12,
                   "max stress on the curve");
        CHECK_NEAR(eps[im] * 100, results_get(&rs, "strain_at_max_pct"), 1e-9, 1e-9,
                   "strain at max in the toe-compensated frame");
        size_t ib = (size_t)results_get(&rs, "break_index");
        CHECK_NEAR(eps[ib] * 100, results_get(&rs, "strain_at_break_pct"), 1e-9, 1e-9,
                   "strain at break in the same frame");
    }
    free(eps);
    free(sig);
    /* Without geometry there is no stress: a clear error, no arrays. */
    curve_geom_clear(&cl.v[0]->geom);
    eps = sig = NULL;
    rc = analysis_curve_arrays(cl.v[0], &o, &rs, &eps, &sig, &n, why, sizeof why);
    CHECK(rc == RIGOR_EGEOMETRY && !eps && !sig, "no geometry: rc %d", rc);
    results_clear(&rs);
    curve_list_free(&cl);
}

/* Compression frame: magnitudes from the contact sample to the end of the
 * loading stroke named in the method record, minus the compliance's
 * deflection: eps = (|x - x_c| - C (|F| - |F_c|)) / h0. */
static void test_compression_arrays(void)
{
    curve *c = NULL;
    CHECK(curve_new(1u << CURVE_EXT | 1u << CURVE_FORCE, &c) == RIGOR_OK, "curve");
    if (!c)
        return;
    for (int i = 0; i < 20; i++) {
        double row[CURVE_NROLES] = {0};
        row[CURVE_EXT] = -0.0001 * i;                    /* m, travel decreasing */
        row[CURVE_FORCE] = i < 3 ? 0 : -100.0 * (i - 2); /* N, compression negative */
        curve_append(c, row);
    }
    analysis_opts o;
    analysis_opts_default(&o);
    o.geom.area_m2 = 1e-4;
    o.geom.height_m = 0.01;
    o.compliance_m_per_N = 1e-7;
    result_set rs;
    results_init(&rs);
    snprintf(rs.test, sizeof rs.test, "compression");
    results_method_number(&rs, "contact_sample", 3);      /* 1-based: index 2 */
    results_method_number(&rs, "loading_end_sample", 15); /* index 14 */
    double *eps = NULL, *sig = NULL;
    size_t n = 0;
    char why[256] = "";
    int rc = analysis_curve_arrays(c, &o, &rs, &eps, &sig, &n, why, sizeof why);
    CHECK(rc == RIGOR_OK && n == 13, "rc %d n %zu: %s", rc, n, why);
    if (rc == RIGOR_OK) {
        CHECK(eps[0] == 0 && sig[0] == 0, "origin at contact");
        /* sample index 10: travel 1.0 mm, |x - x_c| = 0.8 mm, F = 800 N */
        CHECK_NEAR(sig[8], 800 / 1e-4, 1e-6, 1e-12, "stress |F| / A0");
        CHECK_NEAR(eps[8], (0.0008 - 1e-7 * 800) / 0.01, 1e-12, 1e-9, "strain");
    }
    free(eps);
    free(sig);
    results_clear(&rs);
    curve_free(c);
}

int main(void)
{
    TEST_RUN(test_rstats);
    TEST_RUN(test_format_of);
    TEST_RUN(test_compression_figure);
    TEST_RUN(test_long_title);
    TEST_RUN(test_errors_return);
    TEST_RUN(test_arrays_in_results_frame);
    TEST_RUN(test_compression_arrays);
    TEST_END("test_plot");
}
