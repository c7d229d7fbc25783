/* fuzz_link.c — libFuzzer target: the driver's handling of Modbus TCP replies.
 *
 * A loopback server thread (ephemeral port) accepts one connection per
 * input, reads the driver's request and answers with the input bytes, then
 * closes. The input is [flags][n][reply...]: flags bit 0 copies the
 * request's transaction id into the reply (so libmodbus gets past the MBAP
 * check and into the PDU: function code, byte count, registers), bit 1
 * reads input registers instead of holding ones, bit 2 sends a write
 * (FC16) instead of a read; n is the register count asked for (1..125).
 * The registers land in a buffer with a guard zone after the n words that
 * must stay untouched: libmodbus is not instrumented, so a reply longer
 * than asked must be caught here. The driver must map every reply to OK or
 * an error kind, never write past the buffer, never hang (the response
 * timeout is 20 ms). */
#include "../rig/link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lfd = -1, port;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t reply[512]; /* the current input's reply, copied under mu */
static size_t reply_len;
static int fix_tid;

static void *server(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        uint8_t req[300];
        ssize_t got = recv(fd, req, sizeof req, 0);
        if (got <= 0) {
            close(fd);
            continue;
        }
        pthread_mutex_lock(&mu);
        uint8_t out[512];
        size_t n = reply_len < sizeof out ? reply_len : sizeof out;
        memcpy(out, reply, n);
        if (fix_tid && got >= 2 && n >= 2) {
            out[0] = req[0];
            out[1] = req[1];
        }
        pthread_mutex_unlock(&mu);
        if (n)
            (void)!send(fd, out, n, MSG_NOSIGNAL);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

static int start(void)
{
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 16))
        return -1;
    socklen_t al = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, server, NULL);
    pthread_detach(t);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (lfd < 0 && start())
        return 0;
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    uint16_t n = (uint16_t)(data[1] % 125 + 1);
    static rig_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.transport = RIG_TCP;
    snprintf(cfg.host, sizeof cfg.host, "127.0.0.1");
    cfg.port = port;
    cfg.ndev = 1;
    snprintf(cfg.dev[0].name, sizeof cfg.dev[0].name, "d");
    cfg.dev[0].slave = 1;
    cfg.dev[0].response_timeout_s = 0.02;
    cfg.dev[0].max_regs = 125;

    pthread_mutex_lock(&mu);
    reply_len = size - 2 < sizeof reply ? size - 2 : sizeof reply;
    memcpy(reply, data + 2, reply_len);
    fix_tid = flags & 1;
    pthread_mutex_unlock(&mu);

    rig_link *l = NULL;
    if (link_new(&cfg, &l) != RIGOR_OK)
        return 0;
    if (link_connect(l) == RIGOR_OK) {
        uint16_t buf[125 + 64];
        for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++)
            buf[i] = 0xA5A5;
        link_kind k;
        if (flags & 4)
            link_write(l, &cfg.dev[0], 0, n, buf, 16, &k);
        else
            link_read(l, &cfg.dev[0], (flags & 2) ? TBL_IR : TBL_HR, 0, n, buf, &k);
        for (size_t i = n; i < sizeof buf / sizeof buf[0]; i++)
            if (buf[i] != 0xA5A5)
                __builtin_trap(); /* the reply was written past the n words asked for */
        (void)link_last_error(l);
    }
    link_free(l);
    return 0;
}
