/* output.c — table, JSON and CSV printers for analysed specimens; see output.h. */
#include "output.h"
#include "output_priv.h"

#include "../common/error.h"
#include "../common/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *role_names[CURVE_NROLES] = {"time", "extension", "force", "strain",
                                               "stress"};

/* Display labels of the result keys (the key itself names the unit). */
static const label_row labels[] = {
    {"max_force_n", "Maximum force", "N"},
    {"modulus_mpa", "Modulus", "MPa"},
    {"compressive_modulus_mpa", "Compressive modulus", "MPa"},
    {"modulus_r2", "Modulus fit r²", ""},
    {"modulus_se_mpa", "Modulus standard error", "MPa"},
    {"modulus_strain_range_pct", "Modulus window", "% strain"},
    {"yield_strength_mpa", "Yield strength", "MPa"},
    {"yield_method", "Yield method", ""},
    {"offset_yield_strength_mpa", "Offset yield strength", "MPa"},
    {"offset_yield_strain_pct", "Strain at offset yield", "%"},
    {"yield_strain_pct", "Strain at yield", "%"},
    {"tensile_strength_mpa", "Tensile strength", "MPa"},
    {"strain_at_max_pct", "Strain at maximum", "%"},
    {"break_stress_mpa", "Stress at break", "MPa"},
    {"strain_at_break_pct", "Strain at break", "%"},
    {"break_rule", "Break rule", ""},
    {"toughness_mj_m3", "Toughness (energy to break)", "MJ/m³"},
    {"toe_offset_pct", "Toe compensation offset", "%"},
    {"true_stress_max_mpa", "Maximum true stress", "MPa"},
    {"first_max_stress_mpa", "First maximum stress", "MPa"},
    {"fracture_stress_mpa", "Fracture stress", "MPa"},
    {"fracture_strain_pct", "Fracture strain", "%"},
    {"plateau_stress_mpa", "Plateau stress", "MPa"},
    {"plateau_end_strain_pct", "Plateau end strain", "%"},
    {"densification_strain_pct", "Densification strain", "%"},
    {"energy_absorption_mj_m3", "Energy absorption", "MJ/m³"},
    {"max_stress_mpa", "Maximum stress", "MPa"},
    {"max_strain_pct", "Maximum strain", "%"},
    {"extensometer_removed_at_pct", "Extensometer removed at", "% strain"},
    /* ISO 6892-1 / ASTM E8 (analysis/metals.c) */
    {"yield_type", "Yielding", ""},
    {"upper_yield_strength_mpa", "Upper yield strength ReH", "MPa"},
    {"lower_yield_strength_mpa", "Lower yield strength ReL", "MPa"},
    {"yield_point_extension_pct", "Yield point extension Ae", "%"},
    {"total_extension_strength_mpa", "Stress at total extension Rt", "MPa"},
    {"uniform_elongation_pct", "Uniform elongation Ag", "%"},
    {"total_elongation_at_max_pct", "Total extension at max Agt", "%"},
    {"total_elongation_at_fracture_pct", "Total extension at fracture At", "%"},
    {"elongation_after_fracture_pct", "Elongation after fracture A", "%"},
    {"reduction_of_area_pct", "Reduction of area Z", "%"},
    {"n_value", "Strain-hardening exponent n", ""},
    {"r_value", "Plastic strain ratio r", ""},
    {"cycle_count", "Load-unload cycles", ""},
    {"cycle_first_unloading_modulus_mpa", "Unloading modulus, first cycle", "MPa"},
    {"cycle_last_unloading_modulus_mpa", "Unloading modulus, last cycle", "MPa"},
    {"cycle_first_hysteresis_mj_m3", "Hysteresis, first cycle", "MJ/m³"},
    {"cycle_last_hysteresis_mj_m3", "Hysteresis, last cycle", "MJ/m³"},
    {"cycle_total_hysteresis_mj_m3", "Hysteresis, all cycles", "MJ/m³"},
    {"cycle_first_residual_strain_pct", "Residual strain, first cycle", "%"},
    {"cycle_last_residual_strain_pct", "Residual strain, last cycle", "%"},
    {"relaxation_pct", "Relaxation (first hold, at end)", "%"},
    {"relaxation_duration_s", "Relaxation hold", "s"},
    {"relaxation_fit_tau1_s", "Relaxation time τ1 (fit)", "s"},
    {"relaxation_fit_rms_mpa", "Relaxation fit residual (rms)", "MPa"},
    {"creep_strain_pct", "Creep strain (first hold, at end)", "%"},
    {"creep_duration_s", "Creep hold", "s"},
    {"creep_fit_tau1_s", "Creep time τ1 (fit)", "s"},
    {"creep_fit_rms_pct", "Creep fit residual (rms)", "%"},
};

