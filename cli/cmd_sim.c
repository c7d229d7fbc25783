/* cmd_sim.c — `rigor sim`: run the simulated load frame as a Modbus server.
 *
 * Parses the options into a sim_config, starts the TCP gateway and/or the
 * RTU pty, prints one line per transport that scripts can read
 * ("rigor-sim: listening tcp 127.0.0.1:PORT", "rigor-sim: rtu /dev/pts/N"),
 * then waits for SIGINT/SIGTERM or --duration. The signals are blocked
 * before any thread starts and taken with sigtimedwait(), so no handler runs
 * inside the simulator's threads. Events go to stderr (among them what
 * scheduling the physics and serving threads got: `realtime physics
 * SCHED_FIFO 30`); --log FILE writes the ground-truth CSV (docs/sim.md).
 */
#include "commands.h"

#include "../common/units.h"
#include "../rig/sim/sim.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rigor sim [--tcp [HOST:]PORT] [--rtu] [--baud N]\n"
        "                 [--specimen NAME | --preset NAME] [--param KEY=VALUE ...]\n"
        "                 [--width MM --thickness MM --gauge-length MM | --diameter MM "
        "--height MM]\n"
        "                 [--seed N] [--faults LIST] [--log FILE] [--duration S]\n"
        "                 [--no-realtime]\n"
        "\n"
        "Run the simulated load frame (docs/sim.md, register map docs/reference-frame.md).\n"
        "  --tcp [HOST:]PORT  Modbus TCP gateway, units 1-3 (default 127.0.0.1:1502;\n"
        "                     port 0 picks a free port, printed on stdout)\n"
        "  --rtu              Modbus RTU on a new pseudo-terminal (path printed on stdout)\n"
        "  --baud N           RTU line rate for reply pacing, 8E1 (default 115200; 0 = none)\n"
        "  --specimen NAME    preset: e-lpscl-film p-lpscl-film peva-scaffold lpscl-pellet\n"
        "                     e-lpscl-film-compression low-carbon-steel; or model:\n"
        "                     elastic-plastic brittle brittle-compression cellular luders none\n"
        "  --param KEY=VALUE  override a model or machine parameter, e.g. E=2GPa eps_f=8%%\n"
        "  --width ... --height  geometry in mm (or with a unit: 40um)\n"
        "  --seed N           noise and fault seed (default 1)\n"
        "  --faults LIST      e.g. drop=0.01,corrupt=0.005,delay=0.02:50ms,exception=0.001,\n"
        "                     disconnect-after=20s,freeze-tick-after=10s,estop-after=30s,\n"
        "                     nan-force-after=S,freeze-force-after=S,stall-after=S,\n"
        "                     refuse-velocity-after=S,refuse-control-after=S\n"
        "  --idle-timeout S   disconnect a TCP client silent this long (default 30 s; 0 = never)\n"
        "  --log FILE         ground-truth CSV ('-' = stdout)\n"
        "  --duration S       stop after S seconds (default: until SIGINT/SIGTERM)\n"
        "  --no-realtime      keep the physics and serving threads on the normal scheduler\n"
        "                     (default: they ask for SCHED_FIFO and report what they got)\n");
}

/* A length in mm, or with an explicit unit ("40um"). */
static int parse_mm(const char *opt, const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !(v > 0)) {
        fprintf(stderr, "rigor sim: %s: '%s' is not a positive length\n", opt, text);
        return -1;
    }
    if (!*end) {
        *out = v * 1e-3;
        return 0;
    }
    unit_info u;
    if (!units_parse(end, &u) || u.dim != DIM_LENGTH) {
        fprintf(stderr, "rigor sim: %s: '%s' is not a length unit\n", opt, end);
        return -1;
    }
    *out = v * u.scale;
    return 0;
}

