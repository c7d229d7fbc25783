/* runner.c — run protocols on a rig or the in-process simulated frame.
 *
 * A session holds the rig (and the simulator) between tests. A test's poll:
 * take the samples queued by the acquisition thread, feed each to the state
 * machine, hand its command to the driver (which sends it before its next
 * read), append the sample with its stage/mark text to the run file. After
 * the machine reaches a final state the test records 0.3 s more, so the run
 * file shows the crosshead at rest, then is FINISHED; ending it closes the
 * file with the end reason and the acquisition statistics. run_protocol()
 * (session_run.c) is one session with one test, polled until it finishes.
 */
#include "session.h"
#include "session_priv.h"

#include "../common/error.h"
#include "../rig/rig.h"
#include "../rig/rigfile.h"
#include "../rig/scaling.h" /* rig_check_rate */
#include "../rig/runfile.h"
#include "../rig/sim/sim.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RIGOR_RUN_VERSION "0.1.0"

/* The reference rig file: ./rigs/, else next to the binary (../rigs/). */
void session_default_rig_path(char *buf, size_t len)
{
    snprintf(buf, len, "rigs/reference-tcp.ini");
    if (access(buf, R_OK) == 0)
        return;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, len, "%.900s/../rigs/reference-tcp.ini", exe);
        }
    }
}

/* A file-name-safe copy of s: letters, digits, '.', '-', '_' (others -> '-'). */
void session_safe_name(char *dst, size_t len, const char *s)
{
    size_t k = 0;
    for (; *s && k + 1 < len; s++) {
        unsigned char c = (unsigned char)*s;
        dst[k++] = (isalnum(c) || c == '.' || c == '-' || c == '_') ? (char)c : '-';
    }
    dst[k] = '\0';
    if (!k || dst[0] == '.')
        snprintf(dst, len, "run");
}

void session_say(FILE *f, const char *fmt, ...)
{
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fflush(f);
}

static int execute(rig *r, const machine_cmd *c)
{
    switch (c->kind) {
    case MC_VELOCITY: return rig_cmd_velocity(r, c->velocity_m_s);
    case MC_STOP: return rig_cmd_stop(r);
    case MC_POSITION: return rig_cmd_position(r, c->position_m, c->velocity_m_s);
    default: return RIGOR_OK;
    }
}

/* ---- Session ------------------------------------------------------------ */

#define RATE_WIN_MAX 200 /* samples of a rate window on the extensometer (rate_feed) */

struct run_session {
    run_session_opts o;
    char rigpath[1024];
    rig_config cfg;       /* as loaded; capacity and port from the simulator */
    proto_rig_limits lim; /* what protocols are validated against */
    sim *sm;              /* in-process simulated frame, or NULL */
    sim_geometry sg;      /* its specimen */
    double compliance;    /* frame compliance known for this rig, m/N (NAN) */
    rig *r;
    int tests;        /* tests begun */
    run_sample_fn fn; /* per-sample observer, or NULL */
    void *fn_ctx;
    double jog_preload_N; /* for the next test's header (0 = none) */

    /* the test under way */
    run_phase phase;
    protocol *p;
    machine *m;
    runfile *rf;
    run_result res;
    double timeout;
    int err; /* a write error ended the test */
    char why[1400];
    double fsum, fsum2; /* balance */
    size_t fn_bal;
    int bal_polls;
    double t_end, t_first;
    bool stop_pending, stop_asked, fault_sent;
    machine_end abort_why; /* the session's own end asked before the machine existed */
    char abort_detail[64];
    long frac_sample, stop_sample, idx;
    /* rate compliance: 20-sample windows of the current protocol step */
    int rate_step;             /* 0-based step being measured, -1 none */
    double rw_t[RATE_WIN_MAX], rw_x[RATE_WIN_MAX], rw_f[RATE_WIN_MAX];
    int rw_n;
    double *rate_v;            /* achieved |rate| per window of rate_step */
    size_t rate_n, rate_cap;
    rig_sample buf[256];
};

void run_session_opts_init(run_session_opts *o)
{
    memset(o, 0, sizeof *o);
    curve_geom_clear(&o->sim_geom);
    o->seed = 1;
}

/* A new simulator with geometry g (finite fields only) and seed; started on
 * an ephemeral loopback port, the rig configuration pointed at it. */
static int sim_make(run_session *s, const curve_geom *g, uint64_t seed, bool log, char *why,
                    size_t wl)
{
    sim_config sc;
    sim_config_init(&sc);
    sc.specimen = s->o.sim_preset;
    sc.seed = seed;
    sc.faults = s->o.sim_faults;
    sc.params = s->o.sim_params;
    sc.n_params = s->o.n_sim_params;
    sc.log_path = log ? s->o.sim_log : NULL;
    if (isfinite(g->width_m))
        sc.width_m = g->width_m;
    if (isfinite(g->thickness_m))
        sc.thickness_m = g->thickness_m;
    if (isfinite(g->gauge_m))
        sc.gauge_length_m = g->gauge_m;
    if (isfinite(g->diameter_m))
        sc.diameter_m = g->diameter_m;
    if (isfinite(g->height_m))
        sc.height_m = g->height_m;
    rigor_diag d;
    memset(&d, 0, sizeof d);
    int rc = sim_new_diag(&sc, &s->sm, &d);
    if (rc != RIGOR_OK) {
        snprintf(why, wl, "simulator: %s", d.msg[0] ? d.msg : rigor_strerror(rc));
        return rc;
    }
    sim_get_geometry(s->sm, &s->sg);
    s->cfg.capacity_N = s->sg.capacity_N;
    s->cfg.force_max_N = 0.95 * s->sg.capacity_N;
    s->cfg.force_min_N = -0.95 * s->sg.capacity_N;
    s->lim.force_capacity_N = s->sg.capacity_N;
    s->lim.force_noise_N = s->sg.noise_N; /* targets are checked against it */
    s->compliance = s->sg.frame_compliance_m_N;
    int port = 0;
    if ((rc = sim_start_tcp(s->sm, "127.0.0.1", 0, &port)) != RIGOR_OK) {
        snprintf(why, wl, "simulator: cannot listen on 127.0.0.1: %s", rigor_strerror(rc));
        return rc;
    }
    s->cfg.transport = RIG_TCP;
    snprintf(s->cfg.host, sizeof s->cfg.host, "127.0.0.1");
    s->cfg.port = port;
    return RIGOR_OK;
}

