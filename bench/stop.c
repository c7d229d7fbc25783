/* stop.c — fracture stop-latency benchmark.
 *
 *   build/bench/stop [N]     N simulated fractures (default BENCH_FRACTURES or 10)
 *
 * Each run is `rigor run bench/fracture.rigor --sim p-lpscl-film --rate 1000`
 * (run_protocol: the in-process simulator over real Modbus TCP, the driver at
 * 1 kHz, the state machine's streaming fracture detector, `on fracture stop`).
 * The latency is measured by the simulator on one clock (CLOCK_MONOTONIC, one
 * process): from the physics step in which the specimen broke to the first
 * stop write (VELOCITY_CMD 0 / quick stop) the drive served after it
 * (sim_truth.fracture_wall_s / stop_cmd_wall_s). The seed changes per run.
 *
 * A second latency starts at the first read of the force the simulator served
 * after the fracture step (sim_truth.first_read_wall_s): "from the sample in
 * which the ground truth shows fracture". The first one adds the wait for
 * that sample, up to one period (uniform over 0-1 ms at 1 kHz).
 *
 * Two rig files, the same seed for both, run in turn so that a change of
 * load hits them alike: rigs/reference-tcp.ini as shipped (BENCH
 * stop_latency) and the same file with `keep_awake = yes` in [safety]
 * (BENCH stop_latency_awake; written to build/bench/stop-awake.ini). On an
 * idle virtual machine a halted vCPU can take milliseconds to wake, which
 * is the one or two slow stops in a hundred; keep_awake is the rig file's
 * answer to that (docs/rigfile.md). BENCH_STOP_AWAKE=0 runs the first only.
 */
#include "../session/session.h"
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIPPED_RIG "rigs/reference-tcp.ini"
#define AWAKE_RIG "build/bench/stop-awake.ini"

/* AWAKE_RIG: SHIPPED_RIG with "keep_awake = yes" after its [safety] line. */
static int write_awake_rig(void)
{
    FILE *in = fopen(SHIPPED_RIG, "r"), *out = fopen(AWAKE_RIG, "w");
    int found = 0;
    char line[1024];
    while (in && out && fgets(line, sizeof line, in)) {
        fputs(line, out);
        if (!strncmp(line, "[safety]", 8)) {
            fputs("keep_awake = yes\n", out);
            found = 1;
        }
    }
    int bad = !in || !out || ferror(in) || !found;
    if (in)
        fclose(in);
    if (out && fclose(out))
        bad = 1;
    if (bad)
        fprintf(stderr, "stop: cannot write %s from %s (no [safety] section?)\n", AWAKE_RIG,
                SHIPPED_RIG);
    return bad;
}

typedef struct {
    const char *name, *rig;
    double *lat, *rlat, *samples, rate_min;
    int got, missed;
} variant;

static void run_one(variant *v, int i)
{
    run_opts o;
    run_opts_init(&o);
    o.protocol_path = "bench/fracture.rigor";
    o.rig_path = v->rig;
    o.sim_preset = "p-lpscl-film";
    o.seed = (uint64_t)(1000 + i);
    char out[160];
    snprintf(out, sizeof out, "build/bench/stop-run-%s-%d.csv", v->name, i);
    remove(out);
    o.out_path = out;
    o.rate_hz = 1000;
    o.timeout_s = 30;
    run_result res;
    char why[512] = "";
    int rc = run_protocol(&o, &res, why, sizeof why);
    remove(out);
    if (rc != RIGOR_OK || !res.sim_fractured || !isfinite(res.sim_stop_latency_s)) {
        fprintf(stderr, "stop: %s run %d: %s (fractured %d)\n", v->name, i,
                rc ? why : res.end_reason, res.sim_fractured);
        v->missed++;
        return;
    }
    v->lat[v->got] = res.sim_stop_latency_s * 1e3;
    v->rlat[v->got] = res.sim_read_stop_latency_s * 1e3;
    v->samples[v->got] = res.stop_latency_samples;
    v->rate_min = fmin(v->rate_min, res.achieved_rate_hz);
    fprintf(stderr,
            "stop: %s run %d: %.3f ms from the fracture step, %.3f ms from its first "
            "read (%g samples after the detector's fracture sample), %.0f Hz\n",
            v->name, i, v->lat[v->got], v->rlat[v->got], v->samples[v->got],
            res.achieved_rate_hz);
    v->got++;
}

static void report(variant *v, const char *la0, const char *suffix)
{
    size_t g = (size_t)v->got;
    double p50 = bench_pct(v->lat, g, 50), p99 = bench_pct(v->lat, g, 99);
    double mx = g ? v->lat[g - 1] : NAN, mn = g ? v->lat[0] : NAN;
    double r50 = bench_pct(v->rlat, g, 50), r99 = bench_pct(v->rlat, g, 99);
    double rmx = g ? v->rlat[g - 1] : NAN;
    char la1[64];
    printf("BENCH stop_latency%s n=%d missed=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
           "min_ms=%.3f read_p50_ms=%.3f read_p99_ms=%.3f read_max_ms=%.3f "
           "samples_max=%g rate_min_hz=%.0f load_before=%s load_after=%s\n",
           suffix, v->got, v->missed, p50, p99, mx, mn, r50, r99, rmx,
           g ? bench_pct(v->samples, g, 100) : NAN, v->rate_min, la0,
           bench_loadavg(la1, sizeof la1));
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : (int)bench_env("BENCH_FRACTURES", 10);
    if (n < 1)
        n = 1;
    const char *aw = getenv("BENCH_STOP_AWAKE"); /* bench_env takes only positive values */
    int nv = aw && !strcmp(aw, "0") ? 1 : 2;
    if (nv == 2 && write_awake_rig())
        return 1;
    variant v[2] = {{.name = "shipped", .rig = SHIPPED_RIG}, {.name = "awake", .rig = AWAKE_RIG}};
    int oom = 0;
    for (int k = 0; k < nv; k++) {
        v[k].lat = calloc((size_t)n, sizeof *v[k].lat);
        v[k].rlat = calloc((size_t)n, sizeof *v[k].rlat);
        v[k].samples = calloc((size_t)n, sizeof *v[k].samples);
        v[k].rate_min = INFINITY;
        oom |= !v[k].lat || !v[k].rlat || !v[k].samples;
    }
    if (oom)
        return 1;
    char la0[64];
    bench_loadavg(la0, sizeof la0);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < nv; k++)
            run_one(&v[(i + k) % nv], i); /* alternate which variant goes first */
    int missed = 0;
    for (int k = 0; k < nv; k++) {
        report(&v[k], la0, k ? "_awake" : "");
        missed += v[k].missed;
        free(v[k].lat);
        free(v[k].rlat);
        free(v[k].samples);
    }
    return missed ? 1 : 0;
}
