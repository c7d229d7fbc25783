/* acq.c — acquisition benchmark: Rigor's driver loop against a bare libmodbus
 * loop (bare_loop.c), both reading the in-process simulator, in one run.
 *
 *   build/bench/acq tcp                 Modbus TCP loopback
 *   build/bench/acq rtu BAUD [BAUD...]  Modbus RTU on the simulator's paced pty
 *
 * Env: BENCH_SECONDS (default 10) per TCP measurement, BENCH_RTU_SECONDS
 * (default 5) per RTU measurement. Output: BENCH lines (bench.h).
 *
 * Rigor is measured three ways: rig_start(0) ("the highest rate the link
 * sustains": a probe of 10 cycles, then a third of the period left free),
 * unthrottled (a rate far above what the link can do, so the loop runs back
 * to back: the loop's own capacity), and at a 1 kHz request. The rig file's
 * max_rate cap is lifted for the first two. Rates and jitter are computed
 * here from the samples' t_s (cycle start), the same way as for the bare loop;
 * the driver's own rig_stats jitter is printed beside them.
 */
#include "../rig/regmap.h"
#include "../rig/rig.h"
#include "../rig/sim.h"
#include "bare_loop.h"
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double rate_hz, p50_us, p99_us, max_us;
    double stats_p99_us, requested_hz;
    unsigned long failed, dropped, overruns;
} rig_result;

static int rig_run(const rig_config *cfg, double rate_hz, double secs, rig_result *out)
{
    memset(out, 0, sizeof *out);
    rig *r = NULL;
    if (rig_new(cfg, &r) != RIG_OK || rig_connect(r) != RIG_OK ||
        rig_start(r, rate_hz) != RIG_OK) {
        fprintf(stderr, "acq: rig could not start\n");
        rig_free(r);
        return -1;
    }
    bench_vec t = {0};
    static rig_sample buf[4096];
    double t0 = bench_now();
    while (bench_now() - t0 < secs) {
        rig_wait_samples(r, 0.01);
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
    bench_vec_free(&t);
    return 0;
}

static void print_bare(const char *name, const bare_result *b, const char *la0)
{
    char la1[64];
    printf("BENCH %s rate_hz=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f cycles=%ld errors=%ld "
           "requests_per_cycle=%d load_before=%s load_after=%s\n",
           name, b->rate_hz, b->p50_us, b->p99_us, b->max_us, b->cycles, b->errors,
           b->transactions, la0, bench_loadavg(la1, sizeof la1));
    fflush(stdout);
}

static void print_rig(const char *name, const rig_result *x, const char *la0)
{
    char la1[64];
    printf(
        "BENCH %s rate_hz=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f driver_p99_us=%.1f "
        "requested_hz=%.0f failed=%lu dropped=%lu overruns=%lu load_before=%s load_after=%s\n",
        name, x->rate_hz, x->p50_us, x->p99_us, x->max_us, x->stats_p99_us, x->requested_hz,
        x->failed, x->dropped, x->overruns, la0, bench_loadavg(la1, sizeof la1));
    fflush(stdout);
}

static sim *sim_make(long baud)
{
    sim_config sc;
    sim_config_init(&sc);
    sc.baud = baud;
    sim *s = NULL;
    if (sim_new(&sc, &s) != RIG_OK)
        return NULL;
    return s;
}

static int bench_tcp(void)
{
    double secs = bench_env("BENCH_SECONDS", 10);
    rig_config cfg;
    rig_diag d = {0};
    if (rigfile_load("rigs/reference-tcp.ini", &cfg, &d) != RIG_OK) {
        fprintf(stderr, "acq: %s\n", d.msg);
        return 1;
    }
    sim *s = sim_make(0);
    int port = 0;
    if (!s || sim_start_tcp(s, "127.0.0.1", 0, &port) != RIG_OK) {
        fprintf(stderr, "acq: simulator did not start\n");
        sim_free(s);
        return 1;
    }
    cfg.port = port;
    rig_config fast = cfg;
    fast.max_rate_hz = 1e6;
    char la[64];
    bare_result b;
    rig_result x;
    /* bare, Rigor unthrottled, Rigor probed, then again bare: drift shows */
    bench_loadavg(la, sizeof la);
    if (bare_run(&cfg, 0, secs, &b) == 0)
        print_bare("tcp_bare_max", &b, la);
    bench_loadavg(la, sizeof la);
    if (rig_run(&fast, 1e6, secs, &x) == 0)
        print_rig("tcp_rigor_unthrottled", &x, la);
    bench_loadavg(la, sizeof la);
    if (rig_run(&fast, 0, secs, &x) == 0)
        print_rig("tcp_rigor_start0", &x, la);
    bench_loadavg(la, sizeof la);
    if (bare_run(&cfg, 0, secs, &b) == 0)
        print_bare("tcp_bare_max2", &b, la);
    bench_loadavg(la, sizeof la);
    if (bare_run(&cfg, 1000, secs, &b) == 0)
        print_bare("tcp_bare_1k", &b, la);
    bench_loadavg(la, sizeof la);
    if (rig_run(&cfg, 1000, secs, &x) == 0)
        print_rig("tcp_rigor_1k", &x, la);
    sim_free(s);
    return 0;
}

/* Wire-limited cycles/s of one Rigor cycle on RTU: per transaction the
 * request and reply characters (11 bits each, 8E1) plus two 3.5-character
 * silences (1.75 ms above 19200 baud), as the simulator paces its pty. */
static double wire_rate(const rig_config *cfg, long baud)
{
    regmap_plan plan;
    if (regmap_make_plan(cfg, &plan) != RIG_OK)
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
    rig_diag d = {0};
    if (rigfile_load("rigs/reference-rtu.ini", &cfg, &d) != RIG_OK) {
        fprintf(stderr, "acq: %s\n", d.msg);
        return 1;
    }
    sim *s = sim_make(baud);
    char path[128];
    if (!s || sim_start_rtu(s, path, sizeof path) != RIG_OK) {
        fprintf(stderr, "acq: simulator did not start on a pty\n");
        sim_free(s);
        return 1;
    }
    snprintf(cfg.device, sizeof cfg.device, "%s", path);
    cfg.baud = (int)baud;
    /* NOTE: this kernel's ptys refuse PARENB once configured (tests/test_acq_rtu.c);
     * a pty ignores line settings, and the simulator paces 11-bit characters anyway. */
    cfg.parity = 'N';
    rig_config fast = cfg;
    fast.max_rate_hz = 1e6;
    double wire = wire_rate(&cfg, baud);
    printf("BENCH rtu%ld_wire rate_hz=%.1f\n", baud, wire);
    char la[64], name[64];
    bare_result b;
    rig_result x;
    bench_loadavg(la, sizeof la);
    snprintf(name, sizeof name, "rtu%ld_bare_max", baud);
    if (bare_run(&cfg, 0, secs, &b) == 0)
        print_bare(name, &b, la);
    bench_loadavg(la, sizeof la);
    snprintf(name, sizeof name, "rtu%ld_rigor_unthrottled", baud);
    if (rig_run(&fast, 1e6, secs, &x) == 0)
        print_rig(name, &x, la);
    bench_loadavg(la, sizeof la);
    snprintf(name, sizeof name, "rtu%ld_rigor_start0", baud);
    if (rig_run(&fast, 0, secs, &x) == 0)
        print_rig(name, &x, la);
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
