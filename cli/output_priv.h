/* output_priv.h — what output.c (per-specimen printers) shares with
 * output_summary.c (the batch summary printers). Private to cli/. */
#ifndef RIGOR_CLI_OUTPUT_PRIV_H
#define RIGOR_CLI_OUTPUT_PRIV_H

#include "output.h"

#include "../common/json.h"

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *key, *label, *unit;
} label_row;

/* The display label row of a result key; NULL when it has none. */
const label_row *label_of(const char *key);

/* Numbers for people: 5 significant digits, no exponent for usual ranges. */
void fmt_num(char *buf, size_t len, double v);

/* The array of specimens, as `rigor analyze --json` prints it. */
void json_specimens(json_writer *w, const analysed *v, size_t n);
/* CSV field: quoted when it holds a delimiter, quote or newline (RFC 4180). */
void csv_field(FILE *f, const char *s);

#endif
