/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qxl-cmd-int: what the QXL command parsers share (qxl-cmd.c: structures,
 * chunks, images, surfaces, cursors; qxl-draw.c: drawables).  Not for
 * other modules: they use qxl-cmd.h.
 */
#ifndef QXLSHM_QXL_CMD_INT_H
#define QXLSHM_QXL_CMD_INT_H

#include <spice/qxl_dev.h>

#include "qxl-cmd.h"
#include "sbuf.h"

/*
 * A private copy of one shared structure and a cursor over it.  Offsets
 * come from offsetof on the packed spice types, so a failed read means a
 * bug here, not bad input; it still fails safely (value 0, c_bad set).
 */
struct qxl_cmd_copy {
	uint8_t		 c_buf[sizeof(QXLDrawable)];
	size_t		 c_len;
	struct sbuf	 c_sb;
	int		 c_bad;
};

/* Copy len bytes (<= sizeof(c_buf)) at phys into c.  0 or -1 (err). */
int	 qxl_cmd_fetch(const struct slots *, uint64_t phys, size_t len,
	    struct qxl_cmd_copy *c, struct spd_err *);
/* Point c at len bytes already private (a piece of a copied string). */
void	 qxl_cmd_view(struct qxl_cmd_copy *c, const void *p, size_t len);

uint8_t	 qxl_cmd_u8(struct qxl_cmd_copy *, size_t off);
uint16_t qxl_cmd_u16(struct qxl_cmd_copy *, size_t off);
uint32_t qxl_cmd_u32(struct qxl_cmd_copy *, size_t off);
int32_t	 qxl_cmd_i32(struct qxl_cmd_copy *, size_t off);
uint64_t qxl_cmd_u64(struct qxl_cmd_copy *, size_t off);
/* QXLRect is {top, left, bottom, right}. */
void	 qxl_cmd_get_rect(struct qxl_cmd_copy *, size_t off,
	    struct qxl_cmd_rect *);

/* r inside [0, maxw] x [0, maxh]; non-empty unless allow_empty.  0 or
 * -1 (err names what). */
int	 qxl_cmd_check_rect(const struct qxl_cmd_rect *, int32_t maxw,
	    int32_t maxh, int allow_empty, const char *what,
	    struct spd_err *);

/* Copy the data of the QXLDataChunk chain at phys, exactly expect bytes
 * (<= QXL_CMD_MAX_DATA), into dst.  0 or -1 (err). */
int	 qxl_cmd_read_chunks(const struct slots *, uint64_t phys,
	    uint8_t *dst, uint64_t expect, const char *what,
	    struct spd_err *);

/* The clip of a drawable into out->clip_type, nclip, clip.  0 or -1. */
int	 qxl_cmd_parse_clip(const struct slots *, uint32_t type,
	    uint64_t data, struct qxl_cmd_draw *out, struct spd_err *);

/* The QXLImage at phys (BITMAP or SURFACE).  0, QXL_CMD_EFAULT or
 * QXL_CMD_EUNSUPPORTED (err set); on error img may hold allocations that
 * qxl_cmd_image_free releases. */
int	 qxl_cmd_parse_image(const struct slots *, uint64_t phys,
	    struct qxl_cmd_image *img, struct spd_err *);
void	 qxl_cmd_image_free(struct qxl_cmd_image *);

#endif
