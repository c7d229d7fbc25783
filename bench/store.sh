#!/bin/sh
# store.sh — the results store against the analysis alone (docs/store.md).
#
#   sh bench/store.sh [BUILD]      STORE_BENCH_FILES=10000 (default 2000)
#
# Generates N variants of examples/film-tensile.csv (each its own bytes and
# results), then times, on SQLite and (when PostgreSQL 15 is installed) on a
# server started here like tests/it_store_pg.sh does:
#   analyze   rigor analyze --csv DIR > file           (the work alone)
#   import    rigor db import DIR                      (the same work + the store)
#   query     rigor db query --csv > file              (all analyses back)
# and prints one line per backend with the import's cost over the analysis.
# Speed belongs here, never in tests (a loaded 2-core machine varies).
set -u
B=${1:-build}
RIGOR=$(cd "$(dirname "$B/rigor")" && pwd)/rigor
N=${STORE_BENCH_FILES:-2000}
PGBIN=/usr/lib/postgresql/15/bin
tmp=$(mktemp -d /tmp/rigor-bench-store-XXXXXX)
chmod 755 "$tmp"
as_pg=""
cleanup() {
    [ -d "$tmp/pg/data" ] && $as_pg "$PGBIN/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
/usr/bin/python3 - "$N" "$tmp/data" <<'PY'
import os, sys
n, out = int(sys.argv[1]), sys.argv[2]
src = open("examples/film-tensile.csv").read().splitlines()
for k in range(n):
    d = os.path.join(out, "batch%02d" % (k % 20))
    os.makedirs(d, exist_ok=True)
    f = 1 + (k % 97) / 400 + k / (50 * n)
    lines = []
    for l in src:
        if l[:1].isdigit():
            c = l.split(",")
            c[2] = "%.4f" % (float(c[2]) * f)
            l = ",".join(c)
        elif l.startswith("# specimen:"):
            l = "# specimen: s%05d" % k
        lines.append(l)
    open(os.path.join(d, "run%05d.csv" % k), "w").write("\n".join(lines) + "\n")
PY
t() { _s=$(date +%s.%N); "$@"; _rc=$?; _e=$(date +%s.%N); awk -v a="$_s" -v b="$_e" 'BEGIN { printf "%.2f", b - a }'; return $_rc; }
ta=$(t sh -c "'$RIGOR' analyze --csv '$tmp/data' >'$tmp/a.csv' 2>/dev/null")
bench_one() {
    name=$1; db=$2
    ti=$(t sh -c "'$RIGOR' db --db '$db' import '$tmp/data' 2>/dev/null")
    tq=$(t sh -c "'$RIGOR' db --db '$db' query --csv >'$tmp/q.csv' 2>/dev/null")
    rows=$(($(wc -l <"$tmp/q.csv") - 1))
    over=$(awk -v i="$ti" -v a="$ta" 'BEGIN { printf "%+.0f %%", (i - a) / a * 100 }')
    echo "BENCH store_$name files=$N analyze_s=$ta import_s=$ti import_over_analyze=$over query_s=$tq query_rows=$rows"
}
bench_one sqlite "$tmp/s.db"
if [ -x "$PGBIN/initdb" ]; then
    mkdir -p "$tmp/pg"
    if [ "$(id -u)" = 0 ]; then chown postgres "$tmp/pg"; as_pg="runuser -u postgres --"; fi
    $as_pg "$PGBIN/initdb" -D "$tmp/pg/data" -U postgres --auth=trust >/dev/null 2>&1 &&
        $as_pg "$PGBIN/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w \
            -o "-c listen_addresses='' -k $tmp/pg" start >/dev/null 2>&1 &&
        bench_one postgresql "host=$tmp/pg user=postgres dbname=postgres"
else
    echo "BENCH store_postgresql skipped: PostgreSQL 15 not installed"
fi
