/* units.c — table of unit symbols and their map to SI.
 *
 * The table is the single source of truth for every unit Rigor accepts, in
 * files, protocols and rig files alike. Matching is case-sensitive where case
 * carries meaning (mN vs MN are both listed explicitly; "m" is metre, "min"
 * is minute). Imperial units use exact definitions: 1 in = 0.0254 m,
 * 1 lbf = 4.4482216152605 N, 1 psi = 6894.757293168 Pa, 1 gf = 9.80665e-3 N.
 */
#include "units.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    const char *sym;
    unit_dim dim;
    double scale;
} unit_row;

#define LBF 4.4482216152605
#define PSI 6894.757293168361
#define GF 9.80665e-3

static const unit_row table[] = {
    /* ratio */
    {"%", DIM_RATIO, 0.01},         {"mm/mm", DIM_RATIO, 1},     {"m/m", DIM_RATIO, 1},
    {"in/in", DIM_RATIO, 1},        {"1", DIM_RATIO, 1},         {"-", DIM_RATIO, 1},
    {"ratio", DIM_RATIO, 1},        {"%%", DIM_RATIO, 0.01},     {"mm/m", DIM_RATIO, 1e-3},
    {"ustrain", DIM_RATIO, 1e-6},   {"µε", DIM_RATIO, 1e-6},
    /* length */
    {"m", DIM_LENGTH, 1},           {"mm", DIM_LENGTH, 1e-3},    {"cm", DIM_LENGTH, 1e-2},
    {"um", DIM_LENGTH, 1e-6},       {"µm", DIM_LENGTH, 1e-6},    {"μm", DIM_LENGTH, 1e-6},
    {"nm", DIM_LENGTH, 1e-9},       {"in", DIM_LENGTH, 0.0254},  {"inch", DIM_LENGTH, 0.0254},
    {"mil", DIM_LENGTH, 25.4e-6},
    /* area */
    {"m2", DIM_AREA, 1},            {"m^2", DIM_AREA, 1},        {"m²", DIM_AREA, 1},
    {"mm2", DIM_AREA, 1e-6},        {"mm^2", DIM_AREA, 1e-6},    {"mm²", DIM_AREA, 1e-6},
    {"cm2", DIM_AREA, 1e-4},        {"cm²", DIM_AREA, 1e-4},     {"in2", DIM_AREA, 0.00064516},
    {"in^2", DIM_AREA, 0.00064516}, {"in²", DIM_AREA, 0.00064516},
    /* force */
    {"N", DIM_FORCE, 1},            {"kN", DIM_FORCE, 1e3},      {"mN", DIM_FORCE, 1e-3},
    {"MN", DIM_FORCE, 1e6},         {"lbf", DIM_FORCE, LBF},     {"lb", DIM_FORCE, LBF},
    {"kip", DIM_FORCE, 1e3 * LBF},  {"kgf", DIM_FORCE, 9.80665}, {"gf", DIM_FORCE, GF},
    {"cN", DIM_FORCE, 1e-2},        {"daN", DIM_FORCE, 10},
    /* time */
    {"s", DIM_TIME, 1},             {"sec", DIM_TIME, 1},        {"ms", DIM_TIME, 1e-3},
    {"min", DIM_TIME, 60},          {"h", DIM_TIME, 3600},       {"us", DIM_TIME, 1e-6},
    /* stress */
    {"Pa", DIM_STRESS, 1},          {"kPa", DIM_STRESS, 1e3},    {"MPa", DIM_STRESS, 1e6},
    {"GPa", DIM_STRESS, 1e9},       {"N/mm2", DIM_STRESS, 1e6},  {"N/mm^2", DIM_STRESS, 1e6},
    {"N/mm²", DIM_STRESS, 1e6},     {"N/m2", DIM_STRESS, 1},     {"N/m²", DIM_STRESS, 1},
    {"psi", DIM_STRESS, PSI},       {"ksi", DIM_STRESS, 1e3 * PSI}, {"bar", DIM_STRESS, 1e5},
    {"kN/mm2", DIM_STRESS, 1e9},    {"kN/mm²", DIM_STRESS, 1e9},
    /* velocity */
    {"m/s", DIM_VELOCITY, 1},       {"mm/s", DIM_VELOCITY, 1e-3}, {"mm/min", DIM_VELOCITY, 1e-3 / 60},
    {"um/s", DIM_VELOCITY, 1e-6},   {"µm/s", DIM_VELOCITY, 1e-6}, {"in/min", DIM_VELOCITY, 0.0254 / 60},
    {"m/min", DIM_VELOCITY, 1.0 / 60}, {"nm/s", DIM_VELOCITY, 1e-9}, {"mm/h", DIM_VELOCITY, 1e-3 / 3600},
    /* force rate */
    {"N/s", DIM_FORCE_RATE, 1},     {"kN/s", DIM_FORCE_RATE, 1e3}, {"N/min", DIM_FORCE_RATE, 1.0 / 60},
    {"kN/min", DIM_FORCE_RATE, 1e3 / 60}, {"mN/s", DIM_FORCE_RATE, 1e-3},
    /* strain rate */
    {"%/min", DIM_STRAIN_RATE, 0.01 / 60}, {"%/s", DIM_STRAIN_RATE, 0.01}, {"1/s", DIM_STRAIN_RATE, 1},
    {"/s", DIM_STRAIN_RATE, 1},     {"1/min", DIM_STRAIN_RATE, 1.0 / 60}, {"/min", DIM_STRAIN_RATE, 1.0 / 60},
    {"mm/mm/min", DIM_STRAIN_RATE, 1.0 / 60},
    /* stress rate */
    {"MPa/s", DIM_STRESS_RATE, 1e6}, {"Pa/s", DIM_STRESS_RATE, 1}, {"kPa/s", DIM_STRESS_RATE, 1e3},
    {"MPa/min", DIM_STRESS_RATE, 1e6 / 60},
    /* compliance */
    {"m/N", DIM_COMPLIANCE, 1},     {"mm/N", DIM_COMPLIANCE, 1e-3}, {"um/N", DIM_COMPLIANCE, 1e-6},
    {"µm/N", DIM_COMPLIANCE, 1e-6}, {"mm/kN", DIM_COMPLIANCE, 1e-6}, {"um/kN", DIM_COMPLIANCE, 1e-9},
    /* energy density */
    {"J/m3", DIM_ENERGY_DENS, 1},   {"J/m^3", DIM_ENERGY_DENS, 1}, {"J/m³", DIM_ENERGY_DENS, 1},
    {"MJ/m3", DIM_ENERGY_DENS, 1e6}, {"MJ/m^3", DIM_ENERGY_DENS, 1e6}, {"MJ/m³", DIM_ENERGY_DENS, 1e6},
    {"kJ/m3", DIM_ENERGY_DENS, 1e3}, {"mJ/mm3", DIM_ENERGY_DENS, 1e6},
    /* frequency */
    {"Hz", DIM_FREQUENCY, 1},       {"kHz", DIM_FREQUENCY, 1e3},
    /* mass (grams in texture-analyser force columns; the importer maps g -> gf) */
    {"g", DIM_MASS, 1e-3},          {"kg", DIM_MASS, 1},
};

