/* csvin_table.c — one table of a text export into one curve.
 *
 * A table is a row of column names, an optional row of units and data rows.
 * Each column gets a role (time, extension, force, strain, stress) from its
 * name in English, German or French, checked against its unit: a column
 * named "_Strain1" with unit "mm" is a length, not a strain. When several
 * columns could take a role, the most specific name wins (an extensometer's
 * "Extension" or "Standard travel" before a crosshead "Position") and a note
 * says which was chosen and why; --column ROLE=NAME overrides. Units come
 * from the units row, from the name ("Force [kN]", "Load (N)", "time_s") or,
 * when absent, from a stated assumption. The data rows are read and
 * converted to SI once, in csvin_rows.c; strain in % is divided by 100.
 */
#include "csvin_priv.h"

#include "../../common/bigmem.h"
#include "../../common/pool.h"
#include "../../common/units.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = 0;
    while (s[k] == ' ' || s[k] == '\t')
        k++;
    if (k)
        memmove(s, s + k, n - k + 1);
}

void cin_split_name_unit(const char *cell, char *name, size_t nn, char *unit, size_t un)
{
    cin_copy(name, nn, cell);
    trim(name);
    unit[0] = '\0';
    size_t n = strlen(name);
    if (n == 0)
        return;
    /* "Name [unit]", "Name (unit)", "Name <unit>": the last bracket group,
     * kept as a unit only when it parses as one. */
    char close = name[n - 1];
    char open = close == ']' ? '[' : close == ')' ? '(' : close == '>' ? '<' : 0;
    if (open) {
        char *o = strrchr(name, open);
        if (o && o > name) {
            char u[64];
            size_t ul = (size_t)(name + n - 1 - (o + 1));
            if (ul < sizeof u) {
                memcpy(u, o + 1, ul);
                u[ul] = '\0';
                trim(u);
                unit_info ui;
                bool token = ul > 0 && ul <= 8 && !strchr(u, ' ');
                if (units_parse(u, &ui) || open == '[' || open == '<' || token) {
                    snprintf(unit, un, "%s", u);
                    *o = '\0';
                    trim(name);
                    return;
                }
            }
        }
    }
    /* "time_s", "force_N", "system_displacement_mm". */
    char *us = strrchr(name, '_');
    if (us && us > name && us[1]) {
        unit_info ui;
        if (units_parse(us + 1, &ui) && ui.dim != DIM_RATIO) {
            snprintf(unit, un, "%s", us + 1);
            *us = '\0';
            return;
        }
    }
}

static void set_why(cin_col *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(cin_col *c, const char *fmt, ...)
{
    char tmp[sizeof c->why];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    cin_copy(c->why, sizeof c->why, tmp);
}

static char dec_vote(const char *f)
{
    const char *p = f;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0, commas = 0, points = 0;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == ',')
            commas++;
        else if (*p == '.')
            points++;
        else if ((*p == 'e' || *p == 'E') && digits)
            break;
        else
            return 0;
    }
    if (!digits || (commas && points))
        return 0;
    return commas ? ',' : points == 1 ? '.' : 0;
}

static int find_override(const cin_tinfo *ti, const char *want)
{
    for (int i = 0; i < ti->ncol; i++)
        if (!strcasecmp(ti->col[i].name, want) || !strcasecmp(ti->col[i].full, want))
            return i;
    return -1;
}

