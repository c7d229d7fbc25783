/* test_rigfile.c — rig-file parser: the shipped files, and malformed files that
 * must each be rejected with the right line and reason before anything connects. */
#include "../rig/regmap.h"
#include "../rig/rigfile.h"
#include "../rig/scaling.h"
#include "../common/sha256.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

/* A small good file; bad cases edit one numbered line of it. */
static const char *base[] = {
    "[rig]",                  /* 1 */
    "transport = tcp",        /* 2 */
    "port = 1502",            /* 3 */
    "[limits]",               /* 4 */
    "capacity = 100 N",       /* 5 */
    "travel_min = -10 mm",    /* 6 */
    "travel_max = 50 mm",     /* 7 */
    "speed_max = 5 mm/s",     /* 8 */
    "[device drive]",         /* 9 */
    "slave = 1",              /* 10 */
    "[point position]",       /* 11 */
    "device = drive",         /* 12 */
    "table = ir",             /* 13 */
    "address = 2",            /* 14 */
    "type = i32",             /* 15 */
    "order = CDAB",           /* 16 */
    "unit = nm",              /* 17 */
    "[point force]",          /* 18 */
    "device = drive",         /* 19 */
    "table = ir",             /* 20 */
    "address = 10",           /* 21 */
    "type = f32",             /* 22 */
    "unit = kN",              /* 23 */
    "[point velocity_cmd]",   /* 24 */
    "device = drive",         /* 25 */
    "table = hr",             /* 26 */
    "address = 2",            /* 27 */
    "type = i32",             /* 28 */
    "unit = um/s ; inline",   /* 29 */
    "[point drive_status]",   /* 30 */
    "device = drive",         /* 31 */
    "table = ir",             /* 32 */
    "address = 0",            /* 33 */
    "type = bits",            /* 34 */
    "bits = fault:2 estop:5", /* 35 */
};
#define NBASE ((int)(sizeof base / sizeof base[0]))

/* Build the base text with lines at..upto (1-based) replaced by `repl` and
 * comment lines (at = 0: nothing replaced) and `extra` appended. */
static void build_span(char *buf, size_t len, int at, int upto, const char *repl,
                       const char *extra)
{
    buf[0] = '\0';
    for (int i = 0; i < NBASE; i++) {
        const char *l = base[i];
        if (i + 1 == at)
            l = repl ? repl : "# removed";
        else if (at && i + 1 > at && i + 1 <= upto)
            l = "# removed";
        strncat(buf, l, len - strlen(buf) - 2);
        strcat(buf, "\n");
    }
    if (extra)
        strncat(buf, extra, len - strlen(buf) - 1);
}

static void build(char *buf, size_t len, int at, const char *repl, const char *extra)
{
    build_span(buf, len, at, at, repl, extra);
}

static void test_base_good(void)
{
    char buf[4096];
    build(buf, sizeof buf, 0, NULL, NULL);
    rig_config c;
    rigor_diag d = {0};
    int rc = rigfile_parse(buf, "base.ini", &c, &d);
    CHECK(rc == RIGOR_OK, "rc %d: %s:%ld:%ld: %s", rc, d.file, d.line, d.col, d.msg);
    CHECK(c.transport == RIG_TCP && c.port == 1502 && !strcmp(c.host, "127.0.0.1"),
          "transport");
    CHECK_NEAR(c.capacity_N, 100, 0, 1e-12, "capacity");
    CHECK_NEAR(c.travel_min_m, -0.01, 0, 1e-12, "travel_min");
    CHECK_NEAR(c.speed_max_m_s, 0.005, 0, 1e-12, "speed_max");
    CHECK_NEAR(c.force_max_N, 100, 0, 1e-12, "soft force_max defaults to capacity");
    CHECK_NEAR(c.position_min_m, -0.01, 0, 1e-12, "soft position_min defaults to travel");
    CHECK(c.point[ROLE_POSITION].present && c.point[ROLE_POSITION].order == WO_CDAB, "pos");
    CHECK(c.point[ROLE_FORCE].order == WO_ABCD, "default order ABCD");
    CHECK_NEAR(c.point[ROLE_FORCE].si.scale, 1e3, 0, 1e-12, "kN");
    CHECK_NEAR(c.point[ROLE_VELOCITY_CMD].si.scale, 1e-6, 0, 1e-12, "um/s with inline comment");
    CHECK(c.point[ROLE_DRIVE_STATUS].bit[2] == 2 && c.point[ROLE_DRIVE_STATUS].bit[5] == 5 &&
              c.point[ROLE_DRIVE_STATUS].bit[0] == -1,
          "status bits");
    CHECK(!c.point[ROLE_EXTENSION].present, "no extension");
    CHECK(strlen(c.sha256) == 64, "sha256 '%s'", c.sha256);
    CHECK(c.realtime == RT_AUTO, "realtime defaults to auto, got %s", rt_mode_name(c.realtime));
}

/* [safety] realtime: the three values (any case, with an inline comment),
 * and a bad value refused at its own line and column. */
static void test_realtime_key(void)
{
    static const struct {
        const char *line;
        rt_mode want;
    } good[] = {{"realtime = auto", RT_AUTO},
                {"realtime = required", RT_REQUIRED},
                {"realtime = off", RT_OFF},
                {"realtime = OFF ; no SCHED_FIFO on this PC", RT_OFF},
                {"realtime=Required", RT_REQUIRED}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char extra[128], buf[4096];
        snprintf(extra, sizeof extra, "[safety]\n%s\n", good[i].line);
        build(buf, sizeof buf, 0, NULL, extra);
        rig_config c;
        rigor_diag d = {0};
        int rc = rigfile_parse(buf, "rt.ini", &c, &d);
        CHECK(rc == RIGOR_OK, "'%s': rc %d: %s", good[i].line, rc, d.msg);
        CHECK(rc != RIGOR_OK || c.realtime == good[i].want, "'%s': got %s", good[i].line,
              rt_mode_name(c.realtime));
    }
    char buf[4096];
    build(buf, sizeof buf, 0, NULL, "[safety]\nretries = 2\nrealtime = sometimes\n");
    rig_config c;
    rigor_diag d = {0};
    CHECK(rigfile_parse(buf, "rt.ini", &c, &d) == RIGOR_EPARSE, "'sometimes' refused");
    char msg[1200];
    rigor_diag_format(&d, msg, sizeof msg);
    CHECK(!strcmp(msg, "rt.ini:38:12: realtime: expected auto, required or off, got "
                       "'sometimes'"),
          "diagnostic '%s'", msg);
    /* an unknown [safety] key names realtime among the expected ones */
    build(buf, sizeof buf, 0, NULL, "[safety]\nreal_time = off\n");
    CHECK(rigfile_parse(buf, "rt.ini", &c, &d) == RIGOR_EPARSE && d.line == 37 &&
              strstr(d.msg, "max_rate, realtime, spin, keep_awake"),
          "unknown key: %ld '%s'", d.line, d.msg);
}

