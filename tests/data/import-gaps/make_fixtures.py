#!/usr/bin/env python3
"""Fixtures of tests/test_csvin_gaps.c (issue 20): a closed-form tensile
record whose extensometer is removed at 2 % strain, written the ways lab
software writes it. Deterministic (no noise), so the truth is exact:

  sigma = E eps                                  eps <= eps_y = Sy / E
  sigma = Sy + a (eps - eps_y) - b (eps - eps_y)^2  beyond
  Rm = Sy + a^2 / 4b at eps_m = eps_y + a / 2b; break at eps_b = 14 %
  crosshead X = Lp eps (Lp = 65 mm free length), L0 = 50 mm, A0 = 10 mm^2

Run: python3 tests/data/import-gaps/make_fixtures.py (rewrites the files).
"""
import os

E, SY, A, B = 200e9, 300e6, 4e9, 20e9
AREA, L0, LP, DEPS, EPS_B, EPS_R = 10e-6, 0.050, 0.065, 1e-4, 0.14, 0.02
EY = SY / E


def law(e):
    if e <= EY:
        return E * e
    d = e - EY
    return SY + A * d - B * d * d


def rows():
    nload = int(round(EPS_B / DEPS)) + 1
    for i in range(nload + 20):
        e = i * DEPS
        f = law(e) * AREA if i < nload else 0.0
        yield i, e, f


HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, text):
    with open(os.path.join(HERE, name), "w", newline="") as fh:
        fh.write(text)


# 1. Strain (%) column empty after the removal; crosshead in mm.
out = ["Specimen,gap-1", "Area,10,mm^2", "Gauge length,50,mm", "",
       "Time (s),Extension (mm),Load (N),Strain (%)"]
for i, e, f in rows():
    s = "" if e >= EPS_R - 1e-12 else "%.5f" % (e * 100)
    out.append("%.1f,%.5f,%.3f,%s" % (i * 0.1, LP * e * 1e3, f, s))
write("strain_empty_after_yield.csv", "\r\n".join(out) + "\r\n")

# 2. The same with one empty force cell: still an error, naming the line.
bad = list(out)
k = len(bad) - 400
parts = bad[k].split(",")
parts[2] = ""
bad[k] = ",".join(parts)
write("force_empty.csv", "\r\n".join(bad) + "\r\n")

# 3. Extensometer in mm beside a crosshead in mm; the extensometer is
#    frozen at its last value after the removal (it stays mounted, stopped).
out = ["Specimen,gap-3", "Area,10,mm^2", "Gauge length,50,mm", "",
       "Time (s),Crosshead (mm),Extensometer (mm),Load (N)"]
frozen = None
for i, e, f in rows():
    x = L0 * e * 1e3
    if e >= EPS_R - 1e-12:
        frozen = x if frozen is None else frozen
        x = frozen
    out.append("%.1f,%.5f,%.5f,%.3f" % (i * 0.1, LP * e * 1e3, x, f))
write("extenso_mm_frozen.csv", "\r\n".join(out) + "\r\n")

# 4. Extensometer in mm beside a crosshead, its column empty after removal.
out = ["Specimen,gap-4", "Area,10,mm^2", "Gauge length,50,mm", "",
       "Time (s),Crosshead (mm),Extensometer (mm),Load (N)"]
for i, e, f in rows():
    x = "" if e >= EPS_R - 1e-12 else "%.5f" % (L0 * e * 1e3)
    out.append("%.1f,%.5f,%s,%.3f" % (i * 0.1, LP * e * 1e3, x, f))
write("extenso_mm_empty.csv", "\r\n".join(out) + "\r\n")
