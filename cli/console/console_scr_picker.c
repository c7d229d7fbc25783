/* console_scr_picker.c — choose the protocol: the quick tensile test, the
 * files of protocols/, or a typed path; `rigor check`'s verdict (errors
 * with file:line:col, or the plan) is shown before anything can start. */
#include "console_priv.h"

#include "../../common/error.h"

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* entries: 0 quick test, 1..nfiles files, nfiles+1 typed path */
void scr_picker_open(console *c)
{
    for (int i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    c->files = NULL;
    c->nfiles = 0;
    char pat[1100];
    snprintf(pat, sizeof pat, "%s/*.rigor", c->opt.protocol_dir);
    glob_t g;
    if (glob(pat, 0, NULL, &g) == 0) {
        c->files = calloc(g.gl_pathc ? g.gl_pathc : 1, sizeof *c->files);
        for (size_t i = 0; c->files && i < g.gl_pathc; i++)
            if ((c->files[c->nfiles] = strdup(g.gl_pathv[i])))
                c->nfiles++;
        globfree(&g);
    }
    c->sel = 0;
    for (int i = 0; i < c->nfiles; i++)
        if (!strcmp(c->files[i], c->proto_path))
            c->sel = i + 1;
    c->top = 0;
    c->checked_sel = -1;
    c->scr = SCR_PICKER;
}

static const char *path_of(const console *c)
{
    if (c->sel == 0)
        return "";
    if (c->sel <= c->nfiles)
        return c->files[c->sel - 1];
    return c->typed;
}

/* Validate the selection as `rigor check` would, against this rig. */
static void check(console *c)
{
    c->checked_sel = c->sel;
    const char *path = path_of(c);
    char *text = NULL;
    size_t tl = 0;
    FILE *f = open_memstream(&text, &tl);
    if (!f)
        return;
    c->check_ok = false;
    if (!path[0] && c->sel == 0) {
        fprintf(f, "Quick tensile test (no file): preload, zero position, ramp at the\n"
                   "form's rate until fracture; stop on fracture. Geometry from the form.\n");
        c->check_ok = true;
    } else if (!path[0]) {
        fprintf(f, "Type a path, then Enter.\n");
    } else {
        protocol *p = NULL;
        rigor_diag d[16];
        size_t nd = 0;
        int rc = run_session_parse_file(c->s, path, NULL, &p, d, 16, &nd);
        char line[1200];
        if (rc != RIGOR_OK) {
            fprintf(f, "%zu error%s; this protocol cannot start:\n", nd, nd == 1 ? "" : "s");
            for (size_t i = 0; i < nd; i++)
                fprintf(f, "%s\n", rigor_diag_format(&d[i], line, sizeof line));
        } else {
            fprintf(f, "OK: %s\n", p->name);
            for (int i = 0; i < p->nwarnings; i++)
                fprintf(f, "%s\n", rigor_diag_format(&p->warning[i], line, sizeof line));
            proto_print_plan(p, f);
            c->check_ok = true;
            proto_free(p);
        }
    }
    fclose(f);
    con_lines_from_text(text, &c->check_lines, &c->ncheck);
    free(text);
}

/* Each word of line that has a '/' and is wider than cols, elided to cols. */
static void fit_paths(char *out, size_t len, const char *line, size_t cols)
{
    size_t k = 0;
    out[0] = '\0';
    for (const char *p = line; *p && k + 1 < len;) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        char w[2048], f[2048];
        snprintf(w, sizeof w, "%.*s", (int)(e - p), p);
        if (strchr(w, '/') && cutf8_cols(w) > cols)
            cpath_elide(f, sizeof f, w, cols);
        else
            snprintf(f, sizeof f, "%s", w);
        k += (size_t)snprintf(out + k, len - k, "%s", f);
        if (k >= len)
            k = len - 1;
        while (*e == ' ' && k + 1 < len) {
            out[k++] = ' ';
            out[k] = '\0';
            e++;
        }
        p = e;
    }
}

