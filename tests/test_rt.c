/* test_rt.c — real-time scheduling (rig/rt.h) and what its users report.
 *
 * The module: the rig file's words, a grant where the process may have
 * SCHED_FIFO (root, CAP_SYS_NICE or RLIMIT_RTPRIO), a refusal with its
 * reason in a forked child that may not (unpriv.h), and a decline that
 * leaves an inherited FIFO policy. Its users, on the in-process simulated
 * frame: the acquisition thread at 1 kHz, with realtime = off and back to
 * back; the simulator's physics and serving threads; and, unprivileged,
 * realtime = required refused before anything reaches the drive while auto
 * runs on. Cases that need a privilege the process lacks, or a refusal it
 * cannot arrange, are skipped with the reason. No timing is asserted.
 */
#include "../rig/rig.h"
#include "../rig/rt.h"
#include "../rig/sim/sim.h"
#include "harness.h"
#include "unpriv.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

/* May this process have SCHED_FIFO RT_PRIO_SIM? (root or CAP_SYS_NICE, or a
 * high enough RLIMIT_RTPRIO; a cgroup may still refuse, then cases skip) */
static bool may_rt(void)
{
    struct rlimit rl;
    if (rt_cap_sys_nice() == 1)
        return true;
    return getrlimit(RLIMIT_RTPRIO, &rl) == 0 &&
           (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= RT_PRIO_SIM);
}

static int policy_of_self(int *prio)
{
    int policy = -1;
    struct sched_param sp = {0};
    pthread_getschedparam(pthread_self(), &policy, &sp);
    *prio = sp.sched_priority;
    return policy;
}

static void test_mode_words(void)
{
    static const char *const words[] = {"auto", "required", "off"};
    for (int i = 0; i < 3; i++) {
        rt_mode m = (rt_mode)-1;
        CHECK(rt_mode_parse(words[i], &m) && m == (rt_mode)i, "'%s'", words[i]);
        CHECK(!strcmp(rt_mode_name(m), words[i]), "name of %d: %s", i, rt_mode_name(m));
    }
    rt_mode m = RT_OFF;
    CHECK(rt_mode_parse("AUTO", &m) && m == RT_AUTO, "case-insensitive");
    static const char *const bad[] = {"", "yes", "on", "fifo", "auto ", "requiredx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!rt_mode_parse(bad[i], &m), "'%s' accepted", bad[i]);
    CHECK(RT_AUTO == 0, "a zeroed config means auto");
}

/* ---- the module in a thread of its own ---------------------------------- */

typedef struct {
    int rc;
    rt_status st, off;
    int policy, prio;         /* after rt_request */
    int policy_after;         /* after rt_decline */
    int child_policy;         /* a thread created by the FIFO thread, before it declines */
    int child_policy_decline; /* and after */
} grant_report;

static void *child_declines(void *arg)
{
    grant_report *g = arg;
    int prio;
    g->child_policy = policy_of_self(&prio);
    rt_status st;
    rt_decline("test", &st);
    g->child_policy_decline = policy_of_self(&prio);
    return NULL;
}

static void *grant_thread(void *arg)
{
    grant_report *g = arg;
    g->rc = rt_request(RT_PRIO_ACQ, &g->st);
    g->policy = policy_of_self(&g->prio);
    pthread_t th;
    if (pthread_create(&th, NULL, child_declines, g) == 0)
        pthread_join(th, NULL);
    rt_decline("done", &g->off);
    int prio;
    g->policy_after = policy_of_self(&prio);
    return NULL;
}

static void test_granted(void)
{
    if (!may_rt())
        SKIP("this process may not have SCHED_FIFO (not root, no CAP_SYS_NICE, "
             "RLIMIT_RTPRIO below %d)",
             RT_PRIO_SIM);
    grant_report g;
    memset(&g, 0, sizeof g);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, grant_thread, &g) == 0, "thread");
    pthread_join(th, NULL);
    if (g.rc == RIGOR_EPERM)
        SKIP("privileged, but the OS refused: %s", g.st.text);
    CHECK(g.rc == RIGOR_OK && g.st.asked && g.st.granted && g.st.err == 0, "granted: %s",
          g.st.text);
    CHECK(g.st.priority == RT_PRIO_ACQ && !strcmp(g.st.text, "SCHED_FIFO 20") &&
              !g.st.reason[0],
          "status %d '%s' '%s'", g.st.priority, g.st.text, g.st.reason);
    CHECK(g.policy == SCHED_FIFO && g.prio == RT_PRIO_ACQ, "in effect: policy %d prio %d",
          g.policy, g.prio);
    CHECK(g.child_policy == SCHED_FIFO, "a thread it creates inherits FIFO (policy %d)",
          g.child_policy);
    CHECK(g.child_policy_decline == SCHED_OTHER, "which rt_decline leaves (policy %d)",
          g.child_policy_decline);
    CHECK(g.policy_after == SCHED_OTHER && !g.off.asked && !g.off.granted &&
              !strcmp(g.off.text, "off (done)"),
          "declined: policy %d '%s'", g.policy_after, g.off.text);
}

