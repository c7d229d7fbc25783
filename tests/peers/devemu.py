#!/usr/bin/python3
"""devemu.py — test-only emulations of real Modbus devices for Rigor's rig files.

One process is one RS-485 bus (or the TCP gateway in front of it) with a drive
and a load-cell transmitter on it, each an emulation of a documented register
map written for the tests (asda_b2_emu.py, laumas_tlu_emu.py,
flintec_ft112_emu.py), with the quirks of the manuals: exceptions for
addresses the map lacks and for reads longer than the device allows,
function codes it refuses, a watchdog counted in whole seconds, a grip weight
on the load cell at rest. No Rigor code is used: the map is the manual's,
the physics are this file's. Listens on 127.0.0.1 only.

Between the drive's crosshead and the load cell sits a specimen: force rises
with the crosshead's travel beyond the contact point as
    F(x) = F_u * tanh(3 x / x_b)      (N; x = travel beyond contact, m)
and drops to 0 when x exceeds x_b (the fracture). The truth a test compares
with is printed: "EVENT break peak_N=<F at the break>".

Usage: devemu.py --drive asda-b2 --cell laumas-tlu|flintec-ft112
                 [--port N | --rtu] [--fu N] [--xb m] [--contact m]
                 [--refuse-watchdog] [--no-servo-on] [--ignore-write ADDR]
                 [--alarm-after s [--alarm-code C]]
                 [--dp-change-after s] [--cell-error-after s]
                 [--freeze-force-after s] [--overrange-after s]
                 [--refuse-stop] [--no-motion]
                 [--serve both|drive|cell --travel-file PATH]
--serve drive / --serve cell split the bus into two processes (two lines of
one rig: a pty and a TCP port, or two ptys): the drive's process writes the
crosshead's travel and speed to PATH (two doubles), the cell's process reads
them there and owns the specimen (it prints the break and the stop).
--port 0 binds a free TCP port and prints "PORT <n>"; --rtu makes a
pseudo-terminal pair (a relay between two ptys, as socat would) and prints
"PTY <path>" for the client. Events go to stdout, line-buffered:
"EVENT break ...", "EVENT stop travel_after_break_m=...", "EVENT watchdog ...".
"""
import argparse
import asyncio
import logging
import math
import os
import struct
import sys
import time
import tty

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer

import asda_b2_emu
import flintec_ft112_emu
import laumas_tlu_emu

T0 = time.monotonic()


def event(what):
    print(f"EVENT {what} t={time.monotonic() - T0:.4f}", flush=True)


class Specimen:
    """Force of the specimen from the crosshead travel (see the module doc)."""

    def __init__(self, fu, xb, contact):
        self.fu, self.xb, self.contact = fu, xb, contact
        self.broken = False
        self.break_pos = None

    def force(self, travel):
        x = travel - self.contact
        if self.broken or x <= 0:
            return 0.0
        if x > self.xb:
            self.broken = True
            self.break_pos = travel
            event(f"break peak_N={self.fu * math.tanh(3.0):.6f} travel_m={travel:.9f}")
            return 0.0
        return self.fu * math.tanh(3.0 * x / self.xb)


class Unit(ModbusSlaveContext):
    """A slave whose every request goes to a device object (its own map)."""

    def __init__(self, dev):
        super().__init__(zero_mode=True)
        self.dev = dev

    def validate(self, fc_as_hex, address, count=1):
        self.dev.seen_request()
        return self.dev.validate(fc_as_hex, address, count)

    def getValues(self, fc_as_hex, address, count=1):
        return self.dev.read(fc_as_hex, address, count)

    def setValues(self, fc_as_hex, address, values):
        self.dev.write(fc_as_hex, address, list(values))


def pty_pair():
    """Two pseudo-terminals joined by a relay: the server opens one, the
    client the other (what `socat pty pty` does). Returns (server path,
    client path, fds to relay)."""
    ma, sa = os.openpty()
    mb, sb = os.openpty()
    for fd in (sa, sb):
        tty.setraw(fd)
    # the slave fds stay open here so the masters never read EIO while a
    # client reconnects
    return os.ttyname(sa), os.ttyname(sb), (ma, mb, sa, sb)


