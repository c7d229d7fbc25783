/* test_acq_rtu.c — the driver over Modbus RTU (115200 baud) against the
 * pymodbus emulator on a serial line made of two pseudo-terminals joined by
 * a relay thread (a socat-free null-modem; 8N1, see NOTE below): acquisition, a velocity
 * command, a stop, and a tare written with FC16 to the device that refuses FC06. */
#include "../rig/rig.h"
#include "harness.h"
#include "peers/emu.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <termios.h>
#include <time.h>

typedef struct {
    int m[2]; /* masters */
    int s[2]; /* slaves, kept open so the masters never hang up */
    char name[2][64];
    int quit[2]; /* pipe to stop the relay */
    pthread_t th;
} nullmodem;

static void *relay(void *arg)
{
    nullmodem *nm = arg;
    char buf[512];
    for (;;) {
        struct pollfd p[3] = {
            {nm->m[0], POLLIN, 0}, {nm->m[1], POLLIN, 0}, {nm->quit[0], POLLIN, 0}};
        if (poll(p, 3, 1000) < 0 && errno != EINTR)
            break;
        if (p[2].revents)
            break;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & POLLIN))
                continue;
            ssize_t n = read(nm->m[i], buf, sizeof buf);
            if (n > 0)
                (void)!write(nm->m[1 - i], buf, (size_t)n);
        }
    }
    return NULL;
}

static bool nullmodem_open(nullmodem *nm)
{
    struct termios raw;
    memset(&raw, 0, sizeof raw);
    cfmakeraw(&raw);
    for (int i = 0; i < 2; i++) {
        if (openpty(&nm->m[i], &nm->s[i], nm->name[i], &raw, NULL) != 0)
            return false;
    }
    if (pipe(nm->quit) != 0)
        return false;
    return pthread_create(&nm->th, NULL, relay, nm) == 0;
}

static void nullmodem_close(nullmodem *nm)
{
    (void)!write(nm->quit[1], "x", 1);
    pthread_join(nm->th, NULL);
    for (int i = 0; i < 2; i++) {
        close(nm->m[i]);
        close(nm->s[i]);
        close(nm->quit[i]);
    }
}

static rig_sample buf[4000];

static size_t collect(rig *r, double dur)
{
    size_t n = 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        rig_wait_samples(r, 0.01);
        n += rig_poll_samples(r, buf + n, 4000 - n);
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 < dur);
    return n;
}

static void test_rtu(void)
{
    if (!emu_available())
        SKIP("python3-pymodbus not available");
    nullmodem nm;
    if (!nullmodem_open(&nm))
        SKIP("no pseudo-terminals here");
    emu e;
    /* NOTE: this kernel's ptys refuse PARENB (tcsetattr EINVAL once the line
     * has been configured), so the null-modem runs 8N1; a pty ignores line
     * settings anyway. The shipped rig file's 8E1 is for real adapters. */
    const char *args[] = {"--rtu", nm.name[0], "--parity", "N", NULL};
    bool up = emu_start(&e, 0, args);
    CHECK(up, "RTU emulator started on %s", nm.name[0]);
    rig *r = NULL;
    if (!up)
        goto out;
    rig_config c;
    rigor_diag d = {0};
    CHECK(rigfile_load("rigs/reference-rtu.ini", &c, &d) == RIGOR_OK, "%s", d.msg);
    snprintf(c.device, sizeof c.device, "%s", nm.name[1]);
    c.parity = 'N';
    CHECK(rig_new(&c, &r) == RIGOR_OK, "new");
    CHECK(rig_connect(r) == RIGOR_OK, "connect RTU %s", nm.name[1]);
    CHECK(rig_start(r, 50) == RIGOR_OK, "start 50 Hz");
    size_t n = collect(r, 1.0);
    rig_stats st;
    rig_stats_get(r, &st);
    printf("  info: RTU %zu samples in 1 s, achieved %.1f Hz, timeouts %llu, crc %llu, "
           "jitter p99 %.0f us\n",
           n, st.achieved_rate_hz, (unsigned long long)st.errors_timeout,
           (unsigned long long)st.errors_crc, st.jitter_p99_us);
    CHECK(n <= 52 && (n >= 45 || st.overruns > 0), "%zu samples at 50 Hz, %llu overruns", n,
          (unsigned long long)st.overruns);
    CHECK(rig_state(r, NULL, 0) == RIG_HEALTH_OK, "healthy");
    CHECK(rig_cmd_tare(r) == RIGOR_OK && rig_cmd_velocity(r, 1e-3) == RIGOR_OK, "tare, move");
    n = collect(r, 0.6);
    if (n > 10) {
        size_t a = n / 2, b = n - 1;
        double v = (buf[b].position_m - buf[a].position_m) / (buf[b].t_s - buf[a].t_s);
        CHECK_NEAR(v, 1e-3, 0, 0.05, "velocity over RTU");
    }
    rig_cmd_stop(r);
    n = collect(r, 0.2);
    CHECK(n > 3 && buf[n - 1].velocity_m_s == 0, "stopped");
    rig_stats_get(r, &st);
    CHECK(st.errors_exception == 0, "tare used FC16 (FC06 would be refused)");
    emu_drain(&e, 20);
    CHECK(strstr(e.out, "EVENT tare") != NULL, "emulator tared");
out:
    rig_free(r);
    emu_kill(&e);
    nullmodem_close(&nm);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    TEST_RUN(test_rtu);
    TEST_END("test_acq_rtu");
}