/* [safety] keep_awake: yes/no (true/false, 1/0), no by default; anything
 * else refused at its line and column. */
static void test_keep_awake_key(void)
{
    char buf[4096];
    rig_config c;
    rigor_diag d = {0};
    build(buf, sizeof buf, 0, NULL, "");
    CHECK(rigfile_parse(buf, "awake.ini", &c, &d) == RIGOR_OK && !c.keep_awake, "default no");
    static const struct {
        const char *word;
        bool want;
    } good[] = {{"yes", true}, {"TRUE", true}, {"1", true}, {"no", false}, {"false", false}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char extra[64];
        snprintf(extra, sizeof extra, "[safety]\nkeep_awake = %s\n", good[i].word);
        build(buf, sizeof buf, 0, NULL, extra);
        c.keep_awake = !good[i].want;
        CHECK(rigfile_parse(buf, "awake.ini", &c, &d) == RIGOR_OK && c.keep_awake == good[i].want,
              "'%s': %s", good[i].word, d.msg);
    }
    build(buf, sizeof buf, 0, NULL, "[safety]\nkeep_awake = always\n");
    CHECK(rigfile_parse(buf, "awake.ini", &c, &d) == RIGOR_EPARSE, "'always' refused");
    char msg[1200];
    rigor_diag_format(&d, msg, sizeof msg);
    CHECK(!strcmp(msg, "awake.ini:37:14: keep_awake: expected yes or no, got 'always'"),
          "diagnostic '%s'", msg);
}

/* [safety] spin: a time, 0 by default, 0..10 ms; outside refused at its
 * line and column. */
static void test_spin_key(void)
{
    char buf[4096];
    rig_config c;
    rigor_diag d = {0};
    build(buf, sizeof buf, 0, NULL, "");
    CHECK(rigfile_parse(buf, "spin.ini", &c, &d) == RIGOR_OK && c.spin_s == 0, "default 0");
    build(buf, sizeof buf, 0, NULL, "[safety]\nspin = 300 us ; VM: idle CPUs wake slowly\n");
    CHECK(rigfile_parse(buf, "spin.ini", &c, &d) == RIGOR_OK, "300 us: %s", d.msg);
    CHECK_NEAR(c.spin_s, 300e-6, 1e-12, 0, "300 us");
    build(buf, sizeof buf, 0, NULL, "[safety]\nspin = 0.2 ms\n");
    CHECK(rigfile_parse(buf, "spin.ini", &c, &d) == RIGOR_OK, "0.2 ms: %s", d.msg);
    CHECK_NEAR(c.spin_s, 200e-6, 1e-12, 0, "0.2 ms");
    static const struct {
        const char *line;
        long col; /* the value, or its unit */
        int rc;
    } bad[] = {{"spin = 20 ms", 8, RIGOR_EPARSE},
               {"spin = -1 ms", 8, RIGOR_EPARSE},
               {"spin = 5 N", 10, RIGOR_EPARSE}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char extra[64];
        snprintf(extra, sizeof extra, "[safety]\n%s\n", bad[i].line);
        build(buf, sizeof buf, 0, NULL, extra);
        CHECK(rigfile_parse(buf, "spin.ini", &c, &d) == bad[i].rc && d.line == 37 &&
                  d.col == bad[i].col && strstr(d.msg, "spin"),
              "'%s': %ld:%ld %s", bad[i].line, d.line, d.col, d.msg);
    }
}

static void test_shipped_files(void)
{
    const char *files[] = {"rigs/reference-tcp.ini", "rigs/reference-rtu.ini"};
    for (int i = 0; i < 2; i++) {
        rig_config c;
        rigor_diag d = {0};
        int rc = rigfile_load(files[i], &c, &d);
        char msg[1200];
        CHECK(rc == RIGOR_OK, "%s", rigor_diag_format(&d, msg, sizeof msg));
        if (rc)
            continue;
        CHECK(c.transport == (i ? RIG_RTU : RIG_TCP), "transport");
        /* the drive, the load cell and the simulator's clip-on extensometer */
        CHECK(c.ndev == 3 && c.dev[0].slave == 1 && c.dev[1].slave == 2 && c.dev[2].slave == 3,
              "devices");
        CHECK(c.point[ROLE_EXTENSION].present && c.point[ROLE_EXT_STATUS].present &&
                  c.point[ROLE_ZERO_EXTENSION].present,
              "the extensometer mapped");
        CHECK(!c.dev[1].fc06, "load cell refuses FC06");
        CHECK(c.point[ROLE_TARE].fc == 16 && c.point[ROLE_TARE].value == 1,
              "tare FC16 value 1");
        CHECK(c.point[ROLE_MODE].values[RIG_MODE_POSITION] == 1, "mode values");
        CHECK_NEAR(c.watchdog_s, 0.25, 0, 1e-12, "watchdog");
        regmap_plan plan;
        CHECK(regmap_make_plan(&c, &plan) == RIGOR_OK, "plan");
        /* drive IR 0..5, load cell IR 0..5 (PEAK bridged), extensometer IR
         * 0..2 (status and extension): three requests */
        CHECK(plan.nblocks == 3, "nblocks %d", plan.nblocks);
        CHECK(plan.block[2].start == 0 && plan.block[2].count == 3, "extensometer block %u+%u",
              plan.block[2].start, plan.block[2].count);
        CHECK(plan.block[0].start == 0 && plan.block[0].count == 6, "drive block %u+%u",
              plan.block[0].start, plan.block[0].count);
        CHECK(plan.block[1].start == 0 && plan.block[1].count == 6, "cell block %u+%u",
              plan.block[1].start, plan.block[1].count);
        CHECK(plan.offset_of[ROLE_POSITION] == 2 && plan.offset_of[ROLE_TICK] == 5, "offsets");
        if (i == 1) {
            CHECK(c.parity == 'E' && c.baud == 115200 && c.data_bits == 8 && c.stop_bits == 1,
                  "8E1 115200");
            /* Modbus over serial line: >= 3.5 characters of silence between
             * frames, 1.75 ms above 19200 baud; no more (it costs rate) */
            for (int k = 0; k < c.ndev; k++)
                CHECK(fabs(c.dev[k].gap_s - 1.75e-3) < 1e-9, "gap of device %d: %g s", k,
                      c.dev[k].gap_s);
        }
    }
}

