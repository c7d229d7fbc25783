#!/bin/sh
# it_store_pg.sh — the results store on a real PostgreSQL 15 server that this
# test starts itself: initdb and pg_ctl from /usr/lib/postgresql/15/bin in a
# temp folder, listening on a Unix socket in that folder only (no TCP), run
# as the postgres user when we are root (the server refuses root), stopped at
# the end. psql is the independent peer that checks the contents.
# Cases: first use creates the schema; the same import on SQLite and on
# PostgreSQL gives the same query output; two simulated frames running
# `rigor run` at once, two concurrent `rigor db import`s of the same folders
# and a concurrent `rigor analyze --store`: every run present once, every
# analysis present, the audit chain linear and verified; the tamper test with
# psql; a newer schema; a store locked by another writer; an unreachable server.
# Skips (with the reason) when PostgreSQL 15 is not installed.
set -u
RIGOR=${RIGOR:-build/rigor}
SH=${RIGOR_SHARED:-../shared}
PGBIN=/usr/lib/postgresql/15/bin
pass=0; fail=0; skip=0
ok()   { pass=$((pass + 1)); echo "ok $1"; }
bad()  { fail=$((fail + 1)); echo "not ok $1: $2"; }
skp()  { skip=$((skip + 1)); echo "skip $1: $2"; }
unset RIGOR_DB

if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null 2>&1; then
    skp postgresql "PostgreSQL 15 is not installed ($PGBIN/initdb, psql; scripts/install-deps.sh installs postgresql-15)"
    echo "# it_store_pg: $pass passed, $fail failed, $skip skipped"
    exit 0
fi
RIGOR=$(cd "$(dirname "$RIGOR")" && pwd)/$(basename "$RIGOR")

tmp=$(mktemp -d /tmp/rigor-it-pg-XXXXXX)
chmod 755 "$tmp"
PGDIR=$tmp/pg
mkdir -p "$PGDIR"
as_pg=""
if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        skp postgresql "running as root and there is no postgres user to run the server as"
        rm -rf "$tmp"
        echo "# it_store_pg: $pass passed, $fail failed, $skip skipped"
        exit 0
    fi
    chown postgres "$PGDIR"
    as_pg="runuser -u postgres --"
