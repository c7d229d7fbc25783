/* analysis.c — option defaults, standard presets, and the one analysis entry.
 *
 * analysis_run() reduces a curve to engineering stress and strain, once, in
 * SI: sigma = F / A0 (Pa) and eps = dL / L0 (ratio), unless the file already
 * has stress and strain columns (then those are used and the result says so),
 * and hands the arrays to the test's analysis. Missing geometry is an error
 * naming what is missing, never a guess.
 */
#include "analysis.h"

#include "../common/bigmem.h"
#include "../common/error.h"
#include "../common/pool.h"
#include "compression.h"
#include "cycles.h"
#include "detect.h"
#include "prepare.h"
#include "tensile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void analysis_opts_default(analysis_opts *o)
{
    memset(o, 0, sizeof *o);
    o->test = TEST_AUTO;
    curve_geom_clear(&o->geom);
    o->modulus = MOD_AUTO;
    o->mod_lo = o->mod_hi = NAN;
    o->use_file_columns = true;
    o->offset = 0.002;
    o->toe = true;
    o->break_drop_frac = 0.20;
    o->break_drop_samples = 10;
    o->break_low_frac = 0.10;
    o->rt = 0;
    o->final_diameter_m = o->final_width_m = o->final_thickness_m = NAN;
    o->compliance_m_per_N = 0;
    o->plateau_lo = 0.20;
    o->plateau_hi = 0.30;
    o->energy_to = 0.50;
    holds_opts_default(&o->holds);
}

int analysis_preset(analysis_opts *o, const char *name)
{
    if (!strcmp(name, "iso527")) {
        /* ISO 527-1 §10.3: chord modulus between 0.05 % and 0.25 % strain.
         * Yield (§3.3, §10.4): the yield stress is the stress at the first
         * strain increase without a stress increase (zero slope, the first
         * local maximum), not an offset yield; an offset yield is given
         * only when asked (--offset), as ISO 527-1 leaves it to agreement. */
        o->test = TEST_TENSILE;
        o->modulus = MOD_CHORD;
        o->mod_lo = 0.0005;
        o->mod_hi = 0.0025;
        o->toe = true;
        o->offset = 0;
        o->yield = YIELD_ZERO_SLOPE;
    } else if (!strcmp(name, "astm-d638")) {
        /* ASTM D638: tangent modulus of the linear region, toe compensation
         * (Annex A1), 0.2 % offset yield. */
        o->test = TEST_TENSILE;
        o->modulus = MOD_AUTO;
        o->toe = true;
        o->offset = 0.002;
        /* D638 terminology: the yield point is the first point of zero
         * slope; the offset yield strength applies to materials without
         * one. */
        o->yield = YIELD_ZERO_SLOPE_OR_OFFSET;
    } else if (!strcmp(name, "astm-d882")) {
        /* ASTM D882 (thin sheeting): modulus from the initial linear portion
         * with toe compensation (Annex A1), tensile energy to break (A2);
         * yield strength at the first zero slope, else the offset yield
         * (D882 terminology, as D638). */
        o->test = TEST_TENSILE;
        o->modulus = MOD_AUTO;
        o->toe = true;
        o->offset = 0.002;
        o->yield = YIELD_ZERO_SLOPE_OR_OFFSET;
    } else if (!strcmp(name, "iso604")) {
        /* ISO 604: compressive modulus as the chord 0.05 %..0.25 %. */
        o->test = TEST_COMPRESSION;
        o->modulus = MOD_CHORD;
        o->mod_lo = 0.0005;
        o->mod_hi = 0.0025;
        o->offset = 0.002;
    } else if (!strcmp(name, "astm-d695")) {
        /* ASTM D695: modulus of the initial linear portion, offset yield. */
        o->test = TEST_COMPRESSION;
        o->modulus = MOD_AUTO;
        o->offset = 0.002;
    } else if (!strcmp(name, "iso13314")) {
        /* ISO 13314: plateau mean stress 20..30 % strain, plateau end at
         * 1.3 x plateau, energy absorption to 50 % strain. */
        o->test = TEST_COMPRESSION;
        o->modulus = MOD_AUTO;
        o->plateau_lo = 0.20;
        o->plateau_hi = 0.30;
        o->energy_to = 0.50;
        o->offset = 0.01;
        /* NOTE: cellular solids can lose 20 % of the first maximum within a
         * few samples when a cell row collapses; that is not fracture. */
        o->break_drop_frac = 0.5;
    } else {
        return RIGOR_EINVAL;
    }
    snprintf(o->preset, sizeof o->preset, "%s", name);
    return RIGOR_OK;
}