static const struct {
    const char *what;
    int at;            /* line replaced, 0 = none */
    int upto;          /* last line removed with it (0 = just `at`) */
    const char *repl;  /* replacement (NULL = removed) */
    const char *extra; /* appended text */
    long want_line;    /* 0 = whole file */
    const char *want;  /* substring of the message */
} bad[] = {
    {"unknown key", 3, 0, "prot = 1502", NULL, 3, "unknown key 'prot'"},
    {"bad type", 15, 0, "type = i64", NULL, 15, "type: expected"},
    {"bad word order", 16, 0, "order = ACBD", NULL, 16, "word order"},
    {"address out of range", 14, 0, "address = 70000", NULL, 14, "0..65535"},
    {"32-bit at last address", 14, 0, "address = 65535", NULL, 11, "runs past"},
    {"missing required role", 18, 23, NULL, NULL, 0, "required role 'force'"},
    {"duplicate role", 0, 0, NULL, "[point position]\n", 36, "duplicate role 'position'"},
    {"bad number", 10, 0, "slave = one", NULL, 10, "slave: expected"},
    {"slave out of range", 10, 0, "slave = 300", NULL, 10, "1..247"},
    {"bad scale", 0, 0, NULL, "[point extension]\nscale = 1..2\n", 37, "scale"},
    {"unknown unit", 23, 0, "unit = furlong", NULL, 23, "unknown unit 'furlong'"},
    {"unit of wrong dimension", 23, 0, "unit = mm", NULL, 18, "expected force"},
    {"limit unit wrong", 5, 0, "capacity = 100 mm", NULL, 5, "expected a force"},
    {"limit without unit", 5, 0, "capacity = 100", NULL, 5, "needs a unit"},
    {"section twice", 0, 0, NULL, "[limits]\n", 36, "appears twice"},
    {"missing section", 4, 8, NULL, NULL, 0, "missing [limits] section"},
    {"unknown section", 9, 0, "[devices drive]", NULL, 9, "unknown section"},
    {"unknown device", 12, 0, "device = drv", NULL, 12, "unknown device 'drv'"},
    {"write role in ir", 26, 0, "table = ir", NULL, 24, "must be in table hr"},
    {"bits on a value", 0, 0, NULL, "[point extension]\nbits = fault:1\n", 37, "bits"},
    {"bad bit name", 35, 0, "bits = fault:2 smoke:3", NULL, 35, "unknown name 'smoke'"},
    {"bit number too big", 35, 0, "bits = fault:16", NULL, 35, "0..15"},
    {"no equals", 13, 0, "table ir", NULL, 13, "key = value"},
    {"unclosed section", 9, 0, "[device drive", NULL, 9, "without ']'"},
    {"key outside section", 1, 0, "x = 1", NULL, 1, "outside any section"},
    {"bad transport", 2, 0, "transport = udp", NULL, 2, "'tcp' or 'rtu'"},
    {"rtu without device", 2, 0, "transport = rtu", NULL, 0, "needs 'device'"},
    {"travel inverted", 7, 0, "travel_max = -20 mm", NULL, 7, "above travel_min"},
    {"tick timeout within retries", 0, 0, NULL,
     "[safety]\ntick_timeout = 150 ms\n[point tick]\ndevice = drive\ntable = ir\naddress = 20\n"
     "type = u16\n",
     37, "must exceed (1 + retries) x response_timeout"},
};

static void test_bad_files(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[4096];
        build_span(buf, sizeof buf, bad[i].at, bad[i].upto ? bad[i].upto : bad[i].at,
                   bad[i].repl, bad[i].extra);
        rig_config c;
        rigor_diag d = {0};
        int rc = rigfile_parse(buf, "bad.ini", &c, &d);
        CHECK(rc != RIGOR_OK, "%s: accepted", bad[i].what);
        CHECK(d.line == bad[i].want_line, "%s: line %ld, want %ld (%s)", bad[i].what, d.line,
              bad[i].want_line, d.msg);
        CHECK(strstr(d.msg, bad[i].want) != NULL, "%s: message '%s' lacks '%s'", bad[i].what,
              d.msg, bad[i].want);
        CHECK(!strcmp(d.file, "bad.ini"), "%s: file '%s'", bad[i].what, d.file);
    }
}

/* Soft limits beyond the machine limits are refused (RIGOR_EPARSE: exit 2) with the line. */
static void test_limit_beyond_capacity(void)
{
    const char *cases[][2] = {{"force_max = 150 N", "capacity"},
                              {"force_min = -0.2 kN", "capacity"},
                              {"position_max = 60 mm", "travel range"}};
    for (int i = 0; i < 3; i++) {
        char buf[4096];
        char l[64];
        snprintf(l, sizeof l, "capacity = 100 N\n%s", cases[i][0]);
        build(buf, sizeof buf, 5, l, NULL);
        rig_config c;
        rigor_diag d = {0};
        int rc = rigfile_parse(buf, "lim.ini", &c, &d);
        CHECK(rc == RIGOR_EPARSE, "case %d rc %d (%s)", i, rc, d.msg);
        CHECK(d.line == 6, "case %d line %ld", i, d.line);
        CHECK(strstr(d.msg, cases[i][1]) != NULL, "case %d msg '%s'", i, d.msg);
    }
}

static void test_missing_file(void)
{
    rig_config c;
    rigor_diag d = {0};
    CHECK(rigfile_load("/nonexistent/rig.ini", &c, &d) == RIGOR_EPARSE, "unreadable = EPARSE (exit 2)");
    CHECK(strstr(d.msg, "cannot open") != NULL, "msg '%s'", d.msg);
    /* the shared text-file reader (common/textfile.c): a NUL byte and an
     * oversized file are refused by name, never parsed */
    char path[] = "/tmp/rigor-test-rigfile-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "temp file");
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "wb");
    fputs("[rig]\ntransport = tcp\n", f);
    fputc(0, f);
    fclose(f);
    CHECK(rigfile_load(path, &c, &d) == RIGOR_EPARSE && strstr(d.msg, "NUL byte") &&
              !strcmp(d.file, path),
          "NUL: '%s'", d.msg);
    f = fopen(path, "wb");
    for (int i = 0; i < 70000; i++)
        fputs("; a comment line\n", f); /* 1.1 MB of valid text */
    fclose(f);
    CHECK(rigfile_load(path, &c, &d) == RIGOR_EPARSE && strstr(d.msg, "larger than"),
          "too large: '%s'", d.msg);
    unlink(path);
}

static void test_garbage_never_crashes(void)
{
    /* Every prefix of a good file, and some binary noise: no crash, an answer. */
    char buf[4096];
    build(buf, sizeof buf, 0, NULL, NULL);
    size_t n = strlen(buf);
    int accepted = 0;
    for (size_t k = 0; k <= n; k += 7) {
        char save = buf[k];
        buf[k] = '\0';
        rig_config c;
        rigor_diag d = {0};
        if (rigfile_parse(buf, "prefix.ini", &c, &d) == RIGOR_OK)
            accepted++;
        buf[k] = save;
    }
    CHECK(accepted <= 3, "%d truncated files accepted", accepted);
    unsigned s = 12345;
    for (int t = 0; t < 200; t++) {
        char g[300];
        for (int i = 0; i < 299; i++) {
            s = s * 1103515245u + 12345u;
            g[i] = (char)(((s >> 16) % 95) + 32);
            if ((s >> 8) % 13 == 0)
                g[i] = '\n';
        }
        g[299] = '\0';
        rig_config c;
        rigor_diag d = {0};
        CHECK(rigfile_parse(g, "noise", &c, &d) != RIGOR_OK, "noise accepted");
    }
}

