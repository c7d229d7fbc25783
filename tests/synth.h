/* synth.h — closed-form test curves for the detector and compression tests.
 *
 * Each model is a stress-strain law sigma(eps) with a known answer; the
 * generator turns it into what a load frame would record: time, crosshead
 * travel (with a pre-contact gap and the machine's own deflection C * F) and
 * force (with Gaussian noise from a fixed-seed generator), for a specimen of
 * area A0 and height h0. Compression is recorded with positive magnitudes;
 * tests flip signs themselves.
 */
#ifndef RIGOR_TEST_SYNTH_H
#define RIGOR_TEST_SYNTH_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64* with Box-Muller: deterministic noise for a fixed seed. */
static uint64_t synth_rng = 88172645463325252ull;

static inline void synth_seed(uint64_t s)
{
    synth_rng = s ? s : 1;
}

static inline double synth_uniform(void)
{
    synth_rng ^= synth_rng >> 12;
    synth_rng ^= synth_rng << 25;
    synth_rng ^= synth_rng >> 27;
    return ((synth_rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double synth_normal(void)
{
    double u = synth_uniform(), v = synth_uniform();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* ---- stress-strain laws (strain ratio -> stress Pa) ---------------------- */

typedef double (*synth_law)(double eps, const double *k);

/* Linear to fracture: k[0] = E (Pa). */
static inline double law_linear(double e, const double *k)
{
    return k[0] * e;
}

/* Cellular (foam) model, ISO 13314-like: linear to eps_y = k[1] / k[0],
 * plateau sigma_pl + h (eps - eps_y), then densification + K (eps - eps1)^3.
 * k = {E, sigma_pl, h, eps1, K}. */
static inline double law_cellular(double e, const double *k)
{
    double ey = k[1] / k[0];
    if (e <= ey)
        return k[0] * e;
    double s = k[1] + k[2] * (e - ey);
    if (e > k[3])
        s += k[4] * pow(e - k[3], 3);
    return s;
}

/* Its closed-form integral W(eps) = int_0^eps sigma. */
static inline double law_cellular_W(double e, const double *k)
{
    double ey = k[1] / k[0];
    if (e <= ey)
        return 0.5 * k[0] * e * e;
    double w = 0.5 * k[0] * ey * ey + k[1] * (e - ey) + 0.5 * k[2] * (e - ey) * (e - ey);
    if (e > k[3])
        w += 0.25 * k[4] * pow(e - k[3], 4);
    return w;
}

static inline double law_cellular_slope(double e, const double *k)
{
    double ey = k[1] / k[0];
    if (e <= ey)
        return k[0];
    double d = k[2];
    if (e > k[3])
        d += 3 * k[4] * (e - k[3]) * (e - k[3]);
    return d;
}

/* Film in compression: elastic E to eps_y, plastic hardening H to eps_d,
 * then densification + K (eps - eps_d)^3. k = {E, eps_y, H, eps_d, K}. */
static inline double law_film(double e, const double *k)
{
    if (e <= k[1])
        return k[0] * e;
    double s = k[0] * k[1] + k[2] * (e - k[1]);
    if (e > k[3])
        s += k[4] * pow(e - k[3], 3);
    return s;
}

/* Tensile ductile: elastic E to eps_y, then sigma_y + (sigma_u - sigma_y)
 * (1 - exp(-(eps - eps_y) / c)). k = {E, sigma_y, sigma_u, c}. */
static inline double law_ductile(double e, const double *k)
{
    double ey = k[1] / k[0];
    if (e <= ey)
        return k[0] * e;
    return k[1] + (k[2] - k[1]) * (1 - exp(-(e - ey) / k[3]));
}

/* ---- recorded curves ------------------------------------------------------ */

typedef struct {
    size_t n;
    double *t;   /* s */
    double *x;   /* travel m (compression positive) */
    double *F;   /* force N (with noise) */
    double *e;   /* true specimen strain (0 before contact) */
    double *s;   /* stress F / A0 from the noisy force, Pa */
    size_t i_contact; /* first sample with the specimen loaded */
    size_t i_break;   /* first sample after the break (n when none) */
} synth_curve;

typedef struct {
    synth_law law;
    const double *k;
    double A0, h0;       /* m^2, m */
    double gap_m;        /* travel before contact */
    double eps_end;      /* strain where loading ends (or breaks) */
    bool brittle;        /* force drops at eps_end, travel continues */
    double post_frac;    /* after the break: force = post_frac * peak */
    size_t post_samples; /* samples recorded after the break */
    double deps;         /* strain step per sample */
    double dt;           /* s per sample */
    double noise_N;      /* force noise (standard deviation) */
    double C;            /* machine compliance m/N */
} synth_spec;

static inline void synth_free(synth_curve *c)
{
    free(c->t);
    free(c->x);
    free(c->F);
    free(c->e);
    free(c->s);
    memset(c, 0, sizeof *c);
}

static inline int synth_make(const synth_spec *sp, synth_curve *c)
{
    memset(c, 0, sizeof *c);
    size_t ngap = (size_t)(sp->gap_m / (sp->h0 * sp->deps));
    size_t nload = (size_t)(sp->eps_end / sp->deps) + 1;
    size_t npost = sp->brittle ? sp->post_samples : 0;
    size_t n = ngap + nload + npost;
    c->t = malloc(n * sizeof(double));
    c->x = malloc(n * sizeof(double));
    c->F = malloc(n * sizeof(double));
    c->e = malloc(n * sizeof(double));
    c->s = malloc(n * sizeof(double));
    if (!c->t || !c->x || !c->F || !c->e || !c->s) {
        synth_free(c);
        return -1;
    }
    c->n = n;
    c->i_contact = ngap;
    c->i_break = sp->brittle ? ngap + nload : n;
    double peak = 0;
    for (size_t i = 0; i < n; i++) {
        double e, Ftrue;
        if (i < ngap) {
            e = 0;
            Ftrue = 0;
            c->x[i] = sp->gap_m * (double)i / (double)ngap;
        } else if (i < ngap + nload) {
            e = (double)(i - ngap) * sp->deps;
            Ftrue = sp->law(e, sp->k) * sp->A0;
            peak = fmax(peak, Ftrue);
            c->x[i] = sp->gap_m + sp->h0 * e + sp->C * Ftrue;
        } else {
            /* After the break the crosshead keeps moving at its speed; the
             * frame springs back, but the crosshead reading does not. */
            e = (double)(i - ngap) * sp->deps;
            Ftrue = sp->post_frac * peak;
            c->x[i] = c->x[i - 1] + sp->h0 * sp->deps;
        }
        c->t[i] = (double)i * sp->dt;
        c->e[i] = e;
        c->F[i] = Ftrue + sp->noise_N * synth_normal();
        c->s[i] = c->F[i] / sp->A0;
    }
    return 0;
}

#endif
