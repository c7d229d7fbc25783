/* console_scr_main.c — the main screen: live readouts and the live plot. */
#include "console_priv.h"

#include "../../common/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void con_draw_frame(console *c, const clayout *l, const char *keys)
{
    run_session_info si;
    run_session_get_info(c->s, &si);
    crt_fill(0, 0, l->title.w, CA_TITLE);
    char line[1600], fit[1600];
    snprintf(line, sizeof line, "Rigor console · %s · specimen %s · %s",
             si.sim ? "simulated frame" : si.rig_path, c->field[FORM_ID],
             c->proto_path[0] ? (strrchr(c->proto_path, '/') ? strrchr(c->proto_path, '/') + 1
                                                             : c->proto_path)
                              : "quick tensile test");
    /* paths (rig file, run file, protocol) lose the middle of their folders,
     * never the file name, when a line is too short for them */
    ctext_fit(fit, sizeof fit, line, l->title.w > 2 ? (size_t)l->title.w - 2 : 1);
    crt_put(0, 1, CA_TITLE, fit);
    ctext_fit(fit, sizeof fit, c->msg, l->status.w > 2 ? (size_t)l->status.w - 2 : 1);
    crt_put(l->status.y, 1, c->msg_alert ? CA_WARN : CA_NORMAL, fit);
    /* key hints: "k label  k label", keys in colour; wrapped over the lines */
    int y = l->keys.y, x = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", keys);
    for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|")) {
        char *sp = strchr(tok, ' ');
        size_t n = cutf8_cols(tok) + 2;
        if (x + (int)n > l->keys.w && y + 1 < l->keys.y + l->keys.h) {
            y++;
            x = 0;
        }
        if (sp)
            *sp = '\0';
        crt_put(y, x, CA_KEY, tok);
        if (sp)
            crt_printf(y, x + (int)cutf8_cols(tok), CA_NORMAL, " %s", sp + 1);
        x += (int)n;
    }
    if (l->small)
        crt_put(l->status.y, l->status.w > 30 ? l->status.w - 30 : 0, CA_WARN,
                " terminal under 80x24 ");
}

static void ro(int y, int x, int w, const char *label, const char *fmt, double v,
               const char *unit)
{
    char num[64];
    if (isfinite(v))
        snprintf(num, sizeof num, fmt, v);
    else
        snprintf(num, sizeof num, "—");
    crt_printf(y, x, CA_NORMAL, "%-11s", label);
    int nx = x + w - 8 - (int)cutf8_cols(num);
    crt_put(y, nx > x + 11 ? nx : x + 11, CA_BOLD, num);
    crt_put(y, x + w - 7, CA_DIM, unit);
}

/* The form's geometry in a line: "10 × 0.04 mm, L0 20 mm", "Ø 10 mm, h 0.6 mm". */
static void geom_text(const console *c, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    const char *w = c->field[FORM_WIDTH], *t = c->field[FORM_THICK];
    /* the cross-section as the analysis takes it (area, w × t, diameter) */
    if (c->field[FORM_AREA][0])
        k += (size_t)snprintf(out + k, len - k, "A %s mm²", c->field[FORM_AREA]);
    else if (w[0] && t[0])
        k += (size_t)snprintf(out + k, len - k, "%s × %s mm", w, t);
    else if (c->field[FORM_DIAM][0])
        k += (size_t)snprintf(out + k, len - k, "Ø %s mm", c->field[FORM_DIAM]);
    if (k < len && c->field[FORM_GAUGE][0])
        k += (size_t)snprintf(out + k, len - k, "%sL0 %s mm", k ? ", " : "",
                              c->field[FORM_GAUGE]);
    if (k < len && c->field[FORM_HEIGHT][0])
        snprintf(out + k, len - k, "%sh %s mm", k ? ", " : "", c->field[FORM_HEIGHT]);
    if (!out[0])
        snprintf(out, len, "no geometry (f: specimen form)");
}