bool units_parse(const char *sym, unit_info *u)
{
    if (!sym)
        return false;
    /* Strip blanks and one level of (), [], {} around the symbol. */
    char buf[64];
    size_t n = 0;
    for (const char *p = sym; *p && n + 1 < sizeof buf; p++) {
        if (isspace((unsigned char)*p) || *p == '(' || *p == ')' || *p == '[' || *p == ']' ||
            *p == '{' || *p == '}')
            continue;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (n == 0)
        return false;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(buf, table[i].sym) == 0) {
            if (u) {
                u->dim = table[i].dim;
                u->scale = table[i].scale;
                u->offset = 0;
            }
            return true;
        }
    }
    return false;
}

const char *units_dim_name(unit_dim d)
{
    switch (d) {
    case DIM_RATIO: return "strain/ratio";
    case DIM_LENGTH: return "length";
    case DIM_AREA: return "area";
    case DIM_FORCE: return "force";
    case DIM_TIME: return "time";
    case DIM_STRESS: return "stress";
    case DIM_VELOCITY: return "velocity";
    case DIM_FORCE_RATE: return "force rate";
    case DIM_STRAIN_RATE: return "strain rate";
    case DIM_STRESS_RATE: return "stress rate";
    case DIM_COMPLIANCE: return "compliance";
    case DIM_ENERGY_DENS: return "energy density";
    case DIM_FREQUENCY: return "frequency";
    case DIM_MASS: return "mass";
    default: return "unknown";
    }
}

const char *units_si_symbol(unit_dim d)
{
    switch (d) {
    case DIM_RATIO: return "1";
    case DIM_LENGTH: return "m";
    case DIM_AREA: return "m^2";
    case DIM_FORCE: return "N";
    case DIM_TIME: return "s";
    case DIM_STRESS: return "Pa";
    case DIM_VELOCITY: return "m/s";
    case DIM_FORCE_RATE: return "N/s";
    case DIM_STRAIN_RATE: return "1/s";
    case DIM_STRESS_RATE: return "Pa/s";
    case DIM_COMPLIANCE: return "m/N";
    case DIM_ENERGY_DENS: return "J/m^3";
    case DIM_FREQUENCY: return "Hz";
    case DIM_MASS: return "kg";
    default: return "?";
    }
}
