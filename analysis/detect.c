/* detect.c — streaming stage and fracture detector; see detect.h for the API
 * and docs/analysis-compression.md for the rules, defaults and sources.
 *
 * Why streaming: the same code must stop a live test within a couple of
 * samples of a brittle fracture and, offline, report the very same events at
 * the very same samples. So everything here is causal, works on fixed-size
 * rings, and allocates only in detect_new().
 *
 * Three independent parts run on every sample:
 *  1. contact: an absolute force threshold or a baseline-sigma threshold,
 *     debounced;
 *  2. fracture: three drop rules on the raw force (no smoothing, so no
 *     delay), armed by an absolute noise floor, debounced;
 *  3. stages: the curve is reduced to "knots" (block means every
 *     knot_dstrain of strain), the tangent is a least-squares slope over the
 *     last tangent_knots knots, and a small state machine moves
 *     none -> elastic -> (yield) plastic | plateau -> densification.
 * Block means are the causal smoothing; they affect only stages, never the
 * fracture stop.
 */
#include "detect.h"
#include "detect_priv.h"

#include "../common/error.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING 64         /* recent samples kept (fracture point look-back) */
#define KRING 64        /* recent knots kept */
#define ARM_MULT 4.0    /* armed once Fpeak >= ARM_MULT * noise_floor_N */
#define NOISE_N 200     /* force steps in the noise estimate */
#define NOISE_MIN 20    /* steps before any fracture rule is evaluated */
#define NOISE_SIGMA 3.0 /* floor = max(noise_floor_N, NOISE_SIGMA * sigma_F) */
#define DROP_NOISE 2.0  /* every drop must exceed DROP_NOISE * noise_floor_N */
#define MAX_TANGENT 32
#define OFFSET_SPAN 2 /* offset yield rule: elastic stage >= 2 tangent windows */
#define MAX_STAGE_DEB 16
#define CONTACT_MIN_BASE 20 /* baseline samples before the sigma rule applies */
#define CONTACT_MIN_N 1e-9 /* baseline rule: least step above a noiseless baseline */

enum { R_PEAK = 1, R_RATE = 2, R_E8 = 4 };

/* Rule text by bit mask of the fracture rules that held (static strings). */
static const char *const frac_rule[8] = {
    "none",
    "drop-from-peak",
    "drop-rate",
    "drop-from-peak+drop-rate",
    "e8-below-10pct",
    "drop-from-peak+e8-below-10pct",
    "drop-rate+e8-below-10pct",
    "drop-from-peak+drop-rate+e8-below-10pct",
};

typedef struct {
    size_t i;             /* sample index */
    double t, e, s, f;    /* time s, strain, stress Pa, force N as fed */
} sample;

typedef struct {
    double e, s;          /* block means of strain and stress */
    double tangent;       /* LSQ slope over the last tangent_knots knots, NAN before */
    sample end;           /* the sample that closed the knot */
} knot;

struct detect {
    detect_params p;
    size_t n;             /* samples fed so far */

    sample ring[RING];    /* last RING samples with finite force */
    size_t nring;         /* total pushed (ring[(nring - 1) % RING] is the newest) */
    size_t win[RING];     /* the rate rule's window as a monotonic queue: push numbers
                             (ring[win[k] % RING]) of the last rate_window pushes whose
                             force no newer one equals or exceeds, oldest first */
    size_t win_h, win_t;  /* queue head and tail (win[h % RING] .. win[(t - 1) % RING]) */

    /* contact */
    bool in_contact;
    size_t base_n;        /* baseline samples (Welford) */
    double base_mean, base_m2;
    int contact_run;
    sample contact_first;
    const char *contact_rule;

    /* force noise: Welford SD of the first NOISE_N sample-to-sample steps */
    size_t noise_n;
    double noise_prev, noise_mean, noise_m2;
    size_t floor_at;      /* noise_n for which floor_n was computed, SIZE_MAX none */
    double floor_n;       /* fracture_step's noise floor, N (changes only with noise_n) */

    /* fracture */
    bool have_peak, fractured, finished;
    sample peak;          /* running maximum force */
    int frac_run;
    unsigned frac_mask;   /* rules that held on the first sample of the run */
    size_t frac_first;    /* index of the first sample of the run */

