#!/bin/sh
# it_batch.sh — `rigor analyze --summary` over folders of real exports:
# group statistics equal those of the per-file results, --group-by, --jobs
# determinism, vendor results in CSV and summary, warnings per specimen and
# the closing stderr line. Run from the repository root with RIGOR=...;
# the cases on ../shared data are skipped when it is absent.
set -u
RIGOR=${RIGOR:-build/rigor}
PY=/usr/bin/python3
SH=${RIGOR_SHARED:-../shared}
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()   { pass=$((pass + 1)); echo "ok $1"; }
bad()  { fail=$((fail + 1)); echo "not ok $1: $2"; }
skp()  { skip=$((skip + 1)); echo "skip $1: $2"; }

PM=$SH/data/peer/FollowTheProcess_pymechtest
REAL=$SH/data/real

# 1. usage: --jobs must be 1..16; --group-by needs a key
for args in "--jobs 0 x" "--jobs two x" "--jobs 1.5 x" "--group-by="; do
    # shellcheck disable=SC2086
    "$RIGOR" analyze $args >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && [ -s "$tmp/err" ]; then ok "usage '$args'"; else bad "usage '$args'" "rc=$rc"; fi
done

# 2. one clean file is not a batch: no closing line, stderr stays empty
"$RIGOR" analyze examples/film-tensile.csv >/dev/null 2>"$tmp/err"
if [ ! -s "$tmp/err" ]; then ok single-file-quiet; else bad single-file-quiet "$(cat "$tmp/err")"; fi

# 2b. --jobs 1 and --jobs 3 give byte-identical stdout and stderr on a batch
#     that needs no ../shared data: 12 variants of the example run (forces
#     scaled so that every file has its own results) mixed with the
#     malformed test inputs, whose errors must keep their order
mkdir -p "$tmp/jb"
i=1
while [ $i -le 12 ]; do
    awk -F, -v OFS=, -v k="$i" '/^[0-9]/ { $3 = sprintf("%.4f", $3 * (1 + k / 50)) } { print }' \
        examples/film-tensile.csv >"$tmp/jb/run$i.csv"
    i=$((i + 1))
done
same=1
for fmt in "--json" "--csv --summary" "--summary"; do
    for j in 1 3; do
        # shellcheck disable=SC2086
        "$RIGOR" analyze $fmt --jobs $j "$tmp/jb" tests/data/import tests/data/analyze \
            >"$tmp/jb$j.out" 2>"$tmp/jb$j.err"
    done
    cmp -s "$tmp/jb1.out" "$tmp/jb3.out" && cmp -s "$tmp/jb1.err" "$tmp/jb3.err" || { same=0; echo "  differs: $fmt --jobs 3"; }
done
"$RIGOR" analyze --json --jobs 1 "$tmp/jb" >"$tmp/jb1.out" 2>/dev/null
n_an=$(grep -c '"max_force_n"' "$tmp/jb1.out")
if [ $same -eq 1 ] && [ "$n_an" -eq 12 ] && grep -q 'failed (malformed input' "$tmp/jb3.err"; then
    ok jobs-deterministic-local; else bad jobs-deterministic-local "same=$same, $n_an results"; fi

if [ ! -d "$PM/Tens_Yield" ]; then
    skp peer-cases "$PM absent"
    echo "# it_batch: $pass passed, $fail failed, $skip skipped"
    [ $fail -eq 0 ]; exit
fi