/* FIPS 180-2 examples, a two-block tail, and the hash of a shipped file
 * against sha256sum. */
static void test_sha256(void)
{
    static const char *v[][2] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (int i = 0; i < 3; i++) {
        sha256_hex(v[i][0], strlen(v[i][0]), hex);
        CHECK(!strcmp(hex, v[i][1]), "sha256('%s') = %s", v[i][0], hex);
    }
    rig_config c;
    rigor_diag d = {0};
    if (rigfile_load("rigs/reference-tcp.ini", &c, &d) != RIGOR_OK)
        return;
    FILE *p = popen("sha256sum rigs/reference-tcp.ini 2>/dev/null", "r");
    char want[65] = "";
    if (!p || fscanf(p, "%64s", want) != 1)
        want[0] = '\0';
    if (p)
        pclose(p);
    if (!want[0])
        SKIP("sha256sum not available");
    CHECK(!strcmp(c.sha256, want), "file hash %s, sha256sum %s", c.sha256, want);
}

/* A drive watchdog counted in whole seconds, range 1..20 s (as a Delta
 * ASDA-B2's P3-07): appended after the base, lines 36-43. */
static const char *wd_point = "[point watchdog]\ndevice = drive\ntable = hr\naddress = 9\n"
                              "type = u16\nunit = s\nmin = 1 s\nmax = 20 s\n";

static int parse_with(const char *extra, int at, const char *repl, rig_config *c,
                      rigor_diag *d)
{
    char buf[4096];
    build(buf, sizeof buf, at, repl, extra);
    memset(d, 0, sizeof *d);
    return rigfile_parse(buf, "v.ini", c, d);
}

/* Values that cannot be right are refused at their line (issue 21): a number
 * that overflows to inf in SI, rates and back-offs out of any sane range, a
 * speed_max below one count of the setpoint or beyond its type, a watchdog
 * the drive's unit rounds to 0 (off) or puts outside the drive's range, a
 * watchdog of 0 instead of 'off'. Every one is RIGOR_EPARSE (exit 2). */
