/* compression.c — compression analysis (ISO 604, ASTM D695, ISO 13314).
 *
 * Pipeline, in this order (each step a static function below):
 *  1. geometry: A0 and h0 from the options over the file (analysis_merge_geom);
 *  2. signs: force sign from the sample of largest |F| (compression is what
 *     the test does most), travel sign from the travel at that sample
 *     relative to the first sample; everything after is a magnitude;
 *  3. the first loading stroke: up to the first sample that reaches the
 *     largest travel before the crosshead reverses (by > 1 % of the travel
 *     range); return strokes, holds (relaxation) and later cycles are out;
 *  4. contact: the streaming detector on the force (detect.h), so that the
 *     live run and this analysis find the same sample;
 *  5. strain eps = (s_x (x - x_c) - (delta(F) - delta(F_c))) / h0 and stress
 *     sigma = F / A0 (ISO 13314 §3: initial area and height), or the file's
 *     own columns; the detector runs again with them for the stages;
 *  6. results, each with the formula and clause next to its code.
 * Nothing here prints; every parameter goes into the method list.
 */
#include "compression.h"

#include "../common/bigmem.h"
#include "../common/error.h"
#include "compliance.h"
#include "modulus.h"
#include "numeric.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLATEAU_END_FACTOR 1.3 /* ISO 13314: plateau end at 1.3 x plateau stress */
#define REVERSAL_FRAC 0.01     /* a return stroke: travel back by 1 % of its range */
#define FIRST_MAX_DROP 0.01    /* first maximum: followed by a 1 % drop ... */
#define MIN_SAMPLES 8          /* fewer samples: no compression analysis */
#define APPROACH_MIN 20        /* fewer pre-contact samples: no approach recorded */
#define RAMP_SIGMAS 6.0        /* a baseline rising by more than 6 residual SDs: a ramp */
#define TOE_MAX 0.02           /* toe extrapolation applied up to 2 % strain */

/* Force noise of the pre-contact samples F[0..m-1] (m >= 10), N (one SD):
 * the SD about a least-squares line through them, when they rise by more
 * than RAMP_SIGMAS such SDs (a record that starts on the loading ramp: the
 * plain SD would be the ramp's spread, not noise; *ramp = true), else the
 * plain SD about their mean. */
static double baseline_sd(const double *F, size_t m, bool *ramp)
{
    double mean, sd;
    numeric_mean_sd(F, m, &mean, &sd);
    *ramp = false;
    double *ix = malloc(m * sizeof *ix);
    if (!ix)
        return sd;
    for (size_t i = 0; i < m; i++)
        ix[i] = (double)i;
    linfit f;
    if (!numeric_linfit(ix, F, m, &f)) {
        double ss = 0;
        for (size_t i = 0; i < m; i++) {
            double r = F[i] - (f.c0 + f.c1 * (double)i);
            ss += r * r;
        }
        double rsd = m > 2 ? sqrt(ss / (double)(m - 2)) : 0;
        if (f.c1 * (double)(m - 1) > RAMP_SIGMAS * rsd && f.c1 > 0) {
            *ramp = true;
            sd = rsd;
        }
    }
    free(ix);
    return sd;
}

/* Sign of v[i_ref] - v[0] (+1 when zero). */
static double direction(const double *v, size_t i_ref)
{
    return v[i_ref] - v[0] < 0 ? -1.0 : 1.0;
}

/* End of the first loading stroke on the magnitude m[0..n-1] (travel or
 * strain): where the crosshead first reverses by more than REVERSAL_FRAC of
 * the travel range, the stroke ends at the sample of largest force among
 * those within 0.1 % of the range of the largest travel (so a hold at the
 * top, where the force relaxes, is excluded); a
 * hold at the end of the data (>= 1 % of the samples, at least 10, within
 * 0.1 % of the largest value) ends it too; otherwise the whole record is one stroke. */
