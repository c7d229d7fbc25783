/* protoopt.c — geometry overrides, machine limits and caret diagnostics for
 * the protocol commands (see protoopt.h).
 *
 * The rig file parser (rig/rigfile.h) is optional at build time: with
 * __has_include the --rig wiring compiles in as soon as that header exists,
 * and reports "not supported" otherwise.
 */
#include "protoopt.h"

#include "../common/units.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include("../rig/rigfile.h")
#include "../rig/rigfile.h" /* rigfile_load, rig_config */
#include "../rig/scaling.h" /* rig_speed_min_m_s */
#define HAVE_RIGFILE 1
#endif
#endif

/* "10", "10mm", "10 mm" → SI value of dimension dim; bare numbers use defunit. */
static int parse_opt_value(const char *opt, const char *val, unit_dim dim, const char *defunit,
                           double *si, char *err, size_t errlen)
{
    if (!val) {
        snprintf(err, errlen, "%s needs a value", opt);
        return -1;
    }
    char *end;
    double v = strtod(val, &end);
    if (end == val || !isfinite(v)) {
        snprintf(err, errlen, "%s %s: expected a number with a unit (e.g. 10%s)", opt, val,
                 defunit);
        return -1;
    }
    while (*end == ' ')
        end++;
    unit_info u;
    const char *sym = *end ? end : defunit;
    if (!units_parse(sym, &u)) {
        snprintf(err, errlen, "%s %s: unknown unit '%s'", opt, val, sym);
        return -1;
    }
    if (u.dim != dim) {
        snprintf(err, errlen, "%s %s: needs a %s unit (e.g. %s), got '%s' (%s)", opt, val,
                 units_dim_name(dim), defunit, sym, units_dim_name(u.dim));
        return -1;
    }
    *si = v * u.scale + u.offset;
    if (!(*si > 0)) {
        snprintf(err, errlen, "%s %s: must be positive", opt, val);
        return -1;
    }
    return 1;
}

int protoopt_geom(const char *opt, const char *val, curve_geom *g, char *err, size_t errlen)
{
    struct {
        const char *name;
        double *field;
        unit_dim dim;
        const char *unit;
    } t[] = {
        {"--width", &g->width_m, DIM_LENGTH, "mm"},
        {"--thickness", &g->thickness_m, DIM_LENGTH, "um"},
        {"--gauge-length", &g->gauge_m, DIM_LENGTH, "mm"},
        {"--diameter", &g->diameter_m, DIM_LENGTH, "mm"},
        {"--height", &g->height_m, DIM_LENGTH, "mm"},
        {"--area", &g->area_m2, DIM_AREA, "mm2"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(opt, t[i].name))
            return parse_opt_value(opt, val, t[i].dim, t[i].unit, t[i].field, err, errlen);
    return 0;
}

int protoopt_rig(const char *opt, const char *val, proto_rig_limits *r, char *err,
                 size_t errlen)
{
    if (!strcmp(opt, "--capacity"))
        return parse_opt_value(opt, val, DIM_FORCE, "N", &r->force_capacity_N, err, errlen);
    if (!strcmp(opt, "--max-speed"))
        return parse_opt_value(opt, val, DIM_VELOCITY, "mm/min", &r->speed_max_m_s, err,
                               errlen);
    if (!strcmp(opt, "--travel")) {
        double t;
        int rc = parse_opt_value(opt, val, DIM_LENGTH, "mm", &t, err, errlen);
        if (rc == 1) {
            r->travel_min_m = 0;
            r->travel_max_m = t;
        }
        return rc;
    }
    return 0;
}

int protoopt_rig_file(const char *path, proto_rig_limits *r, rigor_diag *d)
{
    protoopt_rig_info info;
    return protoopt_rig_file_info(path, r, &info, d);
}

int protoopt_rig_file_info(const char *path, proto_rig_limits *r, protoopt_rig_info *info,
                           rigor_diag *d)
{
    memset(info, 0, sizeof *info);
#ifdef HAVE_RIGFILE
    rig_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = rigfile_load(path, &cfg, d);
    if (rc)
        return rc;
    r->force_capacity_N = cfg.capacity_N;
    r->travel_min_m = cfg.travel_min_m;
    r->travel_max_m = cfg.travel_max_m;
    r->speed_max_m_s = cfg.speed_max_m_s;
    info->speed_min_m_s = rig_speed_min_m_s(&cfg);
    info->speed_line = cfg.point[ROLE_VELOCITY_CMD].line;
    info->position_mode = rig_has_position_mode(&cfg);
    snprintf(info->watchdog, sizeof info->watchdog, "%s", cfg.watchdog_text);
    for (int i = 0; i < cfg.nwarn && i < 4; i++)
        snprintf(info->warn[info->nwarn++], sizeof info->warn[0], "%s", cfg.warn[i]);
    r->extensometer = cfg.point[ROLE_EXTENSION].present ? 1 : 0;
    return RIGOR_OK;
#else
    (void)r;
    rigor_diag_set(d, path, 0, 0,
                 "this build has no rig-file parser; give --capacity, --travel and "
                 "--max-speed instead");
    return RIGOR_EUNSUPPORTED;
#endif
}

void protoopt_help(FILE *f)
{
    fprintf(f, "  geometry overrides (replace the file's values; bare numbers in mm,\n"
               "  --thickness in um, --area in mm2; or give a unit: --thickness 0.04mm):\n"
               "    --width W  --thickness T  --gauge-length L  --diameter D  --height H  "
               "--area A\n"
               "  machine limits to check against:\n"
               "    --rig RIGFILE           the rig file's [limits]\n"
               "    --capacity F (N)  --travel X (mm)  --max-speed V (mm/min)\n");
}

/* The bounds of line `line` (1-based) in text. */
static bool find_line(const char *text, size_t len, long line, size_t *b, size_t *e)
{
    size_t pos = 0;
    for (long l = 1; l < line; l++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl)
            return false;
        pos = (size_t)(nl - text) + 1;
    }
    if (pos > len)
        return false;
    size_t end = pos;
    while (end < len && text[end] != '\n')
        end++;
    if (end > pos && text[end - 1] == '\r')
        end--;
    *b = pos;
    *e = end;
    return true;
}

void protoopt_print_diag(FILE *f, const rigor_diag *d, const char *prefix, const char *text,
                         size_t len)
{
    if (d->line > 0 && d->col > 0)
        fprintf(f, "%s:%ld:%ld: %s%s\n", d->file, d->line, d->col, prefix, d->msg);
    else if (d->line > 0)
        fprintf(f, "%s:%ld: %s%s\n", d->file, d->line, prefix, d->msg);
    else
        fprintf(f, "%s: %s%s\n", d->file, prefix, d->msg);
    size_t b, e;
    if (!text || d->line <= 0 || !find_line(text, len, d->line, &b, &e))
        return;
    if (d->line == 1 && e - b >= 3 && !memcmp(text + b, "\xEF\xBB\xBF", 3))
        b += 3;
    fputs("    ", f);
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc((c < 0x20 && c != '\t') || c == 0x7f ? '?' : c, f);
    }
    fputc('\n', f);
    if (d->col <= 0)
        return;
    fputs("    ", f);
    /* Columns count bytes; a UTF-8 character takes one cell on the screen. */
    for (size_t i = b; (long)(i - b) < d->col - 1; i++) {
        unsigned char c = i < e ? (unsigned char)text[i] : ' ';
        if (c == '\t')
            fputc('\t', f);
        else if ((c & 0xC0) != 0x80)
            fputc(' ', f);
    }
    fputs("^\n", f);
}
