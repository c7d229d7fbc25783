#!/bin/sh
# fuzz.sh BUILD_DIR — run every libFuzzer target of BUILD_DIR/fuzz for
# FUZZ_SECONDS (default 60) each, FUZZ_JOBS (default 2) at a time under
# nice -n 19, and print one line per target: executions, cov, ft, corpus.
#
# Corpora live in BUILD_DIR/corpus/TARGET and grow from run to run; seeds
# are copied at run time into BUILD_DIR/seeds/TARGET from tests/data,
# protocols/, rigs/ and ../shared/data (when present; never committed).
# Crashes go to BUILD_DIR/crashes/TARGET-*; the script fails if any target
# stopped on a finding. FUZZ_TARGETS="csvin proto" runs a subset.
set -u
b=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
targets=${FUZZ_TARGETS:-$(ls "$b"/fuzz/ | sed -n 's/^fuzz_//p')}
shared=../shared/data
mkdir -p "$b/seeds" "$b/corpus" "$b/crashes" "$b/logs"

seed() { # seed TARGET FILE...
    d="$b/seeds/$1"; shift
    mkdir -p "$d"
    for f in "$@"; do
        [ -f "$f" ] || continue
        # flat names; a path's slashes become underscores
        cp "$f" "$d/$(echo "$f" | tr '/ ' '__')" 2>/dev/null
    done
}
seed_find() { # seed_find TARGET DIR [find args]
    t=$1; dir=$2; shift 2
    [ -d "$dir" ] || return 0
    find "$dir" -type f "$@" | while IFS= read -r f; do seed "$t" "$f"; done
}

for t in $targets; do rm -rf "$b/seeds/$t"; done
seed_find csvin tests/data -size -1024k
seed_find csvin "$shared" -size -1024k ! -name '*.md' ! -name '*.pdf'
seed_find csvin examples
seed_find proto protocols -name '*.rigor'
seed_find rigfile rigs -name '*.ini'
for f in tests/data/*/*.ini; do [ -f "$f" ] && seed rigfile "$f"; done
# compliance tables: small two-column files of the test data
mkdir -p "$b/seeds/compliance"
printf 'force (N), deflection (mm)\n0, 0\n100, 0.05\n1000, 0.4\n' >"$b/seeds/compliance/units"
printf '0;0\n-100;-0.05\n' >"$b/seeds/compliance/semicolon"
printf '# kN um\n0 0\n1 20\n2 38\n' >"$b/seeds/compliance/comment"
# regmap, sim, link: binary inputs; small hand-made seeds
mkdir -p "$b/seeds/regmap" "$b/seeds/sim" "$b/seeds/link"
# regmap: [type order table unit][scale f64][offset f64][bits][regs][si][flags]
printf '\002\000\000\001\000\000\000\000\000\000\360\077' >"$b/seeds/regmap/i32-mm"
printf '\004\001\001\004\000\000\000\000\000\000\360\077' >"$b/seeds/regmap/f32-N"
# sim: [preset][unit|steps<<3][len][pdu]...: read drive, enable, read cell
printf '\000\001\005\003\000\000\000\020\011\005\004\000\000\000\020\002\005\003\000\000\000\010' \
    >"$b/seeds/sim/read"
printf '\000\001\013\020\000\020\000\002\004\000\001\000\000\171\005\003\000\000\000\020' \
    >"$b/seeds/sim/write"
# link: [flags][n][MBAP tid(2) proto(2) len(2) unit][fc][bc][regs]
printf '\001\001\000\000\000\000\000\005\001\003\002\000\052' >"$b/seeds/link/ok1"
printf '\001\001\000\000\000\000\000\007\001\003\004\000\052\000\053' >"$b/seeds/link/long"
printf '\001\001\000\000\000\000\000\003\001\203\002' >"$b/seeds/link/exception"

maxlen() {
    case $1 in csvin) echo 65536 ;; proto|rigfile|compliance) echo 16384 ;; *) echo 4096 ;; esac
}

run_one() {
    t=$1
    mkdir -p "$b/corpus/$t"
    dict=""
    [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
    # shellcheck disable=SC2086
    nice -n 19 "$b/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$(maxlen "$t")" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 $dict \
        -artifact_prefix="$b/crashes/$t-" "$b/corpus/$t" "$b/seeds/$t" \
        >"$b/logs/$t.log" 2>&1
    echo $? >"$b/logs/$t.rc"
}

set -- $targets
while [ $# -gt 0 ]; do
    pids=""
    i=0
    while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
        run_one "$1" &
        pids="$pids $!"
        shift; i=$((i + 1))
    done
    for p in $pids; do wait "$p"; done
done

bad=0
printf '%-8s %10s %7s %7s %8s %s\n' target execs cov ft corpus result
for t in $targets; do
    log="$b/logs/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    ft=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p')
    ncorp=$(ls "$b/corpus/$t" | wc -l)
    rc=$(cat "$b/logs/$t.rc" 2>/dev/null || echo 1)
    res=ok
    if [ "$rc" -ne 0 ]; then res="FAILED (exit $rc, see $log)"; bad=1; fi
    printf '%-8s %10s %7s %7s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$ncorp" "$res"
done
exit $bad
