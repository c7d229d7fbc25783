#!/bin/sh
# it_check.sh — `rigor check` end to end: exit status, plan, and for every bad
# file the "file:line:col: message" line, the source line and the caret.
# Run from the repository root with RIGOR=path/to/rigor.
set -u
RIGOR=${RIGOR:-build/rigor}
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok $1"; }
bad() { fail=$((fail + 1)); echo "not ok $1: $2"; }
RIG="--capacity 100N --travel 100mm --max-speed 500mm/min --force-noise 2mN --no-extensometer"

# 1. every good file and every shipped protocol: exit 0, a plan on stdout, nothing on stderr
for f in tests/data/protocols/good/*.rigor protocols/shipped/*.rigor; do
    "$RIGOR" check "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ $rc -eq 0 ] && grep -q '^steps:' "$tmp/out" && grep -q '^estimate: ' "$tmp/out" \
       && [ ! -s "$tmp/err" ]; then
        ok "valid $f"
    else
        bad "valid $f" "rc=$rc $(head -3 "$tmp/err")"
    fi
done

# 2. every bad file: exit 2; the first line is file:line:col: message (or
#    file: message for whole-file problems); then the source line, indented by
#    4, and a caret under the column; a summary line closes.
for f in tests/data/protocols/bad/*.rigor; do
    "$RIGOR" check $RIG "$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
    first=$(head -1 "$tmp/err")
    if [ $rc -ne 2 ] || [ -s "$tmp/out" ]; then
        bad "invalid $f" "rc=$rc out=$(head -1 "$tmp/out")"; continue
    fi
    if ! tail -1 "$tmp/err" | grep -q "^$f: invalid protocol (1 problem); nothing was run$"; then
        bad "invalid $f" "summary: $(tail -1 "$tmp/err")"; continue
    fi
    loc=$(echo "$first" | sed -nE "s|^$f:([0-9]+):([0-9]+): .+|\1 \2|p")
    if [ -z "$loc" ]; then
        if echo "$first" | grep -qE "^$f: [a-z]" && [ "$(wc -l <"$tmp/err")" -eq 2 ]; then
            ok "invalid $f (whole file)"
        else
            bad "invalid $f" "first line: $first"
        fi
        continue
    fi
    line=${loc% *}; col=${loc#* }
    want_src="    $(sed -n "${line}p" "$f" | tr -d '\r' | tr '\001-\010\013-\037\177' '?')"
    got_src=$(sed -n 2p "$tmp/err")
    caret=$(sed -n 3p "$tmp/err")
    want_caret="$(printf '%*s^' $((col + 3)) '')"
    if [ "$got_src" = "$want_src" ] && [ "$caret" = "$want_caret" ]; then
        ok "invalid $f ($line:$col)"
    else
        bad "invalid $f" "source/caret mismatch:
$got_src
$caret
want:
$want_src
$want_caret"
    fi
done

# 3. exact text of the issue's example and of an unknown word
"$RIGOR" check tests/data/protocols/bad/wrong-dimension.rigor 2>"$tmp/err" >/dev/null
if [ "$(head -3 "$tmp/err")" = "tests/data/protocols/bad/wrong-dimension.rigor:8:32: force needs a force unit (N, kN, lbf...), got 'mm' (length)
    ramp at 5 N/s until force >= 5 mm
                                   ^" ]; then ok "exact wrong-dimension"; else bad "exact wrong-dimension" "$(cat "$tmp/err")"; fi
"$RIGOR" check tests/data/protocols/bad/unknown-word.rigor 2>"$tmp/err" >/dev/null
if head -1 "$tmp/err" | grep -qF "unknown-word.rigor:8:19: unknown word 'untill' (did you mean 'until'?)"; then
    ok "exact unknown word"; else bad "exact unknown word" "$(head -1 "$tmp/err")"; fi

# 3b. columns count bytes, the caret counts characters: a 'µ' before the
#     error is two bytes but one cell on the screen.
printf 'test tensile\nlimit force < 5 N\nramp at 10 \302\265m/s untill fracture\n' >"$tmp/utf8.rigor"
"$RIGOR" check "$tmp/utf8.rigor" >/dev/null 2>"$tmp/err"
if head -1 "$tmp/err" | grep -q ":3:18: unknown word 'untill'" \
   && [ "$(sed -n 3p "$tmp/err")" = "$(printf '%20s^' '')" ]; then
    ok "utf-8 caret"; else bad "utf-8 caret" "$(cat "$tmp/err")"; fi

# 3c. a warning keeps exit 0, says "warning:" and shows its line and caret
printf 'name "w"\ntest compression\nlimit force < 10 N\npreload 1 N at 1 mm/min\nzero force\nramp at 1 mm/min until force >= 5 N\n' >"$tmp/warn.rigor"
"$RIGOR" check "$tmp/warn.rigor" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 0 ] && head -1 "$tmp/err" | grep -q "warn.rigor:5:1: warning: 'zero force' while the specimen is loaded" \
   && [ "$(sed -n 2p "$tmp/err")" = "    zero force" ] && [ "$(sed -n 3p "$tmp/err")" = "    ^" ] \
   && grep -q '^steps:' "$tmp/out"; then
    ok "warning"; else bad "warning" "rc=$rc $(cat "$tmp/err")"; fi

# 4. machine limits decide: valid without a rig, invalid on a 100 N rig
"$RIGOR" check -q tests/data/protocols/bad/over-capacity.rigor >/dev/null 2>&1; a=$?
"$RIGOR" check -q --capacity 100 tests/data/protocols/bad/over-capacity.rigor >/dev/null 2>"$tmp/err"; b=$?
if [ $a -eq 0 ] && [ $b -eq 2 ] && grep -q "beyond the rig's force capacity (100 N)" "$tmp/err"; then
    ok "capacity"; else bad "capacity" "a=$a b=$b"; fi

# 4b. --rig reads the rig file's [limits] (reference frame: 500 N): the film
#     tensile fits, the film compression (2.3 kN at 80 MPa) does not; a broken
#     rig file is a usage error with its own file:line:col.
if [ -f rigs/reference-tcp.ini ]; then
    "$RIGOR" check -q --rig rigs/reference-tcp.ini protocols/shipped/e-lpscl-film-tensile.rigor >/dev/null 2>&1; a=$?
    "$RIGOR" check -q --rig rigs/reference-tcp.ini protocols/shipped/e-lpscl-film-compression.rigor >/dev/null 2>"$tmp/err"; b=$?
    printf '[rig]\nbogus\n' >"$tmp/bad.ini"
    "$RIGOR" check --rig "$tmp/bad.ini" protocols/shipped/astm-d882.rigor >/dev/null 2>"$tmp/err2"; c=$?
    if [ $a -eq 0 ] && [ $b -eq 2 ] && grep -q "e-lpscl-film-compression.rigor:15:15: 4500 N is beyond the rig's force capacity (100 N)" "$tmp/err" \
       && [ $c -eq 2 ] && grep -q "^rigor check: $tmp/bad.ini:2:1: " "$tmp/err2"; then
        ok "rig file"; else bad "rig file" "a=$a b=$b c=$c $(cat "$tmp/err" "$tmp/err2")"; fi
else
    skip=$((skip + 1)); echo "skip rig file: no rigs/reference-tcp.ini"
fi

# 5. geometry overrides supply or replace geometry; a wrong unit is a usage error
"$RIGOR" check -q --gauge-length 20 tests/data/protocols/bad/strain-no-gauge.rigor >/dev/null 2>&1; a=$?
"$RIGOR" check --thickness 15um protocols/shipped/e-lpscl-film-tensile.rigor >"$tmp/out" 2>&1; b=$?
"$RIGOR" check --thickness 40kg protocols/shipped/e-lpscl-film-tensile.rigor >/dev/null 2>"$tmp/err"; c=$?
if [ $a -eq 0 ] && [ $b -eq 0 ] && grep -q "thickness 1.5e-05 m (15 um)" "$tmp/out" && [ $c -eq 2 ] \
   && grep -q "needs a length unit" "$tmp/err"; then
    ok "geometry overrides"; else bad "geometry overrides" "a=$a b=$b c=$c $(cat "$tmp/err")"; fi

# 6. several files: the good one's plan is printed, the status is 2
"$RIGOR" check protocols/shipped/astm-d882.rigor tests/data/protocols/bad/hold-bare.rigor >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "ASTM D882" "$tmp/out" && grep -q "hold-bare.rigor:9:5:" "$tmp/err"; then
    ok "several files"; else bad "several files" "rc=$rc"; fi

# 7. the plan: SI with lab units and an estimate
"$RIGOR" check protocols/shipped/stress-relaxation.rigor >"$tmp/out" 2>&1
if grep -q "ramp at 0.000166667 m/s (10 mm/min) until strain >= 0.02 (2 %)" "$tmp/out" \
   && grep -q "hold for 600 s" "$tmp/out" && grep -q "^estimate: at least 602.4 s" "$tmp/out"; then
    ok "plan"; else bad "plan" "$(cat "$tmp/out")"; fi

# 8. usage
"$RIGOR" check >/dev/null 2>&1; a=$?
"$RIGOR" check --help >"$tmp/out" 2>&1; b=$?
"$RIGOR" check --bogus x.rigor >/dev/null 2>&1; c=$?
"$RIGOR" check tests/data/protocols/does-not-exist.rigor >/dev/null 2>"$tmp/err"; d=$?
if [ $a -eq 2 ] && [ $b -eq 0 ] && grep -q "usage: rigor check" "$tmp/out" && [ $c -eq 2 ] \
   && [ $d -eq 2 ] && grep -q "does-not-exist.rigor: cannot open the protocol: No such file" "$tmp/err"; then
    ok usage; else bad usage "a=$a b=$b c=$c d=$d"; fi

# --sim PRESET: the preset's cell, its capacity and its noise at rest
printf 'name "n"\ntest tensile\nwidth 10 mm\nthickness 40 um\ngauge-length 20 mm\nlimit force < 9 N\npreload 0.005 N at 1 mm/min\nramp at 1 mm/min until fracture\n' >"$tmp/noise.rigor"
"$RIGOR" check -q "$tmp/noise.rigor" >/dev/null 2>&1; a=$?
"$RIGOR" check -q --sim e-lpscl-film "$tmp/noise.rigor" >/dev/null 2>"$tmp/err"; b=$?
"$RIGOR" check -q --sim p-lpscl-film "$tmp/noise.rigor" >/dev/null 2>&1; c=$?
if [ $a -eq 0 ] && [ $b -eq 2 ] && [ $c -eq 0 ] \
   && grep -q "noise.rigor:7:9: a force of 0.005 N is within the force noise at rest (SD 0.002 N)" "$tmp/err"; then
    ok "noise at rest (--sim)"; else bad "noise at rest" "a=$a b=$b c=$c $(cat "$tmp/err")"; fi

echo "# it_check: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
