/* console_store.c — the console and the results store (docs/store.md).
 *
 * With a store (--db, --store or $RIGOR_DB) the console does what `rigor
 * run --store` does after each test: the run file is complete first, then
 * the run and its analysis are stored (storeio_run_msg; a failure is said on
 * the status line and recorded in the run file's trailer). Its batch table
 * starts with the specimens the store has from today (UTC), so a console
 * restarted mid-batch still shows the whole day; and --series S walks a
 * series: each new test takes the series' next untested specimen, its id
 * and its latest measured geometry, from the store. Nothing here writes to
 * stderr once curses is up: messages go to the status line.
 */
#include "console_priv.h"

#include "../../common/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Today's analyses (the latest of each run, tested since 00:00 UTC) as
 * batch rows, in store order. */
typedef struct {
    console *c;
    int added;
} today_ctx;

static int on_today(void *ctx, const store_row *r)
{
    today_ctx *t = ctx;
    console *c = t->c;
    if (c->nbatch >= CON_MAX_BATCH)
        return 0;
    con_batch_row *b = &c->batch[c->nbatch++];
    memset(b, 0, sizeof *b);
    snprintf(b->specimen, sizeof b->specimen, "%s", r->specimen);
    snprintf(b->run_path, sizeof b->run_path, "%s", r->run.source);
    snprintf(b->end_reason, sizeof b->end_reason, "stored (run %lld)", (long long)r->run_id);
    b->strength_mpa = results_get(&r->rs, "tensile_strength_mpa");
    b->modulus_mpa = results_get(&r->rs, "modulus_mpa");
    b->break_strain_pct = results_get(&r->rs, "strain_at_break_pct");
    b->max_force_n = results_get(&r->rs, "max_force_n");
    b->from_store = true;
    t->added++;
    return 0;
}

/* The series' next specimen into the form: its id and every measured
 * dimension (mm, mm²); dimensions the store never measured are left
 * blank, so the form does not keep the previous specimen's. */
static int series_next(console *c, char *why, size_t wl)
{
    store *st = NULL;
    store_cfg cfg = {.target = c->sto.db, .readonly = true};
    int rc = store_open(&cfg, &st, why, wl);
    if (rc != RIGOR_OK)
        return rc;
    int64_t id = 0;
    int left = 0;
    rc = store_series_next(st, c->sto.series, &c->sto.series_sp, &id, &left);
    if (rc != RIGOR_OK)
        snprintf(why, wl, "series %s: %s", c->sto.series, store_errmsg(st));
    store_close(st);
    c->sto.have_series_sp = rc == RIGOR_OK;
    if (rc != RIGOR_OK)
        return rc;
    const store_specimen *sp = &c->sto.series_sp;
    snprintf(c->field[FORM_ID], sizeof c->field[0], "%s", sp->code);
    const struct {
        int f;
        double v;
    } g[] = {{FORM_WIDTH, sp->geom.width_m * 1e3},   {FORM_THICK, sp->geom.thickness_m * 1e3},
             {FORM_DIAM, sp->geom.diameter_m * 1e3}, {FORM_GAUGE, sp->geom.gauge_m * 1e3},
             {FORM_HEIGHT, sp->geom.height_m * 1e3}, {FORM_AREA, sp->geom.area_m2 * 1e6}};
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        if (isfinite(g[i].v))
            snprintf(c->field[g[i].f], sizeof c->field[0], "%.6g", g[i].v);
        else
            c->field[g[i].f][0] = '\0';
    }
    snprintf(why, wl, "series %s: next specimen %s (position %d, %d left with this one)",
             c->sto.series, sp->code, sp->series_pos, left);
    return RIGOR_OK;
}

int con_store_init(console *c)
{
    const console_opts *o = &c->opt;
    const char *env = getenv("RIGOR_DB");
    c->sto.enabled = o->store || o->db || (env && env[0]) || o->series;
    if (!c->sto.enabled)
        return 0;
    c->sto.db = o->db;
    c->sto.rig_path = o->rig_path;
    c->sto.sim_preset = o->sim_preset;
    c->sto.series = o->series;
    /* the store must open (and exist, created on first use) before any
     * test: a lab that asked for it is told now, not after the test */
    store *st = NULL;
    char why[1200];
    store_cfg cfg = {.target = o->db};
    if (store_open(&cfg, &st, why, sizeof why) != RIGOR_OK) {
        fprintf(stderr, "rigor console: store: %s\n", why);
        return STOREIO_EXIT;
    }
    char day[32];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(day, sizeof day, "%Y-%m-%d", gmtime_r(&now, &tmv));
    store_filter f = {.since = day};
    today_ctx t = {c, 0};
    int rc = store_query(st, &f, on_today, &t);
    if (rc != RIGOR_OK) {
        fprintf(stderr, "rigor console: store: %s\n", store_errmsg(st));
        store_close(st);
        return STOREIO_EXIT;
    }
    snprintf(c->store_msg, sizeof c->store_msg, "store %s: %d specimen%s from today",
             store_target(st), t.added, t.added == 1 ? "" : "s");
    store_close(st);
    if (o->series) {
        rc = series_next(c, why, sizeof why);
        if (rc != RIGOR_OK) {
            fprintf(stderr, "rigor console: --series: %s%s\n", why,
                    rc == RIGOR_ENODATA ? " (rigor db series load FILE adds specimens)" : "");
            return rc == RIGOR_ENODATA ? 2 : STOREIO_EXIT;
        }
        size_t l = strlen(c->store_msg);
        snprintf(c->store_msg + l, sizeof c->store_msg - l, "; %s", why);
    }
    return 0;
}

void con_store_finish(console *c, const char *run_path, const curve *cv, const analysed *a)
{
    c->store_msg[0] = '\0';
    c->store_failed = false;
    if (!c->sto.enabled)
        return;
    c->sto.protocol_path = c->proto_path[0] ? c->proto_path : NULL;
    char msg[1400];
    if (!cv) {
        snprintf(c->store_msg, sizeof c->store_msg,
                 "not stored: the run file could not be read back; "
                 "'rigor db import %s' once it reads",
                 run_path);
        c->store_failed = true;
        return;
    }
    c->store_failed = storeio_run_msg(&c->sto, run_path, cv, a, msg, sizeof msg) != 0;
    snprintf(c->store_msg, sizeof c->store_msg, "%s", msg);
    if (c->store_failed || !c->sto.series)
        return;
    /* the next test of the series: its specimen and geometry */
    char why[1200];
    int rc = series_next(c, why, sizeof why);
    size_t l = strlen(c->store_msg);
    if (rc == RIGOR_OK)
        snprintf(c->store_msg + l, sizeof c->store_msg - l, "; %s", why);
    else if (rc == RIGOR_ENODATA) {
        c->series_done = true;
        snprintf(c->store_msg + l, sizeof c->store_msg - l,
                 "; series %s: every specimen tested", c->sto.series);
    } else {
        c->series_done = true;
        snprintf(c->store_msg + l, sizeof c->store_msg - l, "; %s", why);
    }
}
