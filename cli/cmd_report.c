/* cmd_report.c — `rigor report`: one self-contained HTML report of a batch.
 *
 *   rigor report [analysis options] RUN_OR_FILES... -o report.html
 *
 * The same analysis as `rigor analyze` with the same options (so the numbers
 * are the same), written as a report instead of a table: this command is
 * `rigor analyze --quiet --report FILE ...` under another name.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_report(int argc, char **argv)
{
    const char *out = NULL;
    char **av = calloc((size_t)argc + 4, sizeof *av);
    if (!av) {
        fprintf(stderr, "rigor report: out of memory\n");
        return 2;
    }
    int n = 0;
    av[n++] = "analyze";
    av[n++] = "--quiet";
    av[n++] = "--report";
    av[n++] = NULL; /* the output, filled below */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf(
                "usage: rigor report [analysis options] RUN_OR_FILES... -o REPORT.html\n"
                "\n"
                "Analyse the files as 'rigor analyze' does (same options, see rigor analyze\n"
                "--help) and write one self-contained HTML file: specimen table, statistics\n"
                "(n, mean, SD, CV, min, max), each curve's figure, method parameters, input\n"
                "files with SHA-256, Rigor version and the command line.\n");
            free(av);
            return 0;
        }
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rigor report: %s needs a file name\n", argv[i]);
                free(av);
                return 2;
            }
            out = argv[++i];
        } else if (!strncmp(argv[i], "--output=", 9)) {
            out = argv[i] + 9;
        } else {
            av[n++] = argv[i];
        }
    }
    if (!out) {
        fprintf(stderr, "rigor report: no output file: give -o REPORT.html\n");
        free(av);
        return 2;
    }
    av[3] = (char *)out;
    av[n] = NULL;
    int rc = cmd_analyze(n, av);
    free(av);
    return rc;
}