const label_row *label_of(const char *key)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (!strcmp(labels[i].key, key))
            return &labels[i];
    return NULL;
}

const char *output_label(const char *key, const char **unit)
{
    const label_row *l = label_of(key);
    if (unit)
        *unit = l ? l->unit : "";
    return l ? l->label : NULL;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

int analysed_from_curve(analysed *a, const curve *c)
{
    memset(a, 0, sizeof *a);
    results_init(&a->rs);
    snprintf(a->file, sizeof a->file, "%s", c->file);
    snprintf(a->specimen, sizeof a->specimen, "%s", c->specimen);
    snprintf(a->format, sizeof a->format, "%s", c->format);
    memcpy(a->colname, c->colname, sizeof a->colname);
    memcpy(a->colunit, c->colunit, sizeof a->colunit);
    const curve_meta *er = curve_meta_find(c, "end_reason");
    snprintf(a->end_reason, sizeof a->end_reason, "%s", er && er->value ? er->value : "");
    if (c->nnotes) {
        a->notes = calloc(c->nnotes, sizeof *a->notes);
        if (!a->notes)
            return RIGOR_ENOMEM;
        for (size_t i = 0; i < c->nnotes; i++) {
            a->notes[i] = dupstr(c->notes[i]);
            if (!a->notes[i])
                return RIGOR_ENOMEM;
            a->nnotes++;
        }
    }
    return RIGOR_OK;
}

/* Import notes are still plain strings (curve.h): a warning there is one
 * whose text says so. Analysis notes carry their kind (results_warn). */
static bool is_warning(const char *note)
{
    return !strncmp(note, "WARNING:", 8);
}

bool analysed_has_warning(const analysed *a)
{
    for (size_t i = 0; i < a->nnotes; i++)
        if (is_warning(a->notes[i]))
            return true;
    return results_has_warning(&a->rs);
}

void analysed_clear(analysed *a)
{
    for (size_t i = 0; i < a->nnotes; i++)
        free(a->notes[i]);
    free(a->notes);
    results_clear(&a->rs);
    a->notes = NULL;
    a->nnotes = 0;
}

/* Numbers for people: 5 significant digits, no exponent for usual ranges. */
void fmt_num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "—");
    else if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 1e-3))
        snprintf(buf, len, "%.4e", v);
    else
        snprintf(buf, len, "%.5g", v);
}

static void print_value(FILE *f, const result_value *v, const char *unit)
{
    char a[48], b[48];
    switch (v->kind) {
    case RV_NUMBER:
        fmt_num(a, sizeof a, v->v[0]);
        fprintf(f, "%s%s%s", a, isfinite(v->v[0]) && unit[0] ? " " : "",
                isfinite(v->v[0]) ? unit : "");
        break;
    case RV_PAIR:
        fmt_num(a, sizeof a, v->v[0]);
        fmt_num(b, sizeof b, v->v[1]);
        fprintf(f, "%s … %s%s%s", a, b, unit[0] ? " " : "", unit);
        break;
    case RV_BOOL: fprintf(f, "%s", v->v[0] != 0 ? "yes" : "no"); break;
    case RV_STRING: fprintf(f, "%s", v->s); break;
    }
}