static size_t loading_end(const double *m, const double *F, size_t n, size_t *stop_out)
{
    *stop_out = n - 1;
    double lo, hi;
    numeric_minmax(m, n, &lo, &hi);
    double range = hi - lo;
    if (!(range > 0))
        return n - 1;
    double run = m[0];
    size_t stop = n - 1;
    bool reversed = false;
    for (size_t i = 1; i < n; i++) {
        if (m[i] > run)
            run = m[i];
        else if (m[i] < run - REVERSAL_FRAC * range) {
            stop = i;
            reversed = true;
            break;
        }
    }
    size_t first = stop;
    for (size_t i = 0; i <= stop; i++) {
        if (m[i] >= run - 1e-3 * range) {
            first = i;
            break;
        }
    }
    *stop_out = stop;
    if (!reversed && stop - first < (n / 100 > 10 ? n / 100 : 10))
        return n - 1;
    /* Within the top 0.1 %: the sample of largest force (the end of the
     * stroke for quantised travel, the start of a hold for relaxation). */
    size_t best = first;
    for (size_t i = first; i <= stop; i++)
        if (m[i] >= run - 1e-3 * range && F[i] > F[best])
            best = i;
    return best;
}

/* Integral of sigma d(eps) over the parts of segments [i, i+1] (i0 <= i <
 * i1) that lie inside the strain interval [a, b], each segment clipped
 * linearly; a segment that runs backwards in strain subtracts. Used for the
 * ISO 13314 plateau mean (equal weight per strain, whatever the sampling). */
static double integral_clipped(const double *e, const double *s, size_t i0, size_t i1, double a,
                               double b)
{
    double sum = 0;
    for (size_t i = i0; i < i1; i++) {
        double e0 = e[i], e1 = e[i + 1], s0 = s[i], s1 = s[i + 1];
        if (e1 == e0)
            continue;
        double lo = fmax(fmin(e0, e1), a), hi = fmin(fmax(e0, e1), b);
        if (!(hi > lo))
            continue;
        double slo = s0 + (lo - e0) / (e1 - e0) * (s1 - s0);
        double shi = s0 + (hi - e0) / (e1 - e0) * (s1 - s0);
        double part = 0.5 * (slo + shi) * (hi - lo);
        sum += e1 > e0 ? part : -part;
    }
    return sum;
}

/* Modulus by the options (one implementation per method: modulus.c). The
 * line is sigma = c0 + E eps on contact .. i1. Defaults where the options
 * give no window: the ISO 604 chord 0.05 %% .. 0.25 %% (also for fit), a 1 %%
 * secant. q receives the E3076 metrics for --modulus e3076. */
typedef struct {
    double E, c0, r2;
    double e_lo, e_hi;
    const char *how;
} modulus;

static int find_modulus(const double *e, const double *s, size_t i0, size_t i1,
                        const analysis_opts *o, modulus *m, modulus_quality *q, char *why,
                        size_t wl)
{
    m->E = m->c0 = m->r2 = m->e_lo = m->e_hi = NAN;
    m->how = modulus_method_name(o->modulus);
    if (q)
        memset(q, 0, sizeof *q);
    modulus_method meth = o->modulus;
    double lo = o->mod_lo, hi = o->mod_hi;
    if ((meth == MOD_CHORD || meth == MOD_FIT) && !(isfinite(lo) && isfinite(hi))) {
        lo = 0.0005; /* ISO 604: chord between 0.05 % and 0.25 % strain */
        hi = 0.0025;
    }
    if (meth == MOD_SECANT && !isfinite(lo))
        lo = 0.01;
    if (i1 < i0 + 2) {
        snprintf(why, wl, "only %zu samples between contact and yield for the modulus",
                 i1 >= i0 ? i1 - i0 + 1 : 0);
        return RIGOR_ENODATA;
    }
    modulus_line ml;
    int rc;
    switch (meth) {
    case MOD_CHORD: rc = modulus_chord(e, s, i0, i1, lo, hi, &ml, why, wl); break;
    case MOD_SECANT: rc = modulus_secant(e, s, i0, i1, lo, &ml, why, wl); break;
    case MOD_FIT: rc = modulus_fit(e, s, i0, i1, lo, hi, &ml, why, wl); break;
    case MOD_E3076: rc = modulus_e3076(e, s, i0, i1, TOE_MAX, &ml, q, why, wl); break;
    case MOD_AUTO:
    default: rc = modulus_auto(e, s, i0, i1, TOE_MAX, &ml, why, wl); break;
    }
    if (rc)
        return rc;
    m->E = ml.E_Pa;
    m->c0 = ml.c0_Pa;
    m->r2 = ml.r2;
    m->e_lo = ml.eps_lo;
    m->e_hi = ml.eps_hi;
    return RIGOR_OK;
}

