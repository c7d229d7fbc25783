/* test_acq_faults.c — the driver's own checks (issue 21) against the
 * in-process simulator over real Modbus TCP loopback, each with the
 * simulator fault that provokes it (rigor sim --faults, docs/sim.md):
 * NaN force, force frozen while the transmitter's TICK runs on, a drive
 * that does not move, a refused motion write, a refused stop (escalated),
 * a read refused with a deterministic exception (FAULT at once, no
 * reconnect), and a peer that trickles its reply byte by byte (bounded by
 * response_timeout). Each asserts the FAULT state and its reason text;
 * none asserts speed beyond bounds a loaded machine keeps. */
#include "../rig/link.h"
#include "../rig/rig.h"
#include "../rig/sim/sim.h"
#include "../rig/supervisor.h"
#include "harness.h"

#include <signal.h>
#include <time.h>

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

typedef struct {
    sim *s;
    rig *r;
    rig_config c;
    int port;
} bench;

/* A simulator with `faults` and `params`, and a rig on the reference rig
 * file pointed at it, started at 200 Hz. tweak (may be NULL) edits the
 * rig config before rig_new. Returns false (and has said why) on failure. */
static bool bench_up(bench *b, const char *faults, const char *param,
                     void (*tweak)(rig_config *))
{
    memset(b, 0, sizeof *b);
    sim_config sc;
    sim_config_init(&sc);
    sc.faults = faults;
    sc.realtime = RT_OFF;
    const char *params[1] = {param};
    if (param) {
        sc.params = params;
        sc.n_params = 1;
    }
    rigor_diag d = {0};
    if (sim_new_diag(&sc, &b->s, &d) != RIGOR_OK) {
        CHECK(0, "sim_new: %s", d.msg);
        return false;
    }
    if (sim_start_tcp(b->s, "127.0.0.1", 0, &b->port) != RIGOR_OK) {
        CHECK(0, "sim_start_tcp");
        return false;
    }
    if (rigfile_load("rigs/reference-tcp.ini", &b->c, &d) != RIGOR_OK) {
        CHECK(0, "rig file: %s:%ld: %s", d.file, d.line, d.msg);
        return false;
    }
    b->c.port = b->port;
    b->c.realtime = RT_OFF;
    if (tweak)
        tweak(&b->c);
    if (rig_new(&b->c, &b->r) != RIGOR_OK || rig_connect(b->r) != RIGOR_OK ||
        rig_start(b->r, 200) != RIGOR_OK) {
        CHECK(0, "rig up");
        return false;
    }
    return true;
}

static void bench_down(bench *b)
{
    rig_free(b->r);
    sim_free(b->s);
}

/* Wait up to timeout_s for FAULT; returns the seconds it took (or -1), the
 * reason in why. Samples are drained meanwhile into got (may be NULL). */
static double wait_fault(bench *b, double timeout_s, char *why, size_t len, rig_sample *got,
                         size_t max, size_t *n)
{
    double t0 = mono();
    size_t k = 0;
    rig_sample tmp[256];
    while (mono() - t0 < timeout_s) {
        rig_wait_samples(b->r, 0.01);
        size_t m = rig_poll_samples(b->r, tmp, 256);
        for (size_t i = 0; i < m && got && k < max; i++)
            got[k++] = tmp[i];
        if (rig_state(b->r, why, len) == RIG_HEALTH_FAULT) {
            if (n)
                *n = k;
            return mono() - t0;
        }
    }
    if (n)
        *n = k;
    why[0] = '\0';
    return -1;
}

/* The crosshead comes to rest (ground truth) within timeout_s. */
static bool comes_to_rest(bench *b, double timeout_s)
{
    double t0 = mono();
    sim_truth tr;
    do {
        sleep_s(0.02);
        sim_truth_snapshot(b->s, &tr);
        if (!tr.moving)
            return true;
    } while (mono() - t0 < timeout_s);
    return false;
}

static rig_sample smp[4000];

/* Regression (issue 21): a NaN force was accepted, no limit could trip on
 * it, and the crosshead pulled on. */
