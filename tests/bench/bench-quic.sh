#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench-quic: build tests/bench/bench-quic.c against spice-common's
# quic.c from Debian's source of the installed libspice-server (fetched
# from the Debian archive once, kept in the user's cache directory),
# and run it.  Usage: bench-quic.sh SRCDIR BUILDDIR
set -eu
src=$1
build=$2
ver=$(dpkg-query -W -f='${Version}' libspice-server1 2>/dev/null | sed 's/-[^-]*$//; s/^[0-9]*://')
[ -n "$ver" ] || { echo "bench-quic: libspice-server1 is not installed" >&2; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/spiced-bench"
common="$cache/spice-$ver/subprojects/spice-common/common"
if [ ! -f "$common/quic.c" ]; then
	mkdir -p "$cache"
	url="http://deb.debian.org/debian/pool/main/s/spice/spice_$ver.orig.tar.bz2"
	echo "bench-quic: fetching $url"
	curl -fsS "$url" | tar -xj -C "$cache" --wildcards \
	    "spice-$ver/subprojects/spice-common/common/*"
fi
out="$build/tests/bench/bench-quic"
cc -O2 -I"$src/tests/bench/quic-ref" -I"$common" -I"$common/.." \
    -I"$src/workers" -I"$src/workers/codecs" -I"$src/shared" -I"$build" $(pkg-config --cflags spice-protocol) \
    -include "$build/config.h" -o "$out" "$src/tests/bench/bench-quic.c" "$common/quic.c" \
    "$src/workers/codecs/enc-quic.c" "$src/workers/codecs/quic-model.c" "$src/shared/sbuf.c" \
    "$src/shared/err.c" -lm
"$out"
