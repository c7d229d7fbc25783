/* detect.h — the one streaming stage and fracture detector, live and offline.
 *
 * A detector consumes one sample at a time (time, strain, stress, force) and
 * emits events: contact (compression: the platen touches the specimen),
 * elastic, yield, plastic, plateau, densification, fracture and max. The
 * protocol state machine feeds it live at up to ~1 kHz; `rigor analyze`
 * replays a whole curve through detect_run_curve(), which is nothing but a
 * loop over detect_feed(), so live and offline give the same events at the
 * same sample by construction. The detector does no I/O and allocates only
 * in detect_new(); detect_feed() is O(tangent_knots) per sample at most.
 *
 * Sign convention. The detector works on magnitudes: the caller passes
 * compressive stress, strain and force as POSITIVE numbers (the simulated
 * frame reports compression as negative force and downward travel as
 * negative position; negate them before feeding). Tensile callers pass the
 * usual positive tensile values.
 *
 * Strain origin. Stage detection uses only strain differences after contact,
 * so a live caller may pass strain from any fixed origin (e.g. travel since
 * the test start / h0) and subtract the contact strain afterwards; the
 * events carry the strain exactly as fed.
 *
 * The rules (full text with defaults in docs/analysis-compression.md):
 *  - contact: once the baseline has >= 20 samples (it grows to the first
 *    contact_baseline samples, then is frozen), F above the baseline mean by
 *    more than contact_sigma standard deviations
 *    ("force-above-baseline"), or F >= contact_force_N at any time (a file
 *    that starts preloaded: "force-above-threshold"); held for `debounce`
 *    samples; placed at the first sample of the run.
 *  - fracture (armed once the running peak force >= 4 x noise_floor_N, every
 *    drop also >= 2 x noise_floor_N in newtons), held for `debounce` samples:
 *      "drop-from-peak"  F <= (1 - drop_frac) * Fpeak;
 *      "drop-rate"       F fell by >= rate_drop_frac * Fpeak within the last
 *                        rate_window samples (and, when drop_rate_frac_per_s
 *                        > 0 and times are finite, at >= that rate x Fpeak/s);
 *      "e8-below-10pct"  F < e8_low_frac * Fpeak (ASTM E8: below 10 % of max).
 *    The fracture point is the last sample before the drop (the sample
 *    before the first one that met a rule, stepped back while the force was
 *    still falling by more than 2 x noise_floor_N), as ASTM E8 defines
 *    elongation at fracture "just before the sudden drop". With the default
 *    debounce of 2 the event is emitted on the 2nd dropped sample.
 *  - stages on strain "knots": block means of (strain, stress) every
 *    knot_dstrain of strain after contact; tangent = least-squares slope over
 *    the last tangent_knots knots. elastic: the tangent is positive and stops
 *    rising (within steady_tol) for stage_debounce knots; yield: tangent <
 *    yield_tangent_frac x E (E = largest tangent seen in the elastic stage)
 *    for stage_debounce knots, or (tension, yield_offset > 0, once the
 *    elastic stage spans 2 tangent windows) "offset-line-crossed": the knot
 *    mean lies below the elastic line shifted by yield_offset,
 *    s < E (e - e0 - yield_offset) with e0 the strain intercept of the
 *    window that gave E, for stage_debounce knots in a row, placed at the
 *    first of them: within one knot (0.05 % strain) of the offline Rp0.2 on
 *    closed-form curves. Stages need a specimen: with contact detection the
 *    contact; in tension the force must first rise above its first value by
 *    more than 12 force-noise SDs (no stage on a noise-only record).
 *    Tension: plastic from yield on (terminal).
 *    Compression: once the tangent window has left the knee, plastic, or
 *    plateau when tangent <= plateau_tangent_frac x E (plastic may later
 *    turn plateau); densification: tangent > max(densify_tangent_mult x
 *    lowest post-yield tangent, densify_floor_frac x E) while the stress is
 *    >= densify_stress_mult x the stress at yield (ISO 13314's 1.3 factor),
 *    for stage_debounce knots. A stage event is placed at the centre knot of the first tangent
 *    window that met its condition (in the past; emit_index says when).
 */
#ifndef RIGOR_DETECT_H
#define RIGOR_DETECT_H

#include "analysis.h"
#include "results.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    DET_CONTACT = 0,   /* compression: platen touches the specimen */
    DET_ELASTIC,       /* start of the steady-tangent (linear) stage */
    DET_YIELD,         /* end of the elastic stage (a point) */
    DET_PLASTIC,       /* start of the post-yield stage with a rising curve */
    DET_PLATEAU,       /* start of the near-zero-tangent stage */
    DET_DENSIFICATION, /* start of the rising-tangent stage after yield */
    DET_FRACTURE,      /* the last sample before the break */
    DET_MAX,           /* the maximum force (at fracture or at detect_finish) */
    DET_NKINDS
} detect_kind;

/* One event. index and the values are those of the sample the event is
 * placed at (in the past for debounced rules); emit_index is the sample whose
 * detect_feed() reported it, so emit_index - index is the latency. */
typedef struct {
    detect_kind kind;
    size_t index;      /* sample the event is placed at (0-based feed count) */
    size_t emit_index; /* sample at which it was emitted */
    double t_s, strain, stress_Pa, force_N; /* values of sample `index`, as fed */
    const char *rule;  /* static text: which rule fired, e.g. "drop-rate" */
} detect_event;

