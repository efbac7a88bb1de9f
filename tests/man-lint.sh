#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every manual page must be clean under mandoc's linter at warning level
# (cross-references to pages not installed on this machine are only
# STYLE notes and are not counted).
set -u
srcdir=${SPICED_SRCDIR:-$(dirname "$0")/..}
if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: mandoc not installed"
	exit 77
fi
rc=0
for page in "$srcdir"/man/*.[1-8]; do
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		rc=1
	fi
done
n=$(ls "$srcdir"/man/*.[1-8] | wc -l)
[ "$rc" -eq 0 ] && echo "man-lint: $n pages clean"
exit "$rc"
