#!/bin/sh
# Debian 12 packages spiced needs.  Sourced by demo.sh and test.sh; also
# the one list to read when packaging.

# Building spiced.
SPICED_BUILD_DEPS="build-essential autoconf automake libtool pkg-config
 libevent-dev libssl-dev libsasl2-dev libseccomp-dev libpixman-1-dev
 libturbojpeg0-dev liblz4-dev libsystemd-dev libspice-protocol-dev"

# Running the test suite: the real spice-gtk client library through
# python3-gi, clang for libFuzzer, mandoc to lint the manuals.
SPICED_TEST_DEPS="python3-gi gir1.2-spiceclientglib-2.0 clang
 libclang-rt-14-dev mandoc procps python3-cryptography python3-lz4"

# The demo's viewer (optional: the demo prints the URI either way).
SPICED_DEMO_DEPS="virt-viewer"

spiced_apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: skipping apt-get install of: $*" >&2
		return 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $*
}

spiced_build() {
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure --enable-debug
	make -j"$(nproc)"
}
