/* test_console.c — the console's pure parts: braille plot and layout. */
#include "../cli/console/console.h"
#include "../cli/console/console_priv.h"
#include "../common/error.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- tare, zero and jog on the in-process simulated frame ------------- */

static run_session *open_sim(const char *faults)
{
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = "e-lpscl-film";
    o.sim_faults = faults;
    o.rate_hz = 250;
    o.who = "test";
    run_session *s = NULL;
    char why[1400] = "";
    int rc = run_session_open(&o, &s, why, sizeof why);
    CHECK(rc == RIGOR_OK, "open: %s", why);
    return s;
}

/* The reference rig with its tare point changed: "value = 2" is the
 * transmitter's peak reset (accepted, the force is not zeroed: a rig file
 * that names the wrong command), "fc = 6" is refused by the transmitter
 * (its command register takes FC16 only). */
static run_session *open_sim_tare(const char *what, char *path, size_t pl)
{
    FILE *f = fopen("rigs/reference-tcp.ini", "r");
    CHECK(f != NULL, "rigs/reference-tcp.ini readable (run from the worktree root)");
    if (!f)
        return NULL;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *from = "[point tare]\ndevice = loadcell\ntable  = hr\naddress = 0\ntype   = u16\n"
                       "value  = 1\nfc     = 16\n";
    char *at = strstr(text, from);
    CHECK(at != NULL, "the reference rig's tare point is where the test expects it");
    if (!at)
        return NULL;
    char out[70000];
    snprintf(out, sizeof out, "%.*s[point tare]\ndevice = loadcell\ntable  = hr\naddress = 0\n"
             "type   = u16\n%s\n%s", (int)(at - text), text, what, at + strlen(from));
    char dir[] = "/tmp/test_console.XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, pl, "%s/tare.ini", dir);
    f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(out, f);
    fclose(f);
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = "e-lpscl-film";
    o.rig_path = path;
    o.rate_hz = 250;
    o.who = "test";
    run_session *s = NULL;
    char why[1400] = "";
    int rc = run_session_open(&o, &s, why, sizeof why);
    CHECK(rc == RIGOR_OK, "open with %s: %s", what, why);
    return s;
}

static console *con_on(run_session *s)
{
    console *c = calloc(1, sizeof *c);
    c->s = s;
    c->jog_speed = 2;
    c->proto_fmax_N = NAN;
    snprintf(c->field[FORM_JOGF], sizeof c->field[0], "5");
    return c;
}

