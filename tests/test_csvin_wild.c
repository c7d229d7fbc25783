/* test_csvin_wild.c — exports from other labs and machines
 * (tests/data/import-wild/README.md names each source): the values each
 * source states are asserted, exactly where the source gives them as
 * written (ids, geometry, column meaning), after unit conversion within
 * 1e-12 relative.
 */
#include "../analysis/import/csvin.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WILD "tests/data/import-wild/"

static curve_list read_wild(const char *path, const csvin_opts *o)
{
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_file(path, o, &l, &d);
    char msg[1200];
    CHECK(rc == RIGOR_OK && l.n == 1, "%s: rc %d: %s", path, rc,
          rigor_diag_format(&d, msg, sizeof msg));
    return l;
}

static bool has_note(const curve *c, const char *needle)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strstr(c->notes[i], needle))
            return true;
    return false;
}

static void test_pyziagn_mts_italian(void)
{
    curve_list l = read_wild(WILD "pyziagn_1-1_head300.txt", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->format, "mts-daq"), "format %s", c->format);
        CHECK(c->n == 300, "rows %zu", c->n);
        /* pyZiagn test5.py: column 4 is uExtensometer, column 1 uCrosshead */
        CHECK(!strcmp(c->colname[CURVE_EXT], "_Strain1"), "ext from '%s'", c->colname[CURVE_EXT]);
        CHECK(!strcmp(csvin_channel_kind(c->colname[CURVE_EXT], c->colunit[CURVE_EXT]),
                      "extensometer"),
              "kind");
        CHECK(!strcmp(c->colunit[CURVE_FORCE], "kN"), "force unit %s", c->colunit[CURVE_FORCE]);
        /* first row as written: 0,0442808418273926 kN, 0,0674036054988392 mm */
        CHECK_NEAR(c->ch[CURVE_FORCE][0], 44.2808418273926, 0, 1e-12, "first force N");
        CHECK_NEAR(c->ch[CURVE_EXT][0], 0.0674036054988392e-3, 0, 1e-12, "first ext m");
        CHECK_NEAR(c->ch[CURVE_TIME][0], 0.129999995231628, 0, 1e-12, "first time s");
        const curve_meta *m = curve_meta_find(c, "Test");
        CHECK(m && !strcmp(m->value, "Piazzi_Tensile_Test_FirstTry_20190722"), "Test: %s",
              m ? m->value : "-");
    }
    curve_list_free(&l);
}

static void test_polish_bluehill_cp1250(void)
{
    curve_list l = read_wild(WILD "pl_bluehill_cp1250.csv", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(has_note(c, "read as Windows-1250"), "encoding named");
        CHECK(!strcmp(c->specimen, "13.01_seg9_#1"), "Etykietka próbki: '%s'", c->specimen);
        CHECK_NEAR(c->geom.width_m, 6.66e-3, 0, 1e-12, "Szerokość");
        CHECK_NEAR(c->geom.thickness_m, 2.46e-3, 0, 1e-12, "Grubość");
        CHECK(!strcmp(c->colname[CURVE_TIME], "Godzina"), "time '%s'", c->colname[CURVE_TIME]);
        CHECK(!strcmp(c->colname[CURVE_FORCE], "Obciążenie"), "force '%s'",
              c->colname[CURVE_FORCE]);
        CHECK(!strcmp(c->colname[CURVE_STRAIN], "Odkształcenie 1"), "strain '%s'",
              c->colname[CURVE_STRAIN]);
        CHECK(c->n == 160, "rows %zu", c->n);
    }
    curve_list_free(&l);
}

static void test_headerless_statictesting(void)
{
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_file(WILD "statictesting_headerless.dat", NULL, &l, &d);
    CHECK(rc == RIGOR_EPARSE && strstr(d.msg, "--columns"), "rc %d: %s", rc, d.msg);
    curve_list_free(&l);
    csvin_opts o;
    csvin_opts_default(&o);
    char err[200];
    CHECK(csvin_parse_columns("time:s,ext:mm,force:kN,strain:ustrain", &o, err, sizeof err) ==
              RIGOR_OK,
          "%s", err);
    l = read_wild(WILD "statictesting_headerless.dat", &o);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(c->n == 200, "rows %zu", c->n);
        CHECK_NEAR(c->ch[CURVE_STRAIN][199], 14.0 * 199 * 1e-6, 0, 1e-12, "microstrain");
        CHECK_NEAR(c->ch[CURVE_FORCE][199], 0.04 * 199 * 1e3, 0, 1e-12, "kN");
    }
    curve_list_free(&l);
}