static double pick(double override, double from_file)
{
    return isfinite(override) ? override : from_file;
}

void analysis_merge_geom(const curve_geom *opt, const curve_geom *file, curve_geom *g)
{
    g->width_m = pick(opt->width_m, file->width_m);
    g->thickness_m = pick(opt->thickness_m, file->thickness_m);
    g->diameter_m = pick(opt->diameter_m, file->diameter_m);
    g->area_m2 = pick(opt->area_m2, file->area_m2);
    g->gauge_m = pick(opt->gauge_m, file->gauge_m);
    g->height_m = pick(opt->height_m, file->height_m);
    /* An explicit area, width/thickness or diameter on the command line
     * replaces the file's cross-section as a whole. */
    if (isfinite(opt->width_m) || isfinite(opt->thickness_m) || isfinite(opt->diameter_m)) {
        if (!isfinite(opt->area_m2))
            g->area_m2 = NAN;
        if (isfinite(opt->diameter_m) && !isfinite(opt->width_m))
            g->width_m = g->thickness_m = NAN;
    }
}

/* Stages and the fracture rule of a tensile curve: the recorded curve is
 * replayed through the streaming detector, the very code a live test runs.
 * Without a force channel the detector sees stress x area = force. The
 * replay (stages_replay) touches nothing but its own events, so it can run
 * beside tensile_analyze; tensile_stages records them afterwards. */
#define STAGE_EVENTS 64 /* stages beyond the first 64 events are not listed */

typedef struct {
    const analysis_opts *o;
    const double *t, *eps, *sig, *force;
    size_t n;
    detect_params dp;
    detect_event ev[STAGE_EVENTS];
    size_t nev;
    int rc;
} stages_job;

static void stages_replay(stages_job *j)
{
    detect_params_for(j->o, false, &j->dp);
    j->rc = detect_run_curve(&j->dp, j->t, j->eps, j->sig, j->force ? j->force : j->sig, j->n,
                             j->ev, STAGE_EVENTS, &j->nev);
    if (j->rc == RIGOR_EFULL) {
        j->nev = STAGE_EVENTS;
        j->rc = RIGOR_OK;
    }
}

static int tensile_stages(const curve *c, stages_job *j, result_set *rs)
{
    const detect_event *ev = j->ev;
    size_t nev = j->nev, n = j->n;
    const double *t = j->t, *eps = j->eps, *sig = j->sig;
    int rc = j->rc;
    if (rc)
        return rc;
    rc = detect_add_stages(rs, ev, nev, t, curve_has(c, CURVE_EXT) ? c->ch[CURVE_EXT] : NULL, eps,
                           sig, n - 1);
    if (rc)
        return rc;
    for (size_t i = 0; i < nev; i++)
        if (ev[i].kind == DET_FRACTURE) {
            results_string(rs, "fracture_rule", ev[i].rule ? ev[i].rule : "");
            results_number(rs, "fracture_index", (double)ev[i].index);
            break;
        }
    return detect_params_record(&j->dp, rs);
}

/* The two independent parts of a tensile analysis as pool items: 0 the
 * results (tensile_analyze, the only one writing rs), 1 the stage replay. */
typedef struct {
    const double *t, *eps, *sig, *force;
    size_t n;
    double area;
    const analysis_opts *o;
    result_set *rs;
    char *why;
    size_t wl;
    int rc;
    stages_job *st;
} tensile_job;

