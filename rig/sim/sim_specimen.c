/* sim_specimen.c — specimen models, presets and --param parsing of the simulator.
 *
 * Models (engineering stress sigma as a function of engineering strain eps
 * = deformation / initial length, on the monotonic loading path; A0 is the
 * initial cross-section and the force is sigma * A0):
 *
 *   elastic-plastic (tensile)
 *     eps <= ey = sigma_y/E:   sigma = E eps
 *     ey < eps <= eps_u:       sigma = sigma_y + (sigma_u - sigma_y) (1 - (1-t)^2),
 *                              t = (eps - ey)/(eps_u - ey)   (hardening, zero slope at UTS)
 *     eps_u < eps < eps_f:     sigma = sigma_u - (sigma_u - sigma_f) t^2,
 *                              t = (eps - eps_u)/(eps_f - eps_u)   (necking)
 *     eps >= eps_f:            fracture; force 0 from that step on.
 *   brittle (tensile) / brittle-compression
 *     sigma = E eps until sigma_f, then fracture. Tensile: force 0 after.
 *     Compression: the debris carries sigma_res = residual * sigma_f while
 *     the platens keep pressing (unloading elastically with E).
 *   luders (tensile, low-carbon steel: discontinuous yielding; sigma_y = ReL)
 *     eps <= e1 = ReH/E:       sigma = E eps
 *     e1 < eps <= e2:          sigma = ReH - (ReH - ReL) (eps - e1) / LUDERS_DROP,
 *                              e2 = e1 + LUDERS_DROP   (the yield drop)
 *     e2 < eps <= eps_l:       sigma = ReL              (Lueders plateau)
 *     eps_l < eps <= eps_u:    sigma = ReL + (sigma_u - ReL) (1 - (1-t)^2),
 *                              t = (eps - eps_l)/(eps_u - eps_l)
 *     eps_u < eps < eps_f:     necking and fracture as elastic-plastic.
 *     The drop is spread over LUDERS_DROP = 0.1 % strain so that its
 *     falling slope stays below the frame's stiffness (the series split
 *     u = delta + c F(delta) stays increasing, sim_physics.c).
 *   cellular (compression, no fracture; Gibson-Ashby-like three stages)
 *     eps <= ey:               sigma = E eps
 *     eps > ey:                sigma = sigma_y + H (eps - ey) + D(eps),
 *     D(eps) = K ((eps - eps_d)/(1 - eps))^m for eps > eps_d, else 0,
 *     K chosen so that sigma(eps_ref) = sigma_ref.
 *
 * Unloading below the largest strain reached follows the modulus E from the
 * point reached (plastic set); a slack tensile specimen or separated platens
 * carry no force. In compression, once the platens would pass through each
 * other (deformation > height) a stiff platen contact (1e9 N/m) adds force,
 * so crushing the fixture ends in a frame-overload fault.
 *
 * Viscoelasticity (off unless visco_E > 0: the preset e-lpscl-film-visco
 * and --param): a Maxwell arm, spring E1 = visco_E in series with a dashpot
 * of relaxation time tau = visco_tau, in parallel with the model above (a
 * standard linear solid when the model is elastic):
 *     d(sigma_v)/dt = E1 d(eps)/dt - sigma_v / tau,
 * integrated exactly over a 1 ms step dt with the strain linear in it:
 *     sigma_v' = sigma_v e^(-dt/tau) + E1 (eps' - eps) (tau/dt) (1 - e^(-dt/tau)).
 * Held at position it relaxes by sigma_v(t0) e^(-t/tau); held at a stress
 * it creeps with the retardation time tau (E + E1) / E towards sigma / E.
 *
 * The presets' numbers: the study gives the strengths (and for the pellet
 * the fracture strain); moduli, yield points and geometries are our
 * assumptions, listed in docs/sim.md.
 */
#include "sim_internal.h"

#include "../../common/units.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MM 1e-3
#define UM 1e-6
#define MPA 1e6
#define GPA 1e9
#define LUDERS_DROP 0.001 /* strain over which ReH falls to ReL (luders model) */

typedef struct {
    const char *name;
    sim_model model;
    sim_params p;
} preset;

