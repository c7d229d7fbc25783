/* cmd_check.c — `rigor check PROTOCOL...`: validate protocols, move nothing.
 *
 * Each file is parsed and validated completely (protocols/parse.c); every
 * problem is printed as "file:line:col: message" with the offending line and
 * a caret under the column, warnings likewise with "warning: ". A valid file
 * prints its plan (steps in SI with lab units, estimated duration and travel).
 * Exit status: 0 all valid, 2 any invalid or a usage error.
 */
#include "commands.h"

#include "../common/textfile.h"
#include "../common/units.h"
#include "../protocols/protocol.h"
#include "../rig/sim/sim.h"
#include "protoopt.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIAGS 64

static void usage(FILE *f)
{
    fprintf(f, "usage: rigor check [options] PROTOCOL...\n"
               "  Parse and validate test protocols (docs/protocols.md) and print the\n"
               "  plan of each valid one. Nothing moves. Exit status 0 when every file\n"
               "  is valid, 2 otherwise.\n"
               "  -q, --quiet             print only problems, not the plan\n"
               "  --sim PRESET            check against a simulated preset: its load cell's\n"
               "                          capacity and force noise (docs/sim.md)\n"
               "  --force-noise F         the force noise at rest (SD, e.g. 2mN): a preload,\n"
               "                          a hold-at force or an 'until force >=' below 5 SD of\n"
               "                          it is refused\n"
               "  --no-extensometer       the rig has none: 'extension' is refused (a rig\n"
               "                          file without [point extension] says so too)\n");
    protoopt_help(f);
}