void output_table(FILE *f, const analysed *v, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const analysed *a = &v[k];
        fprintf(f, "%s%s\n", k ? "\n" : "", a->file);
        fprintf(f, "  specimen %s · %s test · format %s\n",
                a->specimen[0] ? a->specimen : "(no id in file)", a->rs.test, a->format);
        for (size_t i = 0; i < a->rs.nresults; i++) {
            const result_value *r = &a->rs.results[i];
            const label_row *l = label_of(r->key);
            if (!l && !strncmp(r->key, "vendor_", 7)) {
                /* vendor_<key> and vendor_<key>_rel_diff: the machine
                 * software's own result beside Rigor's */
                size_t len = strlen(r->key);
                if (len > 9 && !strcmp(r->key + len - 9, "_rel_diff"))
                    continue;
                const label_row *own = label_of(r->key + 7);
                char lab[64], dkey[64];
                snprintf(lab, sizeof lab, "  vendor: %s", own ? own->label : r->key + 7);
                fprintf(f, "  %-30s ", lab);
                print_value(f, r, own ? own->unit : "");
                snprintf(dkey, sizeof dkey, "%s_rel_diff", r->key);
                double d = results_get(&a->rs, dkey);
                if (isfinite(d))
                    fprintf(f, "   (Rigor %+.2f %%)", d * 100);
                fputc('\n', f);
                continue;
            }
            if (!l)
                continue; /* internal values (indices) are for JSON only */
            fprintf(f, "  %-30s ", l->label);
            print_value(f, r, l->unit);
            {
                /* the expanded uncertainty beside its result (uncertainty.h) */
                char ukey[64];
                snprintf(ukey, sizeof ukey, "%s_u", r->key);
                double U = results_get(&a->rs, ukey);
                if (r->kind == RV_NUMBER && isfinite(U) && isfinite(r->v[0])) {
                    char b[48];
                    fmt_num(b, sizeof b, U);
                    fprintf(f, "  ± %s %s (k = %.3g)", b, l->unit,
                            results_get(&a->rs, "coverage_factor"));
                }
            }
            fputc('\n', f);
        }
        for (size_t ti = 0; ti < a->rs.ntables; ti++) {
            const result_table *t = &a->rs.tables[ti];
            if (t->object && t->nrows) {
                /* one row: a line per column (modulus_quality) */
                fprintf(f, "  %s:\n", t->name);
                for (size_t j = 0; j < t->ncols; j++) {
                    char b[48];
                    if (t->bool_cols & (1u << j))
                        snprintf(b, sizeof b, "%s", t->v[j] != 0 ? "pass" : "FAIL");
                    else
                        fmt_num(b, sizeof b, t->v[j]);
                    fprintf(f, "    %-28s %s\n", t->col[j], b);
                }
                continue;
            }
            fprintf(f, "  %s:\n   ", t->name);
            for (size_t j = 0; j < t->ncols; j++)
                if (!strstr(t->col[j], "index"))
                    fprintf(f, " %s", t->col[j]);
            fputc('\n', f);
            for (size_t r = 0; r < t->nrows; r++) {
                fputs("   ", f);
                for (size_t j = 0; j < t->ncols; j++) {
                    char b[48];
                    if (strstr(t->col[j], "index"))
                        continue;
                    fmt_num(b, sizeof b, t->v[r * t->ncols + j]);
                    fprintf(f, " %*s", (int)strlen(t->col[j]), b);
                }
                fputc('\n', f);
            }
        }
        if (a->rs.nstages) {
            fprintf(f, "  stages:");
            for (size_t i = 0; i < a->rs.nstages; i++)
                fprintf(f, "%s %s@%.3g%%", i ? "," : "", a->rs.stages[i].stage,
                        a->rs.stages[i].start_strain_pct);
            fputc('\n', f);
        }
        /* The detector's parameters are in the JSON; the table keeps the
         * method line readable. */
        fprintf(f, "  method:");
        int shown = 0, hidden = 0;
        for (size_t i = 0; i < a->rs.nmethod; i++) {
            if (!strncmp(a->rs.method[i].key, "detect_", 7)) {
                hidden++;
                continue;
            }
            fprintf(f, "%s %s=", shown++ ? "," : "", a->rs.method[i].key);
            print_value(f, &a->rs.method[i], "");
        }
        if (hidden)
            fprintf(f, " (+%d detector parameters in --json)", hidden);
        fputc('\n', f);
        /* warnings stand out: physically inconsistent data, not fixed */
        for (size_t i = 0; i < a->nnotes; i++)
            fprintf(f, "  %s%s\n", is_warning(a->notes[i]) ? "" : "note: ", a->notes[i]);
        for (size_t i = 0; i < a->rs.nnotes; i++)
            fprintf(f, "  %s%s\n",
                    results_note_is_warning(&a->rs, i) ? "" : "note: ", a->rs.notes[i]);
    }
}

static void json_value(json_writer *w, const result_value *v)
{
    switch (v->kind) {
    case RV_NUMBER: json_number(w, v->v[0]); break;
    case RV_PAIR:
        if (!isfinite(v->v[0]) && !isfinite(v->v[1])) {
            json_null(w);
        } else {
            json_begin_array(w);
            json_number(w, v->v[0]);
            json_number(w, v->v[1]);
            json_end_array(w);
        }
        break;
    case RV_BOOL: json_bool(w, v->v[0] != 0); break;
    case RV_STRING: json_string(w, v->s); break;
    }
}

