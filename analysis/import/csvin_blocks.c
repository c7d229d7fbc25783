/* csvin_blocks.c — files built of several "names row + units row + numbers"
 * blocks.
 *
 * MTS 793 / TestSuite .dat exports and Shimadzu Trapezium CSV hold an
 * operator/geometry block (one row of values), one or more short
 * peak/valley or results blocks, then the timed data, each block with its own
 * names and units rows. The timed data is the block that has a force (or
 * stress) and an extension (or strain) column and the most rows; the other
 * blocks become metadata (geometry from their keys, vendor results from
 * theirs). A block is scanned only while it is short (CIN_SHORT_BLOCK
 * rows): a long block is the data, and the scan stops there, so a plain
 * one-table file of 10^7 rows costs nothing extra.
 */
#include "csvin_priv.h"

#include "../../common/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CIN_SHORT_BLOCK 50

/* Has the names row (with its units row) a force/stress and an
 * extension/strain column? */
static bool block_roles(const cin_src *s, const cin_found *f, cin_row *row)
{
    cin_row urow = {0};
    bool have_u = f->units >= 0 && !cin_split(&s->lines[f->units], f->delim, &urow);
    bool fo = false, x = false;
    if (cin_split(&s->lines[f->names], f->delim, row) == RIGOR_OK) {
        for (size_t i = 0; i < row->n && i < CIN_MAXCOL; i++) {
            cin_col c;
            memset(&c, 0, sizeof c);
            cin_split_name_unit(row->f[i].s, c.name, sizeof c.name, c.unit, sizeof c.unit);
            if (have_u && i < urow.n && urow.f[i].s[0]) {
                char u[40];
                cin_copy(u, sizeof u, urow.f[i].s);
                size_t ul = strlen(u);
                if (ul >= 2 && u[0] == '(' && u[ul - 1] == ')') {
                    u[ul - 1] = '\0';
                    memmove(u, u + 1, ul - 1);
                }
                cin_copy(c.unit, sizeof c.unit, u);
            }
            unit_info ui = {0};
            bool hu = c.unit[0] && units_parse(c.unit, &ui);
            if (c.unit[0] && !hu)
                continue;
            int prio, r = cin_classify(&c, &ui, hu, &prio);
            fo |= r == CURVE_FORCE || r == CURVE_STRESS;
            x |= r == CURVE_EXT || r == CURVE_STRAIN;
        }
    }
    cin_row_free(&urow);
    return fo && x;
}

size_t cin_find_blocks(const cin_src *s, const cin_found *first, cin_block *b, size_t max,
                       cin_row *row)
{
    size_t n = 0;
    cin_found cur = *first;
    while (n < max) {
        cin_block *k = &b[n++];
        k->f = cur;
        k->rows = 0;
        size_t i = cur.data;
        while (i < s->nlines && k->rows <= CIN_SHORT_BLOCK) {
            if (cin_blank(&s->lines[i])) {
                /* a blank line ends a short block when no number follows */
                if (!cin_numeric_row(s, i + 1, cur.delim, row))
                    break;
                i++;
                continue;
            }
            if (!cin_numeric_row(s, i, cur.delim, row))
                break;
            k->rows++;
            i++;
        }
        k->end = i;
        k->roles = block_roles(s, &cur, row);
        if (k->rows > CIN_SHORT_BLOCK) {
            k->end = s->nlines; /* a long block: the data, the scan stops */
            break;
        }
        /* one file, one delimiter: the first block's (a names row with spaces
         * would otherwise be guessed space-delimited) */
        if (!cin_find_table(s, i, s->nlines, first->delim, &cur, row))
            break;
    }
    return n;
}

size_t cin_pick_data_block(const cin_block *b, size_t n)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (b[i].roles && (best == SIZE_MAX || b[i].rows > b[best].rows))
            best = i;
    return best == SIZE_MAX ? 0 : best;
}

/* A peak column of a peak/valley block: a peak word in its name (the valley
 * columns have none). */
static bool peak_name(const char *name)
{
    char low[160];
    cin_lower(low, sizeof low, name);
    static const char *const w[] = {"peak", "spitze", "crête", "crete", "pic ", "pico", "picco",
                                    "szczyt", "ピーク", "峰值"};
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strstr(low, w[i]))
            return true;
    return false;
}

