/* session_run.c — `rigor run`'s test: one session, one test, blocking.
 *
 * The rig file is checked before anything connects, the protocol validated
 * against the rig's limits (against the simulated cell's with --sim), the
 * session opened, the test begun and polled until it finishes; SIGINT and
 * SIGTERM end it with their own end reason (machine_abort, MEND_SIGNAL).
 */
#include "session.h"
#include "session_priv.h"

#include "../common/error.h"
#include "../rig/rigfile.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void run_opts_init(run_opts *o)
{
    memset(o, 0, sizeof *o);
    curve_geom_clear(&o->geom);
    o->seed = 1;
}


/* ---- rigor run: one session, one test ----------------------------------- */

int run_protocol(const run_opts *o, run_result *res, char *why, size_t wl)
{
    memset(res, 0, sizeof *res);
    res->sim_stop_latency_s = NAN;
    res->sim_read_stop_latency_s = NAN;
    int rc;
    protocol *p = NULL;
    run_session *s = NULL;

    /* 1. The rig file (the register map), checked before anything connects. */
    rig_config cfg;
    char rigpath[1024];
    if (o->rig_path)
        snprintf(rigpath, sizeof rigpath, "%s", o->rig_path);
    else
        session_default_rig_path(rigpath, sizeof rigpath);
    rigor_diag d;
    memset(&d, 0, sizeof d);
    if ((rc = rigfile_load(rigpath, &cfg, &d)) != RIGOR_OK) {
        rigor_diag_format(&d, why, wl);
        return rc;
    }

    /* 2. The protocol, validated against the rig's machine limits. With the
     * simulated frame the load cell is the simulated one, whose capacity
     * depends on the preset: the protocol is read once for its geometry,
     * the simulator built with it, and the protocol validated again against
     * the simulated cell. */
    proto_rig_limits lim = {cfg.capacity_N, cfg.travel_min_m, cfg.travel_max_m,
                            cfg.speed_max_m_s, NAN, cfg.point[ROLE_EXTENSION].present ? 1 : 0};
    if (o->sim_preset)
        lim.force_capacity_N = NAN;
    rigor_diag diags[32];
    size_t nd = 0;
    rc = proto_parse_file_geom(o->protocol_path, &lim, &o->geom, &p, diags, 32, &nd);
    if (rc != RIGOR_OK)
        goto bad_protocol;

    /* 3. The session: the simulated frame in process on an ephemeral
     * loopback port with the protocol's specimen, the link, acquisition. */
    run_session_opts so;
    run_session_opts_init(&so);
    so.rig_path = rigpath;
    so.sim_preset = o->sim_preset;
    so.sim_faults = o->sim_faults;
    so.sim_params = o->sim_params;
    so.n_sim_params = o->n_sim_params;
    so.sim_log = o->sim_log;
    so.seed = o->seed;
    so.sim_geom = session_sim_geom_of(p);
    so.rate_hz = o->rate_hz;
    so.progress = o->progress;
    if ((rc = run_session_open(&so, &s, why, wl)) != RIGOR_OK)
        goto out;
    if (o->sim_preset) {
        proto_free(p);
        p = NULL;
        nd = 0;
        rc = run_session_parse_file(s, o->protocol_path, &o->geom, &p, diags, 32, &nd);
        if (rc != RIGOR_OK)
            goto bad_protocol;
        run_session_info si;
        run_session_get_info(s, &si);
        session_say(o->progress, "rigor run: simulated frame '%s' (%g N cell) on 127.0.0.1:%d\n",
            o->sim_preset, si.capacity_N, si.sim_port);
    }

    /* 4. The test: run file, balance, the state machine fed by the
     * acquisition queue. */
    run_test_opts t = {o->out_path, o->specimen_id, o->note, NULL, o->timeout_s};
    t.protocol_label = p->name[0] ? p->name : o->protocol_path;
    rc = run_session_begin_test(s, p, &t, why, wl);
    p = NULL; /* the session's now */
    if (rc != RIGOR_OK) {
        snprintf(res->run_path, sizeof res->run_path, "%s", run_session_run_path(s));
        goto out;
    }
    /* On a terminal, a progress bar under the step lines: steps done of the
     * protocol's steps, and the live values. It is erased before each poll so
     * the step and stage lines print cleanly above it. */
    bool bar = o->progress && isatty(fileno(o->progress));
    bool signalled = false;
    while (true) {
        if (o->stop_flag && *o->stop_flag && !signalled) {
            /* SIGINT / SIGTERM: the test ends with its own reason */
            int sig = (int)*o->stop_flag;
            signalled = true;
            run_session_abort(s, MEND_SIGNAL,
                              sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal");
            session_say(o->progress, "rigor run: %s: stopping\n",
                sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal");
        }
        if (bar)
            fputs("\r\033[K", o->progress);
        rc = run_session_poll(s, 0.05, why, wl);
        if (rc < 0 || rc == RUN_FINISHED)
            break;
        if (bar) {
            const machine *m = run_session_machine(s);
            const protocol *pp = run_session_protocol(s);
            int nsteps = pp ? pp->nsteps : 0, k = m ? machine_step(m) : -1;
            machine_values v = m ? machine_values_of(m) : (machine_values){0};
            char cells[21];
            int fill = nsteps > 0 && k >= 0 ? (20 * k + 10) / nsteps : 0;
            for (int i = 0; i < 20; i++)
                cells[i] = i < fill ? '#' : '.';
            cells[20] = '\0';
            fprintf(o->progress, "  [%s] step %d/%d  F %.4g N  strain %.3g %%  %s", cells,
                    k + 1, nsteps, v.force_N, v.strain * 100, m ? machine_stage(m) : "");
            fflush(o->progress);
        }
    }
    if (bar)
        fputs("\r\033[K", o->progress);
    rc = run_session_end_test(s, res, why, wl);
    if (run_session_stop_link(s, &res->session_stats) == RIGOR_OK)
        res->have_session_stats = true;
    goto out;

bad_protocol : {
    char line[1200];
    for (size_t i = 0; i < nd; i++)
        session_say(o->progress, "%s\n", rigor_diag_format(&diags[i], line, sizeof line));
    snprintf(why, wl, "%s: %zu error%s in the protocol; nothing moved", o->protocol_path, nd,
             nd == 1 ? "" : "s");
}
out:
    run_session_close(s);
    proto_free(p);
    return rc;
}
