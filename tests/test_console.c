/* test_console.c — the console's pure parts: braille plot and layout. */
#include "../cli/console/console.h"
#include "../cli/console/console_priv.h"
#include "../common/error.h"
#include "harness.h"

#include <math.h>
#include <string.h>

/* The code point of the UTF-8 braille character at cell col of row. */
static int cell_bits(const bplot *p, int row, int col)
{
    char out[4096];
    bplot_row(p, row, out, sizeof out);
    const unsigned char *s = (const unsigned char *)out;
    for (int c = 0; *s; c++) {
        int bits = -1, n = 1;
        if (s[0] == 0xE2 && (s[1] & 0xFC) == 0xA0) {
            bits = ((s[1] & 0x03) << 6) | (s[2] & 0x3F);
            n = 3;
        } else if (s[0] == ' ') {
            bits = 0;
        } else {
            bits = 0x100 | s[0]; /* a marker */
        }
        if (c == col)
            return bits;
        s += n;
    }
    return -2;
}

static void test_dots_to_braille(void)
{
    bplot p;
    CHECK(bplot_init(&p, 3, 2) == RIGOR_OK, "init");
    /* the eight dots of cell (0,0) in braille order */
    static const int dx[8] = {0, 0, 0, 1, 1, 1, 0, 1}, dy[8] = {0, 1, 2, 0, 1, 2, 3, 3};
    for (int i = 0; i < 8; i++) {
        bplot_clear(&p);
        bplot_dot(&p, dx[i], dy[i]);
        CHECK(cell_bits(&p, 0, 0) == 1 << i, "dot (%d,%d) -> bit %d, got 0x%x", dx[i], dy[i], i,
              cell_bits(&p, 0, 0));
    }
    bplot_clear(&p);
    bplot_dot(&p, 5, 7); /* last cell of the canvas: right column, bottom dot */
    CHECK(cell_bits(&p, 1, 2) == 0x80, "dot (5,7) in cell (1,2): 0x%x", cell_bits(&p, 1, 2));
    bplot_dot(&p, 6, 0); /* off the canvas: ignored */
    bplot_dot(&p, -1, 3);
    int set = 0;
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            set += cell_bits(&p, r, c) != 0;
    CHECK(set == 1, "only one cell dotted, got %d", set);
    char out[64];
    size_t n = bplot_row(&p, 1, out, sizeof out);
    CHECK(n == 2 + 3 && !strcmp(out, "  \xE2\xA2\x80"), "row 1 is two blanks and U+2880 (%zu)",
          n);
    bplot_free(&p);
}

static void test_line_and_series(void)
{
    bplot p;
    bplot_init(&p, 10, 5); /* 20 x 20 dots */
    bplot_line(&p, 0, 19, 19, 0);
    /* a diagonal dots every cell on the anti-diagonal band and nothing far off */
    CHECK(cell_bits(&p, 4, 0) != 0 && cell_bits(&p, 0, 9) != 0, "line ends dotted");
    CHECK(cell_bits(&p, 0, 0) == 0 && cell_bits(&p, 4, 9) == 0, "off-diagonal corners empty");
    bplot_clear(&p);
    double x[3] = {0, 5, 10}, y[3] = {0, 50, 100};
    bscale s = {0, 10, 0, 100};
    bplot_series(&p, &s, x, y, 3);
    CHECK(cell_bits(&p, 4, 0) & 0x40, "(0,0) at the bottom left dot");
    CHECK(cell_bits(&p, 0, 9) & 0x08, "(10,100) at the top right dot");
    bplot_marker(&p, &s, 10, 100, 'X');
    CHECK(cell_bits(&p, 0, 9) == (0x100 | 'X'), "marker replaces the cell");
    /* non-finite points break the line but do not crash */
    double xn[3] = {0, NAN, 10}, yn[3] = {0, 1, 100};
    bplot_clear(&p);
    bplot_series(&p, &s, xn, yn, 3);
    CHECK(cell_bits(&p, 2, 4) == 0, "no line across a NAN gap");
    bplot_free(&p);
    CHECK(bplot_init(&p, 0, 3) == RIGOR_EINVAL, "zero-size canvas refused");
}