static int rig_up(run_session *s, char *why, size_t wl)
{
    int rc;
    if ((rc = rig_new(&s->cfg, &s->r)) != RIGOR_OK || (rc = rig_connect(s->r)) != RIGOR_OK) {
        /* a refused start-up step (rig/sequence.h) says which and why */
        char rs[200] = "";
        if (s->r)
            rig_state(s->r, rs, sizeof rs);
        snprintf(why, wl, "cannot connect to the rig (%s): %s", s->rigpath,
                 rs[0] ? rs : rigor_strerror(rc));
        return rc;
    }
    rc = rig_start(s->r, s->o.rate_hz);
    rig_stats st;
    rig_stats_get(s->r, &st);
    const rt_status *rt = &st.realtime;
    if ((rc == RIGOR_EPERM || rc == RIGOR_EINVAL) && s->cfg.realtime == RT_REQUIRED &&
        rt->text[0]) {
        snprintf(why, wl,
                 "%s: [safety] realtime = required, but the acquisition thread cannot run "
                 "SCHED_FIFO %d: %s",
                 s->rigpath, RT_PRIO_ACQ, rt->reason);
        return rc;
    }
    if (rc != RIGOR_OK) {
        snprintf(why, wl, "cannot start acquisition: %s", rigor_strerror(rc));
        return rc;
    }
    /* Refused under realtime = auto: say so now, before a test depends on it
     * (the run file's header and the closing lines say it again). */
    if (rt->asked && !rt->granted)
        session_say(s->o.progress,
            "%s: realtime = auto: the acquisition thread runs on the normal scheduler (%s)\n",
            s->o.who, rt->reason);
    if (!strncmp(st.keep_awake, "no ", 3))
        session_say(s->o.progress, "%s: keep_awake = yes: the CPUs are not kept awake: %s\n", s->o.who,
            st.keep_awake + 3);
    return RIGOR_OK;
}

static void rig_down(run_session *s)
{
    if (s->r) {
        rig_cmd_stop(s->r);
        rig_stop(s->r);
        rig_free(s->r);
        s->r = NULL;
    }
    if (s->sm) {
        sim_stop(s->sm);
        sim_free(s->sm);
        s->sm = NULL;
    }
}

int run_session_open(const run_session_opts *o, run_session **out, char *why, size_t wl)
{
    *out = NULL;
    run_session *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, wl, "%s", rigor_strerror(RIGOR_ENOMEM));
        return RIGOR_ENOMEM;
    }
    s->o = *o;
    if (!s->o.who)
        s->o.who = "rigor run";
    s->compliance = NAN;
    if (o->rig_path)
        snprintf(s->rigpath, sizeof s->rigpath, "%s", o->rig_path);
    else
        session_default_rig_path(s->rigpath, sizeof s->rigpath);
    rigor_diag d;
    memset(&d, 0, sizeof d);
    int rc = rigfile_load(s->rigpath, &s->cfg, &d);
    if (rc != RIGOR_OK) {
        rigor_diag_format(&d, why, wl);
        free(s);
        return rc;
    }
    /* the rig file's warnings (watchdog off, no watchdog point, a rounded
     * watchdog) are said before anything connects */
    for (int i = 0; i < s->cfg.nwarn; i++)
        session_say(s->o.progress, "%s: %s\n", s->o.who, s->cfg.warn[i]);
    /* a rate the drive's watchdog cannot live with: refused before connecting */
    if ((rc = rig_check_rate(&s->cfg, o->rate_hz, why, wl)) != RIGOR_OK) {
        free(s);
        return rc;
    }
    s->lim = (proto_rig_limits){s->cfg.capacity_N, s->cfg.travel_min_m, s->cfg.travel_max_m,
                                s->cfg.speed_max_m_s, NAN,
                                s->cfg.point[ROLE_EXTENSION].present ? 1 : 0};
    if (o->sim_preset && (rc = sim_make(s, &o->sim_geom, o->seed, true, why, wl)) != RIGOR_OK)
        goto fail;
    if ((rc = rig_up(s, why, wl)) != RIGOR_OK)
        goto fail;
    *out = s;
    return RIGOR_OK;
fail:
    rig_down(s);
    free(s);
    return rc;
}

static void test_clear(run_session *s)
{
    machine_free(s->m);
    s->m = NULL;
    proto_free(s->p);
    s->p = NULL;
    s->phase = RUN_IDLE;
}

int run_session_stop_link(run_session *s, rig_stats *out)
{
    if (!s || !s->r)
        return RIGOR_ESTATE;
    rig_cmd_stop(s->r);
    rig_stop(s->r);
    return rig_stats_get(s->r, out);
}

