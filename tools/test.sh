#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# README command 2: install what the build and the tests need, build, and
# run the whole test suite (unit, fuzz-corpus replay, integration with the
# real spice-gtk client library), a short bounded libFuzzer run, and
# make distcheck.
set -eu
cd "$(dirname "$0")/.."
. tools/deps.sh
spiced_apt_install $SPICED_BUILD_DEPS $SPICED_TEST_DEPS
spiced_build
# The spiced-qemu tests' Linux guest (a kernel and busybox, unpacked).
sh tools/guest-fetch.sh "$PWD/tests/guest"
export SPICED_GUEST_DIR="$PWD/tests/guest"
rc=0
make -j"$(nproc)" check || rc=$?
if [ "$rc" -ne 0 ]; then
	# The failing tests' logs, so CI output shows why.
	tail -n 300 test-suite.log 2>/dev/null || true
fi
if [ "$rc" -eq 0 ]; then
	make fuzz-run FUZZ_TIME="${FUZZ_TIME:-20}" || rc=$?
fi
# The release tarball builds and passes the same suite out of tree.
if [ "$rc" -eq 0 ]; then
	make -j"$(nproc)" distcheck >distcheck.log 2>&1 || {
		rc=$?
		tail -n 100 distcheck.log
		# distcheck leaves its tree behind on failure: show why each
		# test failed there.
		for log in $(grep -l '^:test-result: FAIL' \
			spiced-*/_build/sub/tests/*/*.trs 2>/dev/null); do
			echo "=== ${log%.trs}.log"
			tail -n 80 "${log%.trs}.log"
		done
	}
	[ "$rc" -eq 0 ] && echo "distcheck: OK"
fi
# One plain summary line: "N passed, N failed, N skipped".
awk '/^# (PASS|FAIL|SKIP|ERROR|XPASS):/ { n[$2] = $3 }
    END { printf "%d passed, %d failed, %d skipped\n", n["PASS:"],
        n["FAIL:"] + n["ERROR:"] + n["XPASS:"], n["SKIP:"] }' test-suite.log
exit "$rc"
