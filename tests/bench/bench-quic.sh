#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench-quic: build tests/bench/bench-quic.c against spice-common's
# quic.c and lz.c from Debian's source of the installed libspice-server (see
# spice-src.sh), and run it.  Usage: bench-quic.sh SRCDIR BUILDDIR
set -eu
src=$1
build=$2
. "$src/tests/bench/spice-src.sh"
common="$spice_src/subprojects/spice-common/common"
out="$build/tests/bench/bench-quic"
cc -O2 -I"$src/tests/bench/quic-ref" -I"$common" -I"$common/.." \
    -I"$src/workers" -I"$src/workers/codecs" -I"$src/shared" -I"$build" $(pkg-config --cflags spice-protocol) \
    -include "$build/config.h" -o "$out" "$src/tests/bench/bench-quic.c" "$common/quic.c" \
    "$common/lz.c" "$src/workers/codecs/enc-quic.c" "$src/workers/codecs/quic-model.c" \
    "$src/workers/codecs/enc-lz.c" "$src/workers/codecs/lz-base.c" "$src/shared/sbuf.c" \
    "$src/shared/err.c" -lm
"$out"
