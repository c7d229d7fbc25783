#!/bin/sh
# it_inspect.sh — `rigor inspect` end to end: a good file is described, an
# unreadable one gives one located error line and exit 2, and the files after
# it are still inspected.
set -u
RIGOR=${RIGOR:-build/rigor}
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); echo "ok $1"; }
ko() { fail=$((fail + 1)); echo "not ok $1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'Time (s),Extension (mm),Load (kN)\n0,0,0\n0.5,0.01,1.5\n1,0.02,3.0\n' > "$tmp/good.csv"
"$RIGOR" inspect "$tmp/good.csv" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q 'format: *plain-csv' "$tmp/out" && grep -q 'Load (kN) .*role force' "$tmp/out" \
    && grep -q '3 rows' "$tmp/out"; then ok "good file described"; else ko "good file described (rc $rc)"; cat "$tmp/out" "$tmp/err"; fi

"$RIGOR" inspect "$tmp/missing.csv" tests/data/import/nonnumeric.csv "$tmp/good.csv" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 2 ]; then ok "exit 2 when a file fails"; else ko "exit 2 when a file fails (rc $rc)"; fi
if grep -q "missing.csv: cannot open" "$tmp/err"; then ok "unreadable file named"; else ko "unreadable file named"; cat "$tmp/err"; fi
if grep -q "nonnumeric.csv:4:10: expected a number" "$tmp/err"; then ok "bad cell located"; else ko "bad cell located"; cat "$tmp/err"; fi
if grep -q 'format: *plain-csv' "$tmp/out"; then ok "next file still inspected"; else ko "next file still inspected"; fi
n=$(wc -l < "$tmp/err")
if [ "$n" -eq 2 ]; then ok "one error line per failed file"; else ko "one error line per failed file ($n)"; fi

"$RIGOR" inspect --column force=Nope "$tmp/good.csv" > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "no such column" "$tmp/err"; then ok "--column unknown name"; else ko "--column unknown name (rc $rc)"; fi

# issue #20: a setpoint column is rejected with its reason; bare numbers need --columns
"$RIGOR" inspect tests/data/import-classes/setpoint_de.txt > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "Kraft Sollwert .*rejected: setpoint/command channel.*measured force is 'Kraft'" "$tmp/out"; then
    ok "setpoint column rejected with reason"; else ko "setpoint column rejected with reason (rc $rc)"; cat "$tmp/out"; fi
"$RIGOR" inspect tests/data/import-classes/bare_strain_stress.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "bare_strain_stress.csv:1:1: no header row.*--columns" "$tmp/err"; then
    ok "headerless file: error names --columns"; else ko "headerless file: error names --columns (rc $rc)"; cat "$tmp/err"; fi
"$RIGOR" inspect --columns strain:%,stress:MPa tests/data/import-classes/bare_strain_stress.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "column 1 .*role strain" "$tmp/out" && grep -q "301 rows" "$tmp/out"; then
    ok "--columns reads a headerless file"; else ko "--columns reads a headerless file (rc $rc)"; cat "$tmp/out" "$tmp/err"; fi
"$RIGOR" inspect --columns strain:kN,stress:MPa tests/data/import-classes/bare_strain_stress.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "unit 'kN' is force" "$tmp/err"; then
    ok "--columns wrong unit refused"; else ko "--columns wrong unit refused (rc $rc)"; cat "$tmp/err"; fi

# the extensometer choice is in the results' method (strain_channel)
"$RIGOR" analyze --json --area 10 --gauge-length 50 tests/data/import-classes/extenso_pct.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "\"strain_channel\": \"extensometer 'Extensometer'\"" "$tmp/out"; then
    ok "method names the extensometer"; else ko "method names the extensometer (rc $rc)"; cat "$tmp/err"; grep strain "$tmp/out"; fi
"$RIGOR" analyze --json --columns strain:%,stress:MPa tests/data/import-classes/bare_strain_stress.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '"format": "headerless"' "$tmp/out"; then
    ok "analyze --columns"; else ko "analyze --columns (rc $rc)"; cat "$tmp/err"; fi
"$RIGOR" analyze --columns strain:%,bogus:MPa tests/data/import-classes/bare_strain_stress.csv > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "unknown role 'bogus'" "$tmp/err"; then
    ok "analyze --columns bad role exit 2"; else ko "analyze --columns bad role (rc $rc)"; cat "$tmp/err"; fi

real=${RIGOR_SHARED:-../shared}/data/real
if [ -d "$real" ]; then
    "$RIGOR" inspect "$real/ppieczywek__TDA/DATA/NANO_K_1.MTR" "$real/gerlachjan__eval_TensileTest/experminent_data/DD11_7_3.TSX" > "$tmp/out" 2> "$tmp/err"; rc=$?
    if [ $rc -eq 0 ] && grep -q 'format: *deben-mtr' "$tmp/out" && grep -q 'format: *catman-tsx' "$tmp/out"; then
        ok "real Deben and catman .TSX described"; else ko "real Deben and catman .TSX described (rc $rc)"; fi
else
    skip=$((skip + 1)); echo "skip real files: ../shared/data/real is absent"
fi
echo "# it_inspect: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
