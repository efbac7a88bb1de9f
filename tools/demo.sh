#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: install the build dependencies, build, and start the
# demo: spiced on 127.0.0.1 with the synthetic-desktop producer attached.
# Prints the spice:// URI to open with remote-viewer; Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
. tools/deps.sh
spiced_apt_install $SPICED_BUILD_DEPS $SPICED_DEMO_DEPS
spiced_build

port=${SPICED_DEMO_PORT:-5900}
spiced_pid=
src_pid=
dir=
# Runs once, however the script ends (Ctrl-C included): stop both
# processes by pid and remove the demo's directory.
demo_cleanup() {
	trap - EXIT INT TERM HUP
	for pid in $src_pid $spiced_pid; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -z "$dir" ] || rm -rf "$dir"
}
trap demo_cleanup EXIT
# SIGHUP too: closing the terminal must stop the demo (spiced itself
# takes SIGHUP as "reload the configuration").
trap 'exit 130' INT TERM HUP
dir=$(mktemp -d /tmp/spiced-demo.XXXXXX)
chmod 755 "$dir"
password=${SPICED_DEMO_PASSWORD:-demo}
cat > "$dir/spiced.conf" <<CONF
run-dir = $dir
[display "demo"]
listen = 127.0.0.1:$port
producer-socket = $dir/demo.qxl
worker-user = 65534:65534
password = $password
CONF

./daemon/spiced --foreground --config "$dir/spiced.conf" \
	--worker ./workers/spiced-worker &
spiced_pid=$!
i=0
while [ ! -S "$dir/demo.qxl" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
./producers/testsrc/qxl-shm-testsrc --socket "$dir/demo.qxl" &
src_pid=$!
echo
echo "spiced demo is running.  Open it with:"
echo "    remote-viewer spice://127.0.0.1:$port    (password: $password)"
echo "Ctrl-C stops it."
wait $spiced_pid