fi
stop() {
    $as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap stop EXIT

if ! $as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 >"$tmp/initdb.log" 2>&1; then
    bad initdb "$(tail -3 "$tmp/initdb.log")"
    echo "# it_store_pg: $pass passed, $fail failed, $skip skipped"
    exit 1
fi
# a Unix socket in our folder only: nothing listens on any network address
if ! $as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 120 \
        -o "-c listen_addresses='' -k $PGDIR -c fsync=off" start >/dev/null 2>&1; then
    bad pg_ctl-start "$(tail -5 "$PGDIR/log")"
    echo "# it_store_pg: $pass passed, $fail failed, $skip skipped"
    exit 1
fi
ok server-started
conn() { echo "host=$PGDIR port=5432 user=postgres dbname=$1"; }
q() { db=$1; shift; psql -X -q -A -t -h "$PGDIR" -U postgres -d "$db" -c "$1"; }
for d in rigor cmp lockt newer; do q postgres "CREATE DATABASE $d" >/dev/null; done
PG=$(conn rigor)

# data that needs no ../shared: two folders of variants of the example run
for b in 1 2; do
    mkdir -p "$tmp/batch$b"
    i=1
    while [ $i -le 15 ]; do
        awk -F, -v OFS=, -v k="$i" -v b="$b" '/^[0-9]/ { $3 = sprintf("%.4f", $3 * (1 + k / 50 + b / 7)) } { print }' \
            examples/film-tensile.csv | sed "s/^# specimen: .*/# specimen: b$b-film-$i/" >"$tmp/batch$b/run$i.csv"
        i=$((i + 1))
    done
done

# 1. reading an empty database says so; the first write creates the schema
"$RIGOR" db --db "$PG" info >"$tmp/info" 2>&1; rc=$?
if [ $rc -eq 4 ] && grep -q 'no Rigor store there yet' "$tmp/info"; then ok read-before-first-use; else bad read-before-first-use "rc=$rc $(cat "$tmp/info")"; fi
"$RIGOR" db --db "$PG" migrate >/dev/null 2>&1 && "$RIGOR" db --db "$PG" info >"$tmp/info" 2>&1; rc=$?
v=$(q rigor "SELECT max(version) FROM schema_version")
if [ $rc -eq 0 ] && [ "$v" = 1 ] && grep -q '(postgresql)' "$tmp/info"; then ok first-use-schema; else bad first-use-schema "rc=$rc v=$v $(cat "$tmp/info")"; fi

# 2. SQLite and PostgreSQL agree: the same import, the same query output
"$RIGOR" db --db "$(conn cmp)" import "$tmp/batch1" 2>/dev/null
"$RIGOR" db --db "$tmp/cmp.db" import "$tmp/batch1" 2>/dev/null
"$RIGOR" db --db "$(conn cmp)" query --json >"$tmp/pg.json" 2>/dev/null
"$RIGOR" db --db "$tmp/cmp.db" query --json >"$tmp/sq.json" 2>/dev/null
if [ -s "$tmp/pg.json" ] && cmp -s "$tmp/pg.json" "$tmp/sq.json"; then ok sqlite-and-pg-agree; else bad sqlite-and-pg-agree "$(diff "$tmp/pg.json" "$tmp/sq.json" | head -4)"; fi
"$RIGOR" db --db "$(conn cmp)" verify >/dev/null 2>&1 && ok verify-cmp || bad verify-cmp "exit $?"

# 3. concurrency: two simulated frames running, two imports of the same
#    folders (with ../shared/data) and an analyze --store, all at once
extra=""
[ -d "$SH/data" ] && extra="$SH/data"
( "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --seed 1 \
      -o "$tmp/frameA.csv" --db "$PG" >/dev/null 2>"$tmp/runA.err"; echo $? >"$tmp/runA.rc" ) &
( "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --seed 2 \
      -o "$tmp/frameB.csv" --db "$PG" >/dev/null 2>"$tmp/runB.err"; echo $? >"$tmp/runB.rc" ) &
# shellcheck disable=SC2086
( "$RIGOR" db --db "$PG" import --jobs 2 "$tmp/batch1" "$tmp/batch2" $extra 2>"$tmp/imp1.err"; echo $? >"$tmp/imp1.rc" ) &
# shellcheck disable=SC2086
( "$RIGOR" db --db "$PG" import --jobs 2 "$tmp/batch2" "$tmp/batch1" $extra 2>"$tmp/imp2.err"; echo $? >"$tmp/imp2.rc" ) &
( "$RIGOR" analyze --db "$PG" --offset 0.3 "$tmp/batch2" >/dev/null 2>"$tmp/an.err"; echo $? >"$tmp/an.rc" ) &
wait
# ../shared/data holds files that cannot be analysed (no geometry) or read:
# the imports then exit 2 (and store those runs without analysis), but no
# store error may appear
for j in runA runB imp1 imp2 an; do
    rc=$(cat "$tmp/$j.rc")
    okrc=0
    case $j in imp*) [ -n "$extra" ] && okrc=2 ;; esac
    if [ "$rc" = "$okrc" ] && ! grep -q 'store:' "$tmp/$j.err"; then ok "concurrent-$j"; else bad "concurrent-$j" "rc=$rc $(grep 'store:' "$tmp/$j.err" | head -2)"; fi
done
nfiles=$((30 + 2))
if [ -n "$extra" ]; then
    # the same archive imported alone into a SQLite store: as many files
    "$RIGOR" db --db "$tmp/alone.db" import "$extra" 2>/dev/null
    nfiles=$((nfiles + $(sqlite3 "$tmp/alone.db" "SELECT count(DISTINCT source_sha256) FROM runs")))
fi
dup=$(q rigor "SELECT count(*) FROM (SELECT source_sha256, curve_index FROM runs GROUP BY 1, 2 HAVING count(*) > 1) d")
nsrc=$(q rigor "SELECT count(DISTINCT source_sha256) FROM runs")
if [ "$dup" = 0 ] && [ "$nsrc" = "$nfiles" ]; then ok every-run-once; else bad every-run-once "duplicates $dup, files $nsrc of $nfiles"; fi
# batch2: its first analysis (import or analyze, whichever came first) and
# analyze's: when analyze came first, an import found the run and added none
na=$(q rigor "SELECT count(*) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source LIKE '%batch2%'")
n03=$(q rigor "SELECT count(*) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source LIKE '%batch2%' AND a.method_json LIKE '%\"yield_offset_pct\": 0.3%'")
if [ "$n03" = 15 ] && [ "$na" -ge 15 ] && [ "$na" -le 30 ]; then ok analyze-store-every-analysis; else bad analyze-store-every-analysis "batch2 analyses $na, with offset 0.3: $n03"; fi
nruns=$(q rigor "SELECT count(*) FROM runs WHERE origin = 'live'")
[ "$nruns" = 2 ] && ok live-runs-stored || bad live-runs-stored "live runs $nruns"
linear=$(q rigor "SELECT (min(seq) = 1 AND max(seq) = count(*))::int FROM audit")
links=$(q rigor "SELECT count(*) FROM audit a JOIN audit p ON p.seq = a.seq - 1 WHERE a.prev_sha256 <> p.entry_sha256")
if [ "$linear" = 1 ] && [ "$links" = 0 ]; then ok chain-linear; else bad chain-linear "linear=$linear broken links=$links"; fi
"$RIGOR" db --db "$PG" verify >"$tmp/v.txt" 2>&1; rc=$?
if [ $rc -eq 0 ]; then ok verify-after-concurrency; else bad verify-after-concurrency "rc=$rc $(cat "$tmp/v.txt")"; fi

# 4. the tamper test with psql: rigor db verify names that entry
aid=$(q rigor "SELECT min(a.id) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source LIKE '%batch1/run4.csv'")
seq=$(q rigor "SELECT seq FROM audit WHERE kind = 'analysis' AND ref = $aid")
q rigor "UPDATE analysis_values SET v0 = v0 + 1 WHERE analysis_id = $aid AND key = 'tensile_strength_mpa'" >/dev/null
"$RIGOR" db --db "$PG" verify >"$tmp/v.txt" 2>/dev/null; rc=$?
if [ $rc -eq 1 ] && grep -q "audit entry $seq (analysis $aid," "$tmp/v.txt"; then ok tamper-psql; else bad tamper-psql "rc=$rc seq=$seq $(cat "$tmp/v.txt")"; fi

# 5. a store locked by another writer: exit 4 with the reason
L=$(conn lockt)
"$RIGOR" db --db "$L" migrate >/dev/null 2>&1
psql -X -q -h "$PGDIR" -U postgres -d lockt \
    -c "BEGIN; SELECT pg_advisory_xact_lock(1380534064); SELECT pg_sleep(300); COMMIT" >/dev/null 2>&1 &
i=0
while [ "$(q lockt "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" != 1 ] && [ $i -lt 600 ]; do
    sleep 0.1; i=$((i + 1))
done
RIGOR_DB_BUSY_MS=300 "$RIGOR" db --db "$L" import examples/film-tensile.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'locked by another writer' "$tmp/err"; then ok locked-exit-4; else bad locked-exit-4 "rc=$rc $(cat "$tmp/err")"; fi
q lockt "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(300)%' AND pid <> pg_backend_pid()" >/dev/null
wait
"$RIGOR" db --db "$L" import examples/film-tensile.csv 2>/dev/null && ok unlocked-works || bad unlocked-works "exit $?"

# 6. a newer schema is refused, nothing changed
N=$(conn newer)
"$RIGOR" db --db "$N" import examples/film-tensile.csv >/dev/null 2>&1
q newer "INSERT INTO schema_version VALUES (99, 'future')" >/dev/null
"$RIGOR" db --db "$N" import "$tmp/batch1" 2>"$tmp/err"; rc=$?
n=$(q newer "SELECT count(*) FROM runs")
if [ $rc -eq 4 ] && grep -q 'schema version 99, newer than' "$tmp/err" && [ "$n" = 1 ]; then ok newer-schema; else bad newer-schema "rc=$rc runs=$n $(cat "$tmp/err")"; fi

# 7. an unreachable server (no socket on that port)
"$RIGOR" db --db "host=$PGDIR port=5999 user=postgres dbname=rigor" info 2>"$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q 'cannot connect to the PostgreSQL server' "$tmp/err"; then ok unreachable; else bad unreachable "rc=$rc $(cat "$tmp/err")"; fi

echo "# it_store_pg: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
