/* sim_regs.c — the register map of the reference frame (docs/reference-frame.md).
 *
 * Turns Modbus PDUs into reads and writes of the simulator's state. A write
 * request is applied to a copy of the device's holding registers, validated
 * as a whole (a bad value anywhere answers exception 03 and changes
 * nothing), then committed and acted on. Exception order follows the Modbus
 * application protocol: unknown function 01, bad quantity or length 03,
 * address outside the device's map 02, bad value 03. Transport-independent:
 * sim_server.c wraps the PDUs in MBAP (TCP) or address+CRC (RTU) frames.
 */
#include "sim_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

enum { DRIVE_HR = 9, DRIVE_IR = 6, CELL_HR = 2, CELL_IR = 8, EXT_HR = 1, EXT_IR = 3 };

static int table_size(int unit, int table)
{
    switch (unit) {
    case 1: return table == 3 ? DRIVE_HR : DRIVE_IR;
    case 2: return table == 3 ? CELL_HR : CELL_IR;
    case 3: return table == 3 ? EXT_HR : EXT_IR;
    }
    return -1;
}

static int32_t to_i32_nm(double v_m)
{
    double nm = round(v_m * 1e9);
    if (nm > INT32_MAX)
        return INT32_MAX;
    if (nm < INT32_MIN)
        return INT32_MIN;
    return (int32_t)nm;
}

/* The full image of one device table as a client would read it now. */
static void image(const sim *s, int unit, int table, uint16_t *r)
{
    if (unit == 1 && table == 3) {
        memcpy(r, s->drive_hr, sizeof s->drive_hr);
        r[0] &= 3; /* FAULT_RESET reads back 0 */
    } else if (unit == 1) {
        uint16_t st = 0;
        st |= s->enabled ? 1 : 0;
        st |= fabs(s->v) > 1e-9 ? 2 : 0;
        st |= s->fault ? 4 : 0;
        st |= s->at_upper ? 8 : 0;
        st |= s->at_lower ? 16 : 0;
        st |= s->estop ? 32 : 0;
        st |= s->wd_tripped ? 64 : 0;
        r[0] = st;
        r[1] = (uint16_t)s->fault;
        words_set_i32(&r[2], to_i32_nm(s->x + s->p.x0), WO_CDAB);
        words_set_i32(&r[4], to_i32_nm(s->v), WO_CDAB);
    } else if (unit == 2 && table == 3) {
        r[0] = 0; /* COMMAND is write-only */
        r[1] = s->cell_hr[1];
    } else if (unit == 2) {
        uint16_t st = 0;
        double thr = 4 * s->p.noise + 2 * s->p.resolution;
        st |= fabs(s->net - s->stable_ema) <= thr ? 1 : 0;
        st |= s->overload_bit || fabs(s->gross_meas) > s->p.capacity ? 2 : 0;
        r[0] = st;
        words_set_f32(&r[1], s->nan_force ? NAN : (float)s->net, WO_ABCD);
        words_set_f32(&r[3], (float)s->peak_meas, WO_ABCD);
        r[5] = s->tick;
        words_set_i32(&r[6], s->raw, WO_ABCD);
    } else if (unit == 3 && table == 3) {
        r[0] = 0;
    } else {
        bool attached = !s->compression && s->model != MODEL_NONE && !s->ext_removed;
        double ext = attached ? s->ext : 0;
        double range = s->p.ext_range > 0 ? s->p.ext_range : 0.05;
        r[0] = (uint16_t)((attached ? 1 : 0) | (fabs(ext) >= range ? 2 : 0));
        words_set_i32(&r[1], to_i32_nm(ext), WO_ABCD);
    }
}

static bool covers(int addr, int n, int reg)
{
    return reg >= addr && reg < addr + n;
}

int sim_regs_read_locked(sim *s, int unit, int table, int addr, int n, uint16_t *out)
{
    int size = table_size(unit, table);
    if (size < 0)
        return -1;
    if (table != 3 && table != 4)
        return 1;
    if (n < 1 || n > 125)
        return 3;
    if (addr < 0 || addr + n > size)
        return 2;
    uint16_t img[16];
    image(s, unit, table, img);
    memcpy(out, img + addr, (size_t)n * sizeof *out);
    /* Benchmark hook: when a reader first gets the force (input registers
     * 1-2 of the load cell) from after the fracture step. */
    if (s->fractured && s->read_wall < 0 && unit == 2 && table == 4 && covers(addr, n, 1))
        s->read_wall = sim_mono_now();
    return 0;
}

