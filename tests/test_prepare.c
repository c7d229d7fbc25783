/* test_prepare.c — curve preparation on closed-form records with known truth.
 *
 * The specimen follows a closed-form law: elastic E to sigma_y, then the
 * parabola sigma = sigma_y + a (eps - eps_y) - b (eps - eps_y)^2, whose
 * maximum Rm = sigma_y + a^2 / 4b lies at eps_m = eps_y + a / 2b, to a
 * break at eps_b where the force falls to ~0. The crosshead sees the free
 * length between the grips Lp (> L0) and the frame's deflection C F:
 * X = Lp eps + C F. The extensometer reads eps (with noise) until it is
 * removed at eps_r = 2 %; then it is empty (NaN), frozen, or jumps back to 0
 * (issue 20 class 3). Class 4: a clip-on gauge re-zeroed at the start of a
 * ramp, and a frozen or removed gauge, are not unloads; a real unload (the
 * crosshead driven back under load) still is.
 */
#include "../analysis/analysis.h"
#include "../analysis/curve.h"
#include "../analysis/prepare.h"
#include "../analysis/results.h"
#include "../common/error.h"
#include "harness.h"
#include "synth.h"

#define E_PA 200e9
#define SY_PA 300e6
#define A_PA 4e9
#define B_PA 20e9
#define AREA 10e-6 /* m^2 */
#define L0 0.050   /* m: extensometer gauge length */
#define LP 0.065   /* m: free length between the grips */
#define C_MN 1e-7  /* m/N: frame compliance */
#define DEPS 1e-4  /* strain per sample */
#define EPS_B 0.14 /* break */
#define EPS_R 0.02 /* extensometer removed */

static const double EY = SY_PA / E_PA;

static double law(double e)
{
    if (e <= EY)
        return E_PA * e;
    double d = e - EY;
    return SY_PA + A_PA * d - B_PA * d * d;
}

typedef enum { REM_NONE, REM_EMPTY, REM_FROZEN, REM_ZERO } removal;

/* A record with time, crosshead (ext), force and extensometer strain. */
static curve *make_record(removal how, double C, double e_noise, double f_noise)
{
    curve *c;
    unsigned mask = 1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE | 1u << CURVE_STRAIN;
    if (curve_new(mask, &c))
        return NULL;
    synth_seed(20);
    size_t nload = (size_t)(EPS_B / DEPS) + 1, npost = 20;
    double frozen = NAN;
    for (size_t i = 0; i < nload + npost; i++) {
        double e = (double)i * DEPS;
        double F = i < nload ? law(e) * AREA : 5 * synth_normal();
        if (i < nload)
            F += f_noise * synth_normal();
        double row[CURVE_NROLES] = {0};
        row[CURVE_TIME] = (double)i * 0.1;
        row[CURVE_EXT] = LP * e + C * F;
        row[CURVE_FORCE] = F;
        double ext = e + e_noise * synth_normal();
        if (e >= EPS_R - 1e-12) {
            if (how == REM_EMPTY)
                ext = NAN;
            else if (how == REM_FROZEN)
                ext = isnan(frozen) ? (frozen = ext) : frozen;
            else if (how == REM_ZERO)
                ext = e_noise * synth_normal();
        }
        row[CURVE_STRAIN] = ext;
        if (curve_append(c, row)) {
            curve_free(c);
            return NULL;
        }
    }
    c->geom.area_m2 = AREA;
    c->geom.gauge_m = L0;
    return c;
}

static int analyse(const curve *c, double C, result_set *rs, char *why, size_t wl)
{
    analysis_opts o;
    analysis_opts_default(&o);
    o.compliance_m_per_N = C;
    results_init(rs);
    return analysis_run(c, &o, rs, why, wl);
}

/* The three removal shapes: every result from the combined curve. Fails on
 * the old code: NaN strain refused, frozen strain stops at 2 %, a jump back
 * judged an unload. */
