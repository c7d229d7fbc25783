/* sim_physics.c — one 1-ms step of the simulated frame, and its ground-truth log.
 *
 * Each step, in this order:
 *  1. time-triggered faults (e-stop, frozen transmitter, dropped connections);
 *  2. the drive's communication watchdog;
 *  3. the crosshead: velocity or position mode, acceleration limit (ACCEL or
 *     the drive default), quick stop / disable / fault decelerate at qs_decel,
 *     limit switches (overtravel fault, motion into the switch inhibited);
 *  4. the specimen in series with the frame: the displacement u imposed on
 *     the pair (tensile u = x; compression u = -x - gap, contact when u > 0)
 *     is split as u = delta + c F(delta), c = frame compliance, solved by
 *     bisection (the left side is increasing in delta for every model: the
 *     necking slope is far smaller than the frame stiffness);
 *  5. fracture (force 0 — or the debris residual in compression — from the
 *     same step on) and frame overload;
 *  6. the load-cell transmitter at its own rate: first-order low-pass at
 *     FILTER_HZ (alpha = 1 - exp(-2 pi fc / rate)), Gaussian noise, ADC
 *     quantization, tare, peak, TICK; and the extensometer.
 * The caller holds s->lock. Everything random comes from s->rng_phys, so a
 * seed fixes the noise sequence.
 */
#include "sim_internal.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#define SIM_RAW_ZERO 100000 /* ADC counts of the unloaded bridge */