static void tensile_part(void *ctx, size_t k)
{
    tensile_job *j = ctx;
    if (k == 0)
        j->rc = tensile_analyze(j->t, j->eps, j->sig, j->force, j->n, j->area, j->o, j->rs,
                                j->why, j->wl);
    else
        stages_replay(j->st);
}

/* The extensometer switch in the results: where, how, and the match. The
 * reported strain is toe-compensated like every other strain result. */
static const char *ext_switch_how(ext_switch_kind k)
{
    static const char *const how[] = {"none", "its column became empty", "it froze",
                                      "it jumped away"};
    return k <= EXT_SWITCH_JUMPED ? how[k] : "?";
}

/* The extensometer stopped at sample ns and nothing continues its strain:
 * the results of samples [0, ns) stand for what needs a strain, but the
 * strength needs none (ISO 6892-1 Rm = Fm / S0; E8 tensile strength). When
 * the force went on rising after ns, Rm and the maximum force come from the
 * whole record and what would need the strain there is null, not the value
 * at the cut. The break is after the cut in any case: null. */
static int strain_stopped_results(const double *sig, const double *force, size_t ns, size_t n,
                                  result_set *rs)
{
    size_t im = 0;
    for (size_t i = 1; i < n; i++)
        if (sig[i] > sig[im])
            im = i;
    int rc = 0;
    if (im >= ns) {
        rc |= results_number(rs, "tensile_strength_mpa", sig[im] / 1e6);
        if (force)
            rc |= results_number(rs, "max_force_n", force[im]);
        rc |= results_number(rs, "strain_at_max_pct", NAN);
        rc |= results_number(rs, "true_stress_max_mpa", NAN);
        rc |= results_note(rs, "tensile_strength_mpa, max_force_n: from the whole record (the "
                               "maximum lies after the extensometer stopped); "
                               "strain_at_max_pct, true_stress_max_mpa: not known");
    }
    rc |= results_number(rs, "break_stress_mpa", NAN);
    rc |= results_number(rs, "strain_at_break_pct", NAN);
    rc |= results_number(rs, "toughness_mj_m3", NAN);
    rc |= results_note(rs, "break_stress_mpa, strain_at_break_pct, toughness_mj_m3: the break "
                           "lies after the extensometer stopped: not known");
    return rc ? RIGOR_ENOMEM : RIGOR_OK;
}

static int ext_switch_record(const ext_switch *sw, size_t n, result_set *rs)
{
    double toe = results_get(rs, "toe_offset_pct");
    double at = sw->strain_at * 100 - (isfinite(toe) ? toe : 0);
    int rc = results_number(rs, "extensometer_removed_at_pct", at);
    rc |= results_method_number(rs, "extensometer_removed_sample", (double)sw->at + 1);
    rc |= results_method_string(rs, "strain_after_removal",
                                sw->k_fitted ? "crosshead, slope matched on the overlap"
                                             : "crosshead / gauge length");
    rc |= results_method_number(rs, "crosshead_strain_per_mm", sw->k_per_m * 1e-3);
    rc |= results_method_number(rs, "crosshead_compliance_mm_per_N", sw->c_m_per_N * 1e3);
    rc |= results_note(rs,
                       "the extensometer was removed at sample %zu (%s) at %.4g %% strain; "
                       "the strain of the %zu samples after it is continued from the "
                       "crosshead (%s%s), and every result uses that combined curve",
                       sw->at + 1, ext_switch_how(sw->kind), at, n - sw->at,
                       sw->k_fitted ? "slope matched on the overlap before it"
                                    : "crosshead / gauge length",
                       sw->c_m_per_N > 0 ? ", frame compliance removed" : "");
    return rc ? RIGOR_ENOMEM : RIGOR_OK;
}

