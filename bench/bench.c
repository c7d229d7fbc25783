/* bench.c — helpers of bench.h. */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_env(const char *name, double def)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return def;
    char *end;
    double v = strtod(s, &end);
    return (*end || !isfinite(v) || v <= 0) ? def : v;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_pct(double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_d);
    double k = p / 100.0 * (double)(n - 1);
    size_t i = (size_t)k;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (k - (double)i) * (v[i + 1] - v[i]);
}

void bench_jitter(const double *t, size_t n, double nominal_s, double *p50, double *p99,
                  double *max)
{
    *p50 = *p99 = *max = NAN;
    if (n < 3)
        return;
    double period = nominal_s > 0 ? nominal_s : (t[n - 1] - t[0]) / (double)(n - 1);
    double *d = malloc((n - 1) * sizeof *d);
    if (!d)
        return;
    for (size_t i = 0; i + 1 < n; i++)
        d[i] = fabs(t[i + 1] - t[i] - period) * 1e6;
    *p50 = bench_pct(d, n - 1, 50);
    *p99 = bench_pct(d, n - 1, 99);
    *max = d[n - 2];
    free(d);
}

const char *bench_loadavg(char *buf, size_t len)
{
    snprintf(buf, len, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return buf;
    double a, b, c;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, len, "%.2f/%.2f/%.2f", a, b, c);
    fclose(f);
    return buf;
}

int bench_vec_push(bench_vec *a, double x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4096;
        double *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return -1;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

void bench_vec_free(bench_vec *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}
