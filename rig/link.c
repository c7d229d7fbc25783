/* link.c — see link.h. */
#include "link.h"

#include <modbus.h> /* modbus_t, modbus_new_tcp_pi, modbus_new_rtu, EMB* codes */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line: a TCP endpoint or a serial port, with its own libmodbus
 * context (devices on one line share it; rig_device.bus says which). */
typedef struct {
    rig_bus bus;
    modbus_t *ctx;
    bool open;
    double timeout_s;        /* response timeout currently set */
    int slave;               /* slave currently set */
    struct timespec last_io; /* end of the last transaction */
} link_line;

struct rig_link {
    rig_config cfg;
    int nline;
    link_line line[RIG_MAX_DEVICES];
    char err[512];
};

/* s: the last part of a device's gap waited awake (see prepare) */
#define LINK_GAP_AWAKE_S 400e-6

static double since_s(const struct timespec *a)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - a->tv_sec) + (double)(now.tv_nsec - a->tv_nsec) * 1e-9;
}

int link_translate(int err, link_kind *kind)
{
    link_kind k;
    int rc;
    if (err == ETIMEDOUT) {
        k = LINK_TIMEOUT;
        rc = RIGOR_ETIMEOUT;
    } else if (err == EMBBADCRC) {
        k = LINK_CRC;
        rc = RIGOR_EPROTO;
    } else if (err == EMBXILFUN || err == EMBXILADD || err == EMBXILVAL) {
        k = LINK_REFUSED; /* the device says this request can never succeed */
        rc = RIGOR_EPROTO;
    } else if (err > MODBUS_ENOBASE && err <= EMBXGTAR) {
        k = LINK_EXCEPTION; /* EMBXSFAIL .. EMBXGTAR: busy, failure, gateway: may pass */
        rc = RIGOR_EPROTO;
    } else if (err == EMBBADDATA || err == EMBMDATA || err == EMBBADEXC || err == EMBUNKEXC ||
               err == EMBBADSLAVE) {
        k = LINK_BADDATA;
        rc = RIGOR_EPROTO;
    } else {
        k = LINK_LOST; /* EPIPE, ECONNRESET, ECONNREFUSED, EBADF, EIO, ... */
        rc = RIGOR_ELINK;
    }
    if (kind)
        *kind = k;
    return rc;
}

int link_new(const rig_config *cfg, rig_link **out)
{
    rig_link *l = calloc(1, sizeof *l);
    if (!l)
        return RIGOR_ENOMEM;
    l->cfg = *cfg;
    /* One line per distinct rig_device.bus; a config without per-device
     * lines (nbus <= 1, e.g. built by hand) is the [rig] line. */
    l->nline = cfg->nbus > 1 ? cfg->nbus : 1;
    for (int j = 0; j < l->nline; j++) {
        link_line *ln = &l->line[j];
        ln->slave = -1;
        ln->bus = (rig_bus){cfg->transport, "", 0, "", cfg->baud, cfg->parity,
                            cfg->data_bits, cfg->stop_bits};
        snprintf(ln->bus.host, sizeof ln->bus.host, "%s", cfg->host);
        ln->bus.port = cfg->port;
        snprintf(ln->bus.device, sizeof ln->bus.device, "%s", cfg->device);
        if (cfg->nbus > 1)
            for (int i = cfg->ndev - 1; i >= 0; i--)
                if (cfg->dev[i].bus == j)
                    ln->bus = cfg->dev[i].link;
    }
    *out = l;
    return RIGOR_OK;
}

/* Open when every line is: a lost line closes only itself, and the
 * reconnect (link_connect) reopens them all. */
bool link_is_open(const rig_link *l)
{
    if (!l)
        return false;
    for (int j = 0; j < l->nline; j++)
        if (!l->line[j].open)
            return false;
    return true;
}

static void line_close(link_line *ln)
{
    if (!ln->ctx)
        return;
    modbus_close(ln->ctx);
    modbus_free(ln->ctx);
    ln->ctx = NULL;
    ln->open = false;
}

void link_close(rig_link *l)
{
    if (!l)
        return;
    for (int j = 0; j < l->nline; j++)
        line_close(&l->line[j]);
}

/* Baud rates Debian's libmodbus 3.1.6 maps to termios; any other is silently
 * replaced by 9600, so we refuse it instead. */
static bool baud_ok(int b)
{
    static const int ok[] = {110,     300,     600,     1200,    2400,    4800,
                             9600,    19200,   38400,   57600,   115200,  230400,
                             460800,  500000,  576000,  921600,  1000000, 1152000,
                             1500000, 2000000, 2500000, 3000000, 3500000, 4000000};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] == b)
            return true;
    return false;
}

