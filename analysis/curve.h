/* curve.h — one specimen's recorded test data in SI units, with its metadata.
 *
 * A curve is what every importer produces and every analysis consumes: up to
 * five channels by role (time, extension/crosshead, force, strain, stress),
 * each an array of doubles in SI (s, m, N, ratio, Pa), or NULL when the
 * source has no such column. Metadata travels with the data: specimen id and
 * geometry, the detected format, the source column names, free key/value
 * metadata (vendor results among them) and notes/warnings for the user.
 *
 * Ownership: curve_new() allocates, curve_free() frees everything (NULL safe).
 * Arrays grow by curve_append(); callers never free channel arrays.
 */
#ifndef RIGOR_CURVE_H
#define RIGOR_CURVE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CURVE_TIME = 0, /* s */
    CURVE_EXT,      /* m: extension, crosshead position or travel */
    CURVE_FORCE,    /* N */
    CURVE_STRAIN,   /* ratio (never percent inside Rigor) */
    CURVE_STRESS,   /* Pa */
    CURVE_NROLES
} curve_role;

/* Specimen geometry in SI; NAN where unknown. */
typedef struct {
    double width_m;     /* strip width */
    double thickness_m; /* strip thickness (or film thickness) */
    double diameter_m;  /* round bar / cylinder / pellet diameter */
    double area_m2;     /* cross-section, when stated directly */
    double gauge_m;     /* tensile gauge length L0 (or grip separation) */
    double height_m;    /* compression: initial specimen height h0 */
} curve_geom;

typedef struct {
    char *key;   /* as in the source, e.g. "Modulus (Automatic Young's)" */
    char *value; /* as in the source text */
    char *unit;  /* unit text from the source, may be "" */
} curve_meta;

typedef struct curve {
    size_t n;                   /* number of samples */
    size_t cap;                 /* allocated samples per present channel */
    double *ch[CURVE_NROLES];   /* channel arrays, NULL when absent */
    char colname[CURVE_NROLES][128]; /* source column name per role ("" if absent) */
    char colunit[CURVE_NROLES][32];  /* source unit per role ("" if none/implied) */

    char file[1024];            /* source path */
    char specimen[128];         /* specimen id; "" when the source has none */
    char format[64];            /* detected format, e.g. "bluehill-raw" */
    char test[16];              /* "tensile", "compression" or "" when unknown */
    curve_geom geom;
    bool interrupted;           /* a Rigor run file without its trailer */

    curve_meta *meta;           /* free-form metadata from the source */
    size_t nmeta;
    char **notes;               /* warnings/notes for the user, in order */
    size_t nnotes;

    /* A crosshead kept beside an extensometer extension that took
     * CURVE_EXT (a file with both in a length unit): m, n samples, NAN where
     * a row had none; NULL when the file has no such second channel. Curve
     * preparation continues a removed extensometer from it and judges
     * unloads on it (prepare.h prepare_crosshead). Grown by curve_append
     * like the channels (NAN), filled by the importer. */
    double *xhead;
    char xhead_col[128];        /* its source column name */
} curve;

/* Allocate an empty curve with the channels in role_mask (bit i = role i). */
int curve_new(unsigned role_mask, curve **out);
void curve_free(curve *c);

/* Add a channel after creation (filled with NAN for existing samples). */
int curve_add_channel(curve *c, curve_role role);

/* Add the crosshead array c->xhead (NAN for existing samples). */
int curve_add_xhead(curve *c);

/* Append one sample; row[r] is read only for present channels (c->xhead,
 * when present, gets NAN for the caller to fill). */
int curve_append(curve *c, const double row[CURVE_NROLES]);

/* Make room for at least n samples in every present channel (an importer
 * that knows how many rows can follow: one allocation instead of doubling
 * and copying). Room that is never filled costs address space, not memory. */
int curve_reserve(curve *c, size_t n);
/* curve_append without the growth check: only after curve_reserve made
 * room (c->n < c->cap). */
void curve_push_reserved(curve *c, const double row[CURVE_NROLES]);

bool curve_has(const curve *c, curve_role role);
/* RIGOR_OK when every sample of channel r is finite; else RIGOR_ENODATA with
 * "<what> of sample N is not a finite number" (N from 1) in why. */
int curve_check_finite(const curve *c, curve_role r, const char *what, char *why, size_t wl);

/* Add a key/value/unit metadata entry (strings copied). */
int curve_meta_add(curve *c, const char *key, const char *value, const char *unit);
/* First metadata entry whose key equals key (case-insensitive), or NULL. */
const curve_meta *curve_meta_find(const curve *c, const char *key);

/* Append a note (printf-style, copied). */
int curve_note(curve *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* All geometry fields set to NAN. */
void curve_geom_clear(curve_geom *g);

/* Cross-section A0 in m^2 from the geometry: area if given, else width *
 * thickness, else pi d^2 / 4. Returns NAN when none is available. */
double curve_geom_area(const curve_geom *g);

/* A list of curves, as produced by a multi-specimen file. */
typedef struct {
    curve **v;
    size_t n;
} curve_list;

int curve_list_push(curve_list *l, curve *c);
void curve_list_free(curve_list *l); /* frees the curves and the array */

#endif
