#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the libFuzzer targets (built by `make fuzz`) for a bounded time
# each, FUZZ_JOBS of them at a time (default: one per core), and prints
# a line per target: runs, inputs that reached new code, and any crash,
# leak, hang or memory blow-up, kept as tests/fuzz/crash-TARGET-* (the
# run then exits 1).
#
#	tools/fuzz.sh [--merge] SECONDS SRCDIR TARGET...
#
# Each target starts from the tree's corpus, tests/fuzz/corpus/TARGET,
# and writes what it finds to a scratch directory, so the tree is left as
# it was: `make fuzz-run` (CI) is this.  With --merge (`make fuzz-long`),
# the inputs that reach code the tree's corpus does not are then merged
# into it (libFuzzer's -merge=1 keeps only those), so that `make check`
# replays them from then on and a commit keeps them.
#
# FUZZ_TIMEOUT (default 30) is the seconds one input may take before it
# counts as a hang: every loop over producer or network data is capped,
# so none should come near it.
set -eu

merge=0
if [ "${1:-}" = --merge ]; then
	merge=1
	shift
fi
if [ "${1:-}" = --one ]; then
	# One target, run by the xargs below: $2 seconds, $3 srcdir,
	# $4 merge, $5 scratch directory, $6 target.
	secs=$2 srcdir=$3 merge=$4 scratch=$5 t=$6
	work=$scratch/$t
	mkdir -p "$work/new"
	dict=
	[ ! -f "$srcdir/tests/fuzz/$t.dict" ] ||
	    dict="-dict=$srcdir/tests/fuzz/$t.dict"
	seeds=$srcdir/tests/fuzz/corpus/$t
	# libFuzzer writes new inputs to the first directory it is given
	# and only reads the others.
	if ! ./tests/fuzz/fuzz-"$t" $dict -max_total_time="$secs" \
	    -timeout="${FUZZ_TIMEOUT:-30}" -print_final_stats=1 \
	    -artifact_prefix="tests/fuzz/crash-$t-" \
	    "$work/new" "$seeds" >"$work/log" 2>&1; then
		tail -n 40 "$work/log"
		echo "fuzz: $t FAILED: the input is kept as" \
		    "tests/fuzz/crash-$t-*, the log as $work/log"
		exit 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	found=$(ls "$work/new" | wc -l)
	line="fuzz: $t: $secs s, ${runs:-?} runs, $found new inputs"
	if [ "$merge" = 1 ] && [ "$found" -gt 0 ]; then
		before=$(ls "$seeds" | wc -l)
		if ! ./tests/fuzz/fuzz-"$t" -merge=1 "$seeds" "$work/new" \
		    >"$work/merge.log" 2>&1; then
			tail -n 20 "$work/merge.log"
			echo "fuzz: $t: merging into $seeds failed"
			exit 1
		fi
		after=$(ls "$seeds" | wc -l)
		line="$line, $((after - before)) merged into $seeds"
	fi
	rm -rf "$work"
	echo "$line"
	exit 0
fi

[ $# -ge 3 ] || {
	echo "usage: $0 [--merge] SECONDS SRCDIR TARGET..." >&2
	exit 2
}
secs=$1 srcdir=$2
shift 2
for t in "$@"; do
	[ -x "tests/fuzz/fuzz-$t" ] || {
		echo "$0: tests/fuzz/fuzz-$t is not built (make fuzz)" >&2
		exit 2
	}
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "fuzz: $# targets, $secs s each, ${FUZZ_JOBS:-$(nproc)} at a time"
rc=0
printf '%s\n' "$@" | xargs -P "${FUZZ_JOBS:-$(nproc)}" -I '{}' \
    sh "$0" --one "$secs" "$srcdir" "$merge" "$scratch" '{}' || rc=1
if [ "$rc" -ne 0 ]; then
	# Keep the failed targets' logs for whoever reads the output.
	trap - EXIT
	echo "fuzz: a target failed; scratch directory $scratch kept"
fi
exit "$rc"
