/* plot.c — stress–strain figures and batch summaries with PLplot.
 *
 * Why PLplot: a scientific plotting library packaged in Debian with a C API,
 * axis ticks, legends and three headless output devices that need no X
 * (svg, pngcairo, pdfcairo); see docs/ARCHITECTURE.md. It keeps global
 * state, so every figure is one plinit() ... plend() and nothing here is
 * thread-safe.
 *
 * NOTE: PLplot calls exit() from plexit() on fatal errors (unknown device,
 * unwritable file). Both are checked before plinit(): the device against
 * plgDevs() and the file by opening it for writing, so a bad --plot path is
 * a clean error and never ends the process.
 *
 * Everything drawn is in display units: strain in %, stress in MPa, taken
 * from SI arrays (ratio, Pa) and from result keys that are already in those
 * units (the _pct / _mpa suffix).
 */
#include "plot.h"

#include "../common/error.h"
#include "rstats.h"

#include <plplot.h> /* plinit, plbox, plline, pllegend, plgDevs, ... */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* cmap0 indices of the palette set in begin_page(). */
enum {
    C_BG = 0,
    C_FG,
    C_GRID,
    C_DARK,
    C_SERIES,                /* C_SERIES .. C_SERIES+9: tab10 */
    C_STAGE = C_SERIES + 10, /* stage shades, N_STAGE_SHADES of them */
    N_STAGE_SHADES = 6,
    N_COLOURS = C_STAGE + N_STAGE_SHADES
};
static const int palette[N_COLOURS][3] = {
    {255, 255, 255}, {0, 0, 0},       {220, 220, 220}, {90, 90, 90},    {31, 119, 180},
    {255, 127, 14},  {44, 160, 44},   {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
    {227, 119, 194}, {127, 127, 127}, {188, 189, 34},  {23, 190, 207},  {230, 230, 230},
    {219, 233, 246}, {253, 224, 197}, {217, 240, 211}, {244, 204, 204}, {239, 230, 245},
};
enum { C_BLUE = C_SERIES, C_ORANGE, C_GREEN, C_RED, C_PURPLE, C_BROWN };

#define PAGE_W 1000
#define PAGE_H 620
#define MAX_POINTS 4000 /* per series; longer curves are thinned keeping extremes */
#define MAX_LEGEND 24

int plot_format_of(const char *path, plot_format *fmt)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return RIGOR_EINVAL;
    if (!strcasecmp(dot, ".svg"))
        *fmt = PLOT_SVG;
    else if (!strcasecmp(dot, ".png"))
        *fmt = PLOT_PNG;
    else if (!strcasecmp(dot, ".pdf"))
        *fmt = PLOT_PDF;
    else
        return RIGOR_EINVAL;
    return RIGOR_OK;
}

static const char *device_of(plot_format f)
{
    return f == PLOT_SVG ? "svg" : f == PLOT_PNG ? "pngcairo" : "pdfcairo";
}

static bool device_available(const char *dev)
{
    const char *menu[128], *names[128];
    const char **pm = menu, **pn = names;
    int n = 128;
    plgDevs(&pm, &pn, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], dev))
            return true;
    return false;
}

/* Check the format, the driver and the file, then start a page. */
static int begin_page(const char *path, char *why, size_t wl)
{
    plot_format fmt;
    if (plot_format_of(path, &fmt) != RIGOR_OK) {
        snprintf(why, wl, "%s: the plot file must end in .svg, .png or .pdf", path);
        return RIGOR_EINVAL;
    }
    const char *dev = device_of(fmt);
    if (!device_available(dev)) {
        snprintf(why, wl, "%s: PLplot has no '%s' device here (Debian package %s)", path, dev,
                 fmt == PLOT_SVG ? "libplplot17" : "plplot-driver-cairo");
        return RIGOR_EUNSUPPORTED;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(why, wl, "%s: cannot write: %s", path, strerror(errno));
        return RIGOR_EIO;
    }
    fclose(f);

    plsdev(dev);
    plsfnam(path);
    plspage(0, 0, PAGE_W, PAGE_H, 0, 0);
    int r[N_COLOURS], g[N_COLOURS], b[N_COLOURS];
    for (int i = 0; i < N_COLOURS; i++) {
        r[i] = palette[i][0];
        g[i] = palette[i][1];
        b[i] = palette[i][2];
    }
    plscmap0(r, g, b, N_COLOURS);
    plinit();
    plfont(1);
    plschr(0, 0.85);
    pladv(0);
    return RIGOR_OK;
}

