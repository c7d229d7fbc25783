/* cycles.c — segment a record into load–unload cycles and report each; see cycles.h.
 *
 * Segmentation (turning points with a hysteresis gate, the peak-valley
 * extraction that precedes rainflow counting in ASTM E1049-85 §5.4.4): the
 * strain x is followed with a running extreme; a peak is declared when x has
 * come back from its running maximum by more than the gate h, a valley when
 * it has risen from its running minimum by more than h, with
 *     h = max(CYCLES_REV_FRAC * (max x - min x), 8 * s_noise),
 *     s_noise = 1.4826 * MAD(x[i+1] - x[i]) / sqrt(2)
 * (the noise of one sample estimated from the differences, robust to the
 * ramp itself). A cycle runs from the previous valley (or the first sample)
 * through a peak to the next valley; when the record ends on an unload, its
 * last sample closes the last cycle.
 *
 * Per cycle (docs/analysis-cycles.md):
 *   peak: the sample of largest stress in the cycle; valley: the sample of
 *   smallest stress on its unloading branch; residual strain: strain at the
 *   valley;
 *   unloading modulus E_u: least squares sigma = c0 + E_u eps over the
 *   unloading samples from the peak whose stress lies between
 *   s_v + CYCLES_UNLOAD_LO (s_p - s_v) and s_v + CYCLES_UNLOAD_HI (s_p - s_v)
 *   (ISO 14577-1 Annex A and Oliver–Pharr fit the upper unloading branch in
 *   the same spirit);
 *   hysteresis energy: W_h = closed-path integral of sigma d(eps) from the
 *   cycle's start to its valley (trapezoids): loading work minus the work
 *   given back on unloading, J/m^3 (the loop area when the loop closes).
 */
#include "cycles.h"

#include "../common/error.h"
#include "holds.h"
#include "numeric.h"
#include "tensile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Robust standard deviation of one sample's noise from first differences. */
static double diff_noise(const double *x, size_t n)
{
    if (n < 3)
        return 0;
    size_t m = n - 1, step = m > 20000 ? m / 20000 : 1, k = 0;
    double *d = malloc((m / step + 1) * sizeof *d);
    if (!d)
        return 0;
    for (size_t i = 0; i + 1 < n; i += step)
        d[k++] = fabs(x[i + 1] - x[i]);
    /* the differences are centred on the ramp's step; take the MAD about
     * their median */
    qsort(d, k, sizeof *d, cmp_double);
    double med = d[k / 2];
    for (size_t i = 0; i < k; i++)
        d[i] = fabs(d[i] - med);
    qsort(d, k, sizeof *d, cmp_double);
    double mad = d[k / 2];
    free(d);
    return 1.4826 * mad / sqrt(2.0);
}

/* Turning points: alternating peaks and valleys (indices), starting with a
 * peak. Returns the count (capacity cap). */
static size_t turning_points(const double *x, size_t n, size_t *tp, size_t cap, bool *ends_down)
{
    double lo = x[0], hi = x[0];
    for (size_t i = 1; i < n; i++) {
        lo = num_min(lo, x[i]);
        hi = num_max(hi, x[i]);
    }
    double h = num_max(CYCLES_REV_FRAC * (hi - lo), 8 * diff_noise(x, n));
    size_t ntp = 0, ext = 0;
    bool up = true;
    *ends_down = false;
    if (!(h > 0))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (up) {
            if (x[i] > x[ext])
                ext = i;
            else if (x[ext] - x[i] > h) {
                if (ntp < cap)
                    tp[ntp++] = ext;
                up = false;
                ext = i;
            }
        } else {
            if (x[i] < x[ext])
                ext = i;
            else if (x[i] - x[ext] > h) {
                if (ntp < cap)
                    tp[ntp++] = ext;
                up = true;
                ext = i;
            }
        }
    }
    *ends_down = !up;
    return ntp;
}

