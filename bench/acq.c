/* acq.c — acquisition benchmark: Rigor's driver loop against a bare libmodbus
 * loop (bare_loop.c), both reading the in-process simulator, in one run.
 *
 *   build/bench/acq tcp                 Modbus TCP loopback
 *   build/bench/acq rtu BAUD [BAUD...]  Modbus RTU on the simulator's paced pty
 *
 * Env: BENCH_SECONDS (default 10) per TCP measurement, BENCH_RTU_SECONDS
 * (default 5) per RTU measurement; BENCH_TCP (default "max 1k") the TCP
 * parts to run; BENCH_REALTIME (default "auto spin awake"; any of
 * "auto off acq-only spin awake", interleaved) the rig file's `realtime` for Rigor and the
 * bare loop and the simulator's threads (names end in _rtoff with "off";
 * "acq-only": the clients ask, the simulator's threads do not, _acqonly;
 * "spin": auto with the rig file's spin = BENCH_SPIN_US, default 300 us,
 * at 1 kHz only, _spin; "awake": auto with the rig file's keep_awake = yes,
 * SCHED_IDLE spinners on every CPU while the loop runs, 1 kHz only,
 * _awake). The measurements of one table
 * row run interleaved in rounds of 2-5 s (a load change on the shared
 * machine hits them alike); medians over the rounds are printed. Output:
 * BENCH lines (bench.h), each with the scheduling Rigor's acquisition
 * thread or the bare loop got (sched=) and the simulator's serving thread
 * (sim_sched=).
 *
 * Rigor is measured three ways: rig_start(0) ("the highest rate the link
 * sustains": a probe of 10 cycles, then a third of the period left free),
 * unthrottled (rig_start(RIG_RATE_MAX): the loop runs back to back, the
 * loop's own capacity), and at a 1 kHz request. The rig file's
 * max_rate cap is lifted for the first two. Rates and jitter are computed
 * here from the samples' t_s (cycle start), the same way as for the bare loop;
 * the driver's own rig_stats jitter is printed beside them.
 */
#include "../rig/regmap.h"
#include "../rig/rig.h"
#include "../rig/sim/sim.h"
#include "bare_loop.h"
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    double rate_hz, p50_us, p99_us, max_us;
    double stats_p99_us, requested_hz;
    unsigned long failed, dropped, overruns;
    rt_status rt;
} rig_result;

/* A scheduling as one BENCH value (no spaces): SCHED_FIFO/20,
 * normal(back-to-back), normal(off), normal(EPERM). */
static const char *sched_tag(const rt_status *st, char *buf, size_t len)
{
    if (st->granted)
        snprintf(buf, len, "SCHED_FIFO/%d", st->priority);
    else if (st->asked)
        snprintf(buf, len, "normal(%.*s)", (int)strcspn(st->reason, ":"), st->reason);
    else if (!st->text[0])
        snprintf(buf, len, "unknown");
    else
        snprintf(buf, len, "normal(%s)", strstr(st->reason, "back to back") ? "back-to-back" : "off");
    return buf;
}

static int rig_run(const rig_config *cfg, double rate_hz, double secs, rig_result *out)
{
    memset(out, 0, sizeof *out);
    rig *r = NULL;
    if (rig_new(cfg, &r) != RIGOR_OK || rig_connect(r) != RIGOR_OK ||
        rig_start(r, rate_hz) != RIGOR_OK) {
        fprintf(stderr, "acq: rig could not start\n");
        rig_free(r);
        return -1;
    }
    bench_vec t = {0};
    static rig_sample buf[4096];
    double t0 = bench_now();
    /* The consumer wakes every BENCH_POLL_MS (default 10 ms, as a console or
     * run-file writer would), not for every sample: the ring holds 16 s. */
    const double poll_s = bench_env("BENCH_POLL_MS", 10) * 1e-3;
    while (bench_now() - t0 < secs) {
        struct timespec ts = {0, (long)(poll_s * 1e9)};
        nanosleep(&ts, NULL);
        size_t n = rig_poll_samples(r, buf, 4096);
        for (size_t i = 0; i < n; i++)
            bench_vec_push(&t, buf[i].t_s);
    }
    rig_stats st;
    rig_stats_get(r, &st);
    rig_free(r);
    if (t.n > 1)
        out->rate_hz = (double)(t.n - 1) / (t.v[t.n - 1] - t.v[0]);
    bench_jitter(t.v, t.n, rate_hz > 0 && rate_hz < 1e5 ? 1.0 / rate_hz : 0, &out->p50_us,
                 &out->p99_us, &out->max_us);
    out->stats_p99_us = st.jitter_p99_us;
    out->requested_hz = st.rate_hz;
    out->failed = (unsigned long)st.failed_cycles;
    out->dropped = (unsigned long)st.dropped;
    out->overruns = (unsigned long)st.overruns;
    out->rt = st.realtime;
    bench_vec_free(&t);
    return 0;
}