/* PLplot text: '#' starts an escape sequence, so a literal one is "##". */
static void esc(char *dst, size_t len, const char *src)
{
    size_t k = 0;
    for (; *src && k + 2 < len; src++) {
        if (*src == '#')
            dst[k++] = '#';
        dst[k++] = *src;
    }
    dst[k] = '\0';
}

static double rget(const result_set *rs, const char *key)
{
    return rs ? results_get(rs, key) : NAN;
}

/* A value for annotation text: 4 significant digits, but whole numbers
 * from 10^4 up (a modulus of 179345 MPa reads "179345", not "1.793e+05"). */
static const char *fmtv(char *buf, size_t len, double v)
{
    snprintf(buf, len, fabs(v) >= 1e4 ? "%.0f" : "%.4g", v);
    return buf;
}

/* Second number of a pair result (or method) value, NAN when absent. */
static double pair_hi(const result_value *v)
{
    return v && v->kind == RV_PAIR ? v->v[1] : NAN;
}

/* Linear interpolation of stress (MPa) at strain x (%) on the first rising
 * crossing; NAN outside the data. */
static double stress_at(const plot_series *s, double x_pct)
{
    double x = x_pct / 100;
    for (size_t i = 1; i < s->n; i++) {
        double a = s->strain[i - 1], b = s->strain[i];
        if ((a <= x && x <= b) || (b <= x && x <= a)) {
            double f = b != a ? (x - a) / (b - a) : 0;
            return (s->stress_Pa[i - 1] + f * (s->stress_Pa[i] - s->stress_Pa[i - 1])) / 1e6;
        }
    }
    return NAN;
}

/* The series in display units, thinned to at most MAX_POINTS by keeping the
 * lowest and highest stress of each bucket in sample order (peaks survive). */
static size_t display_points(const plot_series *s, double *x, double *y)
{
    if (s->n <= MAX_POINTS) {
        for (size_t i = 0; i < s->n; i++) {
            x[i] = s->strain[i] * 100;
            y[i] = s->stress_Pa[i] / 1e6;
        }
        return s->n;
    }
    size_t nb = MAX_POINTS / 2, k = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t i0 = b * s->n / nb, i1 = (b + 1) * s->n / nb;
        size_t lo = i0, hi = i0;
        for (size_t i = i0; i < i1; i++) {
            if (s->stress_Pa[i] < s->stress_Pa[lo])
                lo = i;
            if (s->stress_Pa[i] > s->stress_Pa[hi])
                hi = i;
        }
        size_t first = lo < hi ? lo : hi, second = lo < hi ? hi : lo;
        x[k] = s->strain[first] * 100;
        y[k++] = s->stress_Pa[first] / 1e6;
        if (second != first) {
            x[k] = s->strain[second] * 100;
            y[k++] = s->stress_Pa[second] / 1e6;
        }
    }
    return k;
}

/* Legend under construction. */
typedef struct {
    int n;
    int opt[MAX_LEGEND];
    char text[MAX_LEGEND][160];
    int line_col[MAX_LEGEND], line_sty[MAX_LEGEND];
    double line_w[MAX_LEGEND];
    int sym_col[MAX_LEGEND];
    const char *sym[MAX_LEGEND];
    int box_col[MAX_LEGEND];
} legend;

