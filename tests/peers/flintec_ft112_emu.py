"""flintec_ft112_emu.py — a Flintec FT-112 weight transmitter over Modbus, as
its manual's Modbus register table describes it (holding registers 40001..40025,
PDU addresses 0..24), for Rigor's tests. Test-only; used by devemu.py.

  0  40001/2  actual (net) weight, int32 high word first, display counts
  2  40003/4  tare, same
  4  40005/6  gross, same
  6  40007/8  status, 32 bits: bit0 stable, bit1 net mode; bits 27..31 the
              decimal point (in the first register: bits 11..15)
  8  40009    ADC errors: bit0 ADC error, bit1 load-cell error (0 = none)
  10 40011    heartbeat: +1 every 100 ms
  24 40025    command (FC16): 1 zero, 2 tare, 3 clear tare
Quirks: only FC03 and FC16 (FC06 refused); a read across an address the table
does not list (11..23) is answered with an exception; a 1.2 N grip weight at
rest. The display is in N with 1 decimal (counts of 0.1 N).
Injected failures: --dp-change-after s (to 2 decimals), --cell-error-after s
(bit1 of 40009; the weight reads 0), --freeze-force-after s (the weight
registers stop changing while the heartbeat runs on: a converter stuck on one
value), --overrange-after s (the actual weight reads 0x7FFFFFFF counts: the
int32 map cannot carry a NaN).
"""
import struct

GRIP_N = 1.2
VALID = set(range(0, 11)) | {24}


def i32_abcd(v):
    return list(struct.unpack(">HH", struct.pack(">i", int(round(v)))))


class FlintecFt112:
    def __init__(self, event, dp_change_after=None, cell_error_after=None):
        self.event = event
        self.dp_change_after, self.cell_error_after = dp_change_after, cell_error_after
        self.r = {a: 0 for a in VALID}
        self.dp = 1
        self.tare = 0.0
        self.gross = 0.0
        self.t_start = None
        self.hb_acc = 0.0
        self.cell_error = False
        self.frozen = False      # set by devemu.py (--freeze-force-after)
        self.overrange = False   # set by devemu.py (--overrange-after)

    def seen_request(self):
        pass

    def validate(self, fc, address, count):
        if fc not in (3, 16):
            return False
        if count > 32:
            return False
        return all(a in VALID for a in range(address, address + count))

    def read(self, fc, address, count):
        return [self.r[a] for a in range(address, address + count)]

    def write(self, fc, address, values):
        if address == 24 and values:
            if values[0] == 2:
                self.tare = self.gross
                self.event(f"tare N={self.tare:.4f}")
            elif values[0] == 3:
                self.tare = 0.0

    def step(self, dt, now, specimen_N):
        if self.t_start is None:
            self.t_start = now
        el = now - self.t_start
        if self.dp_change_after is not None and el > self.dp_change_after and self.dp == 1:
            self.dp = 2
            self.event("dp_change 1->2")
        if self.cell_error_after is not None and el > self.cell_error_after and \
                not self.cell_error:
            self.cell_error = True
            self.event("cell_error")
        self.hb_acc += dt
        while self.hb_acc >= 0.1:
            self.hb_acc -= 0.1
            self.r[10] = (self.r[10] + 1) & 0xFFFF
        if self.frozen:
            return               # the heartbeat runs on, the weight does not
        self.gross = 0.0 if self.cell_error else specimen_N + GRIP_N
        q = 10.0 ** self.dp
        self.r[0], self.r[1] = i32_abcd((self.gross - self.tare) * q)
        if self.overrange:
            self.r[0], self.r[1] = 0x7FFF, 0xFFFF
        self.r[2], self.r[3] = i32_abcd(self.tare * q)
        self.r[4], self.r[5] = i32_abcd(self.gross * q)
        st = 1 | (2 if self.tare else 0) | (self.dp << 27)
        self.r[6], self.r[7] = (st >> 16) & 0xFFFF, st & 0xFFFF
        self.r[8] = 2 if self.cell_error else 0