def relay(loop, ma, mb):
    def pump(src, dst):
        def cb():
            try:
                data = os.read(src, 4096)
            except OSError:
                return
            if data:
                os.write(dst, data)
        return cb
    loop.add_reader(ma, pump(ma, mb))
    loop.add_reader(mb, pump(mb, ma))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--drive", default="asda-b2", choices=["asda-b2"])
    ap.add_argument("--cell", default="laumas-tlu", choices=["laumas-tlu", "flintec-ft112"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rtu", action="store_true")
    ap.add_argument("--fu", type=float, default=300.0, help="N, plateau force")
    ap.add_argument("--xb", type=float, default=1.0e-3, help="m, travel to the break")
    ap.add_argument("--contact", type=float, default=0.2e-3, help="m, travel to contact")
    ap.add_argument("--refuse-watchdog", action="store_true")
    ap.add_argument("--no-servo-on", action="store_true")
    ap.add_argument("--alarm-after", type=float, default=None, help="s")
    ap.add_argument("--alarm-code", type=lambda s: int(s, 0), default=0x13)
    ap.add_argument("--ignore-write", type=lambda s: int(s, 0), default=None)
    ap.add_argument("--dp-change-after", type=float, default=None, help="s")
    ap.add_argument("--cell-error-after", type=float, default=None, help="s")
    ap.add_argument("--freeze-force-after", type=float, default=None, help="s")
    ap.add_argument("--overrange-after", type=float, default=None, help="s")
    ap.add_argument("--refuse-stop", action="store_true")
    ap.add_argument("--no-motion", action="store_true")
    ap.add_argument("--serve", default="both", choices=["both", "drive", "cell"])
    ap.add_argument("--travel-file", default=None)
    ap.add_argument("--debug", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(stream=sys.stderr)
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if a.debug else logging.CRITICAL)

    spec = Specimen(a.fu, a.xb, a.contact)
    drive = asda_b2_emu.AsdaB2(event, refuse_watchdog=a.refuse_watchdog,
                               no_servo_on=a.no_servo_on, ignore_write=a.ignore_write,
                               alarm_after=a.alarm_after, alarm_code=a.alarm_code,
                               refuse_stop=a.refuse_stop, no_motion=a.no_motion)
    cls = laumas_tlu_emu.LaumasTlu if a.cell == "laumas-tlu" else flintec_ft112_emu.FlintecFt112
    cell = cls(event, dp_change_after=a.dp_change_after, cell_error_after=a.cell_error_after)
    units = {1: Unit(drive), 2: Unit(cell)}
    if a.serve != "both":
        if not a.travel_file:
            ap.error("--serve drive|cell needs --travel-file")
        units = {1: units[1]} if a.serve == "drive" else {2: units[2]}
        tfd = os.open(a.travel_file, os.O_RDWR | os.O_CREAT, 0o600)
        if a.serve == "drive":
            os.pwrite(tfd, struct.pack("<dd", 0.0, 0.0), 0)
    ctx = ModbusServerContext(slaves=units, single=False)

    loop = asyncio.get_running_loop()
    if a.rtu:
        spath, cpath, fds = pty_pair()
        relay(loop, fds[0], fds[1])
        # Delta P3-02 = 6: RTU 8N2 (ptys ignore the rate; parity none)
        server = ModbusSerialServer(context=ctx, framer=ModbusRtuFramer, port=spath,
                                    baudrate=115200, parity="N", bytesize=8, stopbits=2)
        await server.start()
        task = asyncio.ensure_future(server.serve_forever())
        print(f"PTY {cpath}", flush=True)
    else:
        server = ModbusTcpServer(context=ctx, address=("127.0.0.1", a.port),
                                 allow_reuse_address=True)
        task = asyncio.ensure_future(server.serve_forever())
        await server.serving
        print(f"PORT {server.server.sockets[0].getsockname()[1]}", flush=True)

    async def physics():
        last = time.monotonic()
        reported = False
        t_first = None
        while True:
            await asyncio.sleep(0.001)
            now = time.monotonic()
            dt = min(now - last, 0.05)
            last = now
            if a.serve == "cell":
                # the drive is another process: its travel and speed from the file
                buf = os.pread(tfd, 16, 0)
                if len(buf) == 16:
                    drive.motor_turns, drive.vel = struct.unpack("<dd", buf)
                    drive.motor_turns *= asda_b2_emu.GEAR / asda_b2_emu.LEAD_M
            else:
                drive.step(dt, now)
            if a.serve == "drive":
                os.pwrite(tfd, struct.pack("<dd", drive.travel_m(), drive.vel), 0)
                continue
            # these injected failures count from the emulator's first physics
            # step, as the cells' own --*-after options do
            if t_first is None:
                t_first = now
            el = now - t_first
            if a.freeze_force_after is not None and el > a.freeze_force_after and \
                    not cell.frozen:
                cell.frozen = True
                event("force_frozen")
            if a.overrange_after is not None and el > a.overrange_after and \
                    not cell.overrange:
                cell.overrange = True
                event("force_overrange")
            if spec.broken and drive.refuse_stop and not drive.stop_armed:
                drive.stop_armed = True
            cell.step(dt, now, spec.force(drive.travel_m()))
            if spec.broken and not reported and drive.vel == 0.0:
                reported = True
                event(f"stop travel_after_break_m={drive.travel_m() - spec.break_pos:.9f}")
    await asyncio.gather(task, physics())


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
