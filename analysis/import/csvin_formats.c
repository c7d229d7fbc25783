/* csvin_formats.c — recognise the format family of a file and read its
 * header: metadata, geometry, specimen ids and where the tables are.
 *
 * Detection is by content, never by file name alone (the file name only
 * adds hints such as Bluehill's ".is_comp_Exports" folder). Families, in
 * the order they are tried (docs/import.md has examples of each):
 *   rigor-run           "# rigor-run 1" header, CSV, "# end_reason:" trailer
 *   catman-tsx          "CATMAN TEST FILE" key=value companion (no data)
 *   mts-daq             "File Path:", "Test:", "Test Run:", "Date:", names, units
 *   deben-mtr           quoted "Key : value" lines, quoted names, sentinel row
 *   bluehill-results    "Results Table N": results rows then raw blocks
 *   testxpert-tra       "key",value,"unit" lines, quoted names and units rows
 *   eth-blocks          ';' blocks "Index;Element;..." one per specimen
 *   results-summary     "Property [unit],Value" (no data)
 *   exponent-tab        sample name, "Force Distance Time", "g mm sec"
 *   generic             any metadata lines, names row, optional units row:
 *                       bluehill-raw, bluehill-universal, bluehill-export,
 *                       instron-wavematrix, catman-asc or plain-csv
 *   key-value-text      "key = value unit" lines only (no data)
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

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool istarts(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

/* Copy with truncation (ids and names longer than the field are cut). */
static void copy(char *d, size_t n, const char *s)
{
    if (!n)
        return;
    size_t k = s ? strlen(s) : 0;
    if (k >= n)
        k = n - 1;
    if (k)
        memcpy(d, s, k);
    d[k] = '\0';
}

/* Fraction-of-fields test: is line i a data row (most non-empty fields
 * numbers in either decimal convention, or clock times)? */
static bool numeric_row(const cin_src *s, size_t i, char delim, cin_row *row)
{
    if (i >= s->nlines || cin_blank(&s->lines[i]))
        return false;
    if (cin_split(&s->lines[i], delim, row))
        return false;
    size_t num = 0, nonempty = 0;
    for (size_t k = 0; k < row->n; k++) {
        const char *f = row->f[k].s;
        if (!f[0])
            continue;
        nonempty++;
        double v;
        if (cin_num(f, '.', true, &v, NULL) == NUM_OK ||
            cin_num(f, ',', false, &v, NULL) == NUM_OK)
            num++;
        else {
            int h, m, sx, ms;
            /* widths bound the numbers: no int overflow (UB in sscanf) */
            if (sscanf(f, "%9d:%9d:%9d:%9d", &h, &m, &sx, &ms) == 4) // NOLINT(cert-err34-c)
                num++;
        }
    }
    return nonempty >= 2 && num * 2 > nonempty;
}

/* A units row: every non-empty field is short and none is a number. */
static bool units_row(const cin_src *s, size_t i, char delim, cin_row *row)
{
    if (i >= s->nlines || cin_blank(&s->lines[i]))
        return false;
    if (cin_split(&s->lines[i], delim, row))
        return false;
    size_t nonempty = 0;
    for (size_t k = 0; k < row->n; k++) {
        const char *f = row->f[k].s;
        if (!f[0])
            continue;
        nonempty++;
        double v;
        if (strlen(f) > 16 || cin_num(f, '.', true, &v, NULL) == NUM_OK)
            return false;
        unit_info ui;
        char u[40];
        copy(u, sizeof u, f);
        if (!units_parse(u, &ui) && !(f[0] == '(' && f[strlen(f) - 1] == ')'))
            return false;
    }
    return nonempty >= 1;
}

/* A names row: at least two non-empty fields, most of them not numbers. */
static bool names_row(const cin_src *s, size_t i, char delim, cin_row *row)
{
    if (i >= s->nlines || cin_blank(&s->lines[i]))
        return false;
    if (cin_split(&s->lines[i], delim, row))
        return false;
    size_t txt = 0, nonempty = 0;
    for (size_t k = 0; k < row->n; k++) {
        const char *f = row->f[k].s;
        if (!f[0])
            continue;
        nonempty++;
        double v;
        if (cin_num(f, '.', true, &v, NULL) != NUM_OK &&
            cin_num(f, ',', false, &v, NULL) != NUM_OK)
            txt++;
    }
    return nonempty >= 2 && txt * 2 > nonempty;
}

