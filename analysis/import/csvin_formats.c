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

bool cin_starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

bool cin_istarts(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

/* Fraction-of-fields test: is line i a data row (most non-empty fields
 * numbers in either decimal convention, or clock times)? */
bool cin_numeric_row(const cin_src *s, size_t i, char delim, cin_row *row)
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
bool cin_units_row(const cin_src *s, size_t i, char delim, cin_row *row)
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
        /* a label in the first cell: "Unit", "Einheit", "単位" */
        if (k == 0 && (!strcasecmp(f, "Unit") || !strcasecmp(f, "Units") ||
                       !strcasecmp(f, "Einheit") || !strcasecmp(f, "Unité") ||
                       !strcasecmp(f, "Unidad") || !strcasecmp(f, "単位") ||
                       !strcmp(f, "单位")))
            continue;
        nonempty++;
        double v;
        if (strlen(f) > 16 || cin_num(f, '.', true, &v, NULL) == NUM_OK)
            return false;
        unit_info ui;
        char u[40];
        cin_copy(u, sizeof u, f);
        if (!units_parse(u, &ui) && !(f[0] == '(' && f[strlen(f) - 1] == ')'))
            return false;
    }
    return nonempty >= 1;
}

/* A names row: at least two non-empty fields, most of them not numbers. */
bool cin_names_row(const cin_src *s, size_t i, char delim, cin_row *row)
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

int cin_new_curve(const cin_src *s, const char *format, curve **out)
{
    int rc = curve_new(0, out);
    if (rc)
        return rc;
    cin_copy((*out)->file, sizeof(*out)->file, s->name);
    cin_copy((*out)->format, sizeof(*out)->format, format);
    if (s->latin1)
        curve_note(*out, "encoding: not valid UTF-8; read as %s", s->legacy);
    return RIGOR_OK;
}

bool cin_key_is_specimen(const char *k)
{
    /* English, German, French, Spanish, Italian, Portuguese, Polish,
     * Chinese, Japanese; Shimadzu Trapezium's "Sample Name" is the id. */
    static const char *const keys[] = {
        "Specimen ID",       "Specimen name",   "Sample ID",        "Specimen",
        "Sample Name",       "Sample",          "Probenbezeichnung", "Probe",
        "Probenname",        "Proben-ID",       "Éprouvette",       "Nom de l'éprouvette",
        "Échantillon",       "Nom échantillon", "Probeta",          "Nombre de muestra",
        "Muestra",           "Campione",        "Nome campione",    "Provino",
        "Amostra",           "Corpo de prova",  "Próbka",           "Nazwa próbki",
        "试样编号",          "试样名称",        "样品名称",         "試験片名",
        "試料名",            "サンプル名",      "試験片No",         "Specimen No",
        "Specimen label",    "Etykietka próbki", "Etykieta próbki",  "Probenetikett",
        "Numune",            "Numune adı",      "Proben-beschriftung", "Probenbeschriftung"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcasecmp(k, keys[i]))
            return true;
    return false;
}

/* Finish one curve: checks, then hand it to the list. */
int cin_finish(curve *c, const cin_tinfo *ti, const cin_src *s, curve_list *out)
{
    cin_check_curve(c, ti, s);
    int rc = curve_list_push(out, c);
    if (rc)
        curve_free(c);
    return rc;
}

void cin_set_info(cin_info *info, const char *format, const cin_tinfo *ti)
{
    if (!info)
        return;
    if (!info->ntables) {
        cin_copy(info->format, sizeof info->format, format);
        if (ti)
            info->table = *ti;
    }
    info->ntables++;
}