/* Tables of rows ("cycles", "holds"): an array of objects each. */
static void json_tables(json_writer *w, const result_set *rs)
{
    for (size_t k = 0; k < rs->ntables; k++) {
        const result_table *t = &rs->tables[k];
        json_key(w, t->name);
        if (!t->object)
            json_begin_array(w);
        for (size_t r = 0; r < t->nrows; r++) {
            json_begin_object(w);
            for (size_t j = 0; j < t->ncols; j++) {
                if (t->bool_cols & (1u << j)) {
                    json_key(w, t->col[j]);
                    json_bool(w, t->v[r * t->ncols + j] != 0);
                } else {
                    json_kv_number(w, t->col[j], t->v[r * t->ncols + j]);
                }
            }
            json_end_object(w);
            if (t->object)
                break;
        }
        if (!t->object)
            json_end_array(w);
    }
}

/* The array of specimens, as `rigor analyze --json` prints it. */
void json_specimens(json_writer *w, const analysed *v, size_t n)
{
    json_begin_array(w);
    for (size_t k = 0; k < n; k++) {
        const analysed *a = &v[k];
        json_begin_object(w);
        json_kv_string(w, "file", a->file);
        json_key(w, "specimen");
        json_string(w, a->specimen[0] ? a->specimen : NULL);
        json_kv_string(w, "test", a->rs.test);
        json_kv_string(w, "format", a->format);
        json_key(w, "source_columns");
        json_begin_object(w);
        for (int r = 0; r < CURVE_NROLES; r++) {
            if (!a->colname[r][0])
                continue;
            json_key(w, role_names[r]);
            json_begin_object(w);
            json_kv_string(w, "name", a->colname[r]);
            json_kv_string(w, "unit", a->colunit[r]);
            json_end_object(w);
        }
        json_end_object(w);
        json_key(w, "method");
        json_begin_object(w);
        for (size_t i = 0; i < a->rs.nmethod; i++) {
            json_key(w, a->rs.method[i].key);
            json_value(w, &a->rs.method[i]);
        }
        json_end_object(w);
        json_key(w, "results");
        json_begin_object(w);
        for (size_t i = 0; i < a->rs.nresults; i++) {
            json_key(w, a->rs.results[i].key);
            json_value(w, &a->rs.results[i]);
        }
        json_key(w, "stages");
        json_begin_array(w);
        for (size_t i = 0; i < a->rs.nstages; i++) {
            const result_stage *s = &a->rs.stages[i];
            json_begin_object(w);
            json_kv_string(w, "stage", s->stage);
            json_kv_int(w, "start_index", (long long)s->start_index);
            json_kv_number(w, "start_time_s", s->start_time_s);
            json_kv_number(w, "start_position_mm", s->start_position_mm);
            json_kv_number(w, "start_strain_pct", s->start_strain_pct);
            json_kv_number(w, "end_strain_pct", s->end_strain_pct);
            json_kv_number(w, "start_stress_mpa", s->start_stress_mpa);
            json_kv_string(w, "rule", s->rule);
            json_end_object(w);
        }
        json_end_array(w);
        json_tables(w, &a->rs);
        json_end_object(w);
        json_key(w, "notes");
        json_begin_array(w);
        for (size_t i = 0; i < a->nnotes; i++)
            json_string(w, a->notes[i]);
        for (size_t i = 0; i < a->rs.nnotes; i++)
            json_string(w, a->rs.notes[i]);
        json_end_array(w);
        /* the warning notes again, by their kind: a reader need not parse
         * the text (--strict exits 1 when any specimen has one) */
        json_key(w, "warnings");
        json_begin_array(w);
        for (size_t i = 0; i < a->nnotes; i++)
            if (is_warning(a->notes[i]))
                json_string(w, a->notes[i]);
        for (size_t i = 0; i < a->rs.nnotes; i++)
            if (results_note_is_warning(&a->rs, i))
                json_string(w, a->rs.notes[i]);
        json_end_array(w);
        if (a->excluded[0])
            json_kv_string(w, "excluded_from_summary", a->excluded);
        json_end_object(w);
    }
    json_end_array(w);
}

void output_json(FILE *f, const analysed *v, size_t n)
{
    json_writer w;
    json_init(&w, f, true);
    json_specimens(&w, v, n);
}

/* CSV field: quoted when it holds a delimiter, quote or newline (RFC 4180). */
void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

