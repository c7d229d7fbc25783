/* test_session.c — the run session API on the in-process simulated frame:
 * two tests in one session (a fresh specimen each), stop during the
 * balance, requests refused without a test, faults and acknowledgement,
 * and the acquisition thread's scheduling: in the run file's header, and,
 * where real-time scheduling is refused, a clear refusal of realtime =
 * required and a warning under auto. */
#include "../session/session.h"
#include "../rig/runfile.h"
#include "harness.h"
#include "unpriv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Fast: 60 mm/min on the 20 mm film breaks at ~8 % in ~1.6 s. */
static const char quick[] = "name \"quick\"\ntest tensile\nwidth 10 mm\nthickness 40 um\n"
                            "gauge-length 20 mm\nlimit force < 90 N\n"
                            "preload 0.05 N at 1 mm/min\nzero position\n"
                            "ramp at 60 mm/min until fracture\non fracture stop\n";

typedef struct {
    size_t n;
    double max_stress;
    int fractures;
} seen;

static void on_sample(void *ctx, const rig_sample *s, const machine_values *mv,
                      const char *stage)
{
    (void)s;
    seen *v = ctx;
    v->n++;
    if (mv->stress_Pa > v->max_stress)
        v->max_stress = mv->stress_Pa;
    if (strstr(stage, "fracture"))
        v->fractures++;
}

static char dir[64];

static run_session *open_sim(const char *faults)
{
    run_session_opts o;
    run_session_opts_init(&o);
    o.sim_preset = "e-lpscl-film";
    o.sim_faults = faults;
    o.who = "test";
    run_session *s = NULL;
    char why[1400] = "";
    int rc = run_session_open(&o, &s, why, sizeof why);
    CHECK(rc == RIGOR_OK, "open: %s", why);
    return s;
}

static int one_test(run_session *s, const char *id, run_result *res, seen *v)
{
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    int rc = run_session_parse_text(s, "quick", quick, NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK, "quick protocol parses (%zu diags)", nd);
    if (rc != RIGOR_OK)
        return rc;
    char path[128];
    snprintf(path, sizeof path, "%s/%s.csv", dir, id);
    run_test_opts t = {path, id, "note", NULL, 30};
    char why[1400] = "";
    rc = run_session_begin_test(s, p, &t, why, sizeof why);
    CHECK(rc == RIGOR_OK, "begin: %s", why);
    if (rc != RIGOR_OK)
        return rc;
    /* a second test cannot begin while one runs */
    protocol *p2 = NULL;
    run_session_parse_text(s, "quick", quick, NULL, &p2, d, 4, &nd);
    CHECK(run_session_begin_test(s, p2, &t, why, sizeof why) == RIGOR_ESTATE,
          "begin refused during a test");
    memset(v, 0, sizeof *v);
    run_session_set_sample_fn(s, on_sample, v);
    int phase = RUN_BALANCE;
    for (double t0 = now_s(); now_s() - t0 < 20 && phase != RUN_FINISHED && phase >= 0;)
        phase = run_session_poll(s, 0.05, why, sizeof why);
    CHECK(phase == RUN_FINISHED, "finished (phase %d: %s)", phase, why);
    rc = run_session_end_test(s, res, why, sizeof why);
    CHECK(rc == RIGOR_OK, "end: %s", why);
    CHECK(run_session_phase(s) == RUN_IDLE, "idle after the end");
    return rc;
}

static void test_two_specimens(void)
{
    run_session *s = open_sim(NULL);
    if (!s)
        return;
    run_session_info si;
    run_session_get_info(s, &si);
    CHECK(si.sim && si.sim_port > 0 && si.capacity_N == 100, "simulated 100 N cell on port %d",
          si.sim_port);
    CHECK(run_session_request(s, ME_PAUSE) == RIGOR_ESTATE, "pause refused without a test");
    for (int k = 0; k < 2; k++) {
        run_result res;
        seen v;
        char id[16];
        snprintf(id, sizeof id, "S%d", k + 1);
        if (one_test(s, id, &res, &v) != RIGOR_OK)
            break;
        CHECK(!strcmp(res.end_reason, "fracture"), "%s ended by fracture: %s", id,
              res.end_reason);
        CHECK(res.sim_fractured, "%s: the simulated specimen broke", id);
        CHECK_NEAR(v.max_stress / 1e6, 74, 0, 0.05, "live peak stress (MPa)");
        CHECK(v.fractures == 1, "%s: one fracture in the stage column, got %d", id,
              v.fractures);
        CHECK(v.n == res.samples, "%s: every sample observed (%zu of %llu)", id, v.n,
              (unsigned long long)res.samples);
        CHECK(access(res.run_path, R_OK) == 0, "%s: run file %s", id, res.run_path);
        /* the header says how the acquisition thread was scheduled */
        char line[256] = "";
        FILE *f = fopen(res.run_path, "r");
        while (f && fgets(line, sizeof line, f) && strncmp(line, "# realtime: ", 12))
            line[0] = '\0';
        if (f)
            fclose(f);
        if (rt_cap_sys_nice() == 1)
            CHECK(!strcmp(line, "# realtime: SCHED_FIFO 20\n"), "%s: header '%s'", id, line);
        else
            CHECK(!strncmp(line, "# realtime: ", 12), "%s: no realtime header line", id);
        CHECK(res.sim_rt_physics.text[0] && res.sim_rt_serving.text[0],
              "%s: simulator scheduling '%s' '%s'", id, res.sim_rt_physics.text,
              res.sim_rt_serving.text);
    }
    run_session_get_info(s, &si);
    CHECK(si.tests == 2, "two tests begun, got %d", si.tests);
    run_session_close(s);
}

