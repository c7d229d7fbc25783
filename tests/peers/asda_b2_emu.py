"""asda_b2_emu.py — a Delta ASDA-B2 servo drive in speed mode over Modbus, as
its user manual (ASDA-B2, Chapter 7 Parameters and Chapter 8 Communications)
describes it, for Rigor's tests. Test-only; used by devemu.py.

Map (holding registers; parameter Pg-nn at 0x0100*g + 2*nn, each 32 bits,
low word first, 16-bit parameters in the low word):
  0x0002 P0-01 ALE   current alarm (0x0020 AL020 comm timeout, 0x0013 AL013
                     emergency stop, 0x0014/0x0015 reverse/forward limit)
  0x0012 P0-09 STS1  status monitor 1 (32 bit): what P0-17 selects; 0 =
                     feedback position in PUU
  0x0014 P0-10 STS2  status monitor 2 (32 bit): P0-18; 7 = motor speed, 0.1 rpm
  0x0022 P0-17, 0x0024 P0-18  monitor selections
  0x005C P0-46 SVSTS servo status: bit0 SRDY, bit1 SON, bit2 ZSPD (zero speed),
                     bit6 ALRM
  0x0102 P1-01 CTL   control mode (2 = speed mode)
  0x0112 P1-09 SP1   speed command 1, 0.1 rpm, -60000..60000 (32 bit)
  0x023C P2-30 INH   5 = parameters written by communication are not stored
                     in EEPROM (otherwise each P1-09 write is one EEPROM write)
  0x0304 P3-02 PTL   protocol (6 = RTU 8N2)
  0x0308 P3-04 CWD   communication watchdog, whole seconds 0..20 (0 = off):
                     no request within it -> AL020, servo off
  0x030C P3-06 SDI   digital inputs taken from software (bit0 = DI1)
  0x040E P4-07 ITST  software digital inputs: bit0 DI1 = SON (servo on),
                     bit4 DI5 = ARST (a rising edge clears the alarm)
Injected failures: --alarm-after s [--alarm-code C] (an alarm, AL013 by
default), --no-servo-on (SON never comes), --ignore-write ADDR (a
parameter write is acknowledged but not taken), --refuse-watchdog (P3-04
writes answered with an exception), --refuse-stop (once devemu.py arms it at
the break, every P1-09 write is answered with an exception: the speed 0 never
arrives, and only SON off (P4-07 DI1 = 0, the rig file's disable) stops the
motor), --no-motion (the speed command is accepted, SON and the status say
running, but the motor does not turn: a seized screw or a brake left on).
Quirks: a read of more than 10 registers, or of an address not in the map,
is answered with an exception; FC04 (input registers) is refused; reads see
the parameters' low words as written. Simplified: with servo on in speed
mode the motor runs at P1-09 (the real drive picks the speed command with
its SPD0/SPD1 inputs); the motor reaches the command with a 50 ms first-order
lag. The crosshead: 5 mm screw lead, 10:1 gear, 160000 PUU per motor turn;
the absolute position is not 0 at start.
"""
import struct

LEAD_M, GEAR, PUU_PER_REV = 5e-3, 10.0, 160000.0

REGS = {0x0002, 0x0003, 0x0012, 0x0013, 0x0014, 0x0015, 0x0022, 0x0023, 0x0024, 0x0025,
        0x005C, 0x005D, 0x0102, 0x0103, 0x0112, 0x0113, 0x023C, 0x023D, 0x0304, 0x0305,
        0x0308, 0x0309, 0x030C, 0x030D, 0x040E, 0x040F}
WATCHDOG = 0x0308


