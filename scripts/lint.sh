#!/bin/sh
# lint.sh — static analysis: cppcheck and clang-tidy (.clang-tidy, and
# tests/.clang-tidy for the test programs) over every C source; any finding
# fails. False positives are suppressed inline next to the code with the
# reason (cppcheck-suppress / NOLINT). LINT_JOBS (default 2) files at a time.
set -u
jobs=${LINT_JOBS:-2}
pkgs="libmodbus libserialport gsl ncursesw plplot sqlite3 libpq"
srcs=$(ls common/*.c analysis/*.c analysis/*/*.c rig/*.c rig/*/*.c protocols/*.c session/*.c store/*.c cli/*.c cli/*/*.c tests/*.c fuzz/*.c)
rc=0
echo "lint: cppcheck"
# shellcheck disable=SC2046
cppcheck --enable=warning,performance,portability --error-exitcode=1 -q --std=c11 \
    -D_GNU_SOURCE --inline-suppr -j "$jobs" \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    $(pkg-config --cflags-only-I $pkgs) common analysis rig protocols session store cli tests fuzz || rc=1
echo "lint: clang-tidy"
flags="-std=c11 -D_GNU_SOURCE $(pkg-config --cflags $pkgs)"
out=$(mktemp)
# shellcheck disable=SC2086
echo "$srcs" | xargs -P "$jobs" -n 4 sh -c 'clang-tidy --quiet "$@" -- '"$flags"' 2>/dev/null' _ >"$out"
if grep -qE '(warning|error): ' "$out"; then
    grep -E '(warning|error): ' "$out" | sort -u
    rc=1
fi
rm -f "$out"
[ "$rc" -eq 0 ] && echo "lint: clean"
exit $rc
