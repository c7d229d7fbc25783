/* console_app.c — the console's loop: keys, the run session, redraws.
 *
 * One thread. Each turn waits up to 40 ms for a key, handles it (stop —
 * space or Esc — first and on every screen), polls the run session without
 * waiting (which feeds the state machine and writes the run file from the
 * acquisition queue; the acquisition thread never waits for us), checks for
 * a fault, and redraws: readouts and plot at ~25 Hz. When a test finishes
 * the run file is read back and analysed exactly as `rigor analyze` does,
 * and the results screen opens.
 */
#include "console_priv.h"

#include "../output.h"

#include "../../analysis/analysis.h"
#include "../../analysis/import/csvin.h"
#include "../../common/error.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void con_msg(console *c, bool alert, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->msg_alert = alert;
}

void con_lines_free(char ***v, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*v)[i]);
    free(*v);
    *v = NULL;
    *n = 0;
}

int con_lines_from_text(const char *text, char ***v, size_t *n)
{
    con_lines_free(v, n);
    size_t cap = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nv = realloc(*v, cap * sizeof *nv);
            if (!nv)
                return RIGOR_ENOMEM;
            *v = nv;
        }
        (*v)[*n] = strndup(p, len);
        if (!(*v)[*n])
            return RIGOR_ENOMEM;
        (*n)++;
        p += len + (e ? 1 : 0);
    }
    return RIGOR_OK;
}

/* The units a field may be followed by (the field's own unit only: the
 * label says it; another unit is refused rather than guessed). */
static bool unit_ok(int f, const char *u)
{
    static const char *const len_u[] = {"mm", NULL};
    static const char *const area_u[] = {"mm2", "mm²", "mm^2", NULL};
    static const char *const rate_u[] = {"mm/min", NULL};
    static const char *const force_u[] = {"N", NULL};
    const char *const *v = f == FORM_AREA   ? area_u
                           : f == FORM_RATE ? rate_u
                           : f == FORM_JOGF ? force_u
                                            : len_u;
    if (!*u)
        return true;
    for (; *v; v++)
        if (!strcmp(u, *v))
            return true;
    return false;
}

double con_parse_field(int f, const char *text)
{
    /* operators in much of Europe type a decimal comma: "0,04 mm" */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", text);
    int commas = 0;
    for (char *p = buf; *p; p++)
        if (*p == ',') {
            *p = '.';
            commas++;
        }
    if (commas > 1 || (commas && strchr(text, '.')))
        return NAN; /* "1,000.5" or "1,2,3": not a number we can read for sure */
    const char *s = buf;
    while (*s == ' ')
        s++;
    if (!*s)
        return NAN;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return NAN;
    while (*end == ' ')
        end++;
    char unit[32];
    snprintf(unit, sizeof unit, "%s", end);
    for (size_t n = strlen(unit); n > 0 && unit[n - 1] == ' '; n--)
        unit[n - 1] = '\0';
    return unit_ok(f, unit) && isfinite(v) && v > 0 ? v : NAN;
}

double con_field_num(const console *c, int f) { return con_parse_field(f, c->field[f]); }

void con_form_geom(const console *c, curve_geom *g)
{
    curve_geom_clear(g);
    g->width_m = con_field_num(c, FORM_WIDTH) * 1e-3;
    g->thickness_m = con_field_num(c, FORM_THICK) * 1e-3;
    g->diameter_m = con_field_num(c, FORM_DIAM) * 1e-3;
    g->gauge_m = con_field_num(c, FORM_GAUGE) * 1e-3;
    g->height_m = con_field_num(c, FORM_HEIGHT) * 1e-3;
    g->area_m2 = con_field_num(c, FORM_AREA) * 1e-6;
}

