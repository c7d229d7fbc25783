/* cmd_analyze.c — `rigor analyze`: read data files, compute results, print.
 *
 * Units at this edge: geometry flags are in mm (mm^2 for --area), strain
 * windows and offsets in %, compliance in mm/N; they are converted to SI here
 * once. Every file is independent: a file that cannot be read or analysed
 * gives one error line (file:line:col: what) on stderr and the others are
 * still analysed; the exit status is then 2.
 */
#include "commands.h"
#include "figures.h"
#include "output.h"
#include "analyze_priv.h"
#include "storeio.h"

#include "../analysis/analysis.h"
#include "../analysis/batch.h"
#include "../analysis/tensile.h"
#include "../analysis/uncertainty.h"
#include "../analysis/import/csvin.h"
#include "../common/error.h"
#include "../common/pool.h"
#include "../common/sha256.h"

#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(
        f, "usage: rigor analyze [options] FILE_OR_DIR...\n"
           "\n"
           "Analyse stress-strain data exported by a test machine or recorded by Rigor.\n"
           "\n"
           "  --test tensile|compression   test type (default: the file's, else tensile)\n"
           "  --preset NAME                iso527, astm-d638, astm-d882, iso604, astm-d695,\n"
           "                               iso13314: that standard's method parameters\n"
           "  --area MM2 | --width MM --thickness MM | --diameter MM   cross-section\n"
           "  --gauge-length MM            tensile gauge length L0\n"
           "  --height MM                  compression: initial specimen height h0\n"
           "  --modulus auto|e3076|fit:LO:HI|chord:LO:HI|secant:AT   (strains in %%)\n"
           "  --offset PCT                 yield offset strain (default 0.2)\n"
           "  --no-toe                     no toe compensation (default: on)\n"
           "  --break-drop PCT             sudden drop that marks the break (default 20)\n"
           "  --rt PCT                     ISO 6892-1 Rt: stress at this total extension\n"
           "  --final-diameter MM | --final-width MM --final-thickness MM\n"
           "                               final cross-section Su: reduction of area Z\n"
           "  --compliance MM_PER_N        compression: machine compliance\n"
           "  --compliance-file FILE       compression: force -> deflection table\n"
           "  --plateau-window LO:HI       compression: plateau window in %% (20:30)\n"
           "  --no-file-columns            compute stress/strain from force/extension even\n"
           "                               when the file has stress and strain columns\n"
           "  --column ROLE=NAME           use column NAME for ROLE (time, ext, force,\n"
           "                               strain, stress)\n"
           "  --columns ROLE:UNIT,...      layout of files without a header row, by\n"
           "                               position (e.g. strain:%%,stress:MPa or\n"
           "                               time:s,ext:mm,force:kN; - skips a column)\n"
           "  --max-file-size SIZE         refuse a file larger than SIZE before reading it\n"
           "                               (bytes or K/M/G; default and most 512M)\n"
           "  --json | --csv               machine-readable output (default: table)\n"
           "  --cycles                     list load-unload cycles from one cycle on (default:\n"
           "                               from two); with --csv one row per cycle\n"
           "  --holds                      with --csv: one row per relaxation hold (then per\n"
           "                               creep hold, after a blank line)\n"
           "  --hold-model prony2|prony1|log   model fitted to each hold (default prony2)\n"
           "  --hold-times S,S,...         relaxation/creep also at these times (s) from the\n"
           "                               hold's start (default 1,10,60,600; at most 8)\n"
           "  --uncertainty                expanded uncertainty U (k = 2) of every result by\n"
           "                               Monte Carlo (docs/uncertainty.md), with:\n"
           "    --force-class C            force-measuring system class, ISO 7500-1 (e.g. 1)\n"
           "    --extensometer-class C     extensometer class, ISO 9513 (e.g. 0.5)\n"
           "    --u-width MM --u-thickness MM --u-diameter MM --u-gauge-length MM\n"
           "    --u-height MM --u-area MM2 standard uncertainty of each dimension\n"
           "    --readings DIM=MM,MM,...   repeated readings of width, thickness, diameter,\n"
           "                               gauge-length or height: their mean is the\n"
           "                               dimension, s/sqrt(n) its standard uncertainty\n"
           "                               an input no flag states comes from the run\n"
           "                               file (the rig file's [calibration]; the method\n"
           "                               names each input's source)\n"
           "    --seed N                   Monte Carlo seed (default 1)\n"
           "    --mc-tolerance PCT         stop when U changes less than this (default 5)\n"
           "    --mc-max-trials N          at most N trials (default 5000)\n"
           "  --summary                    per group: n, mean, SD, CV, min, max of every\n"
           "                               result, Weibull fit of strengths (docs/batch.md)\n"
           "  --group-by KEY               group by folder (default), format, test, file or\n"
           "                               a metadata key of the file (e.g. Material)\n"
           "  --summary-csv FILE           also write the summary as CSV to FILE\n"
           "  --include-all                keep operator-stopped and faulted runs in the\n"
           "                               summary (default: listed and left out)\n"
           "  --exclude FILE_OR_SPECIMEN=REASON   leave one specimen out of the summary,\n"
           "                               listed with the reason (repeatable)\n"
           "  --jobs N                     read and analyse in N threads (default: CPUs,\n"
           "                               at most 4; threads left over by few files go\n"
           "                               into each long file); output identical for any N\n"
           "  --plot FILE.svg|.png|.pdf    stress-strain figure (several specimens: overlaid,\n"
           "                               plus FILE-summary.EXT with mean +- SD bar charts)\n"
           "  --report FILE.html           self-contained HTML report (as rigor report)\n"
           "  --quiet                      no results on stdout (with --plot / --report)\n"
           "  --strict                     exit 1 when a result carries a WARNING (an\n"
           "                               implausible value, a method outside its conditions)\n"
           "  --store                      also store every analysis in the results store\n"
           "                               (a file stored before gets a new analysis row)\n"
           "  --db TARGET                  the store (implies --store; default $RIGOR_DB,\n"
           "                               else the default path, docs/store.md)\n"
           "\n"
           "A batch (several files, or a failure) ends with one summary line on stderr:\n"
           "files read, skipped (no data to analyse) and failed, specimens analysed.\n"
           "\n"
           "Exit status: 0 all files analysed, 1 (with --strict) all analysed but some result\n"
           "carries a WARNING, 2 some file could not be read or analysed, 4 the store could\n"
           "not be opened or written (--store; the results are printed).\n");
}