static void leg_line(legend *l, int col, int sty, double w, const char *text)
{
    if (l->n >= MAX_LEGEND)
        return;
    int i = l->n++;
    l->opt[i] = PL_LEGEND_LINE;
    l->line_col[i] = col;
    l->line_sty[i] = sty;
    l->line_w[i] = w;
    snprintf(l->text[i], sizeof l->text[i], "%s", text);
}

static void leg_sym(legend *l, int col, const char *sym, const char *text)
{
    if (l->n >= MAX_LEGEND)
        return;
    int i = l->n++;
    l->opt[i] = PL_LEGEND_SYMBOL;
    l->sym_col[i] = col;
    l->sym[i] = sym;
    snprintf(l->text[i], sizeof l->text[i], "%s", text);
}

static void leg_box(legend *l, int col, const char *text)
{
    if (l->n >= MAX_LEGEND)
        return;
    int i = l->n++;
    l->opt[i] = PL_LEGEND_COLOR_BOX;
    l->box_col[i] = col;
    snprintf(l->text[i], sizeof l->text[i], "%s", text);
}

static void leg_text(legend *l, const char *text)
{
    if (l->n >= MAX_LEGEND)
        return;
    int i = l->n++;
    l->opt[i] = PL_LEGEND_NONE;
    snprintf(l->text[i], sizeof l->text[i], "%s", text);
}

static void leg_draw(const legend *l)
{
    if (l->n == 0)
        return;
    int n = l->n, tcol[MAX_LEGEND], pat[MAX_LEGEND], symn[MAX_LEGEND];
    double bscale[MAX_LEGEND], bw[MAX_LEGEND], sscale[MAX_LEGEND];
    const char *text[MAX_LEGEND], *sym[MAX_LEGEND];
    for (int i = 0; i < n; i++) {
        tcol[i] = C_FG;
        pat[i] = 0;
        bscale[i] = 0.8;
        bw[i] = 1;
        sscale[i] = 1.0;
        symn[i] = 1;
        text[i] = l->text[i];
        sym[i] = l->sym[i] ? l->sym[i] : "";
    }
    double w, h;
    /* In the page's right part, anchored at its left edge just beside the
     * axes (plot_curves leaves the right 40 % of the page for it), so it
     * never covers the curve: the svg device estimates text widths and may
     * make the box wider, which then grows to the right, not over the axes. */
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_SUBPAGE | PL_POSITION_INSIDE | PL_POSITION_LEFT | PL_POSITION_TOP,
             0.595, 0.11, 0.045, C_BG, C_DARK, 1, 0, 0, n, l->opt, 0.7, 0.68, 2.0, 0.0, tcol,
             text, l->box_col, pat, bscale, bw, l->line_col, l->line_sty, l->line_w, l->sym_col,
             sscale, symn, sym);
}

static void point(int col, double x, double y, const char *sym)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    plcol0(col);
    plstring(1, &x, &y, sym);
}

static void segment(int col, int sty, double w, double x0, double y0, double x1, double y1)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1))
        return;
    double x[2] = {x0, x1}, y[2] = {y0, y1};
    plcol0(col);
    pllsty(sty);
    plwidth(w);
    plline(2, x, y);
    pllsty(1);
    plwidth(1);
}

static int stage_colour(const char *name)
{
    static const char *names[] = {"contact", "elastic", "plastic", "plateau", "densification"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, names[i]))
            return C_STAGE + i;
    return C_STAGE + 5;
}

/* Axis frame with grid and labels. */
static void axes(double x0, double x1, double y0, double y1, const char *xl, const char *yl)
{
    plwind(x0, x1, y0, y1);
    plcol0(C_GRID);
    plbox("g", 0, 0, "g", 0, 0);
    plcol0(C_FG);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    plmtex("b", 3.0, 0.5, 0.5, xl);
    plmtex("l", 5.0, 0.5, 0.5, yl);
}

/* Characters of a title that fit the page width at character scale 1.0
 * (measured on the svg and png devices: ~80 of DejaVu Sans at 1000 px,
 * less a margin), and the smallest scale still legible. */