# 3. summary over Tens_Yield: one group of n = 10, whose statistics are those
#    of the per-file results (each file analysed on its own), and whose
#    Weibull MLE satisfies the likelihood equations
for f in "$PM"/Tens_Yield/*.csv; do
    "$RIGOR" analyze --json "$f" >"$tmp/one-$(basename "$f").json" 2>/dev/null
done
"$RIGOR" analyze --json --summary "$PM/Tens_Yield" >"$tmp/s.json" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && $PY - "$tmp" <<'PYEOF'
import glob, json, math, statistics, sys
d = sys.argv[1]
o = json.load(open(d + "/s.json"))
assert set(o) == {"group_by", "specimens", "summary"}, list(o)
assert o["group_by"] == "folder" and len(o["specimens"]) == 10
s = o["summary"]
assert len(s) == 1 and s[0]["n"] == 10 and s[0]["group"].endswith("Tens_Yield"), s[0]["group"]
per = [json.load(open(p))[0]["results"] for p in sorted(glob.glob(d + "/one-*.json"))]
assert len(per) == 10
for key in ("tensile_strength_mpa", "max_force_n", "modulus_mpa", "vendor_tensile_strength_mpa"):
    v = [r[key] for r in per]
    st = s[0]["stats"][key]
    assert st["n"] == 10, (key, st)
    assert abs(st["mean"] - statistics.mean(v)) <= 1e-9 * abs(statistics.mean(v)), (key, st["mean"], statistics.mean(v))
    assert abs(st["sd"] - statistics.stdev(v)) <= 1e-6 * statistics.stdev(v), (key, st["sd"])
    assert abs(st["cv_pct"] - 100 * statistics.stdev(v) / statistics.mean(v)) <= 1e-6 * st["cv_pct"]
    assert st["min"] == min(v) and st["max"] == max(v), key
w = s[0]["weibull"]["tensile_strength_mpa"]
x = [r["tensile_strength_mpa"] for r in per]
m, s0 = w["mle"]["m"], w["mle"]["sigma0"]
# the likelihood equations (ASTM C1239) hold at the estimate
g = sum(xi**m * math.log(xi) for xi in x) / sum(xi**m for xi in x) - statistics.mean(math.log(xi) for xi in x) - 1 / m
assert abs(g) < 1e-6, g
assert abs(s0 - (sum(xi**m for xi in x) / len(x)) ** (1 / m)) < 1e-6 * s0
assert 0 < w["mrr"]["r2"] <= 1 and w["mrr"]["m"] > 1
assert "max_force_n" not in s[0]["weibull"], "Weibull only for strengths"
try:
    from scipy import stats
    c, loc, scale = stats.weibull_min.fit(x, floc=0)
    assert abs(c - m) < 1e-4 * m and abs(scale - s0) < 1e-5 * s0, (c, scale, m, s0)
except ImportError:
    pass
PYEOF
then ok summary-tens-yield; else bad summary-tens-yield "rc=$rc $(cat "$tmp/err")"; fi

# 4. without --summary the JSON stays an array (unchanged)
"$RIGOR" analyze --json "$PM/Tens_Yield" >"$tmp/a.json" 2>/dev/null
if $PY -c 'import json,sys; v=json.load(open(sys.argv[1])); assert isinstance(v, list) and len(v) == 10' "$tmp/a.json"; then
    ok json-array-unchanged; else bad json-array-unchanged "not a 10-element array"; fi

# 5. --group-by: folder (default), format, a metadata key; files without it
#    fall into "(no KEY)"
"$RIGOR" analyze --json --summary "$PM" >"$tmp/g1.json" 2>/dev/null
"$RIGOR" analyze --json --summary --group-by format "$PM" >"$tmp/g2.json" 2>/dev/null
"$RIGOR" analyze --json --summary --group-by "Specimen ID" "$PM/Tens_Yield" "$PM/No_IDs" >"$tmp/g3.json" 2>/dev/null
if $PY - "$tmp" <<'PYEOF'
import json, sys
d = sys.argv[1]
g1 = json.load(open(d + "/g1.json"))["summary"]
assert [g["group"].rsplit("/", 1)[1] for g in g1] == ["No_IDs", "Tens_No_Yield", "Tens_Yield"], [g["group"] for g in g1]
assert [g["n"] for g in g1] == [10, 10, 10]
g2 = json.load(open(d + "/g2.json"))
assert g2["group_by"] == "format" and [(g["group"], g["n"]) for g in g2["summary"]] == [("bluehill-raw", 30)]
g3 = json.load(open(d + "/g3.json"))["summary"]
names = [g["group"] for g in g3]
# groups in the order of their first specimen: the arguments' order
assert names[-1] == "(no Specimen ID)" and g3[-1]["n"] == 10, names
assert len(g3) == 11 and all(g["n"] == 1 for g in g3[:-1]), names
assert sorted(names[:-1]) == ["%03d" % i for i in range(1, 11)], names
one = g3[0]["weibull"]["tensile_strength_mpa"]
assert one["mle"] is None and "3" in one["why"], one
PYEOF
then ok group-by; else bad group-by "see above"; fi

# 6. CSV: specimens, a blank line, the summary section; --summary-csv FILE
#    holds the same section; vendor results are columns and summary rows
"$RIGOR" analyze --csv --summary --summary-csv "$tmp/sum.csv" "$PM/Tens_Yield" >"$tmp/b.csv" 2>/dev/null
if $PY - "$tmp" <<'PYEOF'
import csv, io, sys
d = sys.argv[1]
text = open(d + "/b.csv").read()
spec, summ = text.split("\n\n")
rows = list(csv.DictReader(io.StringIO(spec)))
assert len(rows) == 11 - 1, len(rows)
for k in ("vendor_tensile_strength_mpa", "vendor_tensile_strength_mpa_rel_diff", "warnings"):
    assert k in rows[0], k
assert all(abs(float(r["vendor_tensile_strength_mpa_rel_diff"])) < 1e-3 for r in rows)
assert summ == open(d + "/sum.csv").read(), "--summary-csv differs from the CSV section"
srows = list(csv.DictReader(io.StringIO(summ)))
keys = {r["key"]: r for r in srows}
assert keys["tensile_strength_mpa"]["n"] == "10" and keys["tensile_strength_mpa"]["weibull_m_mle"]
assert "vendor_tensile_strength_mpa" in keys and "vendor_modulus_mpa_rel_diff" in keys
t = [float(r["tensile_strength_mpa"]) for r in rows]
assert abs(float(keys["tensile_strength_mpa"]["mean"]) - sum(t) / len(t)) < 1e-6
PYEOF
then ok csv-summary; else bad csv-summary "see above"; fi

# 7. table: summary section with the statistics and the Weibull line
"$RIGOR" analyze --summary "$PM/Tens_Yield" >"$tmp/t.txt" 2>/dev/null
if grep -q '^Summary by folder: 1 group' "$tmp/t.txt" && grep -q '^  Tensile strength \[MPa\] *10 ' "$tmp/t.txt" \
   && grep -q 'Weibull, Tensile strength (n = 10): maximum likelihood m = ' "$tmp/t.txt" \
   && grep -q 'vendor: Tensile strength \[MPa\]' "$tmp/t.txt"; then
    ok table-summary; else bad table-summary "$(tail -30 "$tmp/t.txt")"; fi

if [ ! -d "$REAL" ]; then
    skp real-cases "$REAL absent"
    echo "# it_batch: $pass passed, $fail failed, $skip skipped"
    [ $fail -eq 0 ]; exit
fi

# 8. --jobs 1 and --jobs 2 (and 4) give byte-identical stdout and stderr on
#    the real data set, in every output format
same=1
for fmt in "--json --summary" "--csv --summary" "--summary" "--json"; do
    for j in 1 2 4; do
        # shellcheck disable=SC2086
        "$RIGOR" analyze $fmt --jobs $j "$REAL" "$SH/data/peer" >"$tmp/j$j.out" 2>"$tmp/j$j.err"
    done
    for j in 2 4; do
        cmp -s "$tmp/j1.out" "$tmp/j$j.out" && cmp -s "$tmp/j1.err" "$tmp/j$j.err" || { same=0; echo "  differs: $fmt --jobs $j"; }
    done
done
if [ $same -eq 1 ] && [ -s "$tmp/j1.out" ]; then ok jobs-deterministic; else bad jobs-deterministic "see above"; fi

# 9. the closing line: counts add up, the three recognised no-data files
#    (.TSX, parameter list, results summary) are "skipped", reasons given
"$RIGOR" analyze --json "$REAL" >/dev/null 2>"$tmp/err"; rc=$?
last=$(tail -1 "$tmp/err")
if [ $rc -eq 2 ] && echo "$last" | $PY -c '
import re, sys
line = sys.stdin.read()
m = re.match(r"rigor analyze: (\d+) files: (\d+) read, (\d+) skipped \(no data to analyse\), (\d+) failed; "
             r"(\d+) specimens: (\d+) analysed, (\d+) not analysed \(([^)]*)\); (\d+) with warnings$", line.strip())
assert m, line
f, r, s, fl, n, a, na, why, w = m.groups()
assert int(f) == int(r) + int(s) + int(fl) and int(s) == 3 and int(fl) == 0, line
assert int(n) == int(a) + int(na) and int(a) > 0, line
assert "geometry" in why, why
assert int(w) >= 2, line    # the x10 Bluehill file and the 1 mm^2 WaveMatrix file
'; then ok closing-line; else bad closing-line "rc=$rc $last"; fi

# ... and a file that cannot be read is counted as failed, with its reason
"$RIGOR" analyze --json "$REAL" tests/data/analyze/bad_cell.csv >/dev/null 2>"$tmp/err"
if tail -1 "$tmp/err" | grep -q ' 1 failed (malformed input: 1); ' \
   && grep -q '^rigor: tests/data/analyze/bad_cell.csv:4:7: ' "$tmp/err"; then
    ok closing-line-failed; else bad closing-line-failed "$(tail -1 "$tmp/err")"; fi

# 10. physically inconsistent data: flagged per specimen in table, JSON and
#     CSV, never fixed; when the specimen cannot be analysed the warning is
#     still printed with its error
F="$REAL/24Zack__Fixing-Messed-up-Data-for-Tensile-test-from-the-Bluehill-universal-software-/solution/Tensile_test_PE.csv"
"$RIGOR" analyze --area 10 --gauge-length 50 "$F" >"$tmp/w.txt" 2>/dev/null
"$RIGOR" analyze --json --area 10 --gauge-length 50 "$F" >"$tmp/w.json" 2>/dev/null
"$RIGOR" analyze --csv --area 10 --gauge-length 50 "$F" >"$tmp/w.csv" 2>/dev/null
"$RIGOR" analyze "$F" >/dev/null 2>"$tmp/w.err"
if grep -q "^  WARNING: ext column 'Displacement' jumps by about x10" "$tmp/w.txt" \
   && $PY -c '
import csv, json, sys
o = json.load(open(sys.argv[1]))[0]
assert any(n.startswith("WARNING: ext column") for n in o["notes"]), o["notes"]
r = list(csv.DictReader(open(sys.argv[2])))[0]
assert r["warnings"].startswith("WARNING: ext column"), r["warnings"]
' "$tmp/w.json" "$tmp/w.csv" \
   && grep -q "Tensile_test_PE.csv: missing geometry" "$tmp/w.err" \
   && grep -q "Tensile_test_PE.csv: WARNING: ext column" "$tmp/w.err"; then
    ok warnings-visible; else bad warnings-visible "$(grep -i warn "$tmp/w.txt" "$tmp/w.err" | head -3)"; fi

# 10. exclusions (issue 23): an operator-stopped run is listed and left out
#     of the statistics by default, --include-all keeps it, --exclude leaves
#     one out with a reason, an --exclude naming nothing is an error
mkdir -p "$tmp/ex"
for i in 1 2; do cp examples/film-tensile.csv "$tmp/ex/f$i.csv"; done
sed 's/^# end_reason: fracture$/# end_reason: operator stop/' examples/film-tensile.csv >"$tmp/ex/f3.csv"
"$RIGOR" analyze --json --summary "$tmp/ex" >"$tmp/ex.json" 2>/dev/null
"$RIGOR" analyze --json --summary --include-all "$tmp/ex" >"$tmp/ex-all.json" 2>/dev/null
"$RIGOR" analyze --json --summary --exclude "$tmp/ex/f1.csv=grip slip" "$tmp/ex" >"$tmp/ex-1.json" 2>/dev/null
if $PY - "$tmp/ex.json" "$tmp/ex-all.json" "$tmp/ex-1.json" <<'PYEOF'
import json, sys
a, b, c = (json.load(open(p))["summary"] for p in sys.argv[1:])
assert len(a) == 1 and a[0]["n"] == 2, a
assert [e["reason"] for e in a[0]["excluded"]] == ["the run ended by 'operator stop' (--include-all keeps it)"], a[0]["excluded"]
assert a[0]["excluded"][0]["file"].endswith("f3.csv")
assert b[0]["n"] == 3 and b[0]["excluded"] == [], b
assert c[0]["n"] == 1 and sorted(e["reason"] for e in c[0]["excluded"])[0] == "excluded: grip slip", c
PYEOF
then ok exclusions; else bad exclusions "see above"; fi
"$RIGOR" analyze --summary --exclude "nosuch=why" "$tmp/ex" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "no file or specimen 'nosuch'" "$tmp/err"; then
    ok exclude-unknown; else bad exclude-unknown "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" analyze --summary --exclude "nowhy" "$tmp/ex" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ]; then ok exclude-usage; else bad exclude-usage "rc=$rc"; fi

# 11. report of a mixed batch (issue 23): tensile and compression in their
#     own sections, never one mean of both; headers are the results' names;
#     sample indices are not shown; the operator-stopped run is listed
cf="$REAL/franaudo__compas_testing/data/cubes_results/Compressive_Strength.txt"
if [ -r "$cf" ]; then
    cp "$cf" "$tmp/ex/"
    if "$RIGOR" report "$tmp/ex" -o "$tmp/mixed.html" 2>/dev/null && $PY - "$tmp/mixed.html" <<'PYEOF'
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
heads = re.findall(r"<h2>(.*?)</h2>", h)
assert "Statistics — tensile" in heads and "Statistics — compression" in heads, heads
for tid in ("specimens", "statistics", "specimens-tensile", "statistics-tensile"):
    assert 'id="%s"' % tid in h, tid
assert "<th>Tensile strength (MPa)</th>" in h and "tensile_strength_mpa" not in h.split("<h2>Method")[0], "headers"
assert "break_index" not in h and "Break index" not in h, "indices"
assert re.search(r'<p class="excluded">Left out: .*f3\.csv.*operator stop', h), "excluded listed"
m = re.search(r'<table id="statistics-tensile">(.*?)</table>', h, re.S).group(1)
row = re.search(r"<td>Tensile strength \(MPa\)</td><td class=\"n\">(\d+)</td>", m)
assert row and row.group(1) == "2", "tensile n is the 2 fractured films, got %s" % (row and row.group(1))
PYEOF
    then ok report-mixed; else bad report-mixed "see above"; fi
else
    skp report-mixed "$cf absent"
fi

echo "# it_batch: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
