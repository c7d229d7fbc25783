/* units.h — physical units at Rigor's edges.
 *
 * Inside Rigor every quantity is an SI double (N, m, s, Pa; strain as a
 * ratio). Text from users and files carries units ("40 um", "Load (kN)",
 * "mm/min", "%"); this module turns a unit symbol into its dimension and the
 * affine map to SI: si = value * scale + offset. Parsers call it once, at the
 * boundary, and check the dimension against what the context expects.
 */
#ifndef RIGOR_UNITS_H
#define RIGOR_UNITS_H

#include <stdbool.h>

typedef enum {
    DIM_NONE = 0,     /* not a known unit */
    DIM_RATIO,        /* strain, fractions: %, mm/mm, 1 */
    DIM_LENGTH,       /* m */
    DIM_AREA,         /* m^2 */
    DIM_FORCE,        /* N */
    DIM_TIME,         /* s */
    DIM_STRESS,       /* Pa */
    DIM_VELOCITY,     /* m/s */
    DIM_FORCE_RATE,   /* N/s */
    DIM_STRAIN_RATE,  /* 1/s (ratio per second) */
    DIM_STRESS_RATE,  /* Pa/s */
    DIM_COMPLIANCE,   /* m/N */
    DIM_ENERGY_DENS,  /* J/m^3 */
    DIM_FREQUENCY,    /* Hz */
    DIM_MASS          /* kg: "g" in a force column means grams-force, see units_parse */
} unit_dim;

typedef struct {
    unit_dim dim;
    double scale;  /* multiply by this ... */
    double offset; /* ... then add this to get SI (offset is 0 for all but temperature-like units) */
} unit_info;

/* Parse a unit symbol ("mm", "kN", "MPa", "%", "mm/min", "um", "µm", "lbf",
 * "N/mm²", ...). Surrounding spaces, brackets and parentheses are ignored.
 * Returns true and fills *u when the symbol is known. */
bool units_parse(const char *sym, unit_info *u);

/* Name of a dimension for messages ("length", "force", ...). */
const char *units_dim_name(unit_dim d);

/* The SI unit symbol of a dimension ("m", "N", "Pa", ...). */
const char *units_si_symbol(unit_dim d);

#endif