    /* knots */
    bool knot_open;
    double k_e0;          /* strain at which the open knot started */
    double k_se, k_ss;    /* sums of strain and stress in the open knot */
    size_t k_cnt;
    knot knots[KRING];
    size_t nknots;

    /* stages */
    detect_kind stage;    /* DET_NKINDS before the first stage */
    double E_ref;         /* largest elastic tangent, Pa */
    double T_min;         /* lowest tangent since yield, Pa */
    int run;              /* knots the pending primary condition held */
    size_t run_first;     /* knot number where it started */
    double run_min;       /* lowest tangent within the pending run */
    int drun;             /* knots the densification condition held */
    size_t drun_first;
    size_t yield_knot;    /* knot where the yield run started */
    double line_e0;       /* strain-axis intercept of the elastic line E_ref, ratio */
    int orun;             /* knots below the offset line in a row */
    size_t orun_first;    /* knot number where that run started */
    size_t elastic_knot;  /* knot the elastic stage is placed at */
    bool armed_stages;    /* the force has risen clear of its noise (tension) */
    double f_first;       /* first finite force fed, N */
    double yield_stress;  /* knot-mean stress where yield is placed, Pa */
};

void detect_params_default(detect_params *p, bool compression)
{
    memset(p, 0, sizeof *p);
    p->compression = compression;
    p->detect_contact = compression;
    p->debounce = 2;
    p->contact_force_N = 1.0;
    p->contact_sigma = 5.0;
    p->contact_baseline = 200;
    p->noise_floor_N = 0.05;
    p->drop_frac = 0.5;
    p->rate_drop_frac = 0.2;
    p->rate_window = 10;
    p->drop_rate_frac_per_s = 0;
    p->e8_low_frac = 0.10;
    p->knot_dstrain = compression ? 0.001 : 0.0005;
    p->tangent_knots = 8;
    p->stage_debounce = 3;
    p->steady_tol = 0.10;
    p->yield_tangent_frac = 0.5;
    p->yield_offset = compression ? 0 : 0.002;
    p->plateau_tangent_frac = 0.10;
    p->densify_tangent_mult = 3.0;
    p->densify_floor_frac = 0.10;
    p->densify_stress_mult = 1.3;
}

static bool frac01(double v)
{
    return isfinite(v) && v >= 0 && v <= 1;
}

static int check_params(const detect_params *p)
{
    if (p->debounce < 1 || p->debounce > 16)
        return RIGOR_EINVAL;
    if (!(p->contact_force_N > 0) || !(p->contact_sigma >= 0) ||
        p->contact_baseline < CONTACT_MIN_BASE)
        return RIGOR_EINVAL;
    if (!(p->noise_floor_N >= 0) || !frac01(p->drop_frac) || !frac01(p->rate_drop_frac) ||
        !frac01(p->e8_low_frac) || !(p->drop_rate_frac_per_s >= 0))
        return RIGOR_EINVAL;
    if (p->rate_window < 1 || p->rate_window > MAX_RATE_WIN)
        return RIGOR_EINVAL;
    if (!(p->knot_dstrain > 0) || p->tangent_knots < 3 || p->tangent_knots > MAX_TANGENT)
        return RIGOR_EINVAL;
    if (p->stage_debounce < 1 || p->stage_debounce > MAX_STAGE_DEB)
        return RIGOR_EINVAL;
    if (!(p->yield_offset >= 0) || !(p->yield_offset < 1))
        return RIGOR_EINVAL;
    if (!(p->steady_tol >= 0) || !frac01(p->yield_tangent_frac) ||
        !frac01(p->plateau_tangent_frac) || !(p->densify_tangent_mult >= 1) ||
        !(p->densify_floor_frac >= 0) || !(p->densify_stress_mult >= 0))
        return RIGOR_EINVAL;
    return RIGOR_OK;
}

int detect_new(const detect_params *p, detect **out)
{
    *out = NULL;
    int rc = check_params(p);
    if (rc)
        return rc;
    detect *d = malloc(sizeof *d);
    if (!d)
        return RIGOR_ENOMEM;
    d->p = *p;
    detect_reset(d);
    *out = d;
    return RIGOR_OK;
}