static void test_priority_out_of_range(void)
{
    rt_status st;
    CHECK(rt_request(100, &st) == RIGOR_EINVAL, "priority 100: %s", st.text);
    CHECK(!st.granted && st.err == EINVAL && !strncmp(st.text, "no (EINVAL: ", 12),
          "refused: %s", st.text);
    int prio;
    CHECK(policy_of_self(&prio) == SCHED_OTHER, "the thread keeps its policy");
}

static void refused_child(void *rep)
{
    grant_report *g = rep;
    g->rc = rt_request(RT_PRIO_ACQ, &g->st);
    g->policy = policy_of_self(&g->prio);
}

static void test_refused(void)
{
    grant_report g;
    memset(&g, 0, sizeof g);
    UNPRIV_RUN_OR_SKIP(refused_child, &g);
    CHECK(g.rc == RIGOR_EPERM && g.st.asked && !g.st.granted && g.st.err == EPERM &&
              g.st.priority == 0,
          "refused: rc %d err %d '%s'", g.rc, g.st.err, g.st.text);
    CHECK(!strcmp(g.st.text, "no (EPERM: RLIMIT_RTPRIO is 0 (needs 20) and no CAP_SYS_NICE; "
                             "run as root or raise rtprio in /etc/security/limits.conf)"),
          "reason: '%s'", g.st.text);
    CHECK(!strncmp(g.st.reason, "EPERM: RLIMIT_RTPRIO is 0", 25), "reason field '%s'",
          g.st.reason);
    CHECK(g.policy == SCHED_OTHER, "still a normal thread (policy %d)", g.policy);
}

/* ---- the acquisition thread and the simulator --------------------------- */

static rig_config ref_cfg; /* rigs/reference-tcp.ini, loaded before any fork */
static bool have_cfg;

static bool load_ref(void)
{
    rigor_diag d = {0};
    if (!have_cfg)
        have_cfg = rigfile_load("rigs/reference-tcp.ini", &ref_cfg, &d) == RIGOR_OK;
    if (!have_cfg)
        printf("  rig file: %s\n", d.msg);
    return have_cfg;
}

static sim *start_sim(rt_mode mode, int *port)
{
    sim_config sc;
    sim_config_init(&sc);
    sc.realtime = mode;
    sim *s = NULL;
    if (sim_new(&sc, &s) != RIGOR_OK || sim_start_tcp(s, "127.0.0.1", 0, port) != RIGOR_OK) {
        sim_free(s);
        return NULL;
    }
    return s;
}

/* The reference rig file loaded and a simulator started for a test, each
 * a failed check when it cannot be; NULL then. */
static sim *test_sim(rt_mode mode, int *port, const char *what)
{
    CHECK(load_ref(), "%s: rig file rigs/reference-tcp.ini", what);
    if (!have_cfg)
        return NULL;
    sim *s = start_sim(mode, port);
    CHECK(s != NULL, "%s: simulator", what);
    return s;
}

/* Start a rig on the simulator at port, take samples until 20 have come (or
 * 3 s), and report its scheduling. Returns rig_start's code. */
static int run_rig(int port, rt_mode mode, double rate_hz, double max_rate_hz, rt_status *st,
                   size_t *nsamples)
{
    rig_config c = ref_cfg;
    c.port = port;
    c.realtime = mode;
    c.max_rate_hz = max_rate_hz;
    rig *r = NULL;
    *nsamples = 0;
    memset(st, 0, sizeof *st);
    int rc = rig_new(&c, &r);
    if (rc == RIGOR_OK)
        rc = rig_connect(r);
    if (rc == RIGOR_OK)
        rc = rig_start(r, rate_hz);
    if (r) {
        rig_stats s0;
        rig_stats_get(r, &s0);
        *st = s0.realtime;
    }
    static rig_sample buf[4096];
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (rc == RIGOR_OK && *nsamples < 20) {
        rig_wait_samples(r, 0.05);
        *nsamples += rig_poll_samples(r, buf, 4096);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 > 3)
            break;
    }
    rig_free(r);
    return rc;
}

