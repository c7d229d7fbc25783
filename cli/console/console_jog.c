/* console_jog.c — jog within a force bound; tare and zero, confirmed.
 *
 * The driver's jog (rig_cmd_jog) moves at a speed for a while and knows only
 * the machine limits. At the frame a jog usually ends against a specimen
 * held in the grips, so the console bounds it by force: every turn of the
 * loop (5 ms while a jog is under way) it reads the latest sample and stops
 * the crosshead when |force| is beyond the jog bound in the direction the
 * jog loads it. The bound is the smallest of
 *   - the jog force limit of the form (default 5 % of the cell's capacity),
 *   - the rig file's soft force limits (force_max_N, -force_min_N) and the
 *     cell's capacity,
 *   - the chosen protocol's `limit force < F`.
 * A jog away from the load (unloading) is never refused. What is reached
 * beyond the bound is the speed times one console turn plus one sample
 * period: choose a slow jog speed (-/+) near a stiff specimen.
 *
 * A jog that leaves a force on the specimen (beyond 5 sigma of the noise at
 * rest, at least 5e-5 of the capacity, measured against the force before
 * the first jog since the last test) is a preload the test's balance will
 * not see; con_jog_preload() gives it for the next run's header.
 *
 * Tare and zero are queued commands (rig_cmd_tare, rig_cmd_zero_position):
 * RIGOR_OK says only that they were queued. The console confirms them on
 * the samples after: the force (position) must then read within the noise
 * of zero, else the tare (zero) is reported as refused with what was read.
 */
#include "console_priv.h"

#include "../../common/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const double jog_speeds_m_s[CON_JOG_SPEEDS] = {1e-5, 1e-4, 1e-3, 5e-3};

/* A jog key moves for this long; auto-repeat keeps it moving. */
#define JOG_STEP_S 0.25
/* How long a tare or zero may take to show in the samples. */
#define CONFIRM_S 1.0

double con_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double con_jog_speed(const console *c)
{
    run_session_info si;
    run_session_get_info(c->s, &si);
    double v = jog_speeds_m_s[c->jog_speed];
    return isfinite(si.speed_max_m_s) ? fmin(v, si.speed_max_m_s) : v;
}

void con_jog_speed_step(console *c, int step)
{
    int i = c->jog_speed + step;
    c->jog_speed = i < 0 ? 0 : i >= CON_JOG_SPEEDS ? CON_JOG_SPEEDS - 1 : i;
    con_msg(c, false, "jog speed %.3g mm/s", con_jog_speed(c) * 1e3);
}

double con_jog_bound(const console *c, char *why, size_t wl)
{
    run_session_info si;
    run_session_get_info(c->s, &si);
    double b = con_field_num(c, FORM_JOGF);
    const char *src = "the jog force limit";
    if (!isfinite(b)) {
        b = isfinite(si.capacity_N) ? 0.05 * si.capacity_N : 1.0;
        src = "the jog force limit (5 % of the cell)";
    }
    rig *r = run_session_rig(c->s);
    const rig_config *cfg = r ? rig_config_of(r) : NULL;
    double rigmax = INFINITY;
    if (cfg) {
        if (isfinite(cfg->force_max_N) && cfg->force_max_N > 0)
            rigmax = fmin(rigmax, cfg->force_max_N);
        if (isfinite(cfg->force_min_N) && cfg->force_min_N < 0)
            rigmax = fmin(rigmax, -cfg->force_min_N);
    }
    if (isfinite(si.capacity_N))
        rigmax = fmin(rigmax, si.capacity_N);
    if (rigmax < b) {
        b = rigmax;
        src = "the rig's force limit";
    }
    if (isfinite(c->proto_fmax_N) && c->proto_fmax_N < b) {
        b = c->proto_fmax_N;
        src = "the protocol's force limit";
    }
    if (why && wl)
        snprintf(why, wl, "%s", src);
    return b;
}

/* Noise at rest: the sample standard deviation of the recent forces; NAN
 * with fewer than 8. */