static int write_drive(sim *s, int addr, int n, const uint16_t *vals)
{
    uint16_t tmp[DRIVE_HR];
    memcpy(tmp, s->drive_hr, sizeof tmp);
    memcpy(tmp + addr, vals, (size_t)n * sizeof *vals);
    if (tmp[0] & ~7u)
        return 3;
    if (tmp[1] > 1)
        return 3;
    double vcmd = words_get_i32(&tmp[2], WO_CDAB) * 1e-9;
    if (fabs(vcmd) > s->p.v_max + 1e-12)
        return 3;
    /* injected refusals: 04 server device failure, nothing applied */
    if ((s->refuse_vel && covers(addr, n, 2)) || (s->refuse_ctl && covers(addr, n, 0)))
        return 4;
    uint16_t old_hb = s->drive_hr[8];
    memcpy(s->drive_hr, tmp, sizeof tmp);
    /* Benchmark hook: when the first stop (velocity 0, quick stop or disable)
     * reaches the drive after a fracture. */
    if (s->fractured && s->stop_wall < 0 &&
        ((covers(addr, n, 2) && vcmd == 0) || (covers(addr, n, 0) && (tmp[0] & 3u) != 1u)))
        s->stop_wall = sim_mono_now();
    if (covers(addr, n, 7))
        s->last_hb_t = s->t;
    if (covers(addr, n, 8) && s->drive_hr[8] != old_hb)
        s->last_hb_t = s->t;
    if (covers(addr, n, 0)) {
        s->last_hb_t = s->t;
        if (s->drive_hr[0] & 4) {
            if (s->fault || s->estop || s->wd_tripped)
                sim_event(s, "fault-reset code=%d", s->fault);
            s->fault = 0;
            s->wd_tripped = false;
            s->estop = false;
            s->drive_hr[0] &= (uint16_t)~4u;
        }
        bool want = s->drive_hr[0] & 1;
        if (want && s->fault) {
            s->drive_hr[0] &= (uint16_t)~1u; /* refused while faulted */
            want = false;
        }
        if (want && !s->enabled)
            sim_event(s, "enable");
        if (!want && s->enabled)
            sim_event(s, "disable");
        s->enabled = want;
    }
    return 0;
}

static int write_cell(sim *s, int addr, int n, const uint16_t *vals)
{
    uint16_t tmp[CELL_HR] = {0, s->cell_hr[1]};
    memcpy(tmp + addr, vals, (size_t)n * sizeof *vals);
    if (tmp[0] > 2 || tmp[1] > 500)
        return 3;
    s->cell_hr[1] = tmp[1];
    if (covers(addr, n, 0) && tmp[0] == 1) {
        s->tare = s->gross_meas;
        s->net = 0;
        s->stable_ema = 0;
        sim_event(s, "tare %.6g N", s->tare);
    } else if (covers(addr, n, 0) && tmp[0] == 2) {
        s->peak_meas = 0;
    }
    return 0;
}

static int write_ext(sim *s, int addr, int n, const uint16_t *vals)
{
    (void)addr;
    (void)n;
    if (vals[0] > 2)
        return 3;
    if (vals[0] == 2 && !s->ext_removed) { /* the operator takes the clip-on off */
        s->ext_removed = true;
        s->ext = 0;
        sim_event(s, "extensometer removed");
    }
    if (vals[0] == 1) {
        s->ext_zero = s->delta;
        s->ext = 0;
    }
    return 0;
}

int sim_regs_write_locked(sim *s, int unit, int addr, int n, const uint16_t *vals, bool fc06)
{
    int size = table_size(unit, 3);
    if (size < 0)
        return -1;
    if (n < 1 || n > 123)
        return 3;
    if (addr < 0 || addr + n > size)
        return 2;
    if (unit == 2 && fc06 && addr == 0)
        return 1; /* transmitter COMMAND: FC16 only */
    switch (unit) {
    case 1: return write_drive(s, addr, n, vals);
    case 2: return write_cell(s, addr, n, vals);
    default: return write_ext(s, addr, n, vals);
    }
}

