#!/bin/sh
# run.sh — `make bench`: every benchmark against its baseline, one table.
#
#   sh bench/run.sh [BUILD]           (BUILD = build)
#
# Short by default so that a shared machine is not held for long; the full
# settings of docs/performance.md:
#   BENCH_SECONDS=60 BENCH_RTU_SECONDS=60 BENCH_FRACTURES=100 \
#   BENCH_ROWS="10000 100000 1000000 10000000" BENCH_BATCH_FILES=1000 make bench
# BENCH_ONLY="acq rtu stop analyze batch" picks parts; BENCH_TCP="max 1k" the
# TCP acquisition parts; BENCH_REALTIME="auto off acq-only spin awake" the
# schedulings measured, interleaved (default "auto spin awake"; spin: the rig
# file's spin = BENCH_SPIN_US, 300 us; awake: its keep_awake = yes;
# docs/performance.md); BENCH_STOP_AWAKE=0 measures stops with the shipped
# rig file only (default: it and keep_awake = yes in turn); BENCH_REPEAT (3) runs each
# analyze measurement that often, Rigor and pandas in turn, and reports the
# median (fresh-memory costs on a VM vary from run to run). Raw BENCH lines and the
# table go to $BUILD/bench/results.txt (and, kept, $BUILD/bench/history/);
# generated files to $BUILD/bench/data
# (under build/, so ignored by git).
set -u
B=${1:-build}
RIGOR=$B/rigor
OUT=$B/bench
DATA=$OUT/data
RAW=$OUT/raw.txt
ROWS=${BENCH_ROWS:-10000 100000 1000000}
NB=${BENCH_BATCH_FILES:-1000}
REP=${BENCH_REPEAT:-3} # runs of each analyze measurement (median reported)
ONLY=${BENCH_ONLY:-acq rtu stop analyze batch}
PY=/usr/bin/python3
mkdir -p "$DATA"
: >"$RAW"

