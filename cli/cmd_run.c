/* cmd_run.c — `rigor run`: run a protocol headless on a rig or the simulator.
 *
 * Progress goes to stderr (one line per step and event), the results table
 * (the same analysis as `rigor analyze` on the run file) to stdout.
 * Exit status (exit_status, the usage says the same): 0 test ran and ended
 * as the protocol intended; 1 stopped by a limit or the timeout; 2 invalid
 * input, or the rig file's realtime = required refused by the host (nothing
 * moved); 3 fault (link lost, e-stop, watchdog, a refused command);
 * 128 + signal for SIGINT / SIGTERM (the test stopped, data kept).
 */
#include "commands.h"
#include "output.h"
#include "storeio.h"

#include "../analysis/analysis.h"
#include "../analysis/import/csvin.h"
#include "../common/error.h"
#include "../protocols/protocol.h"
#include "../session/session.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    stop_requested = sig; /* the session ends the test with MEND_SIGNAL */
}

/* Exit status of a test that ran, from why it ended (the usage's table). */
static int exit_status(const run_result *r)
{
    switch (r->end) {
    case MEND_COMPLETE:
    case MEND_FRACTURE:
    case MEND_STOP_REACTION: return 0;
    case MEND_LIMIT:
    case MEND_TIMEOUT:
    case MEND_OPERATOR_STOP: return 1;
    case MEND_SIGNAL: return strstr(r->end_reason, "SIGTERM") ? 128 + SIGTERM : 128 + SIGINT;
    case MEND_REFUSED:
    case MEND_RIG_FAULT: return 3;
    case MEND_NO_STEPS: return 2;
    case MEND_NONE:
    case MEND_NKINDS: break;
    }
    return 3; /* ended without a reason: unexpected, never success */
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rigor run PROTOCOL [--rig RIGFILE | --sim PRESET] [options]\n"
            "\n"
            "Run a test protocol headless. Progress on stderr, results on stdout.\n"
            "\n"
            "  --rig FILE          rig file (default rigs/reference-tcp.ini)\n"
            "  --sim PRESET        start the simulated frame in-process (e-lpscl-film,\n"
            "                      p-lpscl-film, peva-scaffold, lpscl-pellet,\n"
            "                      e-lpscl-film-compression, e-lpscl-film-visco,\n"
            "                      low-carbon-steel) and run on it over Modbus TCP\n"
            "  --sim-faults LIST   fault injection for the simulator (see docs/sim.md)\n"
            "  --param KEY=VALUE   a simulator model or machine parameter (as rigor sim),\n"
            "                      e.g. --param capacity=1kN gap=0.02mm; repeatable\n"
            "  --sim-log FILE      the simulator's ground-truth CSV\n"
            "  --seed N            simulator seed (default 1)\n"
            "  -o, --output FILE   run file (default runs/<specimen>-<UTC time>.csv)\n"
            "  --specimen-id ID    specimen id for the run file\n"
            "  --note TEXT         operator note for the run file\n"
            "  --width MM --thickness MM --gauge-length MM --diameter MM --height MM\n"
            "                      override the protocol's geometry\n"
            "  --rate HZ           acquisition rate (default: the link's best, <= 1000)\n"
            "  --timeout S         stop the test after S seconds (default 3600)\n"
            "  --dry-run           check the protocol and print the plan; nothing moves\n"
            "  --json              results as JSON\n"
            "  --store             store the run and its analysis after the run file is\n"
            "                      complete (default when $RIGOR_DB is set; docs/store.md)\n"
            "  --db TARGET         the store to use (implies --store)\n"
            "  --series S          test the next specimen of series S in the store (its id\n"
            "                      and measured geometry; implies --store)\n"
            "\n"
            "Exit status: 0 done as planned (protocol complete, fracture, a stop\n"
            "reaction), 1 stopped by a limit or the timeout, 2 invalid input or\n"
            "realtime = required refused (nothing moved), 3 fault (rig fault, lost\n"
            "link, a command the rig refused), 4 the test is done and its run file\n"
            "complete but storing it failed (1 and 3 take precedence),\n"
            "130 / 143 stopped by SIGINT / SIGTERM.\n");
}

static bool num(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v <= 0) {
        fprintf(stderr, "rigor run: %s: expected a positive number, got '%s'\n", opt, s);
        return false;
    }
    *out = v;
    return true;
}