class AsdaB2:
    def __init__(self, event, refuse_watchdog=False, no_servo_on=False, ignore_write=None,
                 alarm_after=None, alarm_code=0x13, refuse_stop=False, no_motion=False):
        self.alarm_after, self.alarm_code = alarm_after, alarm_code  # injected alarm
        self.t_start = None
        self.event = event
        self.refuse_watchdog = refuse_watchdog
        self.no_servo_on = no_servo_on      # injected: SON never comes (STO open)
        self.ignore_write = ignore_write    # injected: a parameter that keeps its value
        self.refuse_stop = refuse_stop      # injected: P1-09 refused once armed
        self.stop_armed = False             # set by devemu.py at the break
        self.refused_speed = 0
        self.no_motion = no_motion          # injected: the motor never turns
        self.r = {a: 0 for a in REGS}
        self.r[0x0304] = 6
        self.puu0 = 1234567.0     # absolute encoder: not 0 at power-on
        self.motor_turns = 0.0
        self.rpm = 0.0
        self.vel = 0.0            # m/s of the crosshead
        self.last_req = None
        self.eeprom_writes = 0
        self.arst_prev = False

    # --- Modbus ---------------------------------------------------------------
    def seen_request(self):
        import time
        self.last_req = time.monotonic()   # any request feeds the watchdog (P3-04)

    def validate(self, fc, address, count):
        if fc not in (3, 6, 16):
            return False
        if fc == 3 and count > 10:
            return False                   # at most 10 words per read
        if any(a not in REGS for a in range(address, address + count)):
            return False
        if fc in (6, 16) and self.refuse_watchdog and address <= WATCHDOG < address + count:
            return False                   # injected: the drive refuses P3-04
        if fc in (6, 16) and self.stop_armed and address <= 0x0112 < address + count:
            self.refused_speed += 1
            if self.refused_speed == 1:
                self.event("refused_stop P1-09")
            return False                   # injected: the speed 0 never arrives
        if fc in (6, 16) and address <= 0x0002 < address + count:
            return False                   # alarms are cleared by DI ARST, not written
        return True

    def read(self, fc, address, count):
        return [self.r[a] for a in range(address, address + count)]

    def write(self, fc, address, values):
        for i, v in enumerate(values):
            a = address + i
            if a == self.ignore_write:
                continue                    # accepted on the wire, not taken
            self.r[a] = v & 0xFFFF
            if a in (0x0112, 0x0113) and self.r[0x023C] != 5:
                self.eeprom_writes += 1
                if self.eeprom_writes == 1:
                    self.event("eeprom_write P1-09 (P2-30 != 5: each write wears the EEPROM)")
        if address <= WATCHDOG < address + len(values):
            self.event(f"watchdog_set s={self.r[WATCHDOG]}")

    # --- physics --------------------------------------------------------------
    def travel_m(self):
        return self.motor_turns * LEAD_M / GEAR

    def _i32(self, a):
        return struct.unpack("<i", struct.pack("<HH", self.r[a], self.r[a + 1]))[0]

    def _set_i32(self, a, v):
        lo, hi = struct.unpack("<HH", struct.pack("<i", int(round(v))))
        self.r[a], self.r[a + 1] = lo, hi

    def step(self, dt, now):
        if self.t_start is None:
            self.t_start = now
        if self.alarm_after is not None and now - self.t_start > self.alarm_after:
            self.alarm_after = None
            self.r[0x0002] = self.alarm_code
            self.event(f"alarm AL{self.alarm_code:03X}")
        di = self.r[0x040E] & self.r[0x030C]
        if di & 0x10 and not self.arst_prev and self.r[0x0002]:
            self.event(f"alarm_reset AL{self.r[0x0002]:03X}")
            self.r[0x0002] = 0            # ARST rising edge clears the alarm
        self.arst_prev = bool(di & 0x10)
        son = bool(di & 1) and not self.no_servo_on
        alarm = self.r[0x0002]
        wd = self.r[WATCHDOG]
        if son and wd and not alarm and self.last_req is not None and now - self.last_req > wd:
            self.r[0x0002] = alarm = 0x0020
            self.event("watchdog AL020")
        running = son and not alarm and self.r[0x0102] == 2
        target = self._i32(0x0112) * 0.1 if running else 0.0
        if not running or self.no_motion:
            self.rpm = 0.0                  # servo off / alarm: dynamic brake
        else:
            k = min(1.0, dt / 0.05)
            self.rpm += (target - self.rpm) * k
            if abs(self.rpm - target) < 1e-3:
                self.rpm = target
        self.motor_turns += self.rpm / 60.0 * dt
        self.vel = self.rpm / 60.0 * LEAD_M / GEAR
        puu = self.puu0 + self.motor_turns * PUU_PER_REV
        if self.r[0x0022] == 0:
            self._set_i32(0x0012, puu)
        if self.r[0x0024] == 7:
            self._set_i32(0x0014, self.rpm * 10.0)
        st = 1 | (2 if running else 0) | (4 if abs(self.rpm) < 0.05 else 0) | \
            (64 if alarm else 0)
        self.r[0x005C] = st