/* Parse a whole-string number; false (with a message) on anything else. */
static bool parse_num(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) {
        fprintf(stderr, "rigor analyze: %s: '%s' is not a number\n", opt, s);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_range(const char *opt, const char *s, double *lo, double *hi)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strchr(buf, ':');
    if (!colon) {
        fprintf(stderr, "rigor analyze: %s: expected LO:HI, got '%s'\n", opt, s);
        return false;
    }
    *colon = '\0';
    return parse_num(opt, buf, lo) && parse_num(opt, colon + 1, hi);
}

static bool parse_modulus(const char *s, analysis_opts *o)
{
    double a, b;
    if (!strcmp(s, "auto")) {
        o->modulus = MOD_AUTO;
        return true;
    }
    if (!strcmp(s, "e3076")) {
        o->modulus = MOD_E3076;
        return true;
    }
    if (!strncmp(s, "fit:", 4) || !strncmp(s, "chord:", 6)) {
        bool fit = s[0] == 'f';
        if (!parse_range("--modulus", s + (fit ? 4 : 6), &a, &b))
            return false;
        if (!(b > a)) {
            fprintf(stderr, "rigor analyze: --modulus: window %g:%g is empty\n", a, b);
            return false;
        }
        o->modulus = fit ? MOD_FIT : MOD_CHORD;
        o->mod_lo = a / 100;
        o->mod_hi = b / 100;
        return true;
    }
    if (!strncmp(s, "secant:", 7)) {
        if (!parse_num("--modulus", s + 7, &a))
            return false;
        if (!(a > 0)) {
            fprintf(stderr, "rigor analyze: --modulus secant: strain must be > 0\n");
            return false;
        }
        o->modulus = MOD_SECANT;
        o->mod_lo = a / 100;
        return true;
    }
    fprintf(stderr,
            "rigor analyze: --modulus: expected auto, e3076, fit:LO:HI, chord:LO:HI or "
            "secant:AT, got '%s'\n",
            s);
    return false;
}

static bool positive(const char *opt, double v)
{
    if (v > 0)
        return true;
    fprintf(stderr, "rigor analyze: %s must be positive, got %g\n", opt, v);
    return false;
}

/* Why files or specimens were left out, counted per reason for the closing
 * summary line. */
typedef struct {
    const char *why[8];
    size_t n[8];
    size_t nwhy;
    size_t other;
} reasons;

static void reason_add(reasons *r, const char *why)
{
    for (size_t i = 0; i < r->nwhy; i++)
        if (!strcmp(r->why[i], why)) {
            r->n[i]++;
            return;
        }
    if (r->nwhy < sizeof r->why / sizeof r->why[0]) {
        r->why[r->nwhy] = why;
        r->n[r->nwhy++] = 1;
    } else {
        r->other++;
    }
}

static void reason_print(FILE *f, const reasons *r)
{
    if (!r->nwhy)
        return;
    fputs(" (", f);
    for (size_t i = 0; i < r->nwhy; i++)
        fprintf(f, "%s%s: %zu", i ? ", " : "", r->why[i], r->n[i]);
    if (r->other)
        fprintf(f, ", other: %zu", r->other);
    fputc(')', f);
}

typedef struct {
    int errors;
    size_t skipped; /* recognised files without data (RIGOR_ENODATA) */
    reasons failed; /* files that could not be read, by rigor_strerror */
} err_ctx;

static void on_error(void *ctx, int err, const rigor_diag *d)
{
    char buf[1200];
    err_ctx *ec = ctx;
    fprintf(stderr, "rigor: %s\n", rigor_diag_format(d, buf, sizeof buf));
    ec->errors++;
    if (err == RIGOR_ENODATA)
        ec->skipped++;
    else
        reason_add(&ec->failed, rigor_strerror(err));
}



/* The dimension parse_readings names by index d (the order of its dims
 * table): a typed member, not a byte offset cast to double *. */
