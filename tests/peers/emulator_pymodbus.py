#!/usr/bin/python3
"""emulator_pymodbus.py — an independent test peer for Rigor's rig driver.

A small load frame on the reference register map (shared/design/reference-
frame.md) written with Debian's python3-pymodbus server, not with any Rigor
code, so that the driver is proven against a Modbus stack and physics other
than our own simulator's. Test-only; it listens on 127.0.0.1 only.

  unit 1 drive:    HR0 CONTROL (enable, quick stop, fault reset), HR1 MODE,
                   HR2-3 VELOCITY_CMD i32 CDAB nm/s, HR4-5 POSITION_CMD i32 CDAB
                   nm, HR6 ACCEL um/s^2, HR7 WATCHDOG_MS, HR8 HEARTBEAT;
                   IR0 STATUS, IR1 FAULT_CODE, IR2-3 POSITION, IR4-5 VELOCITY
  unit 2 loadcell: HR0 COMMAND (1 = tare, 2 = reset peak; FC16 only), HR1 FILTER;
                   IR0 STATUS, IR1-2 FORCE f32 ABCD N, IR3-4 PEAK, IR5 TICK,
                   IR6-7 RAW i32 ABCD
Physics, stepped about every millisecond of real time: velocity integration
with an acceleration limit, a linear-elastic specimen (force = k * extension
from the contact position) that breaks to zero force beyond a given
extension, a TICK counting milliseconds, the drive watchdog (HR7, fed by
writes to HR0 or HR8 while enabled) and status/fault bits.

Usage: emulator_pymodbus.py [--port N | --rtu PTY] [--stiffness N_per_m]
           [--break-ext m] [--freeze-tick-after s] [--travel-max m]
           [--drop P] [--corrupt P] [--seed N]
--port 0 (default) binds a free port on 127.0.0.1; the real port is printed
on stdout as "PORT <n>" once the server listens (with --rtu: "PORT 0" once
the serial port is open; 115200 8E1 unless --parity). Events ("EVENT watchdog t=... pos=...")
are printed on stdout too (line-buffered). Fault injection: --drop P leaves
a fraction P of replies unanswered, --corrupt P spoils a fraction P (TCP: a
wrong transaction id; RTU: a bad CRC); each is reported as "EVENT drop" /
"EVENT corrupt" so a test can compare the driver's error counters. SIGUSR1
toggles a mute mode: no request is answered, connections stay open.
"""
import argparse
import asyncio
import logging
import math
import random
import signal
import struct
import sys
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.factory import ClientDecoder
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer


def i32_cdab(regs):
    return struct.unpack(">i", struct.pack(">HH", regs[1], regs[0]))[0]


def cdab_i32(v):
    hi, lo = struct.unpack(">HH", struct.pack(">i", int(v)))
    return [lo, hi]


def abcd_f32(v):
    return list(struct.unpack(">HH", struct.pack(">f", float(v))))


def abcd_i32(v):
    return list(struct.unpack(">HH", struct.pack(">i", int(v))))


class Unit(ModbusSlaveContext):
    """A slave context that records host writes and can refuse FC06."""

    def __init__(self, name, nhr, nir, fc06, on_write):
        super().__init__(hr=ModbusSequentialDataBlock(0, [0] * nhr),
                         ir=ModbusSequentialDataBlock(0, [0] * nir), zero_mode=True)
        self.name, self.fc06, self.on_write = name, fc06, on_write

    def validate(self, fc_as_hex, address, count=1):
        if fc_as_hex == 6 and not self.fc06:
            return False  # answered with an exception
        return super().validate(fc_as_hex, address, count)

    def setValues(self, fc_as_hex, address, values):
        super().setValues(fc_as_hex, address, values)
        if fc_as_hex in (5, 6, 15, 16):
            self.on_write(self.name, address, list(values))

    def hr(self, a, n=1):
        return self.store["h"].getValues(a, n)

    def set_hr(self, a, vals):
        self.store["h"].setValues(a, vals)

    def set_ir(self, a, vals):
        self.store["i"].setValues(a, vals)


