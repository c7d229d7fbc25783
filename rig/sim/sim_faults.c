/* sim_faults.c — the --faults list: parse it, and decide per reply which fault to inject.
 *
 * Syntax (docs/sim.md): comma-separated items
 *   drop=P  corrupt=P  delay=P:TIME  exception=P
 *   disconnect-after=TIME  freeze-tick-after=TIME  estop-after=TIME
 *   nan-force-after=TIME  freeze-force-after=TIME  stall-after=TIME
 *   refuse-velocity-after=TIME  refuse-control-after=TIME
 * P is a probability in [0, 1] per reply; TIME a number with an optional
 * unit (s, ms, min; bare numbers are seconds, except the delay length
 * where a bare number is milliseconds, as in "delay=0.02:50"). The
 * per-reply faults are exclusive: one uniform draw from the fault RNG per
 * request picks at most one, so the sum of their probabilities must be <= 1.
 */
#include "sim_internal.h"

#include "../../common/units.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int parse_time(const char *text, double bare_scale, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v >= 0))
        return RIGOR_EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    if (!*end) {
        *out = v * bare_scale;
        return RIGOR_OK;
    }
    unit_info u;
    if (!units_parse(end, &u) || u.dim != DIM_TIME)
        return RIGOR_EINVAL;
    *out = v * u.scale;
    return RIGOR_OK;
}

static int parse_prob(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= 0 && v <= 1))
        return RIGOR_EINVAL;
    *out = v;
    return RIGOR_OK;
}

int sim_faults_parse(const char *text, sim_faults *f, rigor_diag *d)
{
    memset(f, 0, sizeof *f);
    f->disconnect_after_s = f->freeze_after_s = f->estop_after_s = -1;
    f->nan_force_after_s = f->freeze_force_after_s = f->stall_after_s = -1;
    f->refuse_velocity_after_s = f->refuse_control_after_s = -1;
    if (!text || !*text)
        return RIGOR_OK;
    char buf[512];
    if (strlen(text) >= sizeof buf) {
        rigor_diag_set(d, "--faults", 0, 0, "list too long");
        return RIGOR_EINVAL;
    }
    strcpy(buf, text); // NOLINT(clang-analyzer-security.insecureAPI.strcpy): length checked above
    for (char *item = buf, *next; item; item = next) {
        long col = item - buf + 1;
        next = strchr(item, ',');
        if (next)
            *next++ = 0;
        char *eq = strchr(item, '=');
        int rc = RIGOR_EINVAL;
        if (eq) {
            *eq = 0;
            const char *k = item, *v = eq + 1;
            if (!strcmp(k, "drop"))
                rc = parse_prob(v, &f->drop);
            else if (!strcmp(k, "corrupt"))
                rc = parse_prob(v, &f->corrupt);
            else if (!strcmp(k, "exception"))
                rc = parse_prob(v, &f->exception);
            else if (!strcmp(k, "delay")) {
                char *colon = strchr(eq + 1, ':');
                if (colon) {
                    *colon = 0;
                    rc = parse_prob(v, &f->delay);
                    if (!rc)
                        rc = parse_time(colon + 1, 1e-3, &f->delay_s);
                }
            } else if (!strcmp(k, "disconnect-after"))
                rc = parse_time(v, 1, &f->disconnect_after_s);
            else if (!strcmp(k, "freeze-tick-after"))
                rc = parse_time(v, 1, &f->freeze_after_s);
            else if (!strcmp(k, "estop-after"))
                rc = parse_time(v, 1, &f->estop_after_s);
            else if (!strcmp(k, "nan-force-after"))
                rc = parse_time(v, 1, &f->nan_force_after_s);
            else if (!strcmp(k, "freeze-force-after"))
                rc = parse_time(v, 1, &f->freeze_force_after_s);
            else if (!strcmp(k, "stall-after"))
                rc = parse_time(v, 1, &f->stall_after_s);
            else if (!strcmp(k, "refuse-velocity-after"))
                rc = parse_time(v, 1, &f->refuse_velocity_after_s);
            else if (!strcmp(k, "refuse-control-after"))
                rc = parse_time(v, 1, &f->refuse_control_after_s);
            *eq = '=';
        }
        if (rc) {
            rigor_diag_set(d, "--faults", 1, col,
                         "bad fault item '%s' (expected drop=P, corrupt=P, delay=P:MSms, "
                         "exception=P, disconnect-after=Ss, freeze-tick-after=Ss, "
                         "estop-after=Ss, nan-force-after=Ss, freeze-force-after=Ss, "
                         "stall-after=Ss, refuse-velocity-after=Ss, refuse-control-after=Ss)",
                         item);
            return RIGOR_EINVAL;
        }
    }
    if (f->drop + f->corrupt + f->delay + f->exception > 1) {
        rigor_diag_set(d, "--faults", 0, 0, "drop+corrupt+delay+exception must not exceed 1");
        return RIGOR_EINVAL;
    }
    return RIGOR_OK;
}

fault_kind sim_fault_pick(sim *s)
{
    const sim_faults *f = &s->faults;
    if (f->drop + f->corrupt + f->delay + f->exception <= 0)
        return FAULT_NONE;
    double u = sim_rng_uniform(&s->rng_fault);
    if ((u -= f->drop) < 0)
        return FAULT_DROP;
    if ((u -= f->corrupt) < 0)
        return FAULT_CORRUPT;
    if ((u -= f->delay) < 0)
        return FAULT_DELAY;
    if ((u -= f->exception) < 0)
        return FAULT_EXCEPTION;
    return FAULT_NONE;
}
