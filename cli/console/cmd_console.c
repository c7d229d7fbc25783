/* cmd_console.c — `rigor console`: options, then the console (cli/console_*.c). */
#include "../commands.h"
#include "console.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: rigor console [--rig RIGFILE | --sim PRESET] [options]\n"
               "\n"
               "The operator's screen: jog (bounded by force), zero, tare, run tests live with\n"
               "readouts and a stress-strain plot, results and the batch table. Keys are\n"
               "shown on screen; space or Esc stops the crosshead on every screen.\n"
               "\n"
               "  --rig FILE          rig file (default rigs/reference-tcp.ini)\n"
               "  --sim PRESET        the simulated frame in-process (see rigor sim)\n"
               "  --sim-faults LIST   fault injection for the simulator (docs/sim.md),\n"
               "                      e.g. disconnect-after=3s\n"
               "  --seed N            simulator seed (default 1; specimen k uses N + k)\n"
               "  --rate HZ           acquisition rate (default: the link's best, <= 1000)\n"
               "  --protocols DIR     where the picker lists *.rigor (default protocols/shipped)\n"
               "  --db TARGET         store each finished test there (docs/store.md), as\n"
               "                      rigor run --db does; the batch table starts with today's\n"
               "                      specimens from the store\n"
               "  --store             the same with $RIGOR_DB or the default store (a set\n"
               "                      $RIGOR_DB turns the store on by itself)\n"
               "  --series S          walk series S (rigor db series load): each test takes the\n"
               "                      next untested specimen's id and measured geometry\n"
               "\n"
               "Exit status: 0 quit, 2 invalid options or terminal, or --series with no\n"
               "specimen left, 3 rig unreachable, 4 the store cannot be opened,\n"
               "128+N ended by signal N (the test stopped, its run file closed).\n");
}

int cmd_console(int argc, char **argv)
{
    enum { O_RIG = 256, O_SIM, O_FAULTS, O_SEED, O_RATE, O_PROTO, O_HELP, O_DB, O_STORE, O_SERIES };
    static const struct option longopts[] = {
        {"rig", required_argument, 0, O_RIG},
        {"sim", required_argument, 0, O_SIM},
        {"sim-faults", required_argument, 0, O_FAULTS},
        {"seed", required_argument, 0, O_SEED},
        {"rate", required_argument, 0, O_RATE},
        {"protocols", required_argument, 0, O_PROTO},
        {"help", no_argument, 0, O_HELP},
        {"db", required_argument, 0, O_DB},
        {"store", no_argument, 0, O_STORE},
        {"series", required_argument, 0, O_SERIES},
        {0, 0, 0, 0},
    };
    console_opts o = {0};
    o.seed = 1;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_RIG: o.rig_path = optarg; break;
        case O_SIM: o.sim_preset = optarg; break;
        case O_FAULTS: o.sim_faults = optarg; break;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno) {
                fprintf(stderr, "rigor console: --seed: expected a number, got '%s'\n", optarg);
                return 2;
            }
            o.seed = v;
            break;
        }
        case O_RATE: {
            char *end;
            errno = 0;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || errno || !(v > 0) || v > 1e6) {
                fprintf(stderr, "rigor console: --rate: expected a positive number, got '%s'\n",
                        optarg);
                return 2;
            }
            o.rate_hz = v;
            break;
        }
        case O_PROTO: o.protocol_dir = optarg; break;
        case O_DB: o.db = optarg; break;
        case O_STORE: o.store = true; break;
        case O_SERIES: o.series = optarg; break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "rigor console: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (o.rig_path && o.sim_preset) {
        fprintf(stderr, "rigor console: --rig and --sim exclude each other\n");
        return 2;
    }
    if (o.sim_faults && !o.sim_preset) {
        fprintf(stderr, "rigor console: --sim-faults needs --sim\n");
        return 2;
    }
    return console_main(&o);
}