/* The largest value of each peak force / peak stress column of block b
 * (all its rows), as the metadata CIN_PEAK_FORCE_KEY / CIN_PEAK_STRESS_KEY:
 * the largest peak of a cyclic or multi-stage test is its maximum force.
 * The block's decimal separator: a comma when its numbers have commas and
 * no points. */
static void block_peaks(curve *c, const cin_src *s, const cin_block *b, const cin_row *nrow,
                        const cin_row *urow, cin_row *row)
{
    bool comma = false, point = false;
    for (size_t li = b->f.data; li < b->end; li++) {
        comma |= strchr(s->lines[li].s, ',') != NULL && b->f.delim != ',';
        point |= strchr(s->lines[li].s, '.') != NULL;
    }
    char dec = comma && !point ? ',' : '.';
    bool done_force = false, done_stress = false;
    for (size_t i = 0; i < nrow->n && i < CIN_MAXCOL; i++) {
        cin_col col;
        memset(&col, 0, sizeof col);
        cin_split_name_unit(nrow->f[i].s, col.name, sizeof col.name, col.unit, sizeof col.unit);
        if (i < urow->n && urow->f[i].s[0]) {
            cin_copy(col.unit, sizeof col.unit, urow->f[i].s);
            size_t ul = strlen(col.unit);
            if (ul >= 2 && col.unit[0] == '(' && col.unit[ul - 1] == ')') {
                col.unit[ul - 1] = '\0';
                memmove(col.unit, col.unit + 1, ul - 1);
            }
        }
        unit_info ui;
        if (!peak_name(col.name) || !units_parse(col.unit, &ui))
            continue;
        bool force = ui.dim == DIM_FORCE, stress = ui.dim == DIM_STRESS;
        if (!(force && !done_force) && !(stress && !done_stress))
            continue;
        double mx = -INFINITY;
        size_t np = 0;
        for (size_t li = b->f.data; li < b->end; li++) {
            double x;
            if (cin_blank(&s->lines[li]) || cin_split(&s->lines[li], b->f.delim, row) ||
                i >= row->n || cin_num(row->f[i].s, dec, false, &x, NULL) != NUM_OK)
                continue;
            np++;
            if (x > mx)
                mx = x;
        }
        if (!np)
            continue;
        char val[40];
        snprintf(val, sizeof val, "%.10g", mx);
        curve_meta_add(c, force ? CIN_PEAK_FORCE_KEY : CIN_PEAK_STRESS_KEY, val, col.unit);
        curve_note(c, "peak block at line %ld: the largest of the %zu values of '%s' (%s %s) "
                      "gives the vendor's maximum %s where the file states none",
                   (long)s->lines[b->f.names].no, np, nrow->f[i].s, val, col.unit,
                   force ? "force" : "stress");
        done_force |= force;
        done_stress |= stress;
    }
}

void cin_block_meta(curve *c, const cin_src *s, const cin_block *b, cin_row *row)
{
    cin_row nrow = {0}, urow = {0};
    if (cin_split(&s->lines[b->f.names], b->f.delim, &nrow) ||
        (b->f.units >= 0 && cin_split(&s->lines[b->f.units], b->f.delim, &urow)))
        goto out;
    size_t k = 0;
    for (size_t li = b->f.data; li < b->end && k < 20; li++) {
        if (cin_blank(&s->lines[li]) || cin_split(&s->lines[li], b->f.delim, row))
            continue;
        k++;
        for (size_t i = 0; i < nrow.n && i < row->n; i++) {
            if (!nrow.f[i].s[0] || !row->f[i].s[0])
                continue;
            char name[128], unit[32], key[160];
            cin_split_name_unit(nrow.f[i].s, name, sizeof name, unit, sizeof unit);
            if (b->f.units >= 0 && i < urow.n && urow.f[i].s[0]) {
                cin_copy(unit, sizeof unit, urow.f[i].s);
                size_t ul = strlen(unit);
                if (ul >= 2 && unit[0] == '(' && unit[ul - 1] == ')') {
                    unit[ul - 1] = '\0';
                    memmove(unit, unit + 1, ul - 1);
                }
            }
            if (b->rows > 1)
                snprintf(key, sizeof key, "%s [row %zu]", name, k);
            else
                snprintf(key, sizeof key, "%s", name);
            curve_meta_add(c, key, row->f[i].s, unit);
            if (k == 1)
                cin_geom_key(c, name, row->f[i].s, unit, '.');
        }
    }
    block_peaks(c, s, b, &nrow, &urow, row);
out:
    cin_row_free(&nrow);
    cin_row_free(&urow);
}
