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
#
# RIGOR_IT_ASAN=DIR runs the integration scripts a second time with
# RIGOR=DIR/rigor (the sanitizer build), all but those named in
# RIGOR_IT_ASAN_SKIP (space-separated, e.g. "it_sim"). Sanitizer reports go to
# files (log_path) so that a script that hides stderr or expects a non-zero
# exit cannot hide them; any report file fails the run.
set -u
build=${1:-build}
passed=0; failed=0; skipped=0; crashed=""
log=$(mktemp)
fails=$(mktemp)
trap 'rm -f "$log" "$fails"' EXIT

run_one() {
    name=$1; shift
    : >"$log"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    # Keep every failing case's lines for the recap at the end: CI shows only
    # the tail of a long log, and a failure must be readable there.
    grep -E '^(not ok|  FAIL)' "$log" | sed "s|^|$name: |" >>"$fails"
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
asan=${RIGOR_IT_ASAN:-}
if [ -n "$asan" ]; then
    rep=$(mktemp -d)
    for t in tests/it_*.sh; do
        [ -f "$t" ] || continue
        case "$t" in *"$filter"*) ;; *) continue ;; esac
        skip=no
        for x in ${RIGOR_IT_ASAN_SKIP:-}; do [ "tests/$x.sh" = "$t" ] && skip=yes; done
        [ "$skip" = yes ] && { echo "## $t ($asan): skipped (RIGOR_IT_ASAN_SKIP)"; continue; }
        echo "## $t ($asan)"
        run_one "$t ($asan)" env RIGOR="$asan/rigor" \
            ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:log_path=$rep/asan" \
            UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:log_path=$rep/ubsan" \
            LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" sh "$t"
        for r in "$rep"/*; do
            [ -f "$r" ] || continue
            echo "# $t ($asan): sanitizer report $r:"; cat "$r"; rm -f "$r"
            failed=$((failed + 1)); crashed="$crashed $t($asan)"
        done
    done
    rm -rf "$rep"
fi
if [ -s "$fails" ]; then
    echo "# failing cases:"
    cat "$fails"
fi
[ -n "$crashed" ] && echo "# failed programs:$crashed"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
