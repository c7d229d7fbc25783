/* rigfile_cal.c — the rig file's [calibration] section: the classes the
 * measuring chain is certified to and the resolution of the instrument the
 * specimens are measured with. Rigor does not use them to run a test; they go
 * into every run file's header, and `rigor analyze --uncertainty` takes them
 * from there when no flag states them (docs/uncertainty.md).
 *
 *   force_class         = 1      ISO 7500-1:2018 Table 2 classes 0.5, 1, 2, 3
 *                                (relative error of indication within +-c %)
 *   extensometer_class  = 0.5    ISO 9513:2012 Table 2 classes 0.2, 0.5, 1, 2
 *   geometry_resolution = 1 um   a length, (0, 10 mm]: from a resolution r alone
 *                                the standard uncertainty is r / sqrt(12)
 *                                (GUM 4.3.7, rectangular on +-r/2)
 *
 * A class that is not one of the standard's is refused: a "class 1.5" is no
 * certificate anyone issued, and a silently accepted typo would understate
 * (or overstate) every uncertainty computed from the run.
 */
#include "rigfile_priv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v is exactly one of the n classes (as a number: "1", "1.0", "0.50"). */
static bool parse_class(const char *v, const double *classes, int n, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x))
        return false;
    for (int i = 0; i < n; i++)
        if (x == classes[i]) {
            *out = x;
            return true;
        }
    return false;
}

int rf_key_calibration(parser *p, const char *k, const char *v, long col)
{
    rig_config *c = p->cfg;
    if (!strcmp(k, "force_class")) {
        static const double iso7500[] = {0.5, 1, 2, 3};
        if (!parse_class(v, iso7500, 4, &c->force_class_pct))
            FAIL(p, col, "force_class: expected an ISO 7500-1 class 0.5, 1, 2 or 3, got '%s'",
                 v);
    } else if (!strcmp(k, "extensometer_class")) {
        static const double iso9513[] = {0.2, 0.5, 1, 2};
        if (!parse_class(v, iso9513, 4, &c->extensometer_class_pct))
            FAIL(p, col,
                 "extensometer_class: expected an ISO 9513 class 0.2, 0.5, 1 or 2, got '%s'",
                 v);
    } else if (!strcmp(k, "geometry_resolution")) {
        double r;
        int rc = rf_parse_quantity(p, k, v, col, DIM_LENGTH, &r);
        if (rc)
            return rc;
        if (!(r > 0 && r <= 10e-3))
            FAIL(p, col,
                 "geometry_resolution: expected a length in (0, 10 mm] (the smallest step "
                 "of the micrometer or caliper), got '%s'",
                 v);
        c->geometry_resolution_m = r;
    } else {
        FAIL(p, 1,
             "unknown key '%s' in [calibration] (expected force_class, extensometer_class, "
             "geometry_resolution)",
             k);
    }
    return RIGOR_OK;
}