static int new_curve(const cin_src *s, const char *format, curve **out)
{
    int rc = curve_new(0, out);
    if (rc)
        return rc;
    copy((*out)->file, sizeof(*out)->file, s->name);
    copy((*out)->format, sizeof(*out)->format, format);
    if (s->latin1)
        curve_note(*out, "encoding: not valid UTF-8; read as Latin-1 (ISO-8859-1)");
    return RIGOR_OK;
}

static bool key_is_specimen(const char *k)
{
    return !strcasecmp(k, "Specimen ID") || !strcasecmp(k, "Specimen name") ||
           !strcasecmp(k, "Sample ID") || !strcasecmp(k, "Specimen") ||
           !strcasecmp(k, "Probenbezeichnung") || !strcasecmp(k, "Probe");
}

/* Finish one curve: checks, then hand it to the list. */
static int finish(curve *c, const cin_tinfo *ti, const cin_src *s, curve_list *out)
{
    cin_check_curve(c, ti, s);
    int rc = curve_list_push(out, c);
    if (rc)
        curve_free(c);
    return rc;
}

static void set_info(cin_info *info, const char *format, const cin_tinfo *ti)
{
    if (!info)
        return;
    if (!info->ntables) {
        copy(info->format, sizeof info->format, format);
        if (ti)
            info->table = *ti;
    }
    info->ntables++;
}

/* Read the metadata of "key<d>value<d>unit" lines [from, to). */
static void meta_lines(curve *c, const cin_src *s, size_t from, size_t to, char delim,
                       cin_row *row, bool *id_blank)
{
    for (size_t i = from; i < to; i++) {
        if (cin_blank(&s->lines[i]) || cin_split(&s->lines[i], delim, row))
            continue;
        size_t n = cin_row_used(row);
        if (n == 0)
            continue;
        const char *key = row->f[0].s;
        const char *val = n > 1 ? row->f[1].s : "";
        const char *unit = n > 2 ? row->f[2].s : "";
        char kbuf[256], vbuf[256], ubuf[64];
        const char *eq = strchr(s->lines[i].s, '=');
        if (n == 1 && eq) {
            /* "PROBENBREITE_IST <mm> = 20.014": key <unit> = value */
            snprintf(kbuf, sizeof kbuf, "%.*s", (int)(eq - s->lines[i].s), s->lines[i].s);
            copy(vbuf, sizeof vbuf, eq + 1);
            cin_split_name_unit(kbuf, kbuf, sizeof kbuf, ubuf, sizeof ubuf);
            char *v = vbuf;
            while (*v == ' ')
                v++;
            key = kbuf;
            val = v;
            unit = ubuf;
        }
        if (!key[0])
            continue;
        curve_meta_add(c, key, val, unit);
        const char *bare = strstr(key, " : ");
        bare = bare ? bare + 3 : key;
        if (key_is_specimen(bare)) {
            copy(c->specimen, sizeof c->specimen, val);
            if (!val[0] && id_blank)
                *id_blank = true;
        } else {
            cin_geom_key(c, bare, val, unit, '.');
        }
    }
}

/* ------------------------------------------------------------------ */
/* Rigor run file                                                      */