void con_next_id(char *id, size_t len)
{
    size_t n = strlen(id), k = n;
    while (k > 0 && isdigit((unsigned char)id[k - 1]))
        k--;
    if (k == n) {
        snprintf(id + n, len - n, "-2");
        return;
    }
    unsigned long v = strtoul(id + k, NULL, 10) + 1;
    int width = (int)(n - k);
    char num[32];
    snprintf(num, sizeof num, "%0*lu", width, v);
    snprintf(id + k, len - k, "%s", num);
}

/* The id was tested in this session, or runs/ has its run file
 * ("<id>-YYYYMMDDTHHMMSSZ.csv"). */
static bool id_used(const console *c, const char *id)
{
    for (int i = 0; i < c->nbatch; i++)
        if (!strcmp(c->batch[i].specimen, id))
            return true;
    char fid[128];
    session_safe_name(fid, sizeof fid, id);
    size_t n = strlen(fid);
    DIR *d = opendir("runs");
    if (!d)
        return false;
    bool used = false;
    for (struct dirent *e; !used && (e = readdir(d));) {
        const char *s = e->d_name;
        if (strncmp(s, fid, n) || s[n] != '-' || strlen(s + n + 1) != 20 ||
            strcmp(s + n + 17, ".csv") || s[n + 9] != 'T' || s[n + 16] != 'Z')
            continue;
        used = true;
        for (int j = 1; j <= 15; j++)
            if (j != 9 && !isdigit((unsigned char)s[n + j]))
                used = false;
    }
    closedir(d);
    return used;
}

/* Every sample of a running test: the plot's points, decimated by halving
 * when full, and markers where the stage column says something. */
static void on_sample(void *ctx, const rig_sample *smp, const machine_values *mv,
                      const char *stage)
{
    console *c = ctx;
    (void)smp;
    if (run_session_phase(c->s) != RUN_ACTIVE)
        return;
    if (stage && *stage) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", stage);
        for (char *tok = strtok(buf, " "); tok && c->nmark < CON_MAX_MARKS;
             tok = strtok(NULL, " ")) {
            char ch =
                !strcmp(tok, "fracture")    ? 'X'
                : !strncmp(tok, "mark:", 5) ? 'M'
                : !strcmp(tok, "limit")
                    ? 'L'
                    : (char)(tok[0] >= 'a' && tok[0] <= 'z' ? tok[0] - 'a' + 'A' : tok[0]);
            c->mark[c->nmark].i = c->np;
            c->mark[c->nmark].c = ch;
            snprintf(c->mark[c->nmark].text, sizeof c->mark[0].text, "%s", tok);
            c->nmark++;
            if (strncmp(tok, "mark:", 5))
                snprintf(c->last_stage, sizeof c->last_stage, "%s", tok);
        }
    }
    if (c->skip++ % c->stride)
        return;
    if (c->np == CON_MAX_POINTS) {
        for (size_t i = 0; i < CON_MAX_POINTS / 2; i++)
            for (int a = 0; a < 2; a++) {
                c->px[a][i] = c->px[a][2 * i];
                c->py[a][i] = c->py[a][2 * i];
            }
        for (int k = 0; k < c->nmark; k++)
            c->mark[k].i /= 2;
        c->np = CON_MAX_POINTS / 2;
        c->stride *= 2;
    }
    c->px[0][c->np] = mv->strain * 100;
    c->py[0][c->np] = mv->stress_Pa / 1e6;
    c->px[1][c->np] = mv->position_m * 1e3;
    c->py[1][c->np] = mv->force_N;
    c->np++;
}