/* Machine defaults shared by every preset (capacity and noise vary). */
#define MACHINE                                                                                \
    .gap = 0.2 * MM, .frame_compliance = 0.02 * UM, .filter_hz = 200, .cell_rate = 1000,       \
    .ext_noise = 0.05 * UM, .travel_upper = 50 * MM, .travel_lower = -50 * MM,                 \
    .v_max = 20 * MM, .accel = 0.05, .qs_decel = 0.5

static const preset presets[] = {
    {"e-lpscl-film",
     MODEL_ELASTIC_PLASTIC,
     {.E = 2 * GPA,
      .sigma_y = 40 * MPA,
      .sigma_u = 74 * MPA,
      .eps_u = 0.06,
      .sigma_f = 66 * MPA,
      .eps_f = 0.08,
      .width = 10 * MM,
      .thickness = 40 * UM,
      .gauge_length = 20 * MM,
      .diameter = 10 * MM,
      .height = 40 * UM,
      .capacity = 100,
      .noise = 2e-3,
      .resolution = 1e-4,
      MACHINE}},
    /* The E-LPSCl film with a stated viscoelastic arm (our assumption: the
     * binder relaxes by a third within a minute), for relaxation and creep
     * protocols; the plain preset stays rate-independent. */
    {"e-lpscl-film-visco",
     MODEL_ELASTIC_PLASTIC,
     {.E = 2 * GPA,
      .sigma_y = 40 * MPA,
      .sigma_u = 74 * MPA,
      .eps_u = 0.06,
      .sigma_f = 66 * MPA,
      .eps_f = 0.08,
      .width = 10 * MM,
      .thickness = 40 * UM,
      .gauge_length = 20 * MM,
      .diameter = 10 * MM,
      .height = 40 * UM,
      .capacity = 100,
      .noise = 2e-3,
      .resolution = 1e-4,
      .visco_E = 1 * GPA,
      .visco_tau = 20,
      MACHINE}},
    {"p-lpscl-film",
     MODEL_BRITTLE,
     {.E = 120 * MPA,
      .sigma_f = 1.2 * MPA,
      .width = 10 * MM,
      .thickness = 40 * UM,
      .gauge_length = 20 * MM,
      .diameter = 10 * MM,
      .height = 40 * UM,
      .capacity = 10,
      .noise = 2e-4,
      .resolution = 1e-5,
      MACHINE}},
    {"peva-scaffold",
     MODEL_ELASTIC_PLASTIC,
     {.E = 3 * GPA,
      .sigma_y = 60 * MPA,
      .sigma_u = 239 * MPA,
      .eps_u = 0.30,
      .sigma_f = 220 * MPA,
      .eps_f = 0.34,
      .width = 10 * MM,
      .thickness = 15 * UM,
      .gauge_length = 20 * MM,
      .diameter = 10 * MM,
      .height = 15 * UM,
      .capacity = 100,
      .noise = 2e-3,
      .resolution = 1e-4,
      MACHINE}},
    {"lpscl-pellet",
     MODEL_BRITTLE_COMPRESSION,
     {.E = 0.19 * MPA / 0.065,
      .sigma_f = 0.19 * MPA,
      .residual = 0.1,
      .width = 10 * MM,
      .thickness = 0.6 * MM,
      .gauge_length = 0.6 * MM,
      .diameter = 10 * MM,
      .height = 0.6 * MM,
      .capacity = 100,
      .noise = 2e-3,
      .resolution = 1e-4,
      MACHINE}},
    {"e-lpscl-film-compression",
     MODEL_CELLULAR,
     {.E = 300 * MPA,
      .sigma_y = 10 * MPA,
      .H = 60 * MPA,
      .eps_d = 0.5,
      .m = 2,
      .sigma_ref = 80 * MPA,
      .eps_ref = 0.9,
      .width = 6 * MM,
      .thickness = 40 * UM,
      .gauge_length = 40 * UM,
      .diameter = 6 * MM,
      .height = 40 * UM,
      .capacity = 5000,
      .noise = 0.1,
      .resolution = 5e-3,
      MACHINE}},
    /* A low-carbon steel sheet for protocols/shipped/iso6892-1-steel.rigor
     * (ISO 6892-1 Annex A type 2: 20 x 2 mm, L0 80 mm). Our assumption, in
     * the range of a DC01 / S235 sheet: E 210 GPa, ReH 300 MPa, ReL 270 MPa,
     * Lueders plateau to 2 % (Ae ~ 1.8 %), Rm 400 MPa at 18 %, fracture at
     * 25 % and 300 MPa; a 50 kN cell (noise 2 N, count 0.5 N) on a frame of
     * 0.002 um/N (500 kN/mm). */
    {"low-carbon-steel",
     MODEL_LUDERS,
     {.E = 210 * GPA,
      .sigma_uy = 300 * MPA,
      .sigma_y = 270 * MPA,
      .eps_l = 0.02,
      .sigma_u = 400 * MPA,
      .eps_u = 0.18,
      .sigma_f = 300 * MPA,
      .eps_f = 0.25,
      .width = 20 * MM,
      .thickness = 2 * MM,
      .gauge_length = 80 * MM,
      .diameter = 10 * MM,
      .height = 10 * MM,
      .capacity = 50e3,
      .noise = 2,
      .resolution = 0.5,
      .gap = 0.2 * MM,
      .frame_compliance = 0.002 * UM,
      .filter_hz = 200,
      .cell_rate = 1000,
      .ext_noise = 0.05 * UM,
      .travel_upper = 50 * MM,
      .travel_lower = -50 * MM,
      .v_max = 20 * MM,
      .accel = 0.05,
      .qs_decel = 0.5}},
    {"none",
     MODEL_NONE,
     {.width = 10 * MM,
      .thickness = 40 * UM,
      .gauge_length = 20 * MM,
      .diameter = 10 * MM,
      .height = 1 * MM,
      .capacity = 100,
      .noise = 2e-3,
      .resolution = 1e-4,
      MACHINE}},
};