#define TITLE_FIT 72
#define TITLE_MIN_SCALE 0.62

/* Title centred over the whole page (long titles do not crowd the axes).
 * A long one (run files named by date, lab and specimen) is set smaller,
 * down to TITLE_MIN_SCALE; beyond that its middle is elided ("…"), keeping
 * the specimen id at the start and the file name's end. Counted in UTF-8
 * characters. */
static void page_title(const char *title)
{
    size_t n = 0;
    for (const char *p = title; *p; p++)
        n += ((unsigned char)*p & 0xC0) != 0x80;
    double scale = n > TITLE_FIT ? fmax(TITLE_MIN_SCALE, (double)TITLE_FIT / (double)n) : 1.0;
    size_t keep = (size_t)(TITLE_FIT / TITLE_MIN_SCALE);
    char buf[512];
    if (n > keep) {
        /* first keep/2 and last keep/2 - 1 characters around an ellipsis */
        size_t head = keep / 2, tail = keep - head - 1, k = 0, c = 0;
        const char *p = title;
        for (; *p && c <= head; p++) {
            c += ((unsigned char)*p & 0xC0) != 0x80;
            if (c > head)
                break;
            if (k + 1 < sizeof buf)
                buf[k++] = *p;
        }
        const char *e = title + strlen(title);
        size_t t = 0;
        const char *q = e;
        while (q > title && t < tail) {
            q--;
            t += ((unsigned char)*q & 0xC0) != 0x80;
        }
        /* the title is escaped ('#' doubled): never cut a pair */
        size_t hashes = 0;
        while (hashes < k && buf[k - 1 - hashes] == '#')
            hashes++;
        k -= hashes % 2;
        hashes = 0;
        while (q + hashes < e && q[hashes] == '#')
            hashes++;
        q += hashes % 2;
        const char ell[] = "\xe2\x80\xa6"; /* U+2026 */
        if (k + 3 + (size_t)(e - q) + 1 <= sizeof buf) {
            memcpy(buf + k, ell, 3);
            k += 3;
            memcpy(buf + k, q, (size_t)(e - q));
            k += (size_t)(e - q);
        }
        buf[k] = '\0';
        title = buf;
    }
    plvpor(0, 1, 0, 1);
    plwind(0, 1, 0, 1);
    plcol0(C_FG);
    plschr(0, scale);
    plptex(0.5, 0.955, 1, 0, 0.5, title);
    plschr(0, 0.85);
}

/* Stage bands (shaded, boundaries dashed) of one result set. */
static void draw_stages(const result_set *rs, double x0, double x1, double y0, double y1,
                        legend *lg)
{
    if (!rs || rs->nstages == 0)
        return;
    bool seen[N_STAGE_SHADES] = {false};
    for (size_t i = 0; i < rs->nstages; i++) {
        const result_stage *st = &rs->stages[i];
        double a = st->start_strain_pct, b = st->end_strain_pct;
        if (!isfinite(b))
            b = i + 1 < rs->nstages ? rs->stages[i + 1].start_strain_pct : x1;
        if (!isfinite(a))
            continue;
        a = fmax(a, x0);
        b = fmin(b, x1);
        int col = stage_colour(st->stage);
        if (b > a) {
            double px[4] = {a, b, b, a}, py[4] = {y0, y0, y1, y1};
            plcol0(col);
            plpsty(0);
            plfill(4, px, py);
        }
        segment(C_DARK, 3, 0.8, a, y0, a, y1);
        if (!seen[col - C_STAGE]) {
            seen[col - C_STAGE] = true;
            char t[64];
            snprintf(t, sizeof t, "stage: %s", st->stage);
            leg_box(lg, col, t);
        }
    }
}