/* The quick tensile test: a protocol written from the form. */
static int quick_text(console *c, char *buf, size_t len)
{
    curve_geom gm;
    con_form_geom(c, &gm);
    double r = con_field_num(c, FORM_RATE);
    if (!isfinite(curve_geom_area(&gm)) || !isfinite(gm.gauge_m) || !isfinite(r)) {
        con_msg(c, true,
                "quick test: needs a cross-section (area, width and thickness, or "
                "diameter), a gauge length and a rate (f: specimen form)");
        return -1;
    }
    run_session_info si;
    run_session_get_info(c->s, &si);
    double pre = isfinite(si.capacity_N) ? fmax(0.05, 5e-4 * si.capacity_N) : 0.05;
    /* the geometry the form gives, one statement each (docs/protocols.md) */
    char geom[512] = "";
    size_t k = 0;
    static const struct {
        int f;
        const char *kw, *unit;
    } gl[] = {{FORM_WIDTH, "width", "mm"},       {FORM_THICK, "thickness", "mm"},
              {FORM_DIAM, "diameter", "mm"},     {FORM_AREA, "area", "mm2"},
              {FORM_GAUGE, "gauge-length", "mm"}};
    for (size_t i = 0; i < sizeof gl / sizeof gl[0] && k < sizeof geom; i++) {
        double v = con_field_num(c, gl[i].f);
        if (isfinite(v))
            k += (size_t)snprintf(geom + k, sizeof geom - k, "%s %.6g %s\n", gl[i].kw, v,
                                  gl[i].unit);
    }
    snprintf(buf, len,
             "name \"Quick tensile test\"\ntest tensile\n%s%s%.6g N\npreload %.6g N at 1 "
             "mm/min\nzero position\nramp at %.6g mm/min until fracture\non fracture stop\n",
             geom, isfinite(si.capacity_N) ? "limit force < " : "# no capacity: ",
             isfinite(si.capacity_N) ? 0.95 * si.capacity_N : 0.0, pre, r);
    return 0;
}

int con_start_test(console *c)
{
    if (run_session_phase(c->s) != RUN_IDLE)
        return -1;
    if (c->series_done) {
        con_msg(c, true, "series %s: every specimen has its test (rigor db series load adds more)",
                c->sto.series);
        return -1;
    }
    if (c->fault_modal || run_session_fault(c->s, NULL, 0)) {
        con_msg(c, true, "the rig is in FAULT: acknowledge it first");
        return -1;
    }
    /* each test its own specimen id: one tested in this session or with a
     * run file in runs/ is never reused (base id + running number) */
    char was[128];
    snprintf(was, sizeof was, "%s", c->field[FORM_ID][0] ? c->field[FORM_ID] : "S1");
    snprintf(c->field[FORM_ID], sizeof c->field[0], "%s", was);
    for (int guard = 0; id_used(c, c->field[FORM_ID]) && guard < 10000; guard++)
        con_next_id(c->field[FORM_ID], sizeof c->field[0]);
    protocol *p = NULL;
    rigor_diag diags[8];
    size_t nd = 0;
    int rc;
    char text[1600];
    curve_geom g;
    curve_geom_clear(&g);
    if (!c->proto_path[0]) {
        if (quick_text(c, text, sizeof text) != 0)
            return -1;
        rc = run_session_parse_text(c->s, "quick-tensile", text, NULL, &p, diags, 8, &nd);
    } else {
        con_form_geom(c, &g);
        rc = run_session_parse_file(c->s, c->proto_path, &g, &p, diags, 8, &nd);
    }
    if (rc != RIGOR_OK) {
        char line[1200];
        con_msg(c, true, "%s",
                nd ? rigor_diag_format(&diags[0], line, sizeof line) : rigor_strerror(rc));
        return -1;
    }
    run_test_opts t = {NULL, c->field[FORM_ID][0] ? c->field[FORM_ID] : NULL,
                       c->field[FORM_NOTES][0] ? c->field[FORM_NOTES] : NULL, NULL, 0};
    /* a force a jog left on the specimen: the balance would take it as the
     * zero, so the run file's header says it */
    if (c->jog_dir) { /* a jog still under way ends before the balance */
        rig_cmd_stop(run_session_rig(c->s));
        c->jog_dir = 0;
    }
    double preload = con_jog_preload(c);
    run_session_set_jog_preload(c->s, preload);
    char why[1400] = "";
    if ((rc = run_session_begin_test(c->s, p, &t, why, sizeof why)) != RIGOR_OK) {
        con_msg(c, true, "cannot start: %s", why[0] ? why : rigor_strerror(rc));
        return -1;
    }
    c->jogged = false; /* the next preload is measured from this test on */
    c->np = 0;
    c->stride = 1;
    c->skip = 0;
    c->nmark = 0;
    c->last_stage[0] = '\0';
    c->testing = true;
    c->scr = SCR_MAIN;
    char renamed[200] = "", pre[96] = "";
    if (strcmp(was, c->field[FORM_ID]))
        snprintf(renamed, sizeof renamed, " (%s was tested already)", was);
    if (preload != 0)
        snprintf(pre, sizeof pre, "; jog preload %.4g N in the header", preload);
    con_msg(c, false, "test started: %s%s%s -> %s", c->field[FORM_ID], renamed, pre,
            run_session_run_path(c->s));
    return 0;
}

