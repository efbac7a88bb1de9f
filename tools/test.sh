#!/bin/sh
# README command 2: install what the build and the tests need, build, and
# run the whole test suite (unit, fuzz-corpus replay, integration with the
# real spice-gtk client library), then a short bounded libFuzzer run.
set -eu
cd "$(dirname "$0")/.."
. tools/deps.sh
spiced_apt_install $SPICED_BUILD_DEPS $SPICED_TEST_DEPS
spiced_build
make -j"$(nproc)" check || { cat test-suite.log 2>/dev/null | tail -200; exit 1; }
make fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