void run_session_close(run_session *s)
{
    if (!s)
        return;
    if (s->rf)
        runfile_close(s->rf, s->why[0] ? s->why : "aborted", NULL);
    s->rf = NULL;
    rig_down(s);
    test_clear(s);
    free(s->rate_v);
    free(s);
}

proto_rig_limits run_session_limits(const run_session *s)
{
    return s->lim;
}

int run_session_parse_file(const run_session *s, const char *path, const curve_geom *geom,
                           protocol **out, rigor_diag *diags, size_t maxdiag, size_t *ndiag)
{
    return proto_parse_file_geom(path, &s->lim, geom, out, diags, maxdiag, ndiag);
}

int run_session_parse_text(const run_session *s, const char *name, const char *text,
                           const curve_geom *geom, protocol **out, rigor_diag *diags,
                           size_t maxdiag, size_t *ndiag)
{
    return proto_parse_buffer_geom(name, text, strlen(text), &s->lim, geom, out, diags, maxdiag,
                                   ndiag);
}

void run_session_get_info(const run_session *s, run_session_info *out)
{
    memset(out, 0, sizeof *out);
    out->rig_path = s->rigpath;
    out->sim = s->sm != NULL;
    out->sim_port = s->sm ? s->cfg.port : 0;
    out->capacity_N = s->cfg.capacity_N;
    out->speed_max_m_s = s->cfg.speed_max_m_s;
    curve_geom_clear(&out->sim_geom);
    if (s->sm) {
        out->sim_compression = s->sg.compression;
        if (s->sg.compression) {
            out->sim_geom.diameter_m = s->sg.diameter_m;
            out->sim_geom.height_m = s->sg.length_m;
        } else {
            out->sim_geom.width_m = s->sg.width_m;
            out->sim_geom.thickness_m = s->sg.thickness_m;
            out->sim_geom.gauge_m = s->sg.length_m;
        }
    }
    out->tests = s->tests;
}

rig *run_session_rig(run_session *s)
{
    return s->r;
}

void run_session_set_sample_fn(run_session *s, run_sample_fn fn, void *ctx)
{
    s->fn = fn;
    s->fn_ctx = ctx;
}

void run_session_set_jog_preload(run_session *s, double force_N) { s->jog_preload_N = force_N; }

run_phase run_session_phase(const run_session *s)
{
    return s->phase;
}
const machine *run_session_machine(const run_session *s)
{
    return s->m;
}
const protocol *run_session_protocol(const run_session *s)
{
    return s->p;
}

static bool differs(double want, double have)
{
    return isfinite(want) && fabs(want - have) > 1e-9 * fmax(fabs(want), fabs(have));
}

/* The simulated specimen the protocol's geometry describes. */
curve_geom session_sim_geom_of(const protocol *p)
{
    curve_geom g;
    curve_geom_clear(&g);
    if (p->test == PTEST_COMPRESSION) {
        g.diameter_m = p->geom.diameter_m;
        g.height_m = p->length0_m;
    } else {
        g.width_m = p->geom.width_m;
        g.thickness_m = p->geom.thickness_m;
        g.gauge_m = p->length0_m;
    }
    return g;
}

