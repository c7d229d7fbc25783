/* console.h — `rigor console`: the operator's screen at the frame.
 *
 * One module: cli/console_*.c. Only console_crt.c includes curses (setup,
 * colours, keys, signals, teardown — htop's CRT.c is the model); the braille
 * plot (console_plot.c) and the layout (console_layout.c) are pure and unit
 * tested (tests/test_console.c); each screen is a small file with a draw and
 * a key handler (console_scr_*.c); console_app.c is the loop that polls the
 * run session (session/session.h) at ~25 Hz between keys.
 */
#ifndef RIGOR_CONSOLE_H
#define RIGOR_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *rig_path;   /* rig file, or NULL */
    const char *sim_preset; /* in-process simulated frame, or NULL */
    const char *sim_faults; /* simulator fault list, or NULL */
    uint64_t seed;
    double rate_hz;           /* acquisition rate; 0 = the link's best (<= 1 kHz) */
    const char *protocol_dir; /* where the picker lists *.rigor (default "protocols/shipped") */
    /* the results store (console_store.c): --db TARGET, --store ($RIGOR_DB or
     * the default path; $RIGOR_DB set also turns it on), --series S */
    const char *db;
    bool store;
    const char *series;
} console_opts;

/* Run the console until the operator quits. Returns the exit status:
 * 0 quit, 2 cannot start (terminal, options, a series with no specimen
 * left), 3 cannot reach the rig, 4 the store cannot be opened,
 * 128 + signal when ended by SIGINT/SIGTERM (test stopped, run file closed). */
int console_main(const console_opts *o);

/* ---- Braille plot (pure) ----------------------------------------------
 * A canvas of cols x rows terminal cells, 2 x 4 dots each (Unicode braille
 * U+2800..U+28FF); pixel (0,0) is the top left. Markers are single ASCII
 * characters drawn over a cell. */
typedef struct {
    int cols, rows;
    uint8_t *dots; /* cols * rows braille bit masks */
    char *mark;    /* cols * rows marker characters, 0 = none */
} bplot;

typedef struct {
    double xmin, xmax, ymin, ymax;
} bscale;

int bplot_init(bplot *p, int cols, int rows); /* RIGOR_OK or RIGOR_ENOMEM/RIGOR_EINVAL */
void bplot_free(bplot *p);
void bplot_clear(bplot *p);
void bplot_dot(bplot *p, int px, int py); /* outside the canvas: ignored */
void bplot_line(bplot *p, int x0, int y0, int x1, int y1);
/* 1, 2, 5 x 10^k at or above v (v > 0); 0 for v <= 0. */
double bplot_nice(double v);
/* Scale that shows every finite point: from min(0, lowest) to a "nice" top. */
bscale bplot_autoscale(const double *x, const double *y, size_t n);
/* The series as connected dots. */
void bplot_series(bplot *p, const bscale *s, const double *x, const double *y, size_t n);
void bplot_marker(bplot *p, const bscale *s, double x, double y, char c);
/* Row as UTF-8 (braille for dotted cells, ' ' for empty ones, markers as
 * they are); returns the byte length written (out always terminated). */
size_t bplot_row(const bplot *p, int row, char *out, size_t len);

/* ---- Layout (pure) ----------------------------------------------------- */
typedef struct {
    int y, x, h, w;
} crect;

typedef struct {
    crect title;    /* one line */
    crect readouts; /* boxed panel of live numbers */
    crect plot;     /* boxed plot */
    crect status;   /* one line: messages */
    crect keys;     /* key hints (1-2 lines) */
    bool small;     /* under 80x24: the screen says so */
} clayout;

void clayout_compute(int w, int h, clayout *out);

/* Number of terminal columns of a UTF-8 string (each code point one). */
size_t cutf8_cols(const char *s);
/* Copy at most cols code points of s into out (terminated). */
void cutf8_clip(char *out, size_t len, const char *s, size_t cols);
/* Fit a path-like token (a path with an optional ":line:col:" tail, or in
 * brackets) into cols columns by replacing the middle of its folders with
 * "…": the start of the path and its whole last component (the file name
 * and what follows it) are kept, so "/very/long/…/shipped/astm.rigor:12:15:"
 * still names the file and the place. A token that fits is copied as it is;
 * a file name longer than cols keeps its end. */
void cpath_elide(char *out, size_t len, const char *tok, size_t cols);
/* Fit a line of text into cols columns: while it is too long, the longest
 * word that contains '/' is elided (cpath_elide) to what the line has room
 * for; what still does not fit is clipped. */
void ctext_fit(char *out, size_t len, const char *s, size_t cols);

#endif
