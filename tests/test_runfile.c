/* test_runfile.c — run files: O_EXCL refusal, format, flush cadence seen by a
 * second reader, interrupted files, kill -9 of a writing process, full disk. */
#include "../analysis/import/csvin.h"
#include "../rig/runfile.h"
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

static char dir[256];

static const char *tmp(const char *name)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = malloc(1 << 24);
    size_t n = fread(b, 1, (1 << 24) - 1, f);
    b[n] = '\0';
    fclose(f);
    if (len)
        *len = n;
    return b;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static rig_sample sample(double t)
{
    rig_sample s = {0};
    s.t_s = t;
    s.position_m = t * 1e-4;
    s.force_N = 3.25 * t;
    s.extension_m = t * 1e-5;
    return s;
}

/* Check every complete line of a run file. Returns the number of data rows,
 * -1 on a malformed line; *last_t = time of the last row; *trailer set. */
static long validate(const char *text, int ncols, double *last_t, bool *trailer)
{
    long rows = 0;
    int state = 0; /* 0 header, 1 rows, 2 trailer */
    const char *p = text;
    *trailer = false;
    bool first = true;
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            break; /* incomplete last line: allowed */
        char line[1024];
        size_t n = (size_t)(nl - p);
        if (n >= sizeof line)
            return -1;
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl + 1;
        if (first) {
            if (strcmp(line, "# rigor-run 1"))
                return -1;
            first = false;
            continue;
        }
        if (line[0] == '#') {
            if (state == 1) {
                if (strncmp(line, "# end_reason: ", 14))
                    return -1;
                state = 2;
                *trailer = true;
            }
            if (!strchr(line, ':'))
                return -1;
            continue;
        }
        if (state == 0) {
            const char *want = ncols == 5
                                   ? "time_s,position_mm,force_N,extension_mm,stage,invalid"
                                   : "time_s,position_mm,force_N,stage,invalid";
            if (strcmp(line, want))
                return -1;
            state = 1;
            continue;
        }
        if (state != 1)
            return -1;
        /* numeric fields (empty only where `invalid` names them), a stage,
         * then the `invalid` column */
        char *s = line;
        int empty = 0;
        for (int i = 0; i < ncols - 1; i++) {
            char *end;
            double v = strtod(s, &end);
            if (end == s && *s == ',' && i > 0) {
                empty++;
                s++;
                continue;
            }
            if (end == s || *end != ',')
                return -1;
            if (i == 0)
                *last_t = v;
            s = end + 1;
        }
        char *comma = strchr(s, ',');
        if (!comma || strchr(comma + 1, ','))
            return -1;
        if ((empty > 0) != (comma[1] != '\0'))
            return -1; /* an empty cell without a flag, or a flag without one */
        rows++;
    }
    return state >= 1 ? rows : -1;
}

static void test_format_and_trailer(void)
{
    runfile_header h = runfile_header_empty();
    h.rigor_version = "0.1.0";
    h.rig = "rigs/reference-tcp.ini";
    h.regmap_sha256 = "ab12";
    h.specimen = "E-LPSCl #3";
    h.test = "tensile";
    h.width_m = 10e-3;
    h.thickness_m = 40e-6;
    h.gauge_length_m = 20e-3;
    h.area_m2 = 0.4e-6;
    h.protocol = "pull\nstop on break";
    h.realtime = "SCHED_FIFO 20";
    h.extension = true;
    runfile *f;
    CHECK(runfile_open(tmp("a.csv"), &h, &f) == RIGOR_OK, "open");
    for (int i = 0; i < 100; i++) {
        rig_sample s = sample(i * 0.01);
        CHECK(runfile_append(f, &s, i < 50 ? "elastic" : "plastic, late\n") == RIGOR_OK, "row");
    }
    rig_stats st = {0};
    st.samples = 100;
    st.achieved_rate_hz = 99.5;
    st.errors_crc = 3;
    CHECK(runfile_close(f, "fracture", &st) == RIGOR_OK, "close");
    char *t = slurp(tmp("a.csv"), NULL);
    CHECK(t != NULL, "read back");
    if (!t)
        return;
    double last = 0;
    bool trailer;
    CHECK(validate(t, 5, &last, &trailer) == 100, "100 rows");
    CHECK(trailer, "trailer");
    CHECK_NEAR(last, 0.99, 1e-9, 0, "last time");
    CHECK(strstr(t, "\n# width_mm: 10\n") && strstr(t, "\n# thickness_mm: 0.04\n") &&
              strstr(t, "\n# area_mm2: 0.4\n") && strstr(t, "\n# test: tensile\n"),
          "geometry in mm");
    CHECK(!strstr(t, "diameter_mm") && !strstr(t, "# note:"), "unknown fields absent");
    CHECK(strstr(t, "# protocol: pull / stop on break\n") != NULL, "newline in protocol");
    CHECK(strstr(t, "# start_utc: 20") != NULL, "start_utc");
    const char *rt = strstr(t, "\n# realtime: SCHED_FIFO 20\n");
    const char *cols = strstr(t, "\ntime_s,");
    CHECK(rt && cols && rt < cols, "realtime line in the header");
    free(t);
    /* The importer keeps the line as metadata and reads the run as before. */
    curve_list cl = {0};
    csvin_opts io;
    csvin_opts_default(&io);
    rigor_diag d = {0};
    int rc = csvin_read_file(tmp("a.csv"), &io, &cl, &d);
    CHECK(rc == RIGOR_OK && cl.n == 1, "read back by the importer: %s", d.msg);
    if (rc == RIGOR_OK && cl.n == 1) {
        const curve_meta *m = curve_meta_find(cl.v[0], "realtime");
        CHECK(m && !strcmp(m->value, "SCHED_FIFO 20"), "realtime metadata '%s'",
              m ? m->value : "(none)");
        CHECK(cl.v[0]->n == 100, "100 samples, got %zu", cl.v[0]->n);
    }
    curve_list_free(&cl);
    t = slurp(tmp("a.csv"), NULL);
    if (!t)
        return;
    CHECK(strstr(t, "\n0.500000,0.050000,1.625,0.005000,plastic_ late_,\n") != NULL,
          "row 50 formatted in mm with sanitised stage");
    CHECK(strstr(t, "\n# end_reason: fracture\n") && strstr(t, "\n# errors_crc: 3\n") &&
              strstr(t, "\n# achieved_rate_hz: 99.500\n"),
          "trailer statistics");
    free(t);
}

