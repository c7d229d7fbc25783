#!/bin/sh
# it_store.sh — `rigor db` and `rigor analyze --store` end to end on a real
# SQLite store in a temp folder: every exit status of `rigor db --help`
# (0, 1, 2, 4), idempotent import, query --csv against `rigor analyze --csv`,
# summary against `rigor analyze --summary`, a re-analysis as a new row, a
# series file with its errors, exclusions, the tamper test with the sqlite3
# program, a newer schema, a locked store, and `rigor run --db` whose run file
# survives a locked store. Run from the repository root with RIGOR=...
set -u
RIGOR=${RIGOR:-build/rigor}
SH=${RIGOR_SHARED:-../shared}
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'touch "$tmp/go"; rm -rf "$tmp"' EXIT
ok()   { pass=$((pass + 1)); echo "ok $1"; }
bad()  { fail=$((fail + 1)); echo "not ok $1: $2"; }
skp()  { skip=$((skip + 1)); echo "skip $1: $2"; }
unset RIGOR_DB
DB=$tmp/store/results.db
db() { "$RIGOR" db --db "$DB" "$@"; }

# a batch that needs no ../shared data: 12 variants of the example run
mkdir -p "$tmp/b12"
i=1
while [ $i -le 12 ]; do
    awk -F, -v OFS=, -v k="$i" '/^[0-9]/ { $3 = sprintf("%.4f", $3 * (1 + k / 50)) } { print }' \
        examples/film-tensile.csv | sed "s/^# specimen: .*/# specimen: film-$i/" >"$tmp/b12/run$i.csv"
    i=$((i + 1))
done

# 1. usage errors exit 2 with a message
for args in "" "frobnicate" "query --where x" "query --json --csv" "summary --group-by colour" \
    "series" "import --jobs 0 x"; do
    # shellcheck disable=SC2086
    db $args >/dev/null 2>"$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && [ -s "$tmp/err" ]; then ok "usage '$args'"; else bad "usage '$args'" "rc=$rc"; fi
done
"$RIGOR" db --help | grep -q 'Exit status: 0 done; 1 verify' && ok help-exit-codes || bad help-exit-codes "no exit status paragraph"

# 2. first use creates the store; import is idempotent by file hash
db import "$tmp/b12" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && [ -f "$DB" ] && grep -q '12 stored (12 runs' "$tmp/err"; then ok import; else bad import "rc=$rc $(cat "$tmp/err")"; fi
db import "$tmp/b12" 2>"$tmp/err"; rc=$?
n=$(sqlite3 "$DB" "SELECT count(*) FROM runs")
if [ $rc -eq 0 ] && [ "$n" = 12 ] && grep -q '0 stored (0 runs), 12 already stored' "$tmp/err"; then
    ok import-idempotent; else bad import-idempotent "rc=$rc runs=$n $(cat "$tmp/err")"; fi
# a copy of a stored file under another name is the same bytes: not stored again
cp "$tmp/b12/run1.csv" "$tmp/copy.csv"
db import "$tmp/copy.csv" 2>/dev/null
n=$(sqlite3 "$DB" "SELECT count(*) FROM runs")
[ "$n" = 12 ] && ok import-same-bytes || bad import-same-bytes "runs=$n"
# a bad file among good ones: exit 2, the good ones stored
cp tests/data/analyze/bad_cell.csv "$tmp/b12x.csv"
db import "$tmp/b12x.csv" examples/film-tensile.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'bad_cell\|b12x.csv:4:7' "$tmp/err" && grep -q '1 stored' "$tmp/err"; then
    ok import-bad-file; else bad import-bad-file "rc=$rc $(cat "$tmp/err")"; fi

# a file without geometry: its run is stored without analysis, and an
# analyze --store with the missing geometry adds the analysis later
db import tests/data/analyze/no_geometry.csv 2>"$tmp/err"; rc=$?
n=$(sqlite3 "$DB" "SELECT count(*) FROM runs r WHERE r.source LIKE '%no_geometry.csv' AND NOT EXISTS (SELECT 1 FROM analyses a WHERE a.run_id = r.id)")
if [ $rc -eq 2 ] && [ "$n" = 1 ] && grep -q 'missing geometry' "$tmp/err" && grep -q 'stored without analysis' "$tmp/err"; then
    ok import-unanalysed-run; else bad import-unanalysed-run "rc=$rc runs=$n $(cat "$tmp/err")"; fi
