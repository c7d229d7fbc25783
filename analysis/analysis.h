/* analysis.h — options of an analysis run and the one entry point.
 *
 * `rigor analyze`, `rigor run` and the console all analyse a curve the same
 * way: fill analysis_opts (defaults, then a preset, then explicit flags),
 * call analysis_run(), print the result_set. All lengths and strains are SI
 * (m, ratio) here; the CLI converts mm and % at the edge.
 */
#ifndef RIGOR_ANALYSIS_H
#define RIGOR_ANALYSIS_H

#include "curve.h"
#include "holds.h"
#include "results.h"

#include <stdbool.h>

typedef enum { TEST_AUTO = 0, TEST_TENSILE, TEST_COMPRESSION } test_kind;

typedef enum {
    MOD_AUTO = 0, /* objective most-linear steep window (ASTM E3076 spirit) */
    MOD_FIT,      /* least squares between strains lo..hi */
    MOD_CHORD,    /* ISO 527 chord (sigma(hi) - sigma(lo)) / (hi - lo) */
    MOD_SECANT,   /* sigma(at) / at from the (toe-compensated) origin */
    MOD_E3076     /* least normalized residual range + quality metrics (modulus.c) */
} modulus_method;

/* Tensile yield (tensile.c): the offset method, or the first zero slope. */
typedef enum {
    YIELD_OFFSET = 0,          /* ISO 6892-1 Rp, ASTM E8 / D638 offset yield */
    YIELD_ZERO_SLOPE,          /* ISO 527-1 sigma_y: the first local maximum; null if none */
    YIELD_ZERO_SLOPE_OR_OFFSET /* ASTM D638 / D882: the yield point, else the offset yield */
} yield_rule;

typedef struct {
    test_kind test;        /* TEST_AUTO: the file's metadata, else tensile */
    curve_geom geom;       /* overrides; NAN fields fall back to the file */
    char preset[32];       /* name of the preset applied, "" for none */

    /* modulus */
    modulus_method modulus;
    double mod_lo, mod_hi; /* strain (ratio) window for FIT/CHORD; mod_lo = point for SECANT */
    bool use_file_columns; /* use stress/strain columns when the file has them */

    /* tensile */
    double offset;          /* yield offset strain (ratio), default 0.002 */
    bool toe;               /* toe compensation (ASTM D638/D882 Annex A1) */
    double break_drop_frac; /* sudden drop: fraction of max stress lost ... */
    int break_drop_samples; /* ... within this many samples */
    double break_low_frac;  /* ASTM E8: force below this fraction of max (0.10) */
    yield_rule yield;       /* which yield yield_strength_mpa is */
    /* metals (ISO 6892-1, analysis/metals.c) */
    double rt;               /* Rt at this total extension (ratio), 0 = not asked */
    double final_diameter_m; /* Z: final diameter du, NAN when not given */
    double final_width_m, final_thickness_m; /* Z: final width and thickness, NAN */

    /* compression */
    double compliance_m_per_N;   /* machine compliance (0 = none) */
    char compliance_file[1024];  /* force -> deflection table, "" for none */
    double plateau_lo, plateau_hi; /* ISO 13314 plateau window (ratio), 0.20..0.30 */
    double energy_to;            /* energy absorption up to this strain (0.50) */

    int threads; /* threads for one curve (<= 1: one): the tensile stage replay runs
                    beside the result computation, and long work arrays are faulted
                    in by that many (bigmem_alloc_touched); results do not depend
                    on it */
    int cycles;  /* load-unload cycles (cycles.h): 0 report them from 2 cycles on, 1
                    from 1 (rigor analyze --cycles) */
    holds_opts holds; /* relaxation/creep holds: model and stated times (holds.h) */
} analysis_opts;

/* Defaults: auto modulus, 0.2 % offset, toe compensation on, file columns
 * used, E8 break rules, ISO 13314 window 20-30 %, no compliance. */
void analysis_opts_default(analysis_opts *o);

/* Apply a named preset ("iso527", "astm-d638", "astm-d882", "iso604",
 * "astm-d695", "iso13314"). Returns RIGOR_EINVAL for an unknown name. */
int analysis_preset(analysis_opts *o, const char *name);

/* Geometry of an analysis: each field from the options when given, else from
 * the file; an explicit cross-section (width, thickness or diameter) in the
 * options replaces the file's cross-section as a whole. */
void analysis_merge_geom(const curve_geom *opt, const curve_geom *file, curve_geom *g);

/* Analyse one curve into rs (initialised by the caller with results_init).
 * Returns RIGOR_OK, or RIGOR_EGEOMETRY / RIGOR_ENODATA / ... with *why set to a
 * one-line explanation naming what is missing. */
int analysis_run(const curve *c, const analysis_opts *o, result_set *rs, char *why,
                 size_t whylen);

#endif
