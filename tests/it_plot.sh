#!/bin/sh
# it_plot.sh — `rigor analyze --plot` and `rigor report` end to end.
#
# Renders the bundled tensile example, a peer Bluehill file and the peer batch
# to SVG and PNG; checks each file is valid (PNG signature and IHDR size, SVG
# parses as XML) and that every value annotated in the SVG text ("Rm = 74.08
# MPa", ...) matches the JSON results of `rigor analyze --json` on the same
# file. A compression-like curve generated here is analysed with --test
# compression when this build has compression analysis (skipped otherwise).
# The report must hold the specimen table, statistics, every input's SHA-256
# (compared with sha256sum) and the Rigor version. Run from the repo root.
set -u
RIGOR=${RIGOR:-build/rigor}
PY=/usr/bin/python3
pass=0; fail=0; skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()   { pass=$((pass + 1)); echo "ok $1"; }
bad()  { fail=$((fail + 1)); echo "not ok $1: $2"; }
skp()  { skip=$((skip + 1)); echo "skip $1: $2"; }
PEER=../shared/data/peer/FollowTheProcess_pymechtest/Tens_Yield

# check.py KIND ARGS: exits non-zero with a message when the check fails.
cat >"$tmp/check.py" <<'PYEOF'
import json, re, struct, sys, xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# annotation name -> result key (analysis/plot.h)
KEYS = {"E": ("modulus_mpa", "compressive_modulus_mpa"), "Rp": ("yield_strength_mpa",),
        "Rm": ("tensile_strength_mpa",), "σb": ("break_stress_mpa",),
        "σf": ("fracture_stress_mpa",), "σmax": ("max_stress_mpa",),
        "σ1": ("first_max_stress_mpa",), "σpl": ("plateau_stress_mpa",),
        "εD": ("densification_strain_pct",), "εpe": ("plateau_end_strain_pct",)}

def png(path, w, h):
    b = open(path, "rb").read(24)
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
    assert b[12:16] == b"IHDR", "no IHDR chunk"
    gw, gh = struct.unpack(">II", b[16:24])
    assert (gw, gh) == (w, h), "PNG is %dx%d, want %dx%d" % (gw, gh, w, h)

def texts(path):
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg", root.tag
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]

def annotations(path, json_path, need):
    res = json.load(open(json_path))[0]["results"]
    found = {}
    for t in texts(path):
        m = re.match(r"^(\S+) = (-?[0-9.]+(?:e[+-]?[0-9]+)?) (MPa|%)", t)
        if m and m.group(1) in KEYS:
            found[m.group(1)] = float(m.group(2))
    for name in need.split(","):
        assert name in found, "no '%s = ...' annotation in %s (found %s)" % (name, path, found)
    for name, v in found.items():
        key = next(k for k in KEYS[name] if k in res and res[k] is not None)
        want = res[key]
        tol = max(abs(want) * 5e-4, 0.5 if abs(want) >= 1e4 else 0)
        assert abs(v - want) <= tol, "%s = %g in the SVG, %s = %g in the JSON" % (name, v, key, want)
    print("  %d annotations match the JSON: %s" % (len(found), ", ".join(sorted(found))))

def summary(path, json_path):
    res = [o["results"]["tensile_strength_mpa"] for o in json.load(open(json_path))]
    mean = sum(res) / len(res)
    t = texts(path)
    want = "%.4g ± " % mean
    assert any(s.startswith(want) for s in t), "no '%s' bar label in %s" % (want, t)
    assert any(("n = %d" % len(res)) in s for s in t), "no 'n = %d'" % len(res)

