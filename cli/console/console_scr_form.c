/* console_scr_form.c — the specimen form: id, geometry, quick-test rate, notes. */
#include "console_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const label[FORM_NFIELDS] = {
    [FORM_ID] = "Specimen id",
    [FORM_WIDTH] = "Width (mm)",
    [FORM_THICK] = "Thickness (mm)",
    [FORM_DIAM] = "Diameter (mm)",
    [FORM_GAUGE] = "Gauge length (mm)",
    [FORM_HEIGHT] = "Height (mm)",
    [FORM_AREA] = "Area (mm²)",
    [FORM_RATE] = "Quick-test rate (mm/min)",
    [FORM_JOGF] = "Jog force limit (N)",
    [FORM_NOTES] = "Notes"};

/* the numeric fields, in the field's unit */
static bool numeric(int f) { return f != FORM_ID && f != FORM_NOTES; }

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
    /* one blank line between fields when the screen has room for it */
    int step = h - 4 >= 2 * FORM_NFIELDS + 1 ? 2 : 1;
    int y = l->readouts.y + (step == 2 ? 2 : 1);
    for (int f = 0; f < FORM_NFIELDS; f++, y += step) {
        crt_printf(y, 3, f == c->form_sel ? CA_BOLD : CA_NORMAL, "%-26s", label[f]);
        crt_fill(y, 30, w - 33, f == c->form_sel ? CA_SEL : CA_DIM);
        crt_printf(y, 30, f == c->form_sel ? CA_SEL : CA_NORMAL, "%s%s", c->form_edit[f],
                   f == c->form_sel ? "▏" : "");
    }
    if (step == 1 && y + 3 < l->readouts.y + h - 1)
        y++;
    crt_putn(y, 3, w - 5, CA_DIM, "Blank = not given; geometry overrides the protocol's.");
    crt_putn(y + 1, 3, w - 5, CA_DIM,
             "A quick test needs a cross-section (area, width × thickness or diameter)");
    crt_putn(y + 2, 3, w - 5, CA_DIM,
             "and a gauge length. A decimal comma is fine: 0,04 or 0,04 mm.");
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
        for (int i = 0; i < FORM_NFIELDS; i++) {
            if (!numeric(i) || !c->field[i][0])
                continue;
            bool blank = true;
            for (const char *q = c->field[i]; *q; q++)
                blank = blank && *q == ' ';
            if (blank) {
                c->field[i][0] = '\0';
                continue;
            }
            if (!isfinite(con_field_num(c, i))) {
                char bad[128];
                snprintf(bad, sizeof bad, "%s", c->field[i]);
                memcpy(c->field, keep, sizeof keep);
                c->form_sel = i;
                con_msg(c, true, "%s: '%s' is not a positive number in the field's unit", label[i],
                        bad);
                return true;
            }
        }
        /* kept as plain numbers in the field's unit: "0,04 mm" -> "0.04" */
        for (int i = 0; i < FORM_NFIELDS; i++)
            if (numeric(i) && c->field[i][0])
                snprintf(c->field[i], sizeof c->field[0], "%.6g", con_field_num(c, i));
        c->scr = SCR_MAIN;
        curve_geom g;
        con_form_geom(c, &g);
        double a = curve_geom_area(&g);
        char sz[160] = "";
        size_t o = 0;
        if (isfinite(a))
            o += (size_t)snprintf(sz + o, sizeof sz - o, ", cross-section %.6g mm²", a * 1e6);
        if (isfinite(g.gauge_m) && o < sizeof sz)
            o += (size_t)snprintf(sz + o, sizeof sz - o, ", gauge length %.6g mm",
                                  g.gauge_m * 1e3);
        if (isfinite(g.height_m) && o < sizeof sz)
            snprintf(sz + o, sizeof sz - o, ", height %.6g mm", g.height_m * 1e3);
        con_msg(c, false, "specimen %s%s", c->field[FORM_ID], sz[0] ? sz : ": no geometry");
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
