/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * display-out: the display channel connections of one display, and what
 * they are sent (SPICE-NOTES 3.2).
 *
 * Every client (of any session) gets SET_ACK, then after its DISPLAY_INIT
 * the primary: SURFACE_CREATE, the whole picture as DRAW_COPY, MARK.  From
 * then on each client has its own pending damage, a region coalesced to at
 * most DOUT_MAX_RECTS rectangles, which is sent as DRAW_COPY bands whenever
 * its channel may send.  Rendering never waits for a client: a slow client
 * only sees its damage grow coarser, never a backlog.
 */
#ifndef SPICED_DISPLAY_OUT_H
#define SPICED_DISPLAY_OUT_H

#include <stdint.h>

#include <pixman.h>

#include "err.h"
#include "ipc-msg.h"
#include "render.h"
#include "worker.h"

/* Largest body accepted from a display client (INIT is 14 bytes; stream
 * reports and codec preferences are small). */
#define DOUT_MAX_CLIENT_MSG	(64u * 1024)
/* Seconds a client may take to send DISPLAY_INIT after the link. */
#define DOUT_INIT_TIMEOUT	15
/* Pending damage beyond this many rectangles collapses to its extents. */
#define DOUT_MAX_RECTS		32
/* ... first grown to a grid of this many pixels (then 2x, 4x). */
#define DOUT_TILE		64
/* Frames a viewer reports on video streams after; its first report on a
 * stream comes sooner, so that its frames' stamps are set early
 * (stream-clock.h). */
#define DOUT_REPORT_FRAMES	30
#define DOUT_REPORT_FIRST	4
/* Frames of a stream after which its frames' JPEG mode is chosen again
 * (enc_jpeg_pick), as its picture may have changed. */
#define DOUT_PICK_FRAMES	60
/* A move whose area has more rectangles than this is sent as damage. */
#define DOUT_MAX_MOVE_RECTS	16
/* ... and so is a fill or a string. */
#define DOUT_MAX_FILL_RECTS	64
/* A path whose lines paint more pixels than this twice (which a viewer
 * paints once per line: under XOR, not at all) is sent as damage, */
#define DOUT_MAX_TWICE_PX	64
/* ... and so is a string or a path of more bytes than this, */
#define DOUT_MAX_DRAW_BYTES	(64u * 1024)
/* ... and so is a fill whose pattern's image has more. */
#define DOUT_MAX_PATTERN_BYTES	(16u * 1024)
/* A blend whose source, or a composite whose images together, have more
 * pixels than this is sent as damage (in bands, as any large picture). */
#define DOUT_MAX_BLEND_PX	(512u * 512)
/* Uncompressed bytes of one DRAW_COPY band during updates. */
#define DOUT_BAND_BYTES		(1024u * 1024)
/* ... in bands of a multiple of this many rows (see dout_send_band).
 * A photograph's bands cover more, as it is sent in fewer bytes: as QUIC
 * (about half its pixels' bytes) four times as many, so that every
 * image's model, which starts from nothing and is updated densely at
 * first, learns over more pixels (a 1080p screen in two bands, not
 * eight: a quarter less CPU and slightly fewer bytes); as JPEG (a tenth
 * or less) eight times, so that a screen goes whole and spice-gtk's
 * decoder smooths its colours across what would have been band edges
 * (it decodes each image on its own). */
#define DOUT_BAND_ALIGN		16
#define DOUT_QUIC_BAND_FACTOR	4
#define DOUT_JPEG_BAND_FACTOR	8
/* The first picture goes out as one DRAW_COPY up to this many
 * uncompressed bytes (bigger primaries go band by band). */
#define DOUT_INIT_MAX		(32u * 1024 * 1024)
/* Uncompressed bytes encoded for one client per event-loop round, so the
 * producer and other clients get their turn. */
#define DOUT_ROUND_BYTES	(4u * 1024 * 1024)
/* Encoded images kept for the other viewers of a display until the
 * primary changes (a 1080p frame is 8 bands). */