static void draw_readouts(console *c, const crect *r)
{
    crt_box(r->y, r->x, r->h, r->w, CA_NORMAL, "Readouts");
    rig *rg = run_session_rig(c->s);
    rig_sample smp;
    bool have = rg && rig_latest(rg, &smp) == RIGOR_OK;
    rig_stats st;
    memset(&st, 0, sizeof st);
    if (rg)
        rig_stats_get(rg, &st);
    const machine *m = run_session_machine(c->s);
    double force = have ? smp.force_N : NAN, pos = have ? smp.position_m : NAN;
    double ext = have ? smp.extension_m : NAN;
    double stress, strain;
    if (m && run_session_phase(c->s) == RUN_ACTIVE) {
        machine_values mv = machine_values_of(m);
        stress = mv.stress_Pa;
        strain = mv.strain;
    } else {
        curve_geom g;
        con_form_geom(c, &g);
        stress = force / curve_geom_area(&g);
        strain = pos / (isfinite(g.gauge_m) ? g.gauge_m : g.height_m);
    }
    double rate = have && isfinite(smp.velocity_m_s) ? smp.velocity_m_s : NAN;
    if (have && !isfinite(rate)) {
        if (smp.t_s - c->prev_t > 0.1) {
            c->rate_m_s = (smp.position_m - c->prev_pos) / (smp.t_s - c->prev_t);
            c->prev_t = smp.t_s;
            c->prev_pos = smp.position_m;
        }
        rate = c->rate_m_s;
    }
    int x = r->x + 2, w = r->w - 3, y = r->y + 1, yend = r->y + r->h - 1;
    ro(y++, x, w, "Force", "%.4f", force, "N");
    ro(y++, x, w, "Position", "%.4f", pos * 1e3, "mm");
    ro(y++, x, w, "Extension", "%.4f", ext * 1e3, "mm");
    ro(y++, x, w, "Stress", "%.3f", stress / 1e6, "MPa");
    ro(y++, x, w, "Strain", "%.3f", strain * 100, "%");
    ro(y++, x, w, "Rate", "%.3f", rate * 6e4, "mm/min");
    ro(y++, x, w, "Sampling", "%.0f", st.achieved_rate_hz, "Hz");
    uint64_t errs = st.errors_timeout + st.errors_crc + st.errors_exception +
                    st.errors_baddata + st.errors_link;
    if (y < yend)
        crt_printf(y++, x, CA_NORMAL, "Link       %llu err · %llu retry",
                   (unsigned long long)errs, (unsigned long long)st.retries);
    char reason[96] = "";
    bool fault = run_session_fault(c->s, reason, sizeof reason);
    run_phase ph = run_session_phase(c->s);
    const char *state = fault               ? "FAULT"
                        : m                 ? machine_state_name(machine_state_of(m))
                        : ph == RUN_BALANCE ? "BALANCE"
                                            : "IDLE";
    if (y < yend) {
        crt_printf(y, x, CA_NORMAL, "State");
        crt_put(y++, x + 11, fault ? CA_ALERT : CA_BOLD, state);
    }
    const protocol *p = run_session_protocol(c->s);
    if (y < yend) {
        int step = m ? machine_step(m) : -1;
        if (p && step >= 0 && step < p->nsteps)
            crt_printf(y++, x, CA_NORMAL, "Step       %d/%d %s", step + 1, p->nsteps,
                       proto_step_name(p->steps[step].kind));
        else
            crt_printf(y++, x, CA_NORMAL, "Step       —");
    }
    if (y < yend) {
        const char *stage = m && machine_stage(m)[0] ? machine_stage(m) : c->last_stage;
        crt_printf(y++, x, CA_NORMAL, "Stage      %s", stage[0] ? stage : "—");
    }
    if (y < yend) {
        char src[64];
        double b = con_jog_bound(c, src, sizeof src);
        crt_printf(y++, x, CA_NORMAL, "Jog        %.3g mm/s ≤ %.3g N", con_jog_speed(c) * 1e3,
                   b);
    }
    if (y + 1 < yend) {
        y++;
        char gt[160];
        geom_text(c, gt, sizeof gt);
        crt_putn(y++, x, w, CA_DIM, gt);
    }
    if (y < yend && !c->proto_path[0])
        crt_printf(y++, x, CA_DIM, "quick test at %s mm/min", c->field[FORM_RATE]);
}

