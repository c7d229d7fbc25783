/* sim_server.c — the simulator's Modbus transports: a TCP gateway and an RTU bus on a pty.
 *
 * TCP: libmodbus listens (modbus_tcp_listen) and each accepted client gets
 * its own thread and its own modbus_t (libmodbus contexts are not
 * thread-safe), which parses request frames with modbus_receive(). We
 * build the replies ourselves (echoing the MBAP transaction id) so the
 * fault injector can drop, delay or corrupt them, and send them with
 * MSG_NOSIGNAL so a client that vanished cannot kill the process with
 * SIGPIPE. A client that disconnects, or sends half a frame and goes
 * silent for longer than libmodbus's byte timeout, only ends its own thread.
 *
 * RTU: one pseudo-terminal (openpty) is one RS-485 bus carrying the three
 * slaves. We frame requests ourselves rather than with modbus_receive():
 * an RTU libmodbus context filters on a single slave id, and the bus here
 * carries three. Frame length comes from the function code (as libmodbus
 * does); unknown codes end at a 5 ms silence; bad CRC and unknown slave
 * ids get silence, as on a real bus.
 *
 * RTU pacing (a pty has no baud rate): with t_c = 11 bits / baud (8E1)
 * and t3.5 = 3.5 t_c, or 1.75 ms above 19200 baud (Modbus over serial line
 * V1.02 §2.5.1.1), a request of n bytes that arrives when the line is free
 * is executed n t_c later, the reply of m bytes is written when its last
 * byte would arrive, t3.5 + m t_c after that, and the line is busy until
 * t3.5 after the reply. One transaction therefore takes at least
 * (n + m) t_c + 2 t3.5, so a client measures the rate a real line allows.
 */
#include "sim_internal.h"

#include <modbus.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void sleep_until(double t)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* ---------------------------------------------------------------- TCP */

typedef struct {
    sim *s;
    int fd;
    int slot;
} conn_arg;

