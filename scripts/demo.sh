#!/bin/sh
# demo.sh RIGOR — the main job on bundled data (see README "make demo").
set -eu
rigor=${1:-build/rigor}
echo "== rigor analyze on the bundled example tensile curve (examples/film-tensile.csv)"
"$rigor" analyze examples/film-tensile.csv
# The figures of the README "Plots" section, in the build folder.
out=$(dirname "$rigor")/demo
mkdir -p "$out"
"$rigor" analyze --quiet --plot "$out/film-tensile.svg" examples/film-tensile.csv
"$rigor" analyze --quiet --plot "$out/film-tensile.png" examples/film-tensile.csv
"$rigor" report examples/film-tensile.csv -o "$out/film-tensile-report.html"
echo "== figures: $out/film-tensile.svg, $out/film-tensile.png; report: $out/film-tensile-report.html"
