#!/bin/sh
# demo.sh RIGOR — the main job on bundled data (see README "make demo").
set -eu
rigor=${1:-build/rigor}
echo "== rigor analyze on the bundled example tensile curve (examples/film-tensile.csv)"
"$rigor" analyze examples/film-tensile.csv
