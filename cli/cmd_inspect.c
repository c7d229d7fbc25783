/* cmd_inspect.c — `rigor inspect FILE...`: say what the importer detects.
 *
 * The first thing to run on an unknown export: for each file it prints the
 * format family, encoding, delimiter, decimal separator, the columns with
 * their roles and units, metadata, row counts and the importer's notes. A
 * file that cannot be read gives one "file:line:col: message" line on
 * stderr and the next file is still inspected; the exit status is 2 when any
 * file failed, else 0.
 */
#include "commands.h"

#include "../analysis/import/csvin.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: rigor inspect [--column ROLE=NAME]... [--columns ROLE:UNIT,...]\n"
               "                     [--max-file-size SIZE] FILE...\n"
               "  Describe what Rigor detects in each data file: format, encoding,\n"
               "  delimiter, decimal separator, columns with roles and units, metadata,\n"
               "  rows and warnings. ROLE is time, ext, force, strain or stress.\n"
               "  --columns declares the columns of a file without a header row by\n"
               "  position, e.g. --columns strain:%%,stress:MPa (- skips a column).\n"
               "  --max-file-size SIZE refuses a larger file before reading it (bytes or\n"
               "  K/M/G; default and most 512M).\n");
}

int cmd_inspect(int argc, char **argv)
{
    csvin_opts o;
    csvin_opts_default(&o);
    int nfiles = 0, failed = 0;
    bool opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            usage(stdout);
            return 0;
        }
        if (!opts_done && !strcmp(a, "--")) {
            opts_done = true;
            continue;
        }
        if (!opts_done && !strcmp(a, "--column")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rigor inspect: --column needs ROLE=NAME\n");
                return 2;
            }
            const char *v = argv[++i];
            const char *eq = strchr(v, '=');
            char role[32];
            if (!eq || (size_t)(eq - v) >= sizeof role) {
                fprintf(stderr, "rigor inspect: --column %s: expected ROLE=NAME\n", v);
                return 2;
            }
            snprintf(role, sizeof role, "%.*s", (int)(eq - v), v);
            int r = csvin_role_from_name(role);
            if (r < 0) {
                fprintf(stderr,
                        "rigor inspect: --column %s: unknown role '%s' (time, ext, force, "
                        "strain, stress)\n",
                        v, role);
                return 2;
            }
            o.column[r] = eq + 1;
            continue;
        }
        if (!opts_done && !strcmp(a, "--columns")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rigor inspect: --columns needs ROLE:UNIT,...\n");
                return 2;
            }
            char err[200];
            if (csvin_parse_columns(argv[++i], &o, err, sizeof err) != RIGOR_OK) {
                fprintf(stderr, "rigor inspect: --columns %s: %s\n", argv[i], err);
                return 2;
            }
            continue;
        }
        if (!opts_done && !strcmp(a, "--max-file-size")) {
            char err[200];
            if (i + 1 >= argc) {
                fprintf(stderr, "rigor inspect: --max-file-size needs SIZE\n");
                return 2;
            }
            if (csvin_parse_size(argv[++i], &o, err, sizeof err) != RIGOR_OK) {
                fprintf(stderr, "rigor inspect: --max-file-size %s: %s\n", argv[i], err);
                return 2;
            }
            continue;
        }
        if (!opts_done && a[0] == '-' && a[1]) {
            fprintf(stderr, "rigor inspect: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    opts_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && !strcmp(a, "--")) {
            opts_done = true;
            continue;
        }
        if (!opts_done && (!strcmp(a, "--column") || !strcmp(a, "--columns") ||
                           !strcmp(a, "--max-file-size"))) {
            i++;
            continue;
        }
        if (!opts_done && a[0] == '-' && a[1])
            continue;
        if (nfiles++)
            printf("\n");
        rigor_diag d = {0};
        int rc = csvin_describe(a, &o, stdout, &d);
        if (rc) {
            char msg[1200];
            fprintf(stderr, "%s\n", rigor_diag_format(&d, msg, sizeof msg));
            failed++;
        }
        fflush(stdout);
    }
    if (!nfiles) {
        usage(stderr);
        return 2;
    }
    return failed ? 2 : 0;
}
