#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every source file carries its licence (LICENSE: LGPL-2.1-or-later, the
# licence of the SPICE server and client libraries) as an SPDX line near
# its top, so code can move between spiced and the SPICE ecosystem.
set -u
srcdir=${SPICED_SRCDIR:-$(dirname "$0")/..}
rc=0
n=0
for f in $(find "$srcdir/daemon" "$srcdir/workers" "$srcdir/shared" \
    "$srcdir/qxl-shm" "$srcdir/ctl" "$srcdir/tests" "$srcdir/tools" \
    "$srcdir/man" -type f \( -name '*.c' -o -name '*.h' -o -name '*.py' \
    -o -name '*.sh' -o -name '*.[158]' \) ! -path '*/corpus/*'); do
	n=$((n + 1))
	if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier: LGPL-2.1-or-later'; then
		echo "no SPDX line: $f"
		rc=1
	fi
done
[ -f "$srcdir/LICENSE" ] || { echo "no LICENSE"; rc=1; }
echo "$n files checked"
exit $rc
