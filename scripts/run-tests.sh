#!/bin/sh
# run-tests.sh BUILD_DIR [EXTRA_BUILD_DIR...] — run every test program and
# integration script, add up their counts and print the one closing line
# "N passed, N failed, N skipped".
#
# Unit tests are the compiled programs DIR/tests/test_* of every build dir
# given (the plain and the sanitizer build); integration tests are
# tests/it_*.sh, run once with RIGOR=BUILD_DIR/rigor of the first dir. Each
# program prints its own "# name: N passed, N failed, N skipped" line, which
# this script sums. RIGOR_TEST_FILTER=substring runs only matching programs.
set -u
build=${1:-build}
passed=0; failed=0; skipped=0; crashed=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
    name=$1; shift
    : >"$log"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^# .*: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "# $name: crashed or printed no summary (exit $rc)"
        failed=$((failed + 1)); crashed="$crashed $name"
        return
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "# $name: exit status $rc with no failed case"
        failed=$((failed + 1)); crashed="$crashed $name"
    fi
}

filter=${RIGOR_TEST_FILTER:-}
for dir in "$@"; do
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        case "$t" in *"$filter"*) ;; *) continue ;; esac
        echo "## $t"
        run_one "$t" "$t"
    done
done
for t in tests/it_*.sh; do
    [ -f "$t" ] || continue
    case "$t" in *"$filter"*) ;; *) continue ;; esac
    echo "## $t"
    run_one "$t" env RIGOR="$build/rigor" sh "$t"
done
[ -n "$crashed" ] && echo "# failed programs:$crashed"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