static void list_columns(const cin_tinfo *ti, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t k = 0;
    for (int i = 0; i < ti->ncol && k + 4 < n; i++) {
        if (!ti->col[i].full[0])
            continue;
        int w = snprintf(buf + k, n - k, "%s'%s'", k ? ", " : "", ti->col[i].full);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (!k)
        snprintf(buf, n, "(none)");
}

int cin_read_table(const cin_src *s, const cin_tspec *t, const csvin_opts *o, curve *c,
                   cin_tinfo *ti, rigor_diag *diag)
{
    memset(ti, 0, sizeof *ti);
    ti->xhead = -1;
    ti->wchg = -1;
    for (int r = 0; r < CURVE_NROLES; r++)
        ti->pick[r] = -1;
    ti->delim = t->delim;
    cin_row row = {0}, urow = {0};
    int rc = RIGOR_OK;
    const cin_line *nl = &s->lines[t->names];

    rc = cin_split(nl, t->delim, &row);
    if (rc)
        goto out;
    size_t nc = cin_row_used(&row);
    if (t->positional) {
        /* --columns: the layout replaces the names row. */
        static const char *const si[CURVE_NROLES] = {"s", "m", "N", "1", "Pa"};
        if (nc < (size_t)o->npos) {
            rigor_diag_set(diag, s->name, nl->no, 1,
                           "--columns declares %d columns, the first data line has %zu",
                           o->npos, nc);
            rc = RIGOR_EPARSE;
            goto out;
        }
        ti->ncol = o->npos;
        for (int i = 0; i < o->npos; i++) {
            cin_col *col = &ti->col[i];
            const csvin_pos *p = &o->pos[i];
            col->role = -1;
            col->scale = 1;
            const char *u = p->unit[0] ? p->unit : p->role >= 0 ? si[p->role] : "";
            snprintf(col->name, sizeof col->name, "%s", p->role >= 0 ? csvin_role_name(p->role)
                                                                   : "skip");
            cin_copy(col->unit, sizeof col->unit, u);
            snprintf(col->full, sizeof col->full, "column %d", i + 1);
        }
    }
    if (nc > CIN_MAXCOL) {
        rigor_diag_set(diag, s->name, nl->no, 0, "%zu columns; at most %d are supported", nc,
                     CIN_MAXCOL);
        rc = RIGOR_EUNSUPPORTED;
        goto out;
    }
    if (t->units >= 0) {
        rc = cin_split(&s->lines[t->units], t->delim, &urow);
        if (rc)
            goto out;
    }
    if (!t->positional)
        ti->ncol = (int)nc;
    for (size_t i = 0; i < nc && !t->positional; i++) {
        cin_col *col = &ti->col[i];
        col->role = -1;
        col->scale = 1;
        cin_copy(col->full, sizeof col->full, row.f[i].s);
        cin_split_name_unit(row.f[i].s, col->name, sizeof col->name, col->unit,
                            sizeof col->unit);
        if (t->units >= 0 && i < urow.n && urow.f[i].s[0]) {
            char u[64];
            cin_copy(u, sizeof u, urow.f[i].s);
            trim(u);
            /* "(s)" -> "s" */
            size_t ul = strlen(u);
            if (ul >= 2 && u[0] == '(' && u[ul - 1] == ')') {
                u[ul - 1] = '\0';
                memmove(u, u + 1, ul - 1);
            }
            cin_copy(col->unit, sizeof col->unit, u);
        }
    }

    /* First data row: which columns hold text. */
    size_t first = t->data;
    while (first < t->end &&
           (cin_blank(&s->lines[first]) || (t->stop_at_hash && s->lines[first].s[0] == '#')))
        first++;
    if (first < t->end) {
        rc = cin_split(&s->lines[first], t->delim, &row);
        if (rc)
            goto out;
        for (int i = 0; i < ti->ncol && (size_t)i < row.n; i++) {
            double v;
            cin_numst st = cin_num(row.f[i].s, t->dec ? t->dec : '.', true, &v, NULL);
            if (st == NUM_BAD) {
                cin_numst st2 = cin_num(row.f[i].s, ',', true, &v, NULL);
                double cs;
                if (st2 != NUM_OK && !(t->clock_time && cin_parse_clock(row.f[i].s, &cs)))
                    ti->col[i].text = true;
            }
        }
    }

    /* Decimal separator: from the data when not given. */
    char dec = t->dec;
    if (!dec) {
        if (t->delim == ',') {
            /* Only quoted cells can hold a comma here: "0,5" (not followed
             * by three digits) is a decimal comma, as some European
             * exports quote every value. */
            dec = '.';
            for (size_t i = first; i < t->end && i < first + 200 && dec == '.'; i++) {
                if (cin_split(&s->lines[i], t->delim, &row)) {
                    rc = RIGOR_ENOMEM;
                    goto out;
                }
                for (size_t k = 0; k < row.n; k++) {
                    const char *cm = row.f[k].quoted ? strchr(row.f[k].s, ',') : NULL;
                    if (cm && !strchr(row.f[k].s, '.') && dec_vote(row.f[k].s) == ',' &&
                        !(isdigit((unsigned char)cm[1]) && isdigit((unsigned char)cm[2]) &&
                          isdigit((unsigned char)cm[3]) && !cm[4]))
                        dec = ',';
                }
            }
        } else {
            /* Vote over the numeric-looking cells of all data rows: "0,5"
             * for a comma, "0.5" for a point; text cells do not vote. A
             * cell with several commas ("2,110,637") votes comma. */
            size_t ncomma = 0, ndot = 0;
            for (size_t i = first; i < t->end; i++) {
                if (t->stop_at_hash && s->lines[i].s[0] == '#')
                    break;
                if (cin_split(&s->lines[i], t->delim, &row)) {
                    rc = RIGOR_ENOMEM;
                    goto out;
                }
                for (size_t k = 0; k < row.n; k++) {
                    char v = dec_vote(row.f[k].s);
                    ncomma += v == ',';
                    ndot += v == '.';
                }
            }
            dec = ncomma > ndot ? ',' : '.';
            if (ncomma && ndot)
                curve_note(c,
                           "decimal separator: %zu cells look like decimal commas and %zu "
                           "like decimal points; read as %s",
                           ncomma, ndot, dec == ',' ? "comma" : "point");
        }
    }
    ti->dec = dec;

    /* Roles. */
    int prio[CIN_MAXCOL];
    for (int i = 0; i < ti->ncol; i++) {
        cin_col *col = &ti->col[i];
        unit_info ui = {0};
        bool has_unit = col->unit[0] && units_parse(col->unit, &ui);
        prio[i] = -1;
        if (col->text) {
            set_why(col, "holds text");
            continue;
        }
        if (!col->name[0])
            continue;
        if (col->unit[0] && !has_unit) {
            set_why(col, "unit '%s' is not a test quantity", col->unit);
            continue;
        }
        /* A width change in a length unit is kept beside the roles
         * (curve.width_change, for the r value), never one of them. */
        if (!t->positional && cin_is_width_change(col->name)) {
            if (has_unit && ui.dim == DIM_LENGTH && ti->wchg < 0) {
                ti->wchg = i;
                col->scale = ui.scale;
                set_why(col, "width change: kept as curve.width_change (r value, ISO 10113), "
                             "never the extension");
            } else
                set_why(col, "width change not used: %s",
                        ti->wchg >= 0 ? "another width-change column came first"
                                      : "not in a length unit");
            continue;
        }
        int p;
        int r = cin_classify(col, &ui, has_unit, &p);
        if (t->positional) {
            r = o->pos[i].role;
            p = 100;
            set_why(col, "--columns");
        }
        if (t->point_is_time && !strcasecmp(col->name, "Point")) {
            r = CURVE_TIME;
            p = 1;
            set_why(col, "Deben 'Point' is the sample time in s");
        }
        if (r < 0)
            continue;
        col->role = r;
        prio[i] = p;
        if (has_unit) {
            col->scale = ui.scale;
            if (ui.dim == DIM_MASS && r == CURVE_FORCE)
                col->scale = ui.scale * 9.80665; /* g -> gf in N */
        }
    }
    for (int r = 0; r < CURVE_NROLES; r++) {
        if (o && o->column[r] && !t->positional) {
            int i = find_override(ti, o->column[r]);
            if (i < 0) {
                char cols[400];
                list_columns(ti, cols, sizeof cols);
                rigor_diag_set(diag, s->name, nl->no, 1,
                             "--column %s=%s: no such column; columns are %s", csvin_role_name(r),
                             o->column[r], cols);
                rc = RIGOR_EINVAL;
                goto out;
            }
            ti->pick[r] = i;
            set_why(&ti->col[i], "--column %s", csvin_role_name(r));
            continue;
        }
        int best = -1;
        for (int i = 0; i < ti->ncol; i++)
            if (ti->col[i].role == r && (best < 0 || prio[i] > prio[best]))
                best = i;
        ti->pick[r] = best;
    }
    /* A column picked by an override is not also used for another role. */
    for (int r = 0; r < CURVE_NROLES; r++)
        for (int q = 0; q < CURVE_NROLES; q++)
            if (q != r && ti->pick[q] >= 0 && ti->pick[q] == ti->pick[r] && o && !t->positional && o->column[r] &&
                !o->column[q])
                ti->pick[q] = -1;
    for (int r = 0; r < CURVE_NROLES; r++) {
        int i = ti->pick[r];
        if (i < 0)
            continue;
        cin_col *col = &ti->col[i];
        if (o && !t->positional && o->column[r]) {
            unit_info ui;
            if (col->unit[0] && units_parse(col->unit, &ui)) {
                if (ui.dim != cin_role_dim[r] && !(r == CURVE_FORCE && ui.dim == DIM_MASS)) {
                    rigor_diag_set(diag, s->name, nl->no, row.n > (size_t)i ? 0 : 0,
                                 "--column %s=%s: its unit '%s' is %s, expected %s",
                                 csvin_role_name(r), o->column[r], col->unit, units_dim_name(ui.dim),
                                 units_dim_name(cin_role_dim[r]));
                    rc = RIGOR_EUNIT;
                    goto out;
                }
                col->scale = ui.scale * (ui.dim == DIM_MASS ? 9.80665 : 1);
            }
            col->role = r;
        }
        /* Say when the choice was not the only one. */
        char others[300] = "";
        size_t k = 0;
        for (int j = 0; j < ti->ncol; j++)
            if (j != i && ti->col[j].role == r && k + 4 < sizeof others) {
                int w = snprintf(others + k, sizeof others - k, "%s'%s'", k ? ", " : "",
                                 ti->col[j].full);
                if (w > 0)
                    k += (size_t)w;
            }
        if (k && !(o && o->column[r]))
            curve_note(
                c, "%s: chose column '%s' over %s (%s)", csvin_role_name(r), col->full, others,
                col->extenso     ? "extensometer before crosshead, ISO 6892-1 cl. 10; "
                                   "--column to change"
                : r == CURVE_EXT ? "extensometer-type names before displacement before "
                                   "crosshead position; --column ext=NAME to change"
                                 : "more specific name or stated unit; --column to change");
        if (col->setpoint && !(o && o->column[r]))
            curve_note(c,
                       "WARNING: %s taken from the setpoint/command column '%s' (the "
                       "controller's demand): the file has no measured %s column",
                       csvin_role_name(r), col->full, csvin_role_name(r));
        cin_copy(c->colname[r], sizeof c->colname[r], col->name);
        cin_copy(c->colunit[r], sizeof c->colunit[r], col->unit);
        rc = curve_add_channel(c, (curve_role)r);
        if (rc)
            goto out;
    }
    /* A crosshead beside an extensometer that took ext is kept (curve.xhead):
     * the best of the unused length columns that are neither an extensometer
     * nor a setpoint, by name priority (Standardweg before Traversenweg
     * absolut), each with its unit. */
    int we = ti->pick[CURVE_EXT];
    if (we >= 0 && ((ti->col[we].extenso && !(o && o->column[CURVE_EXT])) || t->ext_extenso))
        for (int i = 0; i < ti->ncol; i++)
            if (i != we && ti->col[i].role == CURVE_EXT && !ti->col[i].extenso &&
                !ti->col[i].setpoint && ti->col[i].unit[0] &&
                (ti->xhead < 0 || prio[i] > prio[ti->xhead]))
                ti->xhead = i;
    /* Specimens side by side (Shimadzu Trapezium's multi-specimen CSV: a
     * row of specimen names, then the same names and units repeated once
     * per specimen): the picks would take the first group's time and force
     * and another group's strain. Refused, naming the groups, rather than
     * read as one specimen made of several. */
    if (!t->positional && !(o && (o->column[CURVE_FORCE] || o->column[CURVE_EXT]))) {
        int wf = ti->pick[CURVE_FORCE];
        int wx = ti->pick[CURVE_EXT] >= 0 ? ti->pick[CURVE_EXT] : ti->pick[CURVE_TIME];
        int nf = 0, nx = 0, second = -1;
        for (int i = 0; wf >= 0 && wx >= 0 && i < ti->ncol; i++) {
            if (!strcasecmp(ti->col[i].name, ti->col[wf].name)) {
                nf++;
                if (nf == 2)
                    second = i;
            }
            nx += !strcasecmp(ti->col[i].name, ti->col[wx].name);
        }
        if (nf >= 2 && nf == nx && second > wf) {
            rigor_diag_set(diag, s->name, nl->no, 1,
                           "%d specimens side by side: the columns '%s' and '%s' repeat "
                           "every %d columns; one specimen per file (or per table) is "
                           "supported, split the file",
                           nf, ti->col[wf].full, ti->col[wx].full, second - wf);
            rc = RIGOR_EUNSUPPORTED;
            goto out;
        }
    }
    /* Columns that look like a role but were not used are roles no more. */
    for (int i = 0; i < ti->ncol; i++) {
        bool used = false;
        for (int r = 0; r < CURVE_NROLES; r++)
            used |= ti->pick[r] == i;
        if (!used && ti->col[i].role >= 0) {
            int r = ti->col[i].role, w = ti->pick[r];
            if (ti->col[i].setpoint)
                set_why(&ti->col[i],
                        "rejected: setpoint/command channel (the controller's demand, not a "
                        "measurement); the measured %s is '%s'",
                        csvin_role_name(r), w >= 0 ? ti->col[w].full : "another column");
            else if (i == ti->xhead) {
                /* The extensometer gives the strain; the crosshead beside
                 * it continues a removed gauge and judges unloads. */
                set_why(&ti->col[i],
                        "not used for ext, that is from the extensometer '%s'; kept as the "
                        "crosshead (continues a removed gauge, judges unloads)",
                        ti->col[w].full);
            } else if (w >= 0 && ti->col[w].extenso)
                set_why(&ti->col[i], "not used: %s is from the extensometer '%s'",
                        csvin_role_name(r), ti->col[w].full);
            else
                set_why(&ti->col[i], "not used (another column has role %s)",
                        csvin_role_name(r));
            ti->col[i].role = -1;
        } else if (used) {
            for (int r = 0; r < CURVE_NROLES; r++)
                if (ti->pick[r] == i)
                    ti->col[i].role = r;
        }
    }
    bool has_f = ti->pick[CURVE_FORCE] >= 0 || ti->pick[CURVE_STRESS] >= 0;
    bool has_x = ti->pick[CURVE_EXT] >= 0 || ti->pick[CURVE_STRAIN] >= 0;
    if (!has_f || !has_x) {
        char cols[400];
        list_columns(ti, cols, sizeof cols);
        rigor_diag_set(diag, s->name, nl->no, 1,
                     "not a stress-strain export: expected %s column (%s), found %s",
                     !has_f ? "a force/load or stress" : "an extension/displacement or strain",
                     !has_f ? "e.g. Force, Load, Kraft, Stress"
                            : "e.g. Extension, Position, "
                              "Weg, Strain",
                     cols);
        rc = RIGOR_EPARSE;
        goto out;
    }

    if (ti->xhead >= 0) {
        if ((rc = curve_add_xhead(c)))
            goto out;
        cin_copy(c->xhead_col, sizeof c->xhead_col, ti->col[ti->xhead].name);
    }
    if (ti->wchg >= 0) {
        if ((rc = curve_add_width_change(c)))
            goto out;
        cin_copy(c->width_change_col, sizeof c->width_change_col, ti->col[ti->wchg].name);
    }
    /* Data rows (csvin_rows.c). */
    rc = cin_read_rows(s, t, o, dec, c, ti, diag);
out:
    cin_row_free(&row);
    cin_row_free(&urow);
    return rc;
}

