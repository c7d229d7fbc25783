#!/bin/sh
# demo.sh RIGOR — the main job on the simulated frame (see README "make demo").
#
# 1. A tensile test of the founding study's E-LPSCl film, run headless by
#    `rigor run` on the simulated load frame (in process, real Modbus TCP on a
#    loopback port): preload, zero, ramp at 10 mm/min until fracture.
# 2. A compression test of the LPSCl pellet (stop on fracture).
# 3. Figures and a report of both runs, in build/demo/.
set -eu
rigor=${1:-build/rigor}
out=$(dirname "$rigor")/demo
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
film="$out/e-lpscl-film-$stamp.csv"
pellet="$out/lpscl-pellet-$stamp.csv"

echo "== rigor run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film"
"$rigor" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film -o "$film"
echo
echo "== rigor run protocols/shipped/lpscl-pellet-compression.rigor --sim lpscl-pellet"
"$rigor" run protocols/shipped/lpscl-pellet-compression.rigor --sim lpscl-pellet -o "$pellet"
echo
"$rigor" analyze --quiet --plot "$out/film-tensile.svg" "$film"
"$rigor" analyze --quiet --plot "$out/film-tensile.png" "$film"
"$rigor" analyze --quiet --plot "$out/pellet-compression.png" "$pellet"
"$rigor" report "$film" "$pellet" -o "$out/demo-report.html"
echo "== run files: $film"
echo "              $pellet"
echo "== figures:   $out/film-tensile.svg, $out/film-tensile.png, $out/pellet-compression.png"
echo "== report:    $out/demo-report.html"
echo "== offline:   $rigor analyze examples/film-tensile.csv  (a bundled synthetic curve)"