static void test_nan_force(void)
{
    bench b;
    if (!bench_up(&b, "nan-force-after=1s", NULL, NULL))
        goto out;
    CHECK(rig_cmd_velocity(b.r, 0.2e-3) == RIGOR_OK, "move");
    char why[200];
    size_t n = 0;
    double dt = wait_fault(&b, 6, why, sizeof why, smp, 4000, &n);
    CHECK(dt > 0, "FAULT on NaN force");
    CHECK(strstr(why, "invalid samples in a row") && strstr(why, "force is NaN"), "reason: %s",
          why);
    size_t bad = 0;
    bool nan_ok = true;
    for (size_t i = 0; i < n; i++)
        if (smp[i].flags & RIG_SF_BAD_FORCE) {
            bad++;
            if (!isnan(smp[i].force_N))
                nan_ok = false;
        }
    CHECK(bad >= (size_t)SUP_INVALID_LIMIT && nan_ok,
          "%zu samples flagged invalid, their force NAN", bad);
    CHECK(comes_to_rest(&b, 2), "crosshead stopped");
out:
    bench_down(&b);
}

static void no_heartbeat(rig_config *c)
{
    c->dev[c->point[ROLE_FORCE].device].no_heartbeat = true;
}

/* Regression (issue 21): a transmitter whose value froze while it still
 * counted its conversions (TICK running) was never noticed. With the rig
 * file's no_heartbeat on the transmitter the rule watches at
 * frozen_timeout (1 s); with its TICK trusted, 5 times that. */
static void test_frozen_force(void)
{
    bench b;
    if (!bench_up(&b, "freeze-force-after=1s", NULL, no_heartbeat))
        goto out;
    CHECK(rig_cmd_velocity(b.r, 0.2e-3) == RIGOR_OK, "move");
    char why[200];
    double dt = wait_fault(&b, 8, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0, "FAULT on frozen force");
    CHECK(strstr(why, "force data frozen") && strstr(why, "bit-identical for 1.0 s"),
          "reason: %s", why);
    CHECK(comes_to_rest(&b, 2), "crosshead stopped");
    bench_down(&b);
    if (!bench_up(&b, "freeze-force-after=0.5s", NULL, NULL))
        goto out;
    CHECK(rig_cmd_velocity(b.r, 0.2e-3) == RIGOR_OK, "move");
    dt = wait_fault(&b, 12, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0 && strstr(why, "bit-identical for 5.0 s"), "with a TICK: after 5 s: %s",
          why);
out:
    bench_down(&b);
}

/* Regression (issue 21): a drive that never moved was waited out to the
 * protocol's timeout. */
static void test_drive_does_not_move(void)
{
    bench b;
    if (!bench_up(&b, "stall-after=0s", NULL, NULL))
        goto out;
    sleep_s(0.2);
    CHECK(rig_cmd_velocity(b.r, 1e-3) == RIGOR_OK, "move");
    char why[200];
    double dt = wait_fault(&b, 6, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0, "FAULT when the drive does not move");
    CHECK(strstr(why, "the drive does not move"), "reason: %s", why);
    printf("  info: FAULT %.2f s after the command (allowance 0.51 s)\n", dt);
out:
    bench_down(&b);
}

/* Regression (issue 21): a refused motion write was ignored. */
static void test_refused_motion(void)
{
    bench b;
    if (!bench_up(&b, "refuse-velocity-after=0.2s", NULL, NULL))
        goto out;
    sleep_s(0.5);
    char why[200];
    CHECK(rig_state(b.r, why, sizeof why) == RIG_HEALTH_OK, "healthy before: %s", why);
    CHECK(rig_cmd_velocity(b.r, 1e-3) == RIGOR_OK, "move (queued)");
    double dt = wait_fault(&b, 3, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0, "FAULT on a refused motion write");
    CHECK(strstr(why, "motion command refused") && strstr(why, "velocity_cmd") &&
              strstr(why, "hr 2"),
          "reason names the register: %s", why);
    CHECK(strstr(why, "ailure") != NULL, "and the device's exception: %s", why);
    sim_truth tr;
    sim_truth_snapshot(b.s, &tr);
    CHECK(!tr.moving, "the crosshead never moved");
    CHECK(rig_cmd_velocity(b.r, 1e-3) == RIGOR_ESTATE, "motion refused in FAULT");
out:
    bench_down(&b);
}

/* Regression (issue 21): a refused stop was neither retried nor escalated;
 * the crosshead ran on after the fracture. Here velocity 0 is refused: the
 * quick stop must stop it, and the rig must be in FAULT saying so. */