void detect_free(detect *d)
{
    free(d);
}

void detect_reset(detect *d)
{
    detect_params p = d->p;
    memset(d, 0, sizeof *d);
    d->p = p;
    d->stage = DET_NKINDS;
    d->E_ref = NAN;
    d->T_min = NAN;
    d->line_e0 = NAN;
    d->floor_at = SIZE_MAX;
}

detect_kind detect_stage(const detect *d)
{
    return d->stage;
}

bool detect_fractured(const detect *d)
{
    return d->fractured;
}

bool detect_fracture_pending(const detect *d)
{
    return !d->fractured && d->frac_run > 0;
}

const char *detect_kind_name(detect_kind k)
{
    static const char *const names[DET_NKINDS] = {
        "contact", "elastic", "yield", "plastic", "plateau", "densification", "fracture", "max"};
    return (unsigned)k < DET_NKINDS ? names[k] : "?";
}

/* ---- helpers ------------------------------------------------------------ */

static void emit(detect_event *ev, int max, int *nev, detect_kind k, const sample *s,
                 size_t now, const char *rule)
{
    if (*nev >= max)
        return;
    detect_event *e = &ev[(*nev)++];
    e->kind = k;
    e->index = s->i;
    e->emit_index = now;
    e->t_s = s->t;
    e->strain = s->e;
    e->stress_Pa = s->s;
    e->force_N = s->f;
    e->rule = rule;
}

/* Push s into the ring and the rate rule's window queue. The queue keeps,
 * oldest first, the pushes of the last rate_window whose force is above
 * that of every newer one: its head is the window's maximum (the newest of
 * equal maxima, as a scan from the newest that keeps the first strictly
 * larger value finds), in amortised O(1) per sample instead of a scan of
 * rate_window samples. rate_window < RING, so the window is in the ring. */
static void push(detect *d, const sample *s)
{
    d->ring[d->nring % RING] = *s;
    size_t j = d->nring++;
    while (d->win_t > d->win_h && d->ring[d->win[(d->win_t - 1) % RING] % RING].f <= s->f)
        d->win_t--;
    d->win[d->win_t++ % RING] = j;
    while (d->win[d->win_h % RING] + (size_t)d->p.rate_window < d->nring)
        d->win_h++;
}

/* The sample pushed `back` pushes ago (0 = newest); NULL when gone. */
static const sample *ring_back(const detect *d, size_t back)
{
    if (back >= d->nring || back >= RING)
        return NULL;
    return &d->ring[(d->nring - 1 - back) % RING];
}

/* The sample with index idx if still in the ring, else NULL. */
static const sample *ring_find(const detect *d, size_t idx)
{
    for (size_t b = 0; b < RING; b++) {
        const sample *s = ring_back(d, b);
        if (!s || s->i < idx)
            return NULL;
        if (s->i == idx)
            return s;
    }
    return NULL;
}

static const knot *knot_at(const detect *d, size_t k)
{
    return &d->knots[k % KRING];
}

/* ---- contact -------------------------------------------------------------- */

static void contact_step(detect *d, const sample *s, detect_event *ev, int max, int *nev)
{
    const detect_params *p = &d->p;
    double sd = d->base_n > 1 ? sqrt(d->base_m2 / (double)(d->base_n - 1)) : 0;
    const char *rule = NULL;
    if (d->base_n >= CONTACT_MIN_BASE &&
        s->f - d->base_mean > fmax(p->contact_sigma * sd, CONTACT_MIN_N))
        rule = "force-above-baseline";
    else if (s->f >= p->contact_force_N)
        rule = "force-above-threshold";

    if (!rule) {
        d->contact_run = 0;
        /* Welford update of the baseline with the first contact_baseline
         * samples; then it is frozen, so a slow rise of the force (a soft
         * specimen) cannot drag the baseline along with it. */
        if (d->base_n >= (size_t)p->contact_baseline)
            return;
        d->base_n++;
        double delta = s->f - d->base_mean;
        d->base_mean += delta / (double)d->base_n;
        d->base_m2 += delta * (s->f - d->base_mean);
        return;
    }
    if (d->contact_run++ == 0) {
        d->contact_first = *s;
        d->contact_rule = rule;
    }
    if (d->contact_run >= p->debounce) {
        d->in_contact = true;
        emit(ev, max, nev, DET_CONTACT, &d->contact_first, s->i, d->contact_rule);
    }
}