void con_stop(console *c)
{
    run_session_request(c->s, ME_STOP); /* stops the crosshead in any case */
    if (c->testing)
        con_msg(c, true, "STOP: operator stop");
    else
        con_msg(c, false, "stop: crosshead stopped");
}

void con_quit(console *c)
{
    if (c->testing)
        c->quit_ask = true;
    else
        c->quit = true;
}

/* The test ended: close the run file, analyse it as `rigor analyze` does. */
static void finish_test(console *c)
{
    run_result res;
    char why[1400] = "";
    int rc = run_session_end_test(c->s, &res, why, sizeof why);
    c->testing = false;
    snprintf(c->res_path, sizeof c->res_path, "%s", res.run_path);
    if (rc != RIGOR_OK) {
        snprintf(c->res_title, sizeof c->res_title, "%s: %s", c->field[FORM_ID], why);
        con_lines_free(&c->res_lines, &c->nres);
        c->scr = SCR_RESULTS;
        return;
    }
    snprintf(c->res_title, sizeof c->res_title, "%s: %s after %.1f s, %llu samples at %.0f Hz",
             c->field[FORM_ID], res.end_reason, res.duration_s, (unsigned long long)res.samples,
             res.achieved_rate_hz);
    con_batch_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.specimen, sizeof row.specimen, "%s", c->field[FORM_ID]);
    snprintf(row.run_path, sizeof row.run_path, "%s", res.run_path);
    snprintf(row.end_reason, sizeof row.end_reason, "%s", res.end_reason);
    row.strength_mpa = row.modulus_mpa = row.break_strain_pct = row.max_force_n = NAN;

    curve_list cl = {0};
    csvin_opts io;
    csvin_opts_default(&io);
    rigor_diag d;
    memset(&d, 0, sizeof d);
    con_lines_free(&c->res_lines, &c->nres);
    if (csvin_read_file(res.run_path, &io, &cl, &d) == RIGOR_OK && cl.n == 1) {
        analysis_opts ao;
        analysis_opts_default(&ao);
        analysed a;
        analysed_from_curve(&a, cl.v[0]);
        char awhy[512] = "";
        if (analysis_run(cl.v[0], &ao, &a.rs, awhy, sizeof awhy) == RIGOR_OK) {
            char *text = NULL;
            size_t tl = 0;
            FILE *f = open_memstream(&text, &tl);
            if (f) {
                output_table(f, &a, 1);
                fclose(f);
                con_lines_from_text(text, &c->res_lines, &c->nres);
                free(text);
            }
            row.strength_mpa = results_get(&a.rs, "tensile_strength_mpa");
            row.modulus_mpa = results_get(&a.rs, "modulus_mpa");
            row.break_strain_pct = results_get(&a.rs, "strain_at_break_pct");
            row.max_force_n = results_get(&a.rs, "max_force_n");
            con_store_finish(c, res.run_path, cl.v[0], &a);
        } else {
            char buf[600];
            snprintf(buf, sizeof buf, "analysis: %s", awhy);
            con_lines_from_text(buf, &c->res_lines, &c->nres);
            con_store_finish(c, res.run_path, cl.v[0], NULL);
        }
        analysed_clear(&a);
    } else {
        con_store_finish(c, res.run_path, NULL, NULL);
        char buf[1400], line[1200];
        snprintf(buf, sizeof buf, "cannot read back the run file: %s",
                 rigor_diag_format(&d, line, sizeof line));
        con_lines_from_text(buf, &c->res_lines, &c->nres);
    }
    curve_list_free(&cl);
    if (c->nbatch < CON_MAX_BATCH)
        c->batch[c->nbatch++] = row;
    c->scr = SCR_RESULTS;
    if (c->store_msg[0])
        con_msg(c, res.fault || c->store_failed, "test ended: %s; %s", res.end_reason,
                c->store_msg);
    else
        con_msg(c, res.fault, "test ended: %s; run file %s", res.end_reason, res.run_path);
}

