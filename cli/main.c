/* main.c — the rigor binary: dispatch to a subcommand.
 *
 * Process-wide set-up that libraries need happens here and only here:
 * GSL's abort-on-error handler is switched off (analysis_init), so numeric
 * failures come back as status codes that the analysis turns into rigor_err.
 */
#include "commands.h"

#include "../analysis/numeric.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"analyze", cmd_analyze, "analyse stress-strain data files (tensile, compression)"},
    {"run", cmd_run, "run a test protocol headless on a rig or the simulated frame"},
    {"check", cmd_check, "validate test protocols and print their plan (nothing moves)"},
    {"inspect", cmd_inspect, "show what Rigor detects in data files (format, columns, units)"},
    {"sim", cmd_sim, "run the simulated load frame (a Modbus TCP/RTU server)"},
    {"ports", cmd_ports, "list serial ports (device, USB VID:PID, description)"},
    {"report", cmd_report, "analyse a batch into one self-contained HTML report"},
    {"console", cmd_console, "the operator's screen: jog, run tests live, results, batch"},
    {"db", cmd_db, "the results store: import, query, summary, verify (docs/store.md)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rigor COMMAND [options] [args]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'rigor COMMAND --help' describes each command. Rigor %s\n", RIGOR_VERSION);
}

int main(int argc, char **argv)
{
    analysis_init();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rigor %s\n", RIGOR_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "rigor: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