static void test_removed_extensometer(void)
{
    static const char *name[] = {"none", "empty", "frozen", "zero"};
    double rm = SY_PA + A_PA * A_PA / (4 * B_PA), em = EY + A_PA / (2 * B_PA);
    double sb = law(EPS_B - DEPS);
    for (int how = REM_EMPTY; how <= REM_ZERO; how++) {
        for (int known_c = 0; known_c < 2; known_c++) {
            double C = known_c ? C_MN : 0;
            curve *c = make_record((removal)how, C_MN * known_c, 2e-6, 1.0);
            CHECK(c, "record");
            if (!c)
                return;
            result_set rs;
            char why[512] = "";
            int rc = analyse(c, C, &rs, why, sizeof why);
            CHECK(rc == RIGOR_OK, "%s C=%g: rc %d: %s", name[how], C, rc, why);
            char what[96];
            snprintf(what, sizeof what, "%s C=%g removed at %%", name[how], C);
            CHECK_NEAR(results_get(&rs, "extensometer_removed_at_pct"), EPS_R * 100, 0.02, 0,
                       what);
            snprintf(what, sizeof what, "%s C=%g Rm MPa", name[how], C);
            CHECK_NEAR(results_get(&rs, "tensile_strength_mpa"), rm / 1e6, 1.0, 0, what);
            /* a stiff frame (C = 0 in the record) or a known compliance: the
             * matched crosshead gives the true strain */
            snprintf(what, sizeof what, "%s C=%g strain at max %%", name[how], C);
            CHECK_NEAR(results_get(&rs, "strain_at_max_pct"), em * 100, 0.5, 0, what);
            snprintf(what, sizeof what, "%s C=%g strain at break %%", name[how], C);
            CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), EPS_B * 100, 0.1, 0, what);
            snprintf(what, sizeof what, "%s C=%g break MPa", name[how], C);
            CHECK_NEAR(results_get(&rs, "break_stress_mpa"), sb / 1e6, 3.0, 0, what);
            const result_value *br = results_find(&rs, "break_rule");
            CHECK(br && strcmp(br->s, "unloaded"), "%s: break rule %s", name[how],
                  br ? br->s : "?");
            const result_value *m = results_find_method(&rs, "strain_after_removal");
            CHECK(m && strstr(m->s, "overlap"), "%s: slope matched on the overlap", name[how]);
            /* the plot arrays are the same combined curve */
            analysis_opts o;
            analysis_opts_default(&o);
            o.compliance_m_per_N = C;
            double *eps = NULL, *sig = NULL;
            size_t n = 0;
            rc = analysis_curve_arrays(c, &o, &rs, &eps, &sig, &n, why, sizeof why);
            CHECK(rc == RIGOR_OK && n == c->n, "%s: arrays rc %d: %s", name[how], rc, why);
            if (rc == RIGOR_OK) {
                size_t ib = (size_t)(EPS_B / DEPS) - 1;
                snprintf(what, sizeof what, "%s C=%g plotted strain before the break",
                         name[how], C);
                CHECK_NEAR(eps[ib] * 100, EPS_B * 100, 0.1, 0, what);
            }
            free(eps);
            free(sig);
            results_clear(&rs);
            curve_free(c);
        }
    }
}

/* A compliant frame whose compliance is not given: still matched on the
 * overlap (offset and slope), so the strain stays within the frame's share. */
static void test_removed_unknown_compliance(void)
{
    curve *c = make_record(REM_EMPTY, C_MN, 2e-6, 1.0);
    CHECK(c, "record");
    if (!c)
        return;
    result_set rs;
    char why[256] = "";
    CHECK(analyse(c, 0, &rs, why, sizeof why) == RIGOR_OK, "%s", why);
    /* Between removal and break the force changes by < 1.5 kN: C dF <= 0.15
     * mm on 65 mm of free length, and k was fitted with the frame inside. */
    CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), EPS_B * 100, 1.0, 0,
               "strain at break, compliance unknown");
    results_clear(&rs);
    curve_free(c);
}