/* The rig file's [calibration] in the header (issue 25), read back by the
 * importer as metadata; not stated (NAN) = no line. */
static void test_calibration_header(void)
{
    for (int stated = 1; stated >= 0; stated--) {
        runfile_header h = runfile_header_empty();
        h.rigor_version = "0.1.0";
        h.test = "tensile";
        if (stated) {
            h.force_class_pct = 1;
            h.extensometer_class_pct = 0.5;
            h.geometry_resolution_m = 1e-6;
        }
        runfile *f;
        const char *path = tmp(stated ? "cal1.csv" : "cal0.csv");
        CHECK(runfile_open(path, &h, &f) == RIGOR_OK, "open");
        for (int i = 0; i < 20; i++) {
            rig_sample s = sample(i * 0.01);
            runfile_append(f, &s, "");
        }
        CHECK(runfile_close(f, "done", NULL) == RIGOR_OK, "close");
        char *t = slurp(path, NULL);
        CHECK(t != NULL, "read back");
        if (!t)
            return;
        const char *cols = strstr(t, "\ntime_s,");
        const char *fc = strstr(t, "\n# force_class: 1\n");
        if (stated)
            CHECK(fc && cols && fc < cols && strstr(t, "\n# extensometer_class: 0.5\n") &&
                      strstr(t, "\n# geometry_resolution_mm: 0.001\n"),
                  "the three lines in the header");
        else
            CHECK(!strstr(t, "force_class") && !strstr(t, "extensometer_class") &&
                      !strstr(t, "geometry_resolution"),
                  "not stated: no lines");
        free(t);
        curve_list cl = {0};
        csvin_opts io;
        csvin_opts_default(&io);
        rigor_diag d = {0};
        int rc = csvin_read_file(path, &io, &cl, &d);
        CHECK(rc == RIGOR_OK && cl.n == 1, "importer: %s", d.msg);
        if (rc == RIGOR_OK && cl.n == 1 && stated) {
            const curve_meta *m = curve_meta_find(cl.v[0], "geometry_resolution_mm");
            CHECK(m && !strcmp(m->value, "0.001"), "metadata '%s'", m ? m->value : "(none)");
        }
        curve_list_free(&cl);
    }
}

static void test_excl_refusal(void)
{
    runfile_header h = runfile_header_empty();
    runfile *f;
    CHECK(runfile_open(tmp("b.csv"), &h, &f) == RIGOR_OK, "first open");
    rig_sample s = sample(1);
    runfile_append(f, &s, "");
    CHECK(runfile_close(f, "done", NULL) == RIGOR_OK, "close");
    size_t n1;
    char *before = slurp(tmp("b.csv"), &n1);
    runfile *g = (runfile *)0x1;
    CHECK(runfile_open(tmp("b.csv"), &h, &g) == RIGOR_EEXIST, "second open refused");
    CHECK(g == NULL, "no handle");
    size_t n2;
    char *after = slurp(tmp("b.csv"), &n2);
    CHECK(before && after && n1 == n2 && !memcmp(before, after, n1), "file untouched");
    free(before);
    free(after);
    CHECK(runfile_open("/nonexistent-dir/x.csv", &h, &g) == RIGOR_EIO, "bad dir");
}