static void test_stop_in_balance(void)
{
    run_session *s = open_sim(NULL);
    if (!s)
        return;
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    run_session_parse_text(s, "quick", quick, NULL, &p, d, 4, &nd);
    char path[128], why[1400] = "";
    snprintf(path, sizeof path, "%s/stop.csv", dir);
    run_test_opts t = {path, "stop", NULL, NULL, 30};
    CHECK(run_session_begin_test(s, p, &t, why, sizeof why) == RIGOR_OK, "begin: %s", why);
    CHECK(run_session_request(s, ME_STOP) == RIGOR_OK, "stop accepted in the balance");
    run_result res;
    int rc = run_session_end_test(s, &res, why, sizeof why);
    CHECK(rc == RIGOR_OK, "end: %s", why);
    CHECK(res.final_state == MS_STOPPED, "stopped, got %s",
          machine_state_name(res.final_state));
    CHECK(!res.sim_fractured, "nothing broke");
    run_session_close(s);
}

static void test_fault_ack(void)
{
    run_session *s = open_sim("disconnect-after=0.5s");
    if (!s)
        return;
    char reason[128] = "", why[256];
    bool fault = false;
    for (double t0 = now_s(); now_s() - t0 < 5 && !fault;) {
        run_session_poll(s, 0.05, why, sizeof why);
        fault = run_session_fault(s, reason, sizeof reason);
    }
    CHECK(fault, "the lost link is a fault: '%s'", reason);
    int rc = RIGOR_ESTATE;
    for (double t0 = now_s(); now_s() - t0 < 5 && rc != RIGOR_OK;) {
        run_session_poll(s, 0.05, why, sizeof why);
        rc = run_session_ack_fault(s);
    }
    CHECK(rc == RIGOR_OK, "acknowledged once the link is back");
    CHECK(!run_session_fault(s, NULL, 0), "no fault after the acknowledgement");
    run_session_close(s);
}

/* Run protocol text (parsed without rig limits, so the rig's own checks are
 * what stands) to its end; timeout_s for the session. */
static void run_text(const char *id, const char *text, double timeout_s, run_result *res)
{
    memset(res, 0, sizeof *res);
    run_session *s = open_sim(NULL);
    if (!s)
        return;
    protocol *p = NULL;
    rigor_diag d[4];
    size_t nd = 0;
    int rc = proto_parse_buffer(id, text, strlen(text), NULL, &p, d, 4, &nd);
    CHECK(rc == RIGOR_OK, "%s parses (%zu diags)", id, nd);
    if (rc != RIGOR_OK) {
        run_session_close(s);
        return;
    }
    char path[128], why[1400] = "";
    snprintf(path, sizeof path, "%s/%s.csv", dir, id);
    run_test_opts t = {path, id, NULL, NULL, timeout_s};
    rc = run_session_begin_test(s, p, &t, why, sizeof why);
    CHECK(rc == RIGOR_OK, "begin: %s", why);
    int phase = RUN_BALANCE;
    for (double t0 = now_s(); rc == RIGOR_OK && now_s() - t0 < 20 && phase != RUN_FINISHED &&
                              phase >= 0;)
        phase = run_session_poll(s, 0.05, why, sizeof why);
    CHECK(phase == RUN_FINISHED, "%s finished (phase %d: %s)", id, phase, why);
    rc = run_session_end_test(s, res, why, sizeof why);
    CHECK(rc == RIGOR_OK, "end: %s", why);
    run_session_close(s);
}

/* Regression: the session ignored what rig_cmd_* returned, so a refused
 * speed left the crosshead at the previous command. 30 mm/s is beyond the
 * reference rig's 20 mm/s: the driver refuses it, the test ends in FAULT
 * with the reason. */