static bool send_all(int fd, const uint8_t *b, size_t n)
{
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read exactly n more bytes (waiting at most 100 ms for each). */
static bool recv_more(int fd, uint8_t *b, size_t n)
{
    while (n) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            return false;
        ssize_t r = recv(fd, b, n, 0);
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

static void *conn_main(void *argp)
{
    conn_arg a = *(conn_arg *)argp;
    free(argp);
    sim *s = a.s;
    sim_rt_take(s, "tcp-connection");
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", 0);
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH + 8];
    uint8_t resp[MODBUS_TCP_MAX_ADU_LENGTH + 8];
    int gen = atomic_load(&s->disconnect_gen);
    if (ctx)
        modbus_set_socket(ctx, a.fd);
    double last_req = sim_mono_now();
    while (ctx && !atomic_load(&s->stopping)) {
        if (atomic_load(&s->disconnect_gen) != gen)
            break; /* injected fault: drop the connection */
        struct pollfd p = {a.fd, POLLIN, 0};
        int pr = poll(&p, 1, 100);
        if (pr == 0 && sim_mono_now() - last_req > s->idle_timeout_s) {
            /* NOTE: an idle client holds one of SIM_MAX_CONN slots; sixteen of
             * them would lock the controller out */
            pthread_mutex_lock(&s->lock);
            sim_event(s, "idle client disconnected after %.3g s", s->idle_timeout_s);
            pthread_mutex_unlock(&s->lock);
            break;
        }
        if (pr == 0 || (pr < 0 && errno == EINTR))
            continue;
        if (pr < 0)
            break;
        int n = modbus_receive(ctx, req);
        if (n < 8)
            break; /* peer gone, or half a frame and then silence */
        int mbap_len = req[4] << 8 | req[5];
        int total = 6 + mbap_len;
        if (req[2] || req[3] || mbap_len < 2 || total > (int)sizeof req)
            break; /* not Modbus: give up on this client */
        if (n < total && !recv_more(a.fd, req + n, (size_t)(total - n)))
            break; /* body of a function libmodbus does not know */
        int unit = req[6];
        last_req = sim_mono_now();
        fault_kind fault;
        int m = sim_pdu(s, unit, req + 7, total - 7, resp + 7, &fault);
        if (m < 0) { /* unknown unit: the gateway's target did not answer */
            resp[7] = (uint8_t)(req[7] | 0x80);
            resp[8] = 0x0B;
            m = 2;
        }
        memcpy(resp, req, 4);
        resp[4] = (uint8_t)((m + 1) >> 8);
        resp[5] = (uint8_t)(m + 1);
        resp[6] = (uint8_t)unit;
        if (fault == FAULT_DROP)
            continue;
        if (fault == FAULT_DELAY)
            sleep_until(sim_mono_now() + s->faults.delay_s);
        if (fault == FAULT_CORRUPT)
            resp[0] ^= 0x5A; /* wrong transaction id: detectable, as a bad CRC would be */
        if (!send_all(a.fd, resp, (size_t)(7 + m)))
            break;
    }
    pthread_mutex_lock(&s->conn_lock);
    s->conn_fd[a.slot] = -1;
    if (ctx) {
        modbus_close(ctx); /* closes a.fd */
        modbus_free(ctx);
    } else {
        close(a.fd);
    }
    atomic_fetch_sub(&s->conn_count, 1);
    pthread_cond_broadcast(&s->conn_cv);
    pthread_mutex_unlock(&s->conn_lock);
    return NULL;
}

static void *accept_main(void *arg)
{
    sim *s = arg;
    while (!atomic_load(&s->stopping)) {
        struct pollfd p = {s->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
                sleep_until(sim_mono_now() + 0.05); /* e.g. out of fds: do not spin */
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_mutex_lock(&s->conn_lock);
        int slot = -1;
        for (int i = 0; i < SIM_MAX_CONN && slot < 0; i++)
            if (s->conn_fd[i] < 0)
                slot = i;
        conn_arg *a = slot >= 0 ? malloc(sizeof *a) : NULL;
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (a) {
            *a = (conn_arg){s, fd, slot};
            s->conn_fd[slot] = fd;
            atomic_fetch_add(&s->conn_count, 1);
            if (pthread_create(&th, &attr, conn_main, a)) {
                s->conn_fd[slot] = -1;
                atomic_fetch_sub(&s->conn_count, 1);
                free(a);
                a = NULL;
            }
        }
        pthread_attr_destroy(&attr);
        pthread_mutex_unlock(&s->conn_lock);
        if (!a)
            close(fd); /* too many clients */
    }
    return NULL;
}

int sim_start_tcp(sim *s, const char *host, int port, int *bound_port)
{
    if (s->tcp_started || s->stopped)
        return RIGOR_ESTATE;
    if (port < 0 || port > 65535)
        return RIGOR_EINVAL;
    modbus_t *ctx = modbus_new_tcp(host ? host : "127.0.0.1", port);
    if (!ctx)
        return RIGOR_EINVAL;
    int fd = modbus_tcp_listen(ctx, 8);
    if (fd < 0) {
        int e = errno;
        modbus_free(ctx);
        errno = e;
        return RIGOR_EIO;
    }
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && bound_port)
        *bound_port = ntohs(sa.sin_port); // NOLINT(clang-analyzer-core.CallAndMessage): set by getsockname
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    s->listen_fd = fd;
    s->tcp_ctx = ctx;
    int rc = sim_physics_start(s);
    if (!rc && pthread_create(&s->accept_thread, NULL, accept_main, s))
        rc = RIGOR_ENOMEM;
    if (rc) {
        close(fd);
        modbus_free(ctx);
        s->listen_fd = -1;
        s->tcp_ctx = NULL;
        return rc;
    }
    s->tcp_started = true;
    return RIGOR_OK;
}

/* ---------------------------------------------------------------- RTU */

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

/* Length of the request frame starting at b (have bytes so far): > 0 the
 * length, 0 not known yet, -1 unknown function (ends at silence). */
static int rtu_request_len(const uint8_t *b, int have)
{
    if (have < 2)
        return 0;
    switch (b[1]) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6: return 8;
    case 7:
    case 11:
    case 12:
    case 17: return 4;
    case 15:
    case 16: return have < 7 ? 0 : 9 + b[6];
    case 23: return have < 11 ? 0 : 13 + b[10];
    default: return -1;
    }
}

static void write_all_fd(int fd, const uint8_t *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd p = {fd, POLLOUT, 0};
            poll(&p, 1, 10);
            continue;
        }
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

typedef struct {
    double tc, t35;    /* character time and inter-frame silence, s */
    double line_free;  /* monotonic time the simulated line is idle from */
    double dead_until; /* injected disconnect: no answers before this */
    int gen;
} rtu_line;

static void rtu_frame(sim *s, rtu_line *L, const uint8_t *f, int n, double t_rx)
{
    if (n < 4 || crc16(f, (size_t)(n - 2)) != (uint16_t)(f[n - 2] | f[n - 1] << 8))
        return; /* bad CRC: a real slave stays silent */
    int unit = f[0];
    if (unit < 1 || unit > 3)
        return; /* another slave's (or a broadcast) frame */
    double start = t_rx > L->line_free ? t_rx : L->line_free;
    double t_exec = start + n * L->tc;
    if (L->tc > 0)
        sleep_until(t_exec);
    uint8_t resp[MODBUS_RTU_MAX_ADU_LENGTH + 8];
    fault_kind fault;
    int m = sim_pdu(s, unit, f + 1, n - 3, resp + 1, &fault);
    if (m < 0)
        return;
    resp[0] = (uint8_t)unit;
    uint16_t crc = crc16(resp, (size_t)(m + 1));
    resp[m + 1] = (uint8_t)crc;
    resp[m + 2] = (uint8_t)(crc >> 8);
    int total = m + 3;
    if (fault == FAULT_DROP) {
        L->line_free = t_exec + L->t35;
        return;
    }
    if (fault == FAULT_CORRUPT)
        resp[total - 1] ^= 0xA5;
    double reply_at = t_exec + L->t35 + total * L->tc;
    if (fault == FAULT_DELAY)
        reply_at += s->faults.delay_s;
    if (L->tc > 0 || fault == FAULT_DELAY)
        sleep_until(reply_at);
    write_all_fd(s->pty_master, resp, (size_t)total);
    L->line_free = reply_at + L->t35;
}

