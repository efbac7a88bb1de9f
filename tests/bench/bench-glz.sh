#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench-glz: build tests/bench/bench-glz.c against libspice-server's
# GLZ encoder (server/glz-encoder*.c of Debian's source of the installed
# libspice-server, see spice-src.sh), and run it.  The server's files are
# built from a directory of their own, so that the benchmark's stub
# red-common.h (tests/bench/glz-ref) stands for the server's.
# Usage: bench-glz.sh SRCDIR BUILDDIR
set -eu
src=$1
build=$2
. "$src/tests/bench/spice-src.sh"
common="$spice_src/subprojects/spice-common"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$spice_src"/server/glz-encode* "$work/"
out="$build/tests/bench/bench-glz"
cc -O2 -I"$src/tests/bench/glz-ref" -I"$src/tests/bench/quic-ref" \
    -I"$common" -I"$work" -I"$src/workers" -I"$src/workers/codecs" \
    -I"$src/shared" $(pkg-config --cflags spice-protocol) \
    -include "$build/config.h" -o "$out" "$src/tests/bench/bench-glz.c" \
    "$work/glz-encoder.c" "$work/glz-encoder-dict.c" \
    "$src/workers/codecs/enc-glz.c" "$src/workers/codecs/lz-base.c" \
    "$src/shared/sbuf.c" "$src/shared/err.c" -lpthread
"$out"
