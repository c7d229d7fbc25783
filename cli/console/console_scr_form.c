/* console_scr_form.c — the specimen form: id, geometry, quick-test rate, notes. */
#include "console_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const label[FORM_NFIELDS] = {"Specimen id",
                                                "Width (mm)",
                                                "Thickness (mm)",
                                                "Gauge length (mm)",
                                                "Quick-test rate (mm/min)",
                                                "Notes"};

void scr_form_open(console *c)
{
    memcpy(c->form_edit, c->field, sizeof c->field);
    c->form_sel = 0;
    c->scr = SCR_FORM;
}

void scr_form_draw(console *c, const clayout *l)
{
    int w = l->readouts.w + l->plot.w, h = l->readouts.h;
    crt_box(l->readouts.y, 0, h, w, CA_NORMAL, "Specimen");
    int y = l->readouts.y + 2;
    for (int f = 0; f < FORM_NFIELDS; f++, y += 2) {
        crt_printf(y, 3, f == c->form_sel ? CA_BOLD : CA_NORMAL, "%-26s", label[f]);
        crt_fill(y, 30, w - 33, f == c->form_sel ? CA_SEL : CA_DIM);
        crt_printf(y, 30, f == c->form_sel ? CA_SEL : CA_NORMAL, "%s%s", c->form_edit[f],
                   f == c->form_sel ? "▏" : "");
    }
    crt_put(y, 3, CA_DIM,
            "Geometry overrides the protocol's; a quick test needs all three sizes.");
    con_draw_frame(c, l, "↑↓/Tab field|Enter save|Esc stop+cancel|Backspace delete");
}

bool scr_form_key(console *c, int k)
{
    char *f = c->form_edit[c->form_sel];
    size_t n = strlen(f);
    switch (k) {
    case CK_UP:
    case CK_BTAB: c->form_sel = (c->form_sel + FORM_NFIELDS - 1) % FORM_NFIELDS; return true;
    case CK_DOWN:
    case CK_TAB: c->form_sel = (c->form_sel + 1) % FORM_NFIELDS; return true;
    case CK_BACKSPACE:
        while (n > 0 && ((unsigned char)f[n - 1] & 0xC0) == 0x80)
            n--; /* a whole UTF-8 character */
        if (n > 0)
            f[n - 1] = '\0';
        return true;
    case CK_ENTER: {
        char keep[FORM_NFIELDS][128];
        memcpy(keep, c->field, sizeof keep);
        memcpy(c->field, c->form_edit, sizeof c->field);
        for (int i = FORM_WIDTH; i <= FORM_RATE; i++)
            if (c->field[i][0] && !isfinite(con_field_num(c, i))) {
                memcpy(c->field, keep, sizeof keep);
                c->form_sel = i;
                con_msg(c, true, "%s: a positive number, please", label[i]);
                return true;
            }
        c->scr = SCR_MAIN;
        con_msg(c, false, "specimen %s: %s × %s × %s mm", c->field[FORM_ID],
                c->field[FORM_WIDTH], c->field[FORM_THICK], c->field[FORM_GAUGE]);
        return true;
    }
    default:
        if (k >= 32 && k < 256 && k != 127 && n + 2 < sizeof c->form_edit[0]) {
            f[n] = (char)k;
            f[n + 1] = '\0';
            return true;
        }
    }
    return false;
}
