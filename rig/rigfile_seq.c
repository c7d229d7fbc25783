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