/* A second reader sees appended rows within 100 ms, without any close. */
static void test_flush_cadence(void)
{
    runfile_header h = runfile_header_empty();
    runfile *f;
    CHECK(runfile_open(tmp("c.csv"), &h, &f) == RIGOR_OK, "open");
    int worst_ms = 0;
    for (int k = 1; k <= 5; k++) {
        rig_sample s = sample(k);
        double t0 = now_s();
        runfile_append(f, &s, "x");
        char want[64];
        snprintf(want, sizeof want, "\n%.6f,", (double)k);
        bool seen = false;
        while (now_s() - t0 < 0.5) {
            char *t = slurp(tmp("c.csv"), NULL);
            seen = t && strstr(t, want);
            free(t);
            if (seen)
                break;
            usleep(2000);
        }
        int ms = (int)((now_s() - t0) * 1e3);
        if (ms > worst_ms)
            worst_ms = ms;
        CHECK(seen, "row %d never seen", k);
    }
    /* the writer wakes every RUNFILE_FLUSH_S (50 ms); the margin is for a
     * loaded machine's scheduling */
    CHECK(worst_ms <= 300, "worst delay %d ms", worst_ms);
    /* Without a trailer the file is an interrupted run, still well formed. */
    char *t = slurp(tmp("c.csv"), NULL);
    double last;
    bool trailer;
    CHECK(t && validate(t, 4, &last, &trailer) == 5 && !trailer, "interrupted file valid");
    free(t);
    runfile_close(f, "done", NULL);
}

/* An open run file with nothing to write costs no CPU: the writer sleeps
 * until its deadline. (Its condition variable once ran on the realtime
 * clock against monotonic deadlines: every wait returned at once and the
 * writer took a whole core, which starved acquisition on a loaded machine.)
 * A spinning writer burns the whole 0.5 s; a sleeping one ~10 wake-ups. */
static void test_writer_sleeps(void)
{
    runfile_header h = runfile_header_empty();
    runfile *f;
    CHECK(runfile_open(tmp("idle.csv"), &h, &f) == RIGOR_OK, "open");
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    usleep(500000);
    getrusage(RUSAGE_SELF, &b);
    double cpu = (double)(b.ru_utime.tv_sec - a.ru_utime.tv_sec) +
                 (double)(b.ru_utime.tv_usec - a.ru_utime.tv_usec) * 1e-6 +
                 (double)(b.ru_stime.tv_sec - a.ru_stime.tv_sec) +
                 (double)(b.ru_stime.tv_usec - a.ru_stime.tv_usec) * 1e-6;
    CHECK(cpu < 0.1, "an idle run file used %.3f s of CPU in 0.5 s", cpu);
    runfile_close(f, "done", NULL);
}

/* kill -9 of a process writing at ~1 kHz: every complete line valid, and the
 * last row within ~100 ms of the kill. */
static void test_kill9(void)
{
    const char *path = tmp("d.csv");
    int pfd[2];
    CHECK(pipe(pfd) == 0, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        runfile_header h = runfile_header_empty();
        runfile *f;
        if (runfile_open(path, &h, &f) != RIGOR_OK)
            _exit(3);
        double t0 = now_s();
        (void)!write(pfd[1], &t0, sizeof t0);
        for (;;) {
            rig_sample s = sample(now_s() - t0);
            runfile_append(f, &s, "pull");
            usleep(1000);
        }
    }
    close(pfd[1]);
    double t0 = 0;
    CHECK(read(pfd[0], &t0, sizeof t0) == sizeof t0, "child started");
    close(pfd[0]);
    usleep(400000);
    double tkill = now_s() - t0;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status), "child killed");
    char *t = slurp(path, NULL);
    CHECK(t != NULL, "file exists");
    if (!t)
        return;
    double last = -1;
    bool trailer;
    long rows = validate(t, 4, &last, &trailer);
    CHECK(rows > 100, "rows %ld", rows);
    CHECK(!trailer, "no trailer");
    /* flushed every 50 ms; the margin is a loaded machine's scheduling */
    CHECK(tkill - last <= 0.3, "last row %.3f s, killed at %.3f s", last, tkill);
    free(t);
}

/* A full disk (here: a file-size limit) is an error for the caller; the rows
 * written before stay in the file, whole. */
