#!/bin/sh
# it_sim.sh — `rigor sim` against independent Modbus clients (mbpoll, pymodbus).
#
# Starts `rigor sim --tcp 127.0.0.1:0` (never a fixed port: other worktrees
# test at the same time) and `rigor sim --rtu`, reads the port / pty from the
# line the simulator prints, and talks to it with mbpoll (Debian) over TCP
# and RTU and with tests/peers/sim_map_check.py (Debian's python3-pymodbus,
# which checks every register of the map). Then checks the clean exit on
# SIGTERM and the ground-truth log. Run from the repository root with
# RIGOR=build/rigor.
set -u
RIGOR=${RIGOR:-build/rigor}
tmp=$(mktemp -d)
pids=""
pass=0; fail=0; skip=0
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT; [ -n "${KEEP:-}" ] && trap - EXIT

ok() { pass=$((pass + 1)); echo "ok $1"; }
no() { fail=$((fail + 1)); echo "not ok $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; }
check() { # check NAME COMMAND... : passes when the command succeeds
    name=$1; shift
    if out=$("$@" 2>&1); then ok "$name"; else no "$name" "$out"; fi
}

# start_sim NAME ARGS... : run rigor sim in the background, wait for its line
start_sim() {
    name=$1; shift
    "$RIGOR" sim "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    eval "pid_$name=$!"
    pids="$pids $!"
    i=0
    while [ $i -lt 50 ]; do
        grep -q '^rigor-sim: ' "$tmp/$name.out" 2>/dev/null && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}

mb() { mbpoll -1 -o 1 "$@" 2>&1; }

# ---------------------------------------------------------------- TCP
if start_sim tcp --tcp 127.0.0.1:0 --log "$tmp/truth.csv" --seed 5; then
    ok "tcp: prints its listening line"
else
    no "tcp: prints its listening line" "$(cat "$tmp/tcp.err")"
fi
port=$(sed -n 's/^rigor-sim: listening tcp 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/tcp.out")
if [ -n "$port" ] && [ "$port" -gt 0 ]; then ok "tcp: port 0 replaced by the real port ($port)"
else no "tcp: real port" "$(cat "$tmp/tcp.out")"; port=1; fi

T="-m tcp -p $port -0"
out=$(mb $T -a 1 -r 0 -c 9 -t 4 127.0.0.1)
case "$out" in *"[8]:"*) ok "mbpoll tcp: drive HR 0-8" ;; *) no "mbpoll tcp: drive HR 0-8" "$out" ;; esac
out=$(mb $T -a 1 -r 2 -t 4:int 127.0.0.1 -- 2000000)
case "$out" in *"Written 1 references"*) ok "mbpoll tcp: VELOCITY_CMD 2 mm/s (i32 CDAB)" ;;
    *) no "mbpoll tcp: VELOCITY_CMD" "$out" ;; esac
out=$(mb $T -a 1 -r 0 -t 4 127.0.0.1 -- 1)
case "$out" in *"Written 1 references"*) ok "mbpoll tcp: ENABLE" ;; *) no "mbpoll tcp: ENABLE" "$out" ;; esac
sleep 0.5
out=$(mb $T -a 1 -r 2 -c 2 -t 3:int 127.0.0.1)
pos=$(echo "$out" | sed -n 's/^\[2\]:[[:space:]]*\(-*[0-9]*\)$/\1/p')
vel=$(echo "$out" | sed -n 's/^\[4\]:[[:space:]]*\(-*[0-9]*\)$/\1/p')
if [ -n "$pos" ] && [ "$pos" -gt 700000 ] && [ "$pos" -lt 1300000 ] && [ "$vel" = 2000000 ]; then
    ok "mbpoll tcp: POSITION $pos nm, VELOCITY $vel nm/s (CDAB = mbpoll's default order)"