static void test_autoscale(void)
{
    CHECK(bplot_nice(74) == 100 && bplot_nice(3.2) == 5 && bplot_nice(0.15) == 0.2 &&
              bplot_nice(1) == 1 && bplot_nice(0) == 0,
          "nice: 74->100, 3.2->5, 0.15->0.2, 1->1, 0->0");
    double x[4] = {0, 2, 6, 8.2}, y[4] = {-0.01, 40, 74, 66};
    bscale s = bplot_autoscale(x, y, 4);
    CHECK(s.xmin == 0 && s.xmax == 10, "x 0..10, got %g..%g", s.xmin, s.xmax);
    CHECK(s.ymin == 0 && s.ymax == 100, "small negative noise clamped: y %g..%g", s.ymin,
          s.ymax);
    CHECK(!signbit(s.ymin) && !signbit(s.xmin), "no negative zero at the bottom");
    double yc[3] = {0, -30, -80}; /* compression drawn raw: negative */
    s = bplot_autoscale(x, yc, 3);
    CHECK(s.ymin == -100 && s.ymax == 0, "negative series -100..0, got %g..%g", s.ymin, s.ymax);
    CHECK(!signbit(s.ymax), "no negative zero at the top of a negative series");
    s = bplot_autoscale(x, y, 0);
    CHECK(s.xmax > s.xmin && s.ymax > s.ymin, "empty data gives a usable scale");
}

static void test_layout(void)
{
    int sizes[][2] = {{80, 24}, {100, 30}, {200, 60}, {60, 15}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int w = sizes[i][0], h = sizes[i][1];
        clayout l;
        clayout_compute(w, h, &l);
        CHECK(l.small == (w < 80 || h < 24), "%dx%d small flag", w, h);
        CHECK(l.readouts.x + l.readouts.w == l.plot.x && l.plot.x + l.plot.w == w,
              "%dx%d: readouts and plot side by side over the full width", w, h);
        CHECK(l.title.y == 0 && l.readouts.y == 1 &&
                  l.readouts.y + l.readouts.h == l.status.y && l.status.y + 1 == l.keys.y &&
                  l.keys.y + l.keys.h == h,
              "%dx%d: rows title/body/status/keys tile the screen", w, h);
        if (!l.small)
            CHECK(l.readouts.h >= 18 && l.readouts.w >= 30 && l.plot.w >= 40,
                  "%dx%d: room for 13 readouts and a plot (%dx%d, %d)", w, h, l.readouts.w,
                  l.readouts.h, l.plot.w);
    }
    clayout a, b;
    clayout_compute(80, 24, &a);
    clayout_compute(160, 48, &b);
    CHECK(b.plot.w > 2 * a.plot.w && b.plot.h > 2 * a.plot.h - 4,
          "a bigger terminal goes to the plot");
}

static void test_utf8(void)
{
    CHECK(cutf8_cols("a⣿b·") == 4, "4 code points");
    char out[16];
    cutf8_clip(out, sizeof out, "⣿⣿⣿", 2);
    CHECK(!strcmp(out, "⣿⣿"), "clip to 2 columns");
    cutf8_clip(out, 5, "⣿⣿⣿", 3);
    CHECK(!strcmp(out, "⣿"), "a code point that does not fit whole is left out");
}

/* Regression (issue #22): in a clone at a long path, `rigor check`'s
 * "path:line:col: message" wrapped inside the path, so neither the operator
 * nor a test saw "astm-d882.rigor:12:15:" on one line. */