"$RIGOR" analyze --db "$DB" --area 0.4 --gauge-length 20 tests/data/analyze/no_geometry.csv >/dev/null 2>&1; rc=$?
n=$(sqlite3 "$DB" "SELECT count(*) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source LIKE '%no_geometry.csv'")
if [ $rc -eq 0 ] && [ "$n" = 1 ]; then ok analysis-added-later; else bad analysis-added-later "rc=$rc analyses=$n"; fi

# 3. query --csv has the columns and values of rigor analyze --csv
"$RIGOR" analyze --csv "$tmp/b12" >"$tmp/a.csv" 2>/dev/null
db query --batch "$tmp/b12" --csv >"$tmp/q.csv" 2>/dev/null
if cmp -s "$tmp/a.csv" "$tmp/q.csv"; then ok query-csv-equals-analyze; else bad query-csv-equals-analyze "$(diff "$tmp/a.csv" "$tmp/q.csv" | head -3)"; fi
db query --batch "$tmp/b12" --where tensile_strength_mpa=80: --csv >"$tmp/q2.csv" 2>/dev/null
# the column by its header, not its position (result columns grow)
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "tensile_strength_mpa") k = i; next }
                k && $k != "" && $k >= 80' "$tmp/a.csv" | wc -l)
got=$(($(wc -l <"$tmp/q2.csv") - 1))
if [ "$want" -gt 0 ] && [ "$got" -eq "$want" ]; then ok query-range; else bad query-range "got $got want $want"; fi
db query --specimen 'film-1?' --json >"$tmp/q.json" 2>/dev/null
if /usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert sorted(x["specimen"] for x in o)==["film-10","film-11","film-12"]; assert o[0]["method"]["modulus_method"]=="auto"' "$tmp/q.json"
then ok query-json-glob; else bad query-json-glob "$(head -c 300 "$tmp/q.json")"; fi

# 4. summary --group-by batch equals analyze --summary (grouped by folder)
"$RIGOR" analyze --summary --csv "$tmp/b12" 2>/dev/null | awk 'f; /^$/ { f = 1 }' >"$tmp/as.csv"
db summary --batch "$tmp/b12" --csv >"$tmp/ds.csv" 2>/dev/null
if [ -s "$tmp/ds.csv" ] && cmp -s "$tmp/as.csv" "$tmp/ds.csv"; then ok summary-equals-analyze; else bad summary-equals-analyze "$(diff "$tmp/as.csv" "$tmp/ds.csv" | head -3)"; fi

# 5. analyze --store of a stored file: a new analysis row beside the old
nr0=$(sqlite3 "$DB" "SELECT count(*) FROM runs")
"$RIGOR" analyze --db "$DB" --offset 0.5 "$tmp/b12/run3.csv" >/dev/null 2>"$tmp/err"; rc=$?
na=$(sqlite3 "$DB" "SELECT count(*) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source LIKE '%run3.csv'")
nr=$(sqlite3 "$DB" "SELECT count(*) FROM runs")
if [ $rc -eq 0 ] && [ "$na" = 2 ] && [ "$nr" = "$nr0" ]; then ok reanalysis-new-row; else bad reanalysis-new-row "rc=$rc analyses=$na runs=$nr"; fi
off=$(db query --specimen film-3 --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["method"]["yield_offset_pct"])')
offall=$(db query --specimen film-3 --all-analyses --csv 2>/dev/null | wc -l)
if [ "$off" = 0.5 ] && [ "$offall" -eq 3 ]; then ok reanalysis-latest-default; else bad reanalysis-latest-default "offset $off, rows $offall"; fi

# 6. series file: specimens with their geometry; errors name file:line:col
printf 'id,width_mm,thickness_mm,notes\nS12-1,10.02,0.041,first cut\nS12-2,9.98,0.039,\n' >"$tmp/s12.csv"
db series load "$tmp/s12.csv" 2>"$tmp/err"; rc=$?
w=$(sqlite3 "$DB" "SELECT m.value_si FROM measurements m JOIN specimens s ON s.id = m.specimen_id WHERE s.code = 'S12-1' AND m.quantity = 'width_m'")
if [ $rc -eq 0 ] && [ "$w" = 0.01002 ]; then ok series-load; else bad series-load "rc=$rc width=$w $(cat "$tmp/err")"; fi
printf 'id,width_mm\nS13-1,ten\n' >"$tmp/s13.csv"
db series load "$tmp/s13.csv" 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "s13.csv:2:7: width_mm: 'ten' is not a positive number" "$tmp/err"; then ok series-bad-value; else bad series-bad-value "rc=$rc $(cat "$tmp/err")"; fi
printf 'width_mm,colour\n1,red\n' >"$tmp/s14.csv"
db series load "$tmp/s14.csv" 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "s14.csv:1:10: unknown column 'colour'" "$tmp/err"; then ok series-bad-header; else bad series-bad-header "rc=$rc $(cat "$tmp/err")"; fi

