#!/bin/sh
# it_devices.sh — real devices' rig files end to end (issue 21).
# Part 1: a rig file with a value that cannot be right is exit 2 before
# anything connects, in every command that takes one (rigor check --rig,
# rigor run --rig, rigor console --rig), with file:line and the reason; and
# `rigor check --rig` refuses protocol speeds below the rig's smallest.
# Run from the repository root with RIGOR=path/to/rigor.
set -u
RIGOR=${RIGOR:-build/rigor}
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "not ok $1: $2"; }
skp() { skip=$((skip + 1)); echo "ok $1 # SKIP $2"; }
REF=rigs/reference-tcp.ini
PROTO=protocols/shipped/e-lpscl-film-tensile.rigor

# Nothing may listen where these rig files point: a command that got past the
# rig file would fail to connect (exit 3), not exit 2. Port 9 (discard) on
# loopback is closed on a test machine.
sed 's/^port      = 1502/port      = 9/' "$REF" >"$tmp/base.ini"
mk() { # name, sed expression on the base file
    sed "$2" "$tmp/base.ini" >"$tmp/$1.ini"
}
mk wdunit 's/^unit   = ms$/unit   = N/'                    # watchdog in newtons
mk wdsec  's/^unit   = ms$/unit   = s/'                    # drive counts seconds: 250 ms -> 0
mk wdzero 's/^watchdog      = 250 ms/watchdog = 0 ms/'      # 0 instead of 'off'
mk inf    's/^capacity   = 500 N /capacity = 1e306 kN /'   # overflows to inf
mk rate   's/^max_rate      = 1000 Hz/max_rate = 0.001 Hz/'
mk recon  's/^reconnect_max = 1 s /reconnect_max = 1e9 s /'
want() { # name, grep pattern of the message
    n=$1; pat=$2
    "$RIGOR" check --rig "$tmp/$n.ini" "$PROTO" >/dev/null 2>"$tmp/c.err"; c=$?
    timeout 30 "$RIGOR" run "$PROTO" --rig "$tmp/$n.ini" -o "$tmp/$n.csv" >/dev/null 2>"$tmp/r.err"; r=$?
    timeout 30 "$RIGOR" console --rig "$tmp/$n.ini" </dev/null >/dev/null 2>"$tmp/k.err"; k=$?
    if [ $c -eq 2 ] && [ $r -eq 2 ] && [ $k -eq 2 ] && grep -q "$n.ini:[0-9]*:.*$pat" "$tmp/c.err" \
       && grep -q "$n.ini:[0-9]*:.*$pat" "$tmp/r.err" && grep -q "$n.ini:[0-9]*:.*$pat" "$tmp/k.err" \
       && [ ! -e "$tmp/$n.csv" ]; then
        ok "rig file $n: exit 2 in check, run and console"
    else
        bad "rig file $n" "check=$c run=$r console=$k: $(head -1 "$tmp/r.err")"
    fi
}
want wdunit "unit 'N' is a force, expected time"
want wdsec "watchdog 250 ms rounds to 0 counts"
want wdzero "write 'watchdog = off'"
want inf "beyond any representable force"
want rate "max_rate: must be in 1..1000 Hz"
want recon "reconnect_max: must be in 10 ms..60 s"
# an unreadable rig file is the user's to fix too
timeout 30 "$RIGOR" run "$PROTO" --rig "$tmp/none.ini" -o "$tmp/none.csv" >/dev/null 2>"$tmp/r.err"; r=$?
if [ $r -eq 2 ] && grep -q "none.ini" "$tmp/r.err"; then ok "missing rig file: exit 2"
else bad "missing rig file" "run=$r $(head -1 "$tmp/r.err")"; fi

# watchdog = off: accepted, warned about, shown by rigor check
mk wdoff 's/^watchdog      = 250 ms/watchdog = off/'
"$RIGOR" check --rig "$tmp/wdoff.ini" "$PROTO" >"$tmp/o.out" 2>"$tmp/o.err"; c=$?
if [ $c -eq 0 ] && grep -q "wdoff.ini:[0-9]*: warning: watchdog = off" "$tmp/o.err" \
   && grep -q "watchdog off (rig file line [0-9]*)" "$tmp/o.out"; then ok "watchdog = off warned"
else bad "watchdog = off" "rc=$c $(head -2 "$tmp/o.err") / $(head -1 "$tmp/o.out")"; fi

# the smallest speed: a setpoint in whole mm/min cannot command 0.5 mm/min
mk coarse 's/^unit   = nm\/s$/unit   = mm\/min/'
printf 'name "slow"\ntest tensile\nwidth 10 mm\nthickness 1 mm\ngauge-length 50 mm\nlimit force < 400 N\npreload 0.1 N at 5 mm/min\nramp at   0.5 mm/min until fracture\non fracture stop\n' >"$tmp/slow.rigor"
"$RIGOR" check --rig "$tmp/coarse.ini" "$tmp/slow.rigor" >"$tmp/s.out" 2>"$tmp/s.err"; c=$?
"$RIGOR" check --rig "$REF" "$tmp/slow.rigor" >"$tmp/s2.out" 2>&1; c2=$?
if [ $c -eq 2 ] && grep -q "slow.rigor:8:11: speed 0.5 mm/min is below the smallest speed this rig can command, 1 mm/min" "$tmp/s.err" \
   && grep -q "smallest speed it can command 1 mm/min" "$tmp/s.out" \
   && [ $c2 -eq 0 ] && grep -q "smallest speed it can command 6e-05 mm/min" "$tmp/s2.out"; then
    ok "check --rig: speed below one count refused at line:col"
else
    bad "speed floor" "coarse=$c ref=$c2 $(head -1 "$tmp/s.err")"
fi

echo "# it_devices: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