/* One measured configuration, repeated over rounds: the medians are printed. */
typedef struct {
    const char *name;
    bool bare;
    const rig_config *cfg;
    double rate_hz;
    bench_vec rate, p50, p99, max, drv99;
    unsigned long failed, dropped, overruns;
    long errors;
    char load0[64];
    char sched[64]; /* the scheduling of the last round */
    sim *sm;        /* the simulator it talks to (its threads' scheduling) */
} meas;

static void meas_run(meas *m, double secs)
{
    if (!m->load0[0])
        bench_loadavg(m->load0, sizeof m->load0);
    if (m->bare) {
        bare_result b;
        if (bare_run(m->cfg, m->rate_hz, secs, &b) != 0)
            return;
        bench_vec_push(&m->rate, b.rate_hz);
        bench_vec_push(&m->p50, b.p50_us);
        bench_vec_push(&m->p99, b.p99_us);
        bench_vec_push(&m->max, b.max_us);
        m->errors += b.errors;
        sched_tag(&b.rt, m->sched, sizeof m->sched);
    } else {
        rig_result x;
        if (rig_run(m->cfg, m->rate_hz, secs, &x) != 0)
            return;
        bench_vec_push(&m->rate, x.rate_hz);
        bench_vec_push(&m->p50, x.p50_us);
        bench_vec_push(&m->p99, x.p99_us);
        bench_vec_push(&m->max, x.max_us);
        bench_vec_push(&m->drv99, x.stats_p99_us);
        m->failed += x.failed;
        m->dropped += x.dropped;
        m->overruns += x.overruns;
        sched_tag(&x.rt, m->sched, sizeof m->sched);
    }
}

static void meas_print(meas *m)
{
    char la1[64];
    size_t n = m->rate.n;
    double mx = n ? bench_pct(m->max.v, n, 100) : NAN;
    double med = bench_pct(m->rate.v, n, 50); /* sorts rate.v: min and max at the ends */
    double lo = n ? m->rate.v[0] : NAN, hi = n ? m->rate.v[n - 1] : NAN;
    sim_truth tr;
    sim_truth_snapshot(m->sm, &tr);
    char simsched[64];
    printf(
        "BENCH %s rate_hz=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f driver_p99_us=%.1f "
        "rounds=%zu rate_min=%.1f rate_max=%.1f errors=%ld failed=%lu dropped=%lu overruns=%lu "
        "sched=%s sim_sched=%s load_before=%s load_after=%s\n",
        m->name, med, bench_pct(m->p50.v, n, 50), bench_pct(m->p99.v, n, 50), mx,
        m->drv99.n ? bench_pct(m->drv99.v, m->drv99.n, 50) : NAN, n, lo, hi, m->errors,
        m->failed, m->dropped, m->overruns, m->sched[0] ? m->sched : "unknown",
        sched_tag(&tr.rt_serving, simsched, sizeof simsched), m->load0,
        bench_loadavg(la1, sizeof la1));
    fflush(stdout);
    bench_vec_free(&m->rate);
    bench_vec_free(&m->p50);
    bench_vec_free(&m->p99);
    bench_vec_free(&m->max);
    bench_vec_free(&m->drv99);
}

/* Run the measurements interleaved in rounds of `slice` seconds until each
 * has had `secs`: a load change hits all of them alike. */
static void interleave(meas *m, int nm, double secs, double slice)
{
    int rounds = (int)ceil(secs / slice - 1e-9);
    if (rounds < 1)
        rounds = 1;
    for (int k = 0; k < rounds; k++)
        for (int i = 0; i < nm; i++)
            meas_run(&m[i], secs / rounds);
    for (int i = 0; i < nm; i++)
        meas_print(&m[i]);
}

/* Whether the word w is in the space-separated list (env var, or def
 * when unset or empty). */
