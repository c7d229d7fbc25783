/* ratectl.c — closed-loop force rate on the crosshead speed; see ratectl.h
 * for the law and why its constants need no tuning per specimen. */
#include "ratectl.h"

#include <math.h>
#include <string.h>

void ratectl_init(ratectl *c, double speed_max_m_s)
{
    memset(c, 0, sizeof *c);
    c->speed_max_m_s = isfinite(speed_max_m_s) && speed_max_m_s > 0 ? speed_max_m_s : 10e-3;
    c->t_prev = NAN;
    c->dt_s = 1e-3;
}

double ratectl_tau(const ratectl *c)
{
    return fmax(fmax(0.02, 10 * c->dt_s), 3 * c->delay_s);
}

void ratectl_set_delay(ratectl *c, double delay_s)
{
    if (isfinite(delay_s) && delay_s > c->delay_s)
        c->delay_s = delay_s;
}

double ratectl_delay(const ratectl *c)
{
    return c->delay_s;
}

void ratectl_observe(ratectl *c, double t_s, double x_m, double f_N)
{
    if (!isfinite(x_m) || !isfinite(f_N))
        return;
    if (isfinite(c->t_prev) && t_s > c->t_prev) {
        double dt = t_s - c->t_prev;
        c->dt_s += 0.05 * (dt - c->dt_s);
        c->delay_s *= exp(-dt / 1.0); /* a measured delay is forgotten over ~1 s */
    }
    c->t_prev = t_s;
    c->wx[c->wi] = x_m;
    c->wf[c->wi] = f_N;
    c->wi = (c->wi + 1) % RATECTL_WIN;
    if (c->wn < RATECTL_WIN)
        c->wn++;
    double k = ratectl_stiffness(c);
    if (isfinite(k))
        c->k_last = k;
}

/* Least-squares slope dF/dx over the window, k = Sxf / Sxx, trusted when
 * its standard error sqrt(s^2 / Sxx), s^2 = (Sff - k Sxf) / (n - 2), is
 * below a quarter of k (the travel in the window shows the stiffness above
 * the force noise). */
double ratectl_stiffness(const ratectl *c)
{
    int n = c->wn;
    if (n < 16)
        return NAN;
    double mx = 0, mf = 0;
    for (int i = 0; i < n; i++) {
        mx += c->wx[i];
        mf += c->wf[i];
    }
    mx /= n;
    mf /= n;
    double sxx = 0, sxf = 0, sff = 0;
    for (int i = 0; i < n; i++) {
        double dx = c->wx[i] - mx, df = c->wf[i] - mf;
        sxx += dx * dx;
        sxf += dx * df;
        sff += df * df;
    }
    if (sxx < 1e-18 * n) /* less than ~1 nm of spread: no travel to judge by */
        return NAN;
    double k = sxf / sxx;
    if (!(k > 0))
        return NAN;
    double s2 = fmax(0, (sff - k * sxf) / (n - 2));
    double se = sqrt(s2 / sxx);
    return se < 0.25 * k ? k : NAN;
}

static void begin(ratectl *c, double t_s, double f_N)
{
    c->active = true;
    c->t_a = t_s;
    c->f_a = f_N;
    c->integ = 0;
    c->probing = !(c->k_last > 0);
    c->probe_v = c->speed_max_m_s * 1e-4;
    c->t_probe = t_s;
}

void ratectl_begin_rate(ratectl *c, double t_s, double f_N, double rate_N_s, int dir)
{
    begin(c, t_s, f_N);
    c->hold = false;
    c->dir = dir >= 0 ? 1 : -1;
    c->rate_N_s = c->dir * fabs(rate_N_s);
}

void ratectl_begin_hold(ratectl *c, double t_s, double f_target_N)
{
    begin(c, t_s, f_target_N);
    c->hold = true;
    c->dir = 0;
    c->rate_N_s = 0;
    c->f_target = f_target_N;
    c->probing = false; /* a hold never moves without a stiffness */
}

double ratectl_speed(ratectl *c, double t_s, double f_N)
{
    double vmax = c->speed_max_m_s, tau = ratectl_tau(c);
    if (!c->active || !isfinite(f_N))
        return 0;
    if (c->probing) {
        if (!(c->k_last > 0)) {
            /* double the probe speed every tau until the force shows */
            while (t_s - c->t_probe >= tau && c->probe_v < vmax) {
                c->probe_v = fmin(vmax, 2 * c->probe_v);
                c->t_probe += tau;
            }
            return c->dir * c->probe_v;
        }
        /* the stiffness is known: the reference starts here, bumpless */
        c->probing = false;
        c->t_a = t_s;
        c->f_a = f_N;
        c->integ = 0;
    }
    if (!(c->k_last > 0))
        return 0; /* hold without a stiffness: keep still */
    double fstar = c->hold ? c->f_target : c->f_a + c->rate_N_s * (t_s - c->t_a);
    double e = fstar - f_N;
    double k = fmax(c->k_last, fabs(c->rate_N_s) / vmax);
    double u = c->rate_N_s + e / tau + c->integ / (4 * tau * tau);
    double v = u / k;
    double lo = c->dir > 0 ? 0 : -vmax, hi = c->dir < 0 ? 0 : vmax;
    bool clamped = v < lo || v > hi;
    if (c->dir != 0 && (c->dir > 0 ? v < lo : v > hi)) {
        /* The force is ahead of the reference by more than the loop would
         * take back by standing still (a preload's overshoot, the drive
         * still decelerating): the rate is what is asked, not the
         * trajectory, so the reference restarts at the measured force. */
        c->t_a = t_s;
        c->f_a = f_N;
        c->integ = 0;
        return 0;
    }
    v = fmin(hi, fmax(lo, v));
    /* anti-windup: integrate only while the output is not saturated */
    if (!clamped)
        c->integ += e * c->dt_s;
    return v;
}