else no "mbpoll tcp: POSITION/VELOCITY" "$out"; fi
out=$(mb $T -a 2 -r 1 -c 2 -t 3:float -B 127.0.0.1)
f=$(echo "$out" | sed -n 's/^\[1\]:[[:space:]]*\([-0-9.e]*\)$/\1/p')
if [ -n "$f" ] && awk "BEGIN{exit !($f > 5 && $f < 30)}"; then ok "mbpoll tcp: FORCE f32 ABCD (-B) $f N"
else no "mbpoll tcp: FORCE" "$out"; fi
out=$(mb $T -a 2 -r 0 -t 4 127.0.0.1 -- 1)
case "$out" in *"Illegal function"*) ok "mbpoll tcp: FC06 on transmitter COMMAND -> 01" ;;
    *) no "mbpoll tcp: FC06 on COMMAND" "$out" ;; esac
out=$(mb $T -a 2 -r 0 -t 4 127.0.0.1 -- 1 0)
case "$out" in *"Written 2 references"*) ok "mbpoll tcp: FC16 on transmitter COMMAND accepted" ;;
    *) no "mbpoll tcp: FC16 on COMMAND" "$out" ;; esac
out=$(mb $T -a 2 -r 8 -t 3 127.0.0.1)
case "$out" in *"Illegal data address"*) ok "mbpoll tcp: out of map -> 02" ;;
    *) no "mbpoll tcp: out of map" "$out" ;; esac
out=$(mb $T -a 1 -r 1 -t 4 127.0.0.1 -- 7)
case "$out" in *"Illegal data value"*) ok "mbpoll tcp: MODE 7 -> 03" ;;
    *) no "mbpoll tcp: MODE 7" "$out" ;; esac
out=$(mb $T -a 9 -r 0 -t 3 127.0.0.1)
case "$out" in *"Target device failed to respond"*) ok "mbpoll tcp: unknown unit -> 0B" ;;
    *) no "mbpoll tcp: unknown unit" "$out" ;; esac
# at 2 mm/s the film breaks at 8 % of 20 mm, 0.8 s after the enable
i=0
while [ $i -lt 30 ] && ! grep -q ',fracture ' "$tmp/truth.csv"; do sleep 0.1; i=$((i + 1)); done

# a fresh simulator for pymodbus (its checks assume an unloaded film); also
# shows that two simulators run side by side on ephemeral ports
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pymodbus' 2>/dev/null; then
    start_sim py --tcp 127.0.0.1:0
    port2=$(sed -n 's/^rigor-sim: listening tcp 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/py.out")
    check "pymodbus: every register, types, word orders, exceptions" \
        /usr/bin/python3 tests/peers/sim_map_check.py 127.0.0.1 "${port2:-1}"
    kill -TERM "$pid_py"; wait "$pid_py"
else
    skip=$((skip + 1)); echo "skip pymodbus: /usr/bin/python3 with pymodbus not found"
fi

kill -TERM "$pid_tcp"
wait "$pid_tcp"; rc=$?
if [ $rc -eq 0 ] && grep -q 'stopped at' "$tmp/tcp.err"; then ok "tcp: clean exit on SIGTERM"
else no "tcp: clean exit on SIGTERM (rc $rc)" "$(cat "$tmp/tcp.err")"; fi
if head -3 "$tmp/truth.csv" | grep -q '^t_s,crosshead_m,deformation_m,frame_deflection_m,force_N,measured_force_N,event$' &&
    grep -q ',enable$' "$tmp/truth.csv" && grep -q ',fracture force=26.4 N deformation=0.0016 m$' "$tmp/truth.csv"; then
    ok "ground-truth log: header and events (enable, fracture at 66 MPa x 0.4 mm2, 8 %)"
else no "ground-truth log" "$(head -5 "$tmp/truth.csv")"; fi
rows=$(grep -c '^[0-9]' "$tmp/truth.csv")
if [ "$rows" -gt 500 ]; then ok "ground-truth log: $rows sample rows"; else no "ground-truth rows: $rows"; fi
# What scheduling the physics thread and the connections got, on stderr and
# in the log (SCHED_FIFO 30 as root; otherwise the refusal and its reason).
want='SCHED_FIFO 30'
[ "$(id -u)" = 0 ] || want='no (EPERM: '
if grep -q "^rigor-sim: t=0\.000 s realtime physics $want" "$tmp/tcp.err" &&
    grep -q "realtime tcp-connection $want" "$tmp/tcp.err" &&
    grep -q ",realtime physics $want" "$tmp/truth.csv"; then
    ok "realtime: physics and connection threads report '$want'"
else no "realtime report" "$(grep realtime "$tmp/tcp.err")"; fi
out=$("$RIGOR" sim --tcp 127.0.0.1:0 --no-realtime --duration 0.2 2>&1); rc=$?
case "$rc:$out" in 0:*"realtime physics off (realtime off for the simulator)"*)
    ok "--no-realtime: the physics thread says it did not ask" ;;
    *) no "--no-realtime" "$rc: $out" ;; esac

