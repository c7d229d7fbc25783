/* csvin_checks.c — physical consistency checks on a read curve. They only
 * add notes; the data stay as written: time going backwards, a channel
 * that jumps x10 and back (the Bluehill locale round trip), a stress column
 * that implies a placeholder cross-section, stated geometry <= 0.
 */
#include "csvin_priv.h"

#include "../../common/pool.h"
#include "../../common/units.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- physical consistency checks (notes only, data unchanged) ---- */

/* The k-th smallest of d[0..n) (0-based), partially reordering d: Hoare's
 * selection, O(n) on average. A full sort for one median cost a fifth of
 * `rigor analyze` on a 10^6-row file (bench/, docs/performance.md). */
static double select_kth(double *d, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = d[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            /* The bounds never stop a scan of a correct partition (the pivot
             * value, or an element swapped past it, stops it first); they
             * make that visible to the static analyser. */
            while (i < hi && d[i] < pivot)
                i++;
            while (j > lo && d[j] > pivot)
                j--;
            if (i <= j) {
                double t = d[i];
                d[i] = d[j];
                d[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return d[k];
    }
    return d[k];
}

#define STEP_COPY_MAX ((size_t)1 << 18) /* samples */

/* The median -- the (nd / 2)-th smallest, 0-based, of the nd steps
 * |x[i] - x[i-1]| that are finite and > 0 -- without storing them. For
 * positive doubles the order of the values is the order of their bit
 * patterns as unsigned integers, so a radix selection on 16-bit digits
 * (most significant first: count the candidates per digit value, keep the
 * bucket that holds the k-th, repeat on the next digit among the candidates
 * whose higher digits match) finds the exact bit pattern in four passes
 * over x (the first also counts nd). Returns NAN when there is no such step
 * or on allocation failure. */
static double step_median(const double *x, size_t n)
{
    size_t k = 0; /* set to nd / 2 once the first pass has counted the steps */
    size_t *hist = malloc(65536 * sizeof *hist);
    if (!hist)
        return NAN;
    uint64_t prefix = 0; /* the digits found so far, in place */
    uint64_t mask = 0;   /* which bits of prefix are fixed */
    for (int shift = 48; shift >= 0; shift -= 16) {
        memset(hist, 0, 65536 * sizeof *hist);
        size_t cnt = 0;
        for (size_t i = 1; i < n; i++) {
            double st = fabs(x[i] - x[i - 1]);
            if (!(isfinite(st) && st > 0))
                continue;
            uint64_t u;
            memcpy(&u, &st, sizeof u);
            if ((u & mask) != prefix)
                continue;
            hist[(u >> shift) & 0xFFFF]++;
            cnt++;
        }
        if (shift == 48)
            k = cnt / 2;
        if (cnt == 0 || k >= cnt)
            break;
        size_t d = 0;
        while (k >= hist[d]) {
            k -= hist[d];
            d++;
        }
        prefix |= (uint64_t)d << shift;
        mask |= UINT64_C(0xFFFF) << shift;
    }
    free(hist);
    if (mask != ~UINT64_C(0))
        return NAN;
    double v;
    memcpy(&v, &prefix, sizeof v);
    return v;
}

double cin_step_median(const double *x, size_t n, cin_median_how how)
{
    if (how == CIN_MEDIAN_AUTO)
        how = n > STEP_COPY_MAX ? CIN_MEDIAN_RADIX : CIN_MEDIAN_COPY;
    if (how == CIN_MEDIAN_RADIX)
        return step_median(x, n);
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d)
        return NAN;
    size_t nd = 0;
    for (size_t i = 1; i < n; i++) {
        double st = fabs(x[i] - x[i - 1]);
        if (isfinite(st) && st > 0)
            d[nd++] = st;
    }
    double v = nd ? select_kth(d, nd, nd / 2) : NAN;
    free(d);
    return v;
}

/* What check_jumps found in one channel: `count` undone x10 steps, the
 * first at sample `first`. */
typedef struct {
    const curve *c;
    size_t count, first;
} jumps;

static void find_jumps(const curve *c, int r, jumps *out)
{
    out->count = 0;
    const double *x = c->ch[r];
    if (!x || c->n < 3)
        return;
    double mx = 0;
    for (size_t i = 0; i < c->n; i++)
        if (isfinite(x[i]) && fabs(x[i]) > mx)
            mx = fabs(x[i]);
    if (mx == 0)
        return;
    /* A x10 step between neighbours that is undone (a /10 step the other
     * way) within the next 50 samples: smooth data never do that, a
     * thousands-separator round trip does. Steps are judged against the
     * median non-zero step (mas) so that noise around zero is not taken
     * for a jump: both values must exceed 10 mas and the step 20 mas.
     * First the steps of about x10 (dir +1) or /10 (dir -1) whatever their
     * size, one pass; the median step, several passes over a long channel,
     * is needed only when there are such steps, and the size test is then
     * applied to those alone (a per-step condition, so the steps kept and
     * their order are the same as testing both at once). */
    size_t *at = malloc(c->n * sizeof *at);
    signed char *dir = malloc(c->n);
    if (!at || !dir) {
        free(at);
        free(dir);
        return;
    }
    size_t nj = 0;
    for (size_t i = 1; i < c->n; i++) {
        double q = x[i] / x[i - 1];
        if (q > 7 && q < 13)
            dir[nj] = 1;
        else if (q > 1.0 / 13 && q < 1.0 / 7)
            dir[nj] = -1;
        else
            continue;
        at[nj++] = i;
    }
    /* The median step (cin_step_median). Short curves: a copy of the steps and Hoare's
     * selection. Long ones: selection on the bit patterns without a copy (8
     * bytes per sample less peak memory; its 512 KiB of counters cost more
     * than a copy below this size). Both give the exact median. */
    double mas = nj ? cin_step_median(x, c->n, CIN_MEDIAN_AUTO) : NAN;
    const double floor_ = 10 * mas;
    size_t kept = 0;
    for (size_t k = 0; k < nj && !isnan(mas); k++) {
        double a = x[at[k] - 1], b = x[at[k]];
        if (!isfinite(a) || !isfinite(b) || fabs(a) < floor_ || fabs(b) < floor_ ||
            fabs(b - a) < 2 * floor_)
            continue;
        at[kept] = at[k];
        dir[kept++] = dir[k];
    }
    nj = kept;
    size_t count = 0, first = 0;
    for (size_t k = 0; k < nj; k++) {
        bool undone = false;
        for (size_t m = k; m-- > 0 && at[k] - at[m] <= 50 && !undone;)
            undone = dir[m] == -dir[k];
        for (size_t m = k + 1; m < nj && at[m] - at[k] <= 50 && !undone; m++)
            undone = dir[m] == -dir[k];
        if (!undone)
            continue;
        if (!count)
            first = at[k];
        count++;
    }
    free(at);
    free(dir);
    out->count = count;
    out->first = first;
}

/* The channels are independent: pool_run item k is channel CURVE_EXT + k. */
static void find_jumps_item(void *ctx, size_t k)
{
    jumps *j = &((jumps *)ctx)[k];
    find_jumps(j->c, CURVE_EXT + (int)k, j);
}

static void note_jumps(curve *c, int r, const jumps *j)
{
    size_t count = j->count, first = j->first;
    const double *x = c->ch[r];
    if (count) {
        static const char *const unit[CURVE_NROLES] = {"s", "mm", "N", "", "MPa"};
        static const double to[CURVE_NROLES] = {1, 1e3, 1, 1, 1e-6};
        curve_note(c,
                   "WARNING: %s column '%s' jumps by about x10 between neighbouring samples "
                   "%zu times (first at sample %zu: %g %s after %g %s); this is not physical "
                   "(often a decimal/thousands-separator round trip); the data were not "
                   "changed",
                   csvin_role_name(r), c->colname[r], count, first + 1, x[first] * to[r],
                   unit[r], x[first - 1] * to[r], unit[r]);
    }
}

void cin_check_curve(curve *c, const cin_tinfo *ti, const cin_src *s)
{
    (void)s;
    if (c->ch[CURVE_TIME] && c->n > 1) {
        const double *t = c->ch[CURVE_TIME];
        size_t back = 0, first = 0;
        for (size_t i = 1; i < c->n; i++)
            if (t[i] < t[i - 1]) {
                if (!back)
                    first = i;
                back++;
            }
        if (back)
            curve_note(c,
                       "WARNING: time goes backwards %zu times (first at sample %zu: %g s "
                       "after %g s); the data were not reordered",
                       back, first + 1, t[first], t[first - 1]);
    }
    /* The x10-jump search of every channel, in parallel when the table was
     * read so; the notes in channel order. */
    jumps j[CURVE_NROLES - CURVE_EXT];
    for (int r = CURVE_EXT; r < CURVE_NROLES; r++)
        j[r - CURVE_EXT].c = c;
    pool_run(CURVE_NROLES - CURVE_EXT, ti && ti->threads > 1 ? ti->threads : 1, find_jumps_item,
             j);
    for (int r = CURVE_EXT; r < CURVE_NROLES; r++)
        note_jumps(c, r, &j[r - CURVE_EXT]);
    /* A stress column that implies A0 = 1 mm^2 comes from placeholder geometry. */
    if (c->ch[CURVE_STRESS] && c->ch[CURVE_FORCE]) {
        const double *f = c->ch[CURVE_FORCE], *sg = c->ch[CURVE_STRESS];
        double fmax = 0;
        size_t im = 0;
        for (size_t i = 0; i < c->n; i++)
            if (isfinite(f[i]) && fabs(f[i]) > fmax) {
                fmax = fabs(f[i]);
                im = i;
            }
        if (fmax > 0 && sg[im] != 0) {
            double a = f[im] / sg[im];
            double g = curve_geom_area(&c->geom);
            if (fabs(a - 1e-6) < 1e-8)
                curve_note(c, "WARNING: the stress column implies a cross-section of 1 mm^2 "
                              "(placeholder geometry); its stresses are probably meaningless");
            else if (isfinite(g) && g > 0 && fabs(a - g) > 0.005 * g)
                curve_note(c,
                           "%sthe stress column implies A0 = %.4g mm^2 (force/stress at the "
                           "maximum) while the file's geometry gives %.4g mm^2 (%.1f %% apart)",
                           fabs(a - g) > 0.05 * g ? "WARNING: " : "", a * 1e6, g * 1e6,
                           100 * fabs(a - g) / g);
        }
    }
    /* Geometry stated as zero or negative. */
    static const char *const gname[] = {"width", "thickness",    "diameter",
                                        "area",  "gauge length", "height"};
    const double gv[] = {c->geom.width_m, c->geom.thickness_m, c->geom.diameter_m,
                         c->geom.area_m2, c->geom.gauge_m,     c->geom.height_m};
    for (size_t k = 0; k < sizeof gv / sizeof gv[0]; k++)
        if (isfinite(gv[k]) && gv[k] <= 0)
            curve_note(c, "WARNING: the file states %s = %g mm%s; not a physical geometry",
                       gname[k], gv[k] * (k == 3 ? 1e6 : 1e3), k == 3 ? "^2" : "");
}