static void test_acquisition_and_sim(void)
{
    int port = 0;
    sim *s = test_sim(RT_AUTO, &port, "test_acquisition_and_sim");
    if (!s)
        return;
    rt_status st;
    size_t n;
    /* 1 kHz, auto: the thread asks; granted where the process may */
    CHECK(run_rig(port, RT_AUTO, 1000, 1000, &st, &n) == RIGOR_OK && n >= 20, "1 kHz: %zu", n);
    CHECK(st.asked, "1 kHz auto asks: '%s'", st.text);
    if (may_rt() && st.granted)
        CHECK(st.priority == RT_PRIO_ACQ && !strcmp(st.text, "SCHED_FIFO 20"), "'%s'",
              st.text);
    else
        CHECK(!st.granted && st.err && !strncmp(st.text, "no (", 4), "refused: '%s'", st.text);
    /* realtime = off: never asked */
    CHECK(run_rig(port, RT_OFF, 1000, 1000, &st, &n) == RIGOR_OK && n >= 20, "off: %zu", n);
    CHECK(!st.asked && !st.granted && !strcmp(st.text, "off (realtime = off)"), "off: '%s'",
          st.text);
    /* back to back: never asked, whatever the rig file says */
    CHECK(run_rig(port, RT_AUTO, RIG_RATE_MAX, RIG_RATE_MAX, &st, &n) == RIGOR_OK && n >= 20,
          "back to back: %zu", n);
    CHECK(!st.asked && !st.granted && strstr(st.text, "off (back to back"),
          "back to back: '%s'", st.text);
    CHECK(run_rig(port, RT_REQUIRED, RIG_RATE_MAX, RIG_RATE_MAX, &st, &n) == RIGOR_EINVAL &&
              n == 0,
          "back to back refuses realtime = required ('%s')", st.text);
    if (may_rt()) {
        int rc = run_rig(port, RT_REQUIRED, 1000, 1000, &st, &n);
        CHECK((rc == RIGOR_OK && st.granted && n >= 20) || (rc == RIGOR_EPERM && !st.granted),
              "required where permitted: rc %d '%s'", rc, st.text);
    }
    /* The simulator's threads: the physics clock and the connection that
     * served those samples (it takes its scheduling before its first request). */
    sim_truth tr;
    sim_truth_snapshot(s, &tr);
    CHECK(tr.rt_physics.asked && tr.rt_serving.asked, "simulator threads asked: '%s' '%s'",
          tr.rt_physics.text, tr.rt_serving.text);
    if (may_rt() && tr.rt_physics.granted)
        CHECK(!strcmp(tr.rt_physics.text, "SCHED_FIFO 30") &&
                  !strcmp(tr.rt_serving.text, "SCHED_FIFO 30"),
              "simulator '%s' '%s'", tr.rt_physics.text, tr.rt_serving.text);
    sim_free(s);

    /* A simulator told not to ask. */
    s = start_sim(RT_OFF, &port);
    CHECK(s != NULL, "simulator, realtime off");
    if (!s)
        return;
    CHECK(run_rig(port, RT_OFF, 1000, 1000, &st, &n) == RIGOR_OK && n >= 20, "samples");
    sim_truth_snapshot(s, &tr);
    CHECK(!tr.rt_physics.asked && !tr.rt_serving.asked &&
              !strcmp(tr.rt_serving.text, "off (realtime off for the simulator)"),
          "simulator off: '%s' '%s'", tr.rt_physics.text, tr.rt_serving.text);
    sim_free(s);
    sim_config sc;
    sim_config_init(&sc);
    sc.realtime = RT_REQUIRED;
    CHECK(sim_new(&sc, &s) == RIGOR_EINVAL && !s, "the simulator refuses realtime = required");
}

/* CPU seconds of the process (all threads). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The rig file's spin: the loop waits the last stretch before each deadline
 * awake. At 500 Hz a spin of 1.5 ms is cut to half the period (1 ms): the
 * loop still keeps its rate (never faster, samples in order), a command
 * sent meanwhile is carried out (the velocity reaches the drive), and the
 * spinning shows as CPU time -- with real-time scheduling granted, at
 * least a quarter of the wall time, and more than three times what the
 * same run costs asleep. */
