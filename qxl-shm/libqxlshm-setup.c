/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqxlshm-setup: the one-call start of a producer and the small helpers
 * every producer writes otherwise; see libqxlshm.h.  Built on the public
 * calls of libqxlshm, not on its internals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "libqxlshm.h"
#include "libqxlshm-int.h"

#define QXLSHM_IDLE_SLICE_MS	200

int
qxlshm_setup(struct qxlshm *q, const struct qxlshm_setup *s)
{
	uint64_t screen, cmd_size, data_free, mphys;
	void *mem;

	if (s->width < 1 || s->width > QXLSHM_MAX_WIDTH || s->height < 1 ||
	    s->height > QXLSHM_MAX_HEIGHT) {
		errno = EINVAL;
		return qxlshm_seterr(q, "setup: primary %ux%u out of range",
		    s->width, s->height);
	}
	screen = (uint64_t)s->width * s->height * 4;
	cmd_size = s->cmd_slot_size != 0 ? s->cmd_slot_size :
	    QXLSHM_SETUP_CMD_SIZE;
	data_free = s->data_slot_free != 0 ? s->data_slot_free :
	    3 * screen + QXLSHM_SETUP_DATA_FREE;
	if (data_free > QXLSHM_MAX_SLOT_SIZE - screen) {
		errno = EINVAL;
		return qxlshm_seterr(q, "setup: %llu bytes of data slot beyond "
		    "the primary is too much", (unsigned long long)data_free);
	}
	if (qxlshm_slot_create(q, QXLSHM_SETUP_CMD_SLOT, cmd_size) == -1 ||
	    qxlshm_slot_create(q, QXLSHM_SETUP_DATA_SLOT, screen +
	    data_free) == -1 ||
	    qxlshm_attach(q, QXLSHM_SETUP_CMD_SLOT) == -1 ||
	    (mem = qxlshm_alloc(q, QXLSHM_SETUP_DATA_SLOT, (size_t)screen,
	    &mphys)) == NULL)
		return -1;
	if (s->pixels != NULL)
		memcpy(mem, s->pixels, (size_t)screen);
	return qxlshm_create_primary(q, s->width, s->height,
	    (int32_t)(s->width * 4), SPICE_SURFACE_FMT_32_xRGB, mphys);
}

struct qxlshm *
qxlshm_open(const char *path, const char *name, const struct qxlshm_setup *s,
    char *err, size_t errlen)
{
	struct qxlshm *q;

	if ((q = qxlshm_connect_features(path, name, s->features, err,
	    errlen)) == NULL)
		return NULL;
	if (qxlshm_setup(q, s) == -1) {
		if (err != NULL)
			snprintf(err, errlen, "%s", qxlshm_error(q));
		qxlshm_close(q);
		return NULL;
	}
	return q;
}

void *
qxlshm_alloc_wait(struct qxlshm *q, uint32_t slot, size_t size,
    uint64_t *phys, int cmd, int timeout_ms,
    const volatile sig_atomic_t *stop)
{
	int64_t deadline = qxlshm_now_ms() + timeout_ms, left;
	void *p;

	for (;;) {
		p = cmd ? qxlshm_alloc_cmd(q, slot, size, phys) :
		    qxlshm_alloc(q, slot, size, phys);
		if (p != NULL || errno != ENOMEM)
			return p;
		left = deadline - qxlshm_now_ms();
		if ((stop != NULL && *stop) || left <= 0)
			return NULL;	/* errno is ENOMEM */
		/* Releases come with the irq: try again after each batch,
		 * looking at stop at least every slice. */
		if (qxlshm_wait(q, left < QXLSHM_IDLE_SLICE_MS ? (int)left :
		    QXLSHM_IDLE_SLICE_MS) == -1)
			return NULL;
	}
}

int
qxlshm_idle(struct qxlshm *q, int timeout_ms,
    const volatile sig_atomic_t *stop)
{
	int64_t deadline = qxlshm_now_ms() + timeout_ms, left;
	int slice;

	while (stop == NULL || !*stop) {
		slice = QXLSHM_IDLE_SLICE_MS;
		if (timeout_ms >= 0) {
			if ((left = deadline - qxlshm_now_ms()) <= 0)
				break;
			if (left < slice)
				slice = (int)left;
		}
		if (qxlshm_wait(q, slice) == -1)
			return -1;
	}
	return 0;
}

void
qxlshm_drawable_init(QXLDrawable *d, uint32_t surface_id, uint8_t type,
    const QXLRect *bbox)
{
	int i;

	d->surface_id = surface_id;
	d->type = type;
	d->effect = QXL_EFFECT_OPAQUE;
	d->bbox = *bbox;
	d->clip.type = SPICE_CLIP_TYPE_NONE;
	d->clip.data = 0;
	for (i = 0; i < 3; i++)
		d->surfaces_dest[i] = -1;
}

QXLCursorCmd *
qxlshm_cursor_alpha(struct qxlshm *q, uint32_t slot, uint64_t unique,
    uint16_t w, uint16_t h, uint16_t hx, uint16_t hy, int16_t x, int16_t y,
    uint8_t **pixels, uint64_t *phys)
{
	QXLCursorCmd *cmd;
	QXLCursor *cur;
	uint64_t cphys;
	uint32_t n = (uint32_t)w * h * 4;

	if (w == 0 || h == 0 || w > 512 || h > 512 || hx >= w || hy >= h) {
		errno = EINVAL;
		qxlshm_seterr(q, "cursor: shape %ux%u with hot spot %u,%u "
		    "invalid", w, h, hx, hy);
		return NULL;
	}
	if ((cmd = qxlshm_alloc_cmd(q, slot, sizeof(*cmd), phys)) == NULL)
		return NULL;
	if ((cur = qxlshm_alloc(q, slot, sizeof(*cur) + n, &cphys)) == NULL) {
		qxlshm_free(q, cmd);
		return NULL;
	}
	qxlshm_link(q, cmd, cur);
	cur->header.unique = unique;
	cur->header.type = SPICE_CURSOR_TYPE_ALPHA;
	cur->header.width = w;
	cur->header.height = h;
	cur->header.hot_spot_x = hx;
	cur->header.hot_spot_y = hy;
	cur->data_size = n;
	cur->chunk.data_size = n;
	cmd->type = QXL_CURSOR_SET;
	cmd->u.set.position.x = x;
	cmd->u.set.position.y = y;
	cmd->u.set.visible = 1;
	cmd->u.set.shape = cphys;
	/* The shape's bytes follow the packed header. */
	*pixels = (uint8_t *)cur + sizeof(*cur);
	return cmd;
}

int
qxlshm_parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(s, &end, 10);
	if (end == s || *end != 'x')
		return -1;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || a < 1 || b < 1 ||
	    a > QXLSHM_MAX_WIDTH || b > QXLSHM_MAX_HEIGHT)
		return -1;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}