static void test_refused_stop_escalates(void)
{
    bench b;
    if (!bench_up(&b, "refuse-velocity-after=1s", NULL, NULL))
        goto out;
    CHECK(rig_cmd_velocity(b.r, 1e-3) == RIGOR_OK, "move");
    sleep_s(1.3); /* moving, and the drive now refuses velocity writes */
    sim_truth tr;
    sim_truth_snapshot(b.s, &tr);
    CHECK(tr.moving, "moving before the stop");
    rig_stats st0, st1;
    rig_stats_get(b.r, &st0);
    CHECK(rig_cmd_stop(b.r) == RIGOR_OK, "stop");
    char why[200];
    double dt = wait_fault(&b, 3, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0, "FAULT on a refused stop");
    CHECK(strstr(why, "stop refused") && strstr(why, "velocity_cmd") &&
              strstr(why, "quick stop sent"),
          "reason: %s", why);
    sleep_s(0.1); /* statistics are published at the end of a cycle */
    rig_stats_get(b.r, &st1);
    CHECK(st1.retries > st0.retries, "the refused stop was retried (%llu -> %llu retries)",
          (unsigned long long)st0.retries, (unsigned long long)st1.retries);
    CHECK(comes_to_rest(&b, 2), "the quick stop stopped the crosshead");
out:
    bench_down(&b);
}

/* Velocity and CONTROL both refused: nothing can stop it from here; the
 * FAULT must say that every path failed (the frame's own watchdog and
 * e-stop are what is left). */
static void test_refused_stop_everything(void)
{
    bench b;
    if (!bench_up(&b, "refuse-velocity-after=1s,refuse-control-after=1s", NULL, NULL))
        goto out;
    CHECK(rig_cmd_velocity(b.r, 1e-3) == RIGOR_OK, "move");
    sleep_s(1.3);
    CHECK(rig_cmd_stop(b.r) == RIGOR_OK, "stop");
    char why[200];
    double dt = wait_fault(&b, 3, why, sizeof why, NULL, 0, NULL);
    CHECK(dt > 0, "FAULT");
    CHECK(strstr(why, "stop refused") && strstr(why, "quick stop failed") &&
              strstr(why, "disable failed"),
          "reason: %s", why);
out:
    bench_down(&b);
}

static void bad_velocity_address(rig_config *c)
{
    c->point[ROLE_VELOCITY].address = 40; /* the drive's input registers end at 5 */
}

/* Regression (issue 21): a deterministic exception (illegal data address)
 * was retried, counted as failed cycles and "fixed" by reconnecting. */
static void test_refused_read_faults_at_once(void)
{
    bench b;
    if (!bench_up(&b, NULL, NULL, bad_velocity_address))
        goto out;
    char why[200];
    double dt = wait_fault(&b, 2, why, sizeof why, NULL, 0, NULL);
    CHECK(dt >= 0, "FAULT");
    CHECK(strstr(why, "refused reading ir") && strstr(why, "llegal data address"),
          "reason names the block and the exception: %s", why);
    sleep_s(0.3);
    rig_stats st;
    rig_stats_get(b.r, &st);
    CHECK(st.reconnects == 0, "no reconnect (%llu)", (unsigned long long)st.reconnects);
    CHECK(st.retries == 0, "no retry of a refused read (%llu)",
          (unsigned long long)st.retries);
out:
    bench_down(&b);
}

/* Regression (issue 21): a peer trickling its reply (one byte every 60 ms,
 * within libmodbus's 0.5 s byte timeout) stretched one 100 ms request to
 * well over a second; now the whole reply must come within
 * response_timeout. */
static void test_trickling_peer(void)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        SKIP("/usr/bin/python3 not available");
    FILE *p = popen("exec /usr/bin/python3 tests/peers/malicious_peer.py --trickle 0.06 "
                    "--seconds 4",
                    "r");
    CHECK(p != NULL, "peer started");
    if (!p)
        return;
    int port = 0;
    if (fscanf(p, "port %d", &port) != 1 || port <= 0) {
        CHECK(0, "peer port");
        pclose(p);
        return;
    }
    rig_config c;
    rigor_diag d = {0};
    if (rigfile_load("rigs/reference-tcp.ini", &c, &d) != RIGOR_OK) {
        CHECK(0, "rig file: %s", d.msg);
        pclose(p);
        return;
    }
    c.port = port;
    c.dev[0].response_timeout_s = 0.1;
    rig_link *l;
    CHECK(link_new(&c, &l) == RIGOR_OK && link_connect(l) == RIGOR_OK, "connect");
    uint16_t regs[6];
    link_kind k = LINK_OK;
    double t0 = mono();
    int rc = link_read(l, &c.dev[0], TBL_IR, 0, 6, regs, &k);
    double dt = mono() - t0;
    CHECK(rc != RIGOR_OK && k == LINK_TIMEOUT, "a trickled reply is a timeout (rc %d kind %d)",
          rc, (int)k);
    /* 17 bytes at 60 ms each take about 1 s; the bound is 0.1 s (generous
     * margin for a loaded machine, far below the old 1 s) */
    CHECK(dt < 0.6, "gave up after %.3f s, response_timeout 0.1 s", dt);
    printf("  info: trickled reply abandoned after %.3f s\n", dt);
    link_free(l);
    pclose(p);
}

