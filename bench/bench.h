/* bench.h — small helpers shared by the benchmark programs under bench/.
 *
 * Benchmarks are not tests: they print numbers and never fail on a speed
 * target. Every program prints one machine-readable line per measurement,
 *   BENCH <name> <key>=<value> ...
 * which bench/run.sh collects into the table of `make bench`.
 */
#ifndef RIGOR_BENCH_H
#define RIGOR_BENCH_H

#include <stddef.h>

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* Environment variable as a double, or def when unset/invalid. */
double bench_env(const char *name, double def);

/* The p-th percentile (0..100) of v[0..n) (sorts v in place); NAN if n == 0. */
double bench_pct(double *v, size_t n, double p);

/* Period jitter of cycle start times t[0..n): |t[i+1]-t[i] - period| in
 * microseconds, with period = nominal_s, or the mean period when nominal_s
 * <= 0. Writes p50/p99/max. */
void bench_jitter(const double *t, size_t n, double nominal_s, double *p50, double *p99,
                  double *max);

/* "/proc/loadavg" first three fields, e.g. "3.12 2.80 2.01". */
const char *bench_loadavg(char *buf, size_t len);

/* Growable array of doubles. */
typedef struct {
    double *v;
    size_t n, cap;
} bench_vec;
int bench_vec_push(bench_vec *a, double x);
void bench_vec_free(bench_vec *a);

#endif