int run_session_begin_test(run_session *s, protocol *p, const run_test_opts *t, char *why,
                           size_t wl)
{
    if (s->phase != RUN_IDLE) {
        proto_free(p);
        snprintf(why, wl, "a test is under way");
        return RIGOR_ESTATE;
    }
    memset(&s->res, 0, sizeof s->res);
    s->res.strain_switch_t_s = NAN;
    s->p = p;
    s->err = 0;
    s->why[0] = '\0';
    bool compression = p->test == PTEST_COMPRESSION;
    int rc;

    /* A fresh simulated specimen for every test but a first that matches. */
    if (s->sm) {
        curve_geom g = session_sim_geom_of(p);
        bool renew = s->tests > 0;
        if (compression)
            renew = renew || differs(g.diameter_m, s->sg.diameter_m) ||
                    differs(g.height_m, s->sg.length_m);
        else
            renew = renew || differs(g.width_m, s->sg.width_m) ||
                    differs(g.thickness_m, s->sg.thickness_m) ||
                    differs(g.gauge_m, s->sg.length_m);
        if (renew) {
            rig_down(s);
            if ((rc = sim_make(s, &g, s->o.seed + (uint64_t)s->tests, s->tests == 0, why,
                               wl)) != RIGOR_OK ||
                (rc = rig_up(s, why, wl)) != RIGOR_OK) {
                test_clear(s);
                return rc;
            }
        }
        s->res.sim = true;
    }
    s->tests++;

    /* The run file: created exclusively, written while the test runs. */
    char spec[128];
    session_safe_name(spec, sizeof spec,
              t->specimen_id ? t->specimen_id
              : p->name[0]   ? p->name
                             : "run");
    if (t->out_path) {
        snprintf(s->res.run_path, sizeof s->res.run_path, "%s", t->out_path);
    } else {
        time_t now = time(NULL);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tmv);
        if (mkdir("runs", 0777) != 0 && errno != EEXIST) {
            snprintf(why, wl, "cannot create runs/: %s", strerror(errno));
            test_clear(s);
            return RIGOR_EIO;
        }
        snprintf(s->res.run_path, sizeof s->res.run_path, "runs/%.100s-%s.csv", spec, stamp);
    }
    rig_stats st;
    rig_stats_get(s->r, &st);
    runfile_header h = runfile_header_empty();
    h.rigor_version = RIGOR_RUN_VERSION;
    h.rig = s->rigpath;
    h.regmap_sha256 = s->cfg.sha256;
    /* The header's realtime line says whether the CPUs were kept awake too
     * (free text; readers show it, none parses it). */
    char sched[sizeof st.realtime.text + sizeof st.keep_awake + 32];
    if (st.keep_awake[0])
        snprintf(sched, sizeof sched, "%s; keep_awake %s", st.realtime.text, st.keep_awake);
    else
        snprintf(sched, sizeof sched, "%s", st.realtime.text);
    h.realtime = sched;
    h.watchdog = s->cfg.watchdog_text; /* off is recorded, not only warned about */
    h.specimen = t->specimen_id ? t->specimen_id : spec;
    h.test = compression ? "compression" : "tensile";
    h.width_m = p->geom.width_m;
    h.thickness_m = compression ? NAN : p->geom.thickness_m;
    h.gauge_length_m = compression ? NAN : p->length0_m;
    h.diameter_m = p->geom.diameter_m;
    h.height_m = compression ? p->length0_m : NAN;
    h.area_m2 = p->area_m2;
    h.compliance_m_per_N = s->compliance;
    h.protocol = t->protocol_label ? t->protocol_label : p->name[0] ? p->name : p->path;
    h.note = t->note;
    h.jog_preload_N = s->jog_preload_N != 0 ? s->jog_preload_N : NAN;
    s->jog_preload_N = 0;
    /* [calibration] for `rigor analyze --uncertainty` (0 = not stated) */
    h.force_class_pct = s->cfg.force_class_pct > 0 ? s->cfg.force_class_pct : NAN;
    h.extensometer_class_pct = s->cfg.extensometer_class_pct > 0 ? s->cfg.extensometer_class_pct : NAN;
    h.geometry_resolution_m = s->cfg.geometry_resolution_m > 0 ? s->cfg.geometry_resolution_m : NAN;
    /* The extension column when the rig has an extensometer and, where the
     * rig reads its status, it is clipped on now: a compression set-up
     * reads none (its cells would all be empty, which no analysis can
     * use as a channel). */
    h.extension = s->cfg.point[ROLE_EXTENSION].present;
    rig_sample now_smp;
    if (h.extension && s->cfg.point[ROLE_EXT_STATUS].present) {
        bool have = rig_latest(s->r, &now_smp) == RIGOR_OK;
        if (!have && rig_wait_samples(s->r, 1.0)) /* a rig just started */
            have = rig_latest(s->r, &now_smp) == RIGOR_OK;
        if (have && !(now_smp.status & RIG_SB_EXT_ATTACHED))
            h.extension = false;
    }
    if ((rc = runfile_open(s->res.run_path, &h, &s->rf)) != RIGOR_OK) {
        snprintf(why, wl, "%s: cannot create the run file: %s", s->res.run_path,
                 rc == RIGOR_EEXIST ? "it exists (runs are never overwritten)"
                                  : rigor_strerror(rc));
        s->rf = NULL;
        test_clear(s);
        return rc;
    }
    session_say(s->o.progress, "%s: %s -> %s\n", s->o.who, p->name[0] ? p->name : p->path,
        s->res.run_path);

    s->timeout = t->timeout_s > 0 ? t->timeout_s : 3600;
    s->fsum = s->fsum2 = 0;
    s->fn_bal = 0;
    s->bal_polls = 0;
    s->t_end = s->t_first = NAN;
    s->stop_pending = s->stop_asked = s->fault_sent = false;
    s->abort_why = MEND_NONE;
    s->abort_detail[0] = '\0';
    s->frac_sample = s->stop_sample = -1;
    s->rate_step = -1;
    s->rate_n = 0;
    s->rw_n = 0;
    s->idx = 0;
    s->phase = RUN_BALANCE;
    return RIGOR_OK;
}

const char *run_session_run_path(const run_session *s)
{
    return s->res.run_path;
}

/* A write error: stop the crosshead, keep what is written, end the test. */
static int write_failed(run_session *s, int wrc, char *why, size_t wl)
{
    rig_cmd_stop(s->r);
    if (s->m)
        machine_request(s->m, ME_STOP);
    snprintf(s->why, sizeof s->why, "%s: writing the run file failed: %s; test stopped",
             s->res.run_path, rigor_strerror(wrc));
    snprintf(why, wl, "%s", s->why);
    s->err = wrc;
    s->phase = RUN_FINISHED;
    return wrc;
}

/* Balance: a baseline at rest before anything moves, so the run file starts
 * with it (contact and noise are judged against it, live and offline
 * alike); then the state machine starts. */
static int poll_balance(run_session *s, double wait_s, char *why, size_t wl)
{
    static const machine_values zero;
    rig_wait_samples(s->r, wait_s);
    size_t n = rig_poll_samples(s->r, s->buf, sizeof s->buf / sizeof s->buf[0]);
    for (size_t i = 0; i < n; i++, s->fn_bal++) {
        s->fsum += s->buf[i].force_N;
        s->fsum2 += s->buf[i].force_N * s->buf[i].force_N;
        int wrc = runfile_append(s->rf, &s->buf[i], "");
        if (wrc != RIGOR_OK)
            return write_failed(s, wrc, why, wl);
        s->res.samples++;
        if (s->fn)
            s->fn(s->fn_ctx, &s->buf[i], &zero, "");
    }
    if (++s->bal_polls < 40 && s->fn_bal < 200)
        return RUN_BALANCE;
    size_t fn = s->fn_bal;
    double fsd = fn > 1 ? sqrt(fmax(0, (s->fsum2 - s->fsum * s->fsum / fn) / (fn - 1))) : 0;
    session_say(s->o.progress, "%s: balance: force %.4g N, noise %.3g N (SD of %zu samples at rest)\n",
        s->o.who, fn ? s->fsum / fn : NAN, fsd, fn);

    int rc = machine_new(s->p, NULL, &s->m);
    if (rc != RIGOR_OK) {
        snprintf(s->why, sizeof s->why, "state machine: %s", rigor_strerror(rc));
        snprintf(why, wl, "%s", s->why);
        s->err = rc;
        s->phase = RUN_FINISHED;
        return rc;
    }
    if (isfinite(s->compliance))
        machine_set_compliance(s->m, s->compliance);
    machine_set_rig(s->m, &s->lim);
    machine_request(s->m, ME_ARM);
    machine_request(s->m, ME_START);
    s->phase = RUN_ACTIVE;
    return RUN_ACTIVE;
}

