/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-map: the console's picture from QEMU's shared memory, the
 * optional Listener.Unix.Map interface of QEMU 9.2 and later (one per console): ScanoutMap
 * hands over a memfd holding the console's surface, UpdateMap says which
 * rectangle of it changed, and no pixels travel in D-Bus messages.
 *
 * Not zero copy: QEMU does not seal that memfd (its pixman surfaces are
 * allocated unsealed), so a mapping of it would raise SIGBUS in the
 * bridge the moment QEMU, or a guest that took QEMU over, shrank the
 * file; and spiced refuses unsealed memory as a slot for the same
 * reason.  The bridge reads the changed rows with pread() instead, which
 * a shrunk file only makes short, into a buffer that qemu-screen then
 * converts into the primary as it does inline pixels.
 */
#ifndef QEMU_MAP_H
#define QEMU_MAP_H

#include <stdint.h>

#include "err.h"
#include "qemu-screen.h"

struct qmap;

/* A map reader for surfaces of at most max_px pixels. */
struct qmap	*qmap_new(uint64_t max_px);
void		 qmap_free(struct qmap *);

/* ScanoutMap: the console is w x h pixels of pixman format, rows stride
 * bytes apart from offset in fd (the map takes a copy of fd); the whole
 * of it is read and shown.  0, or -1 with err (the previous map, if
 * any, is dropped either way). */
int		 qmap_scanout(struct qmap *, struct qscreen *, unsigned con,
		    int fd,
		    uint32_t offset, uint32_t w, uint32_t h, uint32_t stride,
		    uint32_t format, struct spd_err *err);
/* UpdateMap: the w x h rectangle at x, y changed.  0, or -1 with err
 * (no map, a rectangle outside it, a file that ends too soon). */
int		 qmap_update(struct qmap *, struct qscreen *, unsigned con,
		    int32_t x,
		    int32_t y, int32_t w, int32_t h, struct spd_err *err);
/* Pixels came inline again (Scanout): the map is no longer the picture. */
void		 qmap_end(struct qmap *);

#endif