static int rd_rigor(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                    rigor_diag *diag)
{
    curve *c;
    int rc = new_curve(s, "rigor-run", &c);
    if (rc)
        return rc;
    size_t i = 1;
    for (; i < s->nlines && s->lines[i].s[0] == '#'; i++) {
        const char *l = s->lines[i].s + 1;
        while (*l == ' ')
            l++;
        const char *colon = strstr(l, ": ");
        if (!colon)
            continue;
        char key[64], val[512];
        snprintf(key, sizeof key, "%.*s", (int)(colon - l), l);
        copy(val, sizeof val, colon + 2);
        curve_meta_add(c, key, val, "");
        if (!strcmp(key, "specimen"))
            copy(c->specimen, sizeof c->specimen, val);
        else if (!strcmp(key, "test"))
            copy(c->test, sizeof c->test, val);
        else if (!strcmp(key, "width_mm"))
            cin_geom_key(c, "width", val, "mm", '.');
        else if (!strcmp(key, "thickness_mm"))
            cin_geom_key(c, "thickness", val, "mm", '.');
        else if (!strcmp(key, "gauge_length_mm"))
            cin_geom_key(c, "gauge length", val, "mm", '.');
        else if (!strcmp(key, "diameter_mm"))
            cin_geom_key(c, "diameter", val, "mm", '.');
        else if (!strcmp(key, "height_mm"))
            cin_geom_key(c, "height", val, "mm", '.');
        else if (!strcmp(key, "area_mm2"))
            cin_geom_key(c, "area", val, "mm^2", '.');
    }
    if (i >= s->nlines) {
        rigor_diag_set(diag, s->name, (long)s->nlines + 1, 0,
                     "expected the column names row 'time_s,position_mm,force_N,...' after the "
                     "header, found end of file");
        curve_free(c);
        return RIGOR_ENODATA;
    }
    cin_tspec t = {.names = i,
                   .units = -1,
                   .data = i + 1,
                   .end = s->nlines,
                   .delim = ',',
                   .dec = '.',
                   .stop_at_hash = true,
                   .release = true};
    /* The driver ends every line it writes: a last data line without its
     * line end was cut by the interruption, even when its fields look
     * complete (the last number may be cut short). */
    /* The driver's `invalid` column, last (rig/runfile.h): rows it flags
     * hold empty cells for the invalid values and are skipped with a note. */
    {
        const cin_line *nl = &s->lines[i];
        static const char flag[] = ",invalid";
        size_t fl = sizeof flag - 1;
        if (nl->len >= fl && !memcmp(nl->s + nl->len - fl, flag, fl)) {
            int ncol = 1;
            for (size_t k = 0; k < nl->len; k++)
                ncol += nl->s[k] == ',';
            t.flag_col1 = ncol;
        }
    }
    bool cut = !s->final_newline && s->nlines > i + 1 && s->lines[s->nlines - 1].s[0] != '#' &&
               !cin_blank(&s->lines[s->nlines - 1]);
    if (cut)
        t.end = s->nlines - 1;
    /* EXT: extension when that column has any value, else position. */
    csvin_opts oo = o ? *o : (csvin_opts){0};
    bool has_ext = strstr(s->lines[i].s, "extension_mm") != NULL;
    if (has_ext && !oo.column[CURVE_EXT]) {
        cin_row row = {0};
        int ecol = -1;
        if (!cin_split(&s->lines[i], ',', &row))
            for (size_t k = 0; k < row.n; k++)
                if (!strcmp(row.f[k].s, "extension_mm"))
                    ecol = (int)k;
        bool any = false;
        for (size_t k = i + 1; k < s->nlines && !any && ecol >= 0; k++) {
            if (s->lines[k].s[0] == '#')
                break;
            if (!cin_split(&s->lines[k], ',', &row) && (size_t)ecol < row.n && row.f[ecol].s[0])
                any = true;
        }
        cin_row_free(&row);
        oo.column[CURVE_EXT] = any ? "extension_mm" : "position_mm";
    }
    cin_tinfo ti;
    rc = cin_read_table(s, &t, &oo, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    if (cut)
        curve_note(c, "line %ld: incomplete last line (no line end) dropped",
                   (long)s->lines[s->nlines - 1].no);
    if (ti.pick[CURVE_EXT] >= 0 && !(o && o->column[CURVE_EXT]))
        copy(ti.col[ti.pick[CURVE_EXT]].why, sizeof ti.col[0].why,
             "rigor-run: extension_mm when it was recorded, else position_mm");
    /* Trailer. */
    bool ended = false;
    for (size_t k = ti.last_line + 1; k < s->nlines; k++) {
        const char *l = s->lines[k].s;
        if (l[0] != '#')
            continue;
        l++;
        while (*l == ' ')
            l++;
        const char *colon = strstr(l, ": ");
        if (!colon)
            continue;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(colon - l), l);
        curve_meta_add(c, key, colon + 2, "");
        if (!strcmp(key, "end_reason"))
            ended = true;
    }
    if (!ended) {
        c->interrupted = true;
        curve_note(c, "the run file has no '# end_reason:' trailer: the run was interrupted; "
                      "data read up to the last complete line");
    }
    set_info(info, "rigor-run", &ti);
    return finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Generic: metadata lines, a names row, an optional units row, data.   */

typedef struct {
    size_t names;
    long units;
    size_t data;
    char delim;
} cin_found;

/* Find the first names row at or after from: followed (after an optional
 * units row) by at least two data rows. */
static bool find_table(const cin_src *s, size_t from, size_t to, char delim_hint, cin_found *f,
                       cin_row *row)
{
    if (to > s->nlines)
        to = s->nlines;
    for (size_t i = from; i < to && i < from + 400; i++) {
        if (cin_blank(&s->lines[i]))
            continue;
        char d = delim_hint ? delim_hint : cin_guess_delim(s, i, i + 12);
        if (!d)
            continue;
        if (!names_row(s, i, d, row))
            continue;
        size_t j = i + 1;
        long u = -1;
        if (units_row(s, j, d, row)) {
            u = (long)j;
            j++;
        }
        while (j < to && cin_blank(&s->lines[j]))
            j++;
        if (numeric_row(s, j, d, row) &&
            (j + 1 >= to || numeric_row(s, j + 1, d, row) || cin_blank(&s->lines[j + 1]))) {
            f->names = i;
            f->units = u;
            f->data = j;
            f->delim = d;
            return true;
        }
    }
    return false;
}

/* Columns like "Original Length (mm)" with a value only on the first data
 * row (reformatted lab CSV): metadata and geometry. */
static void first_row_geometry(curve *c, const cin_src *s, const cin_found *f,
                               const cin_tinfo *ti, cin_row *row)
{
    if (cin_split(&s->lines[f->data], f->delim, row))
        return;
    for (int i = 0; i < ti->ncol && (size_t)i < row->n; i++) {
        char low[160];
        size_t k = 0;
        for (; ti->col[i].name[k] && k + 1 < sizeof low; k++)
            low[k] = (char)tolower((unsigned char)ti->col[i].name[k]);
        low[k] = '\0';
        if (!strstr(low, "original") && !strstr(low, "final"))
            continue;
        if (!row->f[i].s[0])
            continue;
        curve_meta_add(c, ti->col[i].name, row->f[i].s, ti->col[i].unit);
        if (cin_geom_key(c, ti->col[i].name, row->f[i].s, ti->col[i].unit, ti->dec))
            curve_note(c, "geometry '%s' = %s %s read from the first data row", ti->col[i].name,
                       row->f[i].s, ti->col[i].unit);
    }
}

static int rd_generic(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                      rigor_diag *diag)
{
    cin_row row = {0};
    cin_found f;
    int rc;
    if (!find_table(s, 0, s->nlines, 0, &f, &row)) {
        /* "key = value" lines only: a parameter list. */
        size_t kv = 0, nonblank = 0;
        for (size_t i = 0; i < s->nlines; i++) {
            if (cin_blank(&s->lines[i]))
                continue;
            nonblank++;
            kv += strchr(s->lines[i].s, '=') != NULL;
        }
        cin_row_free(&row);
        if (nonblank && kv * 3 >= nonblank) {
            if (info) {
                copy(info->format, sizeof info->format, "key-value-text");
                copy(info->what, sizeof info->what,
                     "a 'key = value' parameter list, no data table");
            }
            rigor_diag_set(diag, s->name, 0, 0,
                         "a 'key = value' parameter list (no data table); nothing to analyse");
            return RIGOR_ENODATA;
        }
        if (s->nlines == 0 || (s->nlines == 1 && s->lines[0].len == 0)) {
            rigor_diag_set(diag, s->name, 1, 1, "empty file; expected a stress-strain export");
            return RIGOR_ENODATA;
        }
        long where = 1;
        for (size_t i = 0; i < s->nlines; i++)
            if (!cin_blank(&s->lines[i])) {
                where = s->lines[i].no;
                break;
            }
        rigor_diag_set(diag, s->name, where, 1,
                     "not a stress-strain export: expected a row of column names (e.g. "
                     "Time,Extension,Force) followed by rows of numbers");
        return RIGOR_EPARSE;
    }

    /* Name the family. */
    const char *fmt = "plain-csv";
    bool universal = false, raw = false;
    for (size_t i = 0; i < f.names; i++) {
        const char *l = s->lines[i].s;
        if (strstr(l, " : ") && (starts(l, "General") || starts(l, "Specimen") ||
                                 starts(l, "Test") || starts(l, "Method")))
            universal = true;
        if (starts(l, "Specimen number (included)") || strstr(l, ",\""))
            raw = true;
    }
    bool paren_units = false;
    if (f.units >= 0 && !cin_split(&s->lines[f.units], f.delim, &row))
        for (size_t k = 0; k < row.n; k++)
            if (row.f[k].s[0] == '(')
                paren_units = true;
    const char *names = s->lines[f.names].s;
    if (universal)
        fmt = "bluehill-universal";
    else if (raw && paren_units)
        fmt = "bluehill-raw";
    else if (paren_units)
        fmt = "bluehill-export";
    else if (strstr(names, "Total Cycles") || strstr(names, "Cycle Elapsed Time"))
        fmt = "instron-wavematrix";
    else if (f.delim == '\t' && strstr(names, "[") &&
             (strstr(names, "Standardmessrate") || strstr(s->lines[f.data].s, "-1000000")))
        fmt = "catman-asc";

    curve *c;
    rc = new_curve(s, fmt, &c);
    if (rc) {
        cin_row_free(&row);
        return rc;
    }
    bool id_blank = false;
    meta_lines(c, s, 0, f.names, f.delim, &row, &id_blank);
    if (id_blank)
        curve_note(c, "the file's 'Specimen ID' is blank: specimen id is missing");
    cin_tspec t = {.names = f.names,
                   .units = f.units,
                   .data = f.data,
                   .end = s->nlines,
                   .delim = f.delim,
                   .dec = 0,
                   .stop_at_blank = false,
                   .release = true};
    if (!strcmp(fmt, "catman-asc"))
        t.catman = true;
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        cin_row_free(&row);
        return rc;
    }
    first_row_geometry(c, s, &f, &ti, &row);
    cin_row_free(&row);
    /* Test type: a column or key that says so, else Bluehill's method folder. */
    for (int r = 0; r < CURVE_NROLES; r++)
        cin_test_from_text(c, c->colname[r]);
    for (size_t i = 0; i < c->nmeta; i++)
        cin_test_from_text(c, c->meta[i].key);
    if (!c->test[0] && (strstr(s->name, ".is_comp") || strstr(s->name, ".is_tens"))) {
        cin_test_from_text(c, s->name);
        curve_note(c, "test type '%s' from the Bluehill method folder name", c->test);
    }
    if (t.catman) {
        size_t unused = 0;
        char list[300] = "";
        size_t k = 0;
        cin_row r2 = {0};
        if (!cin_split(&s->lines[f.data], f.delim, &r2))
            for (int i = 0; i < ti.ncol && (size_t)i < r2.n; i++)
                if (!strcmp(r2.f[i].s, "-1000000")) {
                    unused++;
                    int w = snprintf(list + k, sizeof list - k, "%s'%s'", k ? ", " : "",
                                     ti.col[i].full);
                    if (w > 0 && (size_t)w < sizeof list - k)
                        k += (size_t)w;
                }
        cin_row_free(&r2);
        if (unused)
            curve_note(c, "catman: %zu unused channel(s) hold the fill value -1000000: %s",
                       unused, list);
    }
    if (strstr(s->name, "compliance") && !c->ch[CURVE_TIME])
        curve_note(c, "this looks like a machine compliance table (force vs system "
                      "displacement), not a test record");
    set_info(info, fmt, &ti);
    return finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Exponent .tab                                                        */

static int rd_exponent(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                       rigor_diag *diag)
{
    if (s->nlines < 3) { /* sample, column names, units: read below by index */
        rigor_diag_set(diag, s->name, (long)s->nlines, 1,
                     "Exponent .tab export: expected a sample line, a line of column names "
                     "and a line of units before the data");
        return RIGOR_EPARSE;
    }
    curve *c;
    int rc = new_curve(s, "exponent-tab", &c);
    if (rc)
        return rc;
    cin_row row = {0};
    if (!cin_split(&s->lines[0], '\t', &row) && row.n && row.f[0].s[0]) {
        copy(c->specimen, sizeof c->specimen, row.f[0].s);
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
    set_info(info, "exponent-tab", &ti);
    return finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* MTS TestSuite DAQ text                                               */

static int rd_mts(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    curve *c;
    int rc = new_curve(s, "mts-daq", &c);
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
        copy(val, sizeof val, colon + 2);
        size_t n = strlen(val);
        while (n && val[n - 1] == ' ')
            val[--n] = '\0';
        curve_meta_add(c, key, val, "");
        if (!strcmp(key, "Test"))
            cin_test_from_text(c, val);
    }
    cin_row row = {0};
    cin_found f;
    bool ok = find_table(s, i, s->nlines, '\t', &f, &row);
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
    set_info(info, "mts-daq", &ti);
    return finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Deben Microtest .MTR                                                 */

static int rd_deben(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                    rigor_diag *diag)
{
    curve *c;
    int rc = new_curve(s, "deben-mtr", &c);
    if (rc)
        return rc;
    size_t i = 0;
    for (; i < s->nlines; i++) {
        const char *l = s->lines[i].s;
        if (starts(l, "\"Point\"") || (l[0] == '"' && strstr(l, "\",\"")))
            break;
        char buf[1024];
        copy(buf, sizeof buf, l[0] == '"' ? l + 1 : l);
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
        copy(unit, sizeof unit, val + k);
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
            copy(c->specimen, sizeof c->specimen, val);
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
        copy(c->colunit[r], sizeof c->colunit[r], du[k].u);
        if (col >= 0) {
            ti.col[col].scale = du[k].k;
            copy(ti.col[col].unit, sizeof ti.col[col].unit, du[k].u);
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
    set_info(info, "deben-mtr", &ti);
    return finish(c, &ti, s, out);
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

static int rd_tra(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    curve *c;
    int rc = new_curve(s, "testxpert-tra", &c);
    if (rc)
        return rc;
    cin_row row = {0};
    cin_found f;
    char d = cin_guess_delim(s, 0, 12);
    if (d != '\t')
        d = ',';
    if (!find_table(s, 0, s->nlines, d, &f, &row)) {
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
    set_info(info, "testxpert-tra", &ti);
    return finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Bluehill "Results Table" (results rows, then raw blocks)             */

static int rd_results_table(const cin_src *s, const csvin_opts *o, curve_list *out,
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
        copy(num, sizeof num, row.n ? row.f[0].s : "");
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
        rc = new_curve(s, "bluehill-results", &c);
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
                        copy(u, sizeof u, units.f[k].s);
                        size_t ul = strlen(u);
                        if (ul >= 2 && u[0] == '(' && u[ul - 1] == ')') {
                            u[ul - 1] = '\0';
                            memmove(u, u + 1, ul - 1);
                        }
                    }
                    curve_meta_add(c, names.f[k].s, row.f[k].s, u);
                    if (!strcmp(names.f[k].s, "Sample"))
                        copy(c->specimen, sizeof c->specimen, row.f[k].s);
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
                copy(c->specimen, sizeof c->specimen, row.f[at].s);
                curve_meta_add(c, "Sample", row.f[at].s, "");
            }
        }
        long u = units_row(s, blk + 1, d, &row) ? (long)(blk + 1) : -1;
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
        set_info(info, "bluehill-results", &ti);
        rc = finish(c, &ti, s, out);
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

static int rd_eth(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                  rigor_diag *diag)
{
    cin_row row = {0};
    int rc = RIGOR_OK;
    size_t start_n = out->n;
    char title[256] = "", testname[256] = "", head2[256] = "";
    if (s->nlines > 0)
        copy(title, sizeof title, s->lines[0].s);
    if (s->nlines > 1)
        copy(head2, sizeof head2, s->lines[1].s);
    /* Line 2 names the test ("Compressive strength (38 d);22.10.2019;...")
     * unless it starts with a number (a series line). */
    double num;
    if (s->nlines > 1 && !cin_split(&s->lines[1], ';', &row) && row.n &&
        cin_num(row.f[0].s, '.', false, &num, NULL) != NUM_OK)
        copy(testname, sizeof testname, row.f[0].s);
    char empty_blocks[256] = "";
    size_t ke = 0;
    for (size_t i = 0; i < s->nlines; i++) {
        if (!starts(s->lines[i].s, "Index;"))
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
        rc = new_curve(s, "eth-blocks", &c);
        if (rc)
            goto out;
        curve_meta_add(c, "Title", title, "");
        curve_meta_add(c, "Header line 2", head2, "");
        if (testname[0])
            curve_meta_add(c, "Test", testname, "");
        cin_test_from_text(c, testname);
        if (p < i && !cin_split(&s->lines[p], ';', &row) && row.n)
            copy(c->specimen, sizeof c->specimen, row.f[0].s);
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
        set_info(info, "eth-blocks", &ti);
        rc = finish(c, &ti, s, out);
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

static int no_data(const cin_src *s, cin_info *info, const char *fmt, const char *what,
                   rigor_diag *diag)
{
    if (info) {
        copy(info->format, sizeof info->format, fmt);
        copy(info->what, sizeof info->what, what);
    }
    rigor_diag_set(diag, s->name, 0, 0, "%s; nothing to analyse", what);
    return RIGOR_ENODATA;
}

int cin_parse(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
              rigor_diag *diag)
{
    if (s->nlines == 0 || (s->nlines == 1 && cin_blank(&s->lines[0]))) {
        rigor_diag_set(diag, s->name, 1, 1, "empty file; expected a stress-strain export");
        return RIGOR_ENODATA;
    }
    size_t first = 0;
    while (first < s->nlines && cin_blank(&s->lines[first]))
        first++;
    if (first == s->nlines) {
        rigor_diag_set(diag, s->name, 1, 1,
                     "file holds only blank lines; expected a "
                     "stress-strain export");
        return RIGOR_ENODATA;
    }
    const char *l0 = s->lines[first].s;
    const char *l1 = first + 1 < s->nlines ? s->lines[first + 1].s : "";
    const char *l2 = first + 2 < s->nlines ? s->lines[first + 2].s : "";
    if (starts(l0, "# rigor-run"))
        return rd_rigor(s, o, out, info, diag);
    if (starts(l0, "CATMAN TEST FILE"))
        return no_data(s, info, "catman-tsx",
                       "HBM catman test-file metadata (.TSX), no data: the samples are in "
                       "the .ASC file named by its DATAFILE key",
                       diag);
    if (starts(l0, "File Path:"))
        return rd_mts(s, o, out, info, diag);
    if (starts(l0, "\"File :"))
        return rd_deben(s, o, out, info, diag);
    if (starts(l0, "Results Table"))
        return rd_results_table(s, o, out, info, diag);
    if (istarts(l0, "Property") && strstr(l0, "Value"))
        return no_data(s, info, "results-summary",
                       "a results summary (Property, Value rows), no raw data", diag);
    if (strstr(l1, "Force\tDistance\tTime") || (strstr(l1, "Force\t") && starts(l2, "g\t")))
        return rd_exponent(s, o, out, info, diag);
    for (size_t i = first; i < s->nlines && i < first + 40; i++)
        if (starts(s->lines[i].s, "Index;Element;"))
            return rd_eth(s, o, out, info, diag);
    if (l0[0] == '"') {
        /* "key",value,"unit" lines (comma or tab) then quoted names: testXpert. */
        cin_row row = {0};
        static const char dl[] = {',', '\t'};
        for (size_t k = 0; k < sizeof dl; k++) {
            size_t kv = 0;
            for (size_t i = first; i < s->nlines && i < first + 10; i++)
                if (!cin_split(&s->lines[i], dl[k], &row) && row.n >= 2 && row.n <= 3 &&
                    row.f[0].quoted)
                    kv++;
            if (kv >= 5) {
                cin_row_free(&row);
                return rd_tra(s, o, out, info, diag);
            }
        }
        cin_row_free(&row);
    }
    return rd_generic(s, o, out, info, diag);
}