static void draw_plot(console *c, const crect *r)
{
    const char *title = c->axes ? "Force (N) vs position (mm)" : "Stress (MPa) vs strain (%)";
    crt_box(r->y, r->x, r->h, r->w, CA_NORMAL, title);
    int lw = 7; /* y-axis labels */
    int cols = r->w - 2 - lw, rows = r->h - 3;
    if (cols < 4 || rows < 2)
        return;
    bplot p;
    if (bplot_init(&p, cols, rows) != RIGOR_OK)
        return;
    const double *x = c->px[c->axes], *y = c->py[c->axes];
    bscale s = bplot_autoscale(x, y, c->np);
    bplot_series(&p, &s, x, y, c->np);
    for (int k = 0; k < c->nmark; k++) {
        size_t i = c->mark[k].i < c->np ? c->mark[k].i : c->np ? c->np - 1 : 0;
        if (c->np)
            bplot_marker(&p, &s, x[i], y[i], c->mark[k].c);
    }
    char row[4096];
    for (int j = 0; j < rows; j++) {
        bplot_row(&p, j, row, sizeof row);
        /* markers in their own colour: draw the row, then the marks over it */
        crt_put(r->y + 1 + j, r->x + 1 + lw, CA_PLOT, row);
        for (int i = 0; i < cols; i++)
            if (p.mark[(size_t)j * cols + i]) {
                char m[2] = {p.mark[(size_t)j * cols + i], 0};
                crt_put(r->y + 1 + j, r->x + 1 + lw + i, CA_MARK, m);
            }
    }
    if (c->np) {
        crt_printf(r->y + 1, r->x + 1, CA_DIM, "%6.4g", s.ymax);
        crt_printf(r->y + rows, r->x + 1, CA_DIM, "%6.4g", s.ymin);
        crt_printf(r->y + r->h - 2, r->x + 1 + lw, CA_DIM, "%-8.4g", s.xmin);
        char xm[32];
        snprintf(xm, sizeof xm, "%.4g %s", s.xmax, c->axes ? "mm" : "%");
        crt_put(r->y + r->h - 2, r->x + r->w - 1 - (int)strlen(xm), CA_DIM, xm);
    }
    /* legend of the markers seen */
    char leg[256] = "";
    size_t ll = 0;
    for (int k = 0; k < c->nmark && ll + 40 < sizeof leg; k++) {
        if (strchr(leg, c->mark[k].c) && c->mark[k].c != 'X')
            continue;
        ll += (size_t)snprintf(leg + ll, sizeof leg - ll, "%c=%s ", c->mark[k].c,
                               c->mark[k].text);
    }
    if (ll)
        crt_putn(r->y + r->h - 1, r->x + 2, r->w - 4, CA_MARK, leg);
    if (!c->np) {
        char hint[128];
        cutf8_clip(hint, sizeof hint,
                   c->testing ? "balancing…" : "s: start a test · o: protocol · f: specimen",
                   (size_t)(r->w - lw - 4));
        crt_put(r->y + r->h / 2, r->x + lw + 2, CA_DIM, hint);
    }
    bplot_free(&p);
}

void scr_main_draw(console *c, const clayout *l)
{
    draw_readouts(c, &l->readouts);
    draw_plot(c, &l->plot);
    con_draw_frame(c, l,
                   c->testing ? "␣/Esc STOP|p pause/resume|a axes|q quit"
                              : "↑↓ jog|-+ jog speed|z zero|t tare|s start|␣/Esc stop|f specimen|"
                                "o protocol|a axes|r results|b batch|q quit");
}

bool scr_main_key(console *c, int k)
{
    switch (k) {
    case CK_UP:
    case CK_DOWN:
    case 'k':
    case 'j':
        /* each key event (auto-repeat while held) moves for a short while */
        con_jog(c, k == CK_UP || k == 'k' ? +1 : -1);
        return true;
    case '+':
    case '=': con_jog_speed_step(c, +1); return true;
    case '-': con_jog_speed_step(c, -1); return true;
    case 'z': con_zero(c); return true;
    case 't': con_tare(c); return true;
    case 's': con_start_test(c); return true;
    case 'p': {
        const machine *m = run_session_machine(c->s);
        if (!m)
            return true;
        bool paused = machine_state_of(m) == MS_PAUSED;
        int rc = run_session_request(c->s, paused ? ME_RESUME : ME_PAUSE);
        con_msg(c, rc != RIGOR_OK, "%s%s", paused ? "resume" : "pause", rc ? ": not now" : "");
        return true;
    }
    case 'a': c->axes = !c->axes; return true;
    case 'f':
        if (!c->testing)
            scr_form_open(c);
        return true;
    case 'o':
        if (!c->testing)
            scr_picker_open(c);
        return true;
    case 'r': c->scr = SCR_RESULTS; return true;
    case 'b': c->scr = SCR_BATCH; return true;
    case 'q': con_quit(c); return true;
    }
    return false;
}
