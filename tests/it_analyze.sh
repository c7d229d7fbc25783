#!/bin/sh
# it_analyze.sh — `rigor analyze` end to end: outputs, exit status, bad input.
# Run from the repository root with RIGOR=path/to/rigor.
set -u
RIGOR=${RIGOR:-build/rigor}
PY=/usr/bin/python3
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()   { pass=$((pass + 1)); echo "ok $1"; }
bad()  { fail=$((fail + 1)); echo "not ok $1: $2"; }

# 1. table output of the bundled example, exit 0
out=$("$RIGOR" analyze examples/film-tensile.csv 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q "Tensile strength" && [ ! -s "$tmp/err" ]; then
    ok table; else bad table "rc=$rc $(cat "$tmp/err")"; fi

# 2. JSON parses, has the issue's keys, and the strength is the generated 74 MPa
"$RIGOR" analyze --json examples/film-tensile.csv >"$tmp/a.json" 2>"$tmp/err"
if $PY - "$tmp/a.json" <<'PYEOF'
import json, sys
v = json.load(open(sys.argv[1]))
assert isinstance(v, list) and len(v) == 1, v
o = v[0]
for k in ("file", "specimen", "test", "source_columns", "method", "results"):
    assert k in o, k
r = o["results"]
for k in ("max_force_n", "modulus_mpa", "modulus_r2", "modulus_strain_range_pct",
          "yield_strength_mpa", "yield_strain_pct", "tensile_strength_mpa",
          "strain_at_max_pct", "break_stress_mpa", "strain_at_break_pct",
          "toughness_mj_m3", "toe_offset_pct"):
    assert k in r, k
assert abs(r["tensile_strength_mpa"] - 74) < 0.74, r["tensile_strength_mpa"]
assert abs(r["modulus_mpa"] - 1500) < 15, r["modulus_mpa"]
assert o["test"] == "tensile" and o["specimen"] == "example-film-1"
assert len(r["modulus_strain_range_pct"]) == 2
assert o["method"]["modulus_method"] == "auto" and o["method"]["toe_compensation"] is True
PYEOF
then ok json; else bad json "see above"; fi

# 3. CSV: header row, then one row per specimen; a file named twice is read once
cp examples/film-tensile.csv "$tmp/copy.csv"
"$RIGOR" analyze --csv examples/film-tensile.csv "$tmp/copy.csv" examples/film-tensile.csv >"$tmp/a.csv" 2>"$tmp/a.err"
if head -1 "$tmp/a.csv" | grep -q '^file,specimen,test,max_force_n,' && [ "$(wc -l <"$tmp/a.csv")" -eq 3 ]; then
    ok csv; else bad csv "$(cat "$tmp/a.csv")"; fi

# 4. bad inputs: one error line each with file:line:col, exit 2, good file still analysed
"$RIGOR" analyze --csv tests/data/analyze/empty.csv tests/data/analyze/bad_cell.csv \
    examples/film-tensile.csv >"$tmp/b.csv" 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q '^rigor: tests/data/analyze/empty.csv:1:1: ' "$tmp/err" \
   && grep -q "^rigor: tests/data/analyze/bad_cell.csv:4:7: expected a number in column 'force_N', found 'abc'" "$tmp/err" \
   && [ "$(wc -l <"$tmp/b.csv")" -eq 2 ] && [ "$(grep -c '^rigor: ' "$tmp/err")" -eq 2 ]; then
    ok bad-input; else bad bad-input "rc=$rc $(cat "$tmp/err")"; fi

# 5. missing geometry is an error naming what is missing, not a guess
"$RIGOR" analyze tests/data/analyze/no_geometry.csv >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'missing geometry.*--area' "$tmp/err"; then
    ok missing-geometry; else bad missing-geometry "rc=$rc $(cat "$tmp/err")"; fi
# ... and with geometry flags the same file is analysed (strength = 40 N / 4 mm^2 = 10 MPa)
out=$("$RIGOR" analyze --json --width 2 --thickness 2 --gauge-length 10 tests/data/analyze/no_geometry.csv)
if echo "$out" | $PY -c 'import json,sys; r=json.load(sys.stdin)[0]["results"]; assert abs(r["tensile_strength_mpa"]-10)<1e-9, r'; then
    ok geometry-flags; else bad geometry-flags "$out"; fi

# 6. usage errors: unknown flag, bad number, unknown preset -> exit 2 with a message
for args in "--bogus x" "--width abc x" "--preset nope x" "--modulus chord:0.25:0.05 x"; do
    # shellcheck disable=SC2086
    "$RIGOR" analyze $args >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && [ -s "$tmp/err" ]; then ok "usage '$args'"; else bad "usage '$args'" "rc=$rc"; fi
done

# 7. peer data: the pymechtest window modulus with the peer's method selected by flags
f=../shared/data/peer/FollowTheProcess_pymechtest/Tens_Yield/Specimen_RawData_1.csv
if [ -r "$f" ]; then
    out=$("$RIGOR" analyze --json --modulus fit:0.005:0.015 "$f")
    if echo "$out" | $PY -c '
import json,sys
o=json.load(sys.stdin)[0]; r=o["results"]
assert abs(r["modulus_mpa"]/1e3-177.04) <= 0.015, r["modulus_mpa"]
assert abs(r["tensile_strength_mpa"]-188.44) <= 0.015
assert o["specimen"]=="009"
assert o["method"]["modulus_window_pct"]==[0.005,0.015]
assert "vendor_modulus_mpa" in r or "vendor_tensile_strength_mpa" in r, sorted(r)
'; then ok peer-fit-window; else bad peer-fit-window "$out"; fi
else
    skip=$((skip + 1)); echo "skip peer-fit-window: ../shared/data/peer absent"
fi

# 8. --strict: a WARNING result exits 1 (no linear elastic region: the modulus
#    is flagged); without --strict the same file exits 0 and shows the
#    warning; a clean file exits 0 under --strict.
f=tests/data/analyze/no_linear_region.csv
out=$("$RIGOR" analyze "$f" 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '^  WARNING: no window of the initial loading'; then
    ok warning-shown; else bad warning-shown "rc=$rc $out"; fi
"$RIGOR" analyze --strict "$f" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q -- '--strict: 1 specimen with warnings' "$tmp/err"; then
    ok strict-exit-1; else bad strict-exit-1 "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" analyze --strict examples/film-tensile.csv >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ]; then ok strict-clean-exit-0; else bad strict-clean-exit-0 "rc=$rc $(cat "$tmp/err")"; fi
# the warnings are also a typed array in --json (empty for a clean file)
"$RIGOR" analyze --json tests/data/analyze/no_linear_region.csv examples/film-tensile.csv >"$tmp/w.json" 2>/dev/null
if $PY -c '
import json,sys
v=json.load(open(sys.argv[1]))
assert len(v[0]["warnings"])==2 and all(w.startswith("WARNING: ") for w in v[0]["warnings"]), v[0]["warnings"]
assert v[1]["warnings"]==[], v[1]["warnings"]
' "$tmp/w.json"; then ok json-warnings; else bad json-warnings "$(head -c 300 "$tmp/w.json")"; fi
# 8b. a compression strain beyond 100 % (travel 1.55 mm on a 1 mm specimen) is a
#     typed WARNING, and --strict exits 1 for it (issue 23)
f=tests/data/analyze/compression_over_100.csv
out=$("$RIGOR" analyze "$f" 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q '^  WARNING: maximum strain 154.9 % is beyond 100 %'; then
    ok compression-over-100-warning; else bad compression-over-100-warning "rc=$rc $out"; fi
"$RIGOR" analyze --strict "$f" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q -- '--strict: 1 specimen with warnings' "$tmp/err"; then
    ok compression-over-100-strict; else bad compression-over-100-strict "rc=$rc $(cat "$tmp/err")"; fi
# 8c. --modulus e3076: the fit range's quality metrics are results.modulus_quality,
#     an object of numbers and pass/fail booleans (issue 23)
"$RIGOR" analyze --json --modulus e3076 examples/film-tensile.csv >"$tmp/e.json" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && $PY -c '
import json,sys
v=json.load(open(sys.argv[1]))[0]
q=v["results"]["modulus_quality"]
assert v["method"]["modulus_method"]=="e3076", v["method"]["modulus_method"]
assert q["points"]>=q["points_min"] and q["points_ok"] is True, q
for k in ("stress_noise_ok","stress_resolution_ok","strain_resolution_ok","fit_residual_ok","curvature_ok","first_order_ok"):
    assert q[k] is True, (k, q)
assert 0 < q["stress_noise_pct"] < q["stress_noise_max_pct"], q
' "$tmp/e.json"; then ok e3076-json; else bad e3076-json "rc=$rc $(head -c 300 "$tmp/e.json") $(cat "$tmp/err")"; fi
# a read failure stays 2 under --strict
"$RIGOR" analyze --strict "$f" tests/data/analyze/empty.csv >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ]; then ok strict-failure-exit-2; else bad strict-failure-exit-2 "rc=$rc"; fi
# the regression of issue 23: St1595 no longer gets a 2 GPa modulus and a -6.9 % toe
f=../shared/data/peer/bezborodow_stress-strain/St1595.csv
if [ -r "$f" ]; then
    out=$("$RIGOR" analyze --json "$f")
    if echo "$out" | $PY -c '
import json,sys
o=json.load(sys.stdin)[0]; r=o["results"]
assert r["modulus_mpa"] > 50e3, r["modulus_mpa"]
assert abs(r["toe_offset_pct"]) < 2, r["toe_offset_pct"]
assert any(n.startswith("WARNING: no window of the initial loading") for n in o["notes"]), o["notes"]
'; then ok st1595-modulus; else bad st1595-modulus "$out"; fi
else
    skip=$((skip + 1)); echo "skip st1595-modulus: ../shared/data/peer absent"
fi

# 9. metals: the normalized 1045 steel record (a Lueders plateau) gives ReH,
#    ReL, Ae; --rt and --final-diameter give Rt and Z (1 - (4.51/7.13)^2);
#    the keys are in --json and --csv under their names
f="../shared/data/peer/DuncanWilliamGibbons_tensile-analyzer/Steel_1045_Normalized_1_Formatted.csv"
if [ -r "$f" ]; then
    out=$("$RIGOR" analyze --json --rt 0.5 --final-diameter 4.51 "$f")
    if echo "$out" | $PY -c '
import json,sys
r=json.load(sys.stdin)[0]["results"]
assert r["yield_type"]=="discontinuous", r.get("yield_type")
assert abs(r["upper_yield_strength_mpa"]-523.7)<0.5, r["upper_yield_strength_mpa"]
assert abs(r["lower_yield_strength_mpa"]-494.9)<0.5, r["lower_yield_strength_mpa"]
assert 1.2 < r["yield_point_extension_pct"] < 1.6, r["yield_point_extension_pct"]
assert abs(r["reduction_of_area_pct"]-100*(1-(4.51/7.13)**2))<1e-6, r["reduction_of_area_pct"]
assert 490 < r["total_extension_strength_mpa"] < 500
for k in ("uniform_elongation_pct","total_elongation_at_max_pct","elongation_after_fracture_pct","n_value"):
    assert k in r, k
'; then ok metals-json; else bad metals-json "$out"; fi
    hdr=$("$RIGOR" analyze --csv --final-diameter 4.51 "$f" | head -1)
    if echo "$hdr" | grep -q ',upper_yield_strength_mpa,' && echo "$hdr" | grep -q ',reduction_of_area_pct,'; then
        ok metals-csv; else bad metals-csv "$hdr"; fi
else
    skip=$((skip + 2)); echo "skip metals: ../shared/data/peer absent"
fi
for args in "--rt -1 x" "--final-width 3 x" "--final-diameter 4 --final-width 3 --final-thickness 1 x"; do
    # shellcheck disable=SC2086
    "$RIGOR" analyze $args >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && [ -s "$tmp/err" ]; then ok "usage '$args'"; else bad "usage '$args'" "rc=$rc"; fi
done

# 10. issue 20: an extensometer removed mid-test leaves its column empty; the
#    strain goes on from the crosshead and every result uses the combined curve
out=$("$RIGOR" analyze --json tests/data/import-gaps/strain_empty_after_yield.csv 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && echo "$out" | $PY -c '
import json,sys
o=json.load(sys.stdin)[0]; r=o["results"]
assert abs(r["tensile_strength_mpa"]-500) <= 1, r["tensile_strength_mpa"]
assert abs(r["strain_at_max_pct"]-10.15) <= 0.2, r["strain_at_max_pct"]
assert abs(r["strain_at_break_pct"]-14) <= 0.1, r["strain_at_break_pct"]
assert abs(r["extensometer_removed_at_pct"]-2) <= 0.02, r
assert any("empty from line 206" in n for n in o["notes"]), o["notes"]
'; then ok extenso-empty-cells; else bad extenso-empty-cells "rc=$rc $out $(cat "$tmp/err")"; fi
# an empty force cell stays an error (exit 2) naming file:line:col
"$RIGOR" analyze --json tests/data/import-gaps/force_empty.csv >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "force_empty.csv:1027:.*'Load (N)'.*empty cell" "$tmp/err"; then
    ok force-empty-cell; else bad force-empty-cell "rc=$rc $(cat "$tmp/err")"; fi

# 11. --max-file-size: a file over the limit is refused from its size before a
#    byte is read (a sparse file of zeros would otherwise be "binary" or "not
#    an export"), exit 2, in analyze, report and inspect; a bad size is exit 2
truncate -s 300K "$tmp/big.csv"
for cmd in analyze report inspect; do
    extra=""; [ $cmd = report ] && extra="-o $tmp/r.html"
    "$RIGOR" $cmd --max-file-size 100K "$tmp/big.csv" $extra >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q "big.csv: file is 307200 bytes, larger than the limit of 102400 bytes (--max-file-size); not read" "$tmp/err"; then
        ok "max-file-size-$cmd"; else bad "max-file-size-$cmd" "rc=$rc $(cat "$tmp/err")"; fi
done
"$RIGOR" analyze --quiet --max-file-size 100K tests/data/import-gaps/strain_empty_after_yield.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ]; then ok max-file-size-under; else bad max-file-size-under "rc=$rc $(cat "$tmp/err")"; fi
for sz in 1G 0 -5 12Q; do
    "$RIGOR" analyze --max-file-size "$sz" tests/data/import-gaps/strain_empty_after_yield.csv >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q "max-file-size" "$tmp/err"; then ok "max-file-size-bad-$sz"; else bad "max-file-size-bad-$sz" "rc=$rc $(cat "$tmp/err")"; fi
done

# 12. a peak/valley block's largest peak is the vendor's maximum force, shown
#     beside Rigor's with the relative difference
out=$("$RIGOR" analyze --json tests/data/import-classes/mts_peaks_en.dat 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ] && echo "$out" | $PY -c '
import json,sys
r=json.load(sys.stdin)[0]["results"]
assert abs(r["vendor_max_force_n"]-3000) < 1e-6, r
assert abs(r["vendor_max_force_n_rel_diff"]) < 1e-9, r
'; then ok peak-block-vendor; else bad peak-block-vendor "rc=$rc $out $(cat "$tmp/err")"; fi

echo "# it_analyze: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