static int line_connect(rig_link *l, link_line *ln)
{
    line_close(ln);
    const rig_config *c = &l->cfg;
    const rig_bus *b = &ln->bus;
    if (b->transport == RIG_TCP) {
        char port[16];
        snprintf(port, sizeof port, "%d", b->port);
        ln->ctx = modbus_new_tcp_pi(b->host, port);
    } else {
        if (!baud_ok(b->baud)) {
            snprintf(l->err, sizeof l->err, "baud rate %d not supported by libmodbus", b->baud);
            return RIGOR_EUNSUPPORTED;
        }
        ln->ctx = modbus_new_rtu(b->device, b->baud, b->parity, b->data_bits, b->stop_bits);
    }
    if (!ln->ctx) {
        snprintf(l->err, sizeof l->err, "cannot create Modbus context: %s", strerror(errno));
        return errno == ENOMEM ? RIGOR_ENOMEM : RIGOR_EINVAL;
    }
    /* No libmodbus error recovery: we flush and reconnect ourselves. */
    modbus_set_error_recovery(ln->ctx, MODBUS_ERROR_RECOVERY_NONE);
    double to = c->ndev ? c->dev[0].response_timeout_s : 0.5;
    modbus_set_response_timeout(ln->ctx, (uint32_t)to, (uint32_t)((to - floor(to)) * 1e6));
    /* NOTE: no byte timeout. libmodbus 3.1.6 waits response_timeout for the
     * first byte and then, with a byte timeout set (0.5 s by default), that
     * long again for each further chunk: a peer trickling one byte every
     * 0.4 s stretched one request to a minute. Without it, libmodbus keeps
     * waiting on the same timeval, which Linux's select() counts down, so
     * the whole reply must arrive within response_timeout. */
    modbus_set_byte_timeout(ln->ctx, 0, 0);
    ln->timeout_s = to;
    ln->slave = -1;
    if (modbus_connect(ln->ctx) != 0) {
        snprintf(l->err, sizeof l->err, "cannot connect to %.200s: %.200s",
                 b->transport == RIG_TCP ? b->host : b->device, modbus_strerror(errno));
        modbus_free(ln->ctx);
        ln->ctx = NULL;
        return RIGOR_ELINK;
    }
    modbus_flush(ln->ctx);
    ln->open = true;
    clock_gettime(CLOCK_MONOTONIC, &ln->last_io);
    return RIGOR_OK;
}

int link_connect(rig_link *l)
{
    link_close(l);
    for (int j = 0; j < l->nline; j++) {
        int rc = line_connect(l, &l->line[j]);
        if (rc) {
            link_close(l); /* all lines or none: the loop sees one state */
            return rc;
        }
    }
    return RIGOR_OK;
}

/* The line of device d (its rig_device.bus). */
static link_line *line_of(rig_link *l, const rig_device *d)
{
    int j = l->nline > 1 && d->bus >= 0 && d->bus < l->nline ? d->bus : 0;
    return &l->line[j];
}

/* Per-request set-up: slave id, timeout, and the device's minimum gap. */
static void prepare(link_line *l, const rig_device *d)
{
    if (l->slave != d->slave) {
        modbus_set_slave(l->ctx, d->slave);
        l->slave = d->slave;
    }
    if (l->timeout_s != d->response_timeout_s) {
        double to = d->response_timeout_s;
        modbus_set_response_timeout(l->ctx, (uint32_t)to, (uint32_t)((to - floor(to)) * 1e6));
        l->timeout_s = to;
    }
    if (d->gap_s > 0) {
        /* Asleep up to the gap's last LINK_GAP_AWAKE_S, awake for the rest:
         * a sleep ends late by the timer slack (50 us for a normal thread)
         * and, on a VM whose vCPU halted meanwhile, by waking it (p50 about
         * 0.3 ms on the benchmark VM). Three gaps a cycle (a write, two reads),
         * each slept whole, cost 14 % of the wire rate at 921600 baud
         * (docs/performance.md). */
        double wait = d->gap_s - since_s(&l->last_io);
        if (wait > LINK_GAP_AWAKE_S) {
            double w = wait - LINK_GAP_AWAKE_S;
            struct timespec ts = {(time_t)w, (long)((w - floor(w)) * 1e9)};
            nanosleep(&ts, NULL);
        }
        while (since_s(&l->last_io) < d->gap_s)
            ; /* at most LINK_GAP_AWAKE_S (or the gap, if shorter) */
    }
}

static int after(rig_link *lk, link_line *l, int ok, link_kind *kind)
{
    clock_gettime(CLOCK_MONOTONIC, &l->last_io);
    if (ok) {
        if (kind)
            *kind = LINK_OK;
        return RIGOR_OK;
    }
    int e = errno;
    link_kind k;
    int rc = link_translate(e, &k);
    snprintf(lk->err, sizeof lk->err, "%s", modbus_strerror(e));
    if (k == LINK_LOST)
        line_close(l);
    else if (k != LINK_EXCEPTION && k != LINK_REFUSED)
        modbus_flush(l->ctx); /* drop stale bytes so the next answer is not shifted */
    if (kind)
        *kind = k;
    return rc;
}

int link_read(rig_link *lk, const rig_device *d, reg_table t, uint16_t addr, uint16_t n,
              uint16_t *out, link_kind *kind)
{
    link_line *l = line_of(lk, d);
    if (!l->open) {
        if (kind)
            *kind = LINK_LOST;
        return RIGOR_ELINK;
    }
    prepare(l, d);
    int got = t == TBL_HR ? modbus_read_registers(l->ctx, addr, n, out)
                          : modbus_read_input_registers(l->ctx, addr, n, out);
    if (got >= 0 && got != n) {
        errno = EMBBADDATA;
        got = -1;
    }
    return after(lk, l, got >= 0, kind);
}

int link_write(rig_link *lk, const rig_device *d, uint16_t addr, uint16_t n, const uint16_t *v,
               int fc, link_kind *kind)
{
    link_line *l = line_of(lk, d);
    if (!l->open) {
        if (kind)
            *kind = LINK_LOST;
        return RIGOR_ELINK;
    }
    if (fc == 0)
        fc = (n == 1 && d->fc06) ? 6 : 16;
    if (fc == 6 && n != 1)
        return RIGOR_EINVAL;
    prepare(l, d);
    int rc = fc == 6 ? modbus_write_register(l->ctx, addr, v[0])
                     : modbus_write_registers(l->ctx, addr, n, v);
    return after(lk, l, rc >= 0, kind);
}

const char *link_last_error(const rig_link *l)
{
    return l->err;
}

void link_free(rig_link *l)
{
    if (!l)
        return;
    link_close(l);
    free(l);
}