# 6b. rigor run --series: the next specimen's id and geometry, in order
for want in "S12-1 10.02" "S12-2 9.98"; do
    id=${want% *}; w=${want#* }
    "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --series s12 \
        -o "$tmp/series-$id.csv" --db "$DB" >/dev/null 2>"$tmp/err"; rc=$?
    st=$(sqlite3 "$DB" "SELECT count(*) FROM runs r JOIN specimens s ON s.id = r.specimen_id WHERE s.code = '$id' AND s.series = 's12'")
    if [ $rc -eq 0 ] && grep -q "^# specimen: $id" "$tmp/series-$id.csv" && grep -q "^# width_mm: $w\$" "$tmp/series-$id.csv" && [ "$st" = 1 ]; then
        ok "run-series-$id"; else bad "run-series-$id" "rc=$rc stored=$st $(grep -E '^# (specimen|width_mm)' "$tmp/series-$id.csv" | tr '\n' ' ') $(tail -1 "$tmp/err")"; fi
done
"$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --series s12 \
    -o "$tmp/series-3.csv" --db "$DB" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "series 's12': no specimen left" "$tmp/err" && [ ! -e "$tmp/series-3.csv" ]; then
    ok run-series-done; else bad run-series-done "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --series s12 --specimen-id x \
    --db "$DB" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && ok run-series-and-id || bad run-series-and-id "rc=$rc"

# 7. exclusion with a reason: out of the statistics, listed with its reason
db exclude film-5 --reason "broke at the grip" 2>"$tmp/err"; rc=$?
db summary --batch "$tmp/b12" >"$tmp/sum.txt" 2>/dev/null
if [ $rc -eq 0 ] && grep -q 'film-5 (batch .*): broke at the grip' "$tmp/sum.txt"; then ok exclude; else bad exclude "rc=$rc $(tail -3 "$tmp/sum.txt")"; fi
db summary --batch "$tmp/b12" --csv >"$tmp/ds2.csv" 2>/dev/null
n11=$(awk -F, '$2 == "tensile_strength_mpa" { print $3 }' "$tmp/ds2.csv")
[ "$n11" = 11 ] && ok exclude-leaves-statistics || bad exclude-leaves-statistics "n=$n11"
db exclude film-5 2>/dev/null; rc=$?
[ $rc -eq 2 ] && ok exclude-needs-reason || bad exclude-needs-reason "rc=$rc"
db correct film-4 width 9.9 --reason "re-measured with a micrometer" 2>/dev/null && \
db comment run 2 "clean break" 2>/dev/null && ok correct-and-comment || bad correct-and-comment "exit $?"

# 8. verify, then the tamper test with plain SQL: exit 1 naming the entry
db verify >"$tmp/v.txt" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q 'audit chain verified' "$tmp/v.txt"; then ok verify-clean; else bad verify-clean "rc=$rc $(cat "$tmp/v.txt")"; fi
seq=$(sqlite3 "$DB" "SELECT seq FROM audit WHERE kind = 'analysis' AND ref = 7")
sqlite3 "$DB" ".backup '$tmp/pre-tamper.db'"
sqlite3 "$DB" "UPDATE analysis_values SET v0 = v0 * 1.05 WHERE analysis_id = 7 AND key = 'tensile_strength_mpa'"
db verify >"$tmp/v.txt" 2>/dev/null; rc=$?
if [ $rc -eq 1 ] && grep -q "audit entry $seq (analysis 7," "$tmp/v.txt"; then ok tamper-named; else bad tamper-named "rc=$rc seq=$seq $(cat "$tmp/v.txt")"; fi
sqlite3 "$DB" ".restore '$tmp/pre-tamper.db'"

# 9. a locked store: exit 4, clear message; rigor run keeps its run file
printf 'BEGIN IMMEDIATE;\nINSERT INTO comments (target, target_id, text, operator, at) VALUES (1, 1, 1, 1, 1);\n.shell touch %s/locked\n.shell while [ ! -e %s/go ]; do sleep 0.05; done\nROLLBACK;\n' "$tmp" "$tmp" \
    | sqlite3 "$DB" >/dev/null 2>&1 &
i=0; while [ ! -e "$tmp/locked" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
RIGOR_DB_BUSY_MS=200 db import examples/film-tensile.csv "$tmp/copy.csv" >/dev/null 2>&1
RIGOR_DB_BUSY_MS=200 db exclude film-6 --reason x 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'locked by another writer' "$tmp/err"; then ok locked-exit-4; else bad locked-exit-4 "rc=$rc $(cat "$tmp/err")"; fi
RIGOR_DB_BUSY_MS=200 "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film \
    -o "$tmp/live1.csv" --db "$DB" >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'the test is safe in .*live1.csv' "$tmp/err" && grep -q '^# rows:' "$tmp/live1.csv"; then
    ok run-locked-keeps-file; else bad run-locked-keeps-file "rc=$rc $(tail -2 "$tmp/err")"; fi
# the failed store write is recorded in the run file itself, after its
# statistics, and the file still reads as a complete run
last=$(tail -1 "$tmp/live1.csv")
case $last in
'# store: failed ('*'locked by another writer'*')') ok run-locked-trailer ;;
*) bad run-locked-trailer "last line '$last'" ;;
esac
"$RIGOR" analyze --csv "$tmp/live1.csv" >"$tmp/a1.csv" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/a1.csv")" -eq 2 ] && ! grep -q 'interrupted' "$tmp/err" "$tmp/a1.csv"; then
    ok analyze-reads-store-trailer; else bad analyze-reads-store-trailer "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" inspect "$tmp/live1.csv" 2>/dev/null | grep -q 'store.*failed' && ok inspect-shows-store-trailer ||
    bad inspect-shows-store-trailer "no store key in the metadata"