static double *geom_dim(curve_geom *g, size_t d)
{
    switch (d) {
    case 0:
        return &g->width_m;
    case 1:
        return &g->thickness_m;
    case 2:
        return &g->diameter_m;
    case 3:
        return &g->gauge_m;
    default:
        return &g->height_m;
    }
}

/* --readings DIM=V1,V2,... (mm): the mean becomes the dimension and
 * s / sqrt(n) its standard uncertainty (GUM 4.2.3, a Type A evaluation). */
static bool parse_readings(const char *arg, curve_geom *g, curve_geom *u)
{
    static const struct {
        const char *name;
    } dims[] = {{"width"}, {"thickness"}, {"diameter"}, {"gauge-length"}, {"height"}};
    const char *eq = strchr(arg, '=');
    size_t d = sizeof dims / sizeof dims[0];
    for (size_t i = 0; eq && i < sizeof dims / sizeof dims[0]; i++)
        if (strlen(dims[i].name) == (size_t)(eq - arg) && !strncmp(arg, dims[i].name, eq - arg))
            d = i;
    if (d == sizeof dims / sizeof dims[0]) {
        fprintf(stderr, "rigor analyze: --readings: expected DIM=MM,MM,... with DIM one of "
                        "width, thickness, diameter, gauge-length, height; got '%s'\n",
                arg);
        return false;
    }
    double v[64], sum = 0, ss = 0;
    size_t n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", eq + 1);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (n == 64) {
            fprintf(stderr, "rigor analyze: --readings: at most 64 readings\n");
            return false;
        }
        if (!parse_num("--readings", tok, &v[n]) || !positive("--readings", v[n]))
            return false;
        sum += v[n++];
    }
    if (n < 2) {
        fprintf(stderr, "rigor analyze: --readings: need at least 2 readings of %s\n",
                dims[d].name);
        return false;
    }
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    *geom_dim(g, d) = mean * 1e-3;
    *geom_dim(u, d) = sqrt(ss / (double)(n - 1) / (double)n) * 1e-3;
    return true;
}

/* Index of the long option whose value is val. */
static size_t optind_of(const struct option *lo, int val)
{
    size_t i = 0;
    while (lo[i].name && lo[i].val != val)
        i++;
    return i;
}

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4 ? 4 : (int)n;
}