static void test_values_that_cannot_be_right(void)
{
    char wd[512];
    static const struct {
        int at;            /* base line replaced, 0 = none */
        const char *repl;  /* its replacement */
        const char *extra; /* appended; "WD" = the watchdog point, then extra2 */
        const char *extra2;
        long line, col;
        const char *want;
    } cases[] = {
        {5, "capacity = 1e306 kN", NULL, NULL, 5, 12, "beyond any representable force"},
        {8, "speed_max = 5 mm/s\nforce_min = -1e306 kN", NULL, NULL, 9, 13, "beyond any representable"},
        {0, NULL, "[safety]\nmax_rate = 0.001 Hz\n", NULL, 37, 12, "max_rate: must be in 1..1000"},
        {0, NULL, "[safety]\nmax_rate = 5 kHz\n", NULL, 37, 12, "max_rate"},
        {0, NULL, "[safety]\nreconnect_max = 1e9 s\n", NULL, 37, 17, "10 ms..60 s"},
        {0, NULL, "[safety]\nreconnect_max = 1 us\n", NULL, 37, 17, "10 ms..60 s"},
        {0, NULL, "[safety]\ntick_timeout = 2 h\n", NULL, 37, 16, "0..60 s"},
        {8, "speed_max = 0.4 um/s", NULL, NULL, 24, 0, "one count is 0.001 mm/s"},
        {8, "speed_max = 5000 m/s", NULL, NULL, 24, 0, "beyond its type (at most 2147483647)"},
        {0, NULL, "WD", "", 36, 0, "the default watchdog 250 ms rounds to 0 counts"},
        {0, NULL, "WD", "[safety]\nwatchdog = 250 ms\n", 45, 0, "rounds to 0 counts"},
        {0, NULL, "WD", "[safety]\nwatchdog = 30 s\n", 45, 0, "outside the drive's range 1 s..20 s"},
        {0, NULL, "WD", "[safety]\nwatchdog = 0 ms\n", 45, 12, "write 'watchdog = off'"},
        {0, NULL, "[safety]\nwatchdog = 2 s\n", NULL, 37, 0, "no [point watchdog] to write"},
        {0, NULL, "WD", "min = 30 s\n", 44, 7, "min is above its max"},
        {0, NULL, "[point position_cmd]\ndevice = drive\ntable = hr\naddress = 20\ntype = i16\n"
                  "unit = nm\n", NULL, 36, 0, "the travel -10..50 mm is"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *extra = cases[i].extra;
        if (extra && !strcmp(extra, "WD")) {
            snprintf(wd, sizeof wd, "%s%s", wd_point, cases[i].extra2);
            extra = wd;
        }
        rig_config c;
        rigor_diag d;
        int rc = parse_with(extra, cases[i].at, cases[i].repl, &c, &d);
        CHECK(rc == RIGOR_EPARSE, "case %zu: rc %d (%s)", i, rc, d.msg);
        CHECK(d.line == cases[i].line && (!cases[i].col || d.col == cases[i].col),
              "case %zu: at %ld:%ld, want %ld:%ld (%s)", i, d.line, d.col, cases[i].line,
              cases[i].col, d.msg);
        CHECK(strstr(d.msg, cases[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, d.msg,
              cases[i].want);
    }
}

/* What is accepted, and what the run file is told: a watchdog in the drive's
 * unit, off said in words (warned), a time the unit rounds (warned, the sent
 * value kept), no watchdog point at all (warned); the smallest speed. */
static void test_watchdog_and_speed_min(void)
{
    char wd[512];
    rig_config c;
    rigor_diag d;
    snprintf(wd, sizeof wd, "%s[safety]\nwatchdog = 2 s\n", wd_point);
    CHECK(parse_with(wd, 0, NULL, &c, &d) == RIGOR_OK, "2 s: %s", d.msg);
    CHECK(!c.watchdog_off && c.watchdog_s == 2 && c.nwarn == 0, "2 s: off %d %g nwarn %d",
          c.watchdog_off, c.watchdog_s, c.nwarn);
    CHECK(!strcmp(c.watchdog_text, "2 s (2 counts of 1 s)"), "text '%s'", c.watchdog_text);

    snprintf(wd, sizeof wd, "%s[safety]\nwatchdog = 1400 ms\n", wd_point);
    CHECK(parse_with(wd, 0, NULL, &c, &d) == RIGOR_OK, "1.4 s: %s", d.msg);
    CHECK(c.watchdog_s == 1 && c.nwarn == 1 && strstr(c.warn[0], "v.ini:45: warning:") &&
              strstr(c.warn[0], "sent as 1 counts = 1 s"),
          "1.4 s: %g, %d '%s'", c.watchdog_s, c.nwarn, c.warn[0]);

    snprintf(wd, sizeof wd, "%s[safety]\nwatchdog = OFF\n", wd_point);
    CHECK(parse_with(wd, 0, NULL, &c, &d) == RIGOR_OK, "off: %s", d.msg);
    CHECK(c.watchdog_off && c.watchdog_s == 0 && c.watchdog_line == 45, "off recorded");
    CHECK(!strcmp(c.watchdog_text, "off (rig file line 45)"), "text '%s'", c.watchdog_text);
    CHECK(c.nwarn == 1 && strstr(c.warn[0], "watchdog = off"), "off warned: '%s'", c.warn[0]);

    CHECK(parse_with(NULL, 0, NULL, &c, &d) == RIGOR_OK, "base: %s", d.msg);
    CHECK(!strcmp(c.watchdog_text, "none (no [point watchdog])") && c.nwarn == 1 &&
              strstr(c.warn[0], "no [point watchdog]"),
          "no point: '%s' %d", c.watchdog_text, c.nwarn);
    /* no watchdog point, no tick: any rate */
    CHECK(rig_min_rate_hz(&c) == 0, "no bound: %g", rig_min_rate_hz(&c));
    /* velocity_cmd in um/s, i32: one count is 1 um/s */
    CHECK_NEAR(rig_speed_min_m_s(&c), 1e-6, 0, 1e-9, "speed min");
    CHECK(parse_with(NULL, 28, "type = f32", &c, &d) == RIGOR_OK && rig_speed_min_m_s(&c) == 0,
          "float setpoint: no floor");
    /* the shipped reference frame: 1 nm/s, a 250 ms watchdog in ms */
    if (rigfile_load("rigs/reference-tcp.ini", &c, &d) == RIGOR_OK) {
        CHECK_NEAR(rig_speed_min_m_s(&c), 1e-9, 0, 1e-9, "reference speed min");
        CHECK(!strcmp(c.watchdog_text, "250 ms (250 counts of 1 ms)"), "'%s'",
              c.watchdog_text);
        CHECK(c.nwarn == 0, "reference warns: %s", c.warn[0]);
        /* 250 ms watchdog: 4 cycles in it need 16 Hz; the 200 ms tick 10 Hz */
        CHECK_NEAR(rig_min_rate_hz(&c), 16, 0, 1e-12, "min rate");
        char why[256];
        CHECK(rig_check_rate(&c, 15, why, sizeof why) == RIGOR_EINVAL &&
                  strstr(why, "at least 16 Hz"),
              "15 Hz: %s", why);
        CHECK(rig_check_rate(&c, 16, why, sizeof why) == RIGOR_OK &&
                  rig_check_rate(&c, 0, why, sizeof why) == RIGOR_OK,
              "16 Hz and auto");
    }
}

/* The language for real drives (issue 21): active-low status bits, several
 * device bits -> one condition, constant control bits; motor-side units
 * (rpm with screw lead and gear ratio, encoder counts). Decoded through
 * regmap, as the driver does. */
static void test_bits_and_motor_units(void)
{
    rig_config c;
    rigor_diag d;
    /* base line 35 (drive_status bits) replaced; a control point appended */
    int rc = parse_with("[point control]\ndevice = drive\ntable = hr\naddress = 40\n"
                        "type = bits\nbits = enable:0 fault_reset:!3\nconstant = 0x0006\n",
                        35, "bits = enabled:0 fault:2 fault:7 estop:!4", &c, &d);
    CHECK(rc == RIGOR_OK, "rc %d: %ld:%ld %s", rc, d.line, d.col, d.msg);
    const rig_point *st = &c.point[ROLE_DRIVE_STATUS];
    /* estop is active-low: bit 4 clear = e-stop pressed */
    CHECK(regmap_status(st, 1u << 4) == 0, "all well: %#x", regmap_status(st, 1u << 4));
    CHECK(regmap_status(st, 0) == RIG_SB_ESTOP, "bit 4 low = estop");
    CHECK(regmap_status(st, 1u << 4 | 1u << 7) == RIG_SB_FAULT, "bit 7 is a fault too");
    CHECK(regmap_status(st, 1u << 4 | 1u << 2 | 1u) == (RIG_SB_FAULT | RIG_SB_ENABLED),
          "bit 2 fault, bit 0 enabled");
    const rig_point *ctl = &c.point[ROLE_CONTROL];
    /* constant 0x6 always; fault_reset active-low on bit 3: 1 when not raised */
    CHECK(regmap_control(ctl, 0) == 0x000E, "idle word %#x", regmap_control(ctl, 0));
    CHECK(regmap_control(ctl, 1u << RIG_CTL_ENABLE) == 0x000F, "enable");
    CHECK(regmap_control(ctl, 1u << RIG_CTL_FAULT_RESET) == 0x0006, "reset pulls bit 3 low");

    static const struct {
        int at;
        const char *repl;
        long line, col;
        const char *want;
    } cc[] = {{35, "bits = fault:2 estop:2", 35, 22, "bit 2 is given twice"},
               {35, "bits = fault:!16", 35, 15, "not a bit number"},
               {29, "unit = rpm", 24, 0, "needs 'lead'"},
               {17, "unit = counts\nlead = 5 mm", 11, 0, "needs 'counts_per_rev'"},
               {17, "unit = nm\ngear = 3", 11, 0, "need unit = rpm, rev or counts"},
               {29, "unit = rpm\nlead = -5 mm", 30, 8, "lead: must be positive"}};
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        rc = parse_with(NULL, cc[i].at, cc[i].repl, &c, &d);
        CHECK(rc == RIGOR_EPARSE && d.line == cc[i].line && (!cc[i].col || d.col == cc[i].col) &&
                  strstr(d.msg, cc[i].want),
              "case %zu: rc %d at %ld:%ld '%s'", i, rc, d.line, d.col, d.msg);
    }
    /* a fault reset by command value (a Leadshine control word's 0x7777) */
    rc = parse_with("[point reset]\ndevice = drive\ntable = hr\naddress = 0x019A\ntype = u16\n"
                    "value = 0x7777\nfc = 16\n",
                    0, NULL, &c, &d);
    CHECK(rc == RIGOR_OK && c.point[ROLE_RESET].present && c.point[ROLE_RESET].value == 0x7777 &&
              c.point[ROLE_RESET].address == 0x019A && c.point[ROLE_RESET].fc == 16,
          "reset: %s", d.msg);
    rc = parse_with("[point reset]\ndevice = drive\ntable = ir\naddress = 1\ntype = u16\n", 0,
                    NULL, &c, &d);
    CHECK(rc == RIGOR_EPARSE && strstr(d.msg, "must be in table hr"), "reset in ir: %s", d.msg);
    /* 0.1 rpm counts, 5 mm lead, gear 10: one count = 0.1 x 5 mm / 10 / 60 s */
    rc = parse_with(NULL, 29, "unit = rpm\nscale = 0.1\nlead = 5 mm\ngear = 10", &c, &d);
    CHECK(rc == RIGOR_OK, "rpm: %s", d.msg);
    uint16_t w[2] = {0, 0};
    words_set_i32(w, 1200, WO_ABCD); /* 120 rpm -> 1 mm/s */
    CHECK_NEAR(regmap_decode(&c.point[ROLE_VELOCITY_CMD], w), 1e-3, 0, 1e-9, "120 rpm");
    CHECK_NEAR(rig_speed_min_m_s(&c), 0.1 * 5e-3 / 10 / 60, 0, 1e-9, "one count");
    /* 160000 counts per motor turn, 5 mm lead, gear 2: 64000 counts per mm */
    rc = parse_with(NULL, 17, "unit = counts\nlead = 5 mm\ngear = 2\ncounts_per_rev = 160000", &c,
                    &d);
    CHECK(rc == RIGOR_OK, "counts: %s", d.msg);
    words_set_i32(w, 64000, WO_CDAB);
    CHECK_NEAR(regmap_decode(&c.point[ROLE_POSITION], w), 1e-3, 0, 1e-9, "64000 counts");
}

/* [init] writes and waits, EEPROM ranges, the alarm table, enable_timeout,
 * and the errors each can have (issue 21). */
static void test_init_alarms_eeprom(void)
{
    rig_config c;
    rigor_diag d;
    int rc = parse_with("[init]\nwrite = drive 0x0306 0x0001 verify ; P3-06 software DI\n"
                        "wait = 50 ms\nwrite = drive 0x0112 -1 0x7FFF\n"
                        "[point fault_code]\ndevice = drive\ntable = ir\naddress = 1\ntype = u16\n"
                        "alarm = 0x0020 watchdog \"AL020 communication timeout\"\n"
                        "alarm = 13 estop \"AL013 emergency stop\"\n"
                        "[safety]\nenable_timeout = 500 ms\n"
                        "[device io]\nslave = 3\neeprom = 0x0100..0x01FF 0x0300\n",
                        35, "bits = enabled:0 fault:2 estop:5", &c, &d);
    CHECK(rc == RIGOR_OK, "rc %d %ld:%ld %s", rc, d.line, d.col, d.msg);
    CHECK(c.ninit == 3 && c.init[0].kind == INIT_WRITE && c.init[0].address == 0x0306 &&
              c.init[0].n == 1 && c.init[0].value[0] == 1 && c.init[0].verify &&
              c.init[0].device == 0,
          "init[0]");
    CHECK(c.init[1].kind == INIT_WAIT && c.init[1].wait_s == 0.05, "wait");
    CHECK(c.init[2].n == 2 && c.init[2].value[0] == 0xFFFF && c.init[2].value[1] == 0x7FFF &&
              !c.init[2].verify,
          "two values, -1 as 0xFFFF");
    CHECK(c.nalarm == 2 && c.alarm[0].code == 0x20 && c.alarm[0].status == RIG_SB_WATCHDOG &&
              !strcmp(c.alarm[0].name, "AL020 communication timeout") &&
              c.alarm[1].code == 13 && c.alarm[1].status == RIG_SB_ESTOP,
          "alarms");
    CHECK(c.dev[1].neeprom == 2 && c.dev[1].eeprom_lo[0] == 0x100 &&
              c.dev[1].eeprom_hi[0] == 0x1FF && c.dev[1].eeprom_lo[1] == 0x300 &&
              c.dev[1].eeprom_hi[1] == 0x300,
          "eeprom");
    CHECK(c.enable_timeout_s == 0.5, "enable_timeout");

    static const struct {
        int at;
        const char *repl, *extra;
        long line, col;
        const char *want;
    } cc[] = {
        {0, NULL, "[init]\nwrite = motor 1 2\n", 37, 9, "unknown device 'motor'"},
        {0, NULL, "[init]\nwrite = drive 70000 2\n", 37, 15, "not a register address"},
        {0, NULL, "[init]\nwrite = drive 1 2 verify 3\n", 37, 19, "'verify' must come last"},
        {0, NULL, "[init]\nwrite = drive 1 70000\n", 37, 17, "not a 16-bit value"},
        {0, NULL, "[init]\nwrite = drive 1\n", 37, 9, "at least one value"},
        {0, NULL, "[init]\nwait = 1 h\n", 37, 8, "wait: must be in 0..10 s"},
        {0, NULL, "[init]\nread = drive 1\n", 37, 1, "unknown key 'read' in [init]"},
        /* velocity_cmd at hr 2-3 lies in EEPROM: refused at its point */
        {10, "slave = 1\neeprom = 0..3", NULL, 25, 0, "keeps in EEPROM"},
        {10, "slave = 1\neeprom = 9..3", NULL, 11, 10, "expected an address range"},
        {0, NULL, "[point fault_code]\ndevice = drive\ntable = ir\naddress = 1\ntype = u16\n"
                  "alarm = 0x20 sneeze \"x\"\n", 41, 14, "expected a condition"},
        {0, NULL, "[point fault_code]\ndevice = drive\ntable = ir\naddress = 1\ntype = u16\n"
                  "alarm = 0x20 fault AL020\n", 41, 20, "in double quotes"},
        {0, NULL, "[point fault_code]\ndevice = drive\ntable = ir\naddress = 1\ntype = u16\n"
                  "alarm = 1 fault \"a\"\nalarm = 1 estop \"b\"\n", 42, 9, "given twice"},
        {0, NULL, "[safety]\nenable_timeout = 1 s\n", 37, 0, "no 'enabled' bit"},
    };
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        rc = parse_with(cc[i].extra, cc[i].at, cc[i].repl, &c, &d);
        CHECK(rc == RIGOR_EPARSE && d.line == cc[i].line && (!cc[i].col || d.col == cc[i].col) &&
                  strstr(d.msg, cc[i].want),
              "case %zu: rc %d at %ld:%ld '%s'", i, rc, d.line, d.col, d.msg);
    }
}

/* The shipped rigs for documented devices (issue 21): they load, and say
 * what the manuals say (low word first, 10 registers per read, 10 ms
 * silence on the RS-485 line, a watchdog in whole seconds, FC16 for the
 * transmitter's commands, the init list and the alarm table). */
static void test_device_rigs(void)
{
    const char *files[] = {"rigs/delta-b2-laumas-rtu.ini", "rigs/delta-b2-laumas-tcp.ini",
                           "rigs/delta-b2-ft112-rtu.ini", "rigs/delta-b2-ft112-tcp.ini"};
    for (int i = 0; i < 4; i++) {
        rig_config c;
        rigor_diag d = {0};
        char msg[1200];
        int rc = rigfile_load(files[i], &c, &d);
        CHECK(rc == RIGOR_OK, "%s", rigor_diag_format(&d, msg, sizeof msg));
        if (rc)
            continue;
        bool rtu = i % 2 == 0, ft = i >= 2;
        CHECK(c.transport == (rtu ? RIG_RTU : RIG_TCP), "%s transport", files[i]);
        CHECK(c.dev[0].max_regs == 10 && c.dev[0].gap_s == (rtu ? 0.01 : 0), "%s drive", files[i]);
        CHECK(!c.dev[1].fc06 && c.point[ROLE_TARE].fc == 16, "%s FC16 commands", files[i]);
        CHECK(c.point[ROLE_VELOCITY_CMD].order == WO_CDAB && c.point[ROLE_FORCE].order == WO_ABCD,
              "%s word orders", files[i]);
        CHECK(!strcmp(c.watchdog_text, "2 s (2 counts of 1 s)") && c.nwarn == 0, "%s: '%s' %d",
              files[i], c.watchdog_text, c.nwarn);
        CHECK(c.ninit == 6 && c.init[0].address == 0x023C && c.init[0].verify, "%s init",
              files[i]);
        CHECK(c.nalarm == 6 && c.alarm[0].code == 0x20 && c.alarm[0].status == RIG_SB_WATCHDOG, "%s alarms", files[i]);
        CHECK(c.point[ROLE_FORCE_DP].present && c.enable_timeout_s == 1, "%s dp", files[i]);
        CHECK(c.point[ROLE_TICK].present == ft && (ft ? c.tick_timeout_s == 0.5 : c.tick_timeout_s == 0),
              "%s heartbeat", files[i]);
        /* the TLU has no heartbeat: the frozen-value rule watches it at
         * frozen_timeout, not 5 x that (issue 21) */
        CHECK(c.dev[1].no_heartbeat == !ft && !c.dev[0].no_heartbeat, "%s no_heartbeat",
              files[i]);
        /* 0.1 rpm, 5 mm lead, 10:1: one count is 0.05 mm/min */
        CHECK(fabs(rig_speed_min_m_s(&c) * 6e4 - 0.05) < 1e-9, "%s speed min", files[i]);
        regmap_plan plan;
        CHECK(regmap_make_plan(&c, &plan) == RIGOR_OK, "plan");
        for (int b = 0; b < plan.nblocks; b++)
            CHECK(plan.block[b].count <= c.dev[plan.block[b].device].max_regs, "%s block %d",
                  files[i], b);
        CHECK(plan.nblocks == 4, "%s: %d reads a cycle", files[i], plan.nblocks);
    }
}

/* Transport per device (issue 21): a device's own transport keys over
 * [rig]'s; one serial line shares one setting; several lines in one rig
 * (rig/link.c opens one libmodbus context per line). */
static void test_device_lines(void)
{
    rig_config c;
    rigor_diag d;
    /* the same line written out again: one line */
    int rc = parse_with("[device cell]\nslave = 2\ntransport = tcp\nhost = 127.0.0.1\nport = 1502\n",
                        0, NULL, &c, &d);
    CHECK(rc == RIGOR_OK && c.nbus == 1 && c.dev[1].bus == 0 && c.dev[1].own_bus &&
              c.dev[1].link.port == 1502 && c.dev[0].link.port == 1502,
          "same line: rc %d nbus %d: %s", rc, c.nbus, d.msg);
    /* a second TCP endpoint: two lines (one libmodbus context each) */
    rc = parse_with("[device cell]\nslave = 2\nport = 1503\n", 0, NULL, &c, &d);
    CHECK(rc == RIGOR_OK && c.nbus == 2 && c.dev[0].bus == 0 && c.dev[1].bus == 1 &&
              c.dev[1].link.port == 1503 && c.dev[0].link.port == 1502,
          "two lines: rc %d nbus %d %ld %s", rc, c.nbus, d.line, d.msg);
    /* an RTU device beside the TCP one */
    rc = parse_with("[device cell]\nslave = 2\ntransport = rtu\ndevice = /dev/ttyUSB1\n", 0,
                    NULL, &c, &d);
    CHECK(rc == RIGOR_OK && c.nbus == 2 && c.dev[1].link.transport == RIG_RTU &&
              !strcmp(c.dev[1].link.device, "/dev/ttyUSB1") && c.dev[0].link.transport == RIG_TCP,
          "rtu beside tcp: rc %d %s", rc, d.msg);
    /* RTU beside TCP, without a serial port */
    rc = parse_with("[device cell]\nslave = 2\ntransport = rtu\n", 0, NULL, &c, &d);
    CHECK(rc == RIGOR_EPARSE && d.line == 36 && strstr(d.msg, "no 'device' (serial port)"),
          "rtu without a port: %s", d.msg);
    /* one serial line at two speeds */
    rc = parse_with("[device cell]\nslave = 2\nbaud = 9600\n", 2,
                    "transport = rtu\ndevice = /dev/ttyUSB0", &c, &d);
    CHECK(rc == RIGOR_EPARSE && d.line == 37 && strstr(d.msg, "shares its settings"),
          "one line, two speeds: %ld %s", d.line, d.msg);
    rc = parse_with("[device cell]\nslave = 2\nparity = X\n", 0, NULL, &c, &d);
    CHECK(rc == RIGOR_EPARSE && d.line == 38 && d.col == 10, "parity X: %ld:%ld", d.line, d.col);
}

/* The driver-side [safety] keys and [device] no_heartbeat (issue 21): read,
 * range-checked, and refused at their own line and column. 0 in the
 * rig_config is the driver's default (rig/supervisor.c). */
static void test_driver_keys(void)
{
    rig_config c;
    rigor_diag d;
    int rc = parse_with(NULL, 0, NULL, &c, &d);
    CHECK(rc == RIGOR_OK && c.invalid_limit == 0 && c.frozen_timeout_s == 0 &&
              c.motion_timeout_s == 0 && c.position_noise_m == 0 && !c.dev[0].no_heartbeat,
          "defaults: rc %d %s", rc, d.msg);
    rc = parse_with("[safety]\ninvalid_limit = 7\nfrozen_timeout = 2.5 s\n"
                    "motion_timeout = 800 ms\nposition_noise = 20 um\n"
                    "[device cell]\nslave = 2\nno_heartbeat = yes\n",
                    0, NULL, &c, &d);
    CHECK(rc == RIGOR_OK, "rc %d %ld:%ld %s", rc, d.line, d.col, d.msg);
    CHECK(c.invalid_limit == 7, "invalid_limit %d", c.invalid_limit);
    CHECK_NEAR(c.frozen_timeout_s, 2.5, 0, 1e-12, "frozen_timeout");
    CHECK_NEAR(c.motion_timeout_s, 0.8, 0, 1e-12, "motion_timeout");
    CHECK_NEAR(c.position_noise_m, 20e-6, 0, 1e-15, "position_noise");
    CHECK(c.dev[1].no_heartbeat && !c.dev[0].no_heartbeat, "no_heartbeat on the cell only");
    static const struct {
        const char *extra;
        long line, col;
        const char *want;
    } cc[] = {
        {"[safety]\ninvalid_limit = 0\n", 37, 17, "invalid_limit: expected a count in 1..1000"},
        {"[safety]\ninvalid_limit = many\n", 37, 17, "got 'many'"},
        {"[safety]\nfrozen_timeout = 1 ms\n", 37, 18, "frozen_timeout: must be in 10 ms..60 s"},
        {"[safety]\nfrozen_timeout = 2 min\n", 37, 18, "10 ms..60 s"},
        {"[safety]\nfrozen_timeout = 1 mm\n", 37, 20, "expected a time"},
        {"[safety]\nmotion_timeout = 0 s\n", 37, 18, "motion_timeout: must be in 10 ms..60 s"},
        {"[safety]\nposition_noise = 0 um\n", 37, 18, "position_noise: must be in (0, 10] mm"},
        {"[safety]\nposition_noise = 5 s\n", 37, 20, "expected a length"},
        {"[safety]\nposition_noise = 2 cm\n", 37, 18, "(0, 10] mm"},
        {"[device cell]\nslave = 2\nno_heartbeat = maybe\n", 38, 16,
         "no_heartbeat: expected yes or no"},
    };
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++) {
        rc = parse_with(cc[i].extra, 0, NULL, &c, &d);
        CHECK(rc == RIGOR_EPARSE && d.line == cc[i].line && d.col == cc[i].col &&
                  strstr(d.msg, cc[i].want),
              "case %zu: rc %d at %ld:%ld '%s'", i, rc, d.line, d.col, d.msg);
    }
}