/* Turn the console's loop for t seconds (poll + jog poll, 5 ms a turn). */
static void turn(console *c, double t)
{
    char why[256];
    for (double end = con_monotonic() + t; con_monotonic() < end;) {
        run_session_poll(c->s, 0, why, sizeof why);
        con_jog_poll(c);
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
}

/* Issue #21: the console said "tare force: success" for a tare that was
 * only queued, also in FAULT (where it does nothing) and said nothing at all
 * while a test ran. A tare is done when the readings show it, and refused
 * with its reason otherwise. */
static void test_tare_confirmed(void)
{
    run_session *s = open_sim("estop-after=4s");
    if (!s)
        return;
    console *c = con_on(s);
    turn(c, 1.0);
    con_tare(c);
    CHECK(strstr(c->msg, "waiting for the readings") && !c->msg_alert, "tare sent: %s", c->msg);
    for (int i = 0; i < 40 && c->confirm; i++)
        turn(c, 0.05);
    CHECK(!strncmp(c->msg, "tare force: done", 16) && !c->msg_alert, "tare confirmed: %s",
          c->msg);
    con_zero(c);
    for (int i = 0; i < 40 && c->confirm; i++)
        turn(c, 0.05);
    CHECK(!strncmp(c->msg, "zero position: done", 19), "zero confirmed: %s", c->msg);

    c->testing = true;
    con_tare(c);
    CHECK(!strcmp(c->msg, "tare force refused: a test is running") && c->msg_alert,
          "no tare while a test runs: %s", c->msg);
    con_zero(c);
    CHECK(!strcmp(c->msg, "zero position refused: a test is running") && c->msg_alert,
          "no zero while a test runs: %s", c->msg);
    c->testing = false;

    /* the e-stop at 4 s: FAULT; a tare then does nothing and says so */
    for (int i = 0; i < 100 && !run_session_fault(s, NULL, 0); i++)
        turn(c, 0.05);
    CHECK(run_session_fault(s, NULL, 0), "the simulated e-stop faulted the rig");
    con_tare(c);
    CHECK(!strncmp(c->msg, "tare force refused: the rig is in FAULT (", 41) && c->msg_alert &&
              strlen(c->msg) > 43,
          "tare in FAULT refused with the reason: %s", c->msg);
    con_jog(c, +1);
    CHECK(!strncmp(c->msg, "jog up refused: ", 16) && c->msg_alert, "jog in FAULT: %s",
          c->msg);
    free(c);
    run_session_close(s);
}

/* Issue #22: a jog is bounded by force. The film is pulled at 1 mm/s; the
 * jog force limit of 5 N stops it, and the bound is the smallest of the
 * jog limit and the protocol's force limit. */
static void test_jog_bound(void)
{
    run_session *s = open_sim(NULL);
    if (!s)
        return;
    console *c = con_on(s);
    turn(c, 1.0);
    char src[64];
    CHECK(con_jog_bound(c, src, sizeof src) == 5 && !strcmp(src, "the jog force limit"),
          "bound: the form's 5 N (%s)", src);
    c->proto_fmax_N = 3;
    CHECK(con_jog_bound(c, src, sizeof src) == 3 && !strcmp(src, "the protocol's force limit"),
          "a protocol's 3 N limit is tighter (%s)", src);
    c->proto_fmax_N = NAN;
    c->field[FORM_JOGF][0] = '\0';
    CHECK(con_jog_bound(c, src, sizeof src) == 5 && strstr(src, "5 % of the cell"),
          "default: 5 %% of the 100 N cell (%s)", src);
    snprintf(c->field[FORM_JOGF], sizeof c->field[0], "2");
    for (int i = 0; i < 8; i++) { /* a held key: 8 events, 0.1 s apart */
        con_jog(c, +1);
        turn(c, 0.1);
    }
    turn(c, 0.5);
    rig_sample smp;
    CHECK(rig_latest(run_session_rig(s), &smp) == RIGOR_OK, "a sample");
    CHECK(smp.force_N > 1.5 && smp.force_N < 8, "stopped near the 2 N bound: %.4g N",
          smp.force_N);
    CHECK(smp.position_m < 0.35e-3, "travel %.4g mm, not the 0.95 mm of an unbounded jog",
          smp.position_m * 1e3);
    double pre = con_jog_preload(c);
    CHECK(fabs(pre - smp.force_N) < 0.2, "the jog's preload %.4g N is the force left", pre);
    con_jog(c, -1); /* unloading is never refused */
    CHECK(!c->msg_alert, "jog down from the bound allowed: %s", c->msg);
    turn(c, 0.6);
    free(c);
    run_session_close(s);
}

/* Jog a preload onto the film, then tare on a rig whose tare does not zero
 * it: the console says refused, with what the force reads. */
static void tare_not_taken(const char *what)
{
    char path[128] = "";
    run_session *s = open_sim_tare(what, path, sizeof path);
    if (!s)
        return;
    console *c = con_on(s);
    turn(c, 1.0);
    for (int i = 0; i < 8; i++) {
        con_jog(c, +1);
        turn(c, 0.1);
    }
    turn(c, 0.5);
    rig_sample smp;
    rig_latest(run_session_rig(s), &smp);
    CHECK(smp.force_N > 1, "%s: a jog preloaded the film (%.4g N)", what, smp.force_N);
    con_tare(c);
    for (int i = 0; i < 60 && c->confirm; i++)
        turn(c, 0.05);
    /* a driver that faults on a refused write says so instead (issue #21) */
    CHECK((!strncmp(c->msg, "tare force refused: the force still reads ", 42) ||
           !strncmp(c->msg, "tare force refused: the rig is in FAULT (", 41)) &&
              c->msg_alert,
          "%s: the tare is refused, not done: %s", what, c->msg);
    free(c);
    run_session_close(s);
    unlink(path);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path);
    }
}

static void test_tare_not_taken(void)
{
    tare_not_taken("value  = 2\nfc     = 16"); /* the peak reset: accepted, no tare */
    tare_not_taken("value  = 1\nfc     = 6");  /* FC06: the transmitter refuses it */
}

int main(void)
{
    TEST_RUN(test_tare_not_taken);
    TEST_RUN(test_tare_confirmed);
    TEST_RUN(test_jog_bound);
    TEST_RUN(test_form_numbers);
    TEST_RUN(test_path_elide);
    TEST_RUN(test_dots_to_braille);
    TEST_RUN(test_line_and_series);
    TEST_RUN(test_autoscale);
    TEST_RUN(test_layout);
    TEST_RUN(test_utf8);
    TEST_END("test_console");
}