/* Annotations of one fully described specimen. */
static void annotate(const plot_series *s, double ytop, legend *lg)
{
    const result_set *rs = s->rs;
    char t[160], vb[32];
    if (!rs)
        return;
    bool compression = !strcmp(rs->test, "compression");

    /* Modulus line over its window. */
    double E = rget(rs, compression ? "compressive_modulus_mpa" : "modulus_mpa");
    if (isfinite(E) && E > 0) {
        double lo, hi, y_lo;
        if (!compression) {
            /* sigma = E eps' (toe-compensated frame); the window is reported
             * in recorded strain, so it moves by the toe offset too. */
            double toe = rget(rs, "toe_offset_pct");
            if (!isfinite(toe))
                toe = 0;
            const result_value *w = results_find(rs, "modulus_strain_range_pct");
            lo = w ? w->v[0] - toe : NAN;
            hi = pair_hi(w) - toe;
            y_lo = E * lo / 100;
            if (isfinite(hi))
                segment(C_RED, 2, 1.0, 0, 0, 1.5 * hi, E * 1.5 * hi / 100);
        } else {
            const result_value *w = results_find_method(rs, "modulus_window_pct");
            lo = w ? w->v[0] : NAN;
            hi = pair_hi(w);
            y_lo = stress_at(s, lo);
        }
        segment(C_RED, 1, 2.5, lo, y_lo, hi, y_lo + E * (hi - lo) / 100);
        if (isfinite(lo) && isfinite(hi))
            snprintf(t, sizeof t, "E = %s MPa (fit %.3g–%.3g %%)", fmtv(vb, sizeof vb, E), lo,
                     hi);
        else
            snprintf(t, sizeof t, "E = %s MPa", fmtv(vb, sizeof vb, E));
        leg_line(lg, C_RED, 1, 2.5, t);
    }

    /* Offset line and yield point (tensile: the line is sigma = E (eps' - off)). */
    double ys = rget(rs, "yield_strength_mpa"), ye = rget(rs, "yield_strain_pct");
    const result_value *off = results_find_method(rs, "yield_offset_pct");
    if (!compression && off && isfinite(E) && E > 0) {
        double o = off->v[0];
        double y_end = fmin(ytop, (isfinite(ys) ? ys : ytop) * 1.15);
        segment(C_DARK, 2, 1.2, o, 0, o + 100 * y_end / E, y_end);
        snprintf(t, sizeof t, "%.3g %% offset line", o);
        leg_line(lg, C_DARK, 2, 1.2, t);
    }
    if (isfinite(ys)) {
        if (!isfinite(ye)) /* compression: where the curve first reaches it */
            for (size_t i = 0; i < s->n && !isfinite(ye); i++)
                if (s->stress_Pa[i] / 1e6 >= ys * (1 - 1e-9))
                    ye = s->strain[i] * 100;
        point(C_RED, ye, ys, "●");
        if (isfinite(ye))
            snprintf(t, sizeof t, "Rp = %s MPa at %.3g %%", fmtv(vb, sizeof vb, ys), ye);
        else
            snprintf(t, sizeof t, "Rp = %s MPa", fmtv(vb, sizeof vb, ys));
        leg_sym(lg, C_RED, "●", t);
    }

    /* Maximum. */
    double rm = rget(rs, "tensile_strength_mpa"), em = rget(rs, "strain_at_max_pct");
    if (isfinite(rm)) {
        point(C_ORANGE, em, rm, "▲");
        snprintf(t, sizeof t, "Rm = %s MPa at %.3g %%", fmtv(vb, sizeof vb, rm), em);
        leg_sym(lg, C_ORANGE, "▲", t);
    }
    double smax = rget(rs, "max_stress_mpa");
    if (isfinite(smax)) {
        double xm = NAN;
        for (size_t i = 0; i < s->n; i++)
            if (!isfinite(xm) && s->stress_Pa[i] / 1e6 >= smax * (1 - 1e-9))
                xm = s->strain[i] * 100;
        point(C_ORANGE, xm, smax, "▲");
        snprintf(t, sizeof t, "σmax = %s MPa", fmtv(vb, sizeof vb, smax));
        leg_sym(lg, C_ORANGE, "▲", t);
    }
    double s1 = rget(rs, "first_max_stress_mpa");
    if (isfinite(s1) && !(isfinite(smax) && s1 == smax)) {
        double x1 = NAN;
        for (size_t i = 0; i < s->n && !isfinite(x1); i++)
            if (s->stress_Pa[i] / 1e6 >= s1 * (1 - 1e-9))
                x1 = s->strain[i] * 100;
        point(C_BROWN, x1, s1, "◆");
        snprintf(t, sizeof t, "σ1 = %s MPa (first maximum)", fmtv(vb, sizeof vb, s1));
        leg_sym(lg, C_BROWN, "◆", t);
    }

    /* Break / fracture. */
    double sb = rget(rs, "break_stress_mpa"), eb = rget(rs, "strain_at_break_pct");
    if (isfinite(sb)) {
        point(C_FG, eb, sb, "■");
        snprintf(t, sizeof t, "σb = %s MPa at %.3g %% (break)", fmtv(vb, sizeof vb, sb), eb);
        leg_sym(lg, C_FG, "■", t);
        point(C_ORANGE, em, rm, "▲"); /* the maximum stays visible over the break */
    }
    double sf = rget(rs, "fracture_stress_mpa"), ef = rget(rs, "fracture_strain_pct");
    if (isfinite(sf)) {
        point(C_FG, ef, sf, "■");
        snprintf(t, sizeof t, "σf = %s MPa at %.3g %% (fracture)", fmtv(vb, sizeof vb, sf), ef);
        leg_sym(lg, C_FG, "■", t);
    }

    /* Plateau stress over its window, densification and plateau end. */
    double spl = rget(rs, "plateau_stress_mpa");
    if (isfinite(spl)) {
        const result_value *w = results_find_method(rs, "plateau_window_pct");
        double a = w ? w->v[0] : 0, b = w ? pair_hi(w) : NAN;
        if (!isfinite(b))
            b = s->n ? s->strain[s->n - 1] * 100 : a;
        segment(C_GREEN, 2, 2.0, a, spl, b, spl);
        snprintf(t, sizeof t, "σpl = %s MPa (plateau)", fmtv(vb, sizeof vb, spl));
        leg_line(lg, C_GREEN, 2, 2.0, t);
    }
    double ed = rget(rs, "densification_strain_pct");
    if (isfinite(ed)) {
        segment(C_PURPLE, 4, 1.5, ed, 0, ed, ytop);
        snprintf(t, sizeof t, "εD = %s %% (densification)", fmtv(vb, sizeof vb, ed));
        leg_line(lg, C_PURPLE, 4, 1.5, t);
    }
    double epe = rget(rs, "plateau_end_strain_pct");
    if (isfinite(epe)) {
        segment(C_GREEN, 3, 1.2, epe, 0, epe, ytop);
        snprintf(t, sizeof t, "εpe = %s %% (plateau end)", fmtv(vb, sizeof vb, epe));
        leg_line(lg, C_GREEN, 3, 1.2, t);
    }

    /* Toe-compensated origin. */
    const result_value *toe_on = results_find_method(rs, "toe_compensation");
    if (!compression && toe_on && toe_on->v[0] != 0) {
        point(C_FG, 0, 0, "○");
        snprintf(t, sizeof t, "toe-compensated origin (toe %.3g %%)",
                 rget(rs, "toe_offset_pct"));
        leg_sym(lg, C_FG, "○", t);
    }
}