static void draw(console *c)
{
    int w, h;
    crt_size(&w, &h);
    clayout l;
    clayout_compute(w, h, &l);
    crt_erase();
    switch (c->scr) {
    case SCR_FORM: scr_form_draw(c, &l); break;
    case SCR_PICKER: scr_picker_draw(c, &l); break;
    case SCR_RESULTS: scr_results_draw(c, &l); break;
    case SCR_BATCH: scr_batch_draw(c, &l); break;
    default: scr_main_draw(c, &l); break;
    }
    if (c->fault_modal || c->quit_ask)
        scr_modal_draw(c, w, h);
    crt_flush();
}

static void handle_key(console *c, int k)
{
    /* Stop is always active: Esc everywhere; space everywhere except in a
     * text field while nothing moves (then it types a space). */
    bool typing = (c->scr == SCR_FORM || (c->scr == SCR_PICKER && c->sel == c->nfiles + 1)) &&
                  !c->testing && !c->quit_ask && !c->fault_modal;
    if (k == CK_ESC || (k == ' ' && !typing)) {
        con_stop(c);
        if (k == CK_ESC && !c->fault_modal) {
            c->quit_ask = false;
            if (c->scr == SCR_FORM || c->scr == SCR_PICKER)
                c->scr = SCR_MAIN;
        }
        return;
    }
    if (c->fault_modal || c->quit_ask) {
        scr_modal_key(c, k);
        return;
    }
    switch (c->scr) {
    case SCR_FORM: scr_form_key(c, k); break;
    case SCR_PICKER: scr_picker_key(c, k); break;
    case SCR_RESULTS: scr_results_key(c, k); break;
    case SCR_BATCH: scr_batch_key(c, k); break;
    default: scr_main_key(c, k); break;
    }
}

