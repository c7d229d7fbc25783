/* csvin_rows.c — the data rows of one table into the curve's channels, and
 * their units to SI (split from csvin_table.c, which finds the columns and
 * their roles; cin_read_rows is its second half).
 *
 * Rows are read by a fast path (plain data lines, in parallel windows for
 * long tables) and a general path for the special cases: clock times,
 * catman fill values, the Deben sentinel row, an interrupted last line, a
 * NaN reply in a Rigor run, and the empty strain/extension cells of an
 * extensometer removed mid-test (docs/import.md, Errors).
 */
#include "csvin_priv.h"

#include "../../common/bigmem.h"
#include "../../common/pool.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- clock time "HH:MM:SS:mmm" ---- */

bool cin_parse_clock(const char *s, double *sec)
{
    int h, m, sx, ms = 0;
    char tail;
    /* widths bound the numbers: no int overflow (UB in sscanf) */
    int k = sscanf(s, "%9d:%9d:%9d:%9d%c", &h, &m, &sx, &ms, &tail); // NOLINT(cert-err34-c)
    if (k == 4 || k == 3) {
        if (k == 3 &&
            sscanf(s, "%9d:%9d:%9d%c", &h, &m, &sx, &tail) != 3) // NOLINT(cert-err34-c)
            return false;
        *sec = h * 3600.0 + m * 60.0 + sx + ms / 1000.0;
        return true;
    }
    return false;
}

/* ---- the table ---- */

/* ',' for "-12,5" (also "2,110,637"), '.' for "-12.5" or "1.5e-3", 0 else. */
static bool row_empty(const cin_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].s[0])
            return false;
    return true;
}

/* Line li read by the fast path (cin_fast_row) into v, when that path
 * applies to it and reads it: not a '#' line of a table that ends there,
 * not the last line of an interrupted file, not a Deben end-of-test row
 * (the general path has notes for those), and a plain data line. */
static bool fast_line(const cin_src *s, const cin_tspec *t, size_t li, char dec,
                      const signed char *role, size_t need, double *v)
{
    const cin_line *l = &s->lines[li];
    if (t->stop_at_hash && l->s[0] == '#')
        return false;
    bool last = li + 1 == s->nlines ||
                (li + 1 < t->end && t->stop_at_hash && s->lines[li + 1].s[0] == '#');
    if ((last && !s->final_newline) || (t->sentinel_row && li + 1 >= t->end))
        return false;
    /* a flagged row (its last cell, `invalid`, not empty): the general path skips it */
    if (t->flag_col1 && l->len && l->s[l->len - 1] != ',')
        return false;
    for (int r = 0; r < CURVE_NROLES; r++)
        v[r] = NAN;
    return cin_fast_row(l, t->delim, dec, role, need, v);
}

/* Data lines read in parallel: a window of lines is cut into one part per
 * thread, each part read by fast_line into the rows it would have if every
 * line before it were a data row, up to its first line the fast path does
 * not read. The rows are right up to the first such line of the window;
 * from there the sequential loop of cin_read_table reads on (and the next
 * window starts where this one ended), so the curve never depends on the
 * thread count. */
#define PAR_WINDOW ((size_t)1 << 18)    /* lines per window: ~10 MB of text */
#define PAR_MIN_LINES ((size_t)1 << 16) /* tables shorter than this are read in one thread */

typedef struct {
    const cin_src *s;
    const cin_tspec *t;
    char dec;
    const signed char *role;
    size_t need;
    curve *c;
    size_t row0;     /* row of line `from` */
    size_t from, to; /* lines of this part */
    size_t stop;     /* out: first line not read (to when all were) */
} par_part;

static void par_read(void *ctx, size_t k)
{
    par_part *w = &((par_part *)ctx)[k];
    size_t row = w->row0, li = w->from;
    for (; li < w->to; li++, row++) {
        double v[CURVE_NROLES];
        if (!fast_line(w->s, w->t, li, w->dec, w->role, w->need, v))
            break;
        for (int r = 0; r < CURVE_NROLES; r++)
            if (w->c->ch[r])
                w->c->ch[r][row] = v[r];
    }
    w->stop = li;
}