int plot_curves(const char *path, const char *title, const plot_series *s, size_t n, char *why,
                size_t wl)
{
    /* Ranges over all series and the annotated points. */
    double x0 = 0, x1 = -INFINITY, y0 = 0, y1 = -INFINITY;
    size_t maxn = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < s[k].n; i++) {
            double x = s[k].strain[i] * 100, y = s[k].stress_Pa[i] / 1e6;
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            y0 = fmin(y0, y);
            y1 = fmax(y1, y);
        }
        maxn = s[k].n > maxn ? s[k].n : maxn;
    }
    if (maxn == 0) {
        snprintf(why, wl, "%s: nothing to plot: no samples", path);
        return RIGOR_ENODATA;
    }
    if (!(x1 > x0))
        x1 = x0 + 1;
    if (!(y1 > y0))
        y1 = y0 + 1;
    double xr = x1 - x0, yr = y1 - y0;
    x0 = x0 < 0 ? x0 - 0.02 * xr : 0;
    y0 = y0 < 0 ? y0 - 0.02 * yr : 0;
    x1 += 0.03 * xr;
    y1 += 0.08 * yr;

    double *x = malloc(maxn * sizeof *x), *y = malloc(maxn * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        snprintf(why, wl, "out of memory");
        return RIGOR_ENOMEM;
    }
    int rc = begin_page(path, why, wl);
    if (rc != RIGOR_OK) {
        free(x);
        free(y);
        return rc;
    }

    char ttl[300];
    esc(ttl, sizeof ttl, title ? title : s[0].label ? s[0].label : "");
    legend lg = {0};
    page_title(ttl);
    plvpor(0.08, 0.58, 0.11, 0.89);
    plwind(x0, x1, y0, y1);
    if (n == 1)
        draw_stages(s[0].rs, x0, x1, y0, y1, &lg);
    axes(x0, x1, y0, y1, "Engineering strain (%)", "Engineering stress (MPa)");

    for (size_t k = 0; k < n; k++) {
        int col = C_SERIES + (int)(k % 10);
        size_t m = display_points(&s[k], x, y);
        int sty = 1 + (int)((k / 10) % 8); /* past ten specimens colours repeat, dashed */
        plcol0(col);
        pllsty(sty);
        plwidth(n == 1 ? 1.6 : 1.3);
        plline((PLINT)m, x, y);
        plwidth(1);
        pllsty(1);
        char lab[160];
        esc(lab, sizeof lab, s[k].label ? s[k].label : "");
        if (k < MAX_LEGEND - 3 || k + 1 == n)
            leg_line(&lg, col, sty, 2.0, lab);
        else if (k == MAX_LEGEND - 3) {
            snprintf(lab, sizeof lab, "… %zu more", n - k);
            leg_text(&lg, lab);
        }
    }
    if (n == 1) {
        annotate(&s[0], y1, &lg);
    } else {
        bool any_max = false, any_break = false;
        plschr(0, 0.6);
        for (size_t k = 0; k < n; k++) {
            int col = C_SERIES + (int)(k % 10);
            const result_set *rs = s[k].rs;
            double sb = rget(rs, "break_stress_mpa"), eb = rget(rs, "strain_at_break_pct");
            if (!isfinite(sb)) {
                sb = rget(rs, "fracture_stress_mpa");
                eb = rget(rs, "fracture_strain_pct");
            }
            if (isfinite(sb) && isfinite(eb)) {
                point(col, eb, sb, "■");
                any_break = true;
            }
            double rm = rget(rs, "tensile_strength_mpa"), em = rget(rs, "strain_at_max_pct");
            if (isfinite(rm) && isfinite(em)) {
                point(C_FG, em, rm, "▲");
                any_max = true;
            }
        }
        plschr(0, 0.85);
        if (any_max)
            leg_sym(&lg, C_FG, "▲", "maximum");
        if (any_break)
            leg_sym(&lg, C_FG, "■", "break / fracture");
    }
    leg_draw(&lg);
    plend();
    free(x);
    free(y);
    return RIGOR_OK;
}