static bool env_has(const char *var, const char *def, const char *w)
{
    const char *e = getenv(var);
    if (!e || !*e)
        e = def;
    size_t n = strlen(w);
    for (const char *p = e; (p = strstr(p, w)) != NULL; p += n)
        if ((p == e || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

static sim *sim_make(long baud, rt_mode realtime)
{
    sim_config sc;
    sim_config_init(&sc);
    sc.baud = baud;
    sc.realtime = realtime;
    sim *s = NULL;
    if (sim_new(&sc, &s) != RIGOR_OK)
        return NULL;
    return s;
}

/* One scheduling to measure (BENCH_REALTIME): the rig file's realtime for
 * Rigor and the bare loop, and a simulator of its own whose threads take
 * the same setting ("auto", "off"), or stay normal while the clients ask
 * ("acq-only": what issue 11 first tried). Several run interleaved round by
 * round, so an A/B of the schedulings sees the same load. */
typedef struct {
    const char *suffix; /* of the BENCH names: "" auto, "_rtoff" off, "_acqonly" */
    sim *s;
    rig_config cfg, fast;
    char n_bare_max[48], n_unthr[48], n_start0[48], n_bare_1k[48], n_rigor_1k[48];
} variant;

static int variant_open(variant *v, const rig_config *base, rt_mode mode, rt_mode sim_mode,
                        double spin_s, bool awake, const char *suffix)
{
    v->suffix = suffix;
    v->s = sim_make(0, sim_mode);
    int port = 0;
    if (!v->s || sim_start_tcp(v->s, "127.0.0.1", 0, &port) != RIGOR_OK) {
        fprintf(stderr, "acq: simulator did not start\n");
        return -1;
    }
    v->cfg = *base;
    v->cfg.port = port;
    v->cfg.realtime = mode;
    v->cfg.spin_s = spin_s;
    v->cfg.keep_awake = awake;
    v->fast = v->cfg;
    v->fast.max_rate_hz = RIG_RATE_MAX;
    snprintf(v->n_bare_max, sizeof v->n_bare_max, "tcp_bare_max%s", v->suffix);
    snprintf(v->n_unthr, sizeof v->n_unthr, "tcp_rigor_unthrottled%s", v->suffix);
    snprintf(v->n_start0, sizeof v->n_start0, "tcp_rigor_start0%s", v->suffix);
    snprintf(v->n_bare_1k, sizeof v->n_bare_1k, "tcp_bare_1k%s", v->suffix);
    snprintf(v->n_rigor_1k, sizeof v->n_rigor_1k, "tcp_rigor_1k%s", v->suffix);
    return 0;
}

static int bench_tcp(void)
{
    double secs = bench_env("BENCH_SECONDS", 10);
    rig_config cfg;
    rigor_diag d = {0};
    if (rigfile_load("rigs/reference-tcp.ini", &cfg, &d) != RIGOR_OK) {
        fprintf(stderr, "acq: %s\n", d.msg);
        return 1;
    }
    variant v[5];
    int nv = 0, rc = 0;
    memset(v, 0, sizeof v);
    /* "spin": auto with the rig file's spin = BENCH_SPIN_US (300 us), the
     * wait for a VM whose idle CPUs wake slowly */
    const double spin_s = bench_env("BENCH_SPIN_US", 300) * 1e-6;
    static const struct {
        const char *word, *suffix;
        rt_mode rig, sim;
        bool spin, awake;
    } kinds[] = {{"auto", "", RT_AUTO, RT_AUTO, false, false},
                 {"off", "_rtoff", RT_OFF, RT_OFF, false, false},
                 {"acq-only", "_acqonly", RT_AUTO, RT_OFF, false, false},
                 {"spin", "_spin", RT_AUTO, RT_AUTO, true, false},
                 {"awake", "_awake", RT_AUTO, RT_AUTO, false, true}};
    for (int k = 0; k < 5 && !rc; k++)
        if (env_has("BENCH_REALTIME", "auto spin awake", kinds[k].word) &&
            variant_open(&v[nv++], &cfg, kinds[k].rig, kinds[k].sim,
                         kinds[k].spin ? spin_s : 0, kinds[k].awake, kinds[k].suffix))
            rc = 1;
    if (!rc && !nv) {
        fprintf(stderr, "acq: BENCH_REALTIME: expected auto, off, acq-only, spin and/or awake\n");
        rc = 1;
    }
    /* maximum rate: bare, Rigor unthrottled, Rigor rig_start(0) */
    if (!rc && env_has("BENCH_TCP", "max 1k", "max")) {
        meas mx[12];
        memset(mx, 0, sizeof mx);
        int nm = 0;
        for (int i = 0; i < nv; i++) {
            variant *x = &v[i];
            if (x->cfg.spin_s > 0 || x->cfg.keep_awake)
                continue; /* ways to wait for a deadline: 1 kHz only */
            mx[nm++] = (meas){.name = x->n_bare_max, .bare = true, .cfg = &x->cfg, .sm = x->s};
            mx[nm++] = (meas){
                .name = x->n_unthr, .cfg = &x->fast, .rate_hz = RIG_RATE_MAX, .sm = x->s};
            mx[nm++] = (meas){.name = x->n_start0, .cfg = &x->fast, .sm = x->s};
        }
        interleave(mx, nm, secs, 2.0);
    }
    if (!rc && env_has("BENCH_TCP", "max 1k", "1k")) {
        meas k1[10];
        memset(k1, 0, sizeof k1);
        for (int i = 0; i < nv; i++) {
            variant *x = &v[i];
            k1[2 * i] = (meas){
                .name = x->n_bare_1k, .bare = true, .cfg = &x->cfg, .rate_hz = 1000, .sm = x->s};
            k1[2 * i + 1] =
                (meas){.name = x->n_rigor_1k, .cfg = &x->cfg, .rate_hz = 1000, .sm = x->s};
        }
        interleave(k1, 2 * nv, secs, 5.0);
    }
    for (int i = 0; i < 5; i++)
        sim_free(v[i].s);
    return rc;
}

/* Wire-limited cycles/s of one Rigor cycle on RTU: per transaction the
 * request and reply characters (11 bits each, 8E1) plus two 3.5-character
 * silences (1.75 ms above 19200 baud), as the simulator paces its pty. */
static double wire_rate(const rig_config *cfg, long baud)
{
    regmap_plan plan;
    if (regmap_make_plan(cfg, &plan) != RIGOR_OK)
        return NAN;
    double tc = 11.0 / (double)baud, t35 = baud > 19200 ? 1.75e-3 : 3.5 * tc;
    double cycle = 0;
    if (cfg->point[ROLE_HEARTBEAT].present) /* FC06: request 8, echo 8 */
        cycle += 16 * tc + 2 * t35;
    for (int i = 0; i < plan.nblocks; i++) /* FC03/04: request 8, reply 5 + 2n */
        cycle += (8 + 5 + 2.0 * plan.block[i].count) * tc + 2 * t35;
    return 1.0 / cycle;
}

static int bench_rtu(long baud)
{
    double secs = bench_env("BENCH_RTU_SECONDS", 5);
    rig_config cfg;
    rigor_diag d = {0};
    if (rigfile_load("rigs/reference-rtu.ini", &cfg, &d) != RIGOR_OK) {
        fprintf(stderr, "acq: %s\n", d.msg);
        return 1;
    }
    /* The RTU rows take the first scheduling of BENCH_REALTIME. */
    rt_mode mode = env_has("BENCH_REALTIME", "auto", "auto") ? RT_AUTO : RT_OFF;
    sim *s = sim_make(baud, mode);
    char path[128];
    if (!s || sim_start_rtu(s, path, sizeof path) != RIGOR_OK) {
        fprintf(stderr, "acq: simulator did not start on a pty\n");
        sim_free(s);
        return 1;
    }
    snprintf(cfg.device, sizeof cfg.device, "%s", path);
    cfg.baud = (int)baud;
    /* NOTE: this kernel's ptys refuse PARENB once configured (tests/test_acq_rtu.c);
     * a pty ignores line settings, and the simulator paces 11-bit characters anyway. */
    cfg.parity = 'N';
    cfg.realtime = mode;
    rig_config fast = cfg;
    fast.max_rate_hz = RIG_RATE_MAX;
    double wire = wire_rate(&cfg, baud);
    printf("BENCH rtu%ld_wire rate_hz=%.1f\n", baud, wire);
    char n0[64], n1[64], n2[64];
    snprintf(n0, sizeof n0, "rtu%ld_bare_max", baud);
    snprintf(n1, sizeof n1, "rtu%ld_rigor_unthrottled", baud);
    snprintf(n2, sizeof n2, "rtu%ld_rigor_start0", baud);
    meas m[3] = {{.name = n0, .bare = true, .cfg = &cfg, .rate_hz = 0, .sm = s},
                 {.name = n1, .cfg = &fast, .rate_hz = RIG_RATE_MAX, .sm = s},
                 {.name = n2, .cfg = &fast, .rate_hz = 0, .sm = s}};
    interleave(m, 3, secs, 2.5);
    sim_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "tcp"))
        return bench_tcp();
    if (argc >= 3 && !strcmp(argv[1], "rtu")) {
        int rc = 0;
        for (int i = 2; i < argc; i++)
            rc |= bench_rtu(strtol(argv[i], NULL, 10));
        return rc;
    }
    fprintf(stderr, "usage: acq tcp | acq rtu BAUD...\n");
    return 2;
}