static void test_refused_command_faults(void)
{
    run_result res;
    run_text("refused",
             "name \"fast\"\ntest tensile\nwidth 10 mm\nthickness 40 um\n"
             "gauge-length 20 mm\nlimit force < 90 N\nramp at 30 mm/s until fracture\n",
             30, &res);
    CHECK(res.end == MEND_REFUSED && res.final_state == MS_FAULT && res.fault,
          "refused: end %d, state %s: '%s'", res.end, machine_state_name(res.final_state),
          res.end_reason);
    CHECK(!strncmp(res.end_reason, "fault: command refused: velocity 0.03 m/s: ", 43),
          "reason '%s'", res.end_reason);
    CHECK(!res.sim_fractured, "nothing broke");
}

/* Regression: a timeout was recorded as "operator stop" and not failed. */
static void test_timeout_has_its_reason(void)
{
    run_result res;
    run_text("timeout",
             "name \"slow\"\ntest tensile\nwidth 10 mm\nthickness 40 um\n"
             "gauge-length 20 mm\nlimit force < 90 N\nramp at 0.5 mm/min until fracture\n",
             1, &res);
    CHECK(res.end == MEND_TIMEOUT && res.failed && res.final_state == MS_STOPPED,
          "timeout: end %d failed %d state %s", res.end, res.failed,
          machine_state_name(res.final_state));
    CHECK(!strcmp(res.end_reason, "timeout: after 1 s"), "reason '%s'", res.end_reason);
}

typedef struct {
    int rc_required, rc_auto;
    char why[1400];
    char progress[1024];
} unpriv_report;

static char rt_rig[64]; /* the reference map with realtime = required */

static void unpriv_open(void *rep)
{
    unpriv_report *u = rep;
    run_session_opts o;
    run_session_opts_init(&o);
    o.rig_path = rt_rig;
    o.sim_preset = "e-lpscl-film";
    o.who = "test";
    run_session *s = NULL;
    u->rc_required = run_session_open(&o, &s, u->why, sizeof u->why);
    run_session_close(s);
    /* the same rig file with auto: it runs, and says it runs without */
    FILE *f = fopen(rt_rig, "a");
    if (f) {
        fputs("[safety]\nrealtime = auto\n", f);
        fclose(f);
    }
    FILE *pg = tmpfile();
    o.progress = pg;
    char why[256] = "";
    s = NULL;
    u->rc_auto = run_session_open(&o, &s, why, sizeof why);
    run_session_close(s);
    if (pg) {
        rewind(pg);
        size_t n = fread(u->progress, 1, sizeof u->progress - 1, pg);
        u->progress[n] = '\0';
        fclose(pg);
    }
}

static void test_realtime_refused(void)
{
    snprintf(rt_rig, sizeof rt_rig, "/tmp/rigor-rt-rig-XXXXXX");
    int fd = mkstemp(rt_rig);
    CHECK(fd >= 0, "temp rig file");
    if (fd < 0)
        return;
    FILE *in = fopen("rigs/reference-tcp.ini", "r"), *out = fdopen(fd, "w");
    char buf[4096];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (out)
        fputs("[safety]\nrealtime = required\n", out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    chmod(rt_rig, 0666); /* the child runs as nobody */
    unpriv_report u;
    memset(&u, 0, sizeof u);
    UNPRIV_RUN_OR_SKIP(unpriv_open, &u); /* main removes rt_rig */
    CHECK(u.rc_required == RIGOR_EPERM, "required: rc %d: %s", u.rc_required, u.why);
    char want[320];
    snprintf(want, sizeof want,
             "%s: [safety] realtime = required, but the acquisition thread cannot run "
             "SCHED_FIFO 20: EPERM: RLIMIT_RTPRIO is 0 (needs 20) and no CAP_SYS_NICE",
             rt_rig);
    CHECK(!strncmp(u.why, want, strlen(want)), "message '%s'", u.why);
    CHECK(u.rc_auto == RIGOR_OK, "auto opens");
    CHECK(strstr(u.progress, "test: realtime = auto: the acquisition thread runs on the normal "
                             "scheduler (EPERM: RLIMIT_RTPRIO is 0") != NULL,
          "auto says so: '%s'", u.progress);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rigor-session-XXXXXX");
    if (!mkdtemp(dir)) {
        printf("# test_session: 0 passed, 1 failed, 0 skipped\n");
        return 1;
    }
    TEST_RUN(test_realtime_refused); /* forks: before any thread exists */
    if (rt_rig[0])
        unlink(rt_rig);
    TEST_RUN(test_two_specimens);
    TEST_RUN(test_stop_in_balance);
    TEST_RUN(test_fault_ack);
    TEST_RUN(test_refused_command_faults);
    TEST_RUN(test_timeout_has_its_reason);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_END("test_session");
}
