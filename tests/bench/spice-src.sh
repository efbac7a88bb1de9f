# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the benchmarks that build libspice-server's own encoders
# (bench-quic.sh, bench-glz.sh): sets spice_src to Debian's source of the
# installed libspice-server, fetched from the Debian archive once and kept
# in the user's cache directory (spice-common's common/ and the server's
# GLZ encoder only).
ver=$(dpkg-query -W -f='${Version}' libspice-server1 2>/dev/null | sed 's/-[^-]*$//; s/^[0-9]*://')
[ -n "$ver" ] || { echo "$0: libspice-server1 is not installed" >&2; exit 1; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/spiced-bench"
spice_src="$cache/spice-$ver"
if [ ! -f "$spice_src/subprojects/spice-common/common/quic.c" ] ||
    [ ! -f "$spice_src/server/glz-encoder.c" ]; then
	mkdir -p "$cache"
	url="http://deb.debian.org/debian/pool/main/s/spice/spice_$ver.orig.tar.bz2"
	echo "$0: fetching $url"
	curl -fsS "$url" | tar -xj -C "$cache" --wildcards \
	    "spice-$ver/subprojects/spice-common/common/*" \
	    "spice-$ver/server/glz-encode*"
fi
