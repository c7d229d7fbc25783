/* detect_curve.c — the detector over a whole recorded curve
 * (detect_run_curve, detect_run_until), its parameters from the analysis
 * options and into the results' method (detect_params_for,
 * detect_params_record), and the detected stages as results
 * (detect_add_stages). Moved unchanged from detect.c, which keeps the
 * streaming detector itself; this file uses only its public API.
 */
#include "detect.h"
#include "detect_priv.h"

#include "../common/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int detect_run_curve(const detect_params *p, const double *t, const double *strain,
                     const double *stress, const double *force, size_t n, detect_event *ev,
                     size_t maxev, size_t *nev)
{
    return detect_run_until(p, t, strain, stress, force, n, DET_NKINDS, ev, maxev, nev);
}

int detect_run_until(const detect_params *p, const double *t, const double *strain,
                     const double *stress, const double *force, size_t n, detect_kind until,
                     detect_event *ev, size_t maxev, size_t *nev)
{
    *nev = 0;
    detect *d;
    int rc = detect_new(p, &d);
    if (rc)
        return rc;
    detect_event buf[DET_NKINDS];
    for (size_t i = 0; i <= n; i++) {
        int k = i < n ? detect_feed(d, t ? t[i] : NAN, strain ? strain[i] : NAN,
                                    stress ? stress[i] : NAN, force[i], buf, DET_NKINDS)
                      : detect_finish(d, buf, DET_NKINDS);
        bool stop = false;
        for (int j = 0; j < k; j++) {
            if (*nev < maxev)
                ev[*nev] = buf[j];
            (*nev)++;
            stop |= buf[j].kind == until;
        }
        if (stop)
            break;
    }
    detect_free(d);
    return *nev > maxev ? RIGOR_EFULL : RIGOR_OK;
}

int detect_params_record(const detect_params *p, result_set *rs)
{
    int rc = 0;
    rc |= results_method_bool(rs, "detect_contact", p->detect_contact);
    rc |= results_method_number(rs, "detect_debounce_samples", p->debounce);
    rc |= results_method_number(rs, "detect_contact_force_n", p->contact_force_N);
    rc |= results_method_number(rs, "detect_contact_sigma", p->contact_sigma);
    rc |= results_method_number(rs, "detect_contact_baseline_samples", p->contact_baseline);
    rc |= results_method_number(rs, "detect_noise_floor_n", p->noise_floor_N);
    rc |= results_method_number(rs, "detect_drop_frac", p->drop_frac);
    rc |= results_method_number(rs, "detect_rate_drop_frac", p->rate_drop_frac);
    rc |= results_method_number(rs, "detect_rate_window_samples", p->rate_window);
    rc |= results_method_number(rs, "detect_drop_rate_frac_per_s", p->drop_rate_frac_per_s);
    rc |= results_method_number(rs, "detect_e8_low_frac", p->e8_low_frac);
    rc |= results_method_number(rs, "detect_knot_dstrain_pct", p->knot_dstrain * 100);
    rc |= results_method_number(rs, "detect_tangent_knots", p->tangent_knots);
    rc |= results_method_number(rs, "detect_stage_debounce_knots", p->stage_debounce);
    rc |= results_method_number(rs, "detect_steady_tol", p->steady_tol);
    rc |= results_method_number(rs, "detect_yield_tangent_frac", p->yield_tangent_frac);
    rc |= results_method_number(rs, "detect_yield_offset_pct", p->yield_offset * 100);
    rc |= results_method_number(rs, "detect_plateau_tangent_frac", p->plateau_tangent_frac);
    rc |= results_method_number(rs, "detect_densify_tangent_mult", p->densify_tangent_mult);
    rc |= results_method_number(rs, "detect_densify_floor_frac", p->densify_floor_frac);
    rc |= results_method_number(rs, "detect_densify_stress_mult", p->densify_stress_mult);
    return rc ? RIGOR_ENOMEM : RIGOR_OK;
}

void detect_params_for(const analysis_opts *o, bool compression, detect_params *p)
{
    detect_params_default(p, compression);
    if (o->break_drop_frac > 0 && o->break_drop_frac <= 1)
        p->rate_drop_frac = o->break_drop_frac;
    if (o->break_drop_samples > 0)
        p->rate_window = o->break_drop_samples < MAX_RATE_WIN ? o->break_drop_samples
                                                              : MAX_RATE_WIN;
    if (o->break_low_frac > 0 && o->break_low_frac <= 1)
        p->e8_low_frac = o->break_low_frac;
    if (!compression && o->offset > 0 && o->offset < 1)
        p->yield_offset = o->offset;
}

static double at(const double *v, size_t i)
{
    return v ? v[i] : NAN;
}

int detect_add_stages(result_set *rs, const detect_event *ev, size_t nev, const double *t,
                      const double *pos_m, const double *eps, const double *sig, size_t end_i)
{
    for (size_t k = 0; k < nev; k++) {
        detect_kind kind = ev[k].kind;
        if (kind == DET_YIELD || kind == DET_MAX)
            continue;
        size_t i = ev[k].index;
        result_stage st;
        memset(&st, 0, sizeof st);
        snprintf(st.stage, sizeof st.stage, "%s", detect_kind_name(kind));
        snprintf(st.rule, sizeof st.rule, "%s", ev[k].rule ? ev[k].rule : "");
        st.start_index = i;
        st.start_time_s = at(t, i);
        st.start_position_mm = at(pos_m, i) * 1e3;
        st.start_strain_pct = at(eps, i) * 100;
        st.start_stress_mpa = at(sig, i) * 1e-6;
        /* The stage ends where the next stage starts, or at the end. */
        size_t e = end_i;
        if (kind == DET_FRACTURE)
            e = i;
        for (size_t m = k + 1; m < nev; m++) {
            if (ev[m].kind != DET_YIELD && ev[m].kind != DET_MAX) {
                e = ev[m].index;
                break;
            }
        }
        st.end_strain_pct = at(eps, e) * 100;
        if (results_add_stage(rs, &st))
            return RIGOR_ENOMEM;
    }
    return RIGOR_OK;
}