/* Model names map onto the preset whose numbers they start from. */
static const struct {
    const char *model;
    const char *preset;
} model_alias[] = {
    {"elastic-plastic", "e-lpscl-film"},      {"brittle", "p-lpscl-film"},
    {"linear-brittle", "p-lpscl-film"},       {"brittle-compression", "lpscl-pellet"},
    {"cellular", "e-lpscl-film-compression"},
    {"luders", "low-carbon-steel"},
};

static const char *const preset_names[] = {"e-lpscl-film",
                                           "p-lpscl-film",
                                           "peva-scaffold",
                                           "lpscl-pellet",
                                           "e-lpscl-film-compression",
                                           "e-lpscl-film-visco",
                                           "low-carbon-steel",
                                           NULL};

const char *const *sim_preset_names(void)
{
    return preset_names;
}

typedef struct {
    const char *key;
    unit_dim dim;
    size_t off;
    const char *what;
} param_def;

#define P(k, d, f, w)                                                                          \
    {                                                                                          \
        k, d, offsetof(sim_params, f), w                                                       \
    }
static const param_def param_defs[] = {
    P("E", DIM_STRESS, E, "Young's modulus"),
    P("sigma_y", DIM_STRESS, sigma_y, "yield / plateau stress"),
    P("sigma_u", DIM_STRESS, sigma_u, "tensile strength"),
    P("eps_u", DIM_RATIO, eps_u, "strain at tensile strength"),
    P("sigma_f", DIM_STRESS, sigma_f, "stress at fracture"),
    P("eps_f", DIM_RATIO, eps_f, "strain at fracture"),
    P("H", DIM_STRESS, H, "plateau hardening modulus"),
    P("eps_d", DIM_RATIO, eps_d, "densification onset strain"),
    P("m", DIM_RATIO, m, "densification exponent"),
    P("sigma_ref", DIM_STRESS, sigma_ref, "densification anchor stress"),
    P("eps_ref", DIM_RATIO, eps_ref, "densification anchor strain"),
    P("residual", DIM_RATIO, residual, "debris stress / fracture stress"),
    P("width", DIM_LENGTH, width, "tensile width"),
    P("thickness", DIM_LENGTH, thickness, "tensile thickness"),
    P("gauge_length", DIM_LENGTH, gauge_length, "tensile gauge length"),
    P("diameter", DIM_LENGTH, diameter, "compression diameter"),
    P("height", DIM_LENGTH, height, "compression height"),
    P("gap", DIM_LENGTH, gap, "platen gap above the specimen at position 0"),
    P("frame_compliance", DIM_COMPLIANCE, frame_compliance, "frame compliance"),
    P("capacity", DIM_FORCE, capacity, "load-cell capacity"),
    P("noise", DIM_FORCE, noise, "load-cell noise sigma"),
    P("resolution", DIM_FORCE, resolution, "load-cell ADC count"),
    P("filter", DIM_FREQUENCY, filter_hz, "transmitter low-pass corner"),
    P("cell_rate", DIM_FREQUENCY, cell_rate, "load-cell sampling rate"),
    P("overload", DIM_FORCE, overload, "frame-overload threshold"),
    P("ext_noise", DIM_LENGTH, ext_noise, "extensometer noise sigma"),
    P("ext_range", DIM_LENGTH, ext_range, "extensometer range (0 = 50 mm)"),
    P("ext_slip", DIM_LENGTH, ext_slip, "extensometer knife-edge slip, once"),
    P("ext_slip_at", DIM_LENGTH, ext_slip_at, "extension at the slip (0 = never)"),
    P("ext_detach_at", DIM_LENGTH, ext_detach_at, "extension where it falls off (0 = never)"),
    P("travel_upper", DIM_LENGTH, travel_upper, "upper limit switch position"),
    P("travel_lower", DIM_LENGTH, travel_lower, "lower limit switch position"),
    P("v_max", DIM_VELOCITY, v_max, "largest velocity command"),
    P("visco_E", DIM_STRESS, visco_E, "Maxwell arm modulus (viscoelasticity, 0 = off)"),
    P("visco_tau", DIM_TIME, visco_tau, "Maxwell arm relaxation time"),
    P("sigma_uy", DIM_STRESS, sigma_uy, "upper yield strength ReH (luders)"),
    P("eps_l", DIM_RATIO, eps_l, "strain at the end of the Lueders plateau (luders)"),
    P("grip_weight", DIM_FORCE, grip_weight, "force on the cell at rest (lower grip)"),
    P("x0", DIM_LENGTH, x0, "absolute encoder position at start"),
    P("wd_seconds", DIM_RATIO, wd_seconds, "1: WATCHDOG_MS counts seconds"),
    P("wd_any_request", DIM_RATIO, wd_any_request, "1: any request feeds the watchdog"),
};
#undef P

