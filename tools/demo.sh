#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 1: install the build dependencies, build, and start the
# demo: spiced on 127.0.0.1 serving a real X session (Xvfb with a window
# manager, an xterm and a clock) through spiced-x11, or with
# SPICED_DEMO=synthetic the synthetic desktop of qxl-shm-testsrc.
# Prints the spice:// URI to open with remote-viewer; Ctrl-C stops it all.
set -eu
cd "$(dirname "$0")/.."
. tools/deps.sh
kind=${SPICED_DEMO:-x11}
case $kind in
x11) spiced_apt_install $SPICED_BUILD_DEPS $SPICED_DEMO_DEPS \
	$SPICED_DEMO_X11_DEPS ;;
synthetic) spiced_apt_install $SPICED_BUILD_DEPS $SPICED_DEMO_DEPS ;;
*) echo "SPICED_DEMO=$kind: expected x11 or synthetic" >&2; exit 2 ;;
esac
spiced_build

port=${SPICED_DEMO_PORT:-5900}
pids=
dir=
# Runs once, however the script ends (Ctrl-C included): stop every
# process by pid, newest first, and remove the demo's directory.
demo_cleanup() {
	trap - EXIT INT TERM HUP
	for pid in $pids; do
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
# As root, workers and the producer run as nobody (spiced-x11 refuses
# root); otherwise everything runs as the caller.
if [ "$(id -u)" -eq 0 ]; then
	ids="worker-user = 65534:65534
producer-user = 65534:65534"
	as_producer="setpriv --reuid 65534 --regid 65534 --clear-groups"
else
	ids=
	as_producer=
fi
cat > "$dir/spiced.conf" <<CONF
run-dir = $dir
[display "demo"]
listen = 127.0.0.1:$port
producer-socket = $dir/demo.qxl
$ids
password = $password
CONF

# In a session of its own: a Ctrl-C in the terminal reaches the script,
# which stops spiced by pid, and spiced its workers (not the terminal's
# SIGINT killing each at once).
setsid ./daemon/spiced --foreground --config "$dir/spiced.conf" \
	--worker ./workers/spiced-worker &
spiced_pid=$!
pids=$spiced_pid
i=0
while [ ! -S "$dir/demo.qxl" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$kind" = synthetic ]; then
	$as_producer ./producers/testsrc/qxl-shm-testsrc \
	    --socket "$dir/demo.qxl" &
	pids="$!${pids:+ $pids}"
else
	# A fresh X server on a free display number, and a small session.
	Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
	    3>"$dir/display" >"$dir/xvfb.log" 2>&1 &
	pids="$!${pids:+ $pids}"
	i=0
	while [ ! -s "$dir/display" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	DISPLAY=:$(head -n 1 "$dir/display")
	export DISPLAY
	xsetroot -solid '#2e4a62'
	# The session's programs run as the producer does: the demo hands
	# out a terminal, never a root one.
	for client in twm "xterm -geometry 100x30+40+40" \
	    "xclock -geometry 160x160+1080+20"; do
		HOME=$dir $as_producer $client >/dev/null 2>&1 &
		pids="$!${pids:+ $pids}"
	done
	# Files dropped on the viewer's window land here.
	mkdir "$dir/Downloads"
	[ -z "$as_producer" ] || chown 65534:65534 "$dir/Downloads"
	$as_producer ./producers/x11/spiced-x11 --socket "$dir/demo.qxl" \
	    --file-dir "$dir/Downloads" &
	pids="$!${pids:+ $pids}"
	echo "The X session is $DISPLAY (run more X clients there)."
	echo "Files dropped on the viewer's window go to $dir/Downloads."
fi
echo
echo "spiced demo is running.  Open it with:"
echo "    remote-viewer spice://127.0.0.1:$port    (password: $password)"
if [ -f /usr/share/spice-html5/spice_auto.html ]; then
	# spice-html5 speaks WebSocket to the same port; it needs its files
	# served over http (ES modules), which the demo does not do for you.
	echo "or in a browser (spice-html5): serve its files, e.g."
	echo "    (cd /usr/share/spice-html5 && python3 -m http.server 8080)"
	echo "and open http://127.0.0.1:8080/spice_auto.html?host=127.0.0.1&port=$port&password=$password"
fi
echo "Ctrl-C stops it."
wait "$spiced_pid"