# ---------------------------------------------------------------- RTU
if start_sim rtu --rtu --baud 115200 --specimen lpscl-pellet; then
    ok "rtu: prints its pty line"
else
    no "rtu: prints its pty line" "$(cat "$tmp/rtu.err")"
fi
pty=$(sed -n 's/^rigor-sim: rtu \(.*\)$/\1/p' "$tmp/rtu.out")
R="-m rtu -b 115200 -P even -0"
out=$(mb $R -a 1 -r 0 -c 6 -t 3 "$pty")
case "$out" in *"[5]:"*) ok "mbpoll rtu: drive IR 0-5 on $pty" ;; *) no "mbpoll rtu: drive IR" "$out" ;; esac
out=$(mb $R -a 2 -r 1 -c 2 -t 3:float -B "$pty")
case "$out" in *"[3]:"*) ok "mbpoll rtu: FORCE and PEAK f32 ABCD" ;; *) no "mbpoll rtu: FORCE" "$out" ;; esac
out=$(mb $R -a 1 -r 2 -t 4:int "$pty" -- -1000000)
case "$out" in *"Written 1 references"*) ok "mbpoll rtu: VELOCITY_CMD -1 mm/s" ;; *) no "mbpoll rtu: write" "$out" ;; esac
out=$(mb $R -a 1 -r 0 -t 4 "$pty" -- 1)
case "$out" in *"Written 1 references"*) ok "mbpoll rtu: ENABLE" ;; *) no "mbpoll rtu: ENABLE" "$out" ;; esac
sleep 0.4
out=$(mb $R -a 2 -r 1 -c 1 -t 3:float -B "$pty")
f=$(echo "$out" | sed -n 's/^\[1\]:[[:space:]]*\([-0-9.e]*\)$/\1/p')
if [ -n "$f" ] && awk "BEGIN{exit !($f < -1)}"; then ok "mbpoll rtu: pellet compressed, FORCE negative ($f N)"
else no "mbpoll rtu: compression force" "$out"; fi
out=$(mb $R -a 2 -r 0 -t 4 "$pty" -- 1)
case "$out" in *"Illegal function"*) ok "mbpoll rtu: FC06 on transmitter COMMAND -> 01" ;;
    *) no "mbpoll rtu: FC06 on COMMAND" "$out" ;; esac
out=$(mb $R -a 5 -r 0 -t 3 "$pty")
case "$out" in *"timed out"*|*"Connection timed out"*) ok "mbpoll rtu: unknown slave -> silence" ;;
    *) no "mbpoll rtu: unknown slave" "$out" ;; esac
out=$(mb $R -a 3 -r 0 -c 3 -t 3 "$pty")
case "$out" in *"[0]:"*"0"*) ok "mbpoll rtu: extensometer answers after a timeout" ;;
    *) no "mbpoll rtu: after timeout" "$out" ;; esac
kill -INT "$pid_rtu"
wait "$pid_rtu"; rc=$?
if [ $rc -eq 0 ]; then ok "rtu: clean exit on SIGINT"; else no "rtu: exit on SIGINT (rc $rc)"; fi

# ---------------------------------------------------------------- faults
start_sim flt --tcp 127.0.0.1:0 --faults exception=1,estop-after=0.2s --log "$tmp/faults.csv"
port3=$(sed -n 's/^rigor-sim: listening tcp 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/flt.out")
out=$(mb -m tcp -p "${port3:-1}" -0 -a 1 -r 0 -t 3 127.0.0.1)
case "$out" in *"busy"*) ok "faults: exception=1 answers 06 (server busy)" ;;
    *) no "faults: exception 06" "$out" ;; esac