def report(path, version, sums):
    html = open(path, encoding="utf-8").read()
    for tid in ("specimens", "statistics", "inputs"):
        assert 'id="%s"' % tid in html, "no table " + tid
    assert '<b id="version">%s</b>' % version in html, "no version " + version
    for line in open(sums):
        digest, name = line.split(None, 1)
        assert digest in html, "no SHA-256 of " + name.strip()
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svgs, "no inline figure"
    for s in svgs:
        ET.fromstring(s)
    ids = re.findall(r'id="(f\d+-clip\d+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids in the inline figures"
    for tag in ("mean", "SD", "CV (%)", "min", "max"):
        assert "<th>%s</th>" % tag in html, "statistics column " + tag
    print("  report: %d inline figures, %d bytes" % (len(svgs), len(html)))

{"png": lambda a: png(a[0], int(a[1]), int(a[2])), "svg": lambda a: texts(a[0]),
 "ann": lambda a: annotations(*a), "summary": lambda a: summary(*a),
 "report": lambda a: report(*a)}[sys.argv[1]](sys.argv[2:])
PYEOF
chk() { $PY "$tmp/check.py" "$@" >"$tmp/chk" 2>&1; rc=$?; cat "$tmp/chk"; return $rc; }

# one_file NAME FILE NEED [analyze options]: SVG + PNG of one specimen, values = JSON
one_file() {
    name=$1; file=$2; need=$3; shift 3
    if ! "$RIGOR" analyze "$@" --json "$file" >"$tmp/$name.json" 2>"$tmp/err"; then
        bad "$name-json" "$(cat "$tmp/err")"; return; fi
    "$RIGOR" analyze "$@" --quiet --plot "$tmp/$name.svg" "$file" 2>"$tmp/err" &&
        "$RIGOR" analyze "$@" --quiet --plot "$tmp/$name.png" "$file" 2>>"$tmp/err"
    rc=$?
    if [ $rc -ne 0 ]; then bad "$name-render" "rc=$rc $(cat "$tmp/err")"; return; fi
    if chk png "$tmp/$name.png" 1000 620; then ok "$name-png"; else bad "$name-png" "$(tail -1 "$tmp/chk")"; fi
    if chk ann "$tmp/$name.svg" "$tmp/$name.json" "$need"; then ok "$name-svg-values"
    else bad "$name-svg-values" "$(tail -1 "$tmp/chk")"; fi
}

# 1. bundled tensile example
one_file film examples/film-tensile.csv E,Rp,Rm,σb

# 2. a peer Bluehill raw-data file
if [ -d "$PEER" ]; then
    one_file peer "$PEER/Specimen_RawData_1.csv" E,Rp,Rm,σb
else
    skp peer "../shared (peer data) absent"
fi

# 3. batch: overlay + summary figure with the batch mean
if [ -d "$PEER" ]; then
    "$RIGOR" analyze --json "$PEER" >"$tmp/batch.json" 2>/dev/null
    if "$RIGOR" analyze --quiet --plot "$tmp/batch.svg" "$PEER" 2>"$tmp/err" &&
       chk svg "$tmp/batch.svg" && chk summary "$tmp/batch-summary.svg" "$tmp/batch.json"; then
        ok batch-summary; else bad batch-summary "$(cat "$tmp/err") $(tail -1 "$tmp/chk")"; fi
    if "$RIGOR" analyze --quiet --plot "$tmp/batch.png" "$PEER" 2>"$tmp/err" &&
       chk png "$tmp/batch.png" 1000 620 && chk png "$tmp/batch-summary.png" 1000 620; then
        ok batch-png; else bad batch-png "$(cat "$tmp/err") $(tail -1 "$tmp/chk")"; fi
else
    skp batch "../shared (peer data) absent"
fi

# 4. compression-like curve (generated): linear rise, plateau, densification
$PY - "$tmp/foam.csv" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("# rigor-run 1\n# specimen: foam-it\n# test: compression\n"
            "# diameter_mm: 20\n# height_mm: 20\ntime_s,position_mm,force_N\n")
    area = 3.141592653589793 * 10 ** 2  # mm^2
    for i in range(1401):
        e = 0.7 * i / 1400
        s = 50 * e if e < 0.02 else (1 + 0.2 * (e - 0.02) / 0.43 if e < 0.45
                                     else 1.2 + 30 * (e - 0.45) ** 2)
        f.write("%.3f,%.6f,%.4f\n" % (i * 0.05, -e * 20, -s * area))
PYEOF
if "$RIGOR" analyze --test compression --json "$tmp/foam.csv" >"$tmp/foam.json" 2>"$tmp/err"; then
    one_file foam "$tmp/foam.csv" E,σpl --test compression
else
    skp compression "this build has no compression analysis: $(head -1 "$tmp/err")"
fi

# 5. report: table, statistics, SHA-256 of every input, version, inline SVG parses
inputs="examples/film-tensile.csv"
[ -d "$PEER" ] && inputs="$inputs $PEER/Specimen_RawData_1.csv $PEER/Specimen_RawData_2.csv"
# shellcheck disable=SC2086
sha256sum $inputs >"$tmp/sums"
version=$("$RIGOR" --version | awk '{print $2}')
# shellcheck disable=SC2086
if "$RIGOR" report $inputs -o "$tmp/report.html" >"$tmp/out" 2>"$tmp/err" &&
   [ ! -s "$tmp/out" ] && chk report "$tmp/report.html" "$version" "$tmp/sums"; then
    ok report; else bad report "$(cat "$tmp/err") $(tail -1 "$tmp/chk")"; fi
if "$RIGOR" report examples/film-tensile.csv 2>"$tmp/err"; then bad report-no-output "exit 0"
elif grep -q -- "-o REPORT.html" "$tmp/err"; then ok report-no-output
else bad report-no-output "$(cat "$tmp/err")"; fi

# 6. bad plot paths are clean errors (exit 2, message), never a crash or exit by PLplot
"$RIGOR" analyze --quiet --plot /nonexistent-dir/x.svg examples/film-tensile.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "/nonexistent-dir/x.svg: cannot write" "$tmp/err"; then
    ok plot-unwritable; else bad plot-unwritable "rc=$rc $(cat "$tmp/err")"; fi
"$RIGOR" analyze --quiet --plot "$tmp/x.gif" examples/film-tensile.csv 2>"$tmp/err"; rc=$?
if [ $rc -eq 2 ] && grep -q "must end in .svg, .png or .pdf" "$tmp/err" && [ ! -e "$tmp/x.gif" ]; then
    ok plot-extension; else bad plot-extension "rc=$rc $(cat "$tmp/err")"; fi

echo "# it_plot: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
