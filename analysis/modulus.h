/* modulus.h — the slope of the linear region of a stress-strain record, one
 * implementation per method, called by the tensile and the compression
 * analysis alike (STYLE.md: one module per method).
 *
 * Every routine works on samples [i0, i1] of eps (ratio) and sig (Pa), fills
 * a modulus_line and returns RIGOR_OK, or RIGOR_ENODATA with why filled
 * (RIGOR_ENOMEM when out of memory). The formulas and clauses are in
 * modulus.c; docs/analysis-tensile.md §Modulus describes each method.
 */
#ifndef RIGOR_MODULUS_H
#define RIGOR_MODULUS_H

#include "analysis.h"
#include "results.h"

#include <stdbool.h>
#include <stddef.h>

/* The modulus line sigma = c0 + E * eps (recorded strain), the window it was
 * fitted over, and the quality of the fit. */
typedef struct {
    double E_Pa;           /* slope */
    double c0_Pa;          /* intercept at recorded strain 0 */
    double r2;             /* NAN for chord/secant */
    double se_E_Pa;        /* standard error of the slope, NAN for chord/secant */
    size_t i_lo, i_hi;     /* sample window [i_lo, i_hi] */
    double eps_lo, eps_hi; /* recorded strains at the window ends */
    bool linear;           /* auto/e3076: the window passed the linearity test; else true */
    int n_toe_rejected;    /* auto: linear windows refused for starting outside the
                              initial loading (toe beyond the bound) */
} modulus_line;

/* A least-squares modulus fit (auto, fit, e3076) with r^2 below this is
 * flagged (WARNING) by the tensile and the compression analysis alike:
 * Rigor's bound, no standard states one. */
#define MODULUS_R2_MIN 0.99

/* ASTM E3076 data-quality and fit-quality metrics of the chosen fit range
 * (modulus_e3076). Every limit is Rigor's own choice (the standard's text
 * was not available; docs/analysis-tensile.md says so); a metric passes
 * when it is on the right side of its limit. */
#define MODULUS_Q_NOISE_MAX 0.02 /* stress noise SD / fitted stress span */
#define MODULUS_Q_RES_MAX 0.01   /* digital resolution / span (stress and strain) */
#define MODULUS_Q_POINTS_MIN 20  /* samples in the fit range */
#define MODULUS_Q_NFR_MAX 0.02   /* residual SD / fitted stress span */
#define MODULUS_Q_CURV_MAX 0.02  /* |slope change across the range| / slope */
#define MODULUS_Q_RATIO_MAX 2.0  /* residual SD / noise SD (first-order test) */

typedef struct {
    double stress_noise_rel;      /* sd_noise(sigma) / (E * (eps_hi - eps_lo)) */
    double strain_noise_rel;      /* sd_noise(eps) / (eps_hi - eps_lo) (reported only) */
    double stress_resolution_rel; /* smallest gap of sorted sigma / fitted span */
    double strain_resolution_rel; /* smallest gap of sorted eps / strain span */
    size_t points;                /* samples in the fit range */
    double fit_residual_rel;      /* residual SD / fitted stress span */
    double curvature_rel;         /* |2 b2 (eps_hi - eps_lo)| / E of a parabola fit */
    double residual_to_noise;     /* residual SD / stress noise SD */
    bool noise_ok, stress_res_ok, strain_res_ok, points_ok, residual_ok, curvature_ok, ratio_ok;
} modulus_quality;

/* True when every metric passed. */
bool modulus_quality_ok(const modulus_quality *q);

/* Chord E = (sigma(hi) - sigma(lo)) / (hi - lo), sigma interpolated at the
 * first crossing of each strain (ISO 527-1 §10.3, ISO 604). */
int modulus_chord(const double *eps, const double *sig, size_t i0, size_t i1, double lo,
                  double hi, modulus_line *m, char *why, size_t wl);
/* Secant E = sigma(at) / at from the origin (ASTM D882 1 % secant). */
int modulus_secant(const double *eps, const double *sig, size_t i0, size_t i1, double at,
                   modulus_line *m, char *why, size_t wl);
/* Least squares over the samples with lo <= eps <= hi only (ASTM E111 §9). */
int modulus_fit(const double *eps, const double *sig, size_t i0, size_t i1, double lo,
                double hi, modulus_line *m, char *why, size_t wl);
/* Rigor's objective window (auto): see modulus.c. toe_bound (ratio): a
 * window whose line meets zero stress more than this before the data's
 * start is past the initial loading and refused. i1 is the maximum stress. */
int modulus_auto(const double *eps, const double *sig, size_t i0, size_t i1, double toe_bound,
                 modulus_line *m, char *why, size_t wl);
/* ASTM E3076-style: the fit range of least normalized residual and its
 * quality metrics (q may be NULL). See modulus.c for what is reproduced. */
int modulus_e3076(const double *eps, const double *sig, size_t i0, size_t i1, double toe_bound,
                  modulus_line *m, modulus_quality *q, char *why, size_t wl);

/* The metrics of a fit range [a, b] with its line (used by modulus_e3076;
 * exposed for tests). RIGOR_OK, RIGOR_ENODATA (fewer than 6 samples) or
 * RIGOR_ENOMEM. */
int modulus_quality_of(const double *eps, const double *sig, size_t a, size_t b,
                       const modulus_line *m, modulus_quality *q);

/* Record q in rs as the one-row table "modulus_quality" (JSON object: each
 * metric in %, its limit and a pass/fail) and one WARNING naming every
 * metric that failed. RIGOR_OK or RIGOR_ENOMEM. */
int modulus_quality_report(result_set *rs, const modulus_quality *q);

/* The display name of a method ("auto", "fit", "chord", "secant", "e3076"). */
const char *modulus_method_name(modulus_method meth);

#endif
