/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest-cursor: runs inside the spiced-qemu tests' Linux guest (static)
 * with a virtio-gpu: becomes the DRM master of /dev/dri/card0 and sets a
 * hardware cursor on its first CRTC, as a desktop's compositor does:
 * 64x64 ARGB, opaque where x < 32 and y < 32 (pixel = 0xff000000 |
 * x * 8 << 16 | y * 8 << 8 | 0x40), transparent elsewhere, hot spot 3,5,
 * placed at 100,50, and two seconds later moves it to 200,120; it prints
 * what it did on stdout (the serial console) and keeps the device open
 * (a closed master loses its cursor).
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#define SIZE	64

static int
cursor(int fd, uint32_t crtc, uint32_t handle, int x, int y, uint32_t flags)
{
	struct drm_mode_cursor2 c;

	memset(&c, 0, sizeof(c));
	c.flags = flags;
	c.crtc_id = crtc;
	c.x = x;
	c.y = y;
	c.width = SIZE;
	c.height = SIZE;
	c.handle = handle;
	c.hot_x = 3;
	c.hot_y = 5;
	return ioctl(fd, DRM_IOCTL_MODE_CURSOR2, &c);
}

int
main(void)
{
	struct drm_mode_card_res res;
	struct drm_mode_create_dumb cd;
	struct drm_mode_map_dumb md;
	uint32_t crtcs[8], *px;
	int fd, x, y;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((fd = open("/dev/dri/card0", O_RDWR)) < 0) {
		printf("guest: cursor: /dev/dri/card0: %s\n", strerror(errno));
		return 1;
	}
	memset(&res, 0, sizeof(res));
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.count_crtcs = 8;
	if (ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res) != 0 ||
	    res.count_crtcs == 0) {
		printf("guest: cursor: no CRTC: %s\n", strerror(errno));
		return 1;
	}
	memset(&cd, 0, sizeof(cd));
	cd.width = SIZE;
	cd.height = SIZE;
	cd.bpp = 32;
	memset(&md, 0, sizeof(md));
	if (ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd) != 0 ||
	    (md.handle = cd.handle, ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB,
	    &md)) != 0 ||
	    (px = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    (off_t)md.offset)) == MAP_FAILED) {
		printf("guest: cursor: dumb buffer: %s\n", strerror(errno));
		return 1;
	}
	for (y = 0; y < SIZE; y++)
		for (x = 0; x < SIZE; x++)
			px[y * (cd.pitch / 4) + x] = x < 32 && y < 32 ?
			    0xff000000u | (uint32_t)x * 8 << 16 |
			    (uint32_t)y * 8 << 8 | 0x40 : 0;
	if (cursor(fd, crtcs[0], cd.handle, 100, 50, DRM_MODE_CURSOR_BO |
	    DRM_MODE_CURSOR_MOVE) != 0) {
		printf("guest: cursor: set: %s\n", strerror(errno));
		return 1;
	}
	printf("guest: cursor set at 100,50\n");
	sleep(2);
	if (cursor(fd, crtcs[0], 0, 200, 120, DRM_MODE_CURSOR_MOVE) != 0) {
		printf("guest: cursor: move: %s\n", strerror(errno));
		return 1;
	}
	printf("guest: cursor moved to 200,120\n");
	for (;;)
		pause();
}