static const preset *find_preset(const char *name)
{
    for (size_t i = 0; i < sizeof model_alias / sizeof model_alias[0]; i++)
        if (!strcmp(name, model_alias[i].model))
            name = model_alias[i].preset;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(name, presets[i].name))
            return &presets[i];
    return NULL;
}

/* "74MPa", "74 MPa", "0.1", "10%": a number and an optional unit of the
 * expected dimension. */
static int parse_value(const char *text, unit_dim dim, double *out, const char *key,
                       rigor_diag *d)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v)) {
        rigor_diag_set(d, "--param", 0, 0, "%s: '%s' is not a number", key, text);
        return RIGOR_EINVAL;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end) {
        unit_info u;
        if (!units_parse(end, &u) || u.dim != dim) {
            rigor_diag_set(d, "--param", 0, 0, "%s: '%s' is not a unit of %s", key, end,
                         units_dim_name(dim));
            return RIGOR_EINVAL;
        }
        v = v * u.scale + u.offset;
    }
    *out = v;
    return RIGOR_OK;
}

static int apply_param(sim_params *p, const char *kv, rigor_diag *d)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        rigor_diag_set(d, "--param", 0, 0, "'%s' is not key=value", kv);
        return RIGOR_EINVAL;
    }
    size_t klen = (size_t)(eq - kv);
    for (size_t i = 0; i < sizeof param_defs / sizeof param_defs[0]; i++) {
        const param_def *pd = &param_defs[i];
        if (strlen(pd->key) == klen && !strncmp(pd->key, kv, klen))
            /* pd->off is offsetof() a double member: the cast yields that member */
            // cppcheck-suppress invalidPointerCast
            return parse_value(eq + 1, pd->dim, (double *)((char *)p + pd->off), pd->key, d);
    }
    rigor_diag_set(d, "--param", 0, 0, "unknown parameter '%.*s' (see docs/sim.md)", (int)klen,
                 kv);
    return RIGOR_EINVAL;
}

