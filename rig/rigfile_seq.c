/* rigfile_seq.c — the parts of the rig-file language that describe what a
 * real device needs beyond its register points: the [init] list (writes,
 * waits, read-back), the registers a device keeps in EEPROM, the alarm table
 * of a drive's fault_code register, and the servo-on confirmation. Checked
 * here as they come; executed by rig/sequence.c.
 */
#include "rigfile_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An integer 0..65535, or -32768..-1 as its 16-bit two's complement. */
static bool parse_word(const char *s, uint16_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (end == s || *end || errno || v < -32768 || v > 65535)
        return false;
    *out = (uint16_t)(v & 0xFFFF);
    return true;
}

/* Next whitespace-separated word of *s into w (at most n-1 characters);
 * returns its column offset from `base`, or -1 at the end. */
static long next_word(const char **s, const char *base, char *w, size_t n)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    if (!**s)
        return -1;
    const char *a = *s;
    while (**s && **s != ' ' && **s != '\t')
        (*s)++;
    snprintf(w, n, "%.*s", (int)(*s - a), a);
    return (long)(a - base);
}

/* [init]
 *   write = DEVICE ADDRESS VALUE [VALUE...] [verify]
 *   wait  = TIME                                        */
int rf_key_init(parser *p, const char *k, const char *v, long col)
{
    rig_config *c = p->cfg;
    if (c->ninit >= RIG_MAX_INIT)
        FAIL(p, 1, "[init]: at most %d steps", RIG_MAX_INIT);
    rig_init_step *st = &c->init[c->ninit];
    memset(st, 0, sizeof *st);
    st->line = p->line;
    st->device = -1;
    if (!strcmp(k, "wait")) {
        st->kind = INIT_WAIT;
        int rc = rf_parse_quantity(p, k, v, col, DIM_TIME, &st->wait_s);
        if (rc)
            return rc;
        if (!(st->wait_s >= 0 && st->wait_s <= 10))
            FAIL(p, col, "wait: must be in 0..10 s");
        c->ninit++;
        return RIGOR_OK;
    }
    if (strcmp(k, "write"))
        FAIL(p, 1, "unknown key '%s' in [init] (expected write, wait)", k);
    st->kind = INIT_WRITE;
    const char *s = v;
    char w[64];
    long off = next_word(&s, v, w, sizeof w);
    if (off < 0)
        FAIL(p, col, "write: expected DEVICE ADDRESS VALUE...");
    snprintf(p->init_dev[c->ninit], sizeof p->init_dev[0], "%.31s", w);
    p->init_col[c->ninit] = col + off;
    off = next_word(&s, v, w, sizeof w);
    long a;
    char *end;
    if (off < 0)
        FAIL(p, col, "write: expected an address after the device");
    errno = 0;
    a = strtol(w, &end, 0);
    if (end == w || *end || errno || a < 0 || a > 65535)
        FAIL(p, col + off, "write: '%s' is not a register address in 0..65535", w);
    st->address = (uint16_t)a;
    while ((off = next_word(&s, v, w, sizeof w)) >= 0) {
        if (!strcasecmp(w, "verify")) {
            st->verify = true;
            if (next_word(&s, v, w, sizeof w) >= 0)
                FAIL(p, col + off, "write: 'verify' must come last");
            break;
        }
        if (st->n >= 8)
            FAIL(p, col + off, "write: at most 8 registers in one write");
        if (!parse_word(w, &st->value[st->n]))
            FAIL(p, col + off, "write: '%s' is not a 16-bit value", w);
        st->n++;
    }
    if (!st->n)
        FAIL(p, col, "write: expected at least one value after the address");
    if ((long)st->address + st->n > 65536)
        FAIL(p, col, "write: runs past the last register");
    c->ninit++;
    return RIGOR_OK;
}