/* ---- fracture ------------------------------------------------------------- */

/* Returns true when a fracture was emitted. Called before s is pushed. */
static bool fracture_step(detect *d, const sample *s, detect_event *ev, int max, int *nev)
{
    const detect_params *p = &d->p;
    if (!d->have_peak || s->f > d->peak.f) {
        d->peak = *s;
        d->have_peak = true;
    }
    double pk = d->peak.f;
    /* The noise floor is the larger of the parameter and NOISE_SIGMA times
     * the force noise measured on the first steps of this record: sigma_F =
     * SD(F[i+1] - F[i]) / sqrt(2), robust to a steady ramp. A 5 kN cell's
     * noise is then never taken for the fracture of a weak film, and the
     * 0.05 N default still serves a quiet 10 N cell. */
    if (d->floor_at != d->noise_n) {
        double sig_f =
            d->noise_n > 1 ? sqrt(d->noise_m2 / (double)(d->noise_n - 1) / 2.0) : 0;
        d->floor_n = fmax(p->noise_floor_N, NOISE_SIGMA * sig_f);
        d->floor_at = d->noise_n;
    }
    double floor_n = d->floor_n;
    double noise = DROP_NOISE * floor_n;
    unsigned mask = 0;
    /* Every rule needs the force at least `noise` below the peak (the rate
     * rule's reference is a sample before this one, so at most the peak):
     * on a rising curve none is worth evaluating. */
    bool near_peak = noise > 0 && pk - s->f < noise;
    if (!near_peak && d->noise_n >= NOISE_MIN && pk >= ARM_MULT * floor_n && pk > 0) {
        if (p->drop_frac > 0 && s->f <= (1 - p->drop_frac) * pk && pk - s->f >= noise)
            mask |= R_PEAK;
        if (p->rate_drop_frac > 0) {
            /* Highest force among the previous rate_window samples, the
             * newest of equal ones: the head of the window queue. */
            const sample *ref =
                d->win_t > d->win_h ? &d->ring[d->win[d->win_h % RING] % RING] : NULL;
            if (ref) {
                double fall = ref->f - s->f;
                bool ok = fall >= p->rate_drop_frac * pk && fall >= noise;
                if (ok && p->drop_rate_frac_per_s > 0 && isfinite(ref->t) && isfinite(s->t) &&
                    s->t > ref->t)
                    ok = fall / (s->t - ref->t) >= p->drop_rate_frac_per_s * pk;
                if (ok)
                    mask |= R_RATE;
            }
        }
        if (p->e8_low_frac > 0 && s->f < p->e8_low_frac * pk && pk - s->f >= noise)
            mask |= R_E8;
    }
    if (!mask) {
        d->frac_run = 0;
        return false;
    }
    if (d->frac_run++ == 0) {
        d->frac_mask = mask;
        d->frac_first = s->i;
    }
    if (d->frac_run < p->debounce)
        return false;

    /* The fracture point: the last sample before the drop. Start at the
     * sample before the first one that met a rule and step back while the
     * force was still falling by more than the noise (a drop spread over a
     * few samples), so noise cannot move the point. */
    const sample *fp = NULL;
    for (size_t b = 0; b < RING; b++) {
        const sample *q = ring_back(d, b);
        if (!q)
            break;
        if (q->i < d->frac_first) {
            fp = q;
            for (size_t bb = b + 1; bb < RING; bb++) {
                const sample *r = ring_back(d, bb);
                if (!r || !(r->f > fp->f + noise))
                    break;
                fp = r;
            }
            break;
        }
    }
    if (!fp)
        fp = ring_find(d, d->frac_first);
    if (!fp)
        fp = s;
    d->fractured = true;
    emit(ev, max, nev, DET_FRACTURE, fp, s->i, frac_rule[d->frac_mask & 7]);
    emit(ev, max, nev, DET_MAX, &d->peak, s->i, "max-force");
    return true;
}