#define DOUT_CACHE		16
/* Clients per display (all sessions together). */
#define DOUT_MAX_CLIENTS	64
/* Viewers of a display with a GLZ window at once (image-compression glz,
 * or auto_glz on a slow link): each window holds up to 16 MiB of pixels
 * and costs an encoding of each image of its own, so 64 viewers reading
 * slowly, on purpose or not, would cost the worker 1 GiB and 64 times the
 * CPU.  The others get LZ4 (LZ without the cap) until one is free. */
#define DOUT_GLZ_WINDOWS	4

/* Off-screen surfaces a viewer is made to hold at most (the ones least
 * recently copied from go first), and their bytes together. */
#define DOUT_MAX_OFFSCREEN	16
#define DOUT_OFFSCREEN_BYTES	(64u * 1024 * 1024)
/* Pixels of an off-screen surface sent to a viewer for one copy from it
 * at most (beyond, the copy's result goes as damage). */
#define DOUT_MAX_SYNC_PX	(1u << 20)

struct dout;

/* Create the client set of a display whose surfaces live in render.
 * Returns NULL with err set. */
struct dout *dout_new(struct worker *, struct render *, struct spd_err *);
/* Close every client (each reported with worker_conn_closed) and free. */
void	 dout_free(struct dout *);

/* Take over a linked display channel connection: fd (taken, closed on
 * failure), its session and connection ids and the handoff info.  Sends
 * SET_ACK and waits for DISPLAY_INIT.  Returns 0, or -1 with err set (the
 * fd is closed; the caller reports the connection closed). */
int	 dout_client_add(struct dout *, int fd, uint32_t session,
	    uint32_t conn, const struct ipc_client *, struct spd_err *);
/* Close every connection of session (each reported closed). */
void	 dout_close_session(struct dout *, uint32_t session,
	    const char *reason);
/* Close connection conn; returns 0, or -1 if there is no such connection
 * (it may have ended already). */
int	 dout_close_conn(struct dout *, uint32_t conn, const char *reason);

/* The render damage callback (arg = the dout): area of the primary that
 * changed.  Only records it; sending happens from the event loop. */
void	 dout_damage(void *arg, const pixman_region32_t *);
/* The render move callback (arg = the dout): dst now holds what
 * dst - (dx, dy) held.  A client with room in its window is sent
 * COPY_BITS at once and keeps as damage only what its own copy got
 * wrong; the others get dst as damage. */
void	 dout_move(void *arg, const pixman_region32_t *dst, int32_t dx,
	    int32_t dy);
/* The render fill callback (arg = the dout): area was filled with
 * rop3 of color or pat (render_fill_fn).  A client with room in its
 * window is sent the fill at once (DRAW_FILL with a plain ROP
 * descriptor, the rectangles as clip, a pattern's image when small); the
 * others, fills across the video stream and large patterns get area as
 * damage. */
void	 dout_fill(void *arg, const pixman_region32_t *area, uint32_t color,
	    const struct render_pattern *pat, uint8_t rop3);
/* The render text callback (arg = the dout): a string was drawn on area
 * (render_text_fn).  A client with room in its window is sent it at once
 * (DRAW_TEXT) when that costs less than its pixels; the others, strings
 * across the video stream and WebSocket clients (spice-html5 draws no
 * text) get area as damage. */
void	 dout_text(void *arg, const pixman_region32_t *area,
	    const struct qxl_cmd_text *t, uint32_t fore, const uint32_t *back);
/* The render stroke callback (arg = the dout): a path was drawn
 * (render_stroke_fn).  A client with room in its window is sent it at
 * once (DRAW_STROKE) when that costs less than the pixels, or its lines
 * (each a DRAW_STROKE clipped to its dashes), and the pixels its lines
 * paint twice as damage; the others,
 * paths across the video stream and WebSocket clients (spice-html5 draws
 * no strokes) get the pixels drawn as damage. */
void	 dout_stroke(void *arg, const pixman_region32_t *area,
	    const pixman_region32_t *drawn, const pixman_region32_t *twice,
	    const struct qxl_cmd_stroke *st,
	    const struct render_stroke_lines *lines, uint32_t color,
	    uint8_t rop3);
/* The render blend callback (arg = the dout): src was put over area with
 * a colour key or an alpha, stretched over bbox when not NULL
 * (render_blend_fn).  A client with room in its
 * window is sent the source and the operation at once
 * (DRAW_TRANSPARENT, DRAW_ALPHA_BLEND), its image from or into the
 * client's pixmap cache as any image; the others, blends across the
 * video stream, large ones and WebSocket clients (spice-html5 draws
 * neither) get area as damage. */