int cycles_find(const double *t_s, const double *x, const double *y, const double *force_N,
                size_t n, double area_m2, cycle_info *out, size_t cap, size_t *ncyc)
{
    *ncyc = 0;
    if (n < 8)
        return RIGOR_OK;
    size_t tcap = 2 * cap + 4;
    size_t *tp = malloc(tcap * sizeof *tp);
    if (!tp)
        return RIGOR_ENOMEM;
    bool ends_down;
    size_t ntp = turning_points(x, n, tp, tcap, &ends_down);
    if (ends_down && ntp < tcap)
        tp[ntp++] = n - 1; /* an unload to the end closes the last cycle */
    double ymax = 0;
    for (size_t i = 0; i < n; i++)
        ymax = num_max(ymax, y[i]);
    size_t found = 0, start = 0;
    for (size_t k = 0; k + 1 < ntp; k += 2) {
        size_t ip = tp[k], iv = tp[k + 1];
        /* the valley: smallest stress on the unloading branch */
        size_t imin = ip;
        for (size_t i = ip; i <= iv; i++)
            if (y[i] < y[imin])
                imin = i;
        size_t imax = start;
        for (size_t i = start; i <= iv; i++)
            if (y[i] > y[imax])
                imax = i;
        /* the force at the reversal itself must fall by CYCLES_MIN_DROP */
        if (!(y[ip] - y[imin] >= CYCLES_MIN_DROP * ymax)) {
            start = iv;
            continue;
        }
        if (found < cap) {
            cycle_info *c = &out[found];
            memset(c, 0, sizeof *c);
            c->i_start = start;
            c->i_peak = ip;
            c->i_valley = imin;
            c->t_peak_s = t_s ? t_s[imax] : NAN;
            c->peak_stress_Pa = y[imax];
            c->peak_strain = x[imax];
            c->valley_stress_Pa = y[imin];
            c->valley_strain = x[imin];
            c->peak_force_N = force_N ? force_N[imax] : y[imax] * area_m2;
            c->valley_force_N = force_N ? force_N[imin] : y[imin] * area_m2;
            /* upper unloading branch: contiguous from the reversal down to
             * the lower bound, without the top of the turn */
            double sp = y[ip], sv = y[imin];
            double top = sv + CYCLES_UNLOAD_HI * (sp - sv),
                   bot = sv + CYCLES_UNLOAD_LO * (sp - sv);
            size_t a = ip;
            while (a < imin && y[a] > top)
                a++;
            size_t b = a;
            while (b < imin && y[b] >= bot)
                b++;
            linfit lf;
            c->unload_modulus_Pa = c->unload_r2 = NAN;
            if (b > a + 3 && numeric_linfit(x + a, y + a, b - a, &lf) == RIGOR_OK) {
                c->unload_modulus_Pa = lf.c1;
                c->unload_r2 = lf.r2;
                c->unload_n = b - a;
            }
            c->hysteresis_J_m3 = numeric_trapz(x, y, start, imin);
        }
        found++;
        start = imin;
    }
    free(tp);
    *ncyc = found;
    return found > cap ? RIGOR_EFULL : RIGOR_OK;
}

#define CYCLES_CAP 100000 /* cycles listed; a longer fatigue record is cut (note) */