static int bad(rigor_diag *d, const char *msg)
{
    rigor_diag_set(d, "--specimen", 0, 0, "%s", msg);
    return RIGOR_EINVAL;
}

/* Check that the parameters make a model whose curve is well defined. */
static int validate(sim *s, rigor_diag *d)
{
    const sim_params *p = &s->p;
    if (s->model != MODEL_NONE && !(p->E > 0))
        return bad(d, "E must be > 0");
    if (s->model == MODEL_ELASTIC_PLASTIC) {
        double ey = p->sigma_y / p->E;
        if (!(p->sigma_y > 0 && p->sigma_u > p->sigma_y))
            return bad(d, "need 0 < sigma_y < sigma_u");
        if (!(p->eps_u > ey && p->eps_f > p->eps_u))
            return bad(d, "need sigma_y/E < eps_u < eps_f");
        if (!(p->sigma_f > 0 && p->sigma_f <= p->sigma_u))
            return bad(d, "need 0 < sigma_f <= sigma_u");
    }
    if (s->model == MODEL_LUDERS) {
        double e2 = p->sigma_uy / p->E + LUDERS_DROP;
        if (!(p->sigma_y > 0 && p->sigma_uy > p->sigma_y && p->sigma_u > p->sigma_y))
            return bad(d, "need 0 < sigma_y (ReL) < sigma_uy (ReH) and sigma_y < sigma_u");
        if (!(p->eps_l > e2 && p->eps_u > p->eps_l && p->eps_f > p->eps_u))
            return bad(d, "need sigma_uy/E + 0.1 % < eps_l < eps_u < eps_f");
        if (!(p->sigma_f > 0 && p->sigma_f <= p->sigma_u))
            return bad(d, "need 0 < sigma_f <= sigma_u");
    }
    if ((s->model == MODEL_BRITTLE || s->model == MODEL_BRITTLE_COMPRESSION) &&
        !(p->sigma_f > 0))
        return bad(d, "sigma_f must be > 0");
    if (!(p->residual >= 0 && p->residual < 1))
        return bad(d, "residual must be in [0, 1)");
    if (s->model == MODEL_CELLULAR) {
        double ey = p->sigma_y / p->E;
        if (!(p->sigma_y > 0 && p->H >= 0 && p->eps_d > ey && p->eps_d < 1 && p->m > 0))
            return bad(d, "need sigma_y > 0, H >= 0, sigma_y/E < eps_d < 1, m > 0");
        if (!(p->eps_ref > p->eps_d && p->eps_ref < 1))
            return bad(d, "need eps_d < eps_ref < 1");
        double base = p->sigma_y + p->H * (p->eps_ref - ey);
        double shape = pow((p->eps_ref - p->eps_d) / (1 - p->eps_ref), p->m);
        if (!(p->sigma_ref > base))
            return bad(d, "sigma_ref must exceed the plateau stress at eps_ref");
        s->dens_K = (p->sigma_ref - base) / shape;
    }
    if (s->compression) {
        if (!(p->diameter > 0 && p->height > 0))
            return RIGOR_EGEOMETRY;
        if (!(p->gap >= 0))
            return bad(d, "gap must be >= 0");
    } else if (!(p->width > 0 && p->thickness > 0 && p->gauge_length > 0)) {
        return RIGOR_EGEOMETRY;
    }
    if (!(p->frame_compliance >= 0 && p->capacity > 0 && p->noise >= 0 && p->resolution > 0))
        return bad(d, "need frame_compliance >= 0, capacity > 0, noise >= 0, resolution > 0");
    if (!(p->filter_hz >= 0 && p->filter_hz <= 500))
        return bad(d, "filter must be 0 (off) to 500 Hz");
    if (!(p->cell_rate >= 1 && p->cell_rate <= 1000))
        return bad(d, "cell_rate must be 1 to 1000 Hz (the physics runs at 1 kHz)");
    if (!(p->travel_upper > 0 && p->travel_lower < 0))
        return bad(d, "need travel_lower < 0 < travel_upper");
    if (!(p->v_max > 0 && p->v_max <= 2.0))
        return bad(d, "v_max must be in (0, 2] m/s");
    if (!(p->ext_noise >= 0 && p->overload >= 0))
        return bad(d, "ext_noise and overload must be >= 0");
    if (!(p->ext_range >= 0 && p->ext_slip >= 0 && p->ext_slip_at >= 0 && p->ext_detach_at >= 0))
        return bad(d, "ext_range, ext_slip, ext_slip_at and ext_detach_at must be >= 0");
    if (!(p->visco_E >= 0) || (p->visco_E > 0 && !(p->visco_tau > 0)))
        return bad(d, "need visco_E >= 0, and visco_tau > 0 when visco_E > 0");
    return RIGOR_OK;
}

