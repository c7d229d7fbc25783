/* runner.c — run one protocol on a rig or the in-process simulated frame.
 *
 * Loop: wait for samples from the acquisition thread, feed each to the state
 * machine, hand its command to the driver (which sends it before its next
 * read), append the sample with its stage/mark text to the run file. After
 * the machine reaches a final state the loop records 0.3 s more, so the run
 * file shows the crosshead at rest, then closes the file with the end reason
 * and the acquisition statistics.
 */
#include "runner.h"

#include "../common/error.h"
#include "../rig/rig.h"
#include "../rig/rigfile.h"
#include "../rig/runfile.h"
#include "../rig/sim.h"

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

void run_opts_init(run_opts *o)
{
    memset(o, 0, sizeof *o);
    curve_geom_clear(&o->geom);
    o->seed = 1;
}

/* The reference rig file: ./rigs/, else next to the binary (../rigs/). */
static void default_rig_path(char *buf, size_t len)
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
static void safe_name(char *dst, size_t len, const char *s)
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

static void say(const run_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const run_opts *o, const char *fmt, ...)
{
    if (!o->progress)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->progress, fmt, ap);
    va_end(ap);
    fflush(o->progress);
}

static int execute(rig *r, const machine_cmd *c)
{
    switch (c->kind) {
    case MC_VELOCITY: return rig_cmd_velocity(r, c->velocity_m_s);
    case MC_STOP: return rig_cmd_stop(r);
    case MC_POSITION: return rig_cmd_position(r, c->position_m, c->velocity_m_s);
    default: return RIG_OK;
    }
}