int console_main(const console_opts *o)
{
    console *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "rigor console: out of memory\n");
        return 2;
    }
    c->opt = *o;
    if (!c->opt.protocol_dir)
        c->opt.protocol_dir = "protocols/shipped";
    c->stride = 1;
    c->checked_sel = -1;

    run_session_opts so;
    run_session_opts_init(&so);
    so.rig_path = o->rig_path;
    so.sim_preset = o->sim_preset;
    so.sim_faults = o->sim_faults;
    so.seed = o->seed;
    so.rate_hz = o->rate_hz;
    so.who = "rigor console";
    char why[1400] = "";
    int rc = run_session_open(&so, &c->s, why, sizeof why);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor console: %s\n", why[0] ? why : rigor_strerror(rc));
        free(c);
        return rc == RIGOR_EPARSE || rc == RIGOR_EINVAL ? 2 : 3;
    }
    run_session_set_sample_fn(c->s, on_sample, c);

    /* the form starts with the simulated specimen (or a common film strip) */
    run_session_info si;
    run_session_get_info(c->s, &si);
    curve_geom sg = si.sim_geom;
    if (!si.sim || !isfinite(curve_geom_area(&sg))) {
        curve_geom_clear(&sg); /* a common film strip */
        sg.width_m = 10e-3;
        sg.thickness_m = 0.1e-3;
        sg.gauge_m = 50e-3;
    }
    /* a compression specimen's thickness is its height: the form says height */
    if (si.sim && si.sim_compression && !isfinite(sg.height_m) && isfinite(sg.thickness_m)) {
        sg.height_m = sg.thickness_m;
        sg.thickness_m = NAN;
    }
    const struct {
        int f;
        double v;
    } init[] = {{FORM_WIDTH, sg.width_m * 1e3},   {FORM_THICK, sg.thickness_m * 1e3},
                {FORM_DIAM, sg.diameter_m * 1e3}, {FORM_GAUGE, sg.gauge_m * 1e3},
                {FORM_HEIGHT, sg.height_m * 1e3}, {FORM_AREA, sg.area_m2 * 1e6}};
    snprintf(c->field[FORM_ID], sizeof c->field[0], "S1");
    for (size_t i = 0; i < sizeof init / sizeof init[0]; i++)
        if (isfinite(init[i].v))
            snprintf(c->field[init[i].f], sizeof c->field[0], "%.6g", init[i].v);
    snprintf(c->field[FORM_RATE], sizeof c->field[0], "10");
    if (isfinite(si.capacity_N))
        snprintf(c->field[FORM_JOGF], sizeof c->field[0], "%.3g", 0.05 * si.capacity_N);
    c->jog_speed = 2; /* 1 mm/s */
    c->proto_fmax_N = NAN;

    if ((rc = con_store_init(c)) != 0) {
        run_session_close(c->s);
        free(c);
        return rc;
    }
    if (crt_init() != 0) {
        fprintf(stderr, "rigor console: cannot use this terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        run_session_close(c->s);
        free(c);
        return 2;
    }
    if (si.sim)
        con_msg(c, false, "simulated frame '%s' (%g N cell) on 127.0.0.1:%d", o->sim_preset,
                si.capacity_N, si.sim_port);
    else
        con_msg(c, false, "connected: %s", si.rig_path);
    if (c->store_msg[0])
        con_msg(c, false, "%s", c->store_msg);

    int sig = 0;
    while (!c->quit) {
        /* while a jog is under way the force bound is checked every 5 ms */
        int k = crt_key(c->jog_dir ? 5 : 40);
        if ((sig = crt_signalled()) != 0)
            break;
        if (k != CK_NONE && k != CK_RESIZE)
            handle_key(c, k);
        int pr = run_session_poll(c->s, 0, why, sizeof why);
        con_jog_poll(c);
        if (pr < 0)
            con_msg(c, true, "%s", why);
        if (c->testing && run_session_phase(c->s) == RUN_FINISHED)
            finish_test(c);
        char reason[160] = "";
        if (!c->fault_modal && run_session_fault(c->s, reason, sizeof reason)) {
            c->fault_modal = true;
            snprintf(c->fault_reason, sizeof c->fault_reason, "%s", reason);
            c->fault_msg[0] = '\0';
        }
        draw(c);
    }
    /* Leaving: a test still running is stopped and its run file closed. */
    if (c->testing) {
        run_result res;
        run_session_end_test(c->s, &res, why, sizeof why);
    }
    crt_done();
    run_session_close(c->s);
    int ntested = 0; /* this session's: not the day's rows read from the store */
    for (int i = 0; i < c->nbatch; i++)
        ntested += !c->batch[i].from_store;
    if (ntested)
        fprintf(stdout,
                "rigor console: %d specimen%s tested (specimen, end, tensile strength, "
                "run file):\n",
                ntested, ntested == 1 ? "" : "s");
    for (int i = 0; i < c->nbatch; i++)
        if (!c->batch[i].from_store)
            fprintf(stdout, "%s\t%s\t%.4g MPa\t%s\n", c->batch[i].specimen, c->batch[i].end_reason,
                c->batch[i].strength_mpa, c->batch[i].run_path);
    con_lines_free(&c->res_lines, &c->nres);
    con_lines_free(&c->check_lines, &c->ncheck);
    for (int i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c);
    return sig ? 128 + sig : 0;
}
