#!/bin/sh
# it_crash.sh — crash consistency: kill -9 of `rigor run` at random moments.
#
# CRASH_RUNS runs (default 5; make soak: 50) of the E-LPSCl film tensile
# protocol on the in-process simulator (--sim e-lpscl-film, seed = run
# number, ground truth via --sim-log), each killed with SIGKILL after a
# delay drawn from a fixed-seed generator (uniform 0.05 .. 11 s; a whole
# test takes about 11 s, so some runs finish first). Then every run file's
# complete lines must be valid and its rows a prefix of what the simulator
# measured (tests/crash_check.py: forces exact to the f32 the transmitter
# served, in order; positions to 2 nm of a logged crosshead position). A
# run that finished must have its trailer.
set -u
RIGOR=${RIGOR:-build/rigor}
runs=${CRASH_RUNS:-5}
py=/usr/bin/python3
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
bad() { fail=$((fail + 1)); echo "not ok $*"; }
if [ ! -x "$py" ]; then
    echo "SKIP: $py missing"
    echo "# it_crash: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# fixed-seed kill moments, one per run
$py -c "import random; r = random.Random(20261125); print('\n'.join('%.3f' % r.uniform(0.05, 11) for _ in range($runs)))" >"$tmp/delays"
i=0
killed=0; finished=0; rows=0
while read -r delay; do
    i=$((i + 1))
    d="$tmp/$i"; mkdir -p "$d"
    "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film --seed "$i" \
        --sim-log "$d/truth.csv" -o "$d/run.csv" --timeout 60 >"$d/out" 2>"$d/err" &
    pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then how=killed; killed=$((killed + 1)); else how=finished; finished=$((finished + 1)); fi
    wait "$pid" 2>/dev/null
    if [ ! -f "$d/run.csv" ]; then
        # killed before the run file was created: nothing to check
        ok "run $i ($how at ${delay} s): no run file yet"
        continue
    fi
    res=$($py tests/crash_check.py "$d/run.csv" "$d/truth.csv" 2>&1)
    rc=$?
    n=$(echo "$res" | sed -nE 's/.*rows ([0-9]+).*/\1/p' | tail -n 1)
    rows=$((rows + ${n:-0}))
    trailer=no; grep -q '^# end_reason:' "$d/run.csv" && trailer=yes
    if [ "$rc" -ne 0 ]; then
        bad "run $i ($how at ${delay} s): $res"
    elif [ "$how" = finished ] && [ "$trailer" = no ]; then
        bad "run $i: finished, yet the run file has no trailer"
    else
        ok "run $i ($how at ${delay} s, trailer $trailer): $(echo "$res" | tail -n 1)"
    fi
done <"$tmp/delays"
echo "# $runs runs: $killed killed, $finished finished; $rows rows checked"
echo "# it_crash: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
