/* supervisor.c — see supervisor.h. */
#include "supervisor.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool trip(supervisor *s, sup_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

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
    s->invalid_limit = cfg->invalid_limit > 0 ? cfg->invalid_limit : SUP_INVALID_LIMIT;
    /* a rig file always has both; a config built by hand may not */
    s->force_range_N = cfg->capacity_N > 0 ? SUP_FORCE_RANGE_X * cfg->capacity_N : INFINITY;
    double span = cfg->travel_max_m - cfg->travel_min_m;
    s->pos_lo_m = span > 0 ? cfg->travel_min_m - SUP_POS_RANGE_X * span : -INFINITY;
    s->pos_hi_m = span > 0 ? cfg->travel_max_m + SUP_POS_RANGE_X * span : INFINITY;
    /* A transmitter with a heartbeat (its TICK watched above) proves it is
     * converting; its value may then be quiet for longer (a filtered reading
     * of a slack specimen) before a stuck converter is suspected. Without one
     * (no TICK, or the rig file's no_heartbeat) this rule is what watches
     * it, at frozen_timeout. */
    double frozen = cfg->frozen_timeout_s > 0 ? cfg->frozen_timeout_s : SUP_FROZEN_S;
    int fdev = cfg->point[ROLE_FORCE].device;
    bool heartbeat = s->watch_tick && !(fdev >= 0 && fdev < RIG_MAX_DEVICES &&
                                        cfg->dev[fdev].no_heartbeat);
    s->frozen_s = heartbeat ? SUP_FROZEN_HB_X * frozen : frozen;
    s->motion_s = cfg->motion_timeout_s > 0 ? cfg->motion_timeout_s : SUP_MOTION_S;
    s->pos_noise_m = cfg->position_noise_m > 0 ? cfg->position_noise_m : SUP_POS_NOISE_M;
    s->target_abs_m = s->motion_t = s->motion_pos_m = NAN;
    s->force_same_t = NAN;
}

unsigned sup_validate(supervisor *s, double F, double x, double e, bool has_ext, uint32_t st)
{
    unsigned bad = 0;
    char why[120] = "";
    if (!isfinite(F)) {
        bad |= RIG_SF_BAD_FORCE;
        snprintf(why, sizeof why, "force is %s", isnan(F) ? "NaN" : "infinite");
    } else if (isfinite(s->force_range_N) && fabs(F) > s->force_range_N) {
        bad |= RIG_SF_BAD_FORCE;
        snprintf(why, sizeof why, "force %.4g N beyond the load cell's range (%.4g N)", F,
                 s->force_range_N);
    } else if (st & RIG_SB_ADC_ERROR) {
        bad |= RIG_SF_BAD_FORCE;
        snprintf(why, sizeof why, "load-cell transmitter reports an ADC / cell error");
    }
    if (!isfinite(x)) {
        bad |= RIG_SF_BAD_POSITION;
        if (!why[0])
            snprintf(why, sizeof why, "position is %s", isnan(x) ? "NaN" : "infinite");
    } else if (x < s->pos_lo_m || x > s->pos_hi_m) {
        bad |= RIG_SF_BAD_POSITION;
        if (!why[0])
            snprintf(why, sizeof why, "position %.6g mm beyond the encoder's range", x * 1e3);
    }
    if (has_ext && !isfinite(e)) {
        bad |= RIG_SF_BAD_EXTENSION;
        if (!why[0])
            snprintf(why, sizeof why, "extension is %s", isnan(e) ? "NaN" : "infinite");
    }
    if (bad)
        memcpy(s->invalid_why, why, sizeof why);
    return bad;
}

void sup_motion(supervisor *s, double t_s, double speed, double target)
{
    s->moving_cmd = speed > 0;
    s->speed_cmd_m_s = speed > 0 ? speed : 0;
    s->target_abs_m = target;
    s->motion_t = t_s;
    s->motion_pos_m = NAN; /* the next valid sample's */
    s->motion_seen = false;
    s->force_same_t = NAN;
}

bool sup_command_failed(supervisor *s, const char *what)
{
    return trip(s, SUP_COMMAND, "%s", what ? what : "command write failed");
}