void	 dout_blend(void *arg, const pixman_region32_t *area,
	    pixman_image_t *src, const pixman_box32_t *bbox,
	    const uint32_t *key, uint8_t alpha);
/* The render copy callback (arg = the dout): area holds rop3 of the
 * brush (colour or pattern), src and what it held (render_copy_fn).  A
 * client with room in its window is sent the source and the operation at
 * once (DRAW_COPY with a plain ROP descriptor when it does not read the
 * brush, DRAW_ROP3 when it reads all three inputs, else DRAW_OPAQUE; the
 * rectangles as clip), the source from or into its pixmap cache; the
 * others (WebSocket clients: spice-html5 ignores ROPs), operations across
 * the video stream and large ones get area as damage. */
void	 dout_copy(void *arg, const pixman_region32_t *area,
	    pixman_image_t *src, uint32_t color,
	    const struct render_pattern *pat, uint8_t rop3);
/* The render scaled copy callback (arg = the dout): src_area of src was
 * stretched over bbox with a copy's raster operation (render_scaled_fn).
 * A client with room in its window is sent the source and DRAW_COPY with
 * the scale and a plain descriptor (no WebSocket client: spice-html5
 * does not scale); the others and copies across the video stream get
 * area as damage. */
void	 dout_scaled(void *arg, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, pixman_image_t *src,
	    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3);
/* The render composite callback (arg = the dout): src, through mask,
 * was composited onto bbox (render_composite_fn).  A client with room in
 * its window and the COMPOSITE cap is sent the images and the operation
 * at once (DRAW_COMPOSITE), each from or into its pixmap cache; the
 * others, composites across the video stream and those whose images
 * pass DOUT_MAX_BLEND_PX get area as damage. */
void	 dout_composite(void *arg, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, pixman_image_t *src,
	    pixman_image_t *mask, const struct qxl_cmd_composite *c);
/* The render surface copy callback (arg = the dout): rop3 of src_area of
 * off-screen surface id was drawn over bbox (render_surface_copy_fn).  A
 * client with room in its window (not WebSocket: spice-html5 keeps no
 * off-screen surfaces) is sent the parts of the surface the copy reads
 * that its own copy lacks, onto that copy (created the first time:
 * SURFACE_CREATE), then DRAW_COPY from it, when those parts have no more
 * pixels than the result; the others, copies across the video stream and
 * those whose parts would cost more get area as damage. */
void	 dout_surface_copy(void *arg, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, uint32_t id,
	    const pixman_box32_t *src_area, uint8_t scale_mode, uint8_t rop3);
/* The render surface blend callback (arg = the dout): a colour key or an
 * alpha blend from src_area of off-screen surface id
 * (render_surface_blend_fn), sent as dout_surface_copy sends a copy
 * (DRAW_TRANSPARENT, DRAW_ALPHA_BLEND). */
void	 dout_surface_blend(void *arg, const pixman_region32_t *area,
	    const pixman_box32_t *bbox, uint32_t id,
	    const pixman_box32_t *src_area, const uint32_t *key,
	    uint8_t alpha);
/* The render off-screen callback (arg = the dout): what viewers hold of
 * surface id within changed is stale; changed NULL: the surface is gone,
 * and the viewers that hold it are sent SURFACE_DESTROY. */
void	 dout_offscreen(void *arg, uint32_t id,
	    const pixman_region32_t *changed);
/* The primary now exists (render_surface(r, 0)): announce it to every
 * initialised client and send it whole. */
void	 dout_primary_created(struct dout *);
/* The producer's heads on the current primary (n 1..QXLSHM_MAX_HEADS,
 * checked by the caller): sent as MONITORS_CONFIG to every client that
 * has the primary, and after SURFACE_CREATE to later ones, until the
 * primary changes. */
void	 dout_heads(struct dout *, const struct qxlshm_head *heads,
	    uint32_t n);
/* The primary is about to be destroyed: clients get SURFACE_DESTROY and
 * their pending damage is dropped. */
void	 dout_primary_destroyed(struct dout *);

#endif
