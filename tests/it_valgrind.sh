#!/bin/sh
# it_valgrind.sh — `rigor analyze` of the real-data set under valgrind
# (memcheck, --leak-check=full): zero errors, zero definite/indirect leaks.
#
# Data: ../shared/data/real and ../shared/data/peer (skipped with a reason
# when absent). Two passes: as the files come (many lack a geometry and stop
# early with a clear error), and with a geometry given (--area 1
# --gauge-length 10) so that every curve goes through the whole analysis,
# plus an SVG figure (PLplot's svg driver; the png/pdf drivers' font caches
# are library leaks and are not run here). Runs with the plain build only:
# valgrind cannot run an ASan binary (the ASan pass has LeakSanitizer).
set -u
RIGOR=${RIGOR:-build/rigor}
pass=0; fail=0; skip=0
done_() { echo "# it_valgrind: $pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }
if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP: valgrind not installed"; skip=1; done_
fi
if nm "$RIGOR" 2>/dev/null | grep -q __asan_init; then
    echo "SKIP: $RIGOR is an ASan build (valgrind cannot run it; LeakSanitizer covers it)"
    skip=1; done_
fi
real=../shared/data/real; peer=../shared/data/peer
if [ ! -d "$real" ] || [ ! -d "$peer" ]; then
    echo "SKIP: $real or $peer absent (the real-data set lives beside the worktree)"
    skip=1; done_
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg() { # vg NAME ARGS...: run rigor under memcheck; exit 99 = valgrind error
    name=$1; shift
    valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --log-file="$tmp/$name.vg" \
        "$RIGOR" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    n=$(grep -c '^==' "$tmp/$name.vg")
    if [ "$rc" -eq 99 ] || [ "$n" -ne 0 ] || [ "$rc" -gt 2 ]; then
        fail=$((fail + 1)); echo "FAIL $name: exit $rc, $n valgrind lines"; head -n 40 "$tmp/$name.vg"
    else
        pass=$((pass + 1)); echo "ok $name: exit $rc (0 or 2: some files fail cleanly), 0 valgrind reports"
    fi
}
vg analyze-as-is analyze "$real" "$peer"
vg analyze-geometry analyze --area 1 --gauge-length 10 --plot "$tmp/all.svg" "$real" "$peer"
done_