touch "$tmp/go"; wait
db import "$tmp/live1.csv" 2>/dev/null; rc=$?
n=$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE source LIKE '%live1.csv'")
if [ $rc -eq 0 ] && [ "$n" = 1 ]; then ok run-stored-later; else bad run-stored-later "rc=$rc n=$n"; fi
"$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film -o "$tmp/live2.csv" \
    --db "$DB" >/dev/null 2>"$tmp/err"; rc=$?
o=$(sqlite3 "$DB" "SELECT origin || ' ' || frame || ' ' || (protocol_text IS NOT NULL) FROM runs WHERE source LIKE '%live2.csv'")
if [ $rc -eq 0 ] && [ "$o" = "live sim:e-lpscl-film 1" ]; then ok run-stores-live; else bad run-stores-live "rc=$rc '$o' $(tail -1 "$tmp/err")"; fi
db verify >/dev/null 2>&1 && ok verify-after-all || bad verify-after-all "exit $?"

# 10. newer schema and a non-store file: exit 4, nothing changed
sqlite3 "$DB" ".backup '$tmp/newer.db'"
sqlite3 "$tmp/newer.db" "INSERT INTO schema_version VALUES (99, 'future')"
"$RIGOR" db --db "$tmp/newer.db" import examples/film-tensile.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'schema version 99, newer than' "$tmp/err"; then ok newer-schema; else bad newer-schema "rc=$rc $(cat "$tmp/err")"; fi
echo "not a database, just text that goes on for a while" >"$tmp/text.db"
"$RIGOR" analyze --db "$tmp/text.db" examples/film-tensile.csv >/dev/null 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'not a Rigor store' "$tmp/err"; then ok not-a-store; else bad not-a-store "rc=$rc $(cat "$tmp/err")"; fi
RIGOR_DB_BUSY_MS=soon db info 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q "RIGOR_DB_BUSY_MS: 'soon' is not a time" "$tmp/err"; then ok busy-ms-invalid; else bad busy-ms-invalid "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" db --db "postgresql://rigor@127.0.0.1:9/none" info 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'cannot connect' "$tmp/err"; then ok unreachable-pg; else bad unreachable-pg "rc=$rc $(cat "$tmp/err")"; fi

