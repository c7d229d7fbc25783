#!/bin/sh
# install-deps.sh — install the Debian packages Rigor builds and tests with.
#
# Called by the Makefile before every build. It asks pkg-config (libraries)
# and command -v (tools) what is missing and runs apt-get only for that, so on
# a machine that has everything it costs a few milliseconds and needs no root.
# Why a script and not a README paragraph: the brief requires that `make demo`
# and `make check` alone set up a fresh Debian machine.
set -eu

# pkg-config module -> Debian package
LIBS="libmodbus:libmodbus-dev libserialport:libserialport-dev gsl:libgsl-dev ncursesw:libncurses-dev \
plplot:libplplot-dev sqlite3:libsqlite3-dev libpq:libpq-dev"
# command -> Debian package (tools the tests and peers need)
TOOLS="pkg-config:pkg-config cc:gcc clang:clang mbpoll:mbpoll tmux:tmux sqlite3:sqlite3 psql:postgresql-client-15"
# file -> Debian package (things without a command or .pc file)
FILES="/usr/lib/python3/dist-packages/pymodbus/__init__.py:python3-pymodbus \
/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.asan-x86_64.a:libclang-rt-14-dev \
/usr/lib/python3/dist-packages/serial_asyncio/__init__.py:python3-serial-asyncio \
/usr/lib/x86_64-linux-gnu/plplot5.15.0/drivers/cairo.so:plplot-driver-cairo \
/usr/lib/postgresql/15/bin/initdb:postgresql-15"

missing=""
if ! command -v pkg-config >/dev/null 2>&1; then missing="pkg-config"; fi
for pair in $LIBS; do
    mod=${pair%%:*}; pkg=${pair#*:}
    if ! pkg-config --exists "$mod" 2>/dev/null; then missing="$missing $pkg"; fi
done
for pair in $TOOLS; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1; then missing="$missing $pkg"; fi
done
for pair in $FILES; do
    f=${pair%%:*}; pkg=${pair#*:}
    if [ ! -e "$f" ]; then missing="$missing $pkg"; fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing missing Debian packages:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: need root (or sudo) to run apt-get install$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list makes apt-get install fail; refresh it once.
$SUDO apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