int cycles_report(const double *t_s, const double *x, const double *y, const double *force_N,
                  size_t n, double area_m2, double origin, size_t i_offset, size_t minimum,
                  result_set *rs)
{
    size_t cap = n / 4 + 1 < CYCLES_CAP ? n / 4 + 1 : CYCLES_CAP, nc = 0;
    cycle_info *cy = malloc(cap * sizeof *cy);
    if (!cy)
        return RIGOR_ENOMEM;
    int rc = cycles_find(t_s, x, y, force_N, n, area_m2, cy, cap, &nc);
    if (rc == RIGOR_EFULL) {
        results_note(rs, "%zu cycles found; the first %zu are listed", nc, cap);
        nc = cap;
        rc = RIGOR_OK;
    }
    if (rc || nc < minimum || nc == 0)
        goto out;
    static const char *const cols[] = {
        "cycle",          "start_index",       "peak_index",          "valley_index",
        "peak_time_s",    "peak_force_n",      "peak_stress_mpa",     "peak_strain_pct",
        "valley_force_n", "valley_stress_mpa", "residual_strain_pct", "unloading_modulus_mpa",
        "unloading_r2",   "hysteresis_mj_m3"};
    size_t ti;
    if ((rc = results_table_add(rs, "cycles", cols, sizeof cols / sizeof cols[0], &ti)))
        goto out;
    for (size_t k = 0; k < nc && rc == RIGOR_OK; k++) {
        const cycle_info *c = &cy[k];
        double row[] = {(double)(k + 1),
                        (double)(c->i_start + i_offset),
                        (double)(c->i_peak + i_offset),
                        (double)(c->i_valley + i_offset),
                        c->t_peak_s,
                        c->peak_force_N,
                        c->peak_stress_Pa * 1e-6,
                        (c->peak_strain - origin) * 100,
                        c->valley_force_N,
                        c->valley_stress_Pa * 1e-6,
                        (c->valley_strain - origin) * 100,
                        c->unload_modulus_Pa * 1e-6,
                        c->unload_r2,
                        c->hysteresis_J_m3 * 1e-6};
        rc = results_table_row(rs, ti, row);
    }
    if (rc)
        goto out;
    const cycle_info *f = &cy[0], *l = &cy[nc - 1];
    results_number(rs, "cycle_count", (double)nc);
    results_number(rs, "cycle_first_unloading_modulus_mpa", f->unload_modulus_Pa * 1e-6);
    results_number(rs, "cycle_last_unloading_modulus_mpa", l->unload_modulus_Pa * 1e-6);
    results_number(rs, "cycle_first_hysteresis_mj_m3", f->hysteresis_J_m3 * 1e-6);
    results_number(rs, "cycle_last_hysteresis_mj_m3", l->hysteresis_J_m3 * 1e-6);
    results_number(rs, "cycle_first_residual_strain_pct", (f->valley_strain - origin) * 100);
    results_number(rs, "cycle_last_residual_strain_pct", (l->valley_strain - origin) * 100);
    double tot = 0;
    for (size_t k = 0; k < nc; k++)
        tot += cy[k].hysteresis_J_m3;
    results_number(rs, "cycle_total_hysteresis_mj_m3", tot * 1e-6);
    results_method_pair(rs, "cycle_unloading_fit_pct", CYCLES_UNLOAD_LO * 100,
                        CYCLES_UNLOAD_HI * 100);
    results_method_number(rs, "cycle_reversal_gate_pct", CYCLES_REV_FRAC * 100);
    results_note(rs,
                 "%zu load-unload cycle%s; unloading modulus fitted on %.0f..%.0f %% of "
                 "each unloading branch's force range",
                 nc, nc == 1 ? "" : "s", CYCLES_UNLOAD_LO * 100, CYCLES_UNLOAD_HI * 100);
out:
    free(cy);
    return rc;
}

