"""laumas_tlu_emu.py — a Laumas TLU load-cell transmitter over Modbus RTU, as
its manual's Modbus section describes the map (holding registers 40006..40014,
PDU addresses 5..13), for Rigor's tests. Test-only; used by devemu.py.

  5  40006 COMMAND  written with FC16 only (FC06 is refused): 7 = semi-
                    automatic tare (net = 0 at the present load), 9 = tare off
  6  40007 STATUS   bit0 cell error, bit1 A/D converter malfunction, bit2
                    maximum weight exceeded by 9 divisions, bit3 gross > 110 %
                    of full scale, bit11 weight stable
  7  40008/9   GROSS weight, int32 high word first, in display divisions
  9  40010/11  NET weight (gross - tare), same
  11 40012/13  PEAK (largest gross since power-on), same
  13 40014     decimals (bits 0..3) of the displayed weight, unit in the high
               byte (1 = kg)
Quirks: at most 32 registers per read; addresses outside 5..13 and FC04 are
answered with an exception; no heartbeat register (frozen values cannot be
told from a steady load); a grip weight of 1.2 N hangs on the cell at rest.
Weights are in kg (kgf) with 2 decimals, i.e. counts of 0.01 kgf.
Injected failures: --dp-change-after s switches to 1 decimal (a user at the
keypad); --cell-error-after s sets the cell-error bit (a broken cable: the
weight reads 0); --freeze-force-after s: the registers stop changing (a hung
converter: with no heartbeat only the driver's frozen-value rule can tell);
--overrange-after s: the net weight reads 0x7FFFFFFF counts (the int32 map
cannot carry a NaN: a saturated converter is the nearest it can say).
"""
import random
import struct

G = 9.80665
GRIP_N = 1.2
FIRST, LAST = 5, 13


def i32_abcd(v):
    return list(struct.unpack(">HH", struct.pack(">i", int(round(v)))))


class LaumasTlu:
    def __init__(self, event, dp_change_after=None, cell_error_after=None):
        self.event = event
        self.rng = random.Random(21)  # the noise of the last digit, repeatable
        self.dp_change_after, self.cell_error_after = dp_change_after, cell_error_after
        self.r = {a: 0 for a in range(FIRST, LAST + 1)}
        self.dp = 2
        self.tare = 0.0
        self.peak = 0.0
        self.gross_kg = 0.0
        self.t_start = None
        self.cell_error = False
        self.frozen = False      # set by devemu.py (--freeze-force-after)
        self.overrange = False   # set by devemu.py (--overrange-after)

    def seen_request(self):
        pass

    def validate(self, fc, address, count):
        if fc not in (3, 16):
            return False      # FC06 (and FC04) refused: the manual lists FC03/FC16
        if fc == 3 and count > 32:
            return False
        return FIRST <= address and address + count - 1 <= LAST

    def read(self, fc, address, count):
        return [self.r[a] for a in range(address, address + count)]

    def write(self, fc, address, values):
        if address == 5 and values:
            if values[0] == 7:
                self.tare = self.gross_kg
                self.event(f"tare kg={self.tare:.4f}")
            elif values[0] == 9:
                self.tare = 0.0
        # the command register reads back 0 once executed

    def step(self, dt, now, specimen_N):
        if self.t_start is None:
            self.t_start = now
        el = now - self.t_start
        if self.dp_change_after is not None and el > self.dp_change_after and self.dp == 2:
            self.dp = 1
            self.event("dp_change 2->1")
        if self.cell_error_after is not None and el > self.cell_error_after and \
                not self.cell_error:
            self.cell_error = True
            self.event("cell_error")
        if self.frozen:
            return               # a hung converter: every register keeps its value
        q = 10.0 ** self.dp
        # NOTE: a strain-gauge transmitter's last digit is never still: one
        # count of noise (seeded, so runs repeat). A reading bit-identical for
        # a second while the crosshead moves is what the driver's frozen-value
        # rule watches on this transmitter, which has no heartbeat.
        noise = self.rng.choice((-1, 0, 1)) / q
        self.gross_kg = 0.0 if self.cell_error else (specimen_N + GRIP_N) / G + noise
        self.peak = max(self.peak, self.gross_kg)
        st = (1 if self.cell_error else 0) | (1 << 11)
        self.r[6] = st
        g, n, p = i32_abcd(self.gross_kg * q), i32_abcd((self.gross_kg - self.tare) * q), \
            i32_abcd(self.peak * q)
        self.r[7], self.r[8] = g
        self.r[9], self.r[10] = n if not self.overrange else (0x7FFF, 0xFFFF)
        self.r[11], self.r[12] = p
        self.r[13] = (1 << 8) | self.dp
