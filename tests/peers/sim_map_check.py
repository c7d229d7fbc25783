#!/usr/bin/python3
"""sim_map_check.py HOST PORT — check every register of the reference frame with pymodbus.

An independent client (Debian's python3-pymodbus 3.x, run with /usr/bin/python3)
against `rigor sim --tcp` loaded with the default preset e-lpscl-film
(10 mm x 40 um film, 20 mm gauge; load-cell count 0.1 mN). It decodes every
32-bit value itself with struct in the word order of docs/reference-frame.md
(drive CDAB, transmitter and extensometer ABCD) and checks the values are
physically consistent, the exception codes (01, 02, 03, 0B) and that FC06 is
refused on the transmitter's COMMAND. Prints one line per check and
"# sim_map_check: N passed, N failed"; exit status 1 on any failure.
"""
import struct
import sys
import time

from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ExceptionResponse

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)


def i32(words, order):
    hi, lo = (words[0], words[1]) if order == "ABCD" else (words[1], words[0])
    return struct.unpack(">i", struct.pack(">HH", hi, lo))[0]


def f32(words):  # ABCD
    return struct.unpack(">f", struct.pack(">HH", words[0], words[1]))[0]


def words_i32(v, order):
    hi, lo = struct.unpack(">HH", struct.pack(">i", v))
    return [hi, lo] if order == "ABCD" else [lo, hi]