static void test_disk_full(void)
{
    const char *path = tmp("e.csv");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {20000, 20000};
        setrlimit(RLIMIT_FSIZE, &rl);
        runfile_header h = runfile_header_empty();
        runfile *f;
        if (runfile_open(path, &h, &f) != RIGOR_OK)
            _exit(3);
        int rc = RIGOR_OK;
        for (int i = 0; i < 5000 && rc == RIGOR_OK; i++) {
            rig_sample s = sample(i * 0.001);
            rc = runfile_append(f, &s, "");
            if (i % 200 == 0)
                usleep(60000);
        }
        int crc = runfile_close(f, "done", NULL);
        _exit(rc == RIGOR_EFULL && crc == RIGOR_EFULL ? 0 : 4);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child saw RIGOR_EFULL (status %d)",
          status);
    char *t = slurp(path, NULL);
    double last;
    bool trailer;
    long rows = t ? validate(t, 4, &last, &trailer) : -1;
    CHECK(rows > 200, "rows kept %ld", rows);
    free(t);
}

/* Regression (issue 21): a NaN force was written as "nan", which no reader
 * takes for a measurement; now an invalid sample is an empty cell plus the
 * `invalid` column, and Rigor's importer skips it with a note. Both with
 * and without the extension column, the fast and the general path of the
 * importer (the flagged rows sit among many plain ones). */
static void test_invalid_samples(void)
{
    for (int ext = 0; ext < 2; ext++) {
        runfile_header h = runfile_header_empty();
        h.rig = "rigs/reference-tcp.ini";
        h.test = "tensile";
        h.extension = ext;
        runfile *f;
        const char *path = tmp(ext ? "inv5.csv" : "inv4.csv");
        unlink(path);
        CHECK(runfile_open(path, &h, &f) == RIGOR_OK, "open");
        for (int i = 0; i < 3000; i++) {
            rig_sample s = sample(i * 0.001);
            if (i == 1000) {
                s.force_N = NAN;
                s.flags |= RIG_SF_BAD_FORCE;
            } else if (i == 2000) {
                s.position_m = NAN;
                s.flags |= RIG_SF_BAD_POSITION;
            } else if (i == 2500) {
                s.flags |= RIG_SF_BAD_FORCE | RIG_SF_BAD_EXTENSION; /* values finite: still
                                                                        not written */
            }
            CHECK(runfile_append(f, &s, "pull") == RIGOR_OK, "row");
        }
        CHECK(runfile_close(f, "fracture", NULL) == RIGOR_OK, "close");
        char *t = slurp(path, NULL);
        if (!t)
            continue;
        double last;
        bool trailer;
        CHECK(validate(t, ext ? 5 : 4, &last, &trailer) == 3000, "3000 rows, cells and flags "
                                                                 "consistent");
        CHECK(!strstr(t, "nan") && !strstr(t, "NaN"), "no 'nan' in the file");
        CHECK(strstr(t, "\n1.000000,0.100000,,") != NULL && strstr(t, ",pull,force\n"),
              "NaN force: empty cell, flag 'force'");
        CHECK(strstr(t, "\n2.000000,,6.5,") != NULL && strstr(t, ",pull,position\n"),
              "NaN position: empty cell, flag 'position'");
        CHECK(strstr(t, ext ? ",pull,force+extension\n" : ",pull,force\n") != NULL,
              "flagged finite values are not written either");
        free(t);
        curve_list cl = {0};
        csvin_opts io;
        csvin_opts_default(&io);
        rigor_diag d = {0};
        int rc = csvin_read_file(path, &io, &cl, &d);
        CHECK(rc == RIGOR_OK && cl.n == 1, "imported by Rigor's importer: %s", d.msg);
        if (rc == RIGOR_OK && cl.n == 1) {
            const curve *c = cl.v[0];
            CHECK(c->n == 2997, "the 3 invalid samples skipped: %zu rows", c->n);
            bool finite = true;
            for (size_t k = 0; k < c->n; k++)
                if (!isfinite(c->ch[CURVE_FORCE][k]) || !isfinite(c->ch[CURVE_TIME][k]))
                    finite = false;
            CHECK(finite, "no NaN reached the curve");
            bool noted = false;
            for (size_t k = 0; k < c->nnotes; k++)
                if (strstr(c->notes[k], "3 samples marked invalid"))
                    noted = true;
            CHECK(noted, "a note says so");
        }
        curve_list_free(&cl);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rigor-test-runfile-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    TEST_RUN(test_format_and_trailer);
    TEST_RUN(test_excl_refusal);
    TEST_RUN(test_flush_cadence);
    TEST_RUN(test_writer_sleeps);
    TEST_RUN(test_kill9);
    TEST_RUN(test_disk_full);
    TEST_RUN(test_invalid_samples);
    TEST_RUN(test_calibration_header);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
    TEST_END("test_runfile");
}