sleep 0.3
kill -TERM "$pid_flt"; wait "$pid_flt"
if grep -q ',fault exception unit=1 fc=4$' "$tmp/faults.csv" && grep -q ',fault estop$' "$tmp/faults.csv"
then ok "faults: injected faults are logged with their time"
else no "faults: log" "$(grep fault "$tmp/faults.csv")"; fi
t_estop=$(sed -n 's/^\([0-9.]*\),.*,fault estop$/\1/p' "$tmp/faults.csv")
case "$t_estop" in 0.200) ok "faults: estop-after=0.2s fired at t=$t_estop s" ;;
    *) no "faults: e-stop time '$t_estop'" ;; esac

# ---------------------------------------------------------------- bad input
out=$("$RIGOR" sim --specimen granite --duration 0 2>&1); rc=$?
case "$rc:$out" in 2:*"unknown specimen 'granite'"*) ok "bad specimen: exit 2 with a message" ;;
    *) no "bad specimen" "$rc: $out" ;; esac
out=$("$RIGOR" sim --faults drop=3 --duration 0 2>&1); rc=$?
case "$rc:$out" in 2:*"--faults"*) ok "bad fault list: exit 2 with a message" ;;
    *) no "bad fault list" "$rc: $out" ;; esac
out=$("$RIGOR" sim --param E=2kg --duration 0 2>&1); rc=$?
case "$rc:$out" in 2:*"not a unit of stress"*) ok "bad param unit: exit 2 with a message" ;;
    *) no "bad param unit" "$rc: $out" ;; esac

# ---------------------------------------------------------------- not loopback
# 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning is
# printed, then the bind fails and nothing ever listens beyond loopback.
out=$("$RIGOR" sim --tcp 192.0.2.1:0 --duration 0.1 2>&1); rc=$?
case "$rc:$out" in [1-9]*:*"Modbus has no authentication"*) ok "non-loopback --tcp warns (and here cannot bind)" ;;
    *) no "non-loopback warning" "$rc: $out" ;; esac
out=$("$RIGOR" sim --idle-timeout x --duration 0 2>&1); rc=$?
case "$rc:$out" in 2:*"--idle-timeout"*) ok "bad --idle-timeout: exit 2" ;;
    *) no "bad --idle-timeout" "$rc: $out" ;; esac

# ---------------------------------------------------------------- the driver's FAULTs reach rigor run
# Each simulator fault of issue 21 makes `rigor run` end in a fault (exit 3,
# as `rigor run --help` says; never 0), with the driver's reason on stderr.
run_fault() { # NAME FAULTS REASON
    rm -f "$tmp/rf.csv"
    out=$(timeout 120 "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film \
          --sim-faults "$2" -o "$tmp/rf.csv" 2>&1 >/dev/null); rc=$?
    case "$rc:$out" in 3:*"$3"*) ok "run $1: exit 3 (fault), '$3'" ;;
        *) no "run $1: want exit 3 and '$3'" "$rc: $out" ;; esac
}
run_fault "NaN force" nan-force-after=3s "invalid samples in a row"
run_fault "frozen force" freeze-force-after=1s "force data frozen"
run_fault "drive does not move" stall-after=2.5s "the drive does not move"
run_fault "refused velocity" refuse-velocity-after=0s "refused"
run_fault "refused stop at the fracture" refuse-velocity-after=2s "stop refused"
# the run file of the NaN run keeps the invalid samples, and Rigor imports it
rm -f "$tmp/rf.csv"
timeout 120 "$RIGOR" run protocols/shipped/e-lpscl-film-tensile.rigor --sim e-lpscl-film \
    --sim-faults nan-force-after=3s -o "$tmp/rf.csv" >/dev/null 2>&1
if grep -q ',force$' "$tmp/rf.csv" 2>/dev/null && head -40 "$tmp/rf.csv" | grep -q ',stage,invalid$'
then ok "NaN run: invalid samples recorded (empty cell + flag)"
else no "NaN run: invalid rows" "$(grep -c ',force$' "$tmp/rf.csv" 2>&1)"; fi
out=$("$RIGOR" analyze "$tmp/rf.csv" 2>&1); rc=$?
case "$out" in *"marked invalid by the driver"*) ok "NaN run: rigor analyze reads it and says so (exit $rc)" ;;
    *) no "NaN run: analyze" "$rc: $out" ;; esac

echo "# it_sim: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
