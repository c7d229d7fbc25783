/* results_table.c — tables of rows in a result set (per cycle, per hold); see results.h. */
#include "results.h"

#include "../common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int results_table_add(result_set *rs, const char *name, const char *const *cols, size_t ncols,
                      size_t *idx)
{
    if (ncols == 0 || ncols > RESULT_TABLE_COLS)
        return RIGOR_EINVAL;
    result_table *t = realloc(rs->tables, (rs->ntables + 1) * sizeof *t);
    if (!t)
        return RIGOR_ENOMEM;
    rs->tables = t;
    result_table *n = &t[rs->ntables];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    n->ncols = ncols;
    for (size_t j = 0; j < ncols; j++)
        snprintf(n->col[j], sizeof n->col[j], "%s", cols[j]);
    *idx = rs->ntables++;
    return RIGOR_OK;
}

int results_table_row(result_set *rs, size_t idx, const double *row)
{
    result_table *t = &rs->tables[idx];
    double *v = realloc(t->v, (t->nrows + 1) * t->ncols * sizeof *v);
    if (!v)
        return RIGOR_ENOMEM;
    t->v = v;
    memcpy(v + t->nrows * t->ncols, row, t->ncols * sizeof *v);
    t->nrows++;
    return RIGOR_OK;
}

const result_table *results_table_find(const result_set *rs, const char *name)
{
    for (size_t i = 0; i < rs->ntables; i++)
        if (!strcmp(rs->tables[i].name, name))
            return &rs->tables[i];
    return NULL;
}

void results_tables_free(result_set *rs)
{
    for (size_t i = 0; i < rs->ntables; i++)
        free(rs->tables[i].v);
    free(rs->tables);
    rs->tables = NULL;
    rs->ntables = 0;
}