static void test_spin(void)
{
    int port = 0;
    sim *s = test_sim(RT_AUTO, &port, "test_spin");
    if (!s)
        return;
    double cpu[2] = {0, 0};
    bool granted = true;
    for (int k = 0; k < 2; k++) {
        rig_config c = ref_cfg;
        c.port = port;
        c.spin_s = k ? 1.5e-3 : 0;
        rig *r = NULL;
        CHECK(rig_new(&c, &r) == RIGOR_OK && rig_connect(r) == RIGOR_OK && rig_start(r, 500) == RIGOR_OK,
              "start, spin %g s", c.spin_s);
        rig_stats st;
        rig_stats_get(r, &st);
        granted &= st.realtime.granted;
        static rig_sample buf[4096];
        size_t n = 0;
        double c0 = cpu_now();
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        bool moved = false, sent = false;
        for (;;) {
            rig_wait_samples(r, 0.05);
            size_t got = rig_poll_samples(r, buf + n, 4096 - n);
            for (size_t i = n; i < n + got; i++)
                moved |= buf[i].velocity_m_s > 0.5e-3;
            n += got;
            clock_gettime(CLOCK_MONOTONIC, &t);
            double el = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9;
            if (!sent && el > 0.2)
                sent = rig_cmd_velocity(r, 1e-3) == RIGOR_OK;
            if (el > 0.8 || n >= 4000)
                break;
        }
        cpu[k] = cpu_now() - c0;
        bool order = true;
        for (size_t i = 1; i < n; i++)
            order &= buf[i].t_s > buf[i - 1].t_s;
        double rate = n > 1 ? (double)(n - 1) / (buf[n - 1].t_s - buf[0].t_s) : 0;
        CHECK(n > 50 && order && rate <= 515, "spin %d: %zu samples at %.1f Hz, in order %d", k,
              n, rate, order);
        CHECK(sent && moved, "spin %d: the velocity command was carried out", k);
        rig_cmd_velocity(r, 0);
        rig_free(r);
    }
    printf("  info: CPU %.3f s asleep, %.3f s with spin (0.8 s each)\n", cpu[0], cpu[1]);
    if (granted)
        CHECK(cpu[1] > 0.2 && cpu[1] > 3 * cpu[0], "spin shows as CPU: %.3f vs %.3f s", cpu[1],
              cpu[0]);
    sim_free(s);
}

/* ---- keeping idle CPUs awake --------------------------------------------- */

/* The threads of this process as /proc says: how many run SCHED_IDLE and
 * SCHED_FIFO, and whether every SCHED_IDLE one may run on exactly one CPU,
 * each on a different one. */
typedef struct {
    int idle, fifo;
    bool pinned_apart;
} task_census;

static task_census census(void)
{
    task_census c = {0, 0, true};
    cpu_set_t seen;
    CPU_ZERO(&seen);
    DIR *d = opendir("/proc/self/task");
    if (!d) {
        c.idle = c.fifo = -1;
        return c;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[1024];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* the thread ended meanwhile */
        size_t len = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        line[len] = '\0';
        /* after the command name "(...)": field 3 onwards; policy is field 41 */
        char *p = strrchr(line, ')');
        int field = 2, policy = -1;
        for (char *tok = p ? strtok(p + 1, " ") : NULL; tok; tok = strtok(NULL, " "))
            if (++field == 41) {
                policy = atoi(tok);
                break;
            }
        if (policy == SCHED_FIFO)
            c.fifo++;
        if (policy != SCHED_IDLE)
            continue;
        c.idle++;
        cpu_set_t m;
        CPU_ZERO(&m);
        if (sched_getaffinity((pid_t)atoi(e->d_name), sizeof m, &m) != 0 || CPU_COUNT(&m) != 1) {
            c.pinned_apart = false;
            continue;
        }
        cpu_set_t both;
        CPU_AND(&both, &m, &seen);
        if (CPU_COUNT(&both))
            c.pinned_apart = false;
        CPU_OR(&seen, &seen, &m);
    }
    closedir(d);
    return c;
}

static int my_cpus(void)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    return sched_getaffinity(0, sizeof m, &m) == 0 ? CPU_COUNT(&m) : -1;
}

/* rt_awake: one SCHED_IDLE spinner pinned to each CPU of the caller, using
 * CPU while the caller sleeps, all gone after rt_awake_free; a caller
 * restricted to one CPU gets one. */