def exc(rr):
    return rr.exception_code if isinstance(rr, ExceptionResponse) else None


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    c = ModbusTcpClient(host, port=port, timeout=2)
    check(c.connect(), "connect")

    # --- drive (unit 1)
    hr = c.read_holding_registers(0, 9, slave=1)
    check(not hr.isError() and len(hr.registers) == 9, "drive HR 0-8 readable")
    check(exc(c.read_holding_registers(0, 10, slave=1)) == 2, "drive HR 9 -> exception 02")
    check(exc(c.read_input_registers(0, 7, slave=1)) == 2, "drive IR 6 -> exception 02")
    check(exc(c.write_register(1, 7, slave=1)) == 3, "MODE 7 -> exception 03")
    check(exc(c.read_coils(0, 1, slave=1)) == 1, "coils -> exception 01")
    c.write_register(6, 20000, slave=1)  # ACCEL 20 mm/s^2
    c.write_registers(2, words_i32(1000000, "CDAB"), slave=1)  # 1 mm/s up
    r = c.read_holding_registers(2, 5, slave=1).registers
    check(i32(r[0:2], "CDAB") == 1000000, "VELOCITY_CMD i32 CDAB round trip")
    check(r[4] == 20000, "ACCEL round trip")
    c.write_register(0, 1, slave=1)  # ENABLE
    time.sleep(0.3)
    ir = c.read_input_registers(0, 6, slave=1).registers
    pos_nm, vel = i32(ir[2:4], "CDAB"), i32(ir[4:6], "CDAB")
    check(ir[0] & 1 and ir[0] & 2, "STATUS ENABLED|MOVING (0x%x)" % ir[0])
    check(ir[1] == 0, "FAULT_CODE 0")
    check(150000 < pos_nm < 400000, "POSITION CDAB after 0.3 s at 1 mm/s: %d nm" % pos_nm)
    check(vel == 1000000, "VELOCITY CDAB = 1 mm/s: %d nm/s" % vel)
    check(not (100000 < i32(ir[2:4], "ABCD") < 1000000), "POSITION is not ABCD")

    # --- transmitter (unit 2) while the film is loaded
    t = c.read_input_registers(0, 8, slave=2).registers
    force, peak, tick, raw = f32(t[1:3]), f32(t[3:5]), t[5], i32(t[6:8], "ABCD")
    check(2.0 < force < 30.0, "FORCE f32 ABCD in tension: %.4f N" % force)
    check(t[0] & 1 == 0, "STATUS not STABLE while loading (0x%x)" % t[0])
    check(abs(peak) >= force - 0.01, "PEAK >= FORCE (%.4f)" % peak)
    check(abs((raw - 100000) * 1e-4 - force) < 2e-4, "RAW i32 ABCD = zero + FORCE/count (%d)" % raw)
    time.sleep(0.2)
    tick2 = c.read_input_registers(5, 1, slave=2).registers[0]
    dticks = (tick2 - tick) % 65536
    check(120 < dticks < 320, "TICK runs at ~1 kHz (%d in ~0.2 s)" % dticks)
    hr2 = c.read_holding_registers(0, 2, slave=2).registers
    check(hr2[1] == 200, "FILTER_HZ default 200")
    check(exc(c.write_register(0, 1, slave=2)) == 1, "FC06 on transmitter COMMAND -> 01")
    check(exc(c.write_register(1, 900, slave=2)) == 3, "FILTER_HZ 900 -> 03")
    check(not c.write_register(1, 100, slave=2).isError(), "FC06 on FILTER_HZ allowed")
    check(c.read_holding_registers(1, 1, slave=2).registers[0] == 100, "FILTER_HZ round trip")
    check(exc(c.read_input_registers(8, 1, slave=2)) == 2, "transmitter IR 8 -> 02")

    # --- extensometer (unit 3)
    e = c.read_input_registers(0, 3, slave=3).registers
    ext = i32(e[1:3], "ABCD")
    check(e[0] & 1, "extensometer ATTACHED")
    check(100000 < ext < 600000, "EXTENSION i32 ABCD ~ specimen elongation: %d nm" % ext)
    check(exc(c.read_input_registers(3, 1, slave=3)) == 2, "extensometer IR 3 -> 02")

    # --- stop, tare (FC16), zero the extensometer
    c.write_registers(2, words_i32(0, "CDAB"), slave=1)
    time.sleep(0.15)
    check(not c.write_registers(0, [1], slave=2).isError(), "FC16 COMMAND=1 (tare)")
    time.sleep(0.05)
    f_after = f32(c.read_input_registers(1, 2, slave=2).registers)
    check(abs(f_after) < 0.02, "net FORCE after tare: %.4f N" % f_after)
    time.sleep(0.2)
    st2 = c.read_input_registers(0, 1, slave=2).registers[0]
    check(st2 & 1 and not st2 & 2, "STATUS STABLE at rest, no OVERLOAD (0x%x)" % st2)
    c.write_register(0, 1, slave=3)
    time.sleep(0.01)
    ext0 = i32(c.read_input_registers(1, 2, slave=3).registers, "ABCD")
    check(abs(ext0) < 1000, "EXTENSION after zero: %d nm" % ext0)
    check(not c.write_registers(0, [2], slave=2).isError(), "FC16 COMMAND=2 (reset peak)")
    check(exc(c.write_registers(0, [3], slave=2)) == 3, "COMMAND 3 -> 03")

    # --- watchdog: 100 ms without heartbeat trips it
    c.write_register(7, 100, slave=1)
    c.write_register(8, 1, slave=1)
    time.sleep(0.3)
    st, code = c.read_input_registers(0, 2, slave=1).registers
    check(st & 0x40 and st & 0x04 and code == 1 and not st & 1,
          "watchdog tripped: STATUS 0x%x FAULT_CODE %d" % (st, code))
    check(c.read_holding_registers(0, 1, slave=1).registers[0] & 1 == 0,
          "ENABLE cleared by the fault")
    c.write_register(7, 0, slave=1)
    c.write_register(0, 4, slave=1)  # FAULT_RESET
    st, code = c.read_input_registers(0, 2, slave=1).registers
    check(code == 0 and not st & 0x44, "FAULT_RESET clears it")
    check(c.read_holding_registers(0, 1, slave=1).registers[0] == 0, "FAULT_RESET reads back 0")

    # --- position mode: POSITION_CMD i32 CDAB, travel speed from VELOCITY_CMD
    c.write_registers(4, words_i32(-300000, "CDAB"), slave=1)
    c.write_registers(2, words_i32(2000000, "CDAB"), slave=1)
    check(not c.write_register(1, 1, slave=1).isError(), "MODE 1 (position)")
    c.write_register(0, 1, slave=1)
    check(i32(c.read_holding_registers(4, 2, slave=1).registers, "CDAB") == -300000,
          "POSITION_CMD i32 CDAB round trip")
    time.sleep(0.9)
    ir = c.read_input_registers(0, 6, slave=1).registers
    check(i32(ir[2:4], "CDAB") == -300000 and not ir[0] & 2 and ir[0] & 1,
          "position mode arrives at -300000 nm and stops (STATUS 0x%x, %d nm)"
          % (ir[0], i32(ir[2:4], "CDAB")))
    c.write_register(0, 0, slave=1)

    # --- gateway
    check(exc(c.read_input_registers(0, 1, slave=7)) == 0x0B, "unknown unit 7 -> exception 0B")
    c.close()
    print("# sim_map_check: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
