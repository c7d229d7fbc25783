#!/bin/sh
# it_soak.sh — fault soak of the driver: tests/test_soak.c (a pull loop with
# reconnects against the simulator injecting drop=0.02, corrupt=0.01,
# delay=0.02:30ms, exception=0.005 and one disconnect) run for SOAK_SECONDS
# (default 30; make soak: 600), from the build directory of $RIGOR, so the
# sanitizer build soaks under ASan/UBSan/LSan when RIGOR=build-asan/rigor.
set -u
RIGOR=${RIGOR:-build/rigor}
prog=$(dirname "$RIGOR")/tests/test_soak
secs=${SOAK_SECONDS:-30}
if [ ! -x "$prog" ]; then
    echo "SKIP: $prog not built"
    echo "# it_soak: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
out=$(SOAK_SECONDS=$secs "$prog" 2>&1)
rc=$?
echo "$out"
line=$(echo "$out" | grep -E '^# test_soak: ' | tail -n 1)
p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p')
f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
[ -z "$line" ] && { p=0; f=1; s=0; echo "FAIL: $prog crashed or printed no summary (exit $rc)"; }
[ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && { f=1; echo "FAIL: exit status $rc"; }
echo "# it_soak: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped (${secs} s)"
[ "${f:-0}" -eq 0 ]