/* No removal: nothing changes, no key. */
static void test_extensometer_kept(void)
{
    curve *c = make_record(REM_NONE, C_MN, 2e-6, 1.0);
    CHECK(c, "record");
    if (!c)
        return;
    result_set rs;
    char why[256] = "";
    CHECK(analyse(c, 0, &rs, why, sizeof why) == RIGOR_OK, "%s", why);
    CHECK(!results_find(&rs, "extensometer_removed_at_pct"), "no removal key");
    CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), EPS_B * 100, 0.02, 0, "break strain");
    results_clear(&rs);
    curve_free(c);
}

/* A gauge that holds its last value after the break while the crosshead
 * runs on: not a removal (the travel after the break is no evidence). */
static void test_frozen_after_break(void)
{
    curve *c = make_record(REM_NONE, 0, 2e-6, 1.0);
    CHECK(c, "record");
    if (!c)
        return;
    size_t nload = (size_t)(EPS_B / DEPS) + 1;
    for (size_t i = nload; i < c->n; i++)
        c->ch[CURVE_STRAIN][i] = c->ch[CURVE_STRAIN][nload - 1];
    /* and 200 more samples of travel with the force at zero */
    for (int k = 0; k < 200; k++) {
        double x = c->ch[CURVE_EXT][c->n - 1] + LP * DEPS;
        double row[CURVE_NROLES] = {c->ch[CURVE_TIME][c->n - 1] + 0.1, x, 2 * synth_normal(),
                                    c->ch[CURVE_STRAIN][nload - 1], 0};
        CHECK(curve_append(c, row) == RIGOR_OK, "append");
    }
    result_set rs;
    char why[256] = "";
    CHECK(analyse(c, 0, &rs, why, sizeof why) == RIGOR_OK, "%s", why);
    CHECK(!results_find(&rs, "extensometer_removed_at_pct"),
          "frozen after the break: no removal");
    CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), EPS_B * 100, 0.02, 0, "break strain");
    results_clear(&rs);
    curve_free(c);
}

/* No crosshead in the file (strain and force only): a removal cannot be
 * continued. The old code took the jump back for an unload (break rule
 * "unloaded", Rm the stress at 2 %) and refused the empty column. Now the
 * strain results end at the removal (break rule "extensometer-removed"),
 * Rm comes from the whole record (it needs no strain) and what needs the
 * strain after the cut is null. */
static void test_removed_no_crosshead(void)
{
    static const char *name[] = {"none", "empty", "frozen", "zero"};
    double rm = SY_PA + A_PA * A_PA / (4 * B_PA);
    for (int how = REM_EMPTY; how <= REM_ZERO; how++) {
        curve *full = make_record((removal)how, 0, 2e-6, 1.0);
        curve *c;
        unsigned mask = 1u << CURVE_TIME | 1u << CURVE_FORCE | 1u << CURVE_STRAIN;
        CHECK(full && curve_new(mask, &c) == RIGOR_OK, "records");
        if (!full)
            return;
        for (size_t i = 0; i < full->n; i++) {
            double row[CURVE_NROLES] = {full->ch[CURVE_TIME][i], 0, full->ch[CURVE_FORCE][i],
                                        full->ch[CURVE_STRAIN][i], 0};
            CHECK(curve_append(c, row) == RIGOR_OK, "append");
        }
        c->geom = full->geom;
        result_set rs;
        char why[256] = "";
        int rc = analyse(c, 0, &rs, why, sizeof why);
        CHECK(rc == RIGOR_OK, "%s: rc %d %s", name[how], rc, why);
        const result_value *br = results_find(&rs, "break_rule");
        /* a frozen gauge without a crosshead: the force rises by far more
         * than 10 % of its maximum at a constant strain */
        CHECK(br && !strcmp(br->s, "extensometer-removed"), "%s: break rule %s", name[how],
              br ? br->s : "?");
        char what[64];
        snprintf(what, sizeof what, "%s: Rm from the whole record", name[how]);
        CHECK_NEAR(results_get(&rs, "tensile_strength_mpa"), rm / 1e6, 1.0, 0, what);
        CHECK(isnan(results_get(&rs, "strain_at_max_pct")), "%s: strain at max unknown",
              name[how]);
        CHECK(isnan(results_get(&rs, "strain_at_break_pct")), "%s: break strain unknown",
              name[how]);
        CHECK(!results_find(&rs, "extensometer_removed_at_pct"), "%s: nothing continued",
              name[how]);
        /* the plot arrays stop at the removal */
        analysis_opts o;
        analysis_opts_default(&o);
        double *eps = NULL, *sig = NULL;
        size_t n = 0;
        rc = analysis_curve_arrays(c, &o, &rs, &eps, &sig, &n, why, sizeof why);
        CHECK(rc == RIGOR_OK && n < c->n && n > 150, "%s: arrays rc %d n %zu: %s", name[how],
              rc, n, why);
        free(eps);
        free(sig);
        results_clear(&rs);
        curve_free(c);
        curve_free(full);
    }
}

