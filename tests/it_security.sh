#!/bin/sh
# it_security.sh — the security properties of issue 10, end to end:
#  - `rigor sim` listens on 127.0.0.1 by default (checked in /proc/net/tcp);
#  - the driver does not trust lengths or counts from the wire: `rigor run`
#    against tests/peers/malicious_peer.py (wrong byte counts, register
#    counts, MBAP lengths, oversized and truncated replies) ends in a clean
#    fault, no crash or hang (and no sanitizer report in the ASan pass);
#  - a specimen id / protocol name never becomes a path: a hostile
#    --specimen-id ("../../x/evil") yields one file inside runs/;
#  - a run file is never overwritten: -o onto an existing file is refused and
#    the file keeps its bytes;
#  - a full disk (file-size limit, SIGXFSZ ignored so write() fails with
#    EFBIG as on a full disk) stops the test with exit 3 and the rows so far
#    are kept, readable by rigor inspect.
set -u
RIGOR=${RIGOR:-build/rigor}
case $RIGOR in /*) ;; *) RIGOR=$PWD/$RIGOR ;; esac
root=$PWD
py=/usr/bin/python3
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); echo "ok $*"; }
no() { fail=$((fail + 1)); echo "not ok $1"; shift; [ $# -gt 0 ] && echo "$*" | head -n 20 | sed 's/^/    /'; }
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
proto=$root/protocols/shipped/e-lpscl-film-tensile.rigor

# ---- the simulator binds loopback by default
"$RIGOR" sim --tcp 0 --duration 5 >"$tmp/sim.out" 2>"$tmp/sim.err" &
spid=$!; pids="$pids $spid"
i=0; while [ $i -lt 50 ] && ! grep -q '^rigor-sim: listening' "$tmp/sim.out"; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^rigor-sim: listening tcp [0-9.]*:\([0-9]*\)$/\1/p' "$tmp/sim.out")
if [ -n "$port" ]; then
    hex=$(printf '%04X' "$port")
    # st 0A = LISTEN; local address 0100007F = 127.0.0.1
    addrs=$(awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h { print $2 }' /proc/net/tcp /proc/net/tcp6)
    if [ "$addrs" = "0100007F:$hex" ]; then ok "sim: listens on 127.0.0.1:$port only"
    else no "sim: loopback bind" "listening sockets for port $port: $addrs"; fi
else
    no "sim: started" "$(cat "$tmp/sim.out" "$tmp/sim.err")"
fi
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null

# ---- a malicious peer
if [ -x "$py" ]; then
    $py tests/peers/malicious_peer.py --seconds 20 >"$tmp/peer.out" 2>"$tmp/peer.err" &
    ppid=$!; pids="$pids $ppid"
    i=0; while [ $i -lt 50 ] && ! grep -q '^port ' "$tmp/peer.out"; do sleep 0.1; i=$((i + 1)); done
    pport=$(sed -n 's/^port //p' "$tmp/peer.out")
    sed "s/^port *=.*/port = $pport/" rigs/reference-tcp.ini >"$tmp/evil.ini"
    (cd "$tmp" && "$RIGOR" run "$proto" --rig "$tmp/evil.ini" -o "$tmp/evil.csv" --timeout 10 \
        >"$tmp/evil.out" 2>"$tmp/evil.err")
    rc=$?
    if [ "$rc" -ge 1 ] && [ "$rc" -le 3 ]; then
        ok "malicious peer: rigor run refuses the replies and stops cleanly (exit $rc: $(grep -m1 -iE 'fault|error|fail|cannot' "$tmp/evil.err" | cut -c1-100))"
    else
        no "malicious peer: clean stop (exit $rc)" "$(tail -n 15 "$tmp/evil.err")"
    fi
    kill "$ppid" 2>/dev/null; wait "$ppid" 2>/dev/null
else
    skip=$((skip + 1)); echo "SKIP malicious peer: $py missing"
fi

# ---- hostile specimen id: no path
mkdir -p "$tmp/cwd/a/b"
(cd "$tmp/cwd/a/b" && "$RIGOR" run "$proto" --sim e-lpscl-film --specimen-id '../../x/evil' \
    --timeout 1 >/dev/null 2>"$tmp/name.err")
files=$(cd "$tmp/cwd" && find . -type f | sort)
case "$files" in
    "./a/b/runs/"*) n=$(echo "$files" | wc -l)
        if [ "$n" -eq 1 ]; then ok "hostile --specimen-id stays inside runs/: $files"
        else no "hostile specimen id: one file" "$files"; fi ;;
    *) no "hostile specimen id: file outside runs/" "$files $(cat "$tmp/name.err")" ;;
esac

# ---- never overwritten
printf 'precious\n' >"$tmp/exists.csv"
before=$(cksum <"$tmp/exists.csv")
"$RIGOR" run "$proto" --sim e-lpscl-film -o "$tmp/exists.csv" --timeout 1 >/dev/null 2>"$tmp/excl.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$(cksum <"$tmp/exists.csv")" = "$before" ]; then
    ok "existing run file refused, unchanged (exit $rc: $(head -n 1 "$tmp/excl.err" | cut -c1-90))"
else
    no "existing run file refused (exit $rc)" "$(cat "$tmp/excl.err")"
fi

# ---- full disk
(trap '' XFSZ; ulimit -f 40; exec "$RIGOR" run "$proto" --sim e-lpscl-film -o "$tmp/full.csv" \
    --timeout 30 >/dev/null 2>"$tmp/full.err")
rc=$?
size=$(wc -c <"$tmp/full.csv" 2>/dev/null || echo 0)
rows=$(grep -c '^[0-9]' "$tmp/full.csv" 2>/dev/null || echo 0)
if [ "$rc" -eq 3 ] && grep -q 'test stopped' "$tmp/full.err" && [ "$rows" -gt 100 ] &&
    "$RIGOR" inspect "$tmp/full.csv" >"$tmp/full.insp" 2>&1; then
    ok "full disk: exit 3, test stopped, $rows rows kept ($size bytes), readable by inspect"
else
    no "full disk (exit $rc, $rows rows)" "$(cat "$tmp/full.err" "$tmp/full.insp" 2>/dev/null | tail -n 10)"
fi

echo "# it_security: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