/* ---- stages ----------------------------------------------------------------- */

/* The knot at which a stage found at run-start knot k0 is placed: the centre
 * of the tangent window that first met the condition. */
static size_t placed_knot(const detect *d, size_t k0)
{
    size_t half = (size_t)(d->p.tangent_knots - 1) / 2;
    size_t k = k0 >= half ? k0 - half : 0;
    size_t oldest = d->nknots > KRING ? d->nknots - KRING : 0;
    return k < oldest ? oldest : k;
}

static const sample *stage_sample(const detect *d, size_t k0)
{
    return &knot_at(d, placed_knot(d, k0))->end;
}

static void enter(detect *d, detect_kind st, size_t k0, detect_event *ev, int max, int *nev,
                  size_t now, const char *rule)
{
    d->stage = st;
    emit(ev, max, nev, st, stage_sample(d, k0), now, rule);
}

/* Strain-axis intercept e0 of the line of slope T through the centroid of
 * the last m knots: sigma = T (eps - e0), e0 = mean(e) - mean(s) / T. */
static double knot_intercept(const detect *d, int m, double T)
{
    double se = 0, ss = 0;
    for (int j = 0; j < m; j++) {
        const knot *k = knot_at(d, d->nknots - 1 - (size_t)j);
        se += k->e;
        ss += k->s;
    }
    return T > 0 ? se / m - ss / m / T : NAN;
}

/* The elastic reference becomes T (a steeper tangent): its line too. */
static void set_elastic(detect *d, double T)
{
    if (isfinite(d->E_ref) && !(T > d->E_ref))
        return;
    d->E_ref = T;
    d->line_e0 = knot_intercept(d, d->p.tangent_knots, T);
}

/* Enter stage st placed at knot k itself (not a window centre). */
static void enter_at(detect *d, detect_kind st, size_t k, detect_event *ev, int max, int *nev,
                     size_t now, const char *rule)
{
    d->stage = st;
    emit(ev, max, nev, st, &knot_at(d, k)->end, now, rule);
}

/* Least-squares slope of stress on strain over the last m knots. */
static double knot_tangent(const detect *d, int m)
{
    double se = 0, ss = 0;
    for (int j = 0; j < m; j++) {
        const knot *k = knot_at(d, d->nknots - 1 - (size_t)j);
        se += k->e;
        ss += k->s;
    }
    double me = se / m, ms = ss / m, sxy = 0, sxx = 0;
    for (int j = 0; j < m; j++) {
        const knot *k = knot_at(d, d->nknots - 1 - (size_t)j);
        sxy += (k->e - me) * (k->s - ms);
        sxx += (k->e - me) * (k->e - me);
    }
    return sxx > 0 ? sxy / sxx : NAN;
}