int sim_read_regs(sim *s, int unit, int table, int addr, int n, uint16_t *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = sim_regs_read_locked(s, unit, table, addr, n, out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int sim_write_regs(sim *s, int unit, int addr, int n, const uint16_t *vals, bool fc06)
{
    pthread_mutex_lock(&s->lock);
    int rc = sim_regs_write_locked(s, unit, addr, n, vals, fc06);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int exception(uint8_t *resp, uint8_t fc, int code)
{
    resp[0] = (uint8_t)(fc | 0x80);
    resp[1] = (uint8_t)code;
    return 2;
}

static int put_regs(uint8_t *resp, uint8_t fc, const uint16_t *r, int n)
{
    resp[0] = fc;
    resp[1] = (uint8_t)(2 * n);
    for (int i = 0; i < n; i++) {
        resp[2 + 2 * i] = (uint8_t)(r[i] >> 8);
        resp[3 + 2 * i] = (uint8_t)r[i];
    }
    return 2 + 2 * n;
}

/* Execute the PDU; lock held. */
static int exec_pdu(sim *s, int unit, const uint8_t *pdu, int len, uint8_t *resp)
{
    uint8_t fc = pdu[0];
    uint16_t r[125], w[123];
    int rc;
    switch (fc) {
    case 0x03:
    case 0x04: {
        if (len != 5)
            return exception(resp, fc, 3);
        int addr = be16(pdu + 1), n = be16(pdu + 3);
        rc = sim_regs_read_locked(s, unit, fc, addr, n, r);
        return rc ? exception(resp, fc, rc) : put_regs(resp, fc, r, n);
    }
    case 0x06: {
        if (len != 5)
            return exception(resp, fc, 3);
        int addr = be16(pdu + 1);
        w[0] = be16(pdu + 3);
        rc = sim_regs_write_locked(s, unit, addr, 1, w, true);
        if (rc)
            return exception(resp, fc, rc);
        memcpy(resp, pdu, 5);
        return 5;
    }
    case 0x10: {
        if (len < 6)
            return exception(resp, fc, 3);
        int addr = be16(pdu + 1), n = be16(pdu + 3), bc = pdu[5];
        if (n < 1 || n > 123 || bc != 2 * n || len != 6 + bc)
            return exception(resp, fc, 3);
        for (int i = 0; i < n; i++)
            w[i] = be16(pdu + 6 + 2 * i);
        rc = sim_regs_write_locked(s, unit, addr, n, w, false);
        if (rc)
            return exception(resp, fc, rc);
        memcpy(resp, pdu, 5);
        return 5;
    }
    case 0x17: {
        if (len < 10)
            return exception(resp, fc, 3);
        int raddr = be16(pdu + 1), rn = be16(pdu + 3);
        int waddr = be16(pdu + 5), wn = be16(pdu + 7), bc = pdu[9];
        if (rn < 1 || rn > 125 || wn < 1 || wn > 121 || bc != 2 * wn || len != 10 + bc)
            return exception(resp, fc, 3);
        int hr = table_size(unit, 3);
        if (raddr + rn > hr || waddr + wn > hr)
            return exception(resp, fc, 2);
        for (int i = 0; i < wn; i++)
            w[i] = be16(pdu + 10 + 2 * i);
        rc = sim_regs_write_locked(s, unit, waddr, wn, w, false);
        if (!rc)
            rc = sim_regs_read_locked(s, unit, 3, raddr, rn, r);
        return rc ? exception(resp, fc, rc) : put_regs(resp, fc, r, rn);
    }
    default: return exception(resp, fc, 1);
    }
}

int sim_pdu(sim *s, int unit, const uint8_t *pdu, int len, uint8_t *resp, fault_kind *fault)
{
    *fault = FAULT_NONE;
    pthread_mutex_lock(&s->lock);
    s->requests++;
    if (unit == 1 && s->p.wd_any_request > 0)
        s->last_hb_t = s->t; /* a drive whose watchdog any request feeds, reads too */
    if (unit < 1 || unit > 3 || len < 1) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    fault_kind f = sim_fault_pick(s);
    int n;
    if (f == FAULT_EXCEPTION) {
        n = exception(resp, pdu[0], 6);
    } else {
        n = exec_pdu(s, unit, pdu, len, resp);
    }
    if (f != FAULT_NONE) {
        static const char *names[] = {"", "drop", "corrupt", "delay", "exception"};
        s->faults_injected++;
        sim_event(s, "fault %s unit=%d fc=%d", names[f], unit, pdu[0]);
    }
    pthread_mutex_unlock(&s->lock);
    *fault = f;
    return n;
}