int cycles_tensile_whole(const double *t_s, const double *eps, const double *sig,
                         const double *force_N, size_t n_first, size_t n, double area_m2,
                         const analysis_opts *o, result_set *rs)
{
    if (n_first >= n)
        return RIGOR_OK;
    const double *y = force_N ? force_N : sig;
    double toe = results_get(rs, "toe_offset_pct");
    toe = isfinite(toe) ? toe / 100 : 0;
    size_t im = 0;
    for (size_t i = 1; i < n; i++)
        if (y[i] > y[im])
            im = i;
    double first = results_get(rs, force_N ? "max_force_n" : "tensile_strength_mpa");
    double scale = force_N ? 1 : 1e-6;
    if (im >= n_first && y[im] * scale > first) {
        results_number(rs, "max_force_n", force_N ? force_N[im] : sig[im] * area_m2);
        results_number(rs, "tensile_strength_mpa", sig[im] * 1e-6);
        results_number(rs, "strain_at_max_pct", (eps[im] - toe) * 100);
        results_note(rs,
                     "the maximum of the whole record (sample %zu) lies after the first "
                     "unload; maximum force, tensile strength and strain at maximum are "
                     "taken from the whole record",
                     im);
    }
    /* The last loading stroke: from the last cycle's valley on. */
    size_t cap = n / 4 + 1 < CYCLES_CAP ? n / 4 + 1 : CYCLES_CAP, nc = 0;
    cycle_info *cy = malloc(cap * sizeof *cy);
    if (!cy)
        return RIGOR_ENOMEM;
    int rc = cycles_find(t_s, eps, sig, force_N, n, area_m2, cy, cap, &nc);
    if (rc == RIGOR_EFULL)
        rc = RIGOR_OK, nc = cap;
    size_t i0 = nc ? cy[nc - 1].i_valley : n_first;
    free(cy);
    if (rc)
        return rc;
    if (i0 + 16 >= n)
        return RIGOR_OK; /* the record ends on the unload */
    /* Only when the last stroke goes beyond the first stroke's peak is the
     * last stroke a test to failure rather than a further cycle. */
    if (!(im > i0))
        return RIGOR_OK;
    result_set tail;
    results_init(&tail);
    analysis_opts ot = *o;
    ot.toe = false; /* recorded strains; the first stroke's toe offset is applied below */
    char why[256] = "";
    size_t m = n - i0;
    size_t m_end = tensile_loading_end(eps + i0, y + i0, m, &(double){0});
    rc = tensile_analyze(t_s ? t_s + i0 : NULL, eps + i0, sig + i0,
                         force_N ? force_N + i0 : NULL, m_end, area_m2, &ot, &tail, why,
                         sizeof why);
    if (rc == RIGOR_OK) {
        const result_value *br = results_find(&tail, "break_rule");
        results_number(rs, "break_stress_mpa", results_get(&tail, "break_stress_mpa"));
        double sb = results_get(&tail, "strain_at_break_pct");
        results_number(rs, "strain_at_break_pct", sb - toe * 100);
        if (br)
            results_string(rs, "break_rule",
                           m_end < m && !strcmp(br->s, "end-of-data") ? "unloaded" : br->s);
        double bi = results_get(&tail, "break_index");
        if (isfinite(bi)) {
            size_t ib = (size_t)bi + i0;
            results_number(rs, "break_index", (double)ib);
            /* Energy to break along the whole path: W = int sigma d(eps)
             * from the first sample to the break, the cycles' hysteresis
             * included (ASTM D882 A2 on a cyclic path). */
            results_number(rs, "toughness_mj_m3", numeric_trapz(eps, sig, 0, ib) * 1e-6);
            results_method_string(rs, "toughness_range",
                                  "first sample to the break, through the cycles");
        }
        double ts = results_get(&tail, "true_stress_max_mpa");
        if (ts > results_get(rs, "true_stress_max_mpa"))
            results_number(rs, "true_stress_max_mpa", ts);
        results_note(rs,
                     "break taken from the last loading stroke (samples %zu..%zu) after "
                     "the cycles",
                     i0, i0 + m_end);
    } else {
        results_note(rs,
                     "the last loading stroke (from sample %zu) could not be analysed for "
                     "the break: %s",
                     i0, why);
        rc = RIGOR_OK;
    }
    results_clear(&tail);
    return rc;
}

/* The last sample of compression's first loading stroke (from 0), or 0. */
static double loading_end(const result_set *rs)
{
    const result_value *v = results_find_method(rs, "loading_end_sample");
    return v && v->v[0] >= 1 ? v->v[0] - 1 : 0;
}