static int parse_addr(const char *text, char *host, size_t hlen, int *port)
{
    const char *colon = strrchr(text, ':');
    const char *ps = colon ? colon + 1 : text;
    if (colon) {
        size_t n = (size_t)(colon - text);
        if (n == 0 || n >= hlen)
            return -1;
        memcpy(host, text, n);
        host[n] = 0;
        if (!strcmp(host, "localhost"))
            snprintf(host, hlen, "127.0.0.1");
    }
    char *end;
    long p = strtol(ps, &end, 10);
    if (end == ps || *end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

int cmd_sim(int argc, char **argv)
{
    sim_config cfg;
    sim_config_init(&cfg);
    cfg.events = stderr;
    const char **params = calloc((size_t)argc, sizeof *params);
    if (!params)
        return 2;
    size_t np = 0;
    bool want_tcp = false, want_rtu = false;
    char host[64] = "127.0.0.1";
    int port = 1502;
    double duration = -1;
    const char *log = NULL;
    int rc = 2;
    sim *s = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool has_v = v && strncmp(v, "--", 2) != 0;
#define NEED_VALUE                                                                             \
    do {                                                                                       \
        if (!has_v) {                                                                          \
            fprintf(stderr, "rigor sim: %s needs a value\n", a);                               \
            goto out;                                                                          \
        }                                                                                      \
        i++;                                                                                   \
    } while (0)
        /* argv[i] for i < argc is never NULL (the analyzer assumes it may be) */
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { // NOLINT(clang-analyzer-core.NonNullParamChecker)
            usage(stdout);
            rc = 0;
            goto out;
        } else if (!strcmp(a, "--tcp")) {
            want_tcp = true;
            if (has_v) {
                i++;
                if (parse_addr(v, host, sizeof host, &port)) {
                    fprintf(stderr, "rigor sim: --tcp: '%s' is not [HOST:]PORT\n", v);
                    goto out;
                }
            }
        } else if (!strcmp(a, "--rtu")) {
            want_rtu = true;
        } else if (!strcmp(a, "--no-realtime")) {
            cfg.realtime = RT_OFF;
        } else if (!strcmp(a, "--baud")) {
            NEED_VALUE;
            char *end;
            cfg.baud = strtol(v, &end, 10);
            if (*end || cfg.baud < 0) {
                fprintf(stderr, "rigor sim: --baud: '%s' is not a baud rate\n", v);
                goto out;
            }
        } else if (!strcmp(a, "--specimen") || !strcmp(a, "--preset")) {
            NEED_VALUE;
            cfg.specimen = v;
        } else if (!strcmp(a, "--param")) {
            NEED_VALUE;
            params[np++] = v;
            /* "--param a=1 b=2": further key=value words belong to it too */
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) && strchr(argv[i + 1], '='))
                params[np++] = argv[++i];
        } else if (!strcmp(a, "--width")) {
            NEED_VALUE;
            if (parse_mm(a, v, &cfg.width_m))
                goto out;
        } else if (!strcmp(a, "--thickness")) {
            NEED_VALUE;
            if (parse_mm(a, v, &cfg.thickness_m))
                goto out;
        } else if (!strcmp(a, "--gauge-length")) {
            NEED_VALUE;
            if (parse_mm(a, v, &cfg.gauge_length_m))
                goto out;
        } else if (!strcmp(a, "--diameter")) {
            NEED_VALUE;
            if (parse_mm(a, v, &cfg.diameter_m))
                goto out;
        } else if (!strcmp(a, "--height")) {
            NEED_VALUE;
            if (parse_mm(a, v, &cfg.height_m))
                goto out;
        } else if (!strcmp(a, "--seed")) {
            NEED_VALUE;
            char *end;
            cfg.seed = strtoull(v, &end, 10);
            if (*end) {
                fprintf(stderr, "rigor sim: --seed: '%s' is not a number\n", v);
                goto out;
            }
        } else if (!strcmp(a, "--faults")) {
            NEED_VALUE;
            cfg.faults = v;
        } else if (!strcmp(a, "--idle-timeout")) {
            NEED_VALUE;
            char *end;
            double t = strtod(v, &end);
            if (end == v || *end || !(t >= 0) || !isfinite(t)) {
                fprintf(stderr, "rigor sim: --idle-timeout: '%s' is not a time in s\n", v);
                goto out;
            }
            cfg.idle_timeout_s = t > 0 ? t : -1;
        } else if (!strcmp(a, "--log")) {
            if (!v) {
                fprintf(stderr, "rigor sim: --log needs a file\n");
                goto out;
            }
            i++;
            log = v;
        } else if (!strcmp(a, "--duration")) {
            NEED_VALUE;
            char *end;
            duration = strtod(v, &end);
            if (*end || !(duration >= 0)) {
                fprintf(stderr, "rigor sim: --duration: '%s' is not a time in s\n", v);
                goto out;
            }
        } else {
            fprintf(stderr, "rigor sim: unknown option '%s'\n", a);
            usage(stderr);
            goto out;
        }
#undef NEED_VALUE
    }
    if (!want_tcp && !want_rtu)
        want_tcp = true;
    cfg.params = params;
    cfg.n_params = np;
    if (log && !strcmp(log, "-"))
        cfg.log_file = stdout;
    else
        cfg.log_path = log;

    rigor_diag d = {0};
    int e = sim_new_diag(&cfg, &s, &d);
    if (e) {
        char msg[1100];
        fprintf(stderr, "rigor sim: %s\n",
                d.msg[0] ? rigor_diag_format(&d, msg, sizeof msg) : rigor_strerror(e));
        goto out;
    }

    /* Block the stop signals before any thread exists; all threads inherit it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    sim_geometry g;
    sim_get_geometry(s, &g);
    if (g.compression)
        fprintf(stderr,
                "rigor-sim: specimen %s (%s, compression) diameter %.3f mm height %.4f mm "
                "gap %.3f mm\n",
                cfg.specimen, sim_model_name(s), g.diameter_m * 1e3, g.length_m * 1e3,
                g.gap_m * 1e3);
    else
        fprintf(stderr,
                "rigor-sim: specimen %s (%s, tensile) width %.3f mm thickness %.4f mm "
                "gauge %.3f mm\n",
                cfg.specimen, sim_model_name(s), g.width_m * 1e3, g.thickness_m * 1e3,
                g.length_m * 1e3);
    if (want_tcp) {
        /* NOTE: Modbus has no authentication: anyone who reaches the port
         * can move the crosshead. Loopback keeps it on this machine. */
        if (strncmp(host, "127.", 4) && strcmp(host, "::1"))
            fprintf(stderr,
                    "rigor sim: warning: listening on %s, not loopback: Modbus has no "
                    "authentication, anyone who reaches this address can command the frame\n",
                    host);
        int bound = 0;
        e = sim_start_tcp(s, host, port, &bound);
        if (e) {
            fprintf(stderr, "rigor sim: cannot listen on %s:%d: %s\n", host, port,
                    strerror(errno));
            rc = 3;
            goto out;
        }
        printf("rigor-sim: listening tcp %s:%d\n", host, bound);
        fflush(stdout);
    }
    if (want_rtu) {
        char path[256];
        e = sim_start_rtu(s, path, sizeof path);
        if (e) {
            fprintf(stderr, "rigor sim: cannot create a pty: %s\n", strerror(errno));
            rc = 3;
            goto out;
        }
        printf("rigor-sim: rtu %s\n", path);
        fflush(stdout);
    }

    struct timespec t_end;
    clock_gettime(CLOCK_MONOTONIC, &t_end);
    t_end.tv_sec += (time_t)duration;
    t_end.tv_nsec += (long)((duration - (double)(time_t)duration) * 1e9);
    for (;;) {
        struct timespec wait = {0, 200000000};
        int sig = sigtimedwait(&set, NULL, &wait);
        if (sig == SIGINT || sig == SIGTERM)
            break;
        if (duration >= 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double left = (double)(t_end.tv_sec - now.tv_sec) +
                          (double)(t_end.tv_nsec - now.tv_nsec) * 1e-9;
            if (left <= 0)
                break;
        }
    }
    sim_stop(s);
    sim_truth tr;
    sim_truth_snapshot(s, &tr);
    fprintf(stderr,
            "rigor-sim: stopped at t=%.3f s; crosshead %.6f mm, peak force %.6g N, %s, "
            "%lu requests, %lu faults injected\n",
            tr.t_s, tr.crosshead_m * 1e3, tr.peak_force_N,
            tr.fractured ? "fractured" : "not fractured", tr.requests, tr.faults_injected);
    rc = 0;
out:
    sim_free(s);
    free(params);
    return rc;
}