static void test_trapezium_sjis(void)
{
    curve_list l = read_wild(WILD "trapezium_sjis.csv", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->format, "shimadzu"), "format %s", c->format);
        CHECK(has_note(c, "read as Shift-JIS"), "encoding named");
        CHECK(!strcmp(c->specimen, "SJ-TRAP-1"), "id '%s'", c->specimen);
        CHECK_NEAR(c->geom.width_m, 12.5e-3, 0, 1e-12, "幅");
        CHECK_NEAR(c->geom.thickness_m, 2e-3, 0, 1e-12, "厚さ");
        CHECK_NEAR(c->geom.gauge_m, 50e-3, 0, 1e-12, "標点距離");
        CHECK(c->n == 201 && !strcmp(c->colname[CURVE_FORCE], "試験力"), "data block");
    }
    curve_list_free(&l);
}

static void test_data2rdf_zwick_german(void)
{
    curve_list l = read_wild(WILD "data2rdf_DX56_D_FZ2_WR00_43_head200.TXT", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->format, "testxpert-tra"), "format %s", c->format);
        /* data2rdf's expected output (output_csv_parser.ttl): OriginalGaugeLength
         * 80 mm ("Messlänge Standardweg"), ParallelLength 120 mm ("Versuchslänge"),
         * SpecimenThickness 1.55 mm, SpecimenWidth 20.04 mm. */
        CHECK_NEAR(c->geom.gauge_m, 80e-3, 0, 1e-12, "L0 = Messlänge, not Versuchslänge");
        CHECK_NEAR(c->geom.thickness_m, 1.55e-3, 0, 1e-12, "Probendicke");
        CHECK_NEAR(c->geom.width_m, 20.04e-3, 0, 1e-12, "Probenbreite");
        const curve_meta *m = curve_meta_find(c, "date");
        CHECK(m && strstr(m->value, "2021-05-19 09:36"), "Datum/Uhrzeit 44335.4 -> %s",
              m ? m->value : "-");
        CHECK(!strcmp(c->colname[CURVE_FORCE], "Standardkraft"), "force");
        CHECK(strcmp(c->colname[CURVE_EXT], "Breitenänderung") != 0, "width change is no extension");
        /* the repository anonymised the series with random numbers: time runs
         * backwards, which must be flagged, not hidden */
        CHECK(has_note(c, "WARNING: time goes backwards"), "random time flagged");
        CHECK(c->n == 200, "rows %zu", c->n);
    }
    curve_list_free(&l);
}

static void test_german_bluehill(void)
{
    curve_list l = read_wild(WILD "de_bluehill_export.csv", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->specimen, "dpp-PUL6-1"), "Proben-beschriftung: '%s'", c->specimen);
        CHECK_NEAR(c->geom.area_m2, 3.45e-6, 0, 1e-12, "Querschnitt 3,45 mm^2");
        CHECK(!strcmp(c->colname[CURVE_STRAIN], "Dehnung 1") &&
                  !strcmp(csvin_channel_kind("Dehnung 1", "%"), "extensometer"),
              "strain from the extensometer 'Dehnung 1'");
        CHECK(!strcmp(csvin_channel_kind(c->colname[CURVE_EXT], c->colunit[CURVE_EXT]),
                      "crosshead"),
              "Traversenweg is the crosshead");
        CHECK(!has_note(c, "implies A0"), "stress column agrees with Querschnitt");
    }
    curve_list_free(&l);
}

static void test_bluehill_round_bar(void)
{
    curve_list l = read_wild(WILD "en_bluehill_raw_round.csv", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        /* "Grip Diameter (Hardness correction) 12.50 mm" is not the bar's */
        CHECK_NEAR(c->geom.diameter_m, 6.97e-3, 0, 1e-12, "Diameter, not the grip diameter");
        CHECK_NEAR(c->geom.area_m2, 38.1553e-6, 0, 1e-12, "Area");
        CHECK_NEAR(c->geom.gauge_m, 25.4e-3, 0, 1e-12, "Gage Length (Extensometer)");
        csvin_vendor v[8];
        size_t nv = csvin_vendor_results(c, v, 8);
        int got = 0;
        double f_max = 0, e_at = NAN;
        for (size_t i = 0; i < c->n; i++)
            if (c->ch[CURVE_FORCE][i] > f_max) {
                f_max = c->ch[CURVE_FORCE][i];
                e_at = c->ch[CURVE_STRAIN][i];
            }
        for (size_t i = 0; i < nv; i++) {
            /* the stated values, and the data give them back: the maximum
             * load is a recorded sample (exact), its strain as written */
            if (!strcmp(v[i].name, "max_force_n")) {
                got++;
                CHECK_NEAR(v[i].value_si, 22840, 0, 1e-12, "Maximum Load");
                CHECK_NEAR(f_max, v[i].value_si, 0, 1e-12, "data maximum = stated");
            }
            if (!strcmp(v[i].name, "strain_at_max_pct")) {
                got++;
                CHECK_NEAR(v[i].value_si, 0.07789, 0, 1e-12, "strain at maximum load");
                CHECK_NEAR(e_at, v[i].value_si, 0, 1e-9, "data strain at max = stated");
            }
        }
        CHECK(got == 2, "both stated results found (%d)", got);
    }
    curve_list_free(&l);
}