int analysis_run(const curve *c, const analysis_opts *o, result_set *rs, char *why, size_t wl)
{
    test_kind test = o->test;
    if (test == TEST_AUTO)
        test = !strcmp(c->test, "compression") ? TEST_COMPRESSION : TEST_TENSILE;

    if (test == TEST_COMPRESSION) {
        snprintf(rs->test, sizeof rs->test, "compression");
        if (o->preset[0])
            results_method_string(rs, "preset", o->preset);
        /* A Rigor run file states the frame compliance it ran with. */
        const curve_meta *cm = curve_meta_find(c, "compliance_mm_per_N");
        if (cm && o->compliance_m_per_N == 0 && !o->compliance_file[0]) {
            char *end;
            double v = strtod(cm->value, &end);
            if (end != cm->value && isfinite(v) && v >= 0) {
                analysis_opts oc = *o;
                oc.compliance_m_per_N = v * 1e-3;
                results_note(rs, "frame compliance %.6g mm/N from the run file", v);
                int crc = compression_analyze(c, &oc, rs, why, wl);
                return crc ? crc : cycles_compression(c, &oc, rs);
            }
        }
        int crc = compression_analyze(c, o, rs, why, wl);
        return crc ? crc : cycles_compression(c, o, rs); /* cycles, whole-record max */
    }

    curve_geom g;
    analysis_merge_geom(&o->geom, &c->geom, &g);
    double area = curve_geom_area(&g);
    if (isfinite(area) && !(area > 0)) {
        snprintf(why, wl, "cross-section area %.6g mm^2 is not positive", area * 1e6);
        return RIGOR_EGEOMETRY;
    }
    if (isfinite(g.gauge_m) && !(g.gauge_m > 0)) {
        snprintf(why, wl, "gauge length %.6g mm is not positive", g.gauge_m * 1e3);
        return RIGOR_EGEOMETRY;
    }

    const double *sig = NULL, *eps = NULL;
    double *own_sig = NULL, *own_eps = NULL;
    int rc = RIGOR_OK;
    bool file_sig = o->use_file_columns && curve_has(c, CURVE_STRESS);
    bool file_eps = o->use_file_columns && curve_has(c, CURVE_STRAIN);

    if (file_sig) {
        if ((rc = curve_check_finite(c, CURVE_STRESS, "stress", why, wl)))
            return rc;
        sig = c->ch[CURVE_STRESS];
    } else {
        if (!curve_has(c, CURVE_FORCE)) {
            snprintf(why, wl, "the data has neither a stress nor a force column");
            return RIGOR_ENODATA;
        }
        if (!isfinite(area)) {
            snprintf(why, wl, "missing geometry: the cross-section is needed for stress; give "
                              "--area, or --width and --thickness, or --diameter");
            return RIGOR_EGEOMETRY;
        }
        if ((rc = curve_check_finite(c, CURVE_FORCE, "force", why, wl)))
            return rc;
        own_sig = bigmem_alloc_touched(c->n * sizeof *own_sig, o->threads);
        if (!own_sig)
            return RIGOR_ENOMEM;
        for (size_t i = 0; i < c->n; i++)
            own_sig[i] = c->ch[CURVE_FORCE][i] / area; /* sigma = F / A0 */
        sig = own_sig;
    }
    ext_switch sw = {.kind = EXT_SWITCH_NONE, .at = c->n};
    /* the crosshead, when the file has one, finite (a separate one beside
     * an extensometer extension first: prepare.h) */
    bool separate = false;
    const double *xhead = prepare_crosshead(c, &separate);
    /* The load the switch is judged on: the force beside a crosshead, else
     * the stress (finite, checked above). */
    const double *load = xhead ? c->ch[CURVE_FORCE] : sig;
    if (!file_eps && separate && isfinite(g.gauge_m)) {
        /* The extension is the extensometer's, beside a crosshead: its
         * strain dL / L0 may stop mid-test like a strain column's. */
        own_eps = bigmem_alloc_touched(c->n * sizeof *own_eps, o->threads);
        if (!own_eps) {
            rc = RIGOR_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < c->n; i++)
            own_eps[i] = c->ch[CURVE_EXT][i] / g.gauge_m; /* eps = dL / L0 */
        if ((rc = prepare_ext_switch(own_eps, xhead, load, c->n, g.gauge_m,
                                     prepare_compliance(c, o), &sw, why, wl)))
            goto out;
        if (sw.kind != EXT_SWITCH_NONE || sw.rezero_at)
            prepare_ext_combine(own_eps, xhead, load, c->n, &sw, own_eps);
        for (size_t i = 0; i < c->n; i++)
            if (!isfinite(own_eps[i])) {
                snprintf(why, wl, "extension of sample %zu is not a finite number", i + 1);
                rc = RIGOR_ENODATA;
                goto out;
            }
        eps = own_eps;
    }
    if (file_eps) {
        /* An extensometer removed mid-test (ISO 6892-1 allows it after
         * yield): continue its strain from the crosshead (prepare.h), or,
         * without one, end the analysis where it stopped. */
        if ((rc = prepare_ext_switch(c->ch[CURVE_STRAIN], xhead, load, c->n, g.gauge_m,
                                     prepare_compliance(c, o), &sw, why, wl)))
            goto out;
    }
    /* samples with a measured strain: all, or up to a removal with nothing
     * to continue from */
    size_t n_eps = sw.kind != EXT_SWITCH_NONE && !xhead ? sw.at : c->n;
    if (file_eps && (sw.kind != EXT_SWITCH_NONE || sw.rezero_at)) {
        own_eps = bigmem_alloc_touched(c->n * sizeof *own_eps, o->threads);
        if (!own_eps) {
            rc = RIGOR_ENOMEM;
            goto out;
        }
        prepare_ext_combine(c->ch[CURVE_STRAIN], xhead, load, c->n, &sw, own_eps);
        eps = own_eps;
        for (size_t i = 0; i < n_eps; i++)
            if (!isfinite(eps[i])) {
                snprintf(why, wl, "strain of sample %zu is not a finite number", i + 1);
                rc = RIGOR_ENODATA;
                goto out;
            }
    } else if (file_eps) {
        if ((rc = curve_check_finite(c, CURVE_STRAIN, "strain", why, wl)))
            goto out;
        eps = c->ch[CURVE_STRAIN];
    } else if (eps) {
        /* the extensometer's dL / L0, continued from the crosshead (above) */
    } else {
        if (!curve_has(c, CURVE_EXT)) {
            snprintf(why, wl, "the data has neither a strain nor an extension column");
            rc = RIGOR_ENODATA;
            goto out;
        }
        if (!isfinite(g.gauge_m)) {
            snprintf(why, wl, "missing geometry: the gauge length is needed for strain; give "
                              "--gauge-length");
            rc = RIGOR_EGEOMETRY;
            goto out;
        }
        if ((rc = curve_check_finite(c, CURVE_EXT, "extension", why, wl)))
            goto out;
        own_eps = bigmem_alloc_touched(c->n * sizeof *own_eps, o->threads);
        if (!own_eps) {
            rc = RIGOR_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < c->n; i++)
            own_eps[i] = c->ch[CURVE_EXT][i] / g.gauge_m; /* eps = dL / L0 */
        eps = own_eps;
    }
    /* (Stress from force has checked the force already.) */
    if (file_sig && curve_has(c, CURVE_FORCE) &&
        (rc = curve_check_finite(c, CURVE_FORCE, "force", why, wl)))
        goto out;

    if (o->preset[0])
        results_method_string(rs, "preset", o->preset);
    results_method_string(rs, "stress_source", file_sig ? "file column" : "force / area");
    results_method_string(rs, "strain_source", file_eps ? "file column" : "extension / gauge length");
    results_method_number(rs, "area_mm2", area * 1e6);
    results_method_number(rs, "gauge_length_mm", g.gauge_m * 1e3);
    if (file_sig || file_eps)
        results_note(rs, "used the file's own %s%s%s column%s", file_sig ? "stress" : "",
                     file_sig && file_eps ? " and " : "", file_eps ? "strain" : "",
                     file_sig && file_eps ? "s" : "");

    const double *t = curve_has(c, CURVE_TIME) ? c->ch[CURVE_TIME] : NULL;
    const double *force = curve_has(c, CURVE_FORCE) ? c->ch[CURVE_FORCE] : NULL;
    /* An unload is not a break: the detector is fed only while a live test
     * loads the specimen, and the offline analysis stops where the crosshead
     * was driven back with the specimen still carrying load. */
    double ffrac;
    size_t n = prepare_loading_end(xhead, eps, force ? force : sig, n_eps, &ffrac);
    if (n < n_eps)
        results_note(rs,
                     "the %s reversed at sample %zu (strain %.4g %%) with the force "
                     "still at %.0f %% of its maximum: an unload, not a break; the analysis "
                     "ends there (%zu of %zu samples)",
                     xhead ? "crosshead" : "strain, with the force,", n, eps[n] * 100,
                     ffrac * 100, n, c->n);
    if (n_eps < c->n)
        results_note(rs,
                     "the extensometer stopped at sample %zu (%s) and the file has no crosshead "
                     "to continue the strain from: the analysis ends there (%zu of %zu "
                     "samples); results after it (the maximum, the break) are not known",
                     n_eps + 1, ext_switch_how(sw.kind), n_eps, c->n);
    if (sw.rezero_at)
        results_note(
            rs,
            "the extensometer stepped by %.4g %% strain at sample %zu while it went on "
            "following the crosshead: a re-zero, not an unload; the step is taken out",
            -sw.rezero_shift * 100, sw.rezero_at + 1);
    stages_job *st = malloc(sizeof *st);
    if (!st) {
        rc = RIGOR_ENOMEM;
        goto out;
    }
    *st = (stages_job){.o = o, .t = t, .eps = eps, .sig = sig, .force = force, .n = n};
    tensile_job tj = {t, eps, sig, force, n, area, o, rs, why, wl, RIGOR_OK, st};
    pool_run(2, o->threads, tensile_part, &tj);
    rc = tj.rc;
    if (rc == RIGOR_OK && n < c->n) {
        const result_value *br = results_find(rs, "break_rule");
        if (br && !strcmp(br->s, "end-of-data"))
            results_string(rs, "break_rule", n < n_eps ? "unloaded" : "extensometer-removed");
    }
    if (rc == RIGOR_OK && n_eps < c->n && n == n_eps)
        rc = strain_stopped_results(sig, force, n_eps, c->n, rs);
    if (rc == RIGOR_OK && sw.kind != EXT_SWITCH_NONE && xhead)
        rc = ext_switch_record(&sw, c->n, rs);
    /* A specimen that did not break reports no break and, unless it passed
     * its maximum, no strength (tensile.h: tensile_apply_end). */
    if (rc == RIGOR_OK) {
        const curve_meta *er = curve_meta_find(c, "end_reason");
        rc = tensile_apply_end(tensile_end_from_reason(er ? er->value : NULL),
                               er ? er->value : NULL, eps, sig, n, rs);
    }
    if (rc == RIGOR_OK)
        rc = tensile_stages(c, st, rs);
    /* Cycles and the rest of the record after the first unload (cycles.h).
     * Not after an extensometer removal without a crosshead (n == n_eps): the
     * rest of that record has no strain to analyse a stroke on. */
    if (rc == RIGOR_OK && n < c->n && n < n_eps)
        rc = cycles_tensile_whole(t, eps, sig, force, n, c->n, area, o, rs);
    if (rc == RIGOR_OK) {
        double toe = results_get(rs, "toe_offset_pct");
        rc = cycles_report(t, eps, sig, force, c->n, area, isfinite(toe) ? toe / 100 : 0, 0,
                           o->cycles ? 1 : 2, rs);
        if (rc == RIGOR_OK) /* holds: relaxation at position, creep at force (holds.h) */
            rc = holds_report(t, curve_has(c, CURVE_EXT) ? c->ch[CURVE_EXT] : eps, eps, sig,
                              force, c->n, isfinite(toe) ? toe / 100 : 0, &o->holds, rs);
    }
    free(st);
out:
    free(own_sig);
    free(own_eps);
    return rc;
}