/* [device] eeprom = LO..HI [LO..HI ...] (or a single address) */
int rf_key_eeprom(parser *p, rig_device *d, const char *v, long col)
{
    const char *s = v;
    char w[64];
    long off;
    d->neeprom = 0;
    while ((off = next_word(&s, v, w, sizeof w)) >= 0) {
        if (d->neeprom >= RIG_MAX_EEPROM)
            FAIL(p, col + off, "eeprom: at most %d ranges", RIG_MAX_EEPROM);
        char *dots = strstr(w, "..");
        char *end;
        long lo, hi;
        errno = 0;
        lo = strtol(w, &end, 0);
        bool ok = end != w && !errno;
        if (dots) {
            ok = ok && end == dots;
            errno = 0;
            char *e2;
            hi = strtol(dots + 2, &e2, 0);
            ok = ok && e2 != dots + 2 && !*e2 && !errno;
        } else {
            ok = ok && !*end;
            hi = lo;
        }
        if (!ok || lo < 0 || hi > 65535 || lo > hi)
            FAIL(p, col + off, "eeprom: expected an address range LO..HI in 0..65535, got '%s'",
                 w);
        d->eeprom_lo[d->neeprom] = (uint16_t)lo;
        d->eeprom_hi[d->neeprom] = (uint16_t)hi;
        d->neeprom++;
    }
    if (!d->neeprom)
        FAIL(p, col, "eeprom: expected at least one address range");
    return RIGOR_OK;
}

/* [point fault_code] alarm = CODE CONDITION "NAME"
 * CONDITION: a status-bit name that means a FAULT (fault, estop, watchdog,
 * overload, adc_error, upper_limit, lower_limit). */
int rf_key_alarm(parser *p, const char *v, long col)
{
    rig_config *c = p->cfg;
    if (c->nalarm >= RIG_MAX_ALARMS)
        FAIL(p, 1, "alarm: at most %d alarm codes", RIG_MAX_ALARMS);
    rig_alarm *al = &c->alarm[c->nalarm];
    const char *s = v;
    char w[64];
    long off = next_word(&s, v, w, sizeof w);
    if (off < 0 || !parse_word(w, &al->code))
        FAIL(p, col, "alarm: expected CODE CONDITION \"NAME\", got '%s'", v);
    for (int i = 0; i < c->nalarm; i++)
        if (c->alarm[i].code == al->code)
            FAIL(p, col, "alarm: code 0x%04X given twice", al->code);
    if (!al->code)
        FAIL(p, col, "alarm: code 0 means no alarm");
    off = next_word(&s, v, w, sizeof w);
    static const int allowed[] = {2, 3, 4, 5, 6, 7, 8}; /* RIG_SB_FAULT .. RIG_SB_ADC_ERROR */
    int idx = -1;
    for (size_t i = 0; off >= 0 && i < sizeof allowed / sizeof allowed[0]; i++)
        if (!strcmp(w, rf_status_bit_names[allowed[i]]))
            idx = allowed[i];
    if (idx < 0)
        FAIL(p, off < 0 ? col : col + off,
             "alarm: expected a condition (fault, estop, watchdog, overload, adc_error, "
             "upper_limit, lower_limit) after the code");
    al->status = 1u << idx;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        FAIL(p, col + (long)(s - v), "alarm: expected the alarm's name in double quotes");
    snprintf(al->name, sizeof al->name, "%.*s", (int)(len - 2), s + 1);
    c->nalarm++;
    return RIGOR_OK;
}

/* After the whole file: [init] devices exist; EEPROM registers are written
 * only by [init] (a setpoint written every cycle wears an EEPROM out within
 * days); enable_timeout has a status bit to watch. */