int run_protocol(const run_opts *o, run_result *res, char *why, size_t wl)
{
    memset(res, 0, sizeof *res);
    res->sim_stop_latency_s = NAN;
    int rc;
    protocol *p = NULL;
    sim *sm = NULL;
    rig *r = NULL;
    runfile *rf = NULL;
    machine *m = NULL;

    /* 1. The rig file (the register map), checked before anything connects. */
    rig_config cfg;
    char rigpath[1024];
    if (o->rig_path)
        snprintf(rigpath, sizeof rigpath, "%s", o->rig_path);
    else
        default_rig_path(rigpath, sizeof rigpath);
    rig_diag d;
    memset(&d, 0, sizeof d);
    if ((rc = rigfile_load(rigpath, &cfg, &d)) != RIG_OK) {
        rig_diag_format(&d, why, wl);
        return rc;
    }

    /* 2. The protocol, validated against the rig's machine limits. With the
     * simulated frame the load cell is the simulated one, whose capacity
     * depends on the preset: the protocol is read once for its geometry,
     * the simulator built with it, and the protocol validated again against
     * the simulated cell. */
    proto_rig_limits lim = {cfg.capacity_N, cfg.travel_min_m, cfg.travel_max_m,
                            cfg.speed_max_m_s};
    if (o->sim_preset)
        lim.force_capacity_N = NAN;
    rig_diag diags[32];
    size_t nd = 0;
    rc = proto_parse_file_geom(o->protocol_path, &lim, &o->geom, &p, diags, 32, &nd);
    if (rc != RIG_OK)
        goto bad_protocol;
    bool compression = p->test == PTEST_COMPRESSION;
    double compliance = NAN; /* frame compliance known for this rig, m/N */

    /* 3. The simulated frame, in process, on an ephemeral loopback port. */
    if (o->sim_preset) {
        sim_config sc;
        sim_config_init(&sc);
        sc.specimen = o->sim_preset;
        sc.seed = o->seed;
        sc.faults = o->sim_faults;
        sc.log_path = o->sim_log;
        /* the simulated specimen has the protocol's geometry */
        if (compression) {
            if (isfinite(p->geom.diameter_m))
                sc.diameter_m = p->geom.diameter_m;
            if (isfinite(p->length0_m))
                sc.height_m = p->length0_m;
        } else {
            if (isfinite(p->geom.width_m))
                sc.width_m = p->geom.width_m;
            if (isfinite(p->geom.thickness_m))
                sc.thickness_m = p->geom.thickness_m;
            if (isfinite(p->length0_m))
                sc.gauge_length_m = p->length0_m;
        }
        memset(&d, 0, sizeof d);
        if ((rc = sim_new_diag(&sc, &sm, &d)) != RIG_OK) {
            snprintf(why, wl, "simulator: %s", d.msg[0] ? d.msg : rig_strerror(rc));
            goto out;
        }
        sim_geometry sg;
        sim_get_geometry(sm, &sg);
        cfg.capacity_N = sg.capacity_N;
        cfg.force_max_N = 0.95 * sg.capacity_N;
        cfg.force_min_N = -0.95 * sg.capacity_N;
        lim.force_capacity_N = sg.capacity_N;
        proto_free(p);
        p = NULL;
        nd = 0;
        rc = proto_parse_file_geom(o->protocol_path, &lim, &o->geom, &p, diags, 32, &nd);
        if (rc != RIG_OK)
            goto bad_protocol;
        int port = 0;
        if ((rc = sim_start_tcp(sm, "127.0.0.1", 0, &port)) != RIG_OK) {
            snprintf(why, wl, "simulator: cannot listen on 127.0.0.1: %s", rig_strerror(rc));
            goto out;
        }
        cfg.transport = RIG_TCP;
        snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
        cfg.port = port;
        res->sim = true;
        compliance = sg.frame_compliance_m_N;
        say(o, "rigor run: simulated frame '%s' (%g N cell) on 127.0.0.1:%d\n", o->sim_preset,
            sg.capacity_N, port);
    }

    /* 4. Connect and start acquiring. */
    if ((rc = rig_new(&cfg, &r)) != RIG_OK || (rc = rig_connect(r)) != RIG_OK) {
        snprintf(why, wl, "cannot connect to the rig (%s): %s", rigpath, rig_strerror(rc));
        goto out;
    }
    if ((rc = rig_start(r, o->rate_hz)) != RIG_OK) {
        snprintf(why, wl, "cannot start acquisition: %s", rig_strerror(rc));
        goto out;
    }

    /* 5. The run file: created exclusively, written while the test runs. */
    char spec[128];
    safe_name(spec, sizeof spec, o->specimen_id ? o->specimen_id : p->name[0] ? p->name : "run");
    if (o->out_path) {
        snprintf(res->run_path, sizeof res->run_path, "%s", o->out_path);
    } else {
        time_t now = time(NULL);
        struct tm tmv;
        gmtime_r(&now, &tmv);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tmv);
        if (mkdir("runs", 0777) != 0 && errno != EEXIST) {
            snprintf(why, wl, "cannot create runs/: %s", strerror(errno));
            rc = RIG_EIO;
            goto out;
        }
        snprintf(res->run_path, sizeof res->run_path, "runs/%.100s-%s.csv", spec, stamp);
    }
    runfile_header h = runfile_header_empty();
    h.rigor_version = RIGOR_RUN_VERSION;
    h.rig = rigpath;
    h.regmap_sha256 = cfg.sha256;
    h.specimen = o->specimen_id ? o->specimen_id : spec;
    h.test = compression ? "compression" : "tensile";
    h.width_m = p->geom.width_m;
    h.thickness_m = compression ? NAN : p->geom.thickness_m;
    h.gauge_length_m = compression ? NAN : p->length0_m;
    h.diameter_m = p->geom.diameter_m;
    h.height_m = compression ? p->length0_m : NAN;
    h.area_m2 = p->area_m2;
    h.compliance_m_per_N = compliance;
    h.protocol = p->name[0] ? p->name : o->protocol_path;
    h.note = o->note;
    h.extension = cfg.point[ROLE_EXTENSION].present;
    if ((rc = runfile_open(res->run_path, &h, &rf)) != RIG_OK) {
        snprintf(why, wl, "%s: cannot create the run file: %s", res->run_path,
                 rc == RIG_EEXIST ? "it exists (runs are never overwritten)" : rig_strerror(rc));
        goto out;
    }
    say(o, "rigor run: %s -> %s\n", p->name[0] ? p->name : o->protocol_path, res->run_path);

    /* 6. Balance: 0.2 s at rest before anything moves, so the run file
     * starts with a baseline (contact and noise are judged against it, live
     * and offline alike). */
    rig_sample buf[256];
    double fsum = 0, fsum2 = 0;
    size_t fn = 0;
    for (int tries = 0; tries < 40 && fn < 200; tries++) {
        rig_wait_samples(r, 0.05);
        size_t n = rig_poll_samples(r, buf, sizeof buf / sizeof buf[0]);
        for (size_t i = 0; i < n; i++, fn++) {
            fsum += buf[i].force_N;
            fsum2 += buf[i].force_N * buf[i].force_N;
            if (runfile_append(rf, &buf[i], "") != RIG_OK)
                break;
            res->samples++;
        }
    }
    double fsd = fn > 1 ? sqrt(fmax(0, (fsum2 - fsum * fsum / fn) / (fn - 1))) : 0;
    say(o, "rigor run: balance: force %.4g N, noise %.3g N (SD of %zu samples at rest)\n",
        fn ? fsum / fn : NAN, fsd, fn);

    /* 7. The state machine, fed by the acquisition queue. */
    if ((rc = machine_new(p, NULL, &m)) != RIG_OK) {
        snprintf(why, wl, "state machine: %s", rig_strerror(rc));
        goto out;
    }
    if (isfinite(compliance))
        machine_set_compliance(m, compliance);
    machine_request(m, ME_ARM);
    machine_request(m, ME_START);

    machine_note notes[16];
    double t_end = NAN, t_first = NAN, timeout = o->timeout_s > 0 ? o->timeout_s : 3600;
    bool stop_asked = false, fault_sent = false;
    long frac_sample = -1, stop_sample = -1, idx = 0;
    while (true) {
        if (o->stop_flag && *o->stop_flag && !stop_asked) {
            stop_asked = true;
            machine_request(m, ME_STOP);
            say(o, "rigor run: operator stop\n");
        }
        rig_wait_samples(r, 0.05);
        size_t n = rig_poll_samples(r, buf, sizeof buf / sizeof buf[0]);
        if (n == 0) {
            char reason[128] = "";
            if (rig_state(r, reason, sizeof reason) == RIG_HEALTH_FAULT && !fault_sent) {
                machine_fault(m, reason);
                fault_sent = true;
                /* feed the last known sample so the fault is taken now */
                rig_sample last;
                if (rig_latest(r, &last) == RIG_OK) {
                    machine_sample ms = {last.t_s, last.position_m, last.force_N,
                                         last.extension_m};
                    machine_cmd c;
                    machine_feed(m, &ms, &c, notes, 16);
                    execute(r, &c);
                }
                say(o, "rigor run: FAULT: %s\n", reason);
                if (!isfinite(t_end))
                    t_end = isfinite(t_first) ? last.t_s : 0;
            }
        }
        for (size_t i = 0; i < n; i++, idx++) {
            rig_sample *s = &buf[i];
            if (!isfinite(t_first))
                t_first = s->t_s;
            if ((s->flags & RIG_SF_FAULT) && !fault_sent) {
                char reason[128] = "rig fault";
                rig_state(r, reason, sizeof reason);
                machine_fault(m, reason);
                fault_sent = true;
                say(o, "rigor run: FAULT: %s\n", reason);
            }
            machine_sample ms = {s->t_s, s->position_m, s->force_N, s->extension_m};
            machine_cmd c;
            int nn = machine_feed(m, &ms, &c, notes, 16);
            if (c.kind == MC_STOP && stop_sample < 0)
                stop_sample = idx;
            execute(r, &c);
            char stage[128] = "";
            for (int k = 0; k < nn; k++) {
                const machine_note *mn = &notes[k];
                if (!strcmp(mn->kind, "step"))
                    say(o, "  t=%7.3f s  step %s\n", s->t_s - t_first, mn->text);
                else if (strcmp(mn->kind, "end"))
                    say(o, "  t=%7.3f s  %s %s\n", s->t_s - t_first, mn->kind, mn->text);
                if (!strcmp(mn->kind, "fracture") && frac_sample < 0)
                    frac_sample = idx;
                if (!strcmp(mn->kind, "stage") || !strcmp(mn->kind, "fracture") ||
                    !strcmp(mn->kind, "mark") || !strcmp(mn->kind, "limit")) {
                    size_t len = strlen(stage);
                    const char *word = !strcmp(mn->kind, "stage") ? mn->text : mn->kind;
                    snprintf(stage + len, sizeof stage - len, "%s%s%s%.40s", len ? " " : "",
                             word, !strcmp(mn->kind, "mark") ? ":" : "",
                             !strcmp(mn->kind, "mark") ? mn->text : "");
                }
            }
            /* The run file holds what the rig measured; the protocol's
             * zero steps are the machine's own offsets, and analysis finds
             * contact and toe again from the data. */
            int wrc = runfile_append(rf, s, stage);
            if (wrc != RIG_OK) {
                /* e.g. a full disk: stop the crosshead, keep what is written */
                rig_cmd_stop(r);
                machine_request(m, ME_STOP);
                snprintf(why, wl, "%s: writing the run file failed: %s; test stopped",
                         res->run_path, rig_strerror(wrc));
                rc = wrc;
                goto out;
            }
            res->samples++;
            machine_state st = machine_state_of(m);
            if (!isfinite(t_end) && (st == MS_DONE || st == MS_STOPPED || st == MS_FAULT))
                t_end = s->t_s;
        }
        if (isfinite(t_end) && n > 0 && buf[n - 1].t_s - t_end >= 0.3)
            break;
        if (isfinite(t_end) && fault_sent && n == 0)
            break; /* link gone: nothing more will come */
        if (isfinite(t_first) && n > 0 && buf[n - 1].t_s - t_first > timeout) {
            machine_request(m, ME_STOP);
            say(o, "rigor run: timeout after %.0f s\n", timeout);
            timeout = INFINITY;
        }
    }
    rig_cmd_stop(r);

    res->final_state = machine_state_of(m);
    snprintf(res->end_reason, sizeof res->end_reason, "%s",
             machine_end_reason(m)[0] ? machine_end_reason(m) : "ended");
    res->failed = machine_failed(m);
    res->fault = res->final_state == MS_FAULT;
    if (frac_sample >= 0 && stop_sample >= 0)
        res->stop_latency_samples = (double)(stop_sample - frac_sample);
    else
        res->stop_latency_samples = NAN;

    rig_stats st;
    rig_stats_get(r, &st);
    res->achieved_rate_hz = st.achieved_rate_hz;
    res->duration_s = isfinite(t_end) && isfinite(t_first) ? t_end - t_first : 0;
    rc = runfile_close(rf, res->end_reason, &st);
    rf = NULL;
    if (rc != RIG_OK) {
        snprintf(why, wl, "%s: closing the run file failed: %s", res->run_path,
                 rig_strerror(rc));
        goto out;
    }

    if (sm) {
        /* Ground truth: how far the crosshead went after the specimen broke. */
        usleep(100000);
        sim_truth tr;
        sim_truth_snapshot(sm, &tr);
        sim_geometry g;
        sim_get_geometry(sm, &g);
        res->sim_fractured = tr.fractured;
        res->sim_fracture_t_s = tr.fracture_t_s;
        if (tr.fractured) {
            double defl = fabs(tr.fracture_force_N) * g.frame_compliance_m_N;
            double x_frac = g.compression ? -(g.gap_m + tr.fracture_deformation_m + defl)
                                          : tr.fracture_deformation_m + defl;
            res->sim_travel_after_fracture_m = fabs(tr.crosshead_m - x_frac);
            if (tr.stop_cmd_wall_s >= 0)
                res->sim_stop_latency_s = tr.stop_cmd_wall_s - tr.fracture_wall_s;
        }
    }
    rc = RIG_OK;
bad_protocol : {
    char line[1200];
    for (size_t i = 0; i < nd; i++)
        say(o, "%s\n", rig_diag_format(&diags[i], line, sizeof line));
    snprintf(why, wl, "%s: %zu error%s in the protocol; nothing moved", o->protocol_path, nd,
             nd == 1 ? "" : "s");
    goto out;
}
out:
    if (rf)
        runfile_close(rf, why[0] ? why : "aborted", NULL);
    if (r) {
        rig_cmd_stop(r);
        rig_stop(r);
        rig_free(r);
    }
    if (sm) {
        sim_stop(sm);
        sim_free(sm);
    }
    machine_free(m);
    proto_free(p);
    return rc;
}
