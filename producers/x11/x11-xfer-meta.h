/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-xfer-meta: what a file sent by the client is called and how big it
 * is, from the key file of its VD_AGENT_FILE_XFER_START, and the names it
 * may be saved under.  Pure functions of bytes: fuzz-xfer drives them with
 * x11-xfer.
 */
#ifndef X11_XFER_META_H
#define X11_XFER_META_H

#include <stddef.h>
#include <stdint.h>

/* A saved file's name: NAME_MAX with room for " (NN)". */
#define XFM_NAME_MAX	240
/* A START's key file: spice-gtk's is a name and a size. */
#define XFM_START_MAX	4096
/* Names tried when the first exists: "a.txt", "a (1).txt", ... */
#define XFM_TRIES	100

enum xfm_verdict {
	XFM_OK = 0,
	XFM_MALFORMED,		/* not the key file, no name or no size */
	XFM_BAD_NAME,		/* a name that is no file name of its own */
};

/*
 * The [vdagent-file-xfer] group of the key file in data (len bytes, a
 * final NUL allowed): its "name" (GLib key-file escapes undone) into name
 * (XFM_NAME_MAX + 1 bytes) and its "size".  A name is refused when it is
 * empty, "." or "..", longer than XFM_NAME_MAX, or holds a '/' or a
 * control character: it must name a file in the directory itself.
 */
enum xfm_verdict xfm_parse_start(const uint8_t *data, size_t len,
		    char *name, uint64_t *size);

/*
 * The name of try n (0 .. XFM_TRIES - 1) for name: name itself, then
 * "stem (n).ext", the extension being from the last dot on ("a (1).txt";
 * a leading dot is no extension: ".profile (1)").  outlen must be at
 * least XFM_NAME_MAX + 8.
 */
void	xfm_try_name(const char *name, unsigned n, char *out, size_t outlen);

#endif
