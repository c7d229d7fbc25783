/* analyze_one.c — `rigor analyze`, one specimen: analysis, uncertainty
 * inputs from the run file, vendor results beside Rigor's, the strain
 * channel and the group label. Moved unchanged from cmd_analyze.c; run by
 * pool_run (analyze_priv.h), so it must stay free of global state.
 */
#include "analyze_priv.h"
#include "storeio.h"

#include "../analysis/analysis.h"
#include "../analysis/tensile.h"
#include "../common/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Vendor results stated in the file, next to Rigor's own, with the relative
 * difference (Rigor - vendor) / vendor, so a lab can audit its history. */
/* Which channel the strain came from (extensometer, crosshead, a file
 * column), for the results' method: ISO 6892-1 cl. 10 wants the
 * extensometer, and a reader must see when it was the crosshead. */
static void add_strain_channel(const curve *c, const analysis_opts *o, result_set *rs)
{
    int r = o->use_file_columns && c->ch[CURVE_STRAIN] ? CURVE_STRAIN : CURVE_EXT;
    if (!c->colname[r][0])
        return;
    char buf[200];
    snprintf(buf, sizeof buf, "%s '%s'", csvin_channel_kind(c->colname[r], c->colunit[r]),
             c->colname[r]);
    results_method_string(rs, "strain_channel", buf);
}

void analyze_add_vendor(const curve *c, result_set *rs)
{
    csvin_vendor v[32];
    size_t n = csvin_vendor_results(c, v, 32);
    for (size_t i = 0; i < n; i++) {
        const char *name = v[i].name;
        size_t len = strlen(name);
        double disp = v[i].value_si; /* to the display unit the key names */
        if (len > 4 && !strcmp(name + len - 4, "_mpa"))
            disp /= 1e6;
        else if (len > 4 && !strcmp(name + len - 4, "_pct"))
            disp *= 100;
        char key[64];
        snprintf(key, sizeof key, "vendor_%s", name);
        results_number(rs, key, disp);
        double own = results_get(rs, name);
        /* a compressive strength is the maximum stress (ISO 604 §3.5) */
        if (!isfinite(own) && !strcmp(name, "compressive_strength_mpa"))
            own = results_get(rs, "max_stress_mpa");
        if (isfinite(own) && isfinite(disp) && disp != 0) {
            snprintf(key, sizeof key, "vendor_%s_rel_diff", name);
            results_number(rs, key, (own - disp) / disp);
        }
    }
}

/* A run-file header number: false (and *why) when present but not a number
 * of the range; *v untouched when absent. */
static bool header_num(const curve *c, const char *key, double lo, double hi,
                       const double *classes, double *v, bool *found, char *why, size_t wl)
{
    const curve_meta *m = curve_meta_find(c, key);
    *found = false;
    if (!m || !m->value[0])
        return true;
    char *end;
    double x = strtod(m->value, &end);
    while (*end == ' ')
        end++;
    bool ok = end != m->value && !*end && x >= lo && x <= hi;
    if (ok && classes) { /* a class of the standard, as the rig file requires */
        ok = false;
        for (int i = 0; i < 4; i++)
            ok |= x == classes[i];
    }
    if (!ok) {
        if (classes)
            snprintf(why, wl, "run file header '%s: %s': expected a class %g, %g, %g or %g", key,
                     m->value, classes[0], classes[1], classes[2], classes[3]);
        else
            snprintf(why, wl, "run file header '%s: %s': expected a number in [%g, %g]", key,
                     m->value, lo, hi);
        return false;
    }
    *v = x;
    *found = true;
    return true;
}

/* The inputs no flag stated, from the run file: force_class,
 * extensometer_class, and geometry_resolution_mm r, which gives each
 * measured dimension (width, thickness, diameter, height; not the gauge
 * length, which the extensometer or the grips set) u = r / sqrt(12), a
 * rectangular distribution on +-r/2 (GUM 4.3.7). Fills the *_src strings
 * (in src). */
