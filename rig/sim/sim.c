/* sim.c — life cycle of the simulated frame: create, run the physics clock, stop, inspect.
 *
 * The physics thread wakes every millisecond on CLOCK_MONOTONIC (absolute
 * deadlines, so no drift) and runs as many 1-ms steps as real time demands;
 * if it was starved for more than 200 ms it drops the backlog rather than
 * fast-forwarding (a `clock slip` event is logged). Requests from the
 * servers and this file's accessors take the same lock as a step; it
 * inherits priority, because the real-time physics and serving threads
 * share it with whatever normal thread asks for a snapshot.
 */
#include "sim_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sim_config_init(sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->specimen = "e-lpscl-film";
    cfg->seed = 1;
    cfg->baud = 115200;
    cfg->log_every = 1;
}

int sim_new(const sim_config *cfg, sim **out)
{
    return sim_new_diag(cfg, out, NULL);
}

int sim_new_diag(const sim_config *cfg, sim **out, rigor_diag *d)
{
    *out = NULL;
    sim *s = calloc(1, sizeof *s);
    if (!s)
        return RIGOR_ENOMEM;
    rt_mutex_init(&s->lock);
    pthread_mutex_init(&s->conn_lock, NULL);
    pthread_cond_init(&s->conn_cv, NULL);
    s->listen_fd = s->pty_master = s->pty_slave = -1;
    for (int i = 0; i < SIM_MAX_CONN; i++)
        s->conn_fd[i] = -1;
    int rc = sim_specimen_setup(s, cfg, d);
    if (!rc)
        rc = sim_faults_parse(cfg->faults, &s->faults, d);
    if (!rc && cfg->baud < 0) {
        rigor_diag_set(d, "--baud", 0, 0, "baud must be >= 0");
        rc = RIGOR_EINVAL;
    }
    if (!rc && cfg->realtime != RT_AUTO && cfg->realtime != RT_OFF) {
        rigor_diag_set(d, "realtime", 0, 0, "the simulator's realtime is auto or off, not %s",
                     rt_mode_name(cfg->realtime));
        rc = RIGOR_EINVAL;
    }
    if (rc) {
        sim_free(s);
        return rc;
    }
    s->seed = cfg->seed;
    s->baud = cfg->baud;
    s->log_every = cfg->log_every > 0 ? cfg->log_every : 1;
    s->events = cfg->events;
    s->realtime = cfg->realtime;
    s->idle_timeout_s = cfg->idle_timeout_s > 0   ? cfg->idle_timeout_s
                        : cfg->idle_timeout_s < 0 ? INFINITY
                                                  : SIM_IDLE_TIMEOUT_S;
    if (cfg->log_file) {
        s->log = cfg->log_file;
    } else if (cfg->log_path) {
        s->log = fopen(cfg->log_path, "w");
        if (!s->log) {
            rigor_diag_set(d, cfg->log_path, 0, 0, "cannot open the log for writing: %s",
                         strerror(errno));
            sim_free(s);
            return RIGOR_EIO;
        }
        s->log_owned = true;
    }
    sim_physics_init(s);
    sim_log_header(s);
    *out = s;
    return RIGOR_OK;
}

double sim_mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void sim_rt_take(sim *s, const char *what)
{
    rt_status st;
    if (s->realtime == RT_OFF)
        rt_decline("realtime off for the simulator", &st);
    else
        rt_request(RT_PRIO_SIM, &st);
    bool tcp = !strcmp(what, "tcp-connection");
    pthread_mutex_lock(&s->lock);
    bool report = !tcp || !s->rt_tcp_reported || strcmp(st.text, s->rt_serve.text) != 0;
    if (!strcmp(what, "physics"))
        s->rt_phys = st;
    else
        s->rt_serve = st;
    s->rt_tcp_reported |= tcp;
    if (report)
        sim_event(s, "realtime %s %s", what, st.text);
    pthread_mutex_unlock(&s->lock);
}