static double noise_sd(const console *c)
{
    if (c->nfring < 8)
        return NAN;
    double m = 0, q = 0;
    for (int i = 0; i < c->nfring; i++)
        m += c->fring[i];
    m /= c->nfring;
    for (int i = 0; i < c->nfring; i++)
        q += (c->fring[i] - m) * (c->fring[i] - m);
    return sqrt(q / (c->nfring - 1));
}

/* A force is "above the noise" beyond this (N). */
static double noise_bound(const console *c)
{
    run_session_info si;
    run_session_get_info(c->s, &si);
    double floor_N = isfinite(si.capacity_N) ? 5e-5 * si.capacity_N : 1e-3;
    double sd = noise_sd(c);
    return isfinite(sd) ? fmax(5 * sd, floor_N) : floor_N;
}

void con_jog(console *c, int dir)
{
    const char *name = dir > 0 ? "up" : "down";
    if (c->testing) {
        con_msg(c, true, "jog %s refused: a test is running", name);
        return;
    }
    rig *r = run_session_rig(c->s);
    rig_sample smp;
    if (!r || rig_latest(r, &smp) != RIGOR_OK || !isfinite(smp.force_N)) {
        con_msg(c, true, "jog %s refused: no force reading to bound it", name);
        return;
    }
    char src[64];
    double b = con_jog_bound(c, src, sizeof src);
    /* + force is tension, + velocity is up: a jog loads the specimen
     * further when force and direction have the same sign */
    if (smp.force_N * dir > 0 && fabs(smp.force_N) >= b) {
        con_msg(c, true, "jog %s refused: force %.4g N is at %s (%.4g N); jog %s to unload",
                name, smp.force_N, src, b, dir > 0 ? "down" : "up");
        return;
    }
    if (!c->jogged) {
        /* the force at rest before this jog: what a preload is measured from */
        double m = 0;
        for (int i = 0; i < c->nfring; i++)
            m += c->fring[i];
        c->jog_ref_N = c->nfring ? m / c->nfring : smp.force_N;
        c->jogged = true;
    }
    c->nfring = c->ifring = 0; /* the noise is measured again at the new rest */
    double v = con_jog_speed(c);
    int rc = rig_cmd_jog(r, dir * v, JOG_STEP_S);
    if (rc != RIGOR_OK) {
        con_msg(c, true, "jog %s refused: %s", name, rigor_strerror(rc));
        return;
    }
    c->jog_dir = dir;
    c->jog_until = con_monotonic() + JOG_STEP_S;
    con_msg(c, false, "jog %s at %.3g mm/s (stops at |force| %.4g N, %s)", name, v * 1e3, b, src);
}

static bool refused_now(console *c, const char *what)
{
    char reason[160] = "";
    if (c->testing) {
        con_msg(c, true, "%s refused: a test is running", what);
        return true;
    }
    if (run_session_fault(c->s, reason, sizeof reason)) {
        con_msg(c, true, "%s refused: the rig is in FAULT (%s)", what, reason);
        return true;
    }
    return false;
}

static void send_confirmed(console *c, int kind)
{
    const char *what = kind == 't' ? "tare force" : "zero position";
    if (refused_now(c, what))
        return;
    if (c->confirm) {
        con_msg(c, true, "%s refused: the %s before it is not confirmed yet", what,
                c->confirm == 't' ? "tare" : "zero");
        return;
    }
    rig *r = run_session_rig(c->s);
    rig_sample smp;
    if (!r || rig_latest(r, &smp) != RIGOR_OK) {
        con_msg(c, true, "%s refused: no sample from the rig yet", what);
        return;
    }
    int rc = kind == 't' ? rig_cmd_tare(r) : rig_cmd_zero_position(r);
    if (rc != RIGOR_OK) {
        con_msg(c, true, "%s refused: %s", what, rigor_strerror(rc));
        return;
    }
    c->confirm = kind;
    c->confirm_t = con_monotonic();
    c->confirm_seq = smp.seq;
    c->confirm_before = kind == 't' ? smp.force_N : smp.position_m;
    con_msg(c, false, "%s: sent, waiting for the readings to confirm it", what);
}