static void *rtu_main(void *arg)
{
    sim *s = arg;
    sim_rt_take(s, "rtu");
    rtu_line L = {0};
    if (s->baud > 0) {
        L.tc = 11.0 / (double)s->baud;
        L.t35 = s->baud > 19200 ? 1.75e-3 : 3.5 * L.tc;
    }
    L.gen = atomic_load(&s->disconnect_gen);
    uint8_t buf[1024];
    int have = 0;
    double last = 0;
    while (!atomic_load(&s->stopping)) {
        struct pollfd p = {s->pty_master, POLLIN, 0};
        int pr = poll(&p, 1, have ? 5 : 100);
        double now = sim_mono_now();
        if (pr > 0 && (p.revents & POLLIN)) {
            ssize_t r = read(s->pty_master, buf + have, sizeof buf - (size_t)have);
            if (r > 0) {
                have += (int)r;
                last = now;
            }
        } else if (pr > 0) {
            sleep_until(now + 0.01); /* hang-up without data: wait for a client */
        }
        int g = atomic_load(&s->disconnect_gen);
        if (g != L.gen) {
            L.gen = g;
            L.dead_until = now + 1.0;
        }
        while (have > 0) {
            int need = rtu_request_len(buf, have);
            int take = 0;
            if (need > 0 && have >= need)
                take = need;
            else if (need < 0 && now - last > 5e-3)
                take = have;
            else if (need > (int)sizeof buf || now - last > 0.05)
                take = have; /* stale or impossible partial frame: discard */
            if (!take)
                break;
            if (now >= L.dead_until && (need < 0 || take == need))
                rtu_frame(s, &L, buf, take, last);
            memmove(buf, buf + take, (size_t)(have - take));
            have -= take;
        }
    }
    return NULL;
}

static speed_t speed_const(long baud)
{
    static const struct {
        long b;
        speed_t c;
    } t[] = {{1200, B1200},     {2400, B2400},     {4800, B4800},    {9600, B9600},
             {19200, B19200},   {38400, B38400},   {57600, B57600},  {115200, B115200},
             {230400, B230400}, {460800, B460800}, {921600, B921600}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].b == baud)
            return t[i].c;
    return B115200;
}

int sim_start_rtu(sim *s, char *pty_path, size_t len)
{
    if (s->rtu_started || s->stopped)
        return RIGOR_ESTATE;
    int m, sl;
    if (openpty(&m, &sl, NULL, NULL, NULL) < 0)
        return RIGOR_EIO;
    struct termios tio;
    tcgetattr(sl, &tio);
    cfmakeraw(&tio);
    tio.c_cflag &= (tcflag_t) ~(CSIZE | PARODD | CSTOPB);
    tio.c_cflag |= CS8 | PARENB | CREAD | CLOCAL;
    cfsetispeed(&tio, speed_const(s->baud));
    cfsetospeed(&tio, speed_const(s->baud));
    tcsetattr(sl, TCSANOW, &tio);
    fcntl(m, F_SETFD, FD_CLOEXEC);
    fcntl(sl, F_SETFD, FD_CLOEXEC);
    if (ptsname_r(m, pty_path, len)) {
        close(m);
        close(sl);
        return RIGOR_EIO;
    }
    s->pty_master = m;
    s->pty_slave = sl; /* kept open so the bus survives clients closing it */
    int rc = sim_physics_start(s);
    if (!rc && pthread_create(&s->rtu_thread, NULL, rtu_main, s))
        rc = RIGOR_ENOMEM;
    if (rc) {
        close(m);
        close(sl);
        s->pty_master = s->pty_slave = -1;
        return rc;
    }
    s->rtu_started = true;
    return RIGOR_OK;
}

/* ---------------------------------------------------------------- stop */

void sim_server_stop(sim *s)
{
    if (s->tcp_started) {
        pthread_join(s->accept_thread, NULL);
        pthread_mutex_lock(&s->conn_lock);
        for (int i = 0; i < SIM_MAX_CONN; i++)
            if (s->conn_fd[i] >= 0)
                shutdown(s->conn_fd[i], SHUT_RDWR);
        while (atomic_load(&s->conn_count) > 0)
            pthread_cond_wait(&s->conn_cv, &s->conn_lock);
        pthread_mutex_unlock(&s->conn_lock);
        close(s->listen_fd);
        modbus_free(s->tcp_ctx);
        s->listen_fd = -1;
        s->tcp_ctx = NULL;
        s->tcp_started = false;
    }
    if (s->rtu_started) {
        pthread_join(s->rtu_thread, NULL);
        close(s->pty_master);
        close(s->pty_slave);
        s->pty_master = s->pty_slave = -1;
        s->rtu_started = false;
    }
}