/* ---- rate compliance -------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The step measured so far goes into the result: median and 5th/95th
 * percentiles (nearest rank) of its windows after the first 5 %. */
static void rate_flush(run_session *s)
{
    if (s->rate_step >= 0 && s->rate_n > 2 && s->res.nrates < RUN_MAX_RATES && s->p) {
        size_t skip = s->rate_n / 20, n = s->rate_n - skip;
        double *v = s->rate_v + skip;
        qsort(v, n, sizeof *v, cmp_dbl);
        const proto_step *st = &s->p->steps[s->rate_step];
        int k = s->res.nrates++;
        s->res.rates[k].step = s->rate_step + 1;
        s->res.rates[k].kind = st->kind;
        s->res.rates[k].force = st->rate_kind == PRATE_FORCE || st->rate_kind == PRATE_STRESS;
        s->res.rates[k].requested = st->rate_kind == PRATE_STRAIN   ? st->rate * s->p->length0_m
                                    : st->rate_kind == PRATE_STRESS ? st->rate * s->p->area_m2
                                                                    : st->rate;
        s->res.rates[k].median = v[n / 2];
        s->res.rates[k].p5 = v[(n - 1) * 5 / 100];
        s->res.rates[k].p95 = v[(n - 1) * 95 / 100];
        s->res.rates[k].n = (int)n;
        s->res.rates[k].on_ext = st->rate_kind == PRATE_STRAIN &&
                                 st->strain_on == PSTRAIN_ON_EXTENSOMETER;
    }
    s->rate_n = 0;
    s->rw_n = 0;
}

/* Every sample of an active protocol step with a rate: 20-sample windows,
 * each a least-squares slope of position (a speed or strain rate) or force
 * (a force or stress rate) over time, in magnitude. */
static void rate_feed(run_session *s, const rig_sample *sm, const machine_values *mv)
{
    const machine *m = s->m;
    machine_state st = machine_state_of(m);
    bool active = st == MS_PRELOAD || st == MS_RUNNING || st == MS_HOLD || st == MS_UNLOAD;
    int k = active && !machine_in_reaction(m) ? machine_step(m) : -1;
    if (k >= 0 && k < s->p->nsteps) {
        proto_step_kind kind = s->p->steps[k].kind;
        if (kind == PSTEP_HOLD || kind == PSTEP_ZERO)
            k = -1;
    } else {
        k = -1;
    }
    if (k != s->rate_step) {
        rate_flush(s);
        s->rate_step = k;
    }
    if (k < 0)
        return;
    const proto_step *ps = &s->p->steps[k];
    bool force = ps->rate_kind == PRATE_FORCE || ps->rate_kind == PRATE_STRESS;
    /* A strain rate on the extensometer is judged on the extension (the
     * strain x L0, the extensometer's while it is attached), over
     * RATE_WIN_MAX samples: over 20 its noise (0.05 um) is 40 % of a slow
     * rate's slope (5 um/s); over 200 it is about 1 %. */
    bool on_ext = ps->rate_kind == PRATE_STRAIN && ps->strain_on == PSTRAIN_ON_EXTENSOMETER &&
                  machine_strain_source(s->m) == MSTRAIN_EXTENSOMETER;
    int win = on_ext ? RATE_WIN_MAX : 20;
    s->rw_t[s->rw_n] = sm->t_s;
    s->rw_x[s->rw_n] = force ? mv->force_N : on_ext ? mv->strain * s->p->length0_m : mv->position_m;
    s->rw_n++;
    if (s->rw_n < win)
        return;
    double mt = 0, my = 0;
    for (int i = 0; i < win; i++) {
        mt += s->rw_t[i] / win;
        my += s->rw_x[i] / win;
    }
    double stt = 0, sty = 0;
    for (int i = 0; i < win; i++) {
        stt += (s->rw_t[i] - mt) * (s->rw_t[i] - mt);
        sty += (s->rw_t[i] - mt) * (s->rw_x[i] - my);
    }
    s->rw_n = 0;
    if (!(stt > 0))
        return;
    if (s->rate_n == s->rate_cap) {
        size_t nc = s->rate_cap ? 2 * s->rate_cap : 1024;
        double *nv = realloc(s->rate_v, nc * sizeof *nv);
        if (!nv)
            return; /* the report is short of windows, the test goes on */
        s->rate_v = nv;
        s->rate_cap = nc;
    }
    s->rate_v[s->rate_n++] = fabs(sty / stt);
}

/* A command the rig refused (rig_cmd_* returned an error): the crosshead
 * would keep the previous command, so the test ends in FAULT with the
 * reason, never silently. */