/* [calibration] (issue 25): the ISO 7500-1 and ISO 9513 classes and the
 * geometry instrument's resolution; 0 when not stated; anything else than a
 * class of the standard, or a resolution that is no length in (0, 10 mm],
 * refused at its line and column. */
static void test_calibration_keys(void)
{
    char buf[4096];
    rig_config c;
    rigor_diag d = {0};
    build(buf, sizeof buf, 0, NULL, "");
    CHECK(rigfile_parse(buf, "cal.ini", &c, &d) == RIGOR_OK && c.force_class_pct == 0 &&
              c.extensometer_class_pct == 0 && c.geometry_resolution_m == 0,
          "not stated: 0");
    build(buf, sizeof buf, 0, NULL,
          "[calibration]\nforce_class = 1\nextensometer_class = 0.5 ; ISO 9513\n"
          "geometry_resolution = 1 um\n");
    CHECK(rigfile_parse(buf, "cal.ini", &c, &d) == RIGOR_OK, "good: %s", d.msg);
    CHECK(c.force_class_pct == 1 && c.extensometer_class_pct == 0.5, "classes %g %g",
          c.force_class_pct, c.extensometer_class_pct);
    CHECK_NEAR(c.geometry_resolution_m, 1e-6, 1e-15, 0, "1 um");
    static const double fc[] = {0.5, 1, 2, 3}, ec[] = {0.2, 0.5, 1, 2};
    for (int i = 0; i < 4; i++) {
        char extra[96];
        snprintf(extra, sizeof extra, "[calibration]\nforce_class = %g\nextensometer_class = %g\n",
                 fc[i], ec[i]);
        build(buf, sizeof buf, 0, NULL, extra);
        CHECK(rigfile_parse(buf, "cal.ini", &c, &d) == RIGOR_OK && c.force_class_pct == fc[i] &&
                  c.extensometer_class_pct == ec[i],
              "class %g / %g: %s", fc[i], ec[i], d.msg);
    }
    static const struct {
        const char *line;
        long col;
        const char *want;
    } refused[] = {
        {"force_class = 1.5", 15, "force_class: expected an ISO 7500-1 class 0.5, 1, 2 or 3, got '1.5'"},
        {"force_class = 0.2", 15, "ISO 7500-1 class"},
        {"force_class = class 1", 15, "ISO 7500-1 class"},
        {"extensometer_class = 3", 22, "extensometer_class: expected an ISO 9513 class"},
        {"extensometer_class = nan", 22, "ISO 9513 class"},
        {"geometry_resolution = 0 mm", 23, "geometry_resolution: expected a length in (0, 10 mm]"},
        {"geometry_resolution = 2 cm", 23, "(0, 10 mm]"},
        {"geometry_resolution = -1 um", 23, "(0, 10 mm]"},
        {"geometry_resolution = 1", 23, "needs a unit"},
        {"geometry_resolution = 1 N", 25, "expected a length"},
        {"force = 1", 1, "unknown key 'force' in [calibration]"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char extra[96];
        snprintf(extra, sizeof extra, "[calibration]\n%s\n", refused[i].line);
        build(buf, sizeof buf, 0, NULL, extra);
        int rc = rigfile_parse(buf, "cal.ini", &c, &d);
        CHECK(rc != RIGOR_OK && d.line == 37 && d.col == refused[i].col &&
                  strstr(d.msg, refused[i].want) && !strcmp(d.file, "cal.ini"),
              "'%s': rc %d %ld:%ld %s", refused[i].line, rc, d.line, d.col, d.msg);
    }
    build(buf, sizeof buf, 0, NULL, "[calibration x]\n");
    CHECK(rigfile_parse(buf, "cal.ini", &c, &d) == RIGOR_EPARSE && d.line == 36 &&
              strstr(d.msg, "[calibration] takes no name"),
          "named section: %ld %s", d.line, d.msg);
}

int main(void)
{
    TEST_RUN(test_driver_keys);
    TEST_RUN(test_sha256);
    TEST_RUN(test_base_good);
    TEST_RUN(test_realtime_key);
    TEST_RUN(test_spin_key);
    TEST_RUN(test_keep_awake_key);
    TEST_RUN(test_shipped_files);
    TEST_RUN(test_bad_files);
    TEST_RUN(test_limit_beyond_capacity);
    TEST_RUN(test_missing_file);
    TEST_RUN(test_garbage_never_crashes);
    TEST_RUN(test_values_that_cannot_be_right);
    TEST_RUN(test_watchdog_and_speed_min);
    TEST_RUN(test_bits_and_motor_units);
    TEST_RUN(test_init_alarms_eeprom);
    TEST_RUN(test_device_rigs);
    TEST_RUN(test_device_lines);
    TEST_RUN(test_calibration_keys);
    TEST_END("test_rigfile");
}
