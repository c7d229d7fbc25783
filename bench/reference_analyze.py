#!/usr/bin/python3
"""reference_analyze.py - the baseline of the analysis benchmark (bench/run.sh).

The way a lab often analyses a run by hand: pandas read_csv + numpy, for the
rigor-run files of bench/gen.c. Per file: maximum force, modulus by least
squares on a fixed strain window, strength (maximum stress) and toughness
(trapezoidal integral of stress over strain to the end of the data).
Tensile: stress = F / A0, strain = position / L0; compression: the signs
flipped, strain = travel / h0. Needs Debian's python3-pandas (/usr/bin/python3).

usage: reference_analyze.py [--window LO:HI] FILE...   (window in % strain)
"""
import math
import sys

import numpy as np
import pandas as pd


def header(path):
    meta = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            if ":" in line:
                k, v = line[1:].split(":", 1)
                meta[k.strip()] = v.strip()
    return meta


def analyze(path, lo, hi):
    meta = header(path)
    df = pd.read_csv(path, comment="#", usecols=["time_s", "position_mm", "force_N"])
    force = df["force_N"].to_numpy()
    pos = df["position_mm"].to_numpy() * 1e-3
    if meta.get("test") == "compression":
        d = float(meta["diameter_mm"]) * 1e-3
        area, length = math.pi * d * d / 4, float(meta["height_mm"]) * 1e-3
        force, pos = -force, -pos
    else:
        area = float(meta["width_mm"]) * float(meta["thickness_mm"]) * 1e-6
        length = float(meta["gauge_length_mm"]) * 1e-3
    stress = force / area
    strain = pos / length
    sel = (strain >= lo / 100) & (strain <= hi / 100)
    modulus = np.polyfit(strain[sel], stress[sel], 1)[0] if sel.sum() >= 2 else float("nan")
    toughness = np.trapz(stress, strain)
    return force.max(), modulus, stress.max(), toughness


def main(argv):
    lo, hi = 0.1, 0.5
    args = argv[1:]
    if len(args) >= 2 and args[0] == "--window":
        lo, hi = (float(x) for x in args[1].split(":"))
        args = args[2:]
    for path in args:
        fmax, e, s, w = analyze(path, lo, hi)
        print(f"{path}: max_force_N={fmax:.6g} modulus_MPa={e / 1e6:.6g} "
              f"strength_MPa={s / 1e6:.6g} toughness_MJ_m3={w / 1e6:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