void sup_set_limits(supervisor *s, const rig_limits *lim)
{
    s->test = lim ? *lim : rig_limits_none();
}

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

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* One value's bit-identical watch: returns how long it has not changed. */
static double same_for(uint64_t *last, double *since, double v, double t)
{
    uint64_t b = bits_of(v);
    if (isnan(*since) || b != *last) {
        *last = b;
        *since = t;
        return 0;
    }
    return t - *since;
}

/* While the crosshead is commanded to move: a force that repeats its last
 * value bit for bit is not a live reading (a transmitter without a heartbeat
 * that stopped converting), and a position that stays within the noise band
 * of where it last was means the drive does not move (or its encoder froze). The motion allowance is
 * motion_s (acceleration, latency) plus the time the commanded speed needs
 * to cross twice the noise band, so slow tests get proportionally longer. */
static bool watch_motion(supervisor *s, const rig_sample *smp, double abs_pos)
{
    double t = smp->t_s;
    bool tripped = false;
    if (!(smp->flags & RIG_SF_BAD_FORCE)) {
        double d = same_for(&s->force_bits, &s->force_same_t, smp->force_N, t);
        if (d > s->frozen_s)
            tripped |= trip(s, SUP_FROZEN,
                            "force data frozen: %.9g N bit-identical for %.1f s while the "
                            "crosshead is commanded to move",
                            smp->force_N, d);
    }
    if (smp->flags & RIG_SF_BAD_POSITION)
        return tripped;
    /* No separate bit-identical rule for the position: a frozen encoder and
     * a drive that does not move look the same, and the motion allowance
     * below (never shorter than the time to cross the noise band at the
     * commanded speed) is the right clock for both. */
    double allow = s->motion_s + 2 * s->pos_noise_m / s->speed_cmd_m_s;
    if (isnan(s->motion_pos_m)) {
        s->motion_pos_m = abs_pos;
        if (isnan(s->motion_t))
            s->motion_t = t;
    }
    /* a position move within the noise band of its target has arrived (or
     * had nothing to do): no longer a motion */
    if (isfinite(s->target_abs_m) && fabs(s->target_abs_m - abs_pos) <= 2 * s->pos_noise_m) {
        s->moving_cmd = false;
        return tripped;
    }
    /* A sliding reference: each step beyond the noise band restarts the
     * clock, so a drive that stalls halfway is caught like one that never
     * started. */
    if (fabs(abs_pos - s->motion_pos_m) > s->pos_noise_m) {
        s->motion_seen = true;
        s->motion_pos_m = abs_pos;
        s->motion_t = t;
    } else if (t - s->motion_t > allow)
        tripped |= trip(s, SUP_NO_MOTION,
                        "the drive does not move: commanded %.4g mm/s, position within "
                        "%.4g mm of %.6f mm for %.2f s",
                        s->speed_cmd_m_s * 1e3, s->pos_noise_m * 1e3,
                        (s->motion_pos_m - (abs_pos - smp->position_m)) * 1e3, t - s->motion_t);
    return tripped;
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
    /* Invalid samples: their values are NAN, so no limit above saw them. */
    if (smp->flags & RIG_SF_INVALID) {
        if (++s->invalid_streak > s->invalid_limit)
            tripped |= trip(s, SUP_INVALID, "%d invalid samples in a row (last: %s)",
                            s->invalid_streak, s->invalid_why);
    } else {
        s->invalid_streak = 0;
    }

    if (s->moving_cmd)
        tripped |= watch_motion(s, smp, abs_pos);
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
    s->invalid_streak = 0;
    sup_motion(s, t_s, 0, NAN); /* the ack stops the crosshead; a new command restarts */
}

int sup_check_velocity(const supervisor *s, double v)
{
    if (v > 0 && (s->beyond & (SUP_B_FORCE_HI | SUP_B_POS_HI | SUP_B_SWITCH_HI)))
        return RIGOR_ELIMIT;
    if (v < 0 && (s->beyond & (SUP_B_FORCE_LO | SUP_B_POS_LO | SUP_B_SWITCH_LO)))
        return RIGOR_ELIMIT;
    return RIGOR_OK;
}
