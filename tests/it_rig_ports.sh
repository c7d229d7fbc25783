#!/bin/sh
# it_rig_ports.sh — `rigor ports`: listing works (whatever ports this machine
# has), JSON is valid, any device path is accepted (a pseudo-terminal too,
# though it is never listed), a non-device is refused with exit status 2.
RIGOR=${RIGOR:-build/rigor}
pass=0; fail=0; skip=0
ok()  { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "not ok $1"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${ptypid:-}" ] && kill "$ptypid" 2>/dev/null' EXIT

if "$RIGOR" ports >"$tmp/list" 2>&1 && { grep -q '^DEVICE' "$tmp/list" || grep -q 'no serial ports' "$tmp/list"; }; then
    ok "list"
else
    bad "list: $(cat "$tmp/list")"
fi

if "$RIGOR" ports --json >"$tmp/json" 2>&1 &&
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list); [p["device"] for p in d]' "$tmp/json"; then
    ok "json"
else
    bad "json: $(cat "$tmp/json")"
fi

# a pseudo-terminal kept open by a helper: accepted by path, never listed
/usr/bin/python3 -c 'import os,pty,time; m,s=pty.openpty(); print(os.ttyname(s), flush=True); time.sleep(20)' >"$tmp/pty" &
ptypid=$!
i=0; while [ ! -s "$tmp/pty" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
pty=$(head -n 1 "$tmp/pty")
if [ -n "$pty" ] && "$RIGOR" ports "$pty" >"$tmp/chk" 2>&1 && grep -q '^ok' "$tmp/chk"; then
    ok "pty accepted by path ($pty)"
else
    bad "pty accepted: $(cat "$tmp/chk" 2>/dev/null)"
fi
if [ -n "$pty" ] && ! grep -q "\"$pty\"" "$tmp/json"; then ok "pty not listed"; else bad "pty listed"; fi

"$RIGOR" ports /etc/passwd >"$tmp/no" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'not a character device' "$tmp/no"; then ok "non-device refused"; else bad "non-device: rc=$rc $(cat "$tmp/no")"; fi

"$RIGOR" ports --bogus >/dev/null 2>&1; rc=$?
if [ $rc -eq 2 ]; then ok "bad option -> 2"; else bad "bad option rc=$rc"; fi

echo "# it_rig_ports: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
