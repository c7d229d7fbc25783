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
 */
#include "../protocols/runner.h"
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : (int)bench_env("BENCH_FRACTURES", 10);
    if (n < 1)
        n = 1;
    double *lat = calloc((size_t)n, sizeof *lat);
    double *samples = calloc((size_t)n, sizeof *samples);
    double *rlat = calloc((size_t)n, sizeof *rlat);
    if (!lat || !samples || !rlat)
        return 1;
    char la0[64], la1[64];
    bench_loadavg(la0, sizeof la0);
    int got = 0, missed = 0;
    double rate_min = INFINITY;
    for (int i = 0; i < n; i++) {
        run_opts o;
        run_opts_init(&o);
        o.protocol_path = "bench/fracture.rigor";
        o.sim_preset = "p-lpscl-film";
        o.seed = (uint64_t)(1000 + i);
        char out[128];
        snprintf(out, sizeof out, "build/bench/stop-run-%d.csv", i);
        remove(out);
        o.out_path = out;
        o.rate_hz = 1000;
        o.timeout_s = 30;
        run_result res;
        char why[512] = "";
        int rc = run_protocol(&o, &res, why, sizeof why);
        remove(out);
        if (rc != RIG_OK || !res.sim_fractured || !isfinite(res.sim_stop_latency_s)) {
            fprintf(stderr, "stop: run %d: %s (fractured %d)\n", i, rc ? why : res.end_reason,
                    res.sim_fractured);
            missed++;
            continue;
        }
        lat[got] = res.sim_stop_latency_s * 1e3;
        rlat[got] = res.sim_read_stop_latency_s * 1e3;
        samples[got] = res.stop_latency_samples;
        rate_min = fmin(rate_min, res.achieved_rate_hz);
        fprintf(stderr,
                "stop: run %d: %.3f ms from the fracture step, %.3f ms from its first "
                "read (%g samples after the detector's fracture sample), %.0f Hz\n",
                i, lat[got], rlat[got], samples[got], res.achieved_rate_hz);
        got++;
    }
    double p50 = bench_pct(lat, (size_t)got, 50), p99 = bench_pct(lat, (size_t)got, 99);
    double mx = got ? lat[got - 1] : NAN, mn = got ? lat[0] : NAN;
    double r50 = bench_pct(rlat, (size_t)got, 50), r99 = bench_pct(rlat, (size_t)got, 99);
    double rmx = got ? rlat[got - 1] : NAN;
    printf("BENCH stop_latency n=%d missed=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f min_ms=%.3f "
           "read_p50_ms=%.3f read_p99_ms=%.3f read_max_ms=%.3f "
           "samples_max=%g rate_min_hz=%.0f load_before=%s load_after=%s\n",
           got, missed, p50, p99, mx, mn, r50, r99, rmx,
           got ? bench_pct(samples, (size_t)got, 100) : NAN,
           rate_min, la0, bench_loadavg(la1, sizeof la1));
    free(lat);
    free(samples);
    free(rlat);
    return missed ? 1 : 0;
}