/* The extension the machine sees: NAN when the rig reads the extensometer's
 * status and ATTACHED is clear (not clipped on, taken off, or a compression
 * set-up where the simulator has none): its value then means nothing. */
static double ext_of(const run_session *s, const rig_sample *sm)
{
    if (s->cfg.point[ROLE_EXT_STATUS].present && !(sm->status & RIG_SB_EXT_ATTACHED))
        return NAN;
    return sm->extension_m;
}

static void refused(run_session *s, int rc, const machine_cmd *c)
{
    if (rc == RIGOR_OK || !s->m)
        return;
    char d[128];
    snprintf(d, sizeof d, "%s %.6g m/s: %s",
             c->kind == MC_VELOCITY   ? "velocity"
             : c->kind == MC_POSITION ? "position"
                                      : "stop",
             c->velocity_m_s, rigor_strerror(rc));
    if (machine_state_of(s->m) != MS_FAULT) {
        machine_abort(s->m, MEND_REFUSED, d);
        session_say(s->o.progress, "%s: FAULT: command refused: %s\n", s->o.who, d);
    }
    if (c->kind != MC_STOP)
        rig_cmd_stop(s->r);
}

static int poll_active(run_session *s, double wait_s, char *why, size_t wl)
{
    machine *m = s->m;
    rig *r = s->r;
    FILE *pg = s->o.progress;
    machine_note notes[16];
    if (s->stop_pending && !s->stop_asked) {
        s->stop_asked = true;
        if (s->abort_why != MEND_NONE)
            machine_abort(m, s->abort_why, s->abort_detail);
        else
            machine_request(m, ME_STOP);
    }
    rig_wait_samples(r, wait_s);
    rig_sample *buf = s->buf;
    size_t n = rig_poll_samples(r, buf, sizeof s->buf / sizeof s->buf[0]);
    machine_cmd pending = {MC_NONE, 0, NAN};
    /* How stale this batch's first sample is when its last one is taken:
     * the consumer's own delay (a loaded host), for the force loop. */
    if (n > 0)
        machine_set_loop_delay(m, buf[n - 1].t_s - buf[0].t_s + 1e-3);
    if (n == 0) {
        char reason[128] = "";
        if (rig_state(r, reason, sizeof reason) == RIG_HEALTH_FAULT && !s->fault_sent) {
            machine_fault(m, reason);
            s->fault_sent = true;
            /* feed the last known sample so the fault is taken now */
            rig_sample last;
            if (rig_latest(r, &last) == RIGOR_OK) {
                machine_sample ms = {last.t_s, last.position_m, last.force_N, ext_of(s, &last)};
                machine_cmd c;
                machine_feed(m, &ms, &c, notes, 16);
                if (execute(r, &c) != RIGOR_OK)
                    rig_cmd_stop(r); /* in FAULT the rig refuses motion anyway */
            }
            session_say(pg, "%s: FAULT: %s\n", s->o.who, reason);
            if (!isfinite(s->t_end))
                s->t_end = isfinite(s->t_first) ? last.t_s : 0;
        }
    }
    for (size_t i = 0; i < n; i++, s->idx++) {
        rig_sample *sm = &buf[i];
        if (!isfinite(s->t_first))
            s->t_first = sm->t_s;
        if ((sm->flags & RIG_SF_FAULT) && !s->fault_sent) {
            char reason[128] = "rig fault";
            rig_state(r, reason, sizeof reason);
            machine_fault(m, reason);
            s->fault_sent = true;
            session_say(pg, "%s: FAULT: %s\n", s->o.who, reason);
        }
        machine_sample ms = {sm->t_s, sm->position_m, sm->force_N, ext_of(s, sm)};
        machine_cmd c;
        int nn = machine_feed(m, &ms, &c, notes, 16);
        char stage[128] = "";
        machine_strain_src src = machine_strain_source(m);
        if (src != s->res.strain_last) {
            /* the strain source is said, and a switch is a mark in the run
             * file's stage column (docs/runfile.md) */
            double tr = sm->t_s - (isfinite(s->t_first) ? s->t_first : sm->t_s);
            if (s->res.strain_last == MSTRAIN_UNDECIDED)
                s->res.strain_first = src;
            else {
                s->res.strain_switch_t_s = tr;
                snprintf(stage, sizeof stage, "mark:strain-from-crosshead");
            }
            session_say(pg, "  t=%7.3f s  strain from the %s\n", tr,
                        machine_strain_source_name(src));
            s->res.strain_last = src;
        }
        if (c.kind == MC_STOP && s->stop_sample < 0)
            s->stop_sample = s->idx;
        /* A stop goes out at once; of the motion commands of one batch only
         * the last is sent, after the batch: the earlier ones are stale, and
         * a closed loop commands every sample (sent one by one they would
         * fill the driver's command queue when samples come in bursts). */
        if (c.kind == MC_STOP) {
            pending.kind = MC_NONE;
            refused(s, execute(r, &c), &c);
        } else if (c.kind != MC_NONE) {
            pending = c;
        }
        /* A drop pending its debounce: the sample that confirms it is taken
         * now, not a period later (the stop latency). */
        if (i + 1 == n && machine_wants_sample(m))
            rig_sample_now(r);
        for (int k = 0; k < nn; k++) {
            const machine_note *mn = &notes[k];
            double tr = sm->t_s - s->t_first;
            switch (mn->kind) {
            case MN_STEP: session_say(pg, "  t=%7.3f s  step %s\n", tr, mn->text); break;
            case MN_END: break; /* the end reason is printed at the end */
            default:
                session_say(pg, "  t=%7.3f s  %s %s\n", tr, machine_note_name(mn->kind), mn->text);
                break;
            }
            if (mn->kind == MN_FRACTURE && s->frac_sample < 0)
                s->frac_sample = s->idx;
            /* the run file's stage column: stage names, fracture, mark:label, limit */
            if (mn->kind == MN_STAGE || mn->kind == MN_FRACTURE || mn->kind == MN_MARK ||
                mn->kind == MN_LIMIT) {
                size_t len = strlen(stage);
                bool mark = mn->kind == MN_MARK;
                const char *word = mn->kind == MN_STAGE ? mn->text : machine_note_name(mn->kind);
                snprintf(stage + len, sizeof stage - len, "%s%s%s%.40s", len ? " " : "", word,
                         mark ? ":" : "", mark ? mn->text : "");
            }
        }
        /* The run file holds what the rig measured; the protocol's zero
         * steps are the machine's own offsets, and analysis finds contact
         * and toe again from the data. */
        /* a detached extensometer's reading means nothing: an empty cell
         * (the importer reads that as the removal, docs/import.md) */
        rig_sample row = *sm;
        row.extension_m = ms.extension_m;
        int wrc = runfile_append(s->rf, &row, stage);
        if (wrc != RIGOR_OK)
            return write_failed(s, wrc, why, wl); /* e.g. a full disk */
        s->res.samples++;
        machine_values mv = machine_values_of(m);
        rate_feed(s, sm, &mv);
        if (s->fn)
            s->fn(s->fn_ctx, sm, &mv, stage);
        machine_state st = machine_state_of(m);
        if (!isfinite(s->t_end) && (st == MS_DONE || st == MS_STOPPED || st == MS_FAULT))
            s->t_end = sm->t_s;
    }
    if (pending.kind != MC_NONE)
        refused(s, execute(r, &pending), &pending);
    if (isfinite(s->t_end) && n > 0 && buf[n - 1].t_s - s->t_end >= 0.3)
        s->phase = RUN_FINISHED;
    else if (isfinite(s->t_end) && s->fault_sent && n == 0)
        s->phase = RUN_FINISHED; /* link gone: nothing more will come */
    else if (isfinite(s->t_first) && n > 0 && buf[n - 1].t_s - s->t_first > s->timeout) {
        /* the session's own end: its reason, not the operator's stop */
        char d[64];
        snprintf(d, sizeof d, "after %.0f s", s->timeout);
        machine_abort(m, MEND_TIMEOUT, d);
        session_say(pg, "%s: timeout %s\n", s->o.who, d);
        s->timeout = INFINITY;
    }
    return s->phase;
}