/* Read the metadata of "key<d>value<d>unit" lines [from, to). */
void cin_meta_lines(curve *c, const cin_src *s, size_t from, size_t to, char delim,
                       cin_row *row, bool *id_blank)
{
    for (size_t i = from; i < to; i++) {
        if (cin_blank(&s->lines[i]) || cin_split(&s->lines[i], delim, row))
            continue;
        size_t n = cin_row_used(row);
        if (n == 0)
            continue;
        char kbuf[256], vbuf[256], ubuf[64];
        const char *key = kbuf, *val, *unit;
        cin_meta_fields(row, kbuf, sizeof kbuf, &val, &unit);
        const char *eq = strchr(s->lines[i].s, '=');
        if (n == 1 && eq) {
            /* "PROBENBREITE_IST <mm> = 20.014": key <unit> = value */
            snprintf(kbuf, sizeof kbuf, "%.*s", (int)(eq - s->lines[i].s), s->lines[i].s);
            cin_copy(vbuf, sizeof vbuf, eq + 1);
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
        if (cin_key_is_specimen(bare)) {
            cin_copy(c->specimen, sizeof c->specimen, val);
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
    int rc = cin_new_curve(s, "rigor-run", &c);
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
        cin_copy(val, sizeof val, colon + 2);
        curve_meta_add(c, key, val, "");
        if (!strcmp(key, "specimen"))
            cin_copy(c->specimen, sizeof c->specimen, val);
        else if (!strcmp(key, "test"))
            cin_copy(c->test, sizeof c->test, val);
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
                   .skip_nonfinite = true,
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
        t.ext_extenso = any && !(o && o->column[CURVE_EXT]);
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
        cin_copy(ti.col[ti.pick[CURVE_EXT]].why, sizeof ti.col[0].why,
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
    cin_set_info(info, "rigor-run", &ti);
    return cin_finish(c, &ti, s, out);
}

/* ------------------------------------------------------------------ */
/* Generic: metadata lines, a names row, an optional units row, data.   */


/* Find the first names row at or after from: followed (after an optional
 * units row) by at least two data rows. */
bool cin_find_table(const cin_src *s, size_t from, size_t to, char delim_hint, cin_found *f,
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
        if (!cin_names_row(s, i, d, row))
            continue;
        size_t j = i + 1;
        long u = -1;
        if (cin_units_row(s, j, d, row)) {
            u = (long)j;
            j++;
        }
        while (j < to && cin_blank(&s->lines[j]))
            j++;
        if (cin_numeric_row(s, j, d, row) &&
            (j + 1 >= to || cin_numeric_row(s, j + 1, d, row) || cin_blank(&s->lines[j + 1]))) {
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

/* The first of at least two consecutive numeric rows (with one delimiter)
 * in the first 400 lines, when no names row came before: a headerless file. */
static bool bare_numbers(const cin_src *s, size_t *first, char *delim, cin_row *row)
{
    for (size_t i = 0; i < s->nlines && i < 400; i++) {
        if (cin_blank(&s->lines[i]))
            continue;
        char d = cin_guess_delim(s, i, i + 12);
        if (!d)
            continue;
        if (cin_numeric_row(s, i, d, row) && cin_numeric_row(s, i + 1, d, row)) {
            *first = i;
            *delim = d;
            return true;
        }
    }
    return false;
}

/* A headerless table read with the layout of --columns. */
static int rd_bare(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                   size_t first, char delim, rigor_diag *diag)
{
    curve *c;
    int rc = cin_new_curve(s, "headerless", &c);
    if (rc)
        return rc;
    cin_row row = {0};
    cin_meta_lines(c, s, 0, first, delim, &row, NULL);
    cin_row_free(&row);
    cin_tspec t = {.names = first,
                   .units = -1,
                   .data = first,
                   .end = s->nlines,
                   .delim = delim,
                   .positional = true,
                   .release = true};
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        return rc;
    }
    curve_note(c, "no header row: columns by position from --columns");
    cin_set_info(info, "headerless", &ti);
    return cin_finish(c, &ti, s, out);
}

static int rd_generic(const cin_src *s, const csvin_opts *o, curve_list *out, cin_info *info,
                      rigor_diag *diag)
{
    cin_row row = {0};
    cin_found f;
    int rc;
    if (!cin_find_table(s, 0, s->nlines, 0, &f, &row)) {
        /* Bare numbers (a logger, a peer tool): no names row. */
        size_t bare;
        char bd;
        if (bare_numbers(s, &bare, &bd, &row)) {
            cin_row_free(&row);
            if (o && o->npos > 0)
                return rd_bare(s, o, out, info, bare, bd, diag);
            rigor_diag_set(diag, s->name, s->lines[bare].no, 1,
                           "no header row: the file holds bare numbers; declare its columns "
                           "by position with --columns ROLE:UNIT,... (e.g. --columns "
                           "strain:%%,stress:MPa or --columns time:s,ext:mm,force:kN)");
            return RIGOR_EPARSE;
        }
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
                cin_copy(info->format, sizeof info->format, "key-value-text");
                cin_copy(info->what, sizeof info->what,
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

    /* Several "names + units + numbers" blocks (parameters, peaks, data):
     * the data block is the one with the roles and the most rows. */
    cin_block blk[CIN_MAX_BLOCKS];
    size_t nb = cin_find_blocks(s, &f, blk, CIN_MAX_BLOCKS, &row);
    size_t pick = cin_pick_data_block(blk, nb);
    size_t tend = s->nlines;
    if (nb > 1) {
        f = blk[pick].f;
        if (pick + 1 < nb)
            tend = blk[pick + 1].f.names;
    }

    /* Name the family. */
    const char *fmt = "plain-csv";
    bool universal = false, raw = false, shimadzu = false;
    for (size_t i = 0; i < f.names && i < 60; i++) {
        const char *l = s->lines[i].s;
        shimadzu |= strstr(l, "Trapezium") || strstr(l, "TRAPEZIUM") || strstr(l, "Shimadzu") ||
                    strstr(l, "SHIMADZU") || strstr(l, "島津");
    }
    for (size_t i = 0; i < f.names; i++) {
        const char *l = s->lines[i].s;
        if (strstr(l, " : ") && (cin_starts(l, "General") || cin_starts(l, "Specimen") ||
                                 cin_starts(l, "Test") || cin_starts(l, "Method")))
            universal = true;
        if (cin_starts(l, "Specimen number (included)") || strstr(l, ",\""))
            raw = true;
    }
    bool paren_units = false;
    if (f.units >= 0 && !cin_split(&s->lines[f.units], f.delim, &row))
        for (size_t k = 0; k < row.n; k++)
            if (row.f[k].s[0] == '(')
                paren_units = true;
    const char *names = s->lines[f.names].s;
    if (shimadzu)
        fmt = "shimadzu";
    else if (universal)
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
    rc = cin_new_curve(s, fmt, &c);
    if (rc) {
        cin_row_free(&row);
        return rc;
    }
    bool id_blank = false;
    if (nb > 1) {
        /* key/value lines between the blocks, then the other blocks */
        cin_meta_lines(c, s, 0, blk[0].f.names, f.delim, &row, &id_blank);
        for (size_t i = 0; i + 1 < nb; i++)
            cin_meta_lines(c, s, blk[i].end, blk[i + 1].f.names, f.delim, &row, &id_blank);
        for (size_t i = 0; i < nb; i++)
            if (i != pick)
                cin_block_meta(c, s, &blk[i], &row);
        curve_note(c, "%zu blocks of names and numbers: data from the block at line %ld, the "
                      "others read as metadata",
                   nb, (long)s->lines[f.names].no);
    } else {
        cin_meta_lines(c, s, 0, f.names, f.delim, &row, &id_blank);
    }
    if (id_blank)
        curve_note(c, "the file's 'Specimen ID' is blank: specimen id is missing");
    cin_tspec t = {.names = f.names,
                   .units = f.units,
                   .data = f.data,
                   .end = tend,
                   .delim = f.delim,
                   .dec = 0,
                   .stop_at_blank = false,
                   .release = tend == s->nlines};
    if (!strcmp(fmt, "catman-asc"))
        t.catman = true;
    cin_tinfo ti;
    rc = cin_read_table(s, &t, o, c, &ti, diag);
    if (rc) {
        curve_free(c);
        cin_row_free(&row);
        return rc;
    }
    /* A flexure (bending) test exports a "flexure stress" and "strain" that
     * are not a uniaxial stress-strain curve: read as tension they give a
     * wrong modulus and strength, so the file is refused. */
    const char *flex = NULL;
    for (int i = 0; i < ti.ncol && !flex; i++)
        flex = cin_flexure_word(ti.col[i].full) ? ti.col[i].full : NULL;
    for (size_t i = 0; i < c->nmeta && !flex; i++)
        flex = cin_flexure_word(c->meta[i].key) ? c->meta[i].key : NULL;
    if (flex) {
        rigor_diag_set(diag, s->name, s->lines[f.names].no, 1,
                       "a flexure (bending) test ('%.60s'): Rigor analyses tension and "
                       "compression only; not read",
                       flex);
        curve_free(c);
        cin_row_free(&row);
        return RIGOR_EUNSUPPORTED;
    }
    if (o && o->npos > 0)
        curve_note(c, "--columns ignored: the file has a names row (line %ld)",
                   (long)s->lines[f.names].no);
    first_row_geometry(c, s, &f, &ti, &row);
    cin_row_free(&row);
    /* Test type: a metadata value that names it, a column or key that says
     * so, else Bluehill's method folder. */
    cin_test_from_meta(c);
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
    cin_set_info(info, fmt, &ti);
    return cin_finish(c, &ti, s, out);
}

static int no_data(const cin_src *s, cin_info *info, const char *fmt, const char *what,
                   rigor_diag *diag)
{
    if (info) {
        cin_copy(info->format, sizeof info->format, fmt);
        cin_copy(info->what, sizeof info->what, what);
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
    if (cin_starts(l0, "# rigor-run"))
        return rd_rigor(s, o, out, info, diag);
    if (cin_starts(l0, "CATMAN TEST FILE"))
        return no_data(s, info, "catman-tsx",
                       "HBM catman test-file metadata (.TSX), no data: the samples are in "
                       "the .ASC file named by its DATAFILE key",
                       diag);
    if (cin_starts(l0, "File Path:"))
        return cin_rd_mts(s, o, out, info, diag);
    if (cin_starts(l0, "\"File :"))
        return cin_rd_deben(s, o, out, info, diag);
    if (cin_starts(l0, "Results Table"))
        return cin_rd_results_table(s, o, out, info, diag);
    if (cin_istarts(l0, "Property") && strstr(l0, "Value"))
        return no_data(s, info, "results-summary",
                       "a results summary (Property, Value rows), no raw data", diag);
    if (strstr(l1, "Force\tDistance\tTime") || (strstr(l1, "Force\t") && cin_starts(l2, "g\t")))
        return cin_rd_exponent(s, o, out, info, diag);
    for (size_t i = first; i < s->nlines && i < first + 40; i++)
        if (cin_starts(s->lines[i].s, "Index;Element;"))
            return cin_rd_eth(s, o, out, info, diag);
    /* A Shimadzu Trapezium export also starts with quoted "key","value"
     * lines: it is not a testXpert file (issue #20 class 9). */
    bool shimadzu = false;
    for (size_t i = first; i < s->nlines && i < first + 10; i++)
        shimadzu |= strstr(s->lines[i].s, "Trapezium") || strstr(s->lines[i].s, "TRAPEZIUM") ||
                    strstr(s->lines[i].s, "Shimadzu") || strstr(s->lines[i].s, "SHIMADZU") ||
                    strstr(s->lines[i].s, "島津");
    if (l0[0] == '"' && !shimadzu) {
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
                return cin_rd_tra(s, o, out, info, diag);
            }
        }
        cin_row_free(&row);
    }
    return rd_generic(s, o, out, info, diag);
}
