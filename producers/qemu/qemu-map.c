/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-map: see qemu-map.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-check.h"
#include "qemu-map.h"

struct qmap {
	int		 m_fd;		/* QEMU's memfd, -1 without a map */
	uint64_t	 m_offset;
	uint32_t	 m_w, m_h, m_stride, m_format;
	uint32_t	 m_bpp;		/* bits a pixel */
	uint64_t	 m_max_px;
	uint8_t		*m_buf;		/* rows read, 4-aligned */
	size_t		 m_cap;
};

struct qmap *
qmap_new(uint64_t max_px)
{
	struct qmap *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->m_fd = -1;
	m->m_max_px = max_px;
	return m;
}

void
qmap_end(struct qmap *m)
{
	if (m->m_fd >= 0)
		close(m->m_fd);
	m->m_fd = -1;
}

void
qmap_free(struct qmap *m)
{
	if (m == NULL)
		return;
	qmap_end(m);
	free(m->m_buf);
	free(m);
}

/* Read the w x h rectangle at x, y of the map into m_buf, rows *stride
 * bytes apart. */
static int
qmap_read(struct qmap *m, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
    uint32_t *stride, struct spd_err *err)
{
	size_t row = (size_t)w * m->m_bpp / 8, need;
	uint32_t r;
	ssize_t n;
	uint8_t *p;

	*stride = (uint32_t)((row + 3) & ~(size_t)3);
	need = (size_t)*stride * h;
	if (need > m->m_cap) {
		if ((p = realloc(m->m_buf, need)) == NULL)
			return spd_err_set(err, "out of memory for %zu bytes",
			    need);
		m->m_buf = p;
		m->m_cap = need;
	}
	for (r = 0; r < h; r++) {
		n = pread(m->m_fd, m->m_buf + (size_t)r * *stride, row,
		    (off_t)(m->m_offset + (uint64_t)(y + r) * m->m_stride +
		    (uint64_t)x * m->m_bpp / 8));
		if (n != (ssize_t)row)
			return spd_err_set(err, "QEMU's shared surface ends "
			    "before row %u (%s)", y + r, n < 0 ?
			    strerror(errno) : "the file shrank");
	}
	return 0;
}

int
qmap_scanout(struct qmap *m, struct qscreen *s, unsigned con, int fd,
    uint32_t offset, uint32_t w, uint32_t h, uint32_t stride, uint32_t format,
    struct spd_err *err)
{
	struct qscreen_pixels px;
	struct stat st;
	int bpp;

	qmap_end(m);
	if (fstat(fd, &st) == -1)
		return spd_err_set(err, "ScanoutMap fd: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < offset)
		return spd_err_set(err, "ScanoutMap: offset %u past a file of "
		    "%lld bytes", offset, (long long)st.st_size);
	if ((bpp = qcheck_pixels(w, h, stride, format,
	    (size_t)((uint64_t)st.st_size - offset), err)) == -1)
		return -1;
	if ((uint64_t)w * h > m->m_max_px)
		return spd_err_set(err, "ScanoutMap of %ux%u: more than the "
		    "%llu pixels the bridge takes", w, h,
		    (unsigned long long)m->m_max_px);
	if ((m->m_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return spd_err_set(err, "ScanoutMap fd: %s", strerror(errno));
	m->m_offset = offset;
	m->m_w = w;
	m->m_h = h;
	m->m_stride = stride;
	m->m_format = format;
	m->m_bpp = (uint32_t)bpp;
	if (qmap_read(m, 0, 0, w, h, &px.qp_stride, err) == -1)
		goto fail;
	px.qp_format = format;
	px.qp_data = m->m_buf;
	px.qp_size = (size_t)px.qp_stride * h;
	if (qscreen_scanout(s, con, w, h, &px, err) == -1)
		goto fail;
	return 0;
fail:
	qmap_end(m);
	return -1;
}

int
qmap_update(struct qmap *m, struct qscreen *s, unsigned con, int32_t x,
    int32_t y, int32_t w, int32_t h, struct spd_err *err)
{
	struct qscreen_pixels px;

	if (m->m_fd < 0)
		return spd_err_set(err, "UpdateMap without a ScanoutMap");
	if (qcheck_rect(x, y, w, h, m->m_w, m->m_h, err) == -1 ||
	    qmap_read(m, (uint32_t)x, (uint32_t)y, (uint32_t)w, (uint32_t)h,
	    &px.qp_stride, err) == -1)
		return -1;
	px.qp_format = m->m_format;
	px.qp_data = m->m_buf;
	px.qp_size = (size_t)px.qp_stride * (uint32_t)h;
	return qscreen_update(s, con, x, y, w, h, &px, err) == 0 ? 0 : -1;
}