/* Everything computed for one curve; freed in one place. */
typedef struct {
    double *F;   /* force magnitude, N */
    double *eps; /* engineering strain, ratio */
    double *sig; /* engineering stress, Pa */
    double *W;   /* cumulative absorbed energy, J/m^3 */
} work;

static void work_free(work *w)
{
    free(w->F);
    free(w->eps);
    free(w->sig);
    free(w->W);
}

int compression_analyze(const curve *c, const analysis_opts *o, result_set *rs, char *why,
                        size_t wl)
{
    snprintf(rs->test, sizeof rs->test, "compression");
    why[0] = 0;
    size_t n = c->n;
    work wk = {0};
    compliance_table ct = {0};
    detect_event *ev = NULL;
    int rc = RIGOR_OK;

    if (n < MIN_SAMPLES) {
        snprintf(why, wl, "only %zu samples: too few for a compression analysis", n);
        return RIGOR_ENODATA;
    }
    curve_geom g;
    analysis_merge_geom(&o->geom, &c->geom, &g);
    double A0 = curve_geom_area(&g), h0 = g.height_m;
    if (isfinite(A0) && !(A0 > 0)) {
        snprintf(why, wl, "cross-section area %.6g mm^2 is not positive", A0 * 1e6);
        return RIGOR_EGEOMETRY;
    }
    if (isfinite(h0) && !(h0 > 0)) {
        snprintf(why, wl, "specimen height %.6g mm is not positive", h0 * 1e3);
        return RIGOR_EGEOMETRY;
    }
    bool file_sig = o->use_file_columns && curve_has(c, CURVE_STRESS);
    bool file_eps = o->use_file_columns && curve_has(c, CURVE_STRAIN);
    bool has_F = curve_has(c, CURVE_FORCE), has_x = curve_has(c, CURVE_EXT);
    if (!has_F && !(file_sig && isfinite(A0))) {
        snprintf(why, wl, "the data has no force column (needed for contact and fracture)");
        return RIGOR_ENODATA;
    }
    if (!file_sig && !isfinite(A0)) {
        snprintf(why, wl, "missing geometry: the cross-section is needed for stress; give "
                          "--area, or --width and --thickness, or --diameter");
        return RIGOR_EGEOMETRY;
    }
    if (!file_eps && !has_x) {
        snprintf(why, wl, "the data has neither a strain nor a travel/position column");
        return RIGOR_ENODATA;
    }
    if (!file_eps && !isfinite(h0)) {
        snprintf(why, wl, "missing geometry: the initial specimen height is needed for strain; "
                          "give --height");
        return RIGOR_EGEOMETRY;
    }
    if ((has_F && (rc = curve_check_finite(c, CURVE_FORCE, "force", why, wl))) ||
        (has_x && (rc = curve_check_finite(c, CURVE_EXT, "travel", why, wl))) ||
        (file_sig && (rc = curve_check_finite(c, CURVE_STRESS, "stress", why, wl))) ||
        (file_eps && (rc = curve_check_finite(c, CURVE_STRAIN, "strain", why, wl))))
        return rc;
    if (o->compliance_file[0]) {
        rigor_diag d;
        rc = compliance_load(o->compliance_file, &ct, &d);
        if (rc) {
            rigor_diag_format(&d, why, wl);
            return rc;
        }
    }

    wk.F = bigmem_alloc_touched(n * sizeof *wk.F, o->threads);
    wk.eps = bigmem_alloc_touched(n * sizeof *wk.eps, o->threads);
    wk.sig = bigmem_alloc_touched(n * sizeof *wk.sig, o->threads);
    wk.W = bigmem_alloc_touched(n * sizeof *wk.W, o->threads);
    ev = malloc(64 * sizeof *ev);
    if (!wk.F || !wk.eps || !wk.sig || !wk.W || !ev) {
        rc = RIGOR_ENOMEM;
        goto out;
    }
    const double *t = curve_has(c, CURVE_TIME) ? c->ch[CURVE_TIME] : NULL;
    const double *x = has_x ? c->ch[CURVE_EXT] : NULL;

    /* 2. Signs. The force magnitude is what compresses the specimen. */
    const double *Fraw = has_F ? c->ch[CURVE_FORCE] : c->ch[CURVE_STRESS];
    size_t i_abs = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(Fraw[i]) > fabs(Fraw[i_abs]))
            i_abs = i;
    double sF = Fraw[i_abs] < 0 ? -1.0 : 1.0;
    for (size_t i = 0; i < n; i++)
        wk.F[i] = has_F ? sF * Fraw[i] : sF * Fraw[i] * A0;
    double sX = x ? direction(x, i_abs) : 1.0;
    double sE = file_eps ? direction(c->ch[CURVE_STRAIN], i_abs) : 1.0;
    double sS = file_sig ? (c->ch[CURVE_STRESS][i_abs] < 0 ? -1.0 : 1.0) : 1.0;

    /* 3. The first loading stroke, on travel (or on the file strain). */
    for (size_t i = 0; i < n; i++)
        wk.W[i] = x ? sX * x[i] : sE * c->ch[CURVE_STRAIN][i]; /* scratch */
    size_t i_stop;
    size_t i_end = loading_end(wk.W, wk.F, n, &i_stop);

    /* 4. Contact: the detector on the force alone (stages need strain), up
     * to the contact it finds (nothing later is used from this pass). */
    detect_params dp;
    detect_params_for(o, true, &dp);
    size_t nev = 0;
    rc = detect_run_until(&dp, t, NULL, NULL, wk.F, i_end + 1, DET_CONTACT, ev, 64, &nev);
    if (rc && rc != RIGOR_EFULL) {
        snprintf(why, wl, "detector parameters out of range");
        goto out;
    }
    size_t ic = 0;
    bool contact = false;
    for (size_t k = 0; k < nev && k < 64; k++) {
        if (ev[k].kind == DET_CONTACT) {
            ic = ev[k].index;
            contact = true;
            break;
        }
    }
    if (!contact) {
        snprintf(why, wl, "no contact found: the force never rises above %.3g N (or %.3g "
                          "baseline standard deviations)",
                 dp.contact_force_N, dp.contact_sigma);
        rc = RIGOR_ENODATA;
        goto out;
    }

    /* 5. Strain and stress (engineering, ISO 13314 §3 / ISO 604). */
    double dc = 0;
    const char *compl_how = "none";
    if (ct.n) {
        dc = compliance_deflection(&ct, wk.F[ic]);
        compl_how = "table";
    } else if (o->compliance_m_per_N > 0) {
        dc = o->compliance_m_per_N * wk.F[ic];
        compl_how = "constant";
    }
    for (size_t i = 0; i < n; i++) {
        if (file_eps) {
            wk.eps[i] = sE * c->ch[CURVE_STRAIN][i];
        } else {
            double delta = 0;
            if (ct.n)
                delta = compliance_deflection(&ct, wk.F[i]) - dc;
            else if (o->compliance_m_per_N > 0)
                delta = o->compliance_m_per_N * wk.F[i] - dc;
            wk.eps[i] = (sX * (x[i] - x[ic]) - delta) / h0;
        }
        wk.sig[i] = file_sig ? sS * c->ch[CURVE_STRESS][i] : wk.F[i] / A0;
    }

    /* Stages and fracture: the same detector, now with strain and stress,
     * run on to the end of the top of the stroke: a brittle specimen breaks
     * at its maximum force and the crosshead then stops, so the drop lies
     * just after i_end. A fracture more than a few samples after i_end is a
     * relaxation or an unload, not this stroke's fracture. */
    size_t i_det = i_stop > i_end ? i_stop : i_end;
    rc = detect_run_curve(&dp, t, wk.eps, wk.sig, wk.F, i_det + 1, ev, 64, &nev);
    if (rc == RIGOR_EFULL) {
        results_note(rs, "the detector reported more than 64 events; later ones are dropped");
        nev = 64;
        rc = RIGOR_OK;
    } else if (rc) {
        goto out;
    }
    size_t late = i_end + 2 * (size_t)dp.rate_window + (size_t)dp.debounce;
    size_t keep = 0;
    for (size_t k = 0; k < nev && k < 64; k++)
        if (ev[k].index <= i_end || (ev[k].kind == DET_FRACTURE && ev[k].index <= late))
            ev[keep++] = ev[k];
    nev = keep;
    const detect_event *frac = NULL, *yield_ev = NULL, *after_elastic = NULL;
    for (size_t k = 0; k < nev; k++) {
        if (ev[k].kind == DET_FRACTURE)
            frac = &ev[k];
        if (ev[k].kind == DET_YIELD && !yield_ev)
            yield_ev = &ev[k];
        if (!after_elastic && (ev[k].kind == DET_YIELD || ev[k].kind == DET_PLASTIC ||
                               ev[k].kind == DET_PLATEAU || ev[k].kind == DET_DENSIFICATION))
            after_elastic = &ev[k];
    }
    /* The analysed part: contact .. fracture point, or .. end of loading. */
    size_t ie = frac ? frac->index : i_end;
    if (ie <= ic + 2) {
        snprintf(why, wl, "fewer than 3 samples between contact (sample %zu) and the end of "
                          "loading (sample %zu)",
                 ic + 1, ie + 1);
        rc = RIGOR_ENODATA;
        goto out;
    }
    double *e = wk.eps, *s = wk.sig;

    /* Cumulative absorbed energy W(eps) = int_contact^eps sigma d(eps) (J/m^3). */
    for (size_t i = 0; i < n; i++)
        wk.W[i] = 0;
    for (size_t i = ic + 1; i <= ie; i++)
        wk.W[i] = wk.W[i - 1] + 0.5 * (s[i] + s[i - 1]) * (e[i] - e[i - 1]);

    /* Method record. */
    if (o->preset[0])
        results_method_string(rs, "preset", o->preset);
    results_method_string(rs, "stress_source", file_sig ? "file column" : "force / area");
    results_method_string(rs, "strain_source",
                          file_eps ? "file column"
                                   : "(travel since contact - machine deflection) / height");
    results_method_number(rs, "area_mm2", A0 * 1e6);
    results_method_number(rs, "height_mm", h0 * 1e3);
    results_method_string(rs, "force_sign",
                          sF < 0 ? "negative = compression" : "positive = compression");
    if (x)
        results_method_string(rs, "travel_sign",
                              sX < 0 ? "decreasing = compression" : "increasing = compression");
    results_method_string(rs, "compliance", compl_how);
    if (!strcmp(compl_how, "constant"))
        results_method_number(rs, "compliance_mm_per_n", o->compliance_m_per_N * 1e3);
    if (ct.n)
        results_method_string(rs, "compliance_file", o->compliance_file);
    results_method_number(rs, "contact_sample", (double)ic + 1);
    results_method_number(rs, "loading_end_sample", (double)i_end + 1);
    detect_params_record(&dp, rs);
    if (file_sig || file_eps)
        results_note(rs, "used the file's own %s%s%s column%s%s", file_sig ? "stress" : "",
                     file_sig && file_eps ? " and " : "", file_eps ? "strain" : "",
                     file_sig && file_eps ? "s" : "",
                     file_eps ? " (strain as recorded: not re-zeroed at contact, no compliance "
                                "correction)"
                              : "");
    if (i_end + 1 < n)
        results_note(rs, "the modulus, yield, first maximum, plateau and energy results are "
                         "the first loading stroke's (samples 1..%zu of %zu); cycles, holds, "
                         "the maximum and a later fracture are the whole record's",
                     i_end + 1, n);

    /* max_force_n, max_stress_mpa, max_strain_pct over the loading stroke. */
    size_t imF = 0, imS = ic, imE = ic;
    for (size_t i = 0; i <= i_end; i++)
        if (wk.F[i] > wk.F[imF])
            imF = i;
    for (size_t i = ic; i <= i_end; i++) {
        if (s[i] > s[imS])
            imS = i;
        if (e[i] > e[imE])
            imE = i;
    }
    results_number(rs, "max_force_n", wk.F[imF]);
    {
        double gmax = wk.F[0];
        for (size_t i = 1; i < n; i++)
            gmax = fmax(gmax, wk.F[i]);
        if (gmax > wk.F[imF])
            results_note(rs, "the force after the first loading stroke reaches %.6g N, above "
                             "the first stroke's maximum %.6g N",
                         gmax, wk.F[imF]);
    }

    /* Modulus on contact .. end of the elastic stage (yield event), else
     * the first stage after it, else the maximum stress / fracture. */
    size_t i_mod_end = after_elastic ? after_elastic->index : (frac ? frac->index : imS);
    if (i_mod_end <= ic + 2)
        i_mod_end = imS > ic + 2 ? imS : ie;
    /* A record that starts already in contact (no approach: fewer than
     * APPROACH_MIN samples before the contact, or the force already rising
     * on them) has no strain zero of its own: the travel at the contact
     * sample still carries the specimen's deformation under the force it
     * began at. ISO 604 [UNVERIFIED clause] (and ASTM D695 toe
     * compensation): the zero is
     * where the linear part, extrapolated, meets zero stress:
     * eps' = eps - eps0, eps0 = -c0 / E of the objective (auto) line. */
    bool ramp = false;
    double base_sd = ic >= 10 ? baseline_sd(wk.F, ic, &ramp) : NAN;
    bool no_approach = ic < APPROACH_MIN || ramp;
    double toe = 0;
    if (no_approach) {
        analysis_opts oa = *o;
        oa.modulus = MOD_AUTO;
        modulus ma;
        char twhy[160] = "";
        if (find_modulus(e, s, ic, i_mod_end, &oa, &ma, NULL, twhy, sizeof twhy) == RIGOR_OK &&
            ma.E > 0) {
            double e0 = -ma.c0 / ma.E;
            if (fabs(e0) <= TOE_MAX) {
                toe = e0;
                for (size_t i = 0; i < n; i++)
                    e[i] -= toe;
                results_number(rs, "toe_offset_pct", toe * 100);
                results_method_string(rs, "strain_zero",
                                      "toe extrapolation of the linear part (ISO 604)");
                results_note(rs,
                             "the record starts already in contact (%s): the strain zero is "
                             "the linear part extrapolated to zero stress (ISO 604), so the "
                             "first contact sample lies at %.4g %% strain",
                             ramp ? "the force rises from the first sample"
                                  : "no approach before the contact",
                             -toe * 100);
            } else {
                results_note(rs,
                             "the record starts already in contact, but the linear part meets "
                             "zero stress %.4g %% strain away (more than %.3g %%): not "
                             "applied; strains are from the first contact sample",
                             -e0 * 100, TOE_MAX * 100);
            }
        }
    }
    modulus m;
    char mwhy[160] = "";
    modulus_quality mq;
    int mrc = find_modulus(e, s, ic, i_mod_end, o, &m, &mq, mwhy, sizeof mwhy);
    if (mrc == RIGOR_OK) {
        if (o->modulus == MOD_E3076)
            modulus_quality_report(rs, &mq);
        /* Compressive modulus E_c = d(sigma)/d(eps) (ISO 604 chord 0.05..0.25 %,
         * ASTM D695 initial linear portion). */
        results_number(rs, "compressive_modulus_mpa", m.E * 1e-6);
        results_number(rs, "modulus_r2", m.r2);
        if (!isfinite(m.r2))
            results_note(rs, "modulus_r2: not defined for a %s modulus", m.how);
        else if (m.r2 < MODULUS_R2_MIN)
            results_warn(rs,
                         "modulus fit r^2 = %.4f is below %.2f: the window is not a straight "
                         "line",
                         m.r2, MODULUS_R2_MIN);
        results_method_string(rs, "modulus_method", m.how);
        results_method_pair(rs, "modulus_window_pct", m.e_lo * 100, m.e_hi * 100);
    } else {
        results_number(rs, "compressive_modulus_mpa", NAN);
        results_number(rs, "modulus_r2", NAN);
        results_note(rs, "compressive_modulus_mpa: %s", mwhy);
    }

    /* Offset yield: the first crossing of the curve below the line
     * sigma = E (eps - eps0 - offset), eps0 = -c0/E the zero-stress strain
     * of the modulus line (ISO 13314 offset/proof stress; D695 offset). */
    double offset = o->offset > 0 ? o->offset : 0.002;
    results_method_number(rs, "offset_pct", offset * 100);
    double ys = NAN;
    if (mrc == RIGOR_OK && m.E > 0) {
        double eps0 = -m.c0 / m.E;
        size_t i_start = ic;
        while (i_start < ie && e[i_start] < m.e_hi)
            i_start++;
        double dprev = NAN;
        for (size_t i = i_start; i <= ie; i++) {
            double d = s[i] - m.E * (e[i] - eps0 - offset);
            if (isfinite(dprev) && dprev > 0 && d <= 0) {
                double f = dprev / (dprev - d);
                ys = s[i - 1] + f * (s[i] - s[i - 1]);
                break;
            }
            dprev = d;
        }
    }
    results_number(rs, "yield_strength_mpa", ys * 1e-6);
    if (!isfinite(ys))
        results_note(rs, "yield_strength_mpa: the curve does not cross the %.3g %% offset line "
                         "%s",
                     offset * 100, frac ? "before fracture" : "within the loading stroke");

    /* ISO 13314 first maximum compressive strength: the first local maximum,
     * i.e. the running peak once the stress has fallen FIRST_MAX_DROP below
     * it (and by more than twice the 3-sigma force noise, so a noise dip on
     * the slow rise after contact is not a maximum). */
    /* Force noise: 3 standard deviations of the pre-contact baseline when
     * there are >= 10 samples of it, else the detector's noise floor. */
    /* (On a record that starts on the ramp, the SD about the ramp's line:
     * baseline_sd.) */
    double noise_N = dp.noise_floor_N;
    if (ic >= 10 && isfinite(base_sd))
        noise_N = 3 * base_sd;
    results_method_number(rs, "force_noise_n", noise_N);
    double noise_s = noise_N / (isfinite(A0) ? A0 : 1);
    double fm = NAN;
    {
        size_t ip = ic;
        for (size_t i = ic; i <= i_end; i++) {
            if (s[i] > s[ip])
                ip = i;
            else if (s[ip] - s[i] > FIRST_MAX_DROP * s[ip] && s[ip] - s[i] > 2 * noise_s) {
                fm = s[ip];
                break;
            }
        }
    }
    if (!isfinite(fm) && frac) {
        /* a brittle specimen: its first maximum is the peak it broke at */
        fm = s[ic];
        for (size_t i = ic; i <= ie; i++)
            if (s[i] > fm)
                fm = s[i];
    }
    results_number(rs, "first_max_stress_mpa", fm * 1e-6);
    if (!isfinite(fm))
        results_note(rs, "first_max_stress_mpa: the stress rises without a local maximum");

    /* Fracture from the detector (the last sample before the drop). */
    if (frac) {
        results_number(rs, "fracture_stress_mpa", frac->stress_Pa * 1e-6);
        results_number(rs, "fracture_strain_pct", (frac->strain - toe) * 100);
        results_string(rs, "fracture_rule", frac->rule);
    } else {
        results_number(rs, "fracture_stress_mpa", NAN);
        results_number(rs, "fracture_strain_pct", NAN);
        results_note(rs, "fracture_stress_mpa, fracture_strain_pct: no fracture detected%s",
                     i_end + 1 < n ? " on the first loading stroke" : "");
    }

    /* ISO 13314 plateau stress: the arithmetic mean of the stress between
     * eps_lo and eps_hi (20..30 % or 20..40 %), taken per unit strain:
     * sigma_pl = (1 / (hi - lo)) int_lo^hi sigma d(eps). */
    double plo = o->plateau_lo > 0 ? o->plateau_lo : 0.20;
    double phi = o->plateau_hi > plo ? o->plateau_hi : 0.30;
    results_method_pair(rs, "plateau_window_pct", plo * 100, phi * 100);
    results_method_number(rs, "plateau_end_factor", PLATEAU_END_FACTOR);
    double spl = NAN, eple = NAN;
    if (e[imE] >= phi && !(frac && frac->strain - toe < phi)) {
        spl = integral_clipped(e, s, ic, ie, plo, phi) / (phi - plo);
        /* Plateau end: the first strain >= lo where sigma = 1.3 sigma_pl. */
        size_t i = ic;
        while (i <= ie && e[i] < plo)
            i++;
        for (; i + 1 <= ie; i++) {
            if (s[i] < PLATEAU_END_FACTOR * spl && s[i + 1] >= PLATEAU_END_FACTOR * spl) {
                double f = (PLATEAU_END_FACTOR * spl - s[i]) / (s[i + 1] - s[i]);
                eple = e[i] + f * (e[i + 1] - e[i]);
                break;
            }
        }
        if (!isfinite(eple))
            results_note(rs, "plateau_end_strain_pct: the stress never reaches %.2g x the "
                             "plateau stress",
                         PLATEAU_END_FACTOR);
    } else {
        results_note(rs, "plateau_stress_mpa, plateau_end_strain_pct: the %s ends before "
                         "%.4g %% strain",
                     i_end + 1 < n ? "first loading stroke" : "curve", phi * 100);
    }
    results_number(rs, "plateau_stress_mpa", spl * 1e-6);
    results_number(rs, "plateau_end_strain_pct", eple * 100);

    /* Densification onset: strain at the global maximum of the energy
     * absorption efficiency eta(eps) = (1 / sigma(eps)) int_0^eps sigma d(eps)
     * (Avalle et al. 2001; Li, Magkiriadis & Harrigan 2006), over the samples
     * with sigma above 1 % of the maximum and 10 x the stress noise; undefined when the
     * maximum is at the end of the data (eta still rising) or after fracture. */
    results_method_string(rs, "densification_method",
                          "max energy absorption efficiency W(eps)/sigma(eps)");
    double edens = NAN;
    if (frac) {
        results_note(rs, "densification_strain_pct: the specimen fractured");
    } else {
        size_t ib = 0;
        double eb = -1;
        double smin = fmax(0.01 * s[imS], 10 * noise_s);
        for (size_t i = ic + 1; i <= ie; i++) {
            if (!(s[i] > smin))
                continue;
            double eta = wk.W[i] / s[i];
            if (eta > eb) {
                eb = eta;
                ib = i;
            }
        }
        size_t tail = (ie - ic) / 50;
        if (eb > 0 && ib + tail < ie && ib + 1 < ie)
            edens = e[ib];
        else
            results_note(rs, "densification_strain_pct: the efficiency is still rising at the "
                             "end of the %s (no maximum)",
                         i_end + 1 < n ? "first loading stroke" : "data");
        if (eb > 0)
            results_method_number(rs, "max_efficiency", eb);
    }
    results_number(rs, "densification_strain_pct", edens * 100);

    /* Energy absorption W = int_0^eps_e sigma d(eps) (ISO 13314 [UNVERIFIED
     * clause], to 50 % strain by default), in MJ/m^3; to the end when the
     * curve is shorter, said in a note. */
    double eto = o->energy_to > 0 ? o->energy_to : 0.50;
    results_method_number(rs, "energy_to_pct", eto * 100);
    double Wabs = NAN;
    {
        size_t i = ic;
        while (i < ie && e[i + 1] < eto)
            i++;
        if (i < ie) {
            double f = (eto - e[i]) / (e[i + 1] - e[i]);
            Wabs = wk.W[i] + 0.5 * (s[i] + (s[i] + f * (s[i + 1] - s[i]))) * (eto - e[i]);
            results_method_string(rs, "energy_absorption_to", "energy_to strain");
        } else {
            Wabs = wk.W[ie];
            results_method_string(rs, "energy_absorption_to", "end of data");
            results_note(rs, "energy_absorption_mj_m3: integrated to the end of the %s "
                             "(%.4g %% strain%s), short of %.4g %%",
                         i_end + 1 < n ? "first loading stroke" : "data", e[ie] * 100,
                         frac ? ", the fracture point" : "", eto * 100);
        }
    }
    results_number(rs, "energy_absorption_mj_m3", Wabs * 1e-6);
    results_number(rs, "max_stress_mpa", s[imS] * 1e-6);
    results_number(rs, "max_strain_pct", e[imE] * 100);
    /* An engineering compressive strain eps = dh / h0 above 1 would take the
     * specimen past zero height: not a physical strain (a wrong height, a
     * travel in the wrong unit, or platens that ran past the specimen). */
    if (e[imE] > 1.0)
        results_warn(rs,
                     "maximum strain %.4g %% is beyond 100 %%: a compression cannot shorten a "
                     "specimen by more than its height (check the height and the travel unit)",
                     e[imE] * 100);

    rc = detect_add_stages(rs, ev, nev, t, x, e, s, ie);
out:
    free(ev);
    work_free(&wk);
    compliance_free(&ct);
    return rc;
}