void scr_picker_draw(console *c, const clayout *l)
{
    if (c->checked_sel != c->sel)
        check(c);
    int lw = l->readouts.w + 6, h = l->readouts.h, y0 = l->readouts.y;
    crt_box(y0, 0, h, lw, CA_NORMAL, "Protocol");
    int n = c->nfiles + 2, vis = h - 2;
    if (c->sel < c->top)
        c->top = c->sel;
    if (c->sel >= c->top + vis)
        c->top = c->sel - vis + 1;
    for (int i = c->top; i < n && i - c->top < vis; i++) {
        char item[600];
        if (i == 0)
            snprintf(item, sizeof item, "Quick tensile test");
        else if (i <= c->nfiles) {
            const char *b = strrchr(c->files[i - 1], '/');
            snprintf(item, sizeof item, "%s", b ? b + 1 : c->files[i - 1]);
        } else {
            /* a typed path longer than the box shows its end, where one types */
            size_t room = lw > 12 ? (size_t)lw - 11 : 1, nt = cutf8_cols(c->typed);
            const char *t = c->typed;
            for (size_t skip = nt > room ? nt - room + 1 : 0; skip > 0 && *t; skip--) {
                t++;
                while (((unsigned char)*t & 0xC0) == 0x80)
                    t++;
            }
            snprintf(item, sizeof item, "Path: %s%s%s", t != c->typed ? "…" : "", t,
                     i == c->sel ? "▏" : "");
        }
        int y = y0 + 1 + i - c->top;
        crt_fill(y, 1, lw - 2, i == c->sel ? CA_SEL : CA_NORMAL);
        crt_putn(y, 2, lw - 3, i == c->sel ? CA_SEL : CA_NORMAL, item);
    }
    int cw = l->title.w - lw;
    crt_box(y0, lw, h, cw, CA_NORMAL, "rigor check");
    /* long lines (file:line:col: message) wrap inside the box */
    int y = y0 + 1, tw = cw - 4;
    for (size_t i = 0; i < c->ncheck && y < y0 + h - 1 && tw > 0; i++) {
        /* a path longer than the box loses the middle of its folders, not
         * its file name and line:col (wrapping would cut it anywhere) */
        char fitted[2400];
        fit_paths(fitted, sizeof fitted, c->check_lines[i], (size_t)tw);
        const char *t = fitted;
        int attr = i == 0 ? (c->check_ok ? CA_OK : CA_WARN) : CA_NORMAL;
        do {
            size_t skip = 0, cols = 0;
            while (t[skip] && cols < (size_t)tw) {
                skip++;
                while (((unsigned char)t[skip] & 0xC0) == 0x80)
                    skip++;
                cols++;
            }
            if (t[skip]) { /* break at the last space that fits */
                size_t sp = skip;
                while (sp > 0 && t[sp - 1] != ' ')
                    sp--;
                if (sp > 0)
                    skip = sp;
            }
            char part[2048];
            snprintf(part, sizeof part, "%.*s", (int)skip, t);
            crt_putn(y++, lw + 2, tw, attr, part);
            t += skip;
            while (*t == ' ') /* a continuation line starts with a word */
                t++;
        } while (*t && y < y0 + h - 1);
    }
    con_draw_frame(c, l, "↑↓ choose|Enter use it|type a path on the last line|Esc stop+back");
}

/* The form takes the protocol's geometry: when it gives any, every
 * geometry field is set from it and the ones it does not give are blanked
 * (a width × thickness left from a strip would override a bar's diameter). */
static void take_geometry(console *c, const protocol *p)
{
    const curve_geom *g = &p->geom;
    double v[][2] = {{FORM_WIDTH, g->width_m * 1e3},    {FORM_THICK, g->thickness_m * 1e3},
                     {FORM_DIAM, g->diameter_m * 1e3},  {FORM_GAUGE, g->gauge_m * 1e3},
                     {FORM_HEIGHT, g->height_m * 1e3}, {FORM_AREA, g->area_m2 * 1e6}};
    bool any = false;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        any = any || isfinite(v[i][1]);
    if (!any)
        return;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *f = c->field[(int)v[i][0]];
        if (isfinite(v[i][1]))
            snprintf(f, sizeof c->field[0], "%.6g", v[i][1]);
        else
            f[0] = '\0';
    }
}

bool scr_picker_key(console *c, int k)
{
    int n = c->nfiles + 2;
    bool on_path = c->sel == n - 1;
    switch (k) {
    case CK_UP: c->sel = (c->sel + n - 1) % n; return true;
    case CK_DOWN:
    case CK_TAB: c->sel = (c->sel + 1) % n; return true;
    case CK_ENTER:
        if (c->checked_sel != c->sel)
            check(c);
        if (!c->check_ok) {
            con_msg(c, true, "not valid: see the check on the right");
            return true;
        }
        snprintf(c->proto_path, sizeof c->proto_path, "%s", path_of(c));
        if (c->proto_path[0]) {
            /* the form takes the protocol's geometry */
            protocol *p = NULL;
            rigor_diag d[4];
            size_t nd = 0;
            c->proto_fmax_N = NAN;
            if (run_session_parse_file(c->s, c->proto_path, NULL, &p, d, 4, &nd) == RIGOR_OK) {
                take_geometry(c, p);
                /* its force limits bound the jog too (console_jog.c) */
                for (int i = 0; i < p->nlimits; i++)
                    if (p->limit[i].q == PQ_FORCE &&
                        (p->limit[i].op == POP_LT || p->limit[i].op == POP_LE) &&
                        !(p->limit[i].value >= c->proto_fmax_N))
                        c->proto_fmax_N = p->limit[i].value;
                proto_free(p);
            }
        } else {
            c->proto_fmax_N = NAN;
        }
        c->scr = SCR_MAIN;
        con_msg(c, false, "protocol: %s",
                c->proto_path[0] ? c->proto_path : "quick tensile test");
        return true;
    case CK_BACKSPACE:
        if (on_path && c->typed[0]) {
            c->typed[strlen(c->typed) - 1] = '\0';
            c->checked_sel = -1;
        }
        return true;
    default:
        if (on_path && k >= 32 && k < 127 && strlen(c->typed) + 2 < sizeof c->typed) {
            size_t m = strlen(c->typed);
            c->typed[m] = (char)k;
            c->typed[m + 1] = '\0';
            c->checked_sel = -1;
            return true;
        }
    }
    return false;
}
