#!/usr/bin/python3
"""Generate examples/film-tensile.csv: a synthetic tensile curve of a 40 um
E-LPSCl film (10 mm wide, 20 mm gauge) in Rigor's run-file format.

Model (assumed where the founding study gives no number): elastic modulus
1.5 GPa, Voce hardening from 45 MPa towards 80 MPa, fracture at 74 MPa, at
10 mm/min crosshead, 50 Hz, with 0.05 N load noise (fixed seed). Run:
    /usr/bin/python3 scripts/gen-example.py > examples/film-tensile.csv
"""
import math
import random

random.seed(7)
E, sy, sinf, k = 1.5e9, 45e6, 80e6, 20.0
width, thick, gauge = 10e-3, 40e-6, 20e-3
area = width * thick
rate = 10e-3 / 60  # m/s
fs = 50.0


def stress(eps):
    ey = sy / E
    if eps <= ey:
        return E * eps
    return sinf - (sinf - sy) * math.exp(-k * (eps - ey))


print("# rigor-run 1")
print("# rigor_version: example")
print("# start_utc: 2026-11-25T00:00:00Z")
print("# specimen: example-film-1")
print("# test: tensile")
print("# width_mm: 10")
print("# thickness_mm: 0.04")
print("# gauge_length_mm: 20")
print("# note: synthetic E-LPSCl film curve from scripts/gen-example.py")
print("time_s,position_mm,force_N,stage")
t = 0.0
broke = None
i = 0
while True:
    t = i / fs
    x = rate * t
    eps = x / gauge
    s = stress(eps)
    if broke is None and s >= 74e6:
        broke = i
    if broke is not None and i > broke:
        f = 0.0
    else:
        f = s * area
    f += random.gauss(0, 0.05)
    print(f"{t:.3f},{x*1e3:.6f},{f:.4f},")
    i += 1
    if broke is not None and i > broke + 10:
        break
print("# end_reason: fracture")
print(f"# samples: {i}")