/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
double sim_rng_uniform(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal by Box-Muller (one of the pair; simple and deterministic). */
double sim_rng_gauss(sim_rng *r)
{
    double u1 = sim_rng_uniform(r), u2 = sim_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void log_row(sim *s, const char *event)
{
    if (!s->log)
        return;
    double c = s->p.frame_compliance;
    fprintf(s->log, "%.3f,%.9e,%.9e,%.9e,%.6e,%.6e,%s\n", s->t, s->x, s->delta,
            fabs(s->force) * c, s->force, s->net, event ? event : "");
}

void sim_log_header(sim *s)
{
    if (!s->log)
        return;
    fprintf(s->log,
            "# rigor-sim ground truth v1\n"
            "# specimen=%s model=%s seed=%llu compression=%d area_m2=%.9e length_m=%.9e "
            "gap_m=%.9e frame_compliance_m_N=%.9e capacity_N=%g\n",
            s->name, sim_model_name(s), (unsigned long long)s->seed, s->compression ? 1 : 0,
            s->area, s->L0, s->compression ? s->p.gap : 0.0, s->p.frame_compliance,
            s->p.capacity);
    if (s->p.visco_E > 0)
        fprintf(s->log, "# visco: standard linear solid, Maxwell arm E1_Pa=%.9e tau_s=%.9g "
                        "parallel to E_Pa=%.9e (relaxation e^(-t/tau), creep retardation "
                        "tau (E + E1) / E)\n",
                s->p.visco_E, s->p.visco_tau, s->p.E);
    fprintf(s->log,
            "t_s,crosshead_m,deformation_m,frame_deflection_m,force_N,measured_force_N,event\n");
}

void sim_event(sim *s, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    for (char *c = text; *c; c++) /* keep the CSV one field */
        if (*c == ',' || *c == '\n')
            *c = ';';
    log_row(s, text);
    if (s->log)
        fflush(s->log);
    if (s->events) {
        fprintf(s->events, "rigor-sim: t=%.3f s %s\n", s->t, text);
        fflush(s->events);
    }
}

void sim_drive_fault(sim *s, int code)
{
    if (!s->fault)
        s->fault = code;
    s->enabled = false;
    s->drive_hr[0] &= (uint16_t)~1u; /* the host must enable again after a reset */
}

void sim_physics_init(sim *s)
{
    s->cell_hr[1] = (uint16_t)lround(s->p.filter_hz);
    s->cell_every = (int)lround(1000.0 / s->p.cell_rate);
    if (s->cell_every < 1)
        s->cell_every = 1;
    s->raw = SIM_RAW_ZERO;
    s->contact_t = s->fracture_t = s->wd_trip_t = -1;
    s->fracture_wall = s->stop_wall = s->read_wall = -1;
    sim_rng_seed(&s->rng_phys, s->seed);
    sim_rng_seed(&s->rng_fault, s->seed ^ 0xFA017u);
}

static double drive_velocity_cmd(const sim *s)
{
    return words_get_i32(&s->drive_hr[2], WO_CDAB) * 1e-9;
}

static void step_drive(sim *s)
{
    const sim_params *p = &s->p;
    const double dt = SIM_DT_S;
    bool stopping = !s->enabled || s->fault || (s->drive_hr[0] & 2);
    double a = s->drive_hr[6] ? s->drive_hr[6] * 1e-6 : p->accel;
    double vt = 0;
    bool posmode = s->drive_hr[1] == 1;
    double target = words_get_i32(&s->drive_hr[4], WO_CDAB) * 1e-9 - p->x0; /* absolute */
    if (!stopping && !s->stalled) {
        if (!posmode) {
            vt = drive_velocity_cmd(s);
        } else {
            double speed = fabs(drive_velocity_cmd(s));
            if (speed == 0)
                speed = 1e-3; /* position mode without a speed: 1 mm/s */
            double d = target - s->x;
            double vstop = sqrt(2 * a * fabs(d));
            vt = copysign(fmin(speed, vstop), d);
        }
    }
    if ((s->at_upper && vt > 0) || (s->at_lower && vt < 0))
        vt = 0;
    double acc = stopping ? fmax(p->qs_decel, a) : a;
    double dv = vt - s->v;
    if (dv > acc * dt)
        dv = acc * dt;
    else if (dv < -acc * dt)
        dv = -acc * dt;
    s->v += dv;
    double xn = s->x + s->v * dt;
    if (!stopping && posmode && ((target - s->x) * (target - xn) <= 0)) {
        xn = target; /* arrived (would pass the target within this step) */
        s->v = 0;
    }
    s->x = xn;

    bool up = s->x >= p->travel_upper, lo = s->x <= p->travel_lower;
    if (up && !s->at_upper) {
        s->at_upper = true;
        sim_event(s, "limit upper x=%.6f m", s->x);
        sim_drive_fault(s, 2);
    }
    if (lo && !s->at_lower) {
        s->at_lower = true;
        sim_event(s, "limit lower x=%.6f m", s->x);
        sim_drive_fault(s, 2);
    }
    s->at_upper = up;
    s->at_lower = lo;
}

/* Deformation at which the specimen carries no force: its permanent set
 * (0 before any plastic flow). */
static double rest_delta(const sim *s)
{
    double eps_max = s->delta_max / s->L0;
    double sig = s->fractured ? s->p.residual * s->p.sigma_f : sim_stress_mono(s, eps_max);
    double base = s->fractured ? s->fracture_delta : s->delta_max;
    double d = base - sig / s->p.E * s->L0;
    return d > 0 ? d : 0;
}

/* delta such that delta + c F(delta) = u. In compression a platen that has
 * lifted off leaves the specimen at rest (its permanent set), not following
 * the platen; a slack tensile specimen follows the grips. */
static double solve_split(const sim *s, double u)
{
    double c = s->p.frame_compliance;
    if (s->model == MODEL_NONE)
        return s->compression ? 0 : u;
    if (s->compression) {
        double rest = rest_delta(s);
        if (u <= rest)
            return rest;
    }
    double hi = u;
    double lo = u - c * sim_specimen_force(s, u);
    double step = (u - lo) + 1e-12;
    for (int i = 0; i < 200 && lo + c * sim_specimen_force(s, lo) - u > 0; i++) {
        lo -= step;
        step *= 2;
    }
    if (c == 0)
        return u;
    for (int i = 0; i < 100 && hi - lo > 1e-13; i++) {
        double mid = 0.5 * (lo + hi);
        if (mid + c * sim_specimen_force(s, mid) - u > 0)
            hi = mid;
        else
            lo = mid;
    }
    return 0.5 * (lo + hi);
}

static void step_specimen(sim *s)
{
    const sim_params *p = &s->p;
    double u = s->compression ? -s->x - p->gap : s->x;
    if (s->compression && !s->contact && u > 0 && s->model != MODEL_NONE) {
        s->contact = true;
        s->contact_t = s->t;
        sim_event(s, "contact x=%.9f m", s->x);
    }
    double delta = solve_split(s, u);
    double f = sim_specimen_force(s, delta);
    if (!s->fractured && sim_specimen_breaks(s, delta)) {
        /* It broke between the last step and this one, at its strength: record
         * the break at the threshold, not at the step's overshoot. */
        double d_b = sim_specimen_break_delta(s);
        if (d_b > s->delta_max)
            s->delta_max = d_b;
        double f_b = sim_specimen_force(s, d_b);
        s->fractured = true;
        s->fracture_t = s->t;
        s->fracture_wall = sim_mono_now();
        s->fracture_force = s->compression ? -f_b : f_b;
        s->fracture_delta = d_b;
        if (f_b > s->peak_true)
            s->peak_true = f_b;
        delta = solve_split(s, u);
        f = sim_specimen_force(s, delta);
        sim_event(s, "fracture force=%.6g N deformation=%.9g m", s->fracture_force,
                  s->fracture_delta);
    }
    if (!s->fractured && delta > s->delta_max)
        s->delta_max = delta;
    /* the Maxwell arm's state moves on with the step (sim_specimen.c) */
    s->visco_sig = sim_visco_stress(s, delta / s->L0);
    s->visco_eps = delta / s->L0;
    s->delta = delta;
    s->force = s->compression ? -f : f;
    if (fabs(s->force) > s->peak_true)
        s->peak_true = fabs(s->force);
    bool over = fabs(s->force) > p->overload;
    if (over && !s->overload_bit) {
        sim_event(s, "overload force=%.6g N", s->force);
        sim_drive_fault(s, 4);
    }
    s->overload_bit = over;
}

/* The clip-on extensometer: it measures the specimen's own deformation over
 * its knife edges (no frame compliance, no grip slip), with its own noise;
 * its knife edges may slip once (the reading drops by ext_slip), its range
 * is limited (the reading clamps at +-ext_range, OVERRANGE set in
 * sim_regs.c) and it can come off (ext_detach_at, or HR0 = 2: the
 * operator takes it off), after which ATTACHED is clear and it reads 0. */
static void step_ext(sim *s)
{
    const sim_params *p = &s->p;
    double e = s->delta - s->ext_zero;
    if (p->ext_slip_at > 0 && !s->ext_slipped && e >= p->ext_slip_at) {
        s->ext_slipped = true;
        s->ext_zero += p->ext_slip;
        e -= p->ext_slip;
        sim_event(s, "extensometer slip %.6g m", p->ext_slip);
    }
    if (p->ext_detach_at > 0 && e >= p->ext_detach_at) {
        s->ext_removed = true;
        s->ext = 0;
        sim_event(s, "extensometer fell off at %.6g m", e);
        return;
    }
    double range = p->ext_range > 0 ? p->ext_range : 0.05;
    e += p->ext_noise * sim_rng_gauss(&s->rng_phys);
    s->ext = e > range ? range : e < -range ? -range : e;
}

static void step_cell(sim *s)
{
    const sim_params *p = &s->p;
    if (!s->compression && !s->ext_removed)
        step_ext(s);
    if (s->frozen)
        return;
    if (++s->cell_phase < s->cell_every)
        return;
    s->cell_phase = 0;
    if (s->force_stuck) {
        s->tick++; /* converting, but the value no longer changes */
        return;
    }
    double rate = 1000.0 / s->cell_every;
    double fc = s->cell_hr[1];
    double alpha = fc > 0 ? 1 - exp(-2 * M_PI * fc / rate) : 1;
    s->lp += alpha * (s->force - s->lp);
    double g = s->lp + p->grip_weight + p->noise * sim_rng_gauss(&s->rng_phys);
    double counts = round(g / p->resolution);
    double lim = 2e9 - SIM_RAW_ZERO;
    if (counts > lim)
        counts = lim;
    if (counts < -lim)
        counts = -lim;
    s->raw = (int32_t)(SIM_RAW_ZERO + counts);
    s->gross_meas = counts * p->resolution;
    s->net = s->gross_meas - s->tare;
    if (fabs(s->net) > fabs(s->peak_meas))
        s->peak_meas = s->net;
    s->stable_ema += 0.01 * (s->net - s->stable_ema);
    s->tick++;
}

void sim_step(sim *s)
{
    const sim_faults *fl = &s->faults;
    s->steps++;
    s->t = s->steps * SIM_DT_S;
    if (fl->estop_after_s >= 0 && !s->estop_fired && s->t >= fl->estop_after_s) {
        s->estop_fired = true;
        s->estop = true;
        s->faults_injected++;
        sim_event(s, "fault estop");
        sim_drive_fault(s, 3);
    }
    if (fl->freeze_after_s >= 0 && !s->freeze_fired && s->t >= fl->freeze_after_s) {
        s->freeze_fired = true;
        s->frozen = true;
        s->faults_injected++;
        sim_event(s, "fault freeze-tick");
    }
    /* the faults that test the controller's own checks (issue 21) */
    static const char *const late[] = {"nan-force", "freeze-force", "stall", "refuse-velocity",
                                       "refuse-control"};
    const double after[] = {fl->nan_force_after_s, fl->freeze_force_after_s, fl->stall_after_s,
                            fl->refuse_velocity_after_s, fl->refuse_control_after_s};
    bool *fired[] = {&s->nan_force, &s->force_stuck, &s->stalled, &s->refuse_vel,
                     &s->refuse_ctl};
    for (int i = 0; i < 5; i++)
        if (after[i] >= 0 && !*fired[i] && s->t >= after[i]) {
            *fired[i] = true;
            s->faults_injected++;
            sim_event(s, "fault %s", late[i]);
        }
    if (fl->disconnect_after_s >= 0 && !s->disconnect_fired && s->t >= fl->disconnect_after_s) {
        s->disconnect_fired = true;
        atomic_fetch_add(&s->disconnect_gen, 1);
        s->faults_injected++;
        sim_event(s, "fault disconnect");
    }
    uint16_t wd = s->drive_hr[7];
    double wd_unit = s->p.wd_seconds > 0 ? 1.0 : 1e-3; /* s per count */
    if (wd && s->enabled && s->t - s->last_hb_t > wd * wd_unit + 1e-9) {
        s->wd_tripped = true;
        s->wd_trip_t = s->t;
        sim_event(s, "watchdog period=%u %s", (unsigned)wd, s->p.wd_seconds > 0 ? "s" : "ms");
        sim_drive_fault(s, 1);
    }
    step_drive(s);
    step_specimen(s);
    step_cell(s);
    if (s->log && s->steps % s->log_every == 0)
        log_row(s, NULL);
}