/* Column of a step's rate on its line: the word after " at " (1 when not found). */
static long rate_col(const char *text, size_t len, int line)
{
    size_t i = 0;
    for (int l = 1; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (size_t j = i; j + 4 <= len && text[j] != '\n'; j++)
        if (!strncmp(text + j, " at ", 4)) {
            size_t k = j + 4;
            while (k < len && (text[k] == ' ' || text[k] == '\t'))
                k++;
            return (long)(k - i) + 1;
        }
    return 1;
}

/* Column of `word` on a line (1 when not found). */
static long word_col(const char *text, size_t len, int line, const char *word)
{
    size_t i = 0, wl = strlen(word);
    for (int l = 1; l < line && i < len; i++)
        if (text[i] == '\n')
            l++;
    for (size_t j = i; j + wl <= len && text[j] != '\n'; j++)
        if (!strncmp(text + j, word, wl))
            return (long)(j - i) + 1;
    return 1;
}

/* Speeds the rig cannot command (issue 21): a crosshead speed below one count
 * of the rig's velocity setpoint is written as 0 counts (or as a count more
 * than twice the request), so the step would not move or would run at
 * another speed. Strain rates are turned into speeds with the protocol's
 * strain reference length; force rates are closed loops whose speed follows
 * the specimen and are not checked here. Returns the number of problems. */
static int check_speeds(const protocol *p, const protoopt_rig_info *ri, const char *rigpath,
                        const char *text, size_t len)
{
    int bad = 0;
    if (!ri)
        return 0;
    for (int i = 0; ri->speed_min_m_s > 0 && i < p->nsteps; i++) {
        const proto_step *s = &p->steps[i];
        if (s->kind == PSTEP_ZERO || s->kind == PSTEP_HOLD || !(s->rate > 0))
            continue;
        double v = s->rate_kind == PRATE_VELOCITY ? s->rate
                   : s->rate_kind == PRATE_STRAIN ? s->rate * p->length0_m
                                                  : NAN;
        if (!(v < ri->speed_min_m_s))
            continue;
        rigor_diag d;
        rigor_diag_set(&d, p->path, s->line, rate_col(text, len, s->line),
                       "speed %.6g mm/min is below the smallest speed this rig can command, "
                       "%.6g mm/min (one count of [point velocity_cmd], %s:%ld): it would be "
                       "written as 0",
                       v * 6e4, ri->speed_min_m_s * 6e4, rigpath, ri->speed_line);
        protoopt_print_diag(stderr, &d, "", text, len);
        bad++;
    }
    /* A return needs a position mode: on a speed-only drive it would be
     * refused at run time, after the test has begun. */
    if (!ri->position_mode) {
        for (int i = 0; i < p->nsteps; i++)
            if (p->steps[i].kind == PSTEP_RETURN) {
                rigor_diag d;
                rigor_diag_set(&d, p->path, p->steps[i].line,
                               word_col(text, len, p->steps[i].line, "return"),
                               "'return' needs a position mode, and %s has none (no [point "
                               "position_cmd] with a mode value for position)",
                               rigpath);
                protoopt_print_diag(stderr, &d, "", text, len);
                bad++;
            }
        for (int i = 0; i < p->nreactions; i++)
            for (int j = 0; j < p->reaction[i].nactions; j++)
                if (p->reaction[i].action[j] == PACT_RETURN) {
                    rigor_diag d;
                    rigor_diag_set(&d, p->path, p->reaction[i].line,
                                   word_col(text, len, p->reaction[i].line, "return"),
                                   "'return' needs a position mode, and %s has none (no "
                                   "[point position_cmd] with a mode value for position)",
                                   rigpath);
                    protoopt_print_diag(stderr, &d, "", text, len);
                    bad++;
                }
    }
    if (bad)
        fprintf(stderr, "%s: invalid protocol for this rig (%d problem%s); nothing was run\n",
                p->path, bad, bad == 1 ? "" : "s");
    return bad;
}

static int check_one(const char *path, const proto_rig_limits *rig, const curve_geom *geom,
                     bool quiet, const protoopt_rig_info *ri, const char *rigpath)
{
    size_t len = 0;
    char *text;
    rigor_diag rd = {0};
    /* NUL bytes are the parser's to report, with their line and column. */
    if (textfile_read(path, "the protocol", (size_t)16 << 20, TEXTFILE_ALLOW_NUL, &text, &len,
                      &rd) != RIGOR_OK) {
        fprintf(stderr, "%s: %s\n", path, rd.msg);
        return 2;
    }
    rigor_diag *d = calloc(MAX_DIAGS, sizeof *d);
    if (!d) {
        free(text);
        fprintf(stderr, "rigor check: out of memory\n");
        return 2;
    }
    size_t nd = 0;
    protocol *p = NULL;
    int rc = proto_parse_buffer_geom(path, text, len, rig, geom, &p, d, MAX_DIAGS, &nd);
    int status = 0;
    if (rc) {
        for (size_t i = 0; i < nd; i++)
            protoopt_print_diag(stderr, &d[i], "", text, len);
        if (rc == RIGOR_EPARSE)
            fprintf(stderr, "%s: invalid protocol (%zu problem%s%s); nothing was run\n", path,
                    nd, nd == 1 ? "" : "s", nd == MAX_DIAGS ? ", more not shown" : "");
        else
            fprintf(stderr, "%s: %s\n", path, rigor_strerror(rc));
        status = 2;
    } else if (check_speeds(p, ri, rigpath, text, len)) {
        status = 2;
    } else {
        for (int i = 0; i < p->nwarnings; i++)
            protoopt_print_diag(stderr, &p->warning[i], "warning: ", text, len);
        if (!quiet)
            proto_print_plan(p, stdout);
        else
            printf("%s: valid\n", path);
    }
    proto_free(p);
    free(d);
    free(text);
    return status;
}

int cmd_check(int argc, char **argv)
{
    proto_rig_limits rig;
    proto_rig_limits_unknown(&rig);
    bool have_rig = false, quiet = false, opts_done = false;
    protoopt_rig_info rinfo;
    const char *rigpath = NULL;
    curve_geom geom;
    curve_geom_clear(&geom);
    char err[256];
    int nfiles = 0, status = 0;
    for (int pass = 0; pass < 2; pass++) {
        opts_done = false;
        for (int i = 1; i < argc; i++) {
            const char *a = argv[i];
            bool is_opt = !opts_done && a[0] == '-' && a[1];
            if (!is_opt) {
                if (pass == 1) {
                    nfiles++;
                    if (check_one(a, have_rig ? &rig : NULL, &geom, quiet,
                                  rigpath ? &rinfo : NULL, rigpath))
                        status = 2;
                    if (!quiet && i + 1 < argc)
                        printf("\n");
                }
                continue;
            }
            if (!strcmp(a, "--")) {
                opts_done = true;
                continue;
            }
            if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                if (pass == 0) {
                    usage(stdout);
                    return 0;
                }
                continue;
            }
            if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
                quiet = true;
                continue;
            }
            const char *val = i + 1 < argc ? argv[i + 1] : NULL;
            int r;
            if (!strcmp(a, "--rig")) {
                i++;
                if (pass == 1) {
                    if (!quiet && val && rigpath && !strcmp(val, rigpath)) {
                        if (rinfo.speed_min_m_s > 0)
                            printf(
                                "rig %s: smallest speed it can command %.6g mm/min (one count "
                                "of [point velocity_cmd]); watchdog %s\n",
                                val, rinfo.speed_min_m_s * 6e4, rinfo.watchdog);
                        else
                            printf("rig %s: no smallest speed (float setpoint); watchdog %s\n",
                                   val, rinfo.watchdog);
                    }
                    continue;
                }
                if (!val) {
                    fprintf(stderr, "rigor check: --rig needs a rig file\n");
                    return 2;
                }
                rigor_diag d;
                memset(&d, 0, sizeof d);
                int rc = protoopt_rig_file_info(val, &rig, &rinfo, &d);
                if (rc) {
                    char buf[1200];
                    fprintf(stderr, "rigor check: %s\n",
                            rigor_diag_format(&d, buf, sizeof buf));
                    return 2;
                }
                have_rig = true;
                rigpath = val;
                for (int w = 0; w < rinfo.nwarn; w++)
                    fprintf(stderr, "%s\n", rinfo.warn[w]);
                continue;
            }
            if (!strcmp(a, "--sim")) {
                i++;
                if (pass == 1)
                    continue;
                if (!val) {
                    fprintf(stderr, "rigor check: --sim needs a preset\n");
                    return 2;
                }
                /* the preset's cell, built without threads or sockets */
                sim_config sc;
                sim_config_init(&sc);
                sc.specimen = val;
                sim *sm = NULL;
                rigor_diag d;
                memset(&d, 0, sizeof d);
                if (sim_new_diag(&sc, &sm, &d) != RIGOR_OK) {
                    fprintf(stderr, "rigor check: --sim %s: %s\n", val, d.msg);
                    return 2;
                }
                sim_geometry sg;
                sim_get_geometry(sm, &sg);
                sim_free(sm);
                rig.force_capacity_N = sg.capacity_N;
                rig.force_noise_N = sg.noise_N;
                have_rig = true;
                continue;
            }
            if (!strcmp(a, "--no-extensometer")) {
                rig.extensometer = 0; /* conditions and limits on extension refused */
                have_rig = true;
                continue;
            }
            if (!strcmp(a, "--force-noise")) {
                i++;
                if (pass == 1)
                    continue;
                unit_info ui;
                char *end = NULL;
                double v = val ? strtod(val, &end) : NAN;
                while (end && *end == ' ')
                    end++;
                if (!val || end == val || !(v > 0) || !units_parse(end && *end ? end : "N", &ui) ||
                    ui.dim != DIM_FORCE) {
                    fprintf(stderr, "rigor check: --force-noise needs a positive force (2mN)\n");
                    return 2;
                }
                rig.force_noise_N = v * ui.scale;
                have_rig = true;
                continue;
            }
            if ((r = protoopt_geom(a, val, &geom, err, sizeof err)) != 0 ||
                (r = protoopt_rig(a, val, &rig, err, sizeof err)) != 0) {
                i++;
                if (r < 0) {
                    fprintf(stderr, "rigor check: %s\n", err);
                    return 2;
                }
                if (!strncmp(a, "--capacity", 10) || !strcmp(a, "--travel") ||
                    !strcmp(a, "--max-speed"))
                    have_rig = true;
                continue;
            }
            if (pass == 0) {
                fprintf(stderr, "rigor check: unknown option '%s'\n", a);
                usage(stderr);
                return 2;
            }
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    return status;
}