want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
# the results store (bench/store.sh, docs/store.md): part of the default run
[ -z "${BENCH_ONLY:-}" ] && ONLY="$ONLY store"
NS=${BENCH_STORE_FILES:-1000} # legacy files imported (the issue's target: 10000)
# kv NAME KEY: value of KEY in the BENCH line NAME of $RAW
kv() { sed -n "s/^BENCH $1 .*\<$2=\([^ ]*\).*/\1/p" "$RAW" | tail -1; }
load() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' /; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# median_of NAME: from the BENCH lines NAME_r1..NAME_rREP, one line NAME
# with the median wall time (and min/max) and the largest peak RSS
median_of() {
    sed -n "s/^BENCH $1_r[0-9]* wall_s=\([^ ]*\) rss_kb=\([^ ]*\).*load_before=\([^ ]*\).*/\1 \2 \3/p" "$RAW" |
        sort -n | awk -v name="$1" '{ w[NR] = $1; if ($2 > r) r = $2; if (NR == 1 || l == "") l = $3 }
            END { printf "BENCH %s wall_s=%s rss_kb=%d runs=%d wall_min=%s wall_max=%s load_before=%s\n",
                  name, w[int((NR + 1) / 2)], r, NR, w[1], w[NR], l }' >>"$RAW"
}
# timed NAME CMD...: wall s and peak RSS (kB) of CMD -> BENCH line
timed() {
    _tn=$1; shift
    l0=$(load)
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/err.txt"
    rc=$?
    set -- $(tail -1 "$OUT/time.txt")
    echo "BENCH $_tn wall_s=$1 rss_kb=$2 rc=$rc load_before=$l0 load_after=$(load)" >>"$RAW"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load $(load)" |
    tee -a "$RAW"

if want acq; then
    echo "bench: acquisition over Modbus TCP (${BENCH_SECONDS:-10} s per measurement)..." >&2
    "$OUT/acq" tcp >>"$RAW"
fi
if want rtu; then
    echo "bench: acquisition over RTU (${BENCH_RTU_SECONDS:-5} s per measurement)..." >&2
    "$OUT/acq" rtu 115200 921600 >>"$RAW"
fi
if want stop; then
    echo "bench: fracture stop latency (${BENCH_FRACTURES:-10} fractures)..." >&2
    "$OUT/stop" >>"$RAW" 2>"$OUT/stop.log"
fi
if want analyze; then
    # python3-pandas is a bench-only dependency: installed here, not by
    # scripts/install-deps.sh, so that make / make check do not pull it in.
    if ! $PY -c 'import pandas' 2>/dev/null; then
        echo "bench: installing python3-pandas (bench-only dependency)" >&2
        SUDO=""
        [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pandas >&2 ||
            echo "bench: python3-pandas could not be installed; the reference rows will be empty" >&2
    fi
    for t in tensile compression; do
        win=0.1:0.5
        [ $t = compression ] && win=0.5:1.5
        for n in $ROWS; do
            f=$DATA/$t-$n.csv
            [ -s "$f" ] || "$OUT/gen" $t "$n" "$f" || exit 1
            echo "BENCH size_${t}_$n bytes=$(stat -c %s "$f") rows=$n" >>"$RAW"
            echo "bench: analyze $t $n rows (x$REP, interleaved)..." >&2
            r=1
            while [ $r -le "$REP" ]; do
                timed "rigor_${t}_${n}_r$r" "$RIGOR" analyze --json --modulus "fit:$win" "$f"
                timed "ref_${t}_${n}_r$r" $PY bench/reference_analyze.py --window "$win" "$f"
                r=$((r + 1))
            done
            median_of "rigor_${t}_$n"
            median_of "ref_${t}_$n"
        done
    done
fi
if want batch; then
    d=$DATA/batch-$NB
    if [ ! -s "$d/f$((NB - 1)).csv" ]; then
        echo "bench: generating $NB files of 10^4 rows..." >&2
        mkdir -p "$d"
        i=0
        while [ $i -lt "$NB" ]; do
            "$OUT/gen" tensile 10000 "$d/f$i.csv" $i || exit 1
            i=$((i + 1))
        done
    fi
    cat "$d"/f*.csv >/dev/null # same page-cache state for both runs
    echo "bench: batch of $NB files, --jobs 1 then --jobs 2..." >&2
    timed batch_1 "$RIGOR" analyze --csv --jobs 1 "$d"
    timed batch_2 "$RIGOR" analyze --csv --jobs 2 "$d"
fi
if want store; then
    STORE_BENCH_FILES=$NS sh bench/store.sh "$B" 2>&1 | grep '^BENCH' >>"$RAW"
fi

# ---- the table -------------------------------------------------------------
{
echo
printf '%-34s %14s %14s %8s  %s\n' "benchmark" "Rigor" "baseline" "ratio" "notes (load 1/5/15 min before)"
if want acq && [ -n "$(kv tcp_bare_max rate_hz)" ]; then
    bavg=$(kv tcp_bare_max rate_hz)
    for k in unthrottled start0; do
        r=$(kv tcp_rigor_$k rate_hz)
        printf '%-34s %14s %14s %8s  %s\n' "TCP max rate, samples/s ($k)" "$r" "$bavg" "$(ratio "$r" "$bavg")" \
            "jitter p50/p99/max $(kv tcp_rigor_$k p50_us)/$(kv tcp_rigor_$k p99_us)/$(kv tcp_rigor_$k max_us) us; sched $(kv tcp_rigor_$k sched); load $(kv tcp_rigor_$k load_before)"
    done
fi
# rows_1k SUFFIX LABEL: the 1 kHz rows of one scheduling (BENCH_REALTIME)
rows_1k() {
    r=tcp_rigor_1k$1; b=tcp_bare_1k$1
    [ -n "$(kv $b rate_hz)" ] || return 0
    printf '%-34s %14s %14s %8s  %s\n' "TCP 1 kHz$2: achieved Hz" "$(kv $r rate_hz)" "$(kv $b rate_hz)" \
        "$(ratio "$(kv $r rate_hz)" "$(kv $b rate_hz)")" "$(kv $r overruns) overruns; load $(kv $r load_before)"
    printf '%-34s %14s %14s %8s  %s\n' "TCP 1 kHz$2: jitter p99 us" "$(kv $r p99_us)" "$(kv $b p99_us)" \
        "$(ratio "$(kv $r p99_us)" "$(kv $b p99_us)")" \
        "p50 $(kv $r p50_us)/$(kv $b p50_us), max $(kv $r max_us)/$(kv $b max_us) us; driver's own p99 $(kv $r driver_p99_us) us; sched $(kv $r sched)/$(kv $b sched), simulator $(kv $r sim_sched)"
}
if want acq; then
    rows_1k "" ""
    rows_1k _rtoff ", realtime off"
    rows_1k _acqonly ", RT client only"
    rows_1k _spin ", spin ${BENCH_SPIN_US:-300} us"
    rows_1k _awake ", keep_awake"
fi
if want rtu; then
    for b in 115200 921600; do
        w=$(kv rtu${b}_wire rate_hz)
        for k in unthrottled start0; do
            r=$(kv rtu${b}_rigor_$k rate_hz)
            printf '%-34s %14s %14s %8s  %s\n' "RTU $b: samples/s ($k)" "$r" "$w" "$(ratio "$r" "$w")" \
                "vs wire limit; bare libmodbus $(kv rtu${b}_bare_max rate_hz)/s; load $(kv rtu${b}_rigor_$k load_before)"
        done
    done
fi
# rows_stop SUFFIX LABEL: the stop-latency rows of one rig file
rows_stop() {
    [ -n "$(kv stop_latency$1 n)" ] || return 0
    printf '%-34s %14s %14s %8s  %s\n' "stop latency$2 p50/p99/max ms" \
        "$(kv stop_latency$1 p50_ms)/$(kv stop_latency$1 p99_ms)/$(kv stop_latency$1 max_ms)" "target 2" "-" \
        "n=$(kv stop_latency$1 n) at $(kv stop_latency$1 rate_min_hz)+ Hz; load $(kv stop_latency$1 load_before); from the fracture step"
    printf '%-34s %14s %14s %8s  %s\n' "  same, from the first read" \
        "$(kv stop_latency$1 read_p50_ms)/$(kv stop_latency$1 read_p99_ms)/$(kv stop_latency$1 read_max_ms)" "target 2" "-" \
        "from the first force read served after the fracture"
}
if want stop; then
    rows_stop "" ""
    rows_stop _awake ", keep_awake"
fi
if want analyze; then
    for t in tensile compression; do
        for n in $ROWS; do
            by=$(kv size_${t}_$n bytes)
            rw=$(kv rigor_${t}_$n wall_s); pw=$(kv ref_${t}_$n wall_s)
            rr=$(kv rigor_${t}_$n rss_kb); pr=$(kv ref_${t}_$n rss_kb)
            printf '%-34s %14s %14s %8s  %s\n' "analyze $t $n rows: rows/s" \
                "$(awk -v n="$n" -v w="$rw" 'BEGIN{ printf "%.3g", (w > 0 ? n / w : 0) }')" \
                "$(awk -v n="$n" -v w="$pw" 'BEGIN{ printf "%.3g", (w > 0 ? n / w : 0) }')" "$(ratio "$pw" "$rw")" \
                "wall ${rw}/${pw} s, $(awk -v b="$by" -v w="$rw" 'BEGIN{ printf "%.1f", (w > 0 ? b / w / 1e6 : 0) }') MB/s, peak RSS $((rr / 1024))/$((pr / 1024)) MB = $(awk -v r="$rr" -v b="$by" 'BEGIN{printf "%.2f", r * 1024 / b}')x/$(awk -v r="$pr" -v b="$by" 'BEGIN{printf "%.2f", r * 1024 / b}')x file ($((by / 1048576)) MB); load $(kv rigor_${t}_$n load_before)"
        done
    done
fi
if want batch; then
    w1=$(kv batch_1 wall_s); w2=$(kv batch_2 wall_s)
    printf '%-34s %14s %14s %8s  %s\n' "batch $NB x 10^4 rows: files/s" \
        "$(awk -v n="$NB" -v w="$w2" 'BEGIN{ printf "%.1f", n / w }')" "$(awk -v n="$NB" -v w="$w1" 'BEGIN{ printf "%.1f", n / w }')" \
        "$(ratio "$w1" "$w2")" "--jobs 2 vs --jobs 1 (wall ${w2}/${w1} s, peak RSS $(($(kv batch_2 rss_kb) / 1024))/$(($(kv batch_1 rss_kb) / 1024)) MB); load $(kv batch_1 load_before)"
fi
if want store; then
    for be in sqlite postgresql; do
        l=$(grep "^BENCH store_$be " "$RAW" | tail -1)
        [ -n "$l" ] || continue
        v() { echo "$l" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
        printf '%-34s %14s %14s %8s  %s\n' "store $be $NS files: import s" "$(v import_s)" \
            "$(v analyze_s)" "$(ratio "$(v analyze_s)" "$(v import_s)")" \
            "db import vs analyze --csv > file ($(echo "$l" | sed -n 's/.*import_over_analyze=\([^ ]* %\).*/\1/p'); target +20 %); query $(v query_rows) rows $(v query_s) s"
    done
fi
echo "load after: $(load)"
} | tee "$OUT/results.txt"
# Each run's raw lines and table are also kept under a name of their own, so
# that a short run after a long one does not lose the long one's raw lines.
hist=$OUT/history/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT/history" && cp "$RAW" "$hist-raw.txt" && cp "$OUT/results.txt" "$hist-results.txt"