int run_session_poll(run_session *s, double wait_s, char *why, size_t wl)
{
    switch (s->phase) {
    case RUN_BALANCE: return poll_balance(s, wait_s, why, wl);
    case RUN_ACTIVE: return poll_active(s, wait_s, why, wl);
    case RUN_IDLE:
    case RUN_FINISHED:
    default:
        /* nobody records: drain the queue (rig_latest keeps the newest) */
        if (wait_s > 0)
            rig_wait_samples(s->r, wait_s);
        while (rig_poll_samples(s->r, s->buf, sizeof s->buf / sizeof s->buf[0]) > 0)
            ;
        return s->phase;
    }
}

int run_session_request(run_session *s, machine_event e)
{
    if (e == ME_STOP && s->r)
        rig_cmd_stop(s->r);
    if (s->phase != RUN_BALANCE && s->phase != RUN_ACTIVE)
        return RIGOR_ESTATE;
    if (e == ME_STOP) {
        if (!s->stop_pending)
            session_say(s->o.progress, "%s: operator stop\n", s->o.who);
        s->stop_pending = true; /* latched: taken at the next poll */
        return RIGOR_OK;
    }
    if (!s->m)
        return RIGOR_ESTATE;
    return machine_request(s->m, e);
}

int run_session_abort(run_session *s, machine_end why, const char *detail)
{
    if (s->r)
        rig_cmd_stop(s->r);
    if (s->phase != RUN_BALANCE && s->phase != RUN_ACTIVE)
        return RIGOR_ESTATE;
    if (s->m) {
        machine_abort(s->m, why, detail);
        return RIGOR_OK;
    }
    if (s->abort_why == MEND_NONE) {
        s->abort_why = why;
        snprintf(s->abort_detail, sizeof s->abort_detail, "%s", detail ? detail : "");
    }
    s->stop_pending = true; /* the machine starts already ended */
    return RIGOR_OK;
}

int run_session_consumer_rt(run_session *s, bool on, rt_status *st)
{
    rt_status local;
    if (!st)
        st = &local;
    if (!on) {
        rt_decline("the test has ended", st);
        return RIGOR_OK;
    }
    return rt_for_loop(s->cfg.realtime, 1e-3, RT_PRIO_ACQ - 1, st);
}

bool run_session_fault(run_session *s, char *reason, size_t len)
{
    return s->r && rig_state(s->r, reason, len) == RIG_HEALTH_FAULT;
}

int run_session_ack_fault(run_session *s)
{
    int rc = s->r ? rig_ack_fault(s->r) : RIGOR_ESTATE;
    if (rc == RIGOR_OK && s->m && machine_state_of(s->m) == MS_FAULT)
        machine_request(s->m, ME_ACK);
    return rc;
}