/* A removal without a crosshead slope and without a gauge length is refused
 * with a reason, never guessed. */
static void test_removed_no_match(void)
{
    double E[40], X[40], F[40];
    for (int i = 0; i < 40; i++) {
        E[i] = i < 20 ? 1e-3 * i : NAN;
        X[i] = 1e-3;      /* a crosshead that did not move: no slope */
        F[i] = 100.0 + i; /* loaded */
    }
    ext_switch sw;
    char why[256] = "";
    int rc = prepare_ext_switch(E, X, F, 40, NAN, 0, &sw, why, sizeof why);
    CHECK(rc == RIGOR_ENODATA && strstr(why, "sample 21"), "rc %d: %s", rc, why);
    /* with a gauge length it is continued from the crosshead / L0 */
    rc = prepare_ext_switch(E, X, F, 40, 0.05, 0, &sw, why, sizeof why);
    CHECK(rc == RIGOR_OK && sw.kind == EXT_SWITCH_EMPTY && sw.at == 20 && !sw.k_fitted,
          "rc %d kind %d at %zu", rc, sw.kind, sw.at);
}

/* Class 4: a clip-on gauge re-zeroed at the start of the test ramp (after a
 * preload ramp and a hold) while the crosshead goes on is not an unload. The
 * old rule (strain back by 1 % of its range with the force above half its
 * maximum so far) ended the analysis there as "unloaded". */