/* One new knot with tangent T: advance the stage machine. */
static void stage_step(detect *d, double T, size_t now, detect_event *ev, int max, int *nev)
{
    const detect_params *p = &d->p;
    size_t k = d->nknots - 1;
    if (!isfinite(T))
        return;

    switch (d->stage) {
    case DET_NKINDS: {
        /* Elastic: the tangent is positive and has stopped rising. */
        double Tp = k > 0 ? knot_at(d, k - 1)->tangent : NAN;
        bool cond = T > 0 && isfinite(Tp) && Tp > 0 && T <= (1 + p->steady_tol) * Tp;
        if (!cond) {
            d->run = 0;
            d->E_ref = NAN;
            d->line_e0 = NAN;
            break;
        }
        if (d->run++ == 0) {
            d->run_first = k;
            d->E_ref = NAN;
        }
        set_elastic(d, T);
        if (d->run >= p->stage_debounce) {
            enter(d, DET_ELASTIC, d->run_first, ev, max, nev, now, "tangent-steady");
            d->elastic_knot = placed_knot(d, d->run_first);
            d->run = 0;
        }
        break;
    }
    case DET_ELASTIC: {
        /* Offset yield (ISO 6892-1 Rp, ASTM E8 offset method): the knot
         * lies below the elastic line shifted by yield_offset,
         * s < E_ref (e - e0 - offset), for stage_debounce knots in a row;
         * placed at the first of them. */
        const knot *kn = knot_at(d, k);
        /* NOTE: only on an elastic stage of at least OFFSET_SPAN tangent
         * windows: on a shorter one (a metal's 0.3 %) every window straddles
         * the knee, E_ref is too low and the line crosses late; the tangent
         * rule below decides there. */
        bool below = p->yield_offset > 0 && isfinite(d->line_e0) &&
                     k >= d->elastic_knot + OFFSET_SPAN * (size_t)p->tangent_knots &&
                     kn->s < d->E_ref * (kn->e - d->line_e0 - p->yield_offset);
        if (below) {
            if (d->orun++ == 0)
                d->orun_first = k;
        } else {
            d->orun = 0;
        }
        if (d->orun >= p->stage_debounce) {
            emit(ev, max, nev, DET_YIELD, &knot_at(d, d->orun_first)->end, now,
                 "offset-line-crossed");
            d->T_min = T;
            d->yield_knot = d->orun_first;
            d->yield_stress = knot_at(d, d->orun_first)->s;
            d->run = d->drun = d->orun = 0;
            if (p->compression)
                d->stage = DET_YIELD;
            else
                enter_at(d, DET_PLASTIC, d->orun_first, ev, max, nev, now, "offset-line-crossed");
            break;
        }
        bool cond = T < p->yield_tangent_frac * d->E_ref;
        if (!cond) {
            d->run = 0;
            if (!below)
                set_elastic(d, T);
            break;
        }
        if (d->run++ == 0) {
            d->run_first = k;
            d->run_min = T;
        }
        d->run_min = fmin(d->run_min, T);
        if (d->run >= p->stage_debounce) {
            const sample *y = stage_sample(d, d->run_first);
            emit(ev, max, nev, DET_YIELD, y, now, "tangent-below-yield-frac");
            d->T_min = d->run_min;
            d->yield_knot = d->run_first;
            d->yield_stress = knot_at(d, placed_knot(d, d->run_first))->s;
            d->run = d->drun = 0;
            if (p->compression)
                d->stage = DET_YIELD; /* plastic or plateau: decided below */
            else
                enter(d, DET_PLASTIC, d->yield_knot, ev, max, nev, now,
                      "tangent-below-yield-frac");
        }
        break;
    }
    case DET_YIELD:
        /* Plastic or plateau, decided once the tangent window has left the
         * elastic part (it straddles the knee until then); placed at yield. */
        d->T_min = fmin(d->T_min, T);
        if (k + 1 >= d->yield_knot + (size_t)p->tangent_knots) {
            if (T <= p->plateau_tangent_frac * d->E_ref)
                enter(d, DET_PLATEAU, d->yield_knot, ev, max, nev, now, "tangent-near-zero");
            else
                enter(d, DET_PLASTIC, d->yield_knot, ev, max, nev, now,
                      "tangent-below-yield-frac");
        }
        break;
    case DET_PLASTIC:
    case DET_PLATEAU: {
        /* Plateau and densification are compression stages; a tensile
         * curve stays plastic until it breaks. */
        if (!p->compression)
            break;
        d->T_min = fmin(d->T_min, T);
        if (d->stage == DET_PLASTIC) {
            if (T <= p->plateau_tangent_frac * d->E_ref) {
                if (d->run++ == 0)
                    d->run_first = k;
                if (d->run >= p->stage_debounce) {
                    enter(d, DET_PLATEAU, d->run_first, ev, max, nev, now, "tangent-near-zero");
                    d->run = d->drun = 0;
                    break;
                }
            } else {
                d->run = 0;
            }
        }
        double thr = fmax(p->densify_tangent_mult * fmax(d->T_min, 0),
                          p->densify_floor_frac * d->E_ref);
        /* NOTE: the stress guard keeps a quantised or wavy plateau (tangent
         * flickering around zero) from looking like densification. */
        if (T > thr && knot_at(d, k)->s >= p->densify_stress_mult * d->yield_stress) {
            if (d->drun++ == 0)
                d->drun_first = k;
            if (d->drun >= p->stage_debounce) {
                enter(d, DET_DENSIFICATION, d->drun_first, ev, max, nev, now, "tangent-rising");
                d->run = d->drun = 0;
            }
        } else {
            d->drun = 0;
        }
        break;
    }
    default:
        break;
    }
}