int sim_specimen_setup(sim *s, const sim_config *cfg, rigor_diag *d)
{
    const char *name = cfg->specimen && *cfg->specimen ? cfg->specimen : "e-lpscl-film";
    const preset *pr = find_preset(name);
    if (!pr) {
        rigor_diag_set(d, "--specimen", 0, 0,
                     "unknown specimen '%s' (presets: e-lpscl-film, p-lpscl-film, "
                     "peva-scaffold, lpscl-pellet, e-lpscl-film-compression, "
                     "low-carbon-steel; models: elastic-plastic, brittle, "
                     "brittle-compression, cellular, luders, none)",
                     name);
        return RIGOR_EINVAL;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    s->model = pr->model;
    s->p = pr->p;
    s->compression = s->model == MODEL_BRITTLE_COMPRESSION || s->model == MODEL_CELLULAR;
    for (size_t i = 0; i < cfg->n_params; i++) {
        int rc = apply_param(&s->p, cfg->params[i], d);
        if (rc)
            return rc;
    }
    if (cfg->width_m > 0)
        s->p.width = cfg->width_m;
    if (cfg->thickness_m > 0)
        s->p.thickness = cfg->thickness_m;
    if (cfg->gauge_length_m > 0)
        s->p.gauge_length = cfg->gauge_length_m;
    if (cfg->diameter_m > 0)
        s->p.diameter = cfg->diameter_m;
    if (cfg->height_m > 0)
        s->p.height = cfg->height_m;
    if (s->p.overload <= 0)
        s->p.overload = 1.2 * s->p.capacity;
    int rc = validate(s, d);
    if (rc == RIGOR_EGEOMETRY)
        rigor_diag_set(d, "--specimen", 0, 0, "%s",
                     s->compression
                         ? "compression needs --diameter > 0 and --height > 0"
                         : "tensile needs --width, --thickness and --gauge-length > 0");
    if (rc)
        return rc;
    if (s->compression) {
        s->area = M_PI / 4 * s->p.diameter * s->p.diameter;
        s->L0 = s->p.height;
    } else {
        s->area = s->p.width * s->p.thickness;
        s->L0 = s->p.gauge_length;
    }
    return RIGOR_OK;
}

double sim_stress_mono(const sim *s, double eps)
{
    const sim_params *p = &s->p;
    if (eps <= 0)
        return 0;
    switch (s->model) {
    case MODEL_NONE: return 0;
    case MODEL_BRITTLE:
    case MODEL_BRITTLE_COMPRESSION: return p->E * eps;
    case MODEL_ELASTIC_PLASTIC: {
        double ey = p->sigma_y / p->E;
        if (eps <= ey)
            return p->E * eps;
        if (eps <= p->eps_u) {
            double t = (eps - ey) / (p->eps_u - ey);
            return p->sigma_y + (p->sigma_u - p->sigma_y) * (1 - (1 - t) * (1 - t));
        }
        double t = fmin((eps - p->eps_u) / (p->eps_f - p->eps_u), 1.0);
        return p->sigma_u - (p->sigma_u - p->sigma_f) * t * t;
    }
    case MODEL_LUDERS: {
        double e1 = p->sigma_uy / p->E, e2 = e1 + LUDERS_DROP;
        if (eps <= e1)
            return p->E * eps;
        if (eps <= e2)
            return p->sigma_uy - (p->sigma_uy - p->sigma_y) * (eps - e1) / LUDERS_DROP;
        if (eps <= p->eps_l)
            return p->sigma_y;
        if (eps <= p->eps_u) {
            double t = (eps - p->eps_l) / (p->eps_u - p->eps_l);
            return p->sigma_y + (p->sigma_u - p->sigma_y) * (1 - (1 - t) * (1 - t));
        }
        double t = fmin((eps - p->eps_u) / (p->eps_f - p->eps_u), 1.0);
        return p->sigma_u - (p->sigma_u - p->sigma_f) * t * t;
    }
    case MODEL_CELLULAR: {
        double ey = p->sigma_y / p->E;
        if (eps <= ey)
            return p->E * eps;
        double sig = p->sigma_y + p->H * (eps - ey);
        if (eps > p->eps_d) {
            /* NOTE: D diverges as eps -> 1; beyond 0.9999 continue on the tangent so
             * the solver never sees infinities (the platen contact takes over). */
            const double cap = 0.9999;
            double e = fmin(eps, cap);
            double r = (e - p->eps_d) / (1 - e);
            double dsig = s->dens_K * pow(r, p->m);
            if (eps > cap) {
                double dr = (1 - p->eps_d) / ((1 - cap) * (1 - cap));
                dsig += s->dens_K * p->m * pow(r, p->m - 1) * dr * (eps - cap);
            }
            sig += dsig;
        }
        return sig;
    }
    }
    return 0;
}

double sim_model_stress(const sim *s, double eps)
{
    return sim_stress_mono(s, eps);
}

double sim_specimen_force(const sim *s, double delta)
{
    if (s->model == MODEL_NONE)
        return 0;
    const sim_params *p = &s->p;
    double eps = delta / s->L0;
    double sig;
    if (s->fractured) {
        if (!s->compression)
            return 0;
        double sres = p->residual * p->sigma_f;
        double eps_b = s->fracture_delta / s->L0;
        sig = fmin(sres, fmax(0.0, sres + p->E * (eps - eps_b)));
    } else {
        double eps_max = s->delta_max / s->L0;
        if (eps >= eps_max)
            sig = sim_stress_mono(s, eps);
        else
            sig = sim_stress_mono(s, eps_max) - p->E * (eps_max - eps);
        sig += sim_visco_stress(s, eps);
        sig = fmax(sig, 0.0);
    }
    double f = sig * s->area;
    if (s->compression && delta > s->L0)
        f += 1e9 * (delta - s->L0); /* platens meet: fixture contact */
    return f;
}

bool sim_specimen_breaks(const sim *s, double delta)
{
    const sim_params *p = &s->p;
    double eps = delta / s->L0;
    switch (s->model) {
    case MODEL_ELASTIC_PLASTIC:
    case MODEL_LUDERS: return eps >= p->eps_f;
    case MODEL_BRITTLE:
    case MODEL_BRITTLE_COMPRESSION: return p->E * eps >= p->sigma_f;
    default: return false;
    }
}

double sim_specimen_break_delta(const sim *s)
{
    const sim_params *p = &s->p;
    if (s->model == MODEL_ELASTIC_PLASTIC || s->model == MODEL_LUDERS)
        return p->eps_f * s->L0;
    return p->sigma_f / p->E * s->L0;
}

double sim_visco_stress(const sim *s, double eps)
{
    const sim_params *p = &s->p;
    if (!(p->visco_E > 0 && p->visco_tau > 0) || s->fractured)
        return 0;
    double a = exp(-SIM_DT_S / p->visco_tau);
    return s->visco_sig * a + p->visco_E * (eps - s->visco_eps) * (p->visco_tau / SIM_DT_S) * (1 - a);
}
