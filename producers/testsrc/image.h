/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * image: load a picture for qxl-shm-testsrc.  Binary PPM (P6, maxval
 * 1..255) only: no image library is a dependency of spiced.
 */
#ifndef QXLSHM_TESTSRC_IMAGE_H
#define QXLSHM_TESTSRC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_DIM	8192	/* = QXLSHM_MAX_WIDTH / _HEIGHT */

struct image {
	uint32_t	 im_width;
	uint32_t	 im_height;
	uint32_t	*im_px;		/* top-down 0x00RRGGBB, width * height */
};

/* Load path into *im.  0, or -1 with a message in err (errlen bytes)
 * naming the file and what is wrong with it. */
int	image_load(const char *path, struct image *im, char *err,
	    size_t errlen);

/* Free the pixels; the struct is zeroed. */
void	image_free(struct image *im);

#endif