int cycles_compression(const curve *c, const analysis_opts *o, result_set *rs)
{
    const result_value *ra = results_find_method(rs, "area_mm2");
    const result_value *rh = results_find_method(rs, "height_mm");
    const result_value *rc_ = results_find_method(rs, "contact_sample");
    if (!ra || !rh || !rc_ || !curve_has(c, CURVE_FORCE) || !curve_has(c, CURVE_EXT))
        return RIGOR_OK;
    size_t n = c->n, ic = (size_t)rc_->v[0] - 1;
    double A0 = ra->v[0] * 1e-6, h0 = rh->v[0] * 1e-3;
    if (!(A0 > 0) || !(h0 > 0) || ic >= n)
        return RIGOR_OK;
    const double *Fr = c->ch[CURVE_FORCE], *xr = c->ch[CURVE_EXT];
    size_t ia = 0;
    for (size_t i = 1; i < n; i++)
        if (fabs(Fr[i]) > fabs(Fr[ia]))
            ia = i;
    double sF = Fr[ia] < 0 ? -1 : 1, sX = xr[ia] - xr[0] < 0 ? -1 : 1;
    double C = o->compliance_m_per_N;
    const result_value *rcm = results_find_method(rs, "compliance_mm_per_n");
    if (rcm)
        C = rcm->v[0] * 1e-3;
    double *F = malloc(n * sizeof *F), *e = malloc(n * sizeof *e), *s = malloc(n * sizeof *s);
    int rc = RIGOR_OK;
    if (!F || !e || !s) {
        rc = RIGOR_ENOMEM;
        goto out;
    }
    /* eps = (travel since contact - C (F - F_contact)) / h0, sigma = F / A0 */
    for (size_t i = 0; i < n; i++) {
        F[i] = sF * Fr[i];
        s[i] = F[i] / A0;
    }
    for (size_t i = 0; i < n; i++)
        e[i] = (sX * (xr[i] - xr[ic]) - C * (F[i] - F[ic])) / h0;
    size_t im = 0;
    for (size_t i = 1; i < n; i++)
        if (F[i] > F[im])
            im = i;
    double first = results_get(rs, "max_force_n");
    if (isfinite(first) && F[im] > first * (1 + 1e-9)) {
        results_number(rs, "max_force_n", F[im]);
        results_number(rs, "max_stress_mpa", s[im] * 1e-6);
        results_note(rs,
                     "the maximum of the whole record (sample %zu, %.6g N) lies after the "
                     "first loading stroke; maximum force, stress and strain are the whole "
                     "record's",
                     im + 1, F[im]);
        /* compression's note on the first stroke's maximum is restated here */
        results_drop_notes(rs, "the force after the first loading stroke reaches");
    }
    /* A fracture on a later stroke (the ramp after stack-pressure cycles):
     * the first-stroke analysis cannot see it. The drop rule of the
     * detector (o->break_drop_frac of the stress lost within
     * o->break_drop_samples) applied after the whole record's maximum. */
    if (im > (size_t)loading_end(rs) && !isfinite(results_get(rs, "fracture_stress_mpa"))) {
        size_t w = o->break_drop_samples > 0 ? (size_t)o->break_drop_samples : 10;
        for (size_t i = im + 1; i < n && i <= im + w; i++)
            if (F[i] < (1 - o->break_drop_frac) * F[im]) {
                results_number(rs, "fracture_stress_mpa", s[im] * 1e-6);
                results_number(rs, "fracture_strain_pct", e[im] * 100);
                results_note(rs,
                             "fracture at sample %zu on a later stroke: %.0f %% of the "
                             "force lost within %zu samples after the record's maximum",
                             im + 1, o->break_drop_frac * 100, i - im);
                /* the first stroke's "no fracture detected" no longer holds */
                results_drop_notes(rs, "fracture_stress_mpa, fracture_strain_pct: no fracture");
                break;
            }
    }
    if (loading_end(rs) + 1 < (double)n && !isfinite(results_get(rs, "fracture_stress_mpa")) &&
        results_drop_notes(rs, "fracture_stress_mpa, fracture_strain_pct: no fracture"))
        results_note(rs, "fracture_stress_mpa, fracture_strain_pct: no fracture detected (on "
                         "the first loading stroke, nor after the whole record's maximum)");
    size_t ie = ic;
    for (size_t i = ic; i < n; i++)
        if (e[i] > e[ie])
            ie = i;
    double first_e = results_get(rs, "max_strain_pct");
    if (isfinite(first_e) && e[ie] * 100 > first_e * (1 + 1e-9))
        results_number(rs, "max_strain_pct", e[ie] * 100);
    const double *t = curve_has(c, CURVE_TIME) ? c->ch[CURVE_TIME] : NULL;
    rc = cycles_report(t ? t + ic : NULL, e + ic, s + ic, F + ic, n - ic, A0, 0, ic,
                       o->cycles ? 1 : 2, rs);
    if (rc == RIGOR_OK) {
        /* holds on the travel (the crosshead), strains as above */
        for (size_t i = 0; i < n; i++)
            F[i] = sX * xr[i]; /* F is not needed any more: reuse it for the travel */
        rc = holds_report(t, F, e, s, c->ch[CURVE_FORCE], n, 0, &o->holds, rs);
    }
out:
    free(F);
    free(e);
    free(s);
    return rc;
}