static void test_path_elide(void)
{
    const char *p = "/tmp/a-rather-long-folder-name-for-a-clean-clone-check-xxxxxxxxxxxx/"
                    "rigor/protocols/shipped/astm-d882.rigor:12:15:";
    char out[256];
    cpath_elide(out, sizeof out, p, 56);
    CHECK(cutf8_cols(out) == 56, "elided to 56 columns, got %zu (%s)", cutf8_cols(out), out);
    CHECK(strstr(out, "/astm-d882.rigor:12:15:") != NULL && !strncmp(out, "/tmp/a-rather", 13) &&
              strstr(out, "…") != NULL,
          "keeps the start and the file name with line:col: %s", out);
    cpath_elide(out, sizeof out, "/short/x.rigor:1:2:", 56);
    CHECK(!strcmp(out, "/short/x.rigor:1:2:"), "a path that fits is unchanged: %s", out);
    cpath_elide(out, sizeof out, "/a/very-long-file-name-here.rigor", 12);
    CHECK(!strcmp(out, "…-here.rigor"), "a file name wider than the room keeps its end: %s",
          out);
    cpath_elide(out, sizeof out, "⣿⣿⣿/⣿⣿⣿⣿/file.csv", 12);
    CHECK(cutf8_cols(out) == 12 && strstr(out, "/file.csv"), "UTF-8 folders: %s", out);

    char line[512];
    snprintf(line, sizeof line, "test ended: fracture; run file %s", p);
    ctext_fit(out, sizeof out, line, 78);
    CHECK(cutf8_cols(out) <= 78 && !strncmp(out, "test ended: fracture; run file /tmp/", 36) &&
              strstr(out, "astm-d882.rigor:12:15:") != NULL,
          "a status line keeps its words and the file name: %s", out);
    ctext_fit(out, sizeof out, "no path in this rather long line of text", 10);
    CHECK(!strcmp(out, "no path in"), "without a path the line is clipped: %s", out);
    ctext_fit(out, sizeof out, "fits /a/b", 40);
    CHECK(!strcmp(out, "fits /a/b"), "a line that fits is unchanged");
}

/* Issue #22: the specimen form reads what an operator types: a decimal
 * comma, the field's own unit after the number; anything else is refused. */
static void test_form_numbers(void)
{
    CHECK(con_parse_field(FORM_THICK, "0,04 mm") == 0.04, "0,04 mm -> 0.04");
    CHECK(con_parse_field(FORM_THICK, " 0.04 ") == 0.04, "0.04 with blanks");
    CHECK(con_parse_field(FORM_DIAM, "10") == 10, "a bare number is in the field's unit");
    CHECK(con_parse_field(FORM_AREA, "78,5 mm²") == 78.5 &&
              con_parse_field(FORM_AREA, "78.5 mm2") == 78.5,
          "area in mm² or mm2");
    CHECK(con_parse_field(FORM_RATE, "1,5 mm/min") == 1.5, "rate in mm/min");
    CHECK(con_parse_field(FORM_JOGF, "2,5 N") == 2.5, "jog force in N");
    CHECK(isnan(con_parse_field(FORM_THICK, "40 um")), "another unit is refused, not guessed");
    CHECK(isnan(con_parse_field(FORM_THICK, "1,000.5")) &&
              isnan(con_parse_field(FORM_THICK, "1,2,3")),
          "a comma beside a point, or two commas, is refused");
    CHECK(isnan(con_parse_field(FORM_THICK, "")) && isnan(con_parse_field(FORM_THICK, "-1")) &&
              isnan(con_parse_field(FORM_THICK, "0")) &&
              isnan(con_parse_field(FORM_THICK, "nan")) &&
              isnan(con_parse_field(FORM_THICK, "abc")),
          "blank, negative, zero, nan and words are not sizes");

    char id[32] = "S1";
    con_next_id(id, sizeof id);
    CHECK(!strcmp(id, "S2"), "S1 -> S2 (%s)", id);
    snprintf(id, sizeof id, "film-09");
    con_next_id(id, sizeof id);
    CHECK(!strcmp(id, "film-10"), "film-09 -> film-10 (%s)", id);
    snprintf(id, sizeof id, "A");
    con_next_id(id, sizeof id);
    CHECK(!strcmp(id, "A-2"), "A -> A-2 (%s)", id);
}

int main(void)
{
    TEST_RUN(test_form_numbers);
    TEST_RUN(test_path_elide);
    TEST_RUN(test_dots_to_braille);
    TEST_RUN(test_line_and_series);
    TEST_RUN(test_autoscale);
    TEST_RUN(test_layout);
    TEST_RUN(test_utf8);
    TEST_END("test_console");
}
