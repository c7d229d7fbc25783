#!/usr/bin/python3
"""malicious_peer.py — a Modbus TCP "device" that lies about lengths.

Listens on 127.0.0.1 (port 0: the kernel picks one, printed as "port N" on
stdout) and answers every request with one of a rotating set of malformed
replies: a byte count larger or smaller than the data, a register count
other than asked, an MBAP length that disagrees with the PDU, a reply far
longer than any PDU (300 bytes), a wrong function code, a truncated frame
followed by silence, and garbage. The driver must reject all of them
(libmodbus checks plus Rigor's count check in rig/link.c) without crashing,
reading past its buffers or hanging: tests/it_security.sh runs `rigor run`
against it. Exits after --seconds (default 20).

--trickle S: instead, a well-formed reply sent one byte every S seconds
(a peer slower than any byte timeout would notice): the driver must give
up after its response_timeout (tests/test_acq_faults.c).
"""
import socket
import struct
import sys
import threading
import time


def replies(tid, unit, fc, n):
    regs = b"\x00\x2a" * n
    def mbap(pdu, length=None):
        return struct.pack(">HHHB", tid, 0, len(pdu) + 1 if length is None else length, unit) + pdu
    yield mbap(bytes([fc, 2 * n + 20]) + regs)                # byte count > data
    yield mbap(bytes([fc, max(0, 2 * n - 2)]) + regs[:-2])    # one register short
    yield mbap(bytes([fc, 2 * n + 2]) + regs + b"\x00\x01")   # one register more
    yield mbap(bytes([fc, 2 * n]) + regs, length=3)           # MBAP length too small
    yield mbap(bytes([fc, 250]) + b"\x41" * 300, length=255)  # far too long
    yield mbap(bytes([fc ^ 0x01, 2 * n]) + regs)              # wrong function code
    yield mbap(bytes([fc | 0x80, 0x99]))                      # unknown exception code
    yield mbap(bytes([fc, 2 * n]) + regs)[:9]                 # truncated, then silence
    yield bytes(range(256))                                   # garbage


TRICKLE = 0.0


def trickled(conn, tid, unit, fc, n):
    pdu = bytes([fc, 2 * n]) + b"\x00\x2a" * n
    frame = struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu
    for b in frame:
        conn.sendall(bytes([b]))
        time.sleep(TRICKLE)


def serve(conn):
    k = 0
    conn.settimeout(5)
    try:
        while True:
            hdr = conn.recv(7)
            if len(hdr) < 7:
                return
            tid, _, length, unit = struct.unpack(">HHHB", hdr)
            pdu = conn.recv(max(0, length - 1))
            fc = pdu[0] if pdu else 3
            n = struct.unpack(">H", pdu[3:5])[0] if len(pdu) >= 5 and fc in (3, 4) else 1
            n = max(1, min(n, 125))
            if TRICKLE > 0:
                trickled(conn, tid, unit, fc, n)
                continue
            opts = list(replies(tid, unit, fc, n))
            conn.sendall(opts[k % len(opts)])
            k += 1
    except OSError:
        pass
    finally:
        conn.close()


def main():
    global TRICKLE
    if "--trickle" in sys.argv:
        TRICKLE = float(sys.argv[sys.argv.index("--trickle") + 1])
    seconds = 20.0
    if "--seconds" in sys.argv:
        seconds = float(sys.argv[sys.argv.index("--seconds") + 1])
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print("port", s.getsockname()[1], flush=True)
    s.settimeout(0.2)
    end = time.time() + seconds
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