int cmd_analyze(int argc, char **argv)
{
    enum {
        O_TEST = 256,
        O_PRESET,
        O_AREA,
        O_WIDTH,
        O_THICK,
        O_DIAM,
        O_GAUGE,
        O_HEIGHT,
        O_MOD,
        O_OFFSET,
        O_NOTOE,
        O_BREAK,
        O_COMPL,
        O_COMPLF,
        O_PLATEAU,
        O_NOFILE,
        O_COLUMN,
        O_COLUMNS,
        O_JSON,
        O_CSV,
        O_PLOT,
        O_REPORT,
        O_QUIET,
        O_SUMMARY,
        O_GROUPBY,
        O_SUMCSV,
        O_JOBS,
        O_HELP,
        O_STRICT,
        O_RT,
        O_FDIAM,
        O_FWIDTH,
        O_FTHICK,
        O_INCLALL,
        O_EXCLUDE,
        O_CYCLES,
        O_UNC,
        O_HOLDS,
        O_HMODEL,
        O_HTIMES,
        O_FCLASS,
        O_ECLASS,
        O_UW,
        O_UT,
        O_UD,
        O_UG,
        O_UH,
        O_UA,
        O_SEED,
        O_READINGS,
        O_MCTOL,
        O_MCMAX,
        O_STORE,
        O_DB,
        O_MAXSIZE
    };
    static const struct option longopts[] = {
        {"test", required_argument, 0, O_TEST},
        {"preset", required_argument, 0, O_PRESET},
        {"area", required_argument, 0, O_AREA},
        {"width", required_argument, 0, O_WIDTH},
        {"thickness", required_argument, 0, O_THICK},
        {"diameter", required_argument, 0, O_DIAM},
        {"gauge-length", required_argument, 0, O_GAUGE},
        {"height", required_argument, 0, O_HEIGHT},
        {"modulus", required_argument, 0, O_MOD},
        {"offset", required_argument, 0, O_OFFSET},
        {"no-toe", no_argument, 0, O_NOTOE},
        {"break-drop", required_argument, 0, O_BREAK},
        {"compliance", required_argument, 0, O_COMPL},
        {"compliance-file", required_argument, 0, O_COMPLF},
        {"plateau-window", required_argument, 0, O_PLATEAU},
        {"no-file-columns", no_argument, 0, O_NOFILE},
        {"column", required_argument, 0, O_COLUMN},
        {"columns", required_argument, 0, O_COLUMNS},
        {"json", no_argument, 0, O_JSON},
        {"csv", no_argument, 0, O_CSV},
        {"plot", required_argument, 0, O_PLOT},
        {"report", required_argument, 0, O_REPORT},
        {"quiet", no_argument, 0, O_QUIET},
        {"strict", no_argument, 0, O_STRICT},
        {"rt", required_argument, 0, O_RT},
        {"final-diameter", required_argument, 0, O_FDIAM},
        {"final-width", required_argument, 0, O_FWIDTH},
        {"final-thickness", required_argument, 0, O_FTHICK},
        {"include-all", no_argument, 0, O_INCLALL},
        {"exclude", required_argument, 0, O_EXCLUDE},
        {"summary", no_argument, 0, O_SUMMARY},
        {"group-by", required_argument, 0, O_GROUPBY},
        {"summary-csv", required_argument, 0, O_SUMCSV},
        {"jobs", required_argument, 0, O_JOBS},
        {"cycles", no_argument, 0, O_CYCLES},
        {"uncertainty", no_argument, 0, O_UNC},
        {"holds", no_argument, 0, O_HOLDS},
        {"hold-model", required_argument, 0, O_HMODEL},
        {"hold-times", required_argument, 0, O_HTIMES},
        {"force-class", required_argument, 0, O_FCLASS},
        {"extensometer-class", required_argument, 0, O_ECLASS},
        {"u-width", required_argument, 0, O_UW},
        {"u-thickness", required_argument, 0, O_UT},
        {"u-diameter", required_argument, 0, O_UD},
        {"u-gauge-length", required_argument, 0, O_UG},
        {"u-height", required_argument, 0, O_UH},
        {"u-area", required_argument, 0, O_UA},
        {"seed", required_argument, 0, O_SEED},
        {"readings", required_argument, 0, O_READINGS},
        {"mc-tolerance", required_argument, 0, O_MCTOL},
        {"mc-max-trials", required_argument, 0, O_MCMAX},
        {"store", no_argument, 0, O_STORE},
        {"db", required_argument, 0, O_DB},
        {"max-file-size", required_argument, 0, O_MAXSIZE},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    analysis_opts o;
    analysis_opts_default(&o);
    csvin_opts io;
    csvin_opts_default(&io);
    /* Flags are applied after the preset, whatever their order on the line. */
    analysis_opts flags;
    analysis_opts_default(&flags);
    bool set_test = false, set_mod = false, set_offset = false, set_toe = false,
         set_break = false, set_plateau = false, set_nofile = false;
    const char *preset = NULL;
    int out_kind = 0; /* 0 table, 1 json, 2 csv, 3 none */
    const char *plot_path = NULL, *report_path = NULL;
    bool summary = false, strict = false, include_all = false;
    enum { MAX_EXCLUDE = 64 };
    static struct {
        char what[1024];
        char why[160];
    } excl[MAX_EXCLUDE];
    bool excl_used[MAX_EXCLUDE];
    int nexcl = 0;
    const char *group_by = "folder", *summary_csv = NULL;
    int jobs = default_jobs();
    bool cycles = false, want_unc = false, holds_csv = false;
    holds_opts hopts;
    holds_opts_default(&hopts);
    unc_opts unc;
    unc_opts_default(&unc);
    unsigned unc_given = 0;
    double v = 0, a, b;
    bool to_store = false;
    const char *db_target = NULL;

    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case O_TEST:
            if (!strcmp(optarg, "tensile"))
                flags.test = TEST_TENSILE;
            else if (!strcmp(optarg, "compression"))
                flags.test = TEST_COMPRESSION;
            else {
                fprintf(stderr,
                        "rigor analyze: --test: expected tensile or compression, "
                        "got '%s'\n",
                        optarg);
                return 2;
            }
            set_test = true;
            break;
        case O_PRESET: preset = optarg; break;
        case O_AREA:
            if (!parse_num("--area", optarg, &v) || !positive("--area", v))
                return 2;
            flags.geom.area_m2 = v * 1e-6;
            break;
        case O_WIDTH:
            if (!parse_num("--width", optarg, &v) || !positive("--width", v))
                return 2;
            flags.geom.width_m = v * 1e-3;
            break;
        case O_THICK:
            if (!parse_num("--thickness", optarg, &v) || !positive("--thickness", v))
                return 2;
            flags.geom.thickness_m = v * 1e-3;
            break;
        case O_DIAM:
            if (!parse_num("--diameter", optarg, &v) || !positive("--diameter", v))
                return 2;
            flags.geom.diameter_m = v * 1e-3;
            break;
        case O_GAUGE:
            if (!parse_num("--gauge-length", optarg, &v) || !positive("--gauge-length", v))
                return 2;
            flags.geom.gauge_m = v * 1e-3;
            break;
        case O_HEIGHT:
            if (!parse_num("--height", optarg, &v) || !positive("--height", v))
                return 2;
            flags.geom.height_m = v * 1e-3;
            break;
        case O_MOD:
            if (!parse_modulus(optarg, &flags))
                return 2;
            set_mod = true;
            break;
        case O_OFFSET:
            if (!parse_num("--offset", optarg, &v) || !positive("--offset", v))
                return 2;
            flags.offset = v / 100;
            set_offset = true;
            break;
        case O_NOTOE:
            flags.toe = false;
            set_toe = true;
            break;
        case O_BREAK:
            if (!parse_num("--break-drop", optarg, &v) || !positive("--break-drop", v) ||
                v >= 100) {
                if (v >= 100)
                    fprintf(stderr, "rigor analyze: --break-drop must be below 100 %%\n");
                return 2;
            }
            flags.break_drop_frac = v / 100;
            set_break = true;
            break;
        case O_COMPL:
            if (!parse_num("--compliance", optarg, &v) || v < 0) {
                if (v < 0)
                    fprintf(stderr, "rigor analyze: --compliance must not be negative\n");
                return 2;
            }
            flags.compliance_m_per_N = v * 1e-3;
            break;
        case O_COMPLF:
            snprintf(flags.compliance_file, sizeof flags.compliance_file, "%s", optarg);
            break;
        case O_PLATEAU:
            if (!parse_range("--plateau-window", optarg, &a, &b))
                return 2;
            if (!(a >= 0 && b > a && b <= 100)) {
                fprintf(stderr,
                        "rigor analyze: --plateau-window %g:%g is not a strain "
                        "window in %%\n",
                        a, b);
                return 2;
            }
            flags.plateau_lo = a / 100;
            flags.plateau_hi = b / 100;
            set_plateau = true;
            break;
        case O_NOFILE:
            flags.use_file_columns = false;
            set_nofile = true;
            break;
        case O_COLUMN: {
            char *eq = strchr(optarg, '=');
            int role = -1;
            if (eq) {
                *eq = '\0';
                role = csvin_role_from_name(optarg);
                *eq = '=';
            }
            if (!eq || role < 0 || !eq[1]) {
                fprintf(stderr,
                        "rigor analyze: --column: expected ROLE=NAME with ROLE one of "
                        "time, ext, force, strain, stress; got '%s'\n",
                        optarg);
                return 2;
            }
            io.column[role] = eq + 1;
            break;
        }
        case O_COLUMNS: {
            char err[200];
            if (csvin_parse_columns(optarg, &io, err, sizeof err) != RIGOR_OK) {
                fprintf(stderr, "rigor analyze: --columns %s: %s\n", optarg, err);
                return 2;
            }
            break;
        }
        case O_MAXSIZE: {
            char err[200];
            if (csvin_parse_size(optarg, &io, err, sizeof err) != RIGOR_OK) {
                fprintf(stderr, "rigor analyze: --max-file-size %s: %s\n", optarg, err);
                return 2;
            }
            break;
        }
        case O_JSON: out_kind = 1; break;
        case O_CSV: out_kind = 2; break;
        case O_PLOT: plot_path = optarg; break;
        case O_REPORT: report_path = optarg; break;
        case O_QUIET: out_kind = 3; break;
        case O_STRICT: strict = true; break;
        case O_INCLALL: include_all = true; break;
        case O_EXCLUDE: {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1]) {
                fprintf(stderr, "rigor analyze: --exclude: expected FILE_OR_SPECIMEN=REASON, "
                                "got '%s'\n",
                        optarg);
                return 2;
            }
            if (nexcl >= MAX_EXCLUDE) {
                fprintf(stderr, "rigor analyze: --exclude: at most %d\n", MAX_EXCLUDE);
                return 2;
            }
            snprintf(excl[nexcl].what, sizeof excl[nexcl].what, "%.*s", (int)(eq - optarg),
                     optarg);
            snprintf(excl[nexcl].why, sizeof excl[nexcl].why, "%s", eq + 1);
            excl_used[nexcl] = false;
            nexcl++;
            break;
        }
        case O_RT:
            if (!parse_num("--rt", optarg, &v) || !positive("--rt", v))
                return 2;
            flags.rt = v / 100;
            break;
        case O_FDIAM:
            if (!parse_num("--final-diameter", optarg, &v) || !positive("--final-diameter", v))
                return 2;
            flags.final_diameter_m = v * 1e-3;
            break;
        case O_FWIDTH:
            if (!parse_num("--final-width", optarg, &v) || !positive("--final-width", v))
                return 2;
            flags.final_width_m = v * 1e-3;
            break;
        case O_FTHICK:
            if (!parse_num("--final-thickness", optarg, &v) || !positive("--final-thickness", v))
                return 2;
            flags.final_thickness_m = v * 1e-3;
            break;
        case O_SUMMARY: summary = true; break;
        case O_GROUPBY:
            if (!optarg[0]) {
                fprintf(stderr, "rigor analyze: --group-by: empty key\n");
                return 2;
            }
            group_by = optarg;
            break;
        case O_SUMCSV: summary_csv = optarg; break;
        case O_JOBS:
            if (!parse_num("--jobs", optarg, &v))
                return 2;
            if (v < 1 || v > 16 || v != floor(v)) {
                fprintf(stderr, "rigor analyze: --jobs: expected 1 to 16, got '%s'\n", optarg);
                return 2;
            }
            jobs = (int)v;
            break;
        case O_CYCLES: cycles = true; break;
        case O_UNC: want_unc = true; break;
        case O_HOLDS: holds_csv = true; break;
        case O_HMODEL:
            if (!strcmp(optarg, "prony2"))
                hopts.model = HOLD_MODEL_PRONY2;
            else if (!strcmp(optarg, "prony1"))
                hopts.model = HOLD_MODEL_PRONY1;
            else if (!strcmp(optarg, "log"))
                hopts.model = HOLD_MODEL_LOG;
            else {
                fprintf(stderr, "rigor analyze: --hold-model: expected prony2, prony1 or log, "
                                "got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case O_HTIMES: {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", optarg);
            hopts.ntimes = 0;
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                if (hopts.ntimes == 8) {
                    fprintf(stderr, "rigor analyze: --hold-times: at most 8 times\n");
                    return 2;
                }
                if (!parse_num("--hold-times", tok, &v) || !positive("--hold-times", v))
                    return 2;
                hopts.times_s[hopts.ntimes++] = v;
            }
            if (!hopts.ntimes) {
                fprintf(stderr, "rigor analyze: --hold-times: no time given\n");
                return 2;
            }
            break;
        }
        case O_FCLASS:
        case O_ECLASS:
        case O_UW:
        case O_UT:
        case O_UD:
        case O_UG:
        case O_UH:
        case O_UA:
        case O_MCTOL:
            if (!parse_num(longopts[optind_of(longopts, ch)].name, optarg, &v) || v < 0 ||
                (ch == O_MCTOL && !(v > 0 && v < 100))) {
                if (v < 0 || ch == O_MCTOL)
                    fprintf(stderr, "rigor analyze: --%s: out of range: '%s'\n",
                            longopts[optind_of(longopts, ch)].name, optarg);
                return 2;
            }
            unc_given |= ch == O_FCLASS ? UG_FC
                         : ch == O_ECLASS ? UG_EC
                         : ch == O_UW     ? UG_W
                         : ch == O_UT     ? UG_T
                         : ch == O_UD     ? UG_D
                         : ch == O_UG     ? UG_G
                         : ch == O_UH     ? UG_H
                         : ch == O_UA     ? UG_A
                                          : 0u;
            if (ch == O_FCLASS)
                unc.force_class_pct = v;
            else if (ch == O_ECLASS)
                unc.ext_class_pct = v;
            else if (ch == O_UW)
                unc.u_geom.width_m = v * 1e-3;
            else if (ch == O_UT)
                unc.u_geom.thickness_m = v * 1e-3;
            else if (ch == O_UD)
                unc.u_geom.diameter_m = v * 1e-3;
            else if (ch == O_UG)
                unc.u_geom.gauge_m = v * 1e-3;
            else if (ch == O_UH)
                unc.u_geom.height_m = v * 1e-3;
            else if (ch == O_UA)
                unc.u_geom.area_m2 = v * 1e-6;
            else
                unc.tol = v / 100;
            break;
        case O_READINGS:
            if (!parse_readings(optarg, &flags.geom, &unc.u_geom))
                return 2;
            unc_given |= (unc.u_geom.width_m > 0 ? UG_W : 0u) |
                         (unc.u_geom.thickness_m > 0 ? UG_T : 0u) |
                         (unc.u_geom.diameter_m > 0 ? UG_D : 0u) |
                         (unc.u_geom.gauge_m > 0 ? UG_G : 0u) |
                         (unc.u_geom.height_m > 0 ? UG_H : 0u);
            break;
        case O_SEED:
        case O_MCMAX:
            if (!parse_num(ch == O_SEED ? "--seed" : "--mc-max-trials", optarg, &v))
                return 2;
            if (v != floor(v) || v < (ch == O_SEED ? 0 : 2 * UNC_BATCH) || v > 1e9) {
                fprintf(stderr, "rigor analyze: %s: expected a whole number%s, got '%s'\n",
                        ch == O_SEED ? "--seed" : "--mc-max-trials",
                        ch == O_SEED ? "" : " from 200 to 1000000000", optarg);
                return 2;
            }
            if (ch == O_SEED)
                unc.seed = (uint64_t)v;
            else
                unc.max_trials = (size_t)v;
            break;
        case O_STORE: to_store = true; break;
        case O_DB:
            to_store = true;
            db_target = optarg;
            break;
        case O_HELP:
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "rigor analyze: no input file\n");
        usage(stderr);
        return 2;
    }
    if (preset && analysis_preset(&o, preset) != RIGOR_OK) {
        fprintf(stderr,
                "rigor analyze: --preset: unknown preset '%s' (iso527, astm-d638, "
                "astm-d882, iso604, astm-d695, iso13314)\n",
                preset);
        return 2;
    }
    /* explicit flags over the preset */
    if (set_test)
        o.test = flags.test;
    if (set_mod) {
        o.modulus = flags.modulus;
        o.mod_lo = flags.mod_lo;
        o.mod_hi = flags.mod_hi;
    }
    if (set_offset)
        o.offset = flags.offset;
    if (set_toe)
        o.toe = flags.toe;
    if (set_break)
        o.break_drop_frac = flags.break_drop_frac;
    if (set_plateau) {
        o.plateau_lo = flags.plateau_lo;
        o.plateau_hi = flags.plateau_hi;
    }
    if (set_nofile)
        o.use_file_columns = false;
    o.geom = flags.geom;
    o.rt = flags.rt;
    o.final_diameter_m = flags.final_diameter_m;
    o.final_width_m = flags.final_width_m;
    o.final_thickness_m = flags.final_thickness_m;
    if (isfinite(o.final_width_m) != isfinite(o.final_thickness_m)) {
        fprintf(stderr, "rigor analyze: --final-width and --final-thickness go together "
                        "(the final cross-section of a flat specimen)\n");
        return 2;
    }
    if (isfinite(o.final_diameter_m) && isfinite(o.final_width_m)) {
        fprintf(stderr, "rigor analyze: --final-diameter or --final-width/--final-thickness, "
                        "not both\n");
        return 2;
    }
    o.compliance_m_per_N = flags.compliance_m_per_N;
    memcpy(o.compliance_file, flags.compliance_file, sizeof o.compliance_file);
    o.cycles = cycles;
    o.holds = hopts;

    /* The store is opened first: one that is locked, full, newer or
     * unreachable is said before any work is done. */
    store *st = NULL;
    if (to_store && storeio_open("analyze", db_target, false, &st) != RIGOR_OK)
        return STOREIO_EXIT;
    bool store_failed = false;
    size_t nstored = 0;
    char last_file[1024] = "", last_sha[65] = "";
    int curve_index = 0;
    figures *fig = NULL;
    if ((plot_path || report_path) && figures_new(&fig) != RIGOR_OK) {
        fprintf(stderr, "rigor analyze: out of memory\n");
        store_close(st);
        return 2;
    }
    err_ctx ec = {0};
    analysed *res = NULL;
    size_t nres = 0;
    int status = 0;
    /* All arguments at once: a split MTS run named by two of its parts is
     * read once, and folders expand in a deterministic order. */
    curve_list cl = {0};
    size_t nread = 0, nfailed = 0;
    io.jobs = jobs; /* files are read in parallel too; results in input order */
    csvin_read_paths((const char *const *)argv + optind, (size_t)(argc - optind), &io, &cl,
                     on_error, &ec, &nread, &nfailed);
    if (nfailed)
        status = 2;
    pool p = {
        .cl = &cl, .o = &o, .group_by = group_by, .unc = want_unc ? &unc : NULL, .jobs = calloc(cl.n ? cl.n : 1, sizeof(job)),
        .unc_given = unc_given};
    res = calloc(cl.n ? cl.n : 1, sizeof *res);
    if (!p.jobs || !res) {
        fprintf(stderr, "rigor analyze: out of memory\n");
        free(p.jobs);
        free(res);
        curve_list_free(&cl);
        figures_free(fig);
        store_close(st);
        return 2;
    }
    /* Threads the curves leave over (one long run) go to each analysis. */
    o.threads = cl.n && (size_t)jobs > cl.n ? jobs / (int)cl.n : 1;
    pool_run(cl.n, jobs, analyse_one, &p); /* every curve, the calling thread included */
    /* In index order from here: the output does not depend on the threads. */
    reasons not_analysed = {0};
    size_t nwarned = 0;
    for (size_t k = 0; k < cl.n; k++) {
        const curve *c = cl.v[k];
        job *j = &p.jobs[k];
        bool warned = false;
        /* Curves of one file are consecutive: their index within it. */
        curve_index = k && !strcmp(c->file, cl.v[k - 1]->file) ? curve_index + 1 : 0;
        if (st && !store_failed && j->rc == RIGOR_OK) {
            if (strcmp(last_file, c->file)) {
                snprintf(last_file, sizeof last_file, "%s", c->file);
                if (sha256_file(c->file, last_sha) != RIGOR_OK)
                    last_sha[0] = '\0';
            }
            store_specimen sp;
            store_run sr;
            storeio_describe(c, curve_index, last_sha, STORE_IMPORTED, storeio_operator(), &sp,
                             &sr);
            if (!last_sha[0]) {
                fprintf(stderr, "rigor analyze: %s: cannot hash the file to store it\n",
                        c->file);
                store_failed = true;
            } else if (storeio_put(st, &sp, &sr, &j->a, true, NULL, NULL) != RIGOR_OK) {
                fprintf(stderr, "rigor analyze: store: %s\n", store_errmsg(st));
                store_failed = true;
            } else {
                nstored++;
            }
        }
        for (size_t i = 0; i < c->nnotes; i++)
            warned |= !strncmp(c->notes[i], "WARNING:", 8);
        if (j->rc == RIGOR_OK)
            warned |= analysed_has_warning(&j->a);
        nwarned += warned;
        if (j->rc != RIGOR_OK) {
            fprintf(stderr, "rigor: %s%s%s: %s\n", c->file, c->specimen[0] ? ": specimen " : "",
                    c->specimen, j->why[0] ? j->why : rigor_strerror(j->rc));
            /* its warnings are not lost with it */
            for (size_t i = 0; i < c->nnotes; i++)
                if (!strncmp(c->notes[i], "WARNING:", 8))
                    fprintf(stderr, "rigor: %s%s%s: %s\n", c->file,
                            c->specimen[0] ? ": specimen " : "", c->specimen, c->notes[i]);
            reason_add(&not_analysed, rigor_strerror(j->rc));
            analysed_clear(&j->a);
            status = 2;
            continue;
        }
        if (fig && figures_add(fig, c, &o, &j->a.rs) != RIGOR_OK) {
            reason_add(&not_analysed, rigor_strerror(RIGOR_ENOMEM));
            analysed_clear(&j->a);
            status = 2;
            continue;
        }
        res[nres++] = j->a; /* ownership moves to res */
    }
    free(p.jobs);
    size_t ncurves = cl.n;
    curve_list_free(&cl);
    /* Who the batch statistics leave out (the summary and the report): an
     * explicit exclusion (file or specimen id), then by default the runs
     * that did not end as a test: an operator stop or a fault
     * (docs/batch.md; --include-all keeps them). */
    for (size_t k = 0; k < nres; k++) {
        for (int e = 0; e < nexcl; e++)
            if (!strcmp(excl[e].what, res[k].file) ||
                (res[k].specimen[0] && !strcmp(excl[e].what, res[k].specimen))) {
                snprintf(res[k].excluded, sizeof res[k].excluded, "excluded: %s", excl[e].why);
                excl_used[e] = true;
                break;
            }
        tensile_end te = tensile_end_from_reason(res[k].end_reason);
        if (!res[k].excluded[0] && !include_all &&
            (te == TENSILE_END_OPERATOR || te == TENSILE_END_FAULT))
            snprintf(res[k].excluded, sizeof res[k].excluded,
                     "the run ended by '%.120s' (--include-all keeps it)", res[k].end_reason);
    }
    for (int e = 0; e < nexcl; e++)
        if (!excl_used[e]) {
            fprintf(stderr, "rigor analyze: --exclude: no file or specimen '%s' in the batch\n",
                    excl[e].what);
            status = 2;
        }
    batch_summary bs = {0};
    if (summary || summary_csv) {
        const result_set **rs = malloc((nres ? nres : 1) * sizeof *rs);
        const char **grp = malloc((nres ? nres : 1) * sizeof *grp);
        const char **exc = malloc((nres ? nres : 1) * sizeof *exc);
        int rc = rs && grp && exc ? RIGOR_OK : RIGOR_ENOMEM;
        for (size_t k = 0; rc == RIGOR_OK && k < nres; k++) {
            rs[k] = &res[k].rs;
            grp[k] = res[k].group;
            exc[k] = res[k].excluded[0] ? res[k].excluded : NULL;
        }
        if (rc == RIGOR_OK)
            rc = batch_summarize_ex(rs, grp, exc, nres, &bs);
        free(rs);
        free(grp);
        free(exc);
        if (rc != RIGOR_OK) {
            fprintf(stderr, "rigor analyze: summary: %s\n", rigor_strerror(rc));
            status = 2;
        }
    }
    if (out_kind == 1 && summary)
        output_json_summary(stdout, res, nres, &bs, group_by);
    else if (out_kind == 1)
        output_json(stdout, res, nres);
    else if (out_kind == 2 && cycles)
        output_csv_table(stdout, res, nres, "cycles");
    else if (out_kind == 2 && holds_csv) {
        output_csv_table(stdout, res, nres, "relaxation");
        fputc('\n', stdout);
        output_csv_table(stdout, res, nres, "creep");
    }
    else if (out_kind == 2)
        output_csv(stdout, res, nres);
    else if (out_kind == 0)
        output_table(stdout, res, nres);
    if (summary && out_kind == 2) {
        fputc('\n', stdout); /* the second section: docs/batch.md */
        output_summary_csv(stdout, &bs);
    } else if (summary && out_kind == 0) {
        output_summary_table(stdout, res, &bs, group_by);
    }
    if (summary_csv) {
        FILE *sf = fopen(summary_csv, "w");
        if (sf) {
            output_summary_csv(sf, &bs);
            if (fclose(sf) != 0)
                sf = NULL;
        }
        if (!sf) {
            fprintf(stderr, "rigor analyze: %s: cannot write: %s\n", summary_csv,
                    strerror(errno));
            status = 2;
        }
    }
    batch_summary_free(&bs);
    /* The closing line of a batch: several files, or anything left out. */
    size_t nfiles = nread + nfailed;
    size_t nbad = nfailed > ec.skipped ? nfailed - ec.skipped : 0;
    if (nfiles > 1 || nfailed || nres < ncurves) {
        fprintf(stderr,
                "rigor analyze: %zu file%s: %zu read, %zu skipped (no data to analyse), "
                "%zu failed",
                nfiles, nfiles == 1 ? "" : "s", nread, ec.skipped, nbad);
        reason_print(stderr, &ec.failed);
        fprintf(stderr, "; %zu specimen%s: %zu analysed, %zu not analysed", ncurves,
                ncurves == 1 ? "" : "s", nres, ncurves - nres);
        reason_print(stderr, &not_analysed);
        fprintf(stderr, "; %zu with warnings\n", nwarned);
    }
    char why[1400] = "";
    if (plot_path && figures_plot(fig, res, nres, plot_path, why, sizeof why) != RIGOR_OK) {
        fprintf(stderr, "rigor: %s\n", why);
        status = 2;
    }
    if (report_path &&
        figures_report(fig, res, nres, report_path, argc, argv, why, sizeof why) != RIGOR_OK) {
        fprintf(stderr, "rigor: %s\n", why);
        status = 2;
    }
    figures_free(fig);
    for (size_t k = 0; k < nres; k++)
        analysed_clear(&res[k]);
    free(res);
    if (ec.errors)
        status = 2;
    /* --strict: a warning is a failure of the analysis, told apart from a
     * file that could not be read (2). */
    if (status == 0 && strict && nwarned > 0) {
        fprintf(stderr, "rigor analyze: --strict: %zu specimen%s with warnings\n", nwarned,
                nwarned == 1 ? "" : "s");
        status = 1;
    }
    if (st && !store_failed)
        fprintf(stderr, "rigor analyze: %zu analys%s stored in %s\n", nstored,
                nstored == 1 ? "is" : "es", store_target(st));
    store_close(st);
    if (store_failed)
        status = STOREIO_EXIT;
    return status;
}