int rf_validate_seq(parser *p)
{
    rig_config *c = p->cfg;
    for (int i = 0; i < c->ninit; i++) {
        rig_init_step *st = &c->init[i];
        if (st->kind != INIT_WRITE)
            continue;
        for (int j = 0; j < c->ndev; j++)
            if (!strcmp(c->dev[j].name, p->init_dev[i]))
                st->device = j;
        p->line = st->line;
        if (st->device < 0)
            FAIL(p, p->init_col[i], "unknown device '%s'", p->init_dev[i]);
    }
    for (int r = ROLE_VELOCITY_CMD; r < ROLE_COUNT; r++) {
        const rig_point *pt = &c->point[r];
        if (!pt->present)
            continue;
        const rig_device *d = &c->dev[pt->device];
        bool wide = pt->type == PT_U32 || pt->type == PT_I32 || pt->type == PT_F32;
        long a0 = pt->address, a1 = a0 + (wide ? 1 : 0);
        for (int k = 0; k < d->neeprom; k++)
            if (a0 <= d->eeprom_hi[k] && a1 >= d->eeprom_lo[k]) {
                p->line = pt->line;
                FAIL(p, 0,
                     "[point %s] writes register 0x%04lX of [device %s], which the device "
                     "keeps in EEPROM (eeprom = 0x%04X..0x%04X): written during a test it "
                     "wears the EEPROM out; write it once in [init], or use the register "
                     "the manual gives for RAM-only writes",
                     rf_role_names[r], a0, d->name, d->eeprom_lo[k], d->eeprom_hi[k]);
            }
    }
    if (c->enable_timeout_s > 0) {
        const rig_point *st = &c->point[ROLE_DRIVE_STATUS];
        if (st->bit[0] < 0 && !st->more[0]) {
            p->line = p->enable_line;
            FAIL(p, 0,
                 "enable_timeout: [point drive_status] has no 'enabled' bit to confirm "
                 "the servo-on by");
        }
        if (!c->point[ROLE_CONTROL].present && !c->ninit) {
            p->line = p->enable_line;
            FAIL(p, 0, "enable_timeout: nothing switches the servo on (no [point control])");
        }
    }
    return RIGOR_OK;
}

enum { LK_TRANSPORT, LK_HOST, LK_PORT, LK_DEVICE, LK_BAUD, LK_PARITY, LK_DATA, LK_STOP, LK_N };
static const char *const link_keys[LK_N] = {"transport", "host",   "port",      "device",
                                            "baud",      "parity", "data_bits", "stop_bits"};

int rf_key_device_link(parser *p, int dev, const char *k, const char *v, long col, int *rc)
{
    int key = -1;
    for (int i = 0; i < LK_N; i++)
        if (!strcmp(k, link_keys[i]))
            key = i;
    if (key < 0)
        return 0;
    *rc = RIGOR_EPARSE;
    rig_bus *b = &p->cfg->dev[dev].link;
    char *end;
    long n = 0;
    if (key == LK_PORT || key >= LK_BAUD) {
        errno = 0;
        n = strtol(v, &end, 0);
        if (key != LK_PARITY && (end == v || *end || errno))
            n = -1;
    }
    switch (key) {
    case LK_TRANSPORT:
        if (!strcasecmp(v, "tcp"))
            b->transport = RIG_TCP;
        else if (!strcasecmp(v, "rtu"))
            b->transport = RIG_RTU;
        else
            FAIL(p, col, "transport: expected 'tcp' or 'rtu', got '%s'", v);
        break;
    case LK_HOST: snprintf(b->host, sizeof b->host, "%s", v); break;
    case LK_DEVICE: snprintf(b->device, sizeof b->device, "%s", v); break;
    case LK_PORT:
        if (n < 1 || n > 65535)
            FAIL(p, col, "port: expected a number in 1..65535, got '%s'", v);
        b->port = (int)n;
        break;
    case LK_BAUD:
        if (n < 300 || n > 4000000)
            FAIL(p, col, "baud: expected a number in 300..4000000, got '%s'", v);
        b->baud = (int)n;
        break;
    case LK_PARITY:
        if (strlen(v) != 1 || !strchr("NEOneo", v[0]))
            FAIL(p, col, "parity: expected N, E or O, got '%s'", v);
        b->parity = (char)(v[0] & ~0x20);
        break;
    case LK_DATA:
        if (n < 5 || n > 8)
            FAIL(p, col, "data_bits: expected 5..8, got '%s'", v);
        b->data_bits = (int)n;
        break;
    default:
        if (n < 1 || n > 2)
            FAIL(p, col, "stop_bits: expected 1 or 2, got '%s'", v);
        b->stop_bits = (int)n;
        break;
    }
    p->dev_link_given[dev] |= 1u << key;
    p->cfg->dev[dev].own_bus = true;
    *rc = RIGOR_OK;
    return 1;
}

