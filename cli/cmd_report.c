/* cmd_report.c — `rigor report`: one self-contained HTML report of a batch.
 *
 *   rigor report [analysis options] RUN_OR_FILES... -o report.html
 *
 * The same analysis as `rigor analyze` with the same options (so the numbers
 * are the same), written as a report instead of a table: this command is
 * `rigor analyze --quiet --report FILE ...` under another name.
 *
 *   rigor report --db TARGET [query filters] -o report.html
 *
 * builds it from a store query instead: `rigor db report` (cmd_db.c), the
 * stored analyses with each curve read back from its run file.
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rigor report --db ...: the same arguments to `rigor db ... report`. */
static int report_from_db(int argc, char **argv)
{
    char **av = calloc((size_t)argc + 2, sizeof *av);
    if (!av) {
        fprintf(stderr, "rigor report: out of memory\n");
        return 2;
    }
    int n = 0;
    av[n++] = "db";
    for (int i = 1; i < argc; i++)
        av[n++] = argv[i];
    av[n++] = "report";
    av[n] = NULL;
    int rc = cmd_db(n, av);
    free(av);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") || !strncmp(argv[i], "--db=", 5))
            return report_from_db(argc, argv);
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
                "files with SHA-256, Rigor version and the command line.\n"
                "\n"
                "usage: rigor report --db TARGET [query filters] -o REPORT.html\n"
                "\n"
                "The same report from the store: the analyses `rigor db query` selects with\n"
                "the same filters (see rigor db --help), each curve read from its stored run\n"
                "file and checked against the stored SHA-256. A file that is missing, changed\n"
                "or unreadable gets no figure and a note saying so in the report.\n"
                "\n"
                "Exit status: 0 written (every curve verified); 2 bad usage, nothing analysed,\n"
                "or (--db) some curve file missing, changed or unreadable; 4 (--db) the store\n"
                "could not be opened.\n");
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