static void test_awake(void)
{
    task_census c0 = census();
    CHECK(c0.idle == 0, "no SCHED_IDLE thread before: %d", c0.idle);
    char why[96] = "";
    rt_awake *a = rt_awake_new(why, sizeof why);
    CHECK(a != NULL, "started: %s", why);
    if (!a)
        return;
    int n = rt_awake_cpus(a);
    CHECK(n == my_cpus() && n >= 1, "%d spinners for %d CPUs", n, my_cpus());
    task_census c1 = census();
    CHECK(c1.idle == n && c1.pinned_apart, "%d SCHED_IDLE threads, one per CPU: %d", c1.idle,
          c1.pinned_apart);
    double u0 = cpu_now();
    struct timespec nap = {0, 300 * 1000 * 1000};
    nanosleep(&nap, NULL);
    double used = cpu_now() - u0;
    printf("  info: %d spinners used %.3f CPU s in 0.3 s asleep\n", n, used);
    CHECK(used > 1e-3, "the spinners spin: %.6f CPU s", used);
    rt_awake_free(a);
    task_census c2 = census();
    CHECK(c2.idle == 0, "none left after free: %d", c2.idle);
    rt_awake_free(NULL);
}

typedef struct {
    bool fifo;    /* this thread got SCHED_FIFO before starting them */
    int cpus;     /* spinners started */
    task_census c;
} awake_report;

static void *awake_from_fifo(void *arg)
{
    awake_report *rep = arg;
    rt_status st;
    rep->fifo = rt_request(RT_PRIO_ACQ, &st) == RIGOR_OK;
    char why[96];
    rt_awake *a = rt_awake_new(why, sizeof why);
    rep->cpus = rt_awake_cpus(a);
    rep->c = census();
    rt_awake_free(a);
    return NULL;
}

static void *awake_on_one_cpu(void *arg)
{
    awake_report *rep = arg;
    cpu_set_t m;
    CPU_ZERO(&m);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &m);
    if (sched_setaffinity(0, sizeof m, &m) != 0) {
        rep->cpus = -1;
        return NULL;
    }
    char why[96];
    rt_awake *a = rt_awake_new(why, sizeof why);
    rep->cpus = rt_awake_cpus(a);
    rep->c = census();
    rt_awake_free(a);
    return NULL;
}

/* Started by a SCHED_FIFO thread, the spinners still run SCHED_IDLE (the
 * only FIFO thread is the caller); started by a thread pinned to one CPU,
 * there is one. */
static void test_awake_callers(void)
{
    pthread_t t;
    awake_report rep = {0};
    pthread_create(&t, NULL, awake_on_one_cpu, &rep);
    pthread_join(t, NULL);
    CHECK(rep.cpus == 1 && rep.c.idle == 1 && rep.c.pinned_apart,
          "a caller on one CPU: %d spinners, %d SCHED_IDLE", rep.cpus, rep.c.idle);
    if (!may_rt())
        SKIP("FIFO caller: no SCHED_FIFO for this process (not root, no CAP_SYS_NICE, "
             "rtprio low)");
    memset(&rep, 0, sizeof rep);
    pthread_create(&t, NULL, awake_from_fifo, &rep);
    pthread_join(t, NULL);
    if (!rep.fifo)
        SKIP("FIFO caller: SCHED_FIFO refused here although permitted (a cgroup)");
    CHECK(rep.cpus == my_cpus() && rep.c.idle == rep.cpus && rep.c.fifo == 1,
          "from a FIFO caller: %d spinners, %d SCHED_IDLE, %d SCHED_FIFO", rep.cpus, rep.c.idle,
          rep.c.fifo);
}

/* The rig file's keep_awake on the simulated frame: while sampling at
 * 500 Hz the CPUs are kept awake ("N CPUs" in the statistics, N SCHED_IDLE
 * threads), none after rig_stop; back to back it is not started (the loop
 * never sleeps) and the statistics say nothing. */