static bool same_line(const rig_bus *a, const rig_bus *b)
{
    if (a->transport != b->transport)
        return false;
    if (a->transport == RIG_TCP)
        return a->port == b->port && !strcmp(a->host, b->host);
    return !strcmp(a->device, b->device);
}

int rf_validate_buses(parser *p)
{
    rig_config *c = p->cfg;
    rig_bus top = {c->transport, "",        c->port,      "",
                   c->baud,      c->parity, c->data_bits, c->stop_bits};
    snprintf(top.host, sizeof top.host, "%s", c->host);
    snprintf(top.device, sizeof top.device, "%s", c->device);
    /* only [0, c->nbus) is read; zeroed because the analyzer cannot see that
     * c->nbus counts the entries written (it may alias through p) */
    rig_bus lines[RIG_MAX_DEVICES] = {0};
    int first[RIG_MAX_DEVICES] = {0};
    c->nbus = 0;
    for (int i = 0; i < c->ndev; i++) {
        rig_device *d = &c->dev[i];
        rig_bus own = d->link;
        unsigned g = p->dev_link_given[i];
        d->link = top;
        if (g & 1u << LK_TRANSPORT)
            d->link.transport = own.transport;
        if (g & 1u << LK_HOST)
            snprintf(d->link.host, sizeof d->link.host, "%s", own.host);
        if (g & 1u << LK_PORT)
            d->link.port = own.port;
        if (g & 1u << LK_DEVICE)
            snprintf(d->link.device, sizeof d->link.device, "%s", own.device);
        if (g & 1u << LK_BAUD)
            d->link.baud = own.baud;
        if (g & 1u << LK_PARITY)
            d->link.parity = own.parity;
        if (g & 1u << LK_DATA)
            d->link.data_bits = own.data_bits;
        if (g & 1u << LK_STOP)
            d->link.stop_bits = own.stop_bits;
        p->line = p->dev_line[i];
        if (d->link.transport == RIG_RTU && !d->link.device[0])
            FAIL(p, 0, "[device %s] is on an RTU line but no 'device' (serial port) is given",
                 d->name);
        d->bus = -1;
        for (int j = 0; j < c->nbus; j++)
            if (same_line(&lines[j], &d->link)) {
                const rig_bus *a = &lines[j], *b = &d->link;
                if (a->transport == RIG_RTU &&
                    (a->baud != b->baud || a->parity != b->parity ||
                     a->data_bits != b->data_bits || a->stop_bits != b->stop_bits))
                    FAIL(p, 0,
                         "[device %s] is on serial line %s with %d %d%c%d, but [device %s] "
                         "(line %ld) uses it at %d %d%c%d: every device of one line shares "
                         "its settings",
                         d->name, b->device, b->baud, b->data_bits, b->parity, b->stop_bits,
                         c->dev[first[j]].name, p->dev_line[first[j]], a->baud, a->data_bits,
                         a->parity, a->stop_bits);
                d->bus = j;
            }
        if (d->bus < 0) {
            first[c->nbus] = i;
            lines[c->nbus] = d->link;
            d->bus = c->nbus++;
        }
    }
    /* Several lines: rig/link.c opens one libmodbus context per line. */
    return RIGOR_OK;
}