static void test_rezero_not_unload(void)
{
    curve *c;
    unsigned mask = 1u << CURVE_TIME | 1u << CURVE_EXT | 1u << CURVE_FORCE | 1u << CURVE_STRAIN;
    CHECK(curve_new(mask, &c) == RIGOR_OK, "curve");
    synth_seed(4);
    double epre = 0.001; /* preload ramp to 0.1 % (200 MPa), hold, re-zero */
    size_t i = 0;
    double e = 0, zero = 0;
    for (int phase = 0; phase < 3; phase++) {
        size_t len = phase == 0 ? 10 : phase == 1 ? 20 : (size_t)((EPS_B - epre) / DEPS);
        for (size_t k = 0; k < len; k++, i++) {
            if (phase == 0)
                e = epre * (double)(k + 1) / 10;
            else if (phase == 2)
                e = epre + (double)(k + 1) * DEPS;
            if (phase == 2 && k == 0)
                zero = epre; /* the operator zeroes the gauge */
            double F = law(e) * AREA + 0.5 * synth_normal();
            double row[CURVE_NROLES] = {(double)i * 0.1, LP * e, F,
                                        e - zero + 1e-6 * synth_normal(), 0};
            CHECK(curve_append(c, row) == RIGOR_OK, "append");
        }
    }
    for (int k = 0; k < 10; k++, i++) {
        e += DEPS;
        double row[CURVE_NROLES] = {(double)i * 0.1, LP * e, 3 * synth_normal(), e - zero, 0};
        CHECK(curve_append(c, row) == RIGOR_OK, "append");
    }
    c->geom.area_m2 = AREA;
    c->geom.gauge_m = L0;
    result_set rs;
    char why[256] = "";
    CHECK(analyse(c, 0, &rs, why, sizeof why) == RIGOR_OK, "%s", why);
    const result_value *br = results_find(&rs, "break_rule");
    CHECK(br && strcmp(br->s, "unloaded"), "break rule %s", br ? br->s : "?");
    CHECK(!results_find(&rs, "extensometer_removed_at_pct"), "a re-zero is not a removal");
    /* the step is taken out: the strain at break is the specimen's */
    CHECK_NEAR(results_get(&rs, "strain_at_break_pct"), EPS_B * 100, 0.05, 0,
               "strain at break across the re-zero");
    CHECK_NEAR(results_get(&rs, "tensile_strength_mpa"),
               (SY_PA + A_PA * A_PA / (4 * B_PA)) / 1e6, 1.0, 0, "Rm");
    results_clear(&rs);
    curve_free(c);

    /* The same re-zero without a crosshead channel: the strain stepped back
     * alone (the force did not fall with it), so no unload either. */
    double eps[400], y[400];
    for (int k = 0; k < 400; k++) {
        double ek = k < 50 ? 1e-5 * k : 1e-5 * (k - 50); /* re-zero at 50 */
        eps[k] = ek;
        y[k] = 100 + 2.0 * k; /* the force rises throughout */
    }
    double ff;
    CHECK(prepare_loading_end(NULL, eps, y, 400, &ff) == 400, "strain step alone: no unload");
}

/* Class 4: a frozen extensometer while the crosshead goes back under load
 * is an unload, judged from the crosshead; the strain alone could not tell. */
static void test_unload_from_crosshead(void)
{
    double X[300], eps[300], y[300], ff;
    for (int k = 0; k < 300; k++) {
        double x = k < 200 ? 1e-5 * k : 1e-5 * (400 - k); /* driven back at 200 */
        X[k] = x;
        eps[k] = k < 150 ? x / 0.05 : 150e-5 / 0.05; /* gauge frozen from 150 */
        y[k] = k < 200 ? 10.0 * k : 10.0 * (400 - k) - 500;
    }
    size_t end = prepare_loading_end(X, eps, y, 300, &ff);
    CHECK(end > 200 && end < 210 && ff > 0.5, "crosshead reversal at %zu (%.2f)", end, ff);
    CHECK(prepare_loading_end(NULL, eps, y, 300, &ff) == 300,
          "frozen strain: no reversal seen");
    /* strain and force back together, no crosshead: an unload */
    double e2[300], y2[300];
    for (int k = 0; k < 300; k++) {
        e2[k] = k < 200 ? 1e-4 * k : 1e-4 * (400 - k);
        y2[k] = k < 200 ? 10.0 * k : 10.0 * (400 - k) - 200;
    }
    end = prepare_loading_end(NULL, e2, y2, 300, &ff);
    CHECK(end > 200 && end < 210, "strain with force back: unload at %zu", end);
}

int main(void)
{
    TEST_RUN(test_removed_extensometer);
    TEST_RUN(test_removed_unknown_compliance);
    TEST_RUN(test_extensometer_kept);
    TEST_RUN(test_removed_no_match);
    TEST_RUN(test_removed_no_crosshead);
    TEST_RUN(test_frozen_after_break);
    TEST_RUN(test_rezero_not_unload);
    TEST_RUN(test_unload_from_crosshead);
    TEST_END("test_prepare");
}