static void test_flexure_refused(void)
{
    /* A three-point flexure export read as tension gave a "tensile strength"
     * of 669 MPa and a modulus from the flexure columns: refused instead. */
    curve_list l = {0};
    rigor_diag d = {0};
    int rc = csvin_read_file(WILD "flexure_bluehill.csv", NULL, &l, &d);
    CHECK(rc == RIGOR_EUNSUPPORTED && strstr(d.msg, "flexure (bending) test") && d.line == 8,
          "rc %d line %ld: %s", rc, d.line, d.msg);
    CHECK(l.n == 0, "nothing appended");
    curve_list_free(&l);
}

static void test_spanish_two_columns(void)
{
    curve_list l = read_wild(WILD "es_polymer_twocol.txt", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->colname[CURVE_EXT], "Desplaz.") && !strcmp(c->colname[CURVE_FORCE], "Fuerza"),
              "ext '%s' force '%s'", c->colname[CURVE_EXT], c->colname[CURVE_FORCE]);
        CHECK(!strcmp(csvin_channel_kind("Desplaz.", "mm"), "crosshead"),
              "'Desplaz.' is the machine's displacement");
        CHECK(isnan(curve_geom_area(&c->geom)), "no geometry in the file: none invented");
        CHECK(c->n == 150 && !c->ch[CURVE_TIME], "150 rows, no time column");
    }
    curve_list_free(&l);
}

/* Chinese Bluehill cyclic compression (shape of StephenQiu628/Cyclic-
 * compression-quick-data): names row 时间,位移,载荷,压缩应变 (位移),压缩应力,
 * 循环计数 and a units row with an empty last cell; the cycle counter is no
 * channel, the test is compression from the names, and the analysis takes
 * the first loading stroke only (the fixture's law puts the maximum there
 * at 2.04575 mm: F = 2000 A e (1 + e/2) / 100, A = 101.6 mm^2, h0 = 10.24
 * mm, so 446.5 N, 4.3947 MPa). */
static void test_chinese_cyclic_compression(void)
{
    curve_list l = read_wild(WILD "zh_bluehill_cyclic_compression.csv", NULL);
    if (l.n == 1) {
        const curve *c = l.v[0];
        CHECK(!strcmp(c->test, "compression"), "test '%s'", c->test);
        CHECK(!strcmp(c->colname[CURVE_EXT], "位移") && !strcmp(c->colname[CURVE_FORCE], "载荷") &&
                  !strcmp(c->colname[CURVE_STRESS], "压缩应力"),
              "roles ext '%s' force '%s' stress '%s'", c->colname[CURVE_EXT],
              c->colname[CURVE_FORCE], c->colname[CURVE_STRESS]);
        CHECK(!strcmp(c->colunit[CURVE_STRAIN], "%"), "strain in %%: '%s'",
              c->colunit[CURVE_STRAIN]);
        CHECK(c->n == 1473, "rows %zu", c->n);
        CHECK_NEAR(c->ch[CURVE_STRAIN][245], 2.04575 / 10.24, 1e-7, 0, "strain at the top");
        CHECK_NEAR(c->ch[CURVE_STRESS][245], 4.39473e6, 1e-3, 0, "stress at the top as written, Pa");
    }
    curve_list_free(&l);
}

int main(void)
{
    TEST_RUN(test_pyziagn_mts_italian);
    TEST_RUN(test_polish_bluehill_cp1250);
    TEST_RUN(test_headerless_statictesting);
    TEST_RUN(test_trapezium_sjis);
    TEST_RUN(test_data2rdf_zwick_german);
    TEST_RUN(test_german_bluehill);
    TEST_RUN(test_bluehill_round_bar);
    TEST_RUN(test_flexure_refused);
    TEST_RUN(test_spanish_two_columns);
    TEST_RUN(test_chinese_cyclic_compression);
    TEST_END("test_csvin_wild");
}