static int unc_from_run_file(const curve *c, const analysis_opts *o, unsigned given,
                             unc_opts *u, char src[3][224], char *why, size_t wl)
{
    static const double iso7500[4] = {0.5, 1, 2, 3}, iso9513[4] = {0.2, 0.5, 1, 2};
    const curve_meta *rig = curve_meta_find(c, "rig");
    char from[128];
    snprintf(from, sizeof from, "run file (rig %.100s)", rig && rig->value[0] ? rig->value : "?");
    u->force_class_src = (given & UG_FC) ? "--force-class" : NULL;
    u->ext_class_src = (given & UG_EC) ? "--extensometer-class" : NULL;
    u->u_geom_src = (given & (UG_W | UG_T | UG_D | UG_G | UG_H | UG_A)) ? "flags" : NULL;
    bool f;
    double v;
    if (strcmp(c->format, "rigor-run") != 0)
        return RIGOR_OK; /* another program's header keys mean what that program says */
    if (!(given & UG_FC)) {
        if (!header_num(c, "force_class", 0.5, 3, iso7500, &v, &f, why, wl))
            return RIGOR_EPARSE;
        if (f) {
            u->force_class_pct = v;
            snprintf(src[0], sizeof src[0], "%s", from);
            u->force_class_src = src[0];
        }
    }
    if (!(given & UG_EC)) {
        if (!header_num(c, "extensometer_class", 0.2, 2, iso9513, &v, &f, why, wl))
            return RIGOR_EPARSE;
        if (f) {
            u->ext_class_pct = v;
            snprintf(src[1], sizeof src[1], "%s", from);
            u->ext_class_src = src[1];
        }
    }
    if (given & UG_A)
        return RIGOR_OK; /* the area's own uncertainty replaces the dimensions' */
    if (!header_num(c, "geometry_resolution_mm", 1e-9, 10, NULL, &v, &f, why, wl))
        return RIGOR_EPARSE;
    if (!f)
        return RIGOR_OK;
    curve_geom g;
    analysis_merge_geom(&o->geom, &c->geom, &g);
    double ur = v * 1e-3 / sqrt(12.0);
    int n = 0;
#define FROM_RES(bit, field)                                                                       if (!(given & bit) && isfinite(g.field) && g.field > 0) {                                          u->u_geom.field = ur;                                                                          n++;                                                                                       }
    FROM_RES(UG_W, width_m);
    FROM_RES(UG_T, thickness_m);
    FROM_RES(UG_D, diameter_m);
    FROM_RES(UG_H, height_m);
#undef FROM_RES
    if (n) {
        snprintf(src[2], sizeof src[2], "%s%s: geometry_resolution %g mm / sqrt(12)",
                 u->u_geom_src ? "flags and " : "", from, v);
        u->u_geom_src = src[2];
    }
    return RIGOR_OK;
}

/* The group label of a specimen: its folder (default), format, test, file
 * or the value of a metadata key ("(no KEY)" when the file lacks it). */
static void group_label(const curve *c, const analysed *a, const char *by, char *out,
                        size_t len)
{
    if (!strcmp(by, "folder")) {
        const char *slash = strrchr(c->file, '/');
        if (!slash)
            snprintf(out, len, ".");
        else if (slash == c->file)
            snprintf(out, len, "/");
        else
            snprintf(out, len, "%.*s", (int)(slash - c->file), c->file);
    } else if (!strcmp(by, "format")) {
        snprintf(out, len, "%s", c->format);
    } else if (!strcmp(by, "test")) {
        snprintf(out, len, "%s", a->rs.test);
    } else if (!strcmp(by, "file")) {
        snprintf(out, len, "%s", c->file);
    } else {
        const curve_meta *m = curve_meta_find(c, by);
        if (m && m->value[0])
            snprintf(out, len, "%s", m->value);
        else
            snprintf(out, len, "(no %s)", by);
    }
}

void analyse_one(void *ctx, size_t k)
{
    pool *p = ctx;
    const curve *c = p->cl->v[k];
    job *j = &p->jobs[k];
    j->rc = analysed_from_curve(&j->a, c);
    if (j->rc != RIGOR_OK)
        return;
    j->rc = analysis_run(c, p->o, &j->a.rs, j->why, sizeof j->why);
    if (j->rc != RIGOR_OK)
        return;
    if (p->unc) {
        unc_opts u = *p->unc;
        u.jobs = p->o->threads; /* the threads the curves leave over */
        char src[3][224];
        j->rc = unc_from_run_file(c, p->o, p->unc_given, &u, src, j->why, sizeof j->why);
        if (j->rc != RIGOR_OK)
            return;
        j->rc = uncertainty_run(c, p->o, &u, &j->a.rs, j->why, sizeof j->why);
        if (j->rc != RIGOR_OK)
            return;
    }
    analyze_add_vendor(c, &j->a.rs);
    add_strain_channel(c, p->o, &j->a.rs);
    group_label(c, &j->a, p->group_by, j->a.group, sizeof j->a.group);
}
