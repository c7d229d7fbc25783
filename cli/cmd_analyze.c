/* cmd_analyze.c — `rigor analyze`: read data files, compute results, print. */
#include "commands.h"

#include <stdio.h>

int cmd_analyze(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rigor analyze: not implemented yet\n");
    return 2;
}
