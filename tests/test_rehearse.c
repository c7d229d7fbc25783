/* test_rehearse.c — every shipped protocol and every good test protocol,
 * run to its end on the in-process simulated frame (real Modbus TCP).
 *
 * Each file gets a preset (docs/sim.md) and, where the preset's cell or
 * specimen does not fit the protocol or a full run would take minutes,
 * simulator parameters (--param of rigor sim / rigor run): a bigger cell,
 * a smaller platen gap, a stiffer or earlier-breaking model. Two files hold
 * a step that takes minutes whatever the specimen (a 10 min hold, a ramp at
 * 2 N/s to 2 kN); for those the table names a textual substitution of that
 * value, and everything else runs as written. The assertion is the end
 * reason each protocol must reach on its specimen (a fracture, "protocol
 * complete", a limit): a protocol the validator accepts that the machine
 * cannot run to its planned end fails here.
 *
 * The runs go three at a time in child processes (each its own session and
 * simulator); the children report their end through a pipe.
 */
#include "../common/textfile.h"
#include "../session/session.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const char *path;
    const char *preset;
    const char *params[6];
    const char *from, *to; /* one textual substitution (slow step), or NULL */
    machine_end end;       /* the end it must reach */
    bool ext;              /* on the reference map with its extensometer mapped */
} rehearsal;