static void test_keep_awake_rig(void)
{
    int port = 0;
    sim *s = test_sim(RT_AUTO, &port, "test_keep_awake_rig");
    if (!s)
        return;
    for (int k = 0; k < 2; k++) {
        rig_config c = ref_cfg;
        c.port = port;
        c.keep_awake = true;
        c.max_rate_hz = k ? RIG_RATE_MAX : 1000;
        rig *r = NULL;
        CHECK(rig_new(&c, &r) == RIGOR_OK && rig_connect(r) == RIGOR_OK &&
                  rig_start(r, k ? RIG_RATE_MAX : 500) == RIGOR_OK,
              "start %d", k);
        static rig_sample buf[4096];
        size_t n = 0;
        for (int i = 0; i < 100 && n < 50; i++) {
            rig_wait_samples(r, 0.05);
            n += rig_poll_samples(r, buf, 4096);
        }
        rig_stats st;
        rig_stats_get(r, &st);
        task_census during = census();
        char want[32];
        snprintf(want, sizeof want, "%d CPUs", my_cpus());
        if (k == 0)
            CHECK(n >= 50 && !strcmp(st.keep_awake, want) && during.idle == my_cpus(),
                  "500 Hz: %zu samples, keep_awake '%s', %d SCHED_IDLE threads", n,
                  st.keep_awake, during.idle);
        else
            CHECK(n >= 50 && st.keep_awake[0] == '\0' && during.idle == 0,
                  "back to back: %zu samples, keep_awake '%s', %d SCHED_IDLE threads", n,
                  st.keep_awake, during.idle);
        rig_stop(r);
        task_census after = census();
        CHECK(after.idle == 0, "run %d: none left after rig_stop: %d", k, after.idle);
        rig_free(r);
    }
    sim_free(s);
}

typedef struct {
    int rc_required, rc_auto;
    rt_status st_required, st_auto, sim_physics, sim_serving;
    unsigned long requests_after_required;
    bool enabled_after_required;
    size_t samples_auto;
} unpriv_report;

static void unpriv_child(void *rep)
{
    unpriv_report *u = rep;
    int port = 0;
    sim *s = start_sim(RT_AUTO, &port);
    if (!s) {
        u->rc_required = u->rc_auto = RIGOR_EIO;
        return;
    }
    size_t n;
    u->rc_required = run_rig(port, RT_REQUIRED, 1000, 1000, &u->st_required, &n);
    sim_truth tr;
    sim_truth_snapshot(s, &tr);
    u->requests_after_required = tr.requests;
    u->enabled_after_required = tr.enabled;
    u->rc_auto = run_rig(port, RT_AUTO, 1000, 1000, &u->st_auto, &u->samples_auto);
    sim_truth_snapshot(s, &tr);
    u->sim_physics = tr.rt_physics;
    u->sim_serving = tr.rt_serving;
    sim_free(s);
}

/* Unprivileged: required refuses before the drive hears anything; auto
 * runs on the normal scheduler and says why; so does the simulator. */
static void test_unprivileged(void)
{
    if (!load_ref())
        return;
    unpriv_report u;
    memset(&u, 0, sizeof u);
    UNPRIV_RUN_OR_SKIP(unpriv_child, &u);
    CHECK(u.rc_required == RIGOR_EPERM, "required: rc %d (%s)", u.rc_required,
          rigor_strerror(u.rc_required));
    CHECK(u.st_required.asked && !u.st_required.granted && u.st_required.err == EPERM &&
              strstr(u.st_required.reason, "RLIMIT_RTPRIO is 0"),
          "required: '%s'", u.st_required.text);
    CHECK(u.requests_after_required == 0 && !u.enabled_after_required,
          "nothing reached the drive: %lu requests, enabled %d", u.requests_after_required,
          u.enabled_after_required);
    CHECK(u.rc_auto == RIGOR_OK && u.samples_auto >= 20, "auto runs: rc %d, %zu samples",
          u.rc_auto, u.samples_auto);
    CHECK(u.st_auto.asked && !u.st_auto.granted && u.st_auto.err == EPERM &&
              !strncmp(u.st_auto.text, "no (EPERM: RLIMIT_RTPRIO is 0 (needs 20)", 40),
          "auto: '%s'", u.st_auto.text);
    CHECK(!u.sim_physics.granted && !strncmp(u.sim_physics.text, "no (EPERM:", 10) &&
              !u.sim_serving.granted && strstr(u.sim_serving.text, "(needs 30)"),
          "simulator: '%s' '%s'", u.sim_physics.text, u.sim_serving.text);
}

int main(void)
{
    load_ref();
    /* the forked cases first, while this process has no other threads */
    TEST_RUN(test_refused);
    TEST_RUN(test_unprivileged);
    TEST_RUN(test_mode_words);
    TEST_RUN(test_granted);
    TEST_RUN(test_priority_out_of_range);
    TEST_RUN(test_acquisition_and_sim);
    TEST_RUN(test_spin);
    TEST_RUN(test_awake);
    TEST_RUN(test_awake_callers);
    TEST_RUN(test_keep_awake_rig);
    TEST_END("test_rt");
}
