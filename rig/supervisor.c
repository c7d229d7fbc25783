/* supervisor.c — see supervisor.h. */
#include "supervisor.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sup_init(supervisor *s, const rig_config *cfg)
{
    memset(s, 0, sizeof *s);
    s->force_min_N = cfg->force_min_N;
    s->force_max_N = cfg->force_max_N;
    s->pos_min_m = cfg->position_min_m;
    s->pos_max_m = cfg->position_max_m;
    s->test = rig_limits_none();
    s->fail_limit = cfg->fail_limit > 0 ? cfg->fail_limit : 5;
    s->tick_timeout_s = cfg->tick_timeout_s;
    s->watch_tick = cfg->point[ROLE_TICK].present && cfg->tick_timeout_s > 0;
}

void sup_set_limits(supervisor *s, const rig_limits *lim)
{
    s->test = lim ? *lim : rig_limits_none();
}

static bool trip(supervisor *s, sup_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool trip(supervisor *s, sup_kind k, const char *fmt, ...)
{
    if (s->fault)
        return false; /* the first reason stays */
    s->fault = true;
    s->kind = k;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof s->reason, fmt, ap);
    va_end(ap);
    return true;
}

static bool lt(double v, double lim)
{
    return isfinite(lim) && v < lim;
}
static bool gt(double v, double lim)
{
    return isfinite(lim) && v > lim;
}

bool sup_sample(supervisor *s, const rig_sample *smp, double abs_pos)
{
    bool tripped = false;
    double t = smp->t_s;
    s->fail_streak = 0;
    s->last_t = t;
    double F = smp->force_N, x = smp->position_m;
    const rig_limits *L = &s->test;

    /* Which limits does this sample violate? Each bit trips on its rising edge. */
    unsigned b = 0;
    char why[160] = "";
    if (gt(F, s->force_max_N) || gt(F, L->force_max_N)) {
        b |= SUP_B_FORCE_HI;
        snprintf(why, sizeof why, "force %.4g N above the limit %.4g N", F,
                 gt(F, s->force_max_N) ? s->force_max_N : L->force_max_N);
    } else if (lt(F, s->force_min_N) || lt(F, L->force_min_N)) {
        b |= SUP_B_FORCE_LO;
        snprintf(why, sizeof why, "force %.4g N below the limit %.4g N", F,
                 lt(F, s->force_min_N) ? s->force_min_N : L->force_min_N);
    }
    if (isfinite(L->stress_max_Pa) && isfinite(L->area_m2) && L->area_m2 > 0 &&
        fabs(F) / L->area_m2 > L->stress_max_Pa) {
        b |= F > 0 ? SUP_B_FORCE_HI : SUP_B_FORCE_LO;
        snprintf(why, sizeof why, "stress %.4g MPa beyond the limit %.4g MPa",
                 fabs(F) / L->area_m2 * 1e-6, L->stress_max_Pa * 1e-6);
    }
    if (gt(abs_pos, s->pos_max_m) || gt(x, L->position_max_m)) {
        b |= SUP_B_POS_HI;
        snprintf(why, sizeof why, "position %.4f mm above the limit", x * 1e3);
    } else if (lt(abs_pos, s->pos_min_m) || lt(x, L->position_min_m)) {
        b |= SUP_B_POS_LO;
        snprintf(why, sizeof why, "position %.4f mm below the limit", x * 1e3);
    }
    if (isfinite(L->strain_max) && isfinite(L->gauge_m) && L->gauge_m > 0 &&
        fabs(x) / L->gauge_m > L->strain_max) {
        b |= x > 0 ? SUP_B_POS_HI : SUP_B_POS_LO;
        snprintf(why, sizeof why, "strain %.4g %% beyond the limit %.4g %%",
                 fabs(x) / L->gauge_m * 100, L->strain_max * 100);
    }
    if (smp->status & RIG_SB_UPPER_LIMIT) {
        b |= SUP_B_SWITCH_HI;
        snprintf(why, sizeof why, "upper limit switch");
    }
    if (smp->status & RIG_SB_LOWER_LIMIT) {
        b |= SUP_B_SWITCH_LO;
        snprintf(why, sizeof why, "lower limit switch");
    }
    unsigned rising = b & ~s->beyond;
    s->beyond = b;
    if (rising)
        tripped |=
            trip(s, (rising & (SUP_B_SWITCH_HI | SUP_B_SWITCH_LO)) ? SUP_STATUS : SUP_LIMIT,
                 "%s", why);

    /* Status bits that mean the frame cannot run. */
    static const struct {
        uint32_t bit;
        const char *what;
    } bad[] = {{RIG_SB_ESTOP, "emergency stop"},
               {RIG_SB_WATCHDOG, "drive watchdog tripped (no heartbeat in time)"},
               {RIG_SB_FAULT, "drive fault"},
               {RIG_SB_OVERLOAD, "load cell overload"},
               {RIG_SB_ADC_ERROR, "load-cell transmitter ADC error"},
               {RIG_SB_CONFIG, "device configuration changed"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (smp->status & bad[i].bit) {
            tripped |= trip(s, SUP_STATUS, "%s", bad[i].what);
            break;
        }

    /* Frozen transmitter tick. */
    if (s->watch_tick) {
        if (!s->tick_seen || smp->tick != s->last_tick) {
            s->tick_seen = true;
            s->last_tick = smp->tick;
            s->tick_change_t = t;
        } else if (t - s->tick_change_t > s->tick_timeout_s) {
            tripped |=
                trip(s, SUP_TICK, "force data frozen: transmitter tick unchanged for %.0f ms",
                     (t - s->tick_change_t) * 1e3);
        }
    }
    return tripped;
}

bool sup_failure(supervisor *s, double t_s, const char *what)
{
    s->last_t = t_s;
    s->fail_streak++;
    if (s->fail_streak >= s->fail_limit)
        return trip(s, SUP_FAILURES, "%d consecutive failed cycles (last: %s)", s->fail_streak,
                    what ? what : "?");
    return false;
}

bool sup_link_lost(supervisor *s, const char *why)
{
    return trip(s, SUP_LINK, "link lost: %s", why ? why : "?");
}

void sup_ack(supervisor *s, double t_s)
{
    s->fault = false;
    s->kind = SUP_NONE;
    s->reason[0] = '\0';
    s->fail_streak = 0;
    s->tick_seen = false;
    s->tick_change_t = t_s;
}

int sup_check_velocity(const supervisor *s, double v)
{
    if (v > 0 && (s->beyond & (SUP_B_FORCE_HI | SUP_B_POS_HI | SUP_B_SWITCH_HI)))
        return RIGOR_ELIMIT;
    if (v < 0 && (s->beyond & (SUP_B_FORCE_LO | SUP_B_POS_LO | SUP_B_SWITCH_LO)))
        return RIGOR_ELIMIT;
    return RIGOR_OK;
}