class Frame:
    def __init__(self, args):
        self.a = args
        self.t0 = time.monotonic()
        self.pos = 0.0            # m, crosshead
        self.vel = 0.0            # m/s
        self.fault = 0            # fault code
        self.wd_tripped = False
        self.broken = False
        self.zero_N = 0.0
        self.peak = 0.0
        self.tick = 0
        self.tick_acc = 0.0
        self.last_feed = time.monotonic()
        self.enabled_prev = False
        self.drive = Unit("drive", 16, 8, True, self.on_write)
        self.cell = Unit("loadcell", 4, 8, False, self.on_write)
        # unit 3: the reference frame's extensometer, never clipped on here
        # (STATUS 0: ATTACHED clear, EXTENSION 0), so that the shipped rig
        # files, which map it, read a complete frame
        self.ext = Unit("extensometer", 1, 3, True, self.on_write)
        self.ctx = ModbusServerContext(slaves={1: self.drive, 2: self.cell, 3: self.ext},
                                       single=False)
        self.rng = random.Random(args.seed)
        self.mute = False  # SIGUSR1 toggles: answer nothing, keep connections open
        self.rtu_framer = ModbusRtuFramer(ClientDecoder())

    def event(self, what):
        now = time.monotonic()  # CLOCK_MONOTONIC: comparable with the test's clock
        print(f"EVENT {what} t={now - self.t0:.4f} mono={now:.6f} pos={self.pos:.9f} "
              f"vel={self.vel:.9f}", flush=True)

    def on_write(self, unit, address, values):
        now = time.monotonic()
        if unit == "drive":
            for i, v in enumerate(values):
                a = address + i
                if a in (0, 8):
                    self.last_feed = now
                if a == 0 and v & 4:   # FAULT_RESET: clear, reads back 0
                    if self.fault:
                        self.event(f"fault_reset code={self.fault}")
                    self.fault = 0
                    self.wd_tripped = False
                    self.drive.set_hr(0, [v & ~4])
        elif unit == "extensometer":
            pass  # zero: nothing clipped on to zero
        else:
            if address == 0 and values and values[0] == 1:
                self.zero_N = self.gross()
                self.event("tare")
            elif address == 0 and values and values[0] == 2:
                self.peak = 0.0

    def gross(self):
        ext = self.pos
        if self.broken:
            return 0.0
        return self.a.stiffness * ext

    def step(self, dt):
        now = time.monotonic()
        ctl = self.drive.hr(0)[0]
        enabled = bool(ctl & 1)
        quick = bool(ctl & 2)
        mode = self.drive.hr(1)[0]
        vcmd = i32_cdab(self.drive.hr(2, 2)) * 1e-9
        pcmd = i32_cdab(self.drive.hr(4, 2)) * 1e-9
        accel = self.drive.hr(6)[0] * 1e-6 or 1.0
        wd_ms = self.drive.hr(7)[0]
        if enabled and not self.enabled_prev:
            self.last_feed = now
        self.enabled_prev = enabled
        if enabled and wd_ms and not self.fault and now - self.last_feed > wd_ms * 1e-3:
            self.fault = 1
            self.wd_tripped = True
            self.event("watchdog")
        if self.pos > self.a.travel_max and not self.fault:
            self.fault = 2
            self.event("overtravel")
        if not enabled or self.fault or quick:
            target = 0.0
            accel = 1e9  # stop at once
        elif mode == 1:
            err = pcmd - self.pos
            speed = abs(vcmd) or 1e-3
            target = math.copysign(min(speed, abs(err) / max(dt, 1e-4)), err)
        else:
            target = vcmd
        dv = target - self.vel
        lim = accel * dt
        self.vel += max(-lim, min(lim, dv))
        self.pos += self.vel * dt
        if not self.broken and self.pos > self.a.break_ext:
            self.broken = True
            self.event("break")
        # transmitter
        elapsed = now - self.t0
        if self.a.freeze_tick_after is None or elapsed < self.a.freeze_tick_after:
            self.tick_acc += dt * 1000.0
            n = int(self.tick_acc)
            self.tick_acc -= n
            self.tick = (self.tick + n) & 0xFFFF
        net = self.gross() - self.zero_N
        self.peak = max(self.peak, abs(net))
        overload = abs(self.gross()) > self.a.capacity
        status = (1 if enabled else 0) | (2 if abs(self.vel) > 1e-12 else 0) | \
            (4 if self.fault else 0) | (8 if self.fault == 2 else 0) | \
            (64 if self.wd_tripped else 0)
        self.drive.set_ir(0, [status, self.fault] + cdab_i32(round(self.pos * 1e9)) +
                          cdab_i32(round(self.vel * 1e9)))
        self.cell.set_ir(0, [1 | (2 if overload else 0)] + abcd_f32(net) + abcd_f32(self.peak) +
                         [self.tick] + abcd_i32(round(self.gross() * 1000)))

    def manipulate(self, resp):
        """Fault injection on replies (pymodbus response_manipulator)."""
        if self.mute:
            resp.should_respond = False
            return resp, False
        r = self.rng.random()
        if r < self.a.drop:
            resp.should_respond = False
            self.event("drop")
            return resp, False
        if r < self.a.drop + self.a.corrupt:
            self.event("corrupt")
            if self.a.rtu:
                pkt = bytearray(self.rtu_framer.buildPacket(resp))
                pkt[-1] ^= 0xA5
                return bytes(pkt), True
            resp.transaction_id = (resp.transaction_id + 0x5555) & 0xFFFF
        return resp, False

    async def physics(self):
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            self.step(min(now - last, 0.05))
            last = now


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--stiffness", type=float, default=20000.0, help="N/m")
    ap.add_argument("--break-ext", type=float, default=1.5e-3, help="m")
    ap.add_argument("--capacity", type=float, default=500.0, help="N")
    ap.add_argument("--travel-max", type=float, default=0.15, help="m")
    ap.add_argument("--freeze-tick-after", type=float, default=None, help="s")
    ap.add_argument("--rtu", default=None, help="serial device (e.g. a pty) instead of TCP")
    ap.add_argument("--parity", default="E", choices=["N", "E", "O"],
                    help="RTU parity (Linux ptys may refuse PARENB: use N there)")
    ap.add_argument("--drop", type=float, default=0.0)
    ap.add_argument("--corrupt", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--debug", action="store_true", help="pymodbus debug log on stderr")
    args = ap.parse_args()
    logging.basicConfig(stream=sys.stderr)
    # a client that closes its connection is no error here
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    frame = Frame(args)
    frame.step(0.0)
    manip = frame.manipulate

    def toggle_mute():
        frame.mute = not frame.mute
        frame.event("mute" if frame.mute else "unmute")
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, toggle_mute)
    if args.rtu:
        server = ModbusSerialServer(context=frame.ctx, framer=ModbusRtuFramer, port=args.rtu,
                                    baudrate=115200, parity=args.parity, bytesize=8, stopbits=1,
                                    response_manipulator=manip)
        await server.start()  # opens the port (serve_forever alone does not)
        task = asyncio.ensure_future(server.serve_forever())
        port = 0
    else:
        server = ModbusTcpServer(context=frame.ctx, address=("127.0.0.1", args.port),
                                 allow_reuse_address=True, response_manipulator=manip)
        task = asyncio.ensure_future(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await asyncio.gather(task, frame.physics())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
