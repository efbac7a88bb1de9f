#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian 12 packages spiced needs.  Sourced by demo.sh and test.sh; also
# the one list to read when packaging.

# Building spiced.
SPICED_BUILD_DEPS="build-essential autoconf automake libtool pkg-config
 libevent-dev libssl-dev libsasl2-dev libseccomp-dev libpixman-1-dev
 libturbojpeg0-dev liblz4-dev libsystemd-dev libspice-protocol-dev
 libxcb1-dev libxcb-shm0-dev libxcb-damage0-dev libxcb-xfixes0-dev
 libxcb-xtest0-dev libxcb-xkb-dev libxcb-randr0-dev libopus-dev"

# Running the test suite: the real spice-gtk client library through
# python3-gi, clang for libFuzzer, mandoc to lint the manuals; for the
# SASL tests saslpasswd2, cyrus' DIGEST-MD5/SCRAM and GSSAPI plugins and
# an MIT Kerberos KDC, kadmin.local and kinit for a throwaway realm; a
# headless browser and spice-html5 for the WebSocket test; remote-viewer
# under Xvfb, screenshot with xwd, for the tests that run the viewer
# itself; X clients for the spiced-x11 tests (xev logs keys and clicks,
# xterm and xsetroot draw, xdotool finds windows and the pointer,
# python3-xlib draws a cursor, xclip copies and pastes, twm moves a
# window with the server grabbed); Xorg with the
# dummy driver, whose screen RANDR can resize, and setxkbmap for its
# evdev keymap; QEMU (TCG) with its D-Bus display for spiced-qemu, and a
# D-Bus daemon for its bus mode (QEMU 7.2's audio), libdrm's headers for
# the guest's cursor helper; NSS's certutil for the certificates of
# spice-gtk's software smartcard; PulseAudio and pacat, a real sound
# server playing into spiced-x11's FIFO.
SPICED_TEST_DEPS="python3-gi gir1.2-spiceclientglib-2.0 clang
 libclang-rt-14-dev mandoc procps python3-cryptography python3-lz4
 sasl2-bin libsasl2-modules libsasl2-modules-gssapi-mit krb5-kdc
 krb5-admin-server krb5-user chromium spice-html5 virt-viewer xvfb
 x11-apps xauth x11-utils x11-xserver-utils xterm xdotool xclip twm
 python3-xlib xserver-xorg-core xserver-xorg-video-dummy x11-xkb-utils
 qemu-system-x86 dbus-daemon libdrm-dev mmdebstrap systemd-container
 libnss3-tools pulseaudio pulseaudio-utils iproute2"

# The benchmarks' references: libspice-server (make bench-e2e) and Xspice
# (make bench-x11).  Not needed to build or test spiced.
SPICED_BENCH_DEPS="libspice-server-dev xserver-xspice"

# The demo's viewer (optional: the demo prints the URI either way).
SPICED_DEMO_DEPS="virt-viewer"
# The demo's X session: an X server with the fonts its window manager
# wants, the window manager, a terminal, a clock, a background.
SPICED_DEMO_X11_DEPS="xvfb xfonts-base xfonts-75dpi twm xterm x11-apps
 x11-xserver-utils"

# The packages of $* that are not installed yet.
spiced_missing() {
	missing=
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $pkg"
	done
	echo "$missing"
}

spiced_apt_install() {
	missing=$(spiced_missing "$@")
	if [ -z "$missing" ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: cannot apt-get install:$missing" >&2
		return 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# The tests start their own KDC; keep package scripts from starting
	# system services (krb5-kdc, krb5-admin-server) on a bare machine.
	made_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	status=0
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing || status=$?
	if [ -n "$made_policy" ]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	return $status
}

spiced_build() {
	[ -x configure ] || autoreconf -fi
	[ -f Makefile ] || ./configure --enable-debug
	make -j"$(nproc)"
}