/* Reads lines [from, to) in nthr parts into rows c->n...; returns the first
 * line that is not a row (to when all are). c->n is not changed. */
static size_t par_window(const cin_src *s, const cin_tspec *t, char dec,
                         const signed char *role, size_t need, curve *c, size_t from, size_t to,
                         int nthr)
{
    par_part part[POOL_MAX_THREADS];
    size_t per = (to - from + (size_t)nthr - 1) / (size_t)nthr;
    for (int k = 0; k < nthr; k++) {
        size_t a = from + (size_t)k * per, b = a + per;
        if (a > to)
            a = to;
        if (b > to)
            b = to;
        part[k] = (par_part){s, t, dec, role, need, c, c->n + (a - from), a, b, a};
    }
    pool_run((size_t)nthr, nthr, par_read, part);
    size_t stop = part[0].stop;
    for (int k = 1; k < nthr && stop == part[k - 1].to; k++)
        stop = part[k].stop;
    return stop;
}

int cin_read_rows(const cin_src *s, const cin_tspec *t, const csvin_opts *o, char dec, curve *c,
                  cin_tinfo *ti, rigor_diag *diag)
{
    cin_row row = {0};
    int rc = RIGOR_OK;
    const cin_line *nl = &s->lines[t->names];
    /* Data rows. */
    size_t need = 0;
    for (int r = 0; r < CURVE_NROLES; r++)
        if (ti->pick[r] >= 0 && (size_t)ti->pick[r] + 1 > need)
            need = (size_t)ti->pick[r] + 1;
    bool multi_seen = false;
    size_t flagged = 0; /* rows of invalid samples skipped (flag_col1) */
    long flagged_line = 0;
    long multi_line = 0;
    size_t bad_rows = 0;
    long bad_line = 0;
    char bad_what[200] = "";
    char multi_text[64] = "";
    /* An extensometer removed mid-test leaves its strain/extension cells
     * empty while the force goes on (ISO 6892-1 allows removing it after
     * yield): once that column has held numbers, such a cell is read as
     * missing (NaN) and curve preparation continues the strain from the
     * crosshead (prepare.h). An empty force cell stays an error. */
    bool had_num[CURVE_NROLES] = {false};
    long gap_at[CURVE_NROLES] = {0}, gap_atcol[CURVE_NROLES] = {0}; /* first empty cell */
    size_t gap_cells = 0;
    long gap_line = 0;
    char gap_col[128] = "";
    double clock0 = NAN, clock_prev = NAN, clock_add = 0;
    size_t sentinel_cells = 0;
    /* While data lines are consumed, the memory of the text and line table
     * behind them goes back to the OS (bigmem_release): a long run's peak is
     * then its channels, not text + line table + channels. The first data
     * line and the one before the current are always kept (cin_tspec). */
    bool release = t->release && s->releasable && t->data + 1 < s->nlines;
    char *text_done = release ? (char *)s->lines[t->data + 1].s : NULL;
    char *table_done = release ? (char *)&s->lines[t->data + 1] : NULL;
    /* Fast path (fast_row) for the plain data lines of a delimited table;
     * the per-line special cases (clock times, catman fill values, the
     * Deben sentinel row, the last line of an interrupted file) stay with
     * the general path below. */
    signed char role[CIN_MAXCOL];
    memset(role, -1, sizeof role);
    for (int r = 0; r < CURVE_NROLES; r++)
        if (ti->pick[r] >= 0)
            role[ti->pick[r]] = (signed char)r;
    /* (the crosshead beside an extensometer is read the general way) */
    bool fast = (t->delim == ',' || t->delim == ';' || t->delim == '\t') && t->delim != dec &&
                !t->clock_time && !t->catman && ti->xhead < 0;
    if (t->end > t->data && (rc = curve_reserve(c, t->end - t->data)))
        goto out;
    int nthr = o && o->table_threads > 1 ? o->table_threads : 1;
    if (nthr > POOL_MAX_THREADS)
        nthr = POOL_MAX_THREADS;
    ti->threads = nthr;
    size_t par_next =
        fast && nthr > 1 && t->end - t->data >= PAR_MIN_LINES ? t->data : SIZE_MAX;
    size_t rel_next = t->data + 65536;
    for (size_t li = t->data; li < t->end; li++) {
        if (release && li >= rel_next) {
            bigmem_release(&text_done, s->lines[li - 1].s);
            bigmem_release(&table_done, (const char *)&s->lines[li - 1]);
            rel_next = li + 65536;
        }
        if (li == par_next) {
            size_t wend = t->end - li > PAR_WINDOW ? li + PAR_WINDOW : t->end;
            size_t stop = par_window(s, t, dec, role, need, c, li, wend, nthr);
            if (stop > li) {
                c->n += stop - li;
                ti->rows += stop - li;
                ti->last_line = stop - 1;
            }
            par_next = t->end - wend >= PAR_MIN_LINES ? wend : SIZE_MAX;
            if (stop == wend) {
                li = wend - 1; /* the loop's li++ goes on at wend */
                continue;
            }
            li = stop; /* this line, and the rest of the window, the sequential way */
        }
        const cin_line *l = &s->lines[li];
        if (t->stop_at_hash && l->s[0] == '#')
            break;
        if (cin_blank(l)) {
            if (t->stop_at_blank && ti->rows > 0)
                break;
            continue;
        }
        double v[CURVE_NROLES];
        if (fast && fast_line(s, t, li, dec, role, need, v)) {
            curve_push_reserved(c, v);
            ti->rows++;
            ti->last_line = li;
            continue;
        }
        bool last = li + 1 == s->nlines ||
                    (li + 1 < t->end && t->stop_at_hash && s->lines[li + 1].s[0] == '#');
        rc = cin_split(l, t->delim, &row);
        if (rc)
            goto out;
        if (row_empty(&row)) {
            if (t->stop_at_blank && ti->rows > 0)
                break;
            continue;
        }
        if (t->flag_col1 && (size_t)t->flag_col1 <= row.n && row.f[t->flag_col1 - 1].s[0]) {
            if (!flagged++)
                flagged_line = l->no;
            continue; /* an invalid sample, recorded as such by the driver */
        }
        if (row.n < need) {
            if (li + 1 == s->nlines && !s->final_newline) {
                curve_note(c,
                           "line %ld: incomplete last line (no line end, %zu of %zu "
                           "fields) dropped",
                           (long)l->no, row.n, need);
                break;
            }
            rigor_diag_set(diag, s->name, l->no, (long)l->len + 1,
                         "expected %zu fields (column '%s'), found %zu", need,
                         ti->col[need - 1].full, row.n);
            rc = RIGOR_EPARSE;
            goto out;
        }
        bool partial = false, invalid = false;
        int gap_role = -1; /* an empty strain/extension cell, judged after the force */
        size_t row_gaps = 0;
        for (int r = 0; r < CURVE_NROLES && !invalid; r++) {
            v[r] = NAN;
            int i = ti->pick[r];
            if (i < 0)
                continue;
            const cin_field *f = &row.f[i];
            if (r == CURVE_TIME && t->clock_time) {
                double sec;
                if (!cin_parse_clock(f->s, &sec)) {
                    rigor_diag_set(diag, s->name, l->no, f->col,
                                 "expected a clock time HH:MM:SS:mmm in column '%s', found "
                                 "'%.40s'",
                                 ti->col[i].full, f->s);
                    rc = RIGOR_EPARSE;
                    goto out;
                }
                if (isnan(clock0))
                    clock0 = sec;
                if (!isnan(clock_prev) && sec + clock_add < clock_prev - 43200)
                    clock_add += 86400; /* past midnight */
                clock_prev = sec + clock_add;
                v[r] = clock_prev - clock0;
                continue;
            }
            bool multi = false;
            cin_numst st = cin_num(f->s, dec, f->quoted, &v[r], &multi);
            if (st == NUM_OK) {
                had_num[r] = true;
                if (gap_at[r] && (r == CURVE_STRAIN || r == CURVE_EXT)) {
                    /* numbers again after the empty cells: a dropout in
                     * the data, not a removed extensometer */
                    rigor_diag_set(diag, s->name, gap_at[r], gap_atcol[r],
                                   "expected a number in column '%s', found an empty cell "
                                   "(the column has numbers again at line %ld: a gap in the "
                                   "data, not an extensometer removal)",
                                   ti->col[i].full, (long)l->no);
                    rc = RIGOR_EPARSE;
                    goto out;
                }
                if (multi && !multi_seen) {
                    multi_seen = true;
                    multi_line = l->no;
                    cin_copy(multi_text, sizeof multi_text, f->s);
                }
                if (t->catman && v[r] == -1000000.0) {
                    sentinel_cells++;
                    v[r] = NAN;
                }
                continue;
            }
            if (st == NUM_EMPTY && last && !s->final_newline) {
                partial = true;
                continue;
            }
            if (st == NUM_EMPTY && r == CURVE_EXT && t->stop_at_hash) {
                v[r] = NAN; /* a Rigor run without extensometer reading */
                continue;
            }
            if (st == NUM_EMPTY && (r == CURVE_STRAIN || r == CURVE_EXT) &&
                (had_num[r] || ti->rows > 0)) {
                /* (rows read by the fast path had a number in every cell) */
                if (gap_role < 0)
                    gap_role = r; /* NaN when the force of this row is a number (below) */
                if (!gap_at[r]) {
                    gap_at[r] = l->no;
                    gap_atcol[r] = f->col;
                    /* every later row the general way, so a number after
                     * the gap is seen (above) */
                    fast = false;
                    par_next = SIZE_MAX;
                }
                row_gaps++;
                continue;
            }
            if (st == NUM_NONFINITE && t->skip_nonfinite) {
                /* A NaN reply recorded during a run: this row is invalid,
                 * the rest of the run is not. */
                if (!bad_rows++) {
                    bad_line = l->no;
                    snprintf(bad_what, sizeof bad_what, "column '%s' is '%.20s'",
                             ti->col[i].full, f->s);
                }
                invalid = true;
                break;
            }
            if (st == NUM_EMPTY)
                rigor_diag_set(diag, s->name, l->no, f->col,
                             "expected a number in column '%s', found an empty cell",
                             ti->col[i].full);
            else if (st == NUM_NONFINITE)
                rigor_diag_set(diag, s->name, l->no, f->col,
                             "expected a finite number in column '%s', found '%.40s' (NaN or "
                             "infinity is not a measurement)",
                             ti->col[i].full, f->s);
            else
                rigor_diag_set(diag, s->name, l->no, f->col,
                             "expected a number in column '%s', found '%.40s'", ti->col[i].full,
                             f->s);
            rc = RIGOR_EPARSE;
            goto out;
        }
        if (invalid) {
            invalid = false;
            continue;
        }
        if (gap_role >= 0 && !partial) {
            int fr = ti->pick[CURVE_FORCE] >= 0 ? CURVE_FORCE : CURVE_STRESS;
            const cin_field *g = &row.f[ti->pick[gap_role]];
            if (!isfinite(v[fr])) {
                rigor_diag_set(diag, s->name, l->no, g->col,
                               "expected a number in column '%s', found an empty cell (and no "
                               "%s in this row to go on with)",
                               ti->col[ti->pick[gap_role]].full, csvin_role_name(fr));
                rc = RIGOR_EPARSE;
                goto out;
            }
            if (!gap_cells) {
                gap_line = l->no;
                cin_copy(gap_col, sizeof gap_col, ti->col[ti->pick[gap_role]].full);
            }
            gap_cells += row_gaps;
        }
        if (partial) {
            curve_note(c, "line %ld: incomplete last line (no line end) dropped", (long)l->no);
            break;
        }
        if (t->sentinel_row && li + 1 >= t->end) {
            /* Deben: a final row of zeros with code 1 ends the file. */
            bool zeros = true;
            for (int r = 0; r < CURVE_NROLES; r++)
                if (ti->pick[r] >= 0 && v[r] != 0)
                    zeros = false;
            if (zeros) {
                curve_note(c, "line %ld: end-of-test sentinel row '%s' dropped", (long)l->no,
                           l->s);
                continue;
            }
        }
        rc = curve_append(c, v);
        if (rc)
            goto out;
        if (ti->xhead >= 0 && (size_t)ti->xhead < row.n) {
            const cin_field *f = &row.f[ti->xhead];
            double xv;
            bool m2;
            if (cin_num(f->s, dec, f->quoted, &xv, &m2) == NUM_OK)
                c->xhead[c->n - 1] = xv;
        }
        ti->rows++;
        ti->last_line = li;
    }
    if (gap_cells)
        curve_note(c,
                   "column '%s' is empty from line %ld on while the force goes on (%zu empty "
                   "strain/extension cell%s read as missing): an extensometer removed or "
                   "stopped mid-test",
                   gap_col, gap_line, gap_cells, gap_cells == 1 ? "" : "s");
    if (bad_rows)
        curve_note(c,
                   "WARNING: %zu invalid row%s skipped (a non-finite value, e.g. a NaN reply "
                   "recorded during the test): first at line %ld, %s",
                   bad_rows, bad_rows == 1 ? "" : "s", bad_line, bad_what);
    if (ti->rows == 0) {
        rigor_diag_set(diag, s->name, nl->no, 1,
                     "expected data rows after the column names, found none");
        rc = RIGOR_ENODATA;
        goto out;
    }
    if (flagged)
        curve_note(c,
                   "%zu samples marked invalid by the driver (column 'invalid', first at line "
                   "%ld) were skipped",
                   flagged, flagged_line);
    if (multi_seen)
        curve_note(c,
                   "values with several commas (first '%s' at line %ld) were read with the "
                   "last comma as the decimal point; this looks like a thousands-separator "
                   "round trip, check the data",
                   multi_text, multi_line);
    if (sentinel_cells)
        curve_note(c, "%zu cells held the catman fill value -1000000 and were read as missing",
                   sentinel_cells);

    /* Units: convert to SI; state assumptions where the file has none. */
    for (int r = 0; r < CURVE_NROLES; r++) {
        int i = ti->pick[r];
        if (i < 0)
            continue;
        cin_col *col = &ti->col[i];
        double *a = c->ch[r];
        double scale = col->scale;
        if (!col->unit[0]) {
            double mx = 0;
            for (size_t k = 0; k < c->n; k++)
                if (isfinite(a[k]) && fabs(a[k]) > mx)
                    mx = fabs(a[k]);
            const char *assumed = "";
            switch (r) {
            case CURVE_TIME: assumed = "s"; break;
            case CURVE_FORCE: assumed = "N"; break;
            case CURVE_EXT:
                assumed = mx >= 0.5 ? "mm" : "m";
                scale = mx >= 0.5 ? 1e-3 : 1;
                break;
            case CURVE_STRAIN:
                assumed = strchr(col->full, '%') ? "%" : "ratio";
                scale = strchr(col->full, '%') ? 0.01 : 1;
                break;
            case CURVE_STRESS:
                assumed = mx < 1e4 ? "MPa" : "Pa";
                scale = mx < 1e4 ? 1e6 : 1;
                break;
            }
            if (!(t->point_is_time && r == CURVE_TIME) && !(t->clock_time && r == CURVE_TIME))
                curve_note(c, "%s column '%s' has no unit; assumed %s (largest value %g)",
                           csvin_role_name(r), col->full, assumed, mx);
            cin_copy(c->colunit[r], sizeof c->colunit[r], "");
            col->scale = scale;
        }
        if (scale != 1)
            for (size_t k = 0; k < c->n; k++)
                a[k] *= scale;
    }
    if (ti->xhead >= 0 && ti->col[ti->xhead].scale != 1)
        for (size_t k = 0; k < c->n; k++)
            c->xhead[k] *= ti->col[ti->xhead].scale;
out:
    cin_row_free(&row);
    return rc;
}