static void *physics_main(void *arg)
{
    sim *s = arg;
    sim_rt_take(s, "physics");
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double t0 = sim_mono_now();
    long done = 0;
    while (!atomic_load(&s->stopping)) {
        next.tv_nsec += 1000000;
        if (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            next.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
            ;
        long due = (long)((sim_mono_now() - t0) / SIM_DT_S);
        pthread_mutex_lock(&s->lock);
        if (due - done > 200) {
            sim_event(s, "clock slip %ld ms", due - done - 1);
            done = due - 1;
        }
        for (; done < due; done++)
            sim_step(s);
        pthread_mutex_unlock(&s->lock);
        if (due > done + 1) /* far behind: resynchronise the wake-up grid */
            clock_gettime(CLOCK_MONOTONIC, &next);
    }
    return NULL;
}

int sim_physics_start(sim *s)
{
    if (s->phys_started)
        return RIGOR_OK;
    atomic_store(&s->stopping, false);
    if (pthread_create(&s->phys_thread, NULL, physics_main, s))
        return RIGOR_ENOMEM;
    s->phys_started = true;
    atomic_store(&s->running, true);
    return RIGOR_OK;
}

void sim_stop(sim *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    s->stopped = true;
    sim_server_stop(s);
    if (s->phys_started) {
        pthread_join(s->phys_thread, NULL);
        s->phys_started = false;
        atomic_store(&s->running, false);
    }
    pthread_mutex_lock(&s->lock);
    if (s->log)
        fflush(s->log);
    pthread_mutex_unlock(&s->lock);
}

void sim_free(sim *s)
{
    if (!s)
        return;
    sim_stop(s);
    if (s->log && s->log_owned)
        fclose(s->log);
    pthread_cond_destroy(&s->conn_cv);
    pthread_mutex_destroy(&s->conn_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int sim_advance(sim *s, long n_steps)
{
    if (atomic_load(&s->running))
        return RIGOR_ESTATE;
    pthread_mutex_lock(&s->lock);
    for (long i = 0; i < n_steps; i++)
        sim_step(s);
    pthread_mutex_unlock(&s->lock);
    return RIGOR_OK;
}

void sim_truth_snapshot(sim *s, sim_truth *o)
{
    pthread_mutex_lock(&s->lock);
    memset(o, 0, sizeof *o);
    o->t_s = s->t;
    o->crosshead_m = s->x;
    o->velocity_m_s = s->v;
    o->deformation_m = s->delta;
    o->frame_deflection_m = fabs(s->force) * s->p.frame_compliance;
    o->force_N = s->force;
    o->measured_force_N = s->net;
    o->peak_force_N = s->peak_true;
    o->compression = s->compression;
    o->contact = s->contact;
    o->contact_t_s = s->contact_t;
    o->fractured = s->fractured;
    o->fracture_t_s = s->fracture_t;
    o->fracture_wall_s = s->fracture_wall;
    o->stop_cmd_wall_s = s->stop_wall;
    o->first_read_wall_s = s->read_wall;
    o->fracture_force_N = s->fracture_force;
    o->fracture_deformation_m = s->fracture_delta;
    o->enabled = s->enabled;
    o->moving = fabs(s->v) > 1e-9;
    o->fault_code = s->fault;
    o->watchdog_tripped = s->wd_tripped;
    o->watchdog_trip_t_s = s->wd_trip_t;
    o->estop = s->estop;
    o->upper_limit = s->at_upper;
    o->lower_limit = s->at_lower;
    o->tick_frozen = s->frozen;
    o->tick = s->tick;
    o->requests = s->requests;
    o->faults_injected = s->faults_injected;
    o->rt_physics = s->rt_phys;
    o->rt_serving = s->rt_serve;
    pthread_mutex_unlock(&s->lock);
}

void sim_get_geometry(const sim *s, sim_geometry *g)
{
    memset(g, 0, sizeof *g);
    g->compression = s->compression;
    g->area_m2 = s->area;
    g->length_m = s->L0;
    if (s->compression) {
        g->diameter_m = s->p.diameter;
        g->gap_m = s->p.gap;
    } else {
        g->width_m = s->p.width;
        g->thickness_m = s->p.thickness;
    }
    g->frame_compliance_m_N = s->p.frame_compliance;
    g->capacity_N = s->p.capacity;
    g->noise_N = s->p.noise;
}

const char *sim_model_name(const sim *s)
{
    switch (s->model) {
    case MODEL_NONE: return "none";
    case MODEL_ELASTIC_PLASTIC: return "elastic-plastic";
    case MODEL_BRITTLE: return "brittle";
    case MODEL_BRITTLE_COMPRESSION: return "brittle-compression";
    case MODEL_CELLULAR: return "cellular";
    case MODEL_LUDERS: return "luders";
    }
    return "?";
}