/* The test's last stop is confirmed before its end is told: the driver
 * escalates a refused stop (quick stop, disable) and FAULTs naming it in
 * the cycle that sent it (rig/acq_write.c), so the first sample flagged
 * RIG_SF_STOPPED after the stop says whether it took. A crosshead the
 * stop command did not stop is never "done as planned" (issue 21: a
 * refused stop after a fracture ended with exit 0). Waits at most 1 s,
 * above the escalation bound of docs/reliability.md. */
static void confirm_stop(run_session *s, run_result *o)
{
    rig *r = s->r;
    rig_sample b[64];
    bool stopped = false;
    for (int k = 0; k < 20 && !stopped; k++) {
        rig_wait_samples(r, 0.05);
        size_t n = rig_poll_samples(r, b, sizeof b / sizeof b[0]);
        for (size_t i = 0; i < n; i++)
            if (b[i].flags & (RIG_SF_STOPPED | RIG_SF_FAULT))
                stopped = true;
    }
    char reason[200] = "";
    bool rig_fault = rig_state(r, reason, sizeof reason) == RIG_HEALTH_FAULT;
    /* A fault after the test's end (the machine's state FAULT, its end still
     * the fracture) is the test's end too: the exit status follows the end. */
    if ((!rig_fault && !o->fault) || o->end == MEND_RIG_FAULT || o->end == MEND_REFUSED)
        return;
    if (!o->fault)
        session_say(s->o.progress, "%s: FAULT: %s\n", s->o.who, reason);
    char was[sizeof o->end_reason];
    snprintf(was, sizeof was, "%s", o->end_reason);
    snprintf(o->end_reason, sizeof o->end_reason, "fault: %.60s, then %.50s",
             reason[0] ? reason : "rig fault", was);
    o->end = MEND_RIG_FAULT;
    o->fault = true;
    o->failed = true;
}

int run_session_end_test(run_session *s, run_result *res, char *why, size_t wl)
{
    memset(res, 0, sizeof *res);
    if (s->phase == RUN_IDLE) {
        snprintf(why, wl, "no test to end");
        return RIGOR_ESTATE;
    }
    if (s->phase != RUN_FINISHED) {
        run_session_request(s, ME_STOP);
        for (int i = 0; i < 60 && s->phase != RUN_FINISHED; i++)
            if (run_session_poll(s, 0.05, why, wl) < 0)
                break;
        if (s->phase != RUN_FINISHED && !s->err) /* no samples: the link is gone */
            snprintf(s->why, sizeof s->why, "stopped: no samples from the rig");
    }
    rig *r = s->r;
    int rc;
    if (s->err || !s->m) {
        rc = s->err ? s->err : RIGOR_ESTATE;
        snprintf(why, wl, "%s", s->why[0] ? s->why : rigor_strerror(rc));
        runfile_close(s->rf, s->why[0] ? s->why : "aborted", NULL);
        s->rf = NULL;
        rig_cmd_stop(r);
        *res = s->res;
        test_clear(s);
        return rc;
    }
    rig_cmd_stop(r);

    machine *m = s->m;
    run_result *o = &s->res;
    rate_flush(s);
    o->final_state = machine_state_of(m);
    snprintf(o->end_reason, sizeof o->end_reason, "%s",
             machine_end_reason(m)[0] ? machine_end_reason(m) : "ended");
    o->failed = machine_failed(m);
    o->end = machine_end_of(m);
    o->fault = o->final_state == MS_FAULT;
    confirm_stop(s, o);
    if (s->frac_sample >= 0 && s->stop_sample >= 0)
        o->stop_latency_samples = (double)(s->stop_sample - s->frac_sample);
    else
        o->stop_latency_samples = NAN;

    rig_stats st;
    rig_stats_get(r, &st);
    o->achieved_rate_hz = st.achieved_rate_hz;
    o->duration_s = isfinite(s->t_end) && isfinite(s->t_first) ? s->t_end - s->t_first : 0;
    rc = runfile_close(s->rf, o->end_reason, &st);
    s->rf = NULL;
    if (rc != RIGOR_OK) {
        snprintf(why, wl, "%s: closing the run file failed: %s", o->run_path, rigor_strerror(rc));
        *res = *o;
        test_clear(s);
        return rc;
    }

    if (s->sm) {
        /* Ground truth: how far the crosshead went after the specimen broke. */
        usleep(100000);
        sim_truth tr;
        sim_truth_snapshot(s->sm, &tr);
        const sim_geometry *g = &s->sg;
        o->sim_fractured = tr.fractured;
        o->sim_fracture_t_s = tr.fracture_t_s;
        o->sim_rt_physics = tr.rt_physics;
        o->sim_rt_serving = tr.rt_serving;
        o->sim_stop_latency_s = NAN;
        o->sim_read_stop_latency_s = NAN;
        if (tr.fractured) {
            double defl = fabs(tr.fracture_force_N) * g->frame_compliance_m_N;
            double x_frac = g->compression ? -(g->gap_m + tr.fracture_deformation_m + defl)
                                           : tr.fracture_deformation_m + defl;
            o->sim_travel_after_fracture_m = fabs(tr.crosshead_m - x_frac);
            /* wall time from the fracture step to the first stop write the
             * simulator served (both on the simulator's clock) */
            if (tr.stop_cmd_wall_s >= 0)
                o->sim_stop_latency_s = tr.stop_cmd_wall_s - tr.fracture_wall_s;
            if (tr.stop_cmd_wall_s >= 0 && tr.first_read_wall_s >= 0)
                o->sim_read_stop_latency_s = tr.stop_cmd_wall_s - tr.first_read_wall_s;
        }
    }
    *res = *o;
    test_clear(s);
    return RIGOR_OK;
}