/* Stages need a specimen: with contact detection the contact says so;
 * without it (tension), the force must have risen above its first value by
 * more than ARM_MULT x NOISE_SIGMA x sigma_F (the force noise measured on
 * the first steps, as for the fracture floor). A record with no specimen,
 * force noise only, then has no stages. */
static bool stages_armed(detect *d)
{
    if (d->p.detect_contact)
        return true;
    if (!d->armed_stages) {
        double sig_f = d->noise_n > 1 ? sqrt(d->noise_m2 / (double)(d->noise_n - 1) / 2.0) : 0;
        d->armed_stages = d->have_peak && d->noise_n >= NOISE_MIN &&
                          d->peak.f - d->f_first > ARM_MULT * NOISE_SIGMA * sig_f;
    }
    return d->armed_stages;
}

static void knot_step(detect *d, const sample *s, detect_event *ev, int max, int *nev)
{
    const detect_params *p = &d->p;
    if (!d->knot_open) {
        d->knot_open = true;
        d->k_e0 = s->e;
        d->k_se = d->k_ss = 0;
        d->k_cnt = 0;
    }
    d->k_se += s->e;
    d->k_ss += s->s;
    d->k_cnt++;
    /* NOTE: the relative slack keeps a knot boundary that falls exactly on
     * a sample (uniform synthetic steps) from depending on the rounding of
     * the strain origin. */
    if (s->e - d->k_e0 < p->knot_dstrain * (1 - 1e-9))
        return;
    knot *k = &d->knots[d->nknots % KRING];
    k->e = d->k_se / (double)d->k_cnt;
    k->s = d->k_ss / (double)d->k_cnt;
    k->end = *s;
    k->tangent = NAN;
    d->nknots++;
    d->k_e0 = s->e;
    d->k_se = d->k_ss = 0;
    d->k_cnt = 0;
    if (d->nknots >= (size_t)p->tangent_knots) {
        k->tangent = knot_tangent(d, p->tangent_knots);
        if (stages_armed(d))
            stage_step(d, k->tangent, s->i, ev, max, nev);
    }
}

/* ---- the feed --------------------------------------------------------------- */

int detect_feed(detect *d, double t_s, double strain, double stress_Pa, double force_N,
                detect_event *ev, int max)
{
    size_t idx = d->n++;
    int nev = 0;
    if (d->fractured || d->finished || !isfinite(force_N))
        return 0;
    sample s = {idx, t_s, strain, stress_Pa, force_N};

    if (idx > 0 && d->noise_n < NOISE_N) {
        /* Welford over the first force steps (see fracture_step) */
        double step = force_N - d->noise_prev;
        d->noise_n++;
        double delta = step - d->noise_mean;
        d->noise_mean += delta / (double)d->noise_n;
        d->noise_m2 += delta * (step - d->noise_mean);
    }
    d->noise_prev = force_N;
    if (!d->have_peak)
        d->f_first = force_N; /* (fracture_step sets have_peak below) */

    bool was_in_contact = d->in_contact;
    if (!d->in_contact) {
        if (!d->p.detect_contact)
            d->in_contact = true;
        else
            contact_step(d, &s, ev, max, &nev);
    }
    bool broke = fracture_step(d, &s, ev, max, &nev);
    push(d, &s);
    if (broke)
        return nev;
    /* Knots start with the first sample after the contact was confirmed (or
     * with the first sample when contact is not looked for). */
    bool knots_on = d->p.detect_contact ? was_in_contact : d->in_contact;
    if (knots_on && isfinite(strain) && isfinite(stress_Pa))
        knot_step(d, &s, ev, max, &nev);
    return nev;
}

int detect_finish(detect *d, detect_event *ev, int max)
{
    int nev = 0;
    if (!d->fractured && !d->finished && d->have_peak)
        emit(ev, max, &nev, DET_MAX, &d->peak, d->n ? d->n - 1 : 0, "max-force");
    d->finished = true;
    return nev;
}
