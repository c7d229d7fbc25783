#!/bin/sh
# it_console_store.sh — the console with a results store, driven in tmux
# against the simulated frame (like it_console.sh; its own script so the two
# do not clash).
#
# A real SQLite store in a temp folder holds one run from earlier today
# (rigor run --db) and a series of two film strips with measured geometry
# (rigor db series load). `rigor console --db DB --series F`: the batch table
# starts with today's stored specimen; the form holds the series' first
# specimen and its geometry; each finished test is stored (the status line
# says so; sqlite3 finds the run under that specimen with the run file's
# SHA-256 and the series' width in its header), and the next test takes the
# next specimen; after the last, starting another is refused with the
# reason. A store that cannot be opened (exit 4) and a series with nothing
# left (exit 2) stop the console before it starts.
set -u
RIGOR=${RIGOR:-build/rigor}
case "$RIGOR" in /*) ;; *) RIGOR="$PWD/$RIGOR" ;; esac
ROOT=$PWD
pass=0; fail=0; skip=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }
finish() {
    echo "# it_console_store: $pass passed, $fail failed, $skip skipped"
    [ "$fail" -eq 0 ]
    exit $?
}
if ! command -v tmux >/dev/null 2>&1; then
    skip=1; echo "skip - tmux is not installed"; finish
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
    skip=1; echo "skip - sqlite3 is not installed"; finish
fi
unset RIGOR_DB
SOCK=rigor-cstore-$$
WORK=$(mktemp -d)
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
T() { tmux -L "$SOCK" "$@"; }
screen() { T capture-pane -p -t c 2>/dev/null; }
wait_for() {
    n=0; lim=$(($2 * 5))
    while [ $n -lt $lim ]; do
        screen | grep -Eq "$1" && return 0
        sleep 0.2; n=$((n + 1))
    done
    return 1
}
ack_fault() {
    if screen | grep -q 'Check the frame'; then
        echo "# a fault occurred: $(screen | grep -A1 'stopped the crosshead' | tail -n 1)"
        T send-keys -t c Enter; sleep 0.3
    fi
}
phase=0
start() {
    T kill-server 2>/dev/null
    phase=$((phase + 1))
    SOCK=rigor-cstore-$$-s$phase
    T new-session -d -s c -x 220 -y 32 "cd '$WORK' && env PS1='shell\$ ' TERM=xterm-256color sh"
    sleep 0.3
    T send-keys -t c "$RIGOR console --rate 250 --protocols '$ROOT/protocols/shipped' $*; echo CONSOLE_EXIT=\$?" Enter
}
DB=$WORK/results.db
q() { sqlite3 "$DB" "$1"; }

# an earlier run of today, and a series of two strips
(cd "$WORK" && "$RIGOR" run "$ROOT/protocols/shipped/e-lpscl-film-tensile.rigor" --sim e-lpscl-film \
    --specimen morning-1 -o "$WORK/morning.csv" --db "$DB" >/dev/null 2>&1)
printf 'id,width_mm,thickness_mm,gauge_length_mm\nF-01,9.5,0.05,20\nF-02,10.5,0.05,20\n' >"$WORK/f.csv"
"$RIGOR" db --db "$DB" series load "$WORK/f.csv" --name F >/dev/null 2>&1
check "set-up: one run stored, a series of 2" "[ \"\$(q 'SELECT count(*) FROM runs')\" = 1 ] && [ \"\$(q \"SELECT count(*) FROM specimens WHERE series = 'F'\")\" = 2 ]"

# ---- 1. a store that cannot be opened, a series that does not exist ------
echo "not a database, just text that goes on for a while" >"$WORK/text.db"
timeout 30 "$RIGOR" console --sim e-lpscl-film --db "$WORK/text.db" </dev/null >/dev/null 2>"$WORK/err"; rc=$?
check "unopenable store: exit 4 before the screen ($rc: $(head -c 120 "$WORK/err"))" "[ $rc -eq 4 ] && grep -q 'rigor console: store:' '$WORK/err'"
timeout 30 "$RIGOR" console --sim e-lpscl-film --db "$DB" --series nope </dev/null >/dev/null 2>"$WORK/err"; rc=$?
check "unknown series: exit 2 with the reason ($rc)" "[ $rc -eq 2 ] && grep -q 'rigor console: --series: series nope' '$WORK/err'"
"$RIGOR" console --help | grep -q -- '--series S' && ok "help names --db, --store, --series" || no "help names --db, --store, --series"

# ---- 2. walk the series -------------------------------------------------
start --sim e-lpscl-film --db "'$DB'" --series F
check "status: today's specimen read and the series' first" \
    "wait_for 'State +IDLE' 10 && wait_for '1 specimen from today; series F: next specimen F-01' 3"
T send-keys -t c b
check "batch table starts with today's stored specimen" "wait_for 'morning-1 .*stored \\(run 1\\)' 3"
T send-keys -t c m f
check "the form holds F-01 and its measured width 9.5 mm" \
    "wait_for 'Gauge length' 3 && screen | grep -q 'F-01' && screen | grep -Eq 'Width \\(mm\\) +9\\.5 '"
T send-keys -t c Escape
sleep 0.3
T send-keys -t c s
check "the test of F-01 starts" "wait_for 'test started: F-01' 5"
check "F-01 ends and is stored; the next is F-02" \
    "wait_for 'F-01: fracture after' 30 && wait_for 'stored as run 2 with its analysis' 3 && wait_for 'next specimen F-02' 3" ||
    screen | grep 'test ended'
ack_fault
src=$(q "SELECT r.source FROM runs r JOIN specimens s ON s.id = r.specimen_id WHERE s.code = 'F-01' AND s.series = 'F'")
check "sqlite3: F-01's run is stored live, at its absolute path, with its run file's SHA-256 ($src)" \
    "case '$src' in '$WORK'/runs/*) true ;; *) false ;; esac && [ -f '$src' ] && [ \"\$(q \"SELECT source_sha256 FROM runs WHERE source = '$src'\")\" = \"\$(sha256sum '$src' | cut -d' ' -f1)\" ] && [ \"\$(q \"SELECT origin FROM runs WHERE source = '$src'\")\" = live ]"
check "F-01's run file was tested at the series' width" "grep -q '^# width_mm: 9.5' '$src'"
check "F-01's analysis is stored" "[ \"\$(q \"SELECT count(*) FROM analyses a JOIN runs r ON r.id = a.run_id WHERE r.source = '$src'\")\" = 1 ]"
T send-keys -t c n
check "n: the next test is F-02 (not F-02 renamed)" "wait_for 'test started: F-02' 5"
check "F-02 ends and is stored; the series is done" \
    "wait_for 'F-02: fracture after' 30 && wait_for 'stored as run 3' 3 && wait_for 'series F: every specimen tested' 3"
ack_fault
src2=$(q "SELECT r.source FROM runs r JOIN specimens s ON s.id = r.specimen_id WHERE s.code = 'F-02'")
check "F-02's run file was tested at 10.5 mm" "[ -n '$src2' ] && grep -q '^# width_mm: 10.5' '$src2'"
T send-keys -t c b
check "batch table: today's stored specimen and the two tested" \
    "wait_for 'SD' 3 && screen | grep -q 'morning-1' && screen | grep -Eq '^│ 2 +F-01 +[0-9]' && screen | grep -Eq '^│ 3 +F-02 +[0-9]'"
T send-keys -t c n
check "a test after the series' last is refused with the reason" "wait_for 'series F: every specimen has its test' 3"
T send-keys -t c q
check "quit: exit 0, the two tests listed" "wait_for 'CONSOLE_EXIT=0' 5 && screen | grep -q '2 specimens tested'"
check "the store's audit chain verifies" "\"$RIGOR\" db --db '$DB' verify >/dev/null 2>&1"

# ---- 3. RIGOR_DB turns the store on; a locked store keeps the run file ---
printf 'BEGIN IMMEDIATE;\nINSERT INTO comments (target, target_id, text, operator, at) VALUES (1, 1, 1, 1, 1);\n.shell touch %s/locked\n.shell while [ ! -e %s/go ]; do sleep 0.05; done\nROLLBACK;\n' "$WORK" "$WORK" \
    | sqlite3 "$DB" >/dev/null 2>&1 &
i=0; while [ ! -e "$WORK/locked" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
T kill-server 2>/dev/null
# a server of its own: a new session on the socket of a server still shutting
# down goes down with it (seen on a loaded machine: "no server running")
SOCK=rigor-cstore-$$-3
T new-session -d -s c -x 220 -y 32 "cd '$WORK' && env PS1='shell\$ ' TERM=xterm-256color RIGOR_DB='$DB' RIGOR_DB_BUSY_MS=300 sh"
sleep 0.3
T send-keys -t c "$RIGOR console --rate 250 --sim e-lpscl-film; echo CONSOLE_EXIT=\$?" Enter
check "RIGOR_DB: the console reads the store" "wait_for 'State +IDLE' 10 && wait_for 'specimens from today' 3"
T send-keys -t c s
check "a locked store: the status line says so and where the test is safe" \
    "wait_for 'fracture after' 30 && wait_for 'locked by another writer' 3 && wait_for 'the test is safe in' 3" ||
    screen | grep 'test ended'
ack_fault
run=$(ls "$WORK"/runs/S1-*.csv 2>/dev/null | head -n 1)
check "its run file records the failed store write ($run)" "[ -n '$run' ] && tail -n 1 '$run' | grep -q '^# store: failed (.*locked'"
touch "$WORK/go"; wait
T send-keys -t c q
wait_for 'CONSOLE_EXIT=' 5
"$RIGOR" db --db "$DB" import "$run" >/dev/null 2>&1
check "rigor db import stores it later" "[ \"\$(q \"SELECT count(*) FROM runs WHERE source = '$run'\")\" = 1 ]"
finish