/* The simulator's drive watchdog fed by any request (wd_any_request=1, as
 * some drives count any frame): without heartbeats the reads keep it
 * alive; by default only heartbeat writes do, and it trips. */
static void test_watchdog_any_request(void)
{
    for (int any = 0; any < 2; any++) {
        bench b;
        if (!bench_up(&b, NULL, any ? "wd_any_request=1" : NULL, NULL))
            goto out;
        sleep_s(0.2);
        rig_test_hold_heartbeat(b.r, true);
        char why[200];
        double dt = wait_fault(&b, 1.0, why, sizeof why, NULL, 0, NULL);
        if (any)
            CHECK(dt < 0, "reads feed the watchdog: no FAULT (%s)", why);
        else
            CHECK(dt > 0 && strstr(why, "watchdog"), "heartbeat held: watchdog FAULT (%s)",
                  why);
    out:
        bench_down(&b);
    }
}

static void bad_watchdog_address(rig_config *c)
{
    c->point[ROLE_WATCHDOG].address = 30; /* beyond the drive's 9 holding registers */
}
static void bad_heartbeat_address(rig_config *c)
{
    c->point[ROLE_HEARTBEAT].address = 31;
}
static void bad_tare_address(rig_config *c)
{
    c->point[ROLE_TARE].address = 32;
}

/* Regression (issue 21): a refused watchdog write was ignored and the drive
 * enabled without its watchdog; refused heartbeat and tare writes were
 * ignored too. Each is now a FAULT naming the register (exception 02 from
 * the simulator: the address is outside its map). */
static void test_refused_setup_heartbeat_tare(void)
{
    static const struct {
        void (*tweak)(rig_config *);
        const char *why;
        bool tare;
    } t[] = {{bad_watchdog_address, "watchdog write refused: drive hr 30 (watchdog)", false},
             {bad_heartbeat_address, "heartbeat write refused: drive hr 31 (heartbeat)", false},
             {bad_tare_address, "tare refused: loadcell hr 32 (tare)", true}};
    /* The watchdog is written and read back by the start-up sequence
     * (rig/sequence.c) in the loop's set-up: a refusal is a FAULT naming
     * the point, and the drive is never enabled. */
    {
        bench b;
        if (bench_up(&b, NULL, NULL, bad_watchdog_address)) {
            char why[300];
            double dt = wait_fault(&b, 2, why, sizeof why, NULL, 0, NULL);
            CHECK(dt >= 0 && strstr(why, "watchdog") && strstr(why, "llegal data address"),
                  "FAULT names the watchdog write: %s", why);
            sim_truth tr;
            sim_truth_snapshot(b.s, &tr);
            CHECK(!tr.enabled, "not enabled after a refused watchdog write");
        }
        bench_down(&b);
    }
    for (size_t i = 1; i < sizeof t / sizeof t[0]; i++) {
        bench b;
        if (!bench_up(&b, NULL, NULL, t[i].tweak))
            goto next;
        if (t[i].tare) {
            sleep_s(0.2);
            char why0[200];
            CHECK(rig_state(b.r, why0, sizeof why0) == RIG_HEALTH_OK, "healthy: %s", why0);
            CHECK(rig_cmd_tare(b.r) == RIGOR_OK, "tare queued");
        }
        char why[200];
        double dt = wait_fault(&b, 2, why, sizeof why, NULL, 0, NULL);
        CHECK(dt >= 0 && strstr(why, t[i].why) && strstr(why, "llegal data address"),
              "FAULT '%s': %s", t[i].why, why);
    next:
        bench_down(&b);
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    TEST_RUN(test_nan_force);
    TEST_RUN(test_frozen_force);
    TEST_RUN(test_drive_does_not_move);
    TEST_RUN(test_refused_motion);
    TEST_RUN(test_refused_stop_escalates);
    TEST_RUN(test_refused_stop_everything);
    TEST_RUN(test_refused_read_faults_at_once);
    TEST_RUN(test_trickling_peer);
    TEST_RUN(test_watchdog_any_request);
    TEST_RUN(test_refused_setup_heartbeat_tare);
    TEST_END("test_acq_faults");
}
