#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The spiced-qemu tests' Linux guest: Debian's cloud kernel (virtio
# modules included), its virtio console modules and busybox-static,
# unpacked (not installed) into DIR, default tests/guest.  Called by
# tools/test.sh; the tests skip the Linux guest when DIR lacks them.
set -eu
dir=${1:-tests/guest}
[ -f "$dir/vmlinuz" ] && [ -x "$dir/busybox" ] && exit 0
tmp=$(mktemp -d)
chmod 755 "$tmp"	# apt-get download runs as _apt
trap 'rm -rf "$tmp"' EXIT
kpkg=$(apt-cache depends linux-image-cloud-amd64 |
	awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "guest-fetch: no linux-image-cloud-amd64" >&2; exit 1; }
(cd "$tmp" && apt-get download -q "$kpkg" busybox-static >/dev/null)
dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/k"
dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/b"
mkdir -p "$dir/modules"
cp "$tmp"/k/boot/vmlinuz-* "$dir/vmlinuz"
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev \
    virtio_pci virtio_console; do
	find "$tmp/k/lib/modules" -name "$m.ko" -exec cp {} "$dir/modules/" \;
done
cp "$tmp/b/bin/busybox" "$dir/busybox"
echo "guest-fetch: $kpkg and busybox-static in $dir"