/* One bar panel: mean +- SD of each key in keys[0..nk-1] that has values. */
typedef struct {
    const char *key, *label;
    double scale; /* display = value x scale (MPa -> GPa for moduli) */
} bar_key;

static void bar_panel(const result_set *const *rs, size_t n, const bar_key *keys, size_t nk,
                      double vx0, double vx1, const char *ylab, const char *ttl)
{
    double mean[8], sd[8];
    const char *lab[8];
    size_t nb = 0, cnt = 0;
    double top = 0;
    for (size_t k = 0; k < nk && nb < 8; k++) {
        rstats st;
        rstats_of(rs, n, keys[k].key, &st);
        if (st.n == 0)
            continue;
        double mu = st.mean * keys[k].scale;
        mean[nb] = mu;
        sd[nb] = st.sd * keys[k].scale;
        lab[nb] = keys[k].label;
        top = fmax(top, mu + (isfinite(sd[nb]) ? sd[nb] : 0));
        cnt = st.n > cnt ? st.n : cnt;
        nb++;
    }
    plvpor(vx0, vx1, 0.17, 0.86);
    if (nb == 0) {
        plwind(0, 1, 0, 1);
        plcol0(C_FG);
        plbox("bc", 0, 0, "bc", 0, 0);
        plptex(0.5, 0.5, 1, 0, 0.5, "no values");
        return;
    }
    if (!(top > 0))
        top = 1;
    plwind(0, (double)nb, 0, top * 1.25);
    plcol0(C_GRID);
    plbox("", 0, 0, "g", 0, 0);
    plcol0(C_FG);
    plbox("bc", 0, 0, "bcnstv", 0, 0);
    plmtex("l", 5.0, 0.5, 0.5, ylab);
    char t[160];
    snprintf(t, sizeof t, "%s (mean ± SD, n = %zu)", ttl, cnt);
    plmtex("t", 1.5, 0.5, 0.5, t);
    for (size_t b = 0; b < nb; b++) {
        double xa = (double)b + 0.2, xb = (double)b + 0.8;
        double px[4] = {xa, xb, xb, xa}, py[4] = {0, 0, mean[b], mean[b]};
        plcol0(C_SERIES + (int)(b % 10));
        plpsty(0);
        plfill(4, px, py);
        plcol0(C_FG);
        plline(4, px, py);
        double xc = (double)b + 0.5;
        if (isfinite(sd[b])) {
            double lo = mean[b] - sd[b], hi = mean[b] + sd[b];
            plwidth(1.5);
            plerry(1, &xc, &lo, &hi);
            plwidth(1);
        }
        double pos = (xc) / (double)nb;
        plmtex("b", 1.3, pos, 0.5, lab[b]);
        if (isfinite(sd[b]))
            snprintf(t, sizeof t, "%.4g ± %.3g", mean[b], sd[b]);
        else
            snprintf(t, sizeof t, "%.4g", mean[b]);
        plmtex("b", 2.6, pos, 0.5, t);
    }
}