void con_tare(console *c) { send_confirmed(c, 't'); }
void con_zero(console *c) { send_confirmed(c, 'z'); }

static void confirm_poll(console *c, const rig_sample *smp)
{
    const char *what = c->confirm == 't' ? "tare force" : "zero position";
    double age = con_monotonic() - c->confirm_t;
    /* a few samples after the command, so the loop has executed it */
    if (smp->seq < c->confirm_seq + 3 || age < 0.1) {
        if (age > CONFIRM_S) {
            con_msg(c, true, "%s refused: no sample from the rig since it was sent", what);
            c->confirm = 0;
        }
        return;
    }
    char reason[160] = "";
    if (run_session_fault(c->s, reason, sizeof reason)) {
        /* a command the device refused may fault the rig (the driver's call) */
        con_msg(c, true, "%s refused: the rig is in FAULT (%s)", what, reason);
        c->confirm = 0;
        return;
    }
    double v = c->confirm == 't' ? smp->force_N : smp->position_m;
    /* position: within a micrometre (encoders count finer); force: the noise */
    double tol = c->confirm == 't' ? noise_bound(c) : 1e-6;
    if (isfinite(v) && fabs(v) <= tol) {
        if (c->confirm == 't') {
            /* the jog preload is measured in the new zero */
            if (c->jogged && isfinite(c->confirm_before))
                c->jog_ref_N -= c->confirm_before;
            c->nfring = c->ifring = 0; /* the noise estimate starts again */
        }
        con_msg(c, false, "%s: done (%s now %.4g %s)", what,
                c->confirm == 't' ? "force" : "position", c->confirm == 't' ? v : v * 1e3,
                c->confirm == 't' ? "N" : "mm");
        c->confirm = 0;
    } else if (age > CONFIRM_S) {
        con_msg(c, true, "%s refused: the %s still reads %.4g %s after it (not within %.3g)",
                what, c->confirm == 't' ? "force" : "position",
                c->confirm == 't' ? v : v * 1e3, c->confirm == 't' ? "N" : "mm",
                c->confirm == 't' ? tol : tol * 1e3);
        c->confirm = 0;
    }
}

void con_jog_poll(console *c)
{
    rig *r = run_session_rig(c->s);
    rig_sample smp;
    if (!r || rig_latest(r, &smp) != RIGOR_OK)
        return;
    double now = con_monotonic();
    if (c->jog_dir) {
        char src[64];
        double b = con_jog_bound(c, src, sizeof src);
        if (isfinite(smp.force_N) && smp.force_N * c->jog_dir > 0 && fabs(smp.force_N) >= b) {
            rig_cmd_stop(r);
            con_msg(c, true, "jog stopped: force %.4g N reached %s (%.4g N)", smp.force_N, src,
                    b);
            c->jog_dir = 0;
        } else if (!isfinite(smp.force_N)) {
            rig_cmd_stop(r);
            con_msg(c, true, "jog stopped: the force reading is not a number");
            c->jog_dir = 0;
        } else if (now > c->jog_until + 0.1) {
            c->jog_dir = 0; /* the driver ended it; 0.1 s to come to rest */
        }
    } else if (!c->testing && isfinite(smp.force_N) && smp.seq != c->fring_seq) {
        c->fring_seq = smp.seq;
        c->fring[c->ifring] = smp.force_N;
        c->ifring = (c->ifring + 1) % CON_NOISE_N;
        if (c->nfring < CON_NOISE_N)
            c->nfring++;
    }
    if (c->confirm)
        confirm_poll(c, &smp);
}

double con_jog_preload(const console *c)
{
    if (!c->jogged)
        return 0;
    rig *r = run_session_rig(c->s);
    rig_sample smp;
    if (!r || rig_latest(r, &smp) != RIGOR_OK || !isfinite(smp.force_N))
        return 0;
    double f = smp.force_N - c->jog_ref_N;
    return fabs(f) > noise_bound(c) ? f : 0;
}