typedef struct {
    bool compression;     /* true: emit contact; selects the compression defaults */
    bool detect_contact;  /* look for contact (default = compression) */
    int debounce;         /* samples a contact/fracture condition must hold (2) */

    /* contact */
    double contact_force_N; /* absolute contact force (1 N) */
    double contact_sigma;   /* baseline standard deviations (5) */
    int contact_baseline;   /* first samples that form the (frozen) baseline (200) */

    /* fracture */
    double noise_floor_N;        /* force noise band; arm at 4x, drops >= 2x (0.05 N) */
    double drop_frac;            /* drop-from-peak fraction, 0 = off (0.5) */
    double rate_drop_frac;       /* drop-rate: fraction of peak lost ... (0.2) */
    int rate_window;             /* ... within this many samples (10, max 48) */
    double drop_rate_frac_per_s; /* drop-rate: also at least this rate, 0 = off (0) */
    double e8_low_frac;          /* ASTM E8 low-force fraction, 0 = off (0.10) */

    /* stages */
    double knot_dstrain;         /* strain step of a knot (0.001; tensile 0.0005) */
    int tangent_knots;           /* knots in the tangent fit (8, max 32) */
    int stage_debounce;          /* knots a stage condition must hold (3) */
    double steady_tol;           /* elastic: tangent rises by less than this (0.10) */
    double yield_tangent_frac;   /* yield: tangent below this x E (0.5) */
    double yield_offset;         /* yield: knot below the elastic line shifted by this
                                    strain (tensile 0.002, compression 0 = off) */
    double plateau_tangent_frac; /* plateau: tangent at most this x E (0.10) */
    double densify_tangent_mult; /* densification: tangent above this x lowest (3) */
    double densify_floor_frac;   /* ... and above this x E (0.10) */
    double densify_stress_mult;  /* ... with stress >= this x stress at yield (1.3) */
} detect_params;

typedef struct detect detect;

/* Defaults as listed above; compression turns contact detection on. */
void detect_params_default(detect_params *p, bool compression);

/* Check p and allocate a detector. Returns RIGOR_OK, RIGOR_EINVAL (a parameter
 * out of range) or RIGOR_ENOMEM. *out is owned by the caller (detect_free). */
int detect_new(const detect_params *p, detect **out);
void detect_free(detect *d); /* NULL safe */
void detect_reset(detect *d); /* back to the state after detect_new() */

/* Feed one sample: t_s (s, may be NAN), strain (ratio, may be NAN: then no
 * stages), stress_Pa (may be NAN: then no stages), force_N (N; NAN: the
 * sample is skipped except for its index). Writes up to max events into ev
 * and returns how many (>= 0); events beyond max are dropped, so pass
 * max >= DET_NKINDS. After a fracture the detector emits nothing more. */
int detect_feed(detect *d, double t_s, double strain, double stress_Pa, double force_N,
                detect_event *ev, int max);

/* End of data: emits DET_MAX at the largest force seen when no fracture was
 * detected (a fracture already emitted its DET_MAX). Returns the count. */
int detect_finish(detect *d, detect_event *ev, int max);

/* Current state for displays: the kind of the last stage entered
 * (DET_NKINDS before the first stage; DET_YIELD in compression while the
 * post-yield stage is being decided) and whether fracture happened. */
detect_kind detect_stage(const detect *d);
bool detect_fractured(const detect *d);

/* True while a fracture rule holds but its debounce has not yet confirmed it
 * (not fractured yet): the next sample decides. A live controller asks for
 * that sample at once (rig_sample_now) instead of waiting a period. */
bool detect_fracture_pending(const detect *d);

/* "contact", "elastic", "yield", "plastic", "plateau", "densification",
 * "fracture", "max"; "?" for anything else. */
const char *detect_kind_name(detect_kind k);

/* Offline replay: feed t/strain/stress/force[0..n-1] (t, strain, stress may
 * be NULL = all NAN) through a fresh detector with p, then detect_finish().
 * Writes up to maxev events into ev, *nev = number found (may exceed maxev:
 * then only the first maxev are stored and RIGOR_EFULL is returned). */
int detect_run_curve(const detect_params *p, const double *t, const double *strain,
                     const double *stress, const double *force, size_t n, detect_event *ev,
                     size_t maxev, size_t *nev);

/* The same replay, stopped right after the first event of kind `until`
 * (its batch of events included; no detect_finish then): what a caller that
 * wants only that event needs, e.g. the contact of a compression curve.
 * until = DET_NKINDS never stops: detect_run_curve. */
int detect_run_until(const detect_params *p, const double *t, const double *strain,
                     const double *stress, const double *force, size_t n, detect_kind until,
                     detect_event *ev, size_t maxev, size_t *nev);

/* Record every parameter in rs as method entries "detect_<name>". */
int detect_params_record(const detect_params *p, result_set *rs);

/* Detector parameters an analysis uses for options o: the compression (or
 * tensile) defaults, with o->break_drop_frac -> rate_drop_frac,
 * o->break_drop_samples -> rate_window (capped at 48) and o->break_low_frac
 * -> e8_low_frac wherever those are > 0. */
void detect_params_for(const analysis_opts *o, bool compression, detect_params *p);

/* Add the stage events among ev[0..nev-1] (contact, elastic, plastic,
 * plateau, densification, fracture; yield and max are points, not stages)
 * to rs in order. t and pos_m (position as in the file, m) may be NULL;
 * eps/sig are the arrays the events index; end_i is the last analysed
 * sample (end of the last stage). Returns RIGOR_OK or RIGOR_ENOMEM. */
int detect_add_stages(result_set *rs, const detect_event *ev, size_t nev, const double *t,
                      const double *pos_m, const double *eps, const double *sig, size_t end_i);

#endif
