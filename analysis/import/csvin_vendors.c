/* csvin_vendors.c — the format families with a reader of their own:
 * Stable Micro Systems Exponent .tab, MTS TestSuite DAQ text, Deben
 * Microtest .MTR, ZwickRoell testXpert .TRA, Instron Bluehill results
 * tables and the ETH multi-specimen blocks (docs/import.md, "Format
 * families"). The generic reader and the dispatch are in csvin_formats.c.
 */
#include "csvin_priv.h"

#include "../../common/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Exponent .tab                                                        */

int cin_rd_exponent(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                       rigor_diag *diag)
{
    if (s->nlines < 3) { /* sample, column names, units: read below by index */
        rigor_diag_set(diag, s->name, (long)s->nlines, 1,
                     "Exponent .tab export: expected a sample line, a line of column names "
                     "and a line of units before the data");
        return RIGOR_EPARSE;
    }
    curve *c;
    int rc = cin_new_curve(s, "exponent-tab", &c);
    if (rc)
        return rc;
    cin_row row = {0};
    if (!cin_split(&s->lines[0], '\t', &row) && row.n && row.f[0].s[0]) {
        cin_copy(c->specimen, sizeof c->specimen, row.f[0].s);
        curve_meta_add(c, "Sample", row.f[0].s, "");
    }
    cin_row_free(&row);
    cin_tspec t = {.names = 1,
                   .units = 2,
                   .data = 3,
                   .end = s->nlines,
                   .delim = '\t',
                   .dec = 0,
                   .grams_force = true};
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    if (!strcmp(c->colunit[CURVE_FORCE], "g"))
        curve_note(c, "force in grams-force ('g'): multiplied by 9.80665e-3 to N");
    curve_note(c, "texture analyser record: the down (loading) stroke is followed by the "
                  "return stroke");
    cin_set_info(info, "exponent-tab", &ti);
    return cin_finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* MTS TestSuite DAQ text                                               */

int cin_rd_mts(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    curve *c;
    int rc = cin_new_curve(s, "mts-daq", &c);
    if (rc)
        return rc;
    size_t i = 0;
    for (; i < s->nlines && !cin_blank(&s->lines[i]); i++) {
        const char *l = s->lines[i].s;
        const char *colon = strstr(l, ": ");
        if (!colon)
            break;
        char key[64], val[1024];
        snprintf(key, sizeof key, "%.*s", (int)(colon - l), l);
        cin_copy(val, sizeof val, colon + 2);
        size_t n = strlen(val);
        while (n && val[n - 1] == ' ')
            val[--n] = '\0';
        curve_meta_add(c, key, val, "");
        if (!strcmp(key, "Test"))
            cin_test_from_text(c, val);
    }
    cin_row row = {0};
    cin_found f;
    bool ok = cin_find_table(s, i, s->nlines, '\t', &f, &row);
    cin_row_free(&row);
    if (!ok) {
        rigor_diag_set(diag, s->name, i < s->nlines ? s->lines[i].no : 0, 0,
                     "MTS DAQ header read; expected a tab-separated names row, units row and "
                     "data, found none");
        curve_free(c);
        return RIGOR_EPARSE;
    }
    cin_tspec t = {.names = f.names,
                   .units = f.units,
                   .data = f.data,
                   .end = s->nlines,
                   .delim = '\t',
                   .dec = 0};
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    if (ti.dec == ',')
        curve_note(c, "decimal comma (European locale export)");
    if (strstr(s->name, "(Timed)"))
        curve_note(c, "MTS part: one activity of a test run that TestSuite may split over "
                      "'(Timed).txt', '(Timed)1.txt', ...; read the folder to join the parts");
    cin_set_info(info, "mts-daq", &ti);
    return cin_finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Deben Microtest .MTR                                                 */

int cin_rd_deben(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                    rigor_diag *diag)
{
    curve *c;
    int rc = cin_new_curve(s, "deben-mtr", &c);
    if (rc)
        return rc;
    size_t i = 0;
    for (; i < s->nlines; i++) {
        const char *l = s->lines[i].s;
        if (cin_starts(l, "\"Point\"") || (l[0] == '"' && strstr(l, "\",\"")))
            break;
        char buf[1024];
        cin_copy(buf, sizeof buf, l[0] == '"' ? l + 1 : l);
        size_t n = strlen(buf);
        if (n && buf[n - 1] == '"')
            buf[--n] = '\0';
        char *sep = strstr(buf, " : ");
        if (!sep)
            continue;
        *sep = '\0';
        const char *val = sep + 3;
        /* "Test duration : 174,699999999994s": number then unit. */
        char num[64] = "", unit[32] = "";
        size_t k = 0;
        while (val[k] &&
               (isdigit((unsigned char)val[k]) || val[k] == ',' || val[k] == '.' ||
                val[k] == '-') &&
               k + 1 < sizeof num) {
            num[k] = val[k];
            k++;
        }
        num[k] = '\0';
        cin_copy(unit, sizeof unit, val + k);
        if (k && unit[0] && !strchr(unit, ' ')) {
            curve_meta_add(c, buf, num, unit);
        } else {
            curve_meta_add(c, buf, val, "");
            unit[0] = '\0';
        }
        if (!strcmp(buf, "Span"))
            cin_geom_key(c, "gauge length", val, "mm", ',');
        else if (!strcmp(buf, "Width") || !strcmp(buf, "Thickness"))
            cin_geom_key(c, buf, val, "mm", ',');
        else if (!strcmp(buf, "Sample") && strcmp(val, "Default"))
            cin_copy(c->specimen, sizeof c->specimen, val);
    }
    if (i >= s->nlines) {
        rigor_diag_set(diag, s->name, 0, 0,
                     "Deben header read; expected the quoted names row "
                     "\"Point\",\"Elongation\",\"Force\",..., found none");
        curve_free(c);
        return RIGOR_EPARSE;
    }
    cin_tspec t = {.names = i,
                   .units = -1,
                   .data = i + 1,
                   .end = s->nlines,
                   .delim = ',',
                   .dec = '.',
                   .sentinel_row = true,
                   .point_is_time = true};
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    /* Deben Microtest units: mm, N; "Point" counts in seconds. */
    static const struct {
        int r;
        const char *u;
        double k;
    } du[] = {{CURVE_EXT, "mm", 1e-3}, {CURVE_FORCE, "N", 1}, {CURVE_TIME, "s", 1}};
    for (size_t k = 0; k < sizeof du / sizeof du[0]; k++) {
        int r = du[k].r;
        if (!c->ch[r] || c->colunit[r][0])
            continue;
        /* cin_read_table applied a magnitude guess: undo it, apply the
         * Deben convention. */
        int col = ti.pick[r];
        double g = col >= 0 ? ti.col[col].scale : 1;
        for (size_t j = 0; j < c->n; j++)
            c->ch[r][j] = c->ch[r][j] / g * du[k].k;
        cin_copy(c->colunit[r], sizeof c->colunit[r], du[k].u);
        if (col >= 0) {
            ti.col[col].scale = du[k].k;
            cin_copy(ti.col[col].unit, sizeof ti.col[col].unit, du[k].u);
        }
    }
    /* Drop the magnitude-guess notes: the Deben units are known. */
    size_t w = 0;
    for (size_t k = 0; k < c->nnotes; k++) {
        if (strstr(c->notes[k], "has no unit; assumed")) {
            free(c->notes[k]);
            continue;
        }
        c->notes[w++] = c->notes[k];
    }
    c->nnotes = w;
    curve_note(c, "Deben Microtest units: Elongation and Position in mm, Force in N, Point = "
                  "sample time in s");
    cin_test_from_text(c, "tensile");
    const curve_meta *cm = curve_meta_find(c, "Comment");
    if (cm)
        cin_test_from_text(c, cm->value);
    cin_set_info(info, "deben-mtr", &ti);
    return cin_finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* testXpert .TRA                                                       */

static void excel_date(double serial, char *buf, size_t n)
{
    /* Excel serial day 25569 = 1970-01-01 (with Excel's 1900 leap-year bug
     * absorbed for dates after 1900-03-01). */
    double secs = (serial - 25569.0) * 86400.0;
    time_t tt = (time_t)llround(secs);
    struct tm tm;
    if (serial > 60 && gmtime_r(&tt, &tm))
        strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
    else
        snprintf(buf, n, "%g", serial);
}

int cin_rd_tra(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    curve *c;
    int rc = cin_new_curve(s, "testxpert-tra", &c);
    if (rc)
        return rc;
    cin_row row = {0};
    cin_found f;
    char d = cin_guess_delim(s, 0, 12);
    if (d != '\t')
        d = ',';
    if (!cin_find_table(s, 0, s->nlines, d, &f, &row)) {
        cin_row_free(&row);
        curve_free(c);
        rigor_diag_set(diag, s->name, 0, 0,
                     "testXpert header read; expected quoted names and units rows followed by "
                     "data, found none");
        return RIGOR_EPARSE;
    }
    for (size_t i = 0; i < f.names; i++) {
        if (cin_split(&s->lines[i], f.delim, &row) || row.n < 1 || !row.f[0].s[0])
            continue;
        const char *key = row.f[0].s, *val = row.n > 1 ? row.f[1].s : "",
                   *unit = row.n > 2 ? row.f[2].s : "";
        curve_meta_add(c, key, val, unit);
        if (strstr(key, "Date") || strstr(key, "Datum")) {
            double v;
            if (cin_num(val, '.', false, &v, NULL) == NUM_OK) {
                char iso[32];
                excel_date(v, iso, sizeof iso);
                curve_meta_add(c, "date", iso, "local time");
            }
        } else if (!strcmp(key, "Section") || !strcmp(key, "Cross-section") ||
                   !strcmp(key, "Querschnitt")) {
            cin_geom_key(c, "area", val, unit, '.');
        } else if (strstr(key, "L0") || strstr(key, "Gage length") ||
                   strstr(key, "Messlänge")) {
            cin_geom_key(c, "gauge length", val, unit, '.');
        } else if (!strcasecmp(key, "Fmax")) {
            /* a vendor result; kept as metadata */
        } else {
            cin_geom_key(c, key, val, unit, '.');
        }
    }
    cin_row_free(&row);
    cin_tspec t = {.names = f.names,
                   .units = f.units,
                   .data = f.data,
                   .end = s->nlines,
                   .delim = f.delim,
                   .dec = 0};
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    for (size_t i = 0; i < c->nmeta; i++)
        cin_test_from_text(c, c->meta[i].key);
    cin_set_info(info, "testxpert-tra", &ti);
    return cin_finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Bluehill "Results Table" (results rows, then raw blocks)             */

int cin_rd_results_table(const cin_src *s, const csvin_opts *o, curve_list *out,
                            cin_info *info, rigor_diag *diag)
{
    char d = cin_guess_delim(s, 0, 40);
    if (!d)
        d = ',';
    cin_row row = {0}, names = {0}, units = {0};
    int rc = RIGOR_OK;
    /* The results block: a names row containing "Sample", a units row, then
     * rows that start with the specimen number. */
    long res_names = -1;
    size_t i = 1;
    size_t first_raw = s->nlines;
    for (; i < s->nlines; i++) {
        if (cin_split(&s->lines[i], d, &row))
            continue;
        bool has_time = false, has_sample = false;
        for (size_t k = 0; k < row.n; k++) {
            has_time |= !strcmp(row.f[k].s, "Time");
            has_sample |= !strcmp(row.f[k].s, "Sample");
        }
        if (has_sample && res_names < 0)
            res_names = (long)i;
        if (has_time) {
            first_raw = i;
            break;
        }
    }
    if (first_raw >= s->nlines) {
        rigor_diag_set(diag, s->name, 1, 0,
                     "Bluehill results table without raw data: expected a block starting "
                     "with a 'Time' names row");
        rc = RIGOR_ENODATA;
        goto out;
    }
    size_t ncurves = 0;
    size_t blk = first_raw;
    while (blk < s->nlines) {
        /* Specimen number from the first field of the names row. */
        if (cin_split(&s->lines[blk], d, &row)) {
            rc = RIGOR_ENOMEM;
            goto out;
        }
        char num[32];
        cin_copy(num, sizeof num, row.n ? row.f[0].s : "");
        /* The block ends at the next names row. */
        size_t end = blk + 1;
        for (; end < s->nlines; end++) {
            if (cin_split(&s->lines[end], d, &row))
                continue;
            bool t = false;
            for (size_t k = 0; k < row.n && k < 3; k++)
                t |= !strcmp(row.f[k].s, "Time");
            if (t)
                break;
        }
        curve *c;
        rc = cin_new_curve(s, "bluehill-results", &c);
        if (rc)
            goto out;
        if (num[0])
            curve_meta_add(c, "Specimen number", num, "");
        /* Results row for this specimen. */
        if (res_names >= 0 && !cin_split(&s->lines[res_names], d, &names) &&
            !cin_split(&s->lines[res_names + 1], d, &units)) {
            for (size_t r = (size_t)res_names + 2; r < first_raw; r++) {
                if (cin_split(&s->lines[r], d, &row) || row.n < 2)
                    continue;
                if (strcmp(row.f[0].s, num[0] ? num : "1") != 0)
                    continue;
                for (size_t k = 1; k < row.n && k < names.n; k++) {
                    if (!names.f[k].s[0])
                        continue;
                    char u[32] = "";
                    if (k < units.n) {
                        cin_copy(u, sizeof u, units.f[k].s);
                        size_t ul = strlen(u);
                        if (ul >= 2 && u[0] == '(' && u[ul - 1] == ')') {
                            u[ul - 1] = '\0';
                            memmove(u, u + 1, ul - 1);
                        }
                    }
                    curve_meta_add(c, names.f[k].s, row.f[k].s, u);
                    if (!strcmp(names.f[k].s, "Sample"))
                        cin_copy(c->specimen, sizeof c->specimen, row.f[k].s);
                }
            }
        }
        /* Semicolon variant: a row with one text field before the names. */
        if (!c->specimen[0] && blk > 0 && !cin_split(&s->lines[blk - 1], d, &row)) {
            size_t ne = 0, at = 0;
            for (size_t k = 0; k < row.n; k++)
                if (row.f[k].s[0]) {
                    ne++;
                    at = k;
                }
            if (ne == 1 && strcmp(row.f[at].s, "Results Table 1") != 0) {
                cin_copy(c->specimen, sizeof c->specimen, row.f[at].s);
                curve_meta_add(c, "Sample", row.f[at].s, "");
            }
        }
        long u = cin_units_row(s, blk + 1, d, &row) ? (long)(blk + 1) : -1;
        cin_tspec t = {.names = blk,
                       .units = u,
                       .data = blk + (u >= 0 ? 2 : 1),
                       .end = end,
                       .delim = d,
                       .dec = '.'};
        cin_tinfo ti;
        rc = cin_read_table(s, &t, o, c, &ti, diag);
        if (rc) {
            curve_free(c);
            goto out;
        }
        for (int r = 0; r < CURVE_NROLES; r++)
            cin_test_from_text(c, c->colname[r]);
        cin_set_info(info, "bluehill-results", &ti);
        rc = cin_finish(c, &ti, s, out);
        if (rc)
            goto out;
        ncurves++;
        blk = end;
    }
out:
    cin_row_free(&row);
    cin_row_free(&names);
    cin_row_free(&units);
    return rc;
}

/* ------------------------------------------------------------------ */
/* ETH multi-specimen ';' blocks                                        */

int cin_rd_eth(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    cin_row row = {0};
    int rc = RIGOR_OK;
    size_t start_n = out->n;
    char title[256] = "", testname[256] = "", head2[256] = "";
    if (s->nlines > 0)
        cin_copy(title, sizeof title, s->lines[0].s);
    if (s->nlines > 1)
        cin_copy(head2, sizeof head2, s->lines[1].s);
    /* Line 2 names the test ("Compressive strength (38 d);22.10.2019;...")
     * unless it starts with a number (a series line). */
    double num;
    if (s->nlines > 1 && !cin_split(&s->lines[1], ';', &row) && row.n &&
        cin_num(row.f[0].s, '.', false, &num, NULL) != NUM_OK)
        cin_copy(testname, sizeof testname, row.f[0].s);
    char empty_blocks[256] = "";
    size_t ke = 0;
    for (size_t i = 0; i < s->nlines; i++) {
        if (!cin_starts(s->lines[i].s, "Index;"))
            continue;
        /* The specimen lines: non-blank lines above, up to a blank line or
         * the file head (first block: only the line directly above). */
        size_t p = i;
        while (p > 0 && !cin_blank(&s->lines[p - 1]))
            p--;
        bool first_block = p == 0;
        if (first_block)
            p = i > 0 ? i - 1 : i; /* no specimen line when the file starts here */
        size_t end = i + 1;
        while (end < s->nlines && !cin_blank(&s->lines[end]))
            end++;
        size_t data = i + 2;
        if (data >= end) {
            int w = snprintf(empty_blocks + ke, sizeof empty_blocks - ke, "%s line %ld",
                             ke ? "," : "", (long)s->lines[i].no);
            if (w > 0 && (size_t)w < sizeof empty_blocks - ke)
                ke += (size_t)w;
            continue;
        }
        curve *c;
        rc = cin_new_curve(s, "eth-blocks", &c);
        if (rc)
            goto out;
        curve_meta_add(c, "Title", title, "");
        curve_meta_add(c, "Header line 2", head2, "");
        if (testname[0])
            curve_meta_add(c, "Test", testname, "");
        cin_test_from_text(c, testname);
        if (p < i && !cin_split(&s->lines[p], ';', &row) && row.n)
            cin_copy(c->specimen, sizeof c->specimen, row.f[0].s);
        for (size_t k = p; k < i; k++) {
            curve_meta_add(c, "Specimen line", s->lines[k].s, "");
            if (cin_split(&s->lines[k], ';', &row))
                continue;
            size_t n = cin_row_used(&row);
            /* Concrete press specimen line: No;a;b;h;mass;density;Fmax;fc;x
             * or No;a;b;mass;density;Fmax;f;x. Fmax in kN, strength in MPa. */
            if (n == 9 || n == 8) {
                int fi = n == 9 ? 6 : 5;
                curve_meta_add(c, "Fmax", row.f[fi].s, "kN");
                curve_meta_add(c, n == 9 ? "fc" : "f", row.f[fi + 1].s, "MPa");
                if (n == 9) {
                    cin_geom_key(c, "width", row.f[1].s, "mm", '.');
                    cin_geom_key(c, "thickness", row.f[2].s, "mm", '.');
                    cin_geom_key(c, "height", row.f[3].s, "mm", '.');
                }
            }
        }
        cin_tspec t = {.names = i,
                       .units = (long)i + 1,
                       .data = data,
                       .end = end,
                       .delim = ';',
                       .dec = '.',
                       .stop_at_blank = true};
        if (strstr(s->lines[data].s, ":"))
            t.clock_time = true;
        cin_tinfo ti;
        rc = cin_read_table(s, &t, o, c, &ti, diag);
        if (rc) {
            curve_free(c);
            goto out;
        }
        if (t.clock_time)
            curve_note(c, "time column is wall-clock HH:MM:SS:mmm; converted to seconds from "
                          "the first sample");
        cin_set_info(info, "eth-blocks", &ti);
        rc = cin_finish(c, &ti, s, out);
        if (rc)
            goto out;
    }
    if (out->n == start_n) {
        rigor_diag_set(diag, s->name, 0, 0, "ETH block file without any data block");
        rc = RIGOR_ENODATA;
        goto out;
    }
    if (ke)
        curve_note(out->v[start_n], "specimen block(s) without data rows skipped at%s",
                   empty_blocks);
out:
    if (rc) {
        for (size_t k = start_n; k < out->n; k++)
            curve_free(out->v[k]);
        out->n = start_n;
    }
    cin_row_free(&row);
    return rc;
}

/* ------------------------------------------------------------------ */