int cmd_run(int argc, char **argv)
{
    enum {
        O_RIG = 256, O_SIM, O_FAULTS, O_SIMLOG, O_SEED, O_SPEC, O_NOTE, O_W, O_T, O_G, O_D, O_H,
        O_RATE, O_TIMEOUT, O_DRY, O_JSON, O_HELP, O_STORE, O_DB, O_SERIES, O_PARAM
    };
    static const struct option longopts[] = {
        {"rig", required_argument, 0, O_RIG},
        {"sim", required_argument, 0, O_SIM},
        {"sim-faults", required_argument, 0, O_FAULTS},
        {"param", required_argument, 0, O_PARAM},
        {"sim-log", required_argument, 0, O_SIMLOG},
        {"seed", required_argument, 0, O_SEED},
        {"output", required_argument, 0, 'o'},
        {"specimen-id", required_argument, 0, O_SPEC},
        {"note", required_argument, 0, O_NOTE},
        {"width", required_argument, 0, O_W},
        {"thickness", required_argument, 0, O_T},
        {"gauge-length", required_argument, 0, O_G},
        {"diameter", required_argument, 0, O_D},
        {"height", required_argument, 0, O_H},
        {"rate", required_argument, 0, O_RATE},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"dry-run", no_argument, 0, O_DRY},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, O_HELP},
        {"store", no_argument, 0, O_STORE},
        {"db", required_argument, 0, O_DB},
        {"series", required_argument, 0, O_SERIES},
        {0, 0, 0, 0},
    };
    const char *rdb = getenv("RIGOR_DB");
    storeio_run_opts so = {.enabled = rdb && rdb[0]};
    run_opts o;
    run_opts_init(&o);
    o.progress = stderr;
    o.stop_flag = &stop_requested;
    bool dry = false, json = false;
    static const char *params[64];
    size_t np = 0;
    o.sim_params = params;
    double v;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_RIG: o.rig_path = optarg; break;
        case O_SIM: o.sim_preset = optarg; break;
        case O_FAULTS: o.sim_faults = optarg; break;
        case O_PARAM:
            params[np++] = optarg;
            /* "--param a=1 b=2": further key=value words belong to it too */
            while (np < 64 && optind < argc && strchr(argv[optind], '=') &&
                   argv[optind][0] != '-')
                params[np++] = argv[optind++];
            if (np >= 64) {
                fprintf(stderr, "rigor run: too many --param values (at most 63)\n");
                return 2;
            }
            o.n_sim_params = np;
            break;
        case O_SIMLOG: o.sim_log = optarg; break;
        case O_SEED:
            if (!num("--seed", optarg, &v))
                return 2;
            o.seed = (uint64_t)v;
            break;
        case 'o': o.out_path = optarg; break;
        case O_SPEC: o.specimen_id = optarg; break;
        case O_NOTE: o.note = optarg; break;
        case O_W:
            if (!num("--width", optarg, &v))
                return 2;
            o.geom.width_m = v * 1e-3;
            break;
        case O_T:
            if (!num("--thickness", optarg, &v))
                return 2;
            o.geom.thickness_m = v * 1e-3;
            break;
        case O_G:
            if (!num("--gauge-length", optarg, &v))
                return 2;
            o.geom.gauge_m = v * 1e-3;
            break;
        case O_D:
            if (!num("--diameter", optarg, &v))
                return 2;
            o.geom.diameter_m = v * 1e-3;
            break;
        case O_H:
            if (!num("--height", optarg, &v))
                return 2;
            o.geom.height_m = v * 1e-3;
            break;
        case O_RATE:
            if (!num("--rate", optarg, &v))
                return 2;
            o.rate_hz = v;
            break;
        case O_TIMEOUT:
            if (!num("--timeout", optarg, &v))
                return 2;
            o.timeout_s = v;
            break;
        case O_DRY: dry = true; break;
        case O_JSON: json = true; break;
        case O_STORE: so.enabled = true; break;
        case O_DB:
            so.enabled = true;
            so.db = optarg;
            break;
        case O_SERIES:
            so.enabled = true;
            so.series = optarg;
            break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "rigor run: expected one protocol file\n");
        usage(stderr);
        return 2;
    }
    o.protocol_path = argv[optind];
    if (so.series && o.specimen_id) {
        fprintf(stderr, "rigor run: --series and --specimen-id exclude each other (the series "
                        "names the specimen)\n");
        return 2;
    }
    if (so.series) {
        int sst = storeio_series_next(&so, &o.specimen_id, &o.geom);
        if (sst)
            return sst;
    }
    if (o.rig_path && o.sim_preset) {
        fprintf(stderr, "rigor run: --rig and --sim exclude each other (--sim uses the "
                        "reference map)\n");
        return 2;
    }

    if (dry) {
        protocol *p = NULL;
        rigor_diag diags[32];
        size_t nd = 0;
        int rc = proto_parse_file_geom(o.protocol_path, NULL, &o.geom, &p, diags, 32, &nd);
        char buf[1200];
        for (size_t i = 0; i < nd; i++)
            fprintf(stderr, "%s\n", rigor_diag_format(&diags[i], buf, sizeof buf));
        if (rc != RIGOR_OK)
            return 2;
        proto_print_plan(p, stdout);
        proto_free(p);
        return 0;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    run_result res;
    char why[1024] = "";
    int rc = run_protocol(&o, &res, why, sizeof why);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor run: %s\n", why[0] ? why : rigor_strerror(rc));
        if (res.run_path[0])
            fprintf(stderr, "rigor run: the data recorded so far is in %s\n", res.run_path);
        /* RIGOR_EPERM: the rig file requires real-time scheduling the host
         * refuses; as with invalid input, nothing moved and the fix is set-up */
        bool input = rc == RIGOR_EPARSE || rc == RIGOR_EINVAL || rc == RIGOR_EEXIST || rc == RIGOR_EPERM;
        return input ? 2 : 3;
    }
    fprintf(stderr, "rigor run: %s after %.1f s, %llu samples at %.0f Hz; run file %s\n",
            res.end_reason, res.duration_s, (unsigned long long)res.samples,
            res.achieved_rate_hz, res.run_path);
    if (res.have_session_stats) {
        const rig_stats *ls = &res.session_stats;
        fprintf(stderr,
                "rigor run: link (whole session): %llu requests, %llu timeouts, %llu bad "
                "replies, %llu CRC errors, %llu exceptions, %llu retries, %llu reconnects\n",
                (unsigned long long)ls->transactions, (unsigned long long)ls->errors_timeout,
                (unsigned long long)ls->errors_baddata, (unsigned long long)ls->errors_crc,
                (unsigned long long)ls->errors_exception, (unsigned long long)ls->retries,
                (unsigned long long)ls->reconnects);
        char awake[sizeof ls->keep_awake + 32] = "";
        if (ls->keep_awake[0])
            snprintf(awake, sizeof awake, "; keep_awake %s", ls->keep_awake);
        if (res.sim)
            fprintf(stderr,
                    "rigor run: scheduling: acquisition thread %s; simulator physics %s, "
                    "serving %s%s\n",
                    ls->realtime.text, res.sim_rt_physics.text, res.sim_rt_serving.text, awake);
        else
            fprintf(stderr, "rigor run: scheduling: acquisition thread %s%s\n",
                    ls->realtime.text, awake);
    }
    if (res.strain_first != MSTRAIN_UNDECIDED) {
        fprintf(stderr, "rigor run: strain from the %s", machine_strain_source_name(res.strain_first));
        if (isfinite(res.strain_switch_t_s))
            fprintf(stderr, ", then the %s from t=%.3f s", machine_strain_source_name(res.strain_last),
                    res.strain_switch_t_s);
        fprintf(stderr, "\n");
    }
    /* Rate compliance per step (ISO 6892-1 method A1 allows +-20 % of the
     * set rate): the achieved rate's median and 5-95 % range. */
    for (int k = 0; k < res.nrates; k++) {
        const run_step_rate *rr = &res.rates[k];
        double scale = rr->force ? 1 : 60e3; /* N/s, or m/s shown in mm/min */
        const char *unit = rr->force ? "N/s" : rr->on_ext ? "mm/min of extension" : "mm/min";
        bool ok = fabs(rr->median / rr->requested - 1) <= 0.20 &&
                  rr->p5 >= 0.8 * rr->requested && rr->p95 <= 1.2 * rr->requested;
        fprintf(stderr,
                "rigor run: rate step %d %s: requested %.4g %s, achieved %.4g %s (5-95 %%: "
                "%.4g-%.4g, %d windows): %s\n",
                rr->step, proto_step_name(rr->kind), rr->requested * scale, unit,
                rr->median * scale, unit, rr->p5 * scale, rr->p95 * scale, rr->n,
                ok ? "within +-20 %" : "NOT within +-20 % (ISO 6892-1 A1)");
    }
    if (res.sim && res.sim_fractured)
        fprintf(stderr,
                "rigor run: simulator: fracture at t=%.3f s; crosshead travel after it "
                "%.2f um; stop %.0f samples after the detector's fracture sample\n",
                res.sim_fracture_t_s, res.sim_travel_after_fracture_m * 1e6,
                res.stop_latency_samples);

    /* The results: the same analysis as `rigor analyze RUNFILE`. */
    curve_list cl = {0};
    csvin_opts io;
    csvin_opts_default(&io);
    rigor_diag d;
    memset(&d, 0, sizeof d);
    int status = exit_status(&res);
    if (csvin_read_file(res.run_path, &io, &cl, &d) != RIGOR_OK || cl.n != 1) {
        char buf[1200];
        fprintf(stderr, "rigor run: cannot read back %s: %s\n", res.run_path,
                rigor_diag_format(&d, buf, sizeof buf));
        curve_list_free(&cl);
        return status ? status : 2;
    }
    analysis_opts ao;
    analysis_opts_default(&ao);
    analysed a;
    analysed_from_curve(&a, cl.v[0]);
    char awhy[512] = "";
    int arc = analysis_run(cl.v[0], &ao, &a.rs, awhy, sizeof awhy);
    if (arc != RIGOR_OK) {
        fprintf(stderr, "rigor run: %s: %s\n", res.run_path, awhy);
    } else if (json) {
        output_json(stdout, &a, 1);
    } else {
        output_table(stdout, &a, 1);
    }
    /* The run file is complete: only now the store (docs/store.md). */
    so.protocol_path = o.protocol_path;
    so.rig_path = o.rig_path;
    so.sim_preset = o.sim_preset;
    int sst = storeio_run(&so, res.run_path, cl.v[0], arc == RIGOR_OK ? &a : NULL);
    if (sst && !status)
        status = sst;
    analysed_clear(&a);
    curve_list_free(&cl);
    return status;
}