int plot_summary(const char *path, const char *title, const result_set *const *rs, size_t n,
                 char *why, size_t wl)
{
    static const bar_key strengths[] = {
        {"yield_strength_mpa", "yield", 1},   {"tensile_strength_mpa", "tensile strength", 1},
        {"break_stress_mpa", "at break", 1},  {"first_max_stress_mpa", "first maximum", 1},
        {"plateau_stress_mpa", "plateau", 1}, {"max_stress_mpa", "maximum", 1},
    };
    static const bar_key moduli[] = {{"modulus_mpa", "modulus", 1e-3},
                                     {"compressive_modulus_mpa", "compressive modulus", 1e-3}};
    if (n == 0) {
        snprintf(why, wl, "%s: nothing to plot: no specimens", path);
        return RIGOR_ENODATA;
    }
    int rc = begin_page(path, why, wl);
    if (rc != RIGOR_OK)
        return rc;
    char ttl[300];
    esc(ttl, sizeof ttl, title ? title : "");
    page_title(ttl);
    bar_panel(rs, n, strengths, sizeof strengths / sizeof strengths[0], 0.08, 0.60,
              "Stress (MPa)", "Strength");
    bar_panel(rs, n, moduli, sizeof moduli / sizeof moduli[0], 0.72, 0.96, "Modulus (GPa)",
              "Modulus");
    plend();
    return RIGOR_OK;
}
