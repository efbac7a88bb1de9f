#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The spiced-qemu tests' Linux guest: Debian's kernel, the modules the
# tests load (in groups: virtio console, AC97 sound with its OSS
# emulation, virtio-gpu, input: evdev, the PS/2 mouse, a USB tablet) and
# busybox-static, unpacked (not installed)
# into DIR, default tests/guest.  Called by tools/test.sh; the tests
# skip the Linux guest when DIR lacks them.
set -eu
dir=${1:-tests/guest}
[ -f "$dir/vmlinuz" ] && [ -x "$dir/busybox" ] &&
	[ -d "$dir/modules/input" ] && exit 0
tmp=$(mktemp -d)
chmod 755 "$tmp"	# apt-get download runs as _apt
trap 'rm -rf "$tmp"' EXIT
kpkg=$(apt-cache depends linux-image-amd64 |
	awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "guest-fetch: no linux-image-amd64" >&2; exit 1; }
(cd "$tmp" && apt-get download -q "$kpkg" busybox-static >/dev/null)
# The kernel package unpacks to 400 MB: take only what the guest loads.
mkdir "$tmp/k"
dpkg-deb --fsys-tarfile "$tmp"/linux-image-*.deb | tar -x -C "$tmp/k" \
	--wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/sound/*' \
	'./lib/modules/*/kernel/drivers/virtio/*' \
	'./lib/modules/*/kernel/drivers/char/virtio_console.ko' \
	'./lib/modules/*/kernel/drivers/gpu/drm/*' \
	'./lib/modules/*/kernel/drivers/input/*' \
	'./lib/modules/*/kernel/drivers/hid/*' \
	'./lib/modules/*/kernel/drivers/usb/*'
dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/b"
rm -rf "$dir/modules"
mkdir -p "$dir/modules/console" "$dir/modules/sound" "$dir/modules/gpu" \
	"$dir/modules/input"
cp "$tmp"/k/boot/vmlinuz-* "$dir/vmlinuz"
group() {
	g=$1
	shift
	for m in "$@"; do
		f=$(find "$tmp/k/lib/modules" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { echo "guest-fetch: no $m.ko in $kpkg" >&2; exit 1; }
		cp "$f" "$dir/modules/$g/"
	done
}
virtio="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci"
group console $virtio virtio_console
group sound soundcore snd snd-timer snd-pcm ac97_bus snd-ac97-codec \
	snd-intel8x0 snd-mixer-oss snd-pcm-oss
group gpu $virtio virtio_dma_buf drm drm_kms_helper drm_shmem_helper virtio-gpu
group input evdev psmouse usb-common usbcore uhci-hcd hid usbhid hid-generic
cp "$tmp/b/bin/busybox" "$dir/busybox"
echo "guest-fetch: $kpkg and busybox-static in $dir"