static const rehearsal cases[] = {
    /* the longest first, so the others run beside them */
    /* its position limit (0.039 mm of crosshead travel from the first zero)
     * includes the platen's gap: the limit ends it, after its on-limit unload */
    {"tests/data/protocols/good/all-steps.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, "ramp at 2 N/s", "ramp at 200 N/s", MEND_LIMIT, true},
    {"tests/data/protocols/good/densification-unload.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, NULL, NULL, MEND_COMPLETE, false},
    {"protocols/shipped/e-lpscl-film-tensile.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/p-lpscl-film-tensile.rigor", "p-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/peva-scaffold-tensile.rigor", "peva-scaffold", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/lpscl-pellet-compression.rigor", "lpscl-pellet", {"gap=0.02mm"}, NULL,
     NULL, MEND_FRACTURE, false},
    {"protocols/shipped/e-lpscl-film-compression.rigor", "e-lpscl-film-compression",
     {"gap=0.02mm"}, NULL, NULL, MEND_COMPLETE, false},
    /* 5 cycles to 10 N at 2 mm/min take 75 s on the 2 GPa film: E x 5 */
    {"protocols/shipped/cyclic-load-unload.rigor", "e-lpscl-film", {"E=10GPa"}, NULL, NULL,
     MEND_FRACTURE, false},
    /* the standards' strips on a 1 kN cell; D882's 100 mm gauge breaks at 3 % */
    {"protocols/shipped/astm-d882.rigor", "e-lpscl-film",
     {"capacity=1kN", "eps_u=2%", "eps_f=3%", "sigma_y=30MPa"}, NULL, NULL, MEND_FRACTURE, false},
    {"protocols/shipped/iso527-3-film.rigor", "e-lpscl-film", {"capacity=1kN"}, NULL, NULL,
     MEND_FRACTURE, false},
    {"protocols/shipped/iso604-compression.rigor", "lpscl-pellet",
     {"E=1GPa", "sigma_f=50MPa", "capacity=60kN", "gap=0.02mm"}, NULL, NULL, MEND_FRACTURE, false},
    {"protocols/shipped/stress-relaxation.rigor", "e-lpscl-film", {NULL}, "hold 10 min",
     "hold 3 s", MEND_COMPLETE, false},
    {"tests/data/protocols/good/crlf-bom.rigor", "lpscl-pellet", {"gap=0.02mm"}, NULL, NULL,
     MEND_FRACTURE, false},
    /* "force >= 10 N and time >= 5 s" holds at 5 s, before the break */
    {"tests/data/protocols/good/dnf.rigor", "e-lpscl-film", {NULL}, NULL, NULL, MEND_COMPLETE, false},
    {"tests/data/protocols/good/fracture-next.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_COMPLETE, false},
    /* no geometry: the preset's strip; it breaks (1.6 mm) before the 5 mm limit */
    {"tests/data/protocols/good/limit-bounded.rigor", "e-lpscl-film", {NULL}, NULL, NULL,
     MEND_FRACTURE, false},
    /* the 2 mm ramp outlasts the film (fracture at 1.6 mm) */
    {"tests/data/protocols/good/units.rigor", "e-lpscl-film", {"capacity=1kN"}, NULL, NULL,
     MEND_FRACTURE, false},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* The shipped rigs/reference-tcp.ini maps the simulator's clip-on
 * extensometer (unit 3); protocols that use extension run on it. */
static char ext_rig[64] = "rigs/reference-tcp.ini";

static bool make_ext_rig(void)
{
    FILE *in = fopen(ext_rig, "r");
    char line[512];
    bool mapped = false;
    while (in && fgets(line, sizeof line, in) && !mapped)
        mapped = !strcmp(line, "[point extension]\n");
    if (in)
        fclose(in);
    return mapped;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* In the child: run one case, write "END REASON" to fd. */
static void rehearse(const rehearsal *c, int fd, const char *dir, int k)
{
    char msg[512] = "";
    size_t len = 0;
    char *text = NULL;
    rigor_diag rd = {0};
    if (textfile_read(c->path, "the protocol", 1 << 20, 0, &text, &len, &rd) != RIGOR_OK) {
        snprintf(msg, sizeof msg, "-1 cannot read: %.400s", rd.msg);
        goto out;
    }
    if (c->from) {
        char *at = strstr(text, c->from);
        if (!at) {
            snprintf(msg, sizeof msg, "-1 '%s' not in the file", c->from);
            goto out;
        }
        size_t nf = strlen(c->from), nt = strlen(c->to);
        char *t2 = malloc(len - nf + nt + 1);
        memcpy(t2, text, (size_t)(at - text));
        memcpy(t2 + (at - text), c->to, nt);
        strcpy(t2 + (at - text) + nt, at + nf);
        free(text);
        text = t2;
    }
    size_t np = 0;
    while (np < 6 && c->params[np])
        np++;
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = c->preset;
    o.rig_path = c->ext ? ext_rig : NULL;
    o.sim_params = c->params;
    o.n_sim_params = np;
    o.who = "rehearse";
    run_session *s = NULL;
    char why[1400] = "";
    int rc = run_session_open(&o, &s, why, sizeof why);
    if (rc) {
        snprintf(msg, sizeof msg, "-1 open: %.400s", why);
        goto out;
    }
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    rc = run_session_parse_text(s, c->path, text, NULL, &p, d, 4, &nd);
    if (rc) {
        snprintf(msg, sizeof msg, "-1 invalid here: %.400s", nd ? d[0].msg : "?");
        run_session_close(s);
        goto out;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/%d.csv", dir, k);
    run_test_opts t = {path, "rehearsal", NULL, NULL, 240};
    rc = run_session_begin_test(s, p, &t, why, sizeof why);
    run_session_consumer_rt(s, true, NULL); /* as rigor run does */
    int phase = rc == RIGOR_OK ? RUN_BALANCE : -1;
    for (double t0 = now_s(); now_s() - t0 < 300 && phase != RUN_FINISHED && phase >= 0;)
        phase = run_session_poll(s, 0.05, why, sizeof why);
    run_result res;
    rc = run_session_end_test(s, &res, why, sizeof why);
    if (rc)
        snprintf(msg, sizeof msg, "-1 %.400s", why);
    else
        snprintf(msg, sizeof msg, "%d %s (%.1f s)", (int)res.end, res.end_reason,
                 res.duration_s);
    run_session_close(s);
out:
    free(text);
    if (write(fd, msg, strlen(msg)) < 0)
        _exit(2);
    _exit(0);
}

static void test_every_protocol(void)
{
    CHECK(make_ext_rig(), "the reference map with its extensometer: %s", ext_rig);
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/rigor-rehearse-XXXXXX");
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    pid_t pid[NCASES];
    int fd[NCASES];
    size_t next = 0, done = 0, running = 0;
    char got[NCASES][512];
    memset(got, 0, sizeof got);
    while (done < NCASES) {
        while (running < 3 && next < NCASES) {
            int pfd[2];
            if (pipe(pfd) != 0)
                break;
            fflush(stdout);
            pid_t c = fork();
            if (c == 0) {
                close(pfd[0]);
                rehearse(&cases[next], pfd[1], dir, (int)next);
            }
            close(pfd[1]);
            pid[next] = c;
            fd[next] = pfd[0];
            next++;
            running++;
        }
        int st;
        pid_t w = wait(&st);
        if (w < 0)
            break;
        for (size_t k = 0; k < next; k++)
            if (pid[k] == w) {
                ssize_t n = read(fd[k], got[k], sizeof got[k] - 1);
                got[k][n > 0 ? n : 0] = '\0';
                close(fd[k]);
                running--;
                done++;
                int end = atoi(got[k]);
                const char *text = strchr(got[k], ' ');
                CHECK(end == (int)cases[k].end, "%s on %s: ended '%s', want '%s'",
                      cases[k].path, cases[k].preset, text ? text + 1 : got[k],
                      machine_end_name(cases[k].end));
                printf("  %-52s %-26s %s\n", cases[k].path, cases[k].preset,
                       text ? text + 1 : got[k]);
            }
    }
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

typedef struct {
    machine_strain_src prev;
    double eps_before, eps_after; /* strain on the samples either side of the switch */
    double fmax, eps_fmax, xh_fmax; /* at the largest force: strain, the crosshead's own */
    double L0;
    int switches;
    /* every sample's time, crosshead, strain (for the rate windows) */
    double *t, *x, *eps;
    size_t n, cap;
} strain_watch;

static void watch_strain(void *ctx, const rig_sample *smp, const machine_values *mv,
                         const char *stage)
{
    strain_watch *w = ctx;
    (void)stage;
    if (!isfinite(mv->strain))
        return;
    bool have_ext = isfinite(smp->extension_m) && (smp->status & RIG_SB_EXT_ATTACHED);
    if (w->prev == MSTRAIN_EXTENSOMETER && !have_ext && !w->switches++)
        w->eps_after = mv->strain;
    if (have_ext)
        w->eps_before = mv->strain;
    w->prev = have_ext ? MSTRAIN_EXTENSOMETER : MSTRAIN_CROSSHEAD;
    if (w->n < w->cap) {
        w->t[w->n] = smp->t_s;
        w->x[w->n] = mv->position_m;
        w->eps[w->n] = mv->strain;
        w->n++;
    }
    if (mv->force_N > w->fmax) {
        w->fmax = mv->force_N;
        w->eps_fmax = mv->strain;
        w->xh_fmax = mv->position_m / w->L0;
    }
}

/* One tensile run on the simulator over the shipped reference rig file. */
static bool strain_run_text(const char *text, const char **params, size_t np, run_result *res,
                            strain_watch *w);

static bool strain_run(const char **params, size_t np, run_result *res, strain_watch *w)
{
    return strain_run_text(NULL, params, np, res, w);
}

static bool strain_run_text(const char *text, const char **params, size_t np, run_result *res,
                            strain_watch *w)
{
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = "e-lpscl-film";
    o.sim_params = params;
    o.n_sim_params = np;
    o.who = "strain";
    run_session *s = NULL;
    char why[1400] = "";
    if (run_session_open(&o, &s, why, sizeof why) != RIGOR_OK) {
        CHECK(0, "open: %s", why);
        return false;
    }
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    bool ok = (text ? run_session_parse_text(s, "a1.rigor", text, NULL, &p, d, 4, &nd)
                    : run_session_parse_file(s, "protocols/shipped/e-lpscl-film-tensile.rigor",
                                             NULL, &p, d, 4, &nd)) == RIGOR_OK;
    CHECK(ok, "protocol: %s", nd ? d[0].msg : "?");
    char path[] = "/tmp/rigor-strain-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    unlink(path); /* a run file is never overwritten */
    w->L0 = 20e-3; /* the protocol's gauge length */
    run_session_set_sample_fn(s, watch_strain, w);
    run_test_opts t = {path, "strain", NULL, NULL, 120};
    ok = ok && run_session_begin_test(s, p, &t, why, sizeof why) == RIGOR_OK;
    CHECK(ok, "begin: %s", why);
    int phase = ok ? RUN_BALANCE : -1;
    for (double t0 = now_s(); now_s() - t0 < 150 && phase != RUN_FINISHED && phase >= 0;)
        phase = run_session_poll(s, 0.05, why, sizeof why);
    ok = run_session_end_test(s, res, why, sizeof why) == RIGOR_OK && ok;
    CHECK(ok, "run: %s", why);
    run_session_close(s);
    unlink(path);
    return ok;
}

/* A --sim run on the shipped reference rig takes strain from the clip-on
 * extensometer (it reads the specimen, not the frame: with a soft frame the
 * crosshead's strain is far larger), and says so; when the clip-on comes off
 * strain goes on from the crosshead, matched at the switch. */
static void test_strain_from_extensometer(void)
{
    const char *soft[] = {"frame_compliance=20um/N"};
    run_result res;
    strain_watch w = {0};
    if (strain_run(soft, 1, &res, &w)) {
        CHECK(res.strain_first == MSTRAIN_EXTENSOMETER && res.strain_last == MSTRAIN_EXTENSOMETER,
              "strain from the extensometer: first %s, last %s",
              machine_strain_source_name(res.strain_first),
              machine_strain_source_name(res.strain_last));
        CHECK(!isfinite(res.strain_switch_t_s), "no switch");
        CHECK(res.end == MEND_FRACTURE, "fracture: %s", res.end_reason);
        /* the crosshead's strain holds the frame's deflection C F / L0 */
        double want = 20e-6 * w.fmax / w.L0;
        CHECK(fabs((w.xh_fmax - w.eps_fmax) - want) < 0.2 * want,
              "at Fmax %g N: crosshead %g - extensometer %g = the frame's C F / L0 %g", w.fmax,
              w.xh_fmax, w.eps_fmax, want);
    }
    const char *off[] = {"frame_compliance=20um/N", "ext_detach_at=0.6mm"};
    strain_watch w2 = {0};
    if (strain_run(off, 2, &res, &w2)) {
        CHECK(res.strain_first == MSTRAIN_EXTENSOMETER &&
                  res.strain_last == MSTRAIN_CROSSHEAD_AFTER_EXT && isfinite(res.strain_switch_t_s),
              "switched to the crosshead: %s at %g s", machine_strain_source_name(res.strain_last),
              res.strain_switch_t_s);
        CHECK(w2.switches == 1 && fabs(w2.eps_after - w2.eps_before) < 5e-4,
              "matched at the switch: %g -> %g", w2.eps_before, w2.eps_after);
        CHECK(w2.eps_fmax < w2.xh_fmax - 0.01,
              "after the switch still short of the crosshead's own strain: %g vs %g",
              w2.eps_fmax, w2.xh_fmax);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median and 5th/95th percentiles of the rates over 0.5 s windows of the
 * samples whose strain lies in [lo, hi): dstrain/dt and the crosshead's
 * dx/dt. Returns the number of windows. */
static int window_rates(const strain_watch *w, double lo, double hi, double q_eps[3],
                        double q_x[3])
{
    static double re[4096], rx[4096];
    int nw = 0;
    size_t a = 0;
    while (a < w->n && nw < 4096) {
        if (!(w->eps[a] >= lo && w->eps[a] < hi)) {
            a++;
            continue;
        }
        size_t b = a;
        while (b + 1 < w->n && w->t[b] - w->t[a] < 0.5 && w->eps[b + 1] < hi)
            b++;
        if (w->t[b] - w->t[a] >= 0.45) {
            re[nw] = (w->eps[b] - w->eps[a]) / (w->t[b] - w->t[a]);
            rx[nw] = (w->x[b] - w->x[a]) / (w->t[b] - w->t[a]);
            nw++;
        }
        a = b + 1;
    }
    if (!nw)
        return 0;
    qsort(re, (size_t)nw, sizeof *re, cmp_d);
    qsort(rx, (size_t)nw, sizeof *rx, cmp_d);
    int k[3] = {nw / 2, nw * 5 / 100, nw * 95 / 100};
    for (int i = 0; i < 3; i++) {
        q_eps[i] = re[k[i]];
        q_x[i] = rx[k[i]];
    }
    return nw;
}

/* ISO 6892-1 method A1 on the extensometer: a strain rate `on extensometer`
 * is held on the extension channel by the outer loop; with a soft frame the
 * crosshead's speed is not L0 e'. Then the rate switches at 1 % strain
 * (range 2 to range 3 of clause 10.3.3). Each ramp after its first 5 %:
 * within +-20 % of the set rate (median and 5-95 %), and the crosshead
 * speed of the slow ramp (elastic: the frame takes a real share) more than
 * 30 % above L0 e'. */
static void test_strain_rate_on_extensometer(void)
{
    const char *text = "name \"A1 on the extensometer\"\n"
                       "test tensile\nwidth 5 mm\nthickness 0.08 mm\ngauge-length 20 mm\n"
                       "preload 0.05 N at 1 mm/min\nzero position\n"
                       "ramp at 0.00025 1/s on extensometer until strain >= 1 %\n"
                       "ramp at 0.0067 1/s on extensometer until fracture\n";
    const char *soft[] = {"frame_compliance=20um/N"};
    static double bt[80000], bx[80000], be[80000];
    strain_watch w = {.t = bt, .x = bx, .eps = be, .cap = 80000};
    run_result res;
    if (!strain_run_text(text, soft, 1, &res, &w))
        return;
    CHECK(res.end == MEND_FRACTURE, "fracture: %s", res.end_reason);
    double qe[3], qx[3];
    /* ramp 1: strain 0 to 1 %, after its first 5 % (0.05 %) */
    int n1 = window_rates(&w, 0.0005, 0.0099, qe, qx);
    printf("  info: 0.00025 1/s on the extensometer: strain rate %.4g (5-95 %%: %.4g-%.4g) 1/s, "
           "crosshead %.4g mm/min (L0 e' = 0.3), %d windows\n",
           qe[0], qe[1], qe[2], qx[0] * 60e3, n1);
    CHECK(n1 >= 40, "windows of ramp 1: %d", n1);
    CHECK(qe[1] >= 0.8 * 0.00025 && qe[2] <= 1.2 * 0.00025, "ramp 1 within +-20 %%: %g-%g 1/s",
          qe[1], qe[2]);
    CHECK(qx[0] > 1.3 * 0.00025 * 0.02, "the crosshead goes faster than L0 e': %g m/s", qx[0]);
    /* ramp 2: from 1 % on, after its first 5 % of the way to fracture at
     * 8 % (0.35 %), to 7 % (before the neck) */
    int n2 = window_rates(&w, 0.0135, 0.07, qe, qx);
    printf("  info: 0.0067 1/s on the extensometer: strain rate %.4g (5-95 %%: %.4g-%.4g) 1/s, "
           "crosshead %.4g mm/min (L0 e' = 8.04), %d windows\n",
           qe[0], qe[1], qe[2], qx[0] * 60e3, n2);
    CHECK(n2 >= 10, "windows of ramp 2: %d", n2);
    /* the session's own rate report judges these ramps on the extension */
    int seen = 0;
    for (int k = 0; k < res.nrates; k++) {
        const run_step_rate *rr = &res.rates[k];
        if (rr->step != 3 && rr->step != 4)
            continue;
        seen++;
        CHECK(rr->on_ext && rr->p5 >= 0.8 * rr->requested && rr->p95 <= 1.2 * rr->requested,
              "report of step %d on the extension: %g (%g-%g) for %g m/s", rr->step, rr->median,
              rr->p5, rr->p95, rr->requested);
    }
    CHECK(seen == 2, "both ramps in the rate report: %d", seen);
    CHECK(qe[1] >= 0.8 * 0.0067 && qe[2] <= 1.2 * 0.0067, "ramp 2 within +-20 %%: %g-%g 1/s",
          qe[1], qe[2]);
}

int main(void)
{
    TEST_RUN(test_strain_rate_on_extensometer);
    TEST_RUN(test_strain_from_extensometer);
    TEST_RUN(test_every_protocol);
    TEST_END("test_rehearse");
}
