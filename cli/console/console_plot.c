/* console_plot.c — a braille dot canvas for live curves (pure, no curses).
 *
 * Each terminal cell holds 2 x 4 dots, the eight dots of a Unicode braille
 * pattern (U+2800 + bit mask): a 48 x 18 cell plot is a 96 x 72 dot image.
 * Bits by dot (x, y): (0,0) 0x01, (0,1) 0x02, (0,2) 0x04, (1,0) 0x08,
 * (1,1) 0x10, (1,2) 0x20, (0,3) 0x40, (1,3) 0x80.
 */
#include "console.h"

#include "../../common/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t bit_of[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

int bplot_init(bplot *p, int cols, int rows)
{
    memset(p, 0, sizeof *p);
    if (cols <= 0 || rows <= 0)
        return RIGOR_EINVAL;
    p->dots = calloc((size_t)cols * rows, 1);
    p->mark = calloc((size_t)cols * rows, 1);
    if (!p->dots || !p->mark) {
        bplot_free(p);
        return RIGOR_ENOMEM;
    }
    p->cols = cols;
    p->rows = rows;
    return RIGOR_OK;
}

void bplot_free(bplot *p)
{
    free(p->dots);
    free(p->mark);
    memset(p, 0, sizeof *p);
}

void bplot_clear(bplot *p)
{
    memset(p->dots, 0, (size_t)p->cols * p->rows);
    memset(p->mark, 0, (size_t)p->cols * p->rows);
}

void bplot_dot(bplot *p, int px, int py)
{
    if (px < 0 || py < 0 || px >= 2 * p->cols || py >= 4 * p->rows)
        return;
    p->dots[(size_t)(py / 4) * p->cols + px / 2] |= bit_of[py % 4][px % 2];
}

void bplot_line(bplot *p, int x0, int y0, int x1, int y1)
{
    /* Bresenham; long lines off the canvas are clipped dot by dot, bounded */
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    for (int guard = 0; guard < 100000; guard++) {
        bplot_dot(p, x0, y0);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

double bplot_nice(double v)
{
    if (!(v > 0) || !isfinite(v))
        return 0;
    double e = pow(10, floor(log10(v)));
    double m = v / e;
    double n = m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10;
    return n * e;
}

static void range(const double *v, size_t n, double *lo, double *hi)
{
    *lo = 0;
    *hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] < *lo)
            *lo = v[i];
        if (v[i] > *hi)
            *hi = v[i];
    }
    /* noise around zero is not worth half the axis: a negative excursion
     * under 5 % of the positive one stays at the bottom edge */
    if (*lo < 0 && -*lo < 0.05 * *hi)
        *lo = 0;
    if (*hi > 0 && *hi < 0.05 * -*lo)
        *hi = 0;
    double top = *hi > 0 ? bplot_nice(*hi) : 0;
    double bot = *lo < 0 ? -bplot_nice(-*lo) : 0; /* never "-0" */
    if (top - bot <= 0)
        top = 1;
    *hi = top;
    *lo = bot;
}

bscale bplot_autoscale(const double *x, const double *y, size_t n)
{
    bscale s;
    range(x, n, &s.xmin, &s.xmax);
    range(y, n, &s.ymin, &s.ymax);
    return s;
}

static bool to_px(const bplot *p, const bscale *s, double x, double y, int *px, int *py)
{
    if (!isfinite(x) || !isfinite(y) || s->xmax <= s->xmin || s->ymax <= s->ymin)
        return false;
    double fx = (x - s->xmin) / (s->xmax - s->xmin);
    double fy = (y - s->ymin) / (s->ymax - s->ymin);
    if (fx < -1 || fx > 2 || fy < -1 || fy > 2)
        return false;
    fx = fmin(1, fmax(0, fx)); /* clamped to the edges */
    fy = fmin(1, fmax(0, fy));
    *px = (int)lround(fx * (2 * p->cols - 1));
    *py = (int)lround((1 - fy) * (4 * p->rows - 1));
    return true;
}

void bplot_series(bplot *p, const bscale *s, const double *x, const double *y, size_t n)
{
    int lx = 0, ly = 0;
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        int px, py;
        if (!to_px(p, s, x[i], y[i], &px, &py)) {
            have = false;
            continue;
        }
        if (have)
            bplot_line(p, lx, ly, px, py);
        else
            bplot_dot(p, px, py);
        lx = px;
        ly = py;
        have = true;
    }
}

void bplot_marker(bplot *p, const bscale *s, double x, double y, char c)
{
    int px, py;
    if (!to_px(p, s, x, y, &px, &py))
        return;
    int cx = px / 2, cy = py / 4;
    if (cx < 0 || cy < 0 || cx >= p->cols || cy >= p->rows)
        return;
    p->mark[(size_t)cy * p->cols + cx] = c;
}

size_t bplot_row(const bplot *p, int row, char *out, size_t len)
{
    size_t k = 0;
    if (!len)
        return 0;
    for (int c = 0; row >= 0 && row < p->rows && c < p->cols; c++) {
        size_t i = (size_t)row * p->cols + c;
        if (p->mark[i] && k + 2 <= len) {
            out[k++] = p->mark[i];
        } else if (p->dots[i] && k + 4 <= len) {
            unsigned b = p->dots[i];
            out[k++] = (char)0xE2;
            out[k++] = (char)(0xA0 + (b >> 6));
            out[k++] = (char)(0x80 + (b & 0x3F));
        } else if (k + 2 <= len) {
            out[k++] = ' ';
        }
    }
    out[k] = '\0';
    return k;
}