# 12. rigor report --db: the report from a query, each curve from its stored
# run file checked against its SHA-256; a missing or changed file is said
cp -r "$tmp/b12" "$tmp/rep"
RDB=$tmp/rep.db
"$RIGOR" db --db "$RDB" import "$tmp/rep" 2>/dev/null
"$RIGOR" report --db "$RDB" -o "$tmp/rep.html" 2>"$tmp/err"; rc=$?
nsvg=$(grep -c '<svg' "$tmp/rep.html" 2>/dev/null)
"$RIGOR" report "$tmp/rep" -o "$tmp/rep-files.html" 2>/dev/null
nsvgf=$(grep -c '<svg' "$tmp/rep-files.html" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$nsvg" = 14 ] && [ "$nsvg" = "$nsvgf" ] && grep -q 'Rigor report — 12 specimens' "$tmp/rep.html" &&
    grep -q 'every curve verified' "$tmp/err"; then ok report-db; else bad report-db "rc=$rc svg=$nsvg/$nsvgf $(cat "$tmp/err")"; fi
# the statistics are those of the files' report (same analyses)
sed -n '/id="statistics"/,/<\/table>/p' "$tmp/rep.html" >"$tmp/st-db"
sed -n '/id="statistics"/,/<\/table>/p' "$tmp/rep-files.html" >"$tmp/st-files"
[ -s "$tmp/st-db" ] && cmp -s "$tmp/st-db" "$tmp/st-files" && ok report-db-statistics ||
    bad report-db-statistics "$(diff "$tmp/st-db" "$tmp/st-files" | head -4)"
"$RIGOR" report --db "$RDB" --specimen 'film-1?' -o "$tmp/rep3.html" 2>/dev/null; rc=$?
if [ $rc -eq 0 ] && grep -q 'Rigor report — 3 specimens' "$tmp/rep3.html"; then ok report-db-filter; else bad report-db-filter "rc=$rc"; fi
"$RIGOR" db --db "$RDB" exclude film-2 --reason 'torn at the grip' >/dev/null 2>&1
"$RIGOR" report --db "$RDB" --with-excluded -o "$tmp/rep4.html" 2>/dev/null
grep -q 'Left out: film-2.*torn at the grip' "$tmp/rep4.html" && ok report-db-excluded || bad report-db-excluded "no reason"
# film-2 is excluded now: 11 analyses, 9 curves + 2 batch figures
rm "$tmp/rep/run5.csv"
echo "# edited afterwards" >>"$tmp/rep/run7.csv"
"$RIGOR" report --db "$RDB" -o "$tmp/rep2.html" 2>"$tmp/err"; rc=$?
nsvg=$(grep -c '<svg' "$tmp/rep2.html" 2>/dev/null)
if [ $rc -eq 2 ] && [ "$nsvg" = 11 ] && grep -q 'curve file missing: [^<]*run5.csv' "$tmp/rep2.html" &&
    grep -q 'curve file changed since it was stored: [^<]*run7.csv: SHA-256 now' "$tmp/rep2.html" &&
    grep -q '2 curve files missing, changed or unreadable' "$tmp/err" && grep -q 'film-5: curve file missing' "$tmp/err"; then
    ok report-db-missing-changed; else bad report-db-missing-changed "rc=$rc svg=$nsvg $(cat "$tmp/err")"; fi
"$RIGOR" report --db "$RDB" 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'no output file' "$tmp/err"; then ok report-db-no-output; else bad report-db-no-output "rc=$rc"; fi
"$RIGOR" report --db "$tmp/nodir/none.db" -o "$tmp/x.html" 2>"$tmp/err"; rc=$?
[ $rc -eq 4 ] && ok report-db-no-store || bad report-db-no-store "rc=$rc $(cat "$tmp/err")"
"$RIGOR" report --help | grep -q 'rigor report --db TARGET' && ok report-help-db || bad report-help-db "no --db usage"

# 11. ../shared archives: import them all, query equals analyze per folder
PM=$SH/data/peer/FollowTheProcess_pymechtest
if [ -d "$PM" ]; then
    db import "$PM" 2>/dev/null
    "$RIGOR" analyze --csv "$PM/No_IDs" 2>/dev/null | cut -d, -f3- >"$tmp/a3.csv"
    db query --batch "$PM/No_IDs" --csv 2>/dev/null | cut -d, -f3- >"$tmp/q3.csv"
    if [ -s "$tmp/a3.csv" ] && cmp -s "$tmp/a3.csv" "$tmp/q3.csv"; then ok shared-query-equals-analyze; else bad shared-query-equals-analyze "$(diff "$tmp/a3.csv" "$tmp/q3.csv" | head -3)"; fi
else
    skp shared-query-equals-analyze "$PM absent"
fi

echo "# it_store: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