/* The warning notes of a, joined with " | ", as one CSV field. */
static void csv_warnings(FILE *f, const analysed *a)
{
    size_t len = 1;
    for (size_t i = 0; i < a->nnotes; i++)
        len += strlen(a->notes[i]) + 3;
    for (size_t i = 0; i < a->rs.nnotes; i++)
        len += strlen(a->rs.notes[i]) + 3;
    char *buf = malloc(len);
    if (!buf)
        return;
    size_t at = 0; /* len counts 3 bytes of separator per note, the NUL fits */
    for (size_t i = 0; i < a->nnotes + a->rs.nnotes; i++) {
        const char *note = i < a->nnotes ? a->notes[i] : a->rs.notes[i - a->nnotes];
        if (i < a->nnotes ? !is_warning(note) : !results_note_is_warning(&a->rs, i - a->nnotes))
            continue;
        if (at) {
            memcpy(buf + at, " | ", 3);
            at += 3;
        }
        size_t k = strlen(note);
        memcpy(buf + at, note, k);
        at += k;
    }
    buf[at] = '\0';
    csv_field(f, buf);
    free(buf);
}

void output_csv(FILE *f, const analysed *v, size_t n)
{
    /* Columns: the union of result keys in order of first appearance. */
    const char **keys = NULL;
    rv_kind *kinds = NULL;
    size_t nk = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < v[k].rs.nresults; i++) {
            const result_value *r = &v[k].rs.results[i];
            size_t j;
            for (j = 0; j < nk; j++)
                if (!strcmp(keys[j], r->key))
                    break;
            if (j < nk)
                continue;
            const char **nkeys = realloc(keys, (nk + 1) * sizeof *keys);
            rv_kind *nkinds = realloc(kinds, (nk + 1) * sizeof *kinds);
            if (nkeys)
                keys = nkeys;
            if (nkinds)
                kinds = nkinds;
            if (!nkeys || !nkinds)
                goto out;
            keys[nk] = r->key;
            kinds[nk] = r->kind;
            nk++;
        }
    }
    fputs("file,specimen,test", f);
    for (size_t j = 0; j < nk; j++) {
        if (kinds[j] == RV_PAIR)
            fprintf(f, ",%s_lo,%s_hi", keys[j], keys[j]);
        else
            fprintf(f, ",%s", keys[j]);
    }
    fputs(",warnings\n", f);
    for (size_t k = 0; k < n; k++) {
        csv_field(f, v[k].file);
        fputc(',', f);
        csv_field(f, v[k].specimen);
        fprintf(f, ",%s", v[k].rs.test);
        for (size_t j = 0; j < nk; j++) {
            const result_value *r = results_find(&v[k].rs, keys[j]);
            int width = kinds[j] == RV_PAIR ? 2 : 1;
            for (int c = 0; c < width; c++) {
                fputc(',', f);
                if (!r)
                    continue;
                if (r->kind == RV_STRING)
                    csv_field(f, r->s);
                else if (r->kind == RV_BOOL)
                    fputs(r->v[0] != 0 ? "true" : "false", f);
                else if (isfinite(r->v[c]))
                    fprintf(f, "%.10g", r->v[c]);
            }
        }
        fputc(',', f);
        csv_warnings(f, &v[k]);
        fputc('\n', f);
    }
out:
    free(keys);
    free(kinds);
}

void output_csv_table(FILE *f, const analysed *v, size_t n, const char *name)
{
    const result_table *first = NULL;
    for (size_t k = 0; k < n && !first; k++)
        first = results_table_find(&v[k].rs, name);
    if (!first) {
        fputs("file,specimen,test\n", f);
        return;
    }
    fputs("file,specimen,test", f);
    for (size_t j = 0; j < first->ncols; j++)
        fprintf(f, ",%s", first->col[j]);
    fputc('\n', f);
    for (size_t k = 0; k < n; k++) {
        const result_table *t = results_table_find(&v[k].rs, name);
        if (!t)
            continue;
        for (size_t r = 0; r < t->nrows; r++) {
            csv_field(f, v[k].file);
            fputc(',', f);
            csv_field(f, v[k].specimen);
            fprintf(f, ",%s", v[k].rs.test);
            for (size_t j = 0; j < t->ncols; j++) {
                double x = t->v[r * t->ncols + j];
                fputc(',', f);
                if (isfinite(x))
                    fprintf(f, "%.10g", x);
            }
            fputc('\n', f);
        }
    }
}
