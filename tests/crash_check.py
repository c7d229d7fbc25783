#!/usr/bin/python3
"""crash_check.py RUNFILE TRUTHCSV — is an interrupted run file a valid prefix
of what the simulator measured?  Used by tests/it_crash.sh after kill -9.

Every complete line (ending in a newline; a torn last line is ignored) must be
a comment, the column header or a row of finite numbers with increasing time.
Each row must correspond to the ground truth, in order:

- force: the transmitter's FORCE register is an f32 that the simulator also
  logs (measured_force_N, 7 significant digits) every 1 ms, so a row's force
  must equal a logged value to 1e-6 relative (+1e-9 N), and the matched truth
  rows must not go back in time (greedy earliest match = subsequence test);
- position: the drive's POSITION is read in another request of the same
  cycle (a few ms apart, more with a retry), so the row's position plus the
  zero offset must equal the logged crosshead position (1 ms steps) at some
  instant within +-0.3 s of the force match, to 2 nm: the drive reports whole
  nanometres of the same simulated crosshead, the log has 10 digits. The zero
  offset is 0 before the protocol's "zero position" and z afterwards, where z
  is a logged position (the crosshead at the zero instant) chosen to explain
  most rows.

The kill also loses the truth log's unflushed tail (it is flushed on events
only), so rows later than the last truth row (times mapped with the median
offset between the clocks, +0.2 s) are counted as unverifiable, not failed.
Prints one line: rows, verified, unverifiable, problems; exit 1 on a problem.
"""
import bisect
import math
import statistics
import sys

FORCE_REL, FORCE_ABS = 1e-6, 1e-9
POS_TOL_MM = 2e-6
WINDOW_S = 0.3


def main():
    run, truth = sys.argv[1], sys.argv[2]
    problems = []
    rows = []
    with open(run, "rb") as f:
        data = f.read()
    complete = data[: data.rfind(b"\n") + 1] if b"\n" in data else b""
    header_seen = False
    last_t = -math.inf
    for no, raw in enumerate(complete.split(b"\n")[:-1], 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {no}: not UTF-8")
            continue
        if line.startswith("#"):
            continue
        if line.startswith("time_s,"):
            header_seen = True
            continue
        parts = line.split(",")
        if not header_seen or len(parts) < 4:
            problems.append(f"line {no}: not a row: {line[:60]!r}")
            continue
        try:
            t, p, fN = float(parts[0]), float(parts[1]), float(parts[2])
        except ValueError:
            problems.append(f"line {no}: bad number: {line[:60]!r}")
            continue
        if not all(math.isfinite(v) for v in (t, p, fN)) or t <= last_t:
            problems.append(f"line {no}: non-finite or time not increasing: {line[:60]!r}")
            continue
        last_t = t
        rows.append((no, t, p, fN))

    tt, xs, fs = [], [], []
    with open(truth) as f:
        for line in f:
            if line.startswith("#") or line.startswith("t_s") or not line.endswith("\n"):
                continue
            c = line.split(",")
            try:
                tt.append(float(c[0]))
                xs.append(float(c[1]) * 1e3)
                fs.append(float(c[5]))
            except (ValueError, IndexError):
                pass

    # force: greedy earliest match, in order
    match = []
    k = 0
    unmatched_from = None
    for i, (no, t, p, fN) in enumerate(rows):
        tol = FORCE_ABS + FORCE_REL * abs(fN)
        j = k
        while j < len(fs) and abs(fs[j] - fN) > tol:
            j += 1
        if j == len(fs):
            unmatched_from = i
            break
        match.append(j)
        k = j
    offs = [tt[j] - rows[i][1] for i, j in enumerate(match)]
    off = statistics.median(offs) if offs else 0.0
    unverifiable = 0
    if unmatched_from is not None:
        for i in range(unmatched_from, len(rows)):
            no, t, p, fN = rows[i]
            if tt and t + off > tt[-1] - 0.2:
                unverifiable += 1
            else:
                problems.append(f"line {no}: force {fN} at t={t} not in the truth log (in order)")
    # position: zero offset z (0 before the zero step). z is the crosshead
    # position at the zero instant, itself a logged value: chosen among the
    # logged positions up to the first moving row as the one that explains
    # most of a sample of rows.
    def near(j, p, z):
        lo = bisect.bisect_left(tt, tt[j] - WINDOW_S)
        hi = bisect.bisect_right(tt, tt[j] + WINDOW_S)
        return any(abs(xs[m] - z - p) <= POS_TOL_MM for m in range(lo, hi))

    z = 0.0
    moving = [i for i in range(len(match)) if rows[i][2] != 0.0]
    if moving:
        jend = bisect.bisect_right(tt, tt[match[moving[0]]] + WINDOW_S)
        cands = sorted(set(xs[:jend]))
        sample = moving[:: max(1, len(moving) // 30)]
        best = -1
        for c in cands:
            n = sum(near(match[i], rows[i][2], c) for i in sample)
            if n > best:
                best, z = n, c
    for i, j in enumerate(match):
        no, t, p, fN = rows[i]
        if not (near(j, p, 0.0) or near(j, p, z)):
            problems.append(f"line {no}: position {p} mm is no logged crosshead position "
                            f"(+-{POS_TOL_MM * 1e6:.0f} nm, zero offset {z:.6f} mm) "
                            f"within {WINDOW_S} s of t={tt[j]:.3f}")
    verified = len(match)
    for msg in problems[:5]:
        print("  " + msg)
    print(f"rows {len(rows)} verified {verified} unverifiable {unverifiable} "
          f"problems {len(problems)} zero_offset_mm {z:.6f} clock_offset_s {off:.3f}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
