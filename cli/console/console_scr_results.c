/* console_scr_results.c — after a test: the results (the table of `rigor
 * analyze` on the run file), where the run file is, the next specimen; and
 * the batch table of the session's specimens with mean and SD. */
#include "console_priv.h"

#include "../../analysis/rstats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scr_results_draw(console *c, const clayout *l)
{
    int w = l->title.w, h = l->readouts.h, y0 = l->readouts.y;
    crt_box(y0, 0, h, w, CA_NORMAL, "Results");
    int y = y0 + 1;
    if (!c->res_title[0]) {
        crt_put(y, 2, CA_DIM, "No test has ended yet in this session.");
    } else {
        char rf[1700];
        ctext_fit(rf, sizeof rf, c->res_title, w > 4 ? (size_t)w - 4 : 1);
        crt_put(y++, 2, CA_BOLD, rf);
        char line[1100];
        snprintf(line, sizeof line, "Run file: %s", c->res_path);
        ctext_fit(rf, sizeof rf, line, w > 4 ? (size_t)w - 4 : 1);
        crt_put(y++, 2, CA_NORMAL, rf);
        for (size_t i = 0; i < c->nres && y < y0 + h - 1; i++) {
            /* the method line is long and for the record: the run file has it */
            if (strstr(c->res_lines[i], "  method:") == c->res_lines[i] ||
                (i == 0 && !strcmp(c->res_lines[i], c->res_path)))
                continue;
            crt_putn(y++, 2, w - 4, CA_NORMAL, c->res_lines[i]);
        }
    }
    con_draw_frame(c, l, "n next specimen (same settings)|b batch|m main|f specimen|q quit");
}

bool scr_results_key(console *c, int k)
{
    switch (k) {
    case 'n':
        if (!c->sto.series) /* a series' next specimen is in the form already */
            con_next_id(c->field[FORM_ID], sizeof c->field[0]);
        con_start_test(c);
        return true;
    case 'b': c->scr = SCR_BATCH; return true;
    case 'm': c->scr = SCR_MAIN; return true;
    case 'f': scr_form_open(c); return true;
    case 'q': con_quit(c); return true;
    }
    return false;
}

void scr_batch_draw(console *c, const clayout *l)
{
    int w = l->title.w, h = l->readouts.h, y0 = l->readouts.y;
    crt_box(y0, 0, h, w, CA_NORMAL, "Batch");
    int y = y0 + 1;
    crt_printf(y++, 2, CA_BOLD, "%-3s %-14s %9s %9s %9s %9s  %s", "#", "Specimen", "Rm MPa",
               "E MPa", "εb %", "Fmax N", "End");
    double v[4][CON_MAX_BATCH];
    int first = c->nbatch > h - 6 ? c->nbatch - (h - 6) : 0;
    for (int i = 0; i < c->nbatch; i++) {
        const con_batch_row *r = &c->batch[i];
        v[0][i] = r->strength_mpa;
        v[1][i] = r->modulus_mpa;
        v[2][i] = r->break_strain_pct;
        v[3][i] = r->max_force_n;
        if (i >= first)
            crt_printf(y++, 2, CA_NORMAL, "%-3d %-14.14s %9.4g %9.4g %9.4g %9.4g  %s", i + 1,
                       r->specimen, r->strength_mpa, r->modulus_mpa, r->break_strain_pct,
                       r->max_force_n, r->end_reason);
    }
    rstats st[4];
    for (int j = 0; j < 4; j++)
        rstats_values(v[j], (size_t)c->nbatch, &st[j]);
    y++;
    crt_printf(y++, 2, CA_BOLD, "%-3s %-14s %9.4g %9.4g %9.4g %9.4g", "", "mean", st[0].mean,
               st[1].mean, st[2].mean, st[3].mean);
    crt_printf(y++, 2, CA_BOLD, "%-3s %-14s %9.3g %9.3g %9.3g %9.3g", "", "SD", st[0].sd,
               st[1].sd, st[2].sd, st[3].sd);
    crt_printf(y++, 2, CA_DIM, "n = %zu specimens with a strength", st[0].n);
    con_draw_frame(c, l, "n next specimen|r results|m main|q quit");
}

bool scr_batch_key(console *c, int k)
{
    switch (k) {
    case 'n': return scr_results_key(c, k);
    case 'r': c->scr = SCR_RESULTS; return true;
    case 'm': c->scr = SCR_MAIN; return true;
    case 'q': con_quit(c); return true;
    }
    return false;
}
