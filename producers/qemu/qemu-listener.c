/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-listener: see qemu-listener.h.  Signatures are QEMU's
 * (ui/dbus-display1.xml): Scanout(uuuuay), Update(iiiiuuay),
 * ScanoutDMABUF(huuuutb), UpdateDMABUF(iiii), Disable(), MouseSet(iii),
 * CursorDefine(iiiiay) since 7.2; the Interfaces property, through which
 * QEMU 9.2 and later find the optional Listener.Unix.Map interface,
 * ScanoutMap(huuuuu) and UpdateMap(iiii) (qemu-map.h).  DMABUF scanouts
 * only come with a GL display, which the bridge does not ask for:
 * refused.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "qemu-cursor.h"
#include "qemu-listener.h"
#include "qemu-map.h"
#include "qemu-screen.h"

#define QLISTEN_PATH	"/org/qemu/Display1/Listener"
#define QLISTEN_ERR	"org.qemu.Display1.Error.Failed"
#define QLISTEN_MAP_IFACE	QEMU_IFACE ".Listener.Unix.Map"

struct qlisten {
	struct qemu	*l_q;
	unsigned	 l_con;		/* the console, in q->q_cons */
	const char	*l_path;	/* its object path */
	sd_bus		*l_bus;		/* QEMU's calls to us */
	sd_bus_slot	*l_vtable;
	sd_bus_slot	*l_map_vtable;	/* Listener.Unix.Map */
	struct qmap	*l_map;
	sd_bus_slot	*l_call;	/* RegisterListener in flight */
	sd_bus_slot	*l_match;	/* the console's PropertiesChanged */
	uint32_t	 l_cw;		/* its Width and Height as last said */
	uint32_t	 l_ch;		/* (0: not yet) */
	unsigned	 l_bad;		/* refused calls, for the log */
};

/* Refuse a call with err's reason; logged, at most a few times. */
static int
qlisten_refuse(struct qlisten *l, sd_bus_message *m, const char *what,
    const struct spd_err *err)
{
	if (l->l_bad++ < 10)
		log_warn("QEMU's %s refused: %s", what, err->msg);
	return sd_bus_reply_method_errorf(m, QLISTEN_ERR, "%s", err->msg);
}

static int
qlisten_read_pixels(sd_bus_message *m, struct qscreen_pixels *px)
{
	const void *data;
	size_t size;
	int r;

	if ((r = sd_bus_message_read(m, "uu", &px->qp_stride,
	    &px->qp_format)) < 0 ||
	    (r = sd_bus_message_read_array(m, 'y', &data, &size)) < 0)
		return r;
	px->qp_data = data;
	px->qp_size = size;
	return 0;
}

/* The primary takes the console's size as QEMU last said it, if it has
 * one (the signal may come before the Scanout it follows, or after the
 * Updates that outgrew the primary: the other connection). */
static void
qlisten_follow(struct qlisten *l)
{
	struct spd_err err;
	uint32_t w, h;

	qscreen_size(l->l_q->q_screen, l->l_con, &w, &h);
	if (w == 0 || l->l_cw == 0 || l->l_ch == 0 ||
	    (w == l->l_cw && h == l->l_ch))
		return;
	if (qscreen_resize(l->l_q->q_screen, l->l_con, l->l_cw, l->l_ch,
	    &err) == -1)
		log_warn("console size change: %s", err.msg);
}

static int
qlisten_scanout(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct qscreen_pixels px;
	struct spd_err err;
	uint32_t w, h;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "uu", &w, &h)) < 0 ||
	    (r = qlisten_read_pixels(m, &px)) < 0)
		return r;
	log_debug("Scanout %ux%u stride %u format 0x%x, %zu bytes", w, h,
	    px.qp_stride, px.qp_format, px.qp_size);
	qmap_end(l->l_map);
	if (qscreen_scanout(l->l_q->q_screen, l->l_con, w, h, &px, &err) ==
	    -1)
		return qlisten_refuse(l, m, "Scanout", &err);
	qlisten_follow(l);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qlisten_update(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct qscreen *scr = l->l_q->q_screen;
	struct qscreen_pixels px;
	struct spd_err err;
	int32_t x, y, w, h;
	uint32_t cw, ch;
	int r, rc;

	(void)ret;
	if ((r = sd_bus_message_read(m, "iiii", &x, &y, &w, &h)) < 0 ||
	    (r = qlisten_read_pixels(m, &px)) < 0)
		return r;
	rc = qscreen_update(scr, l->l_con, x, y, w, h, &px, &err);
	/* Outside: the guest changed mode and QEMU sent no Scanout.  The
	 * primary grows to take it; the console's Width and Height
	 * (PropertiesChanged, on the other connection) set the exact size
	 * when they come.  Asking QEMU now could deadlock: it may be
	 * waiting for us (a listener's set-up). */
	qscreen_size(scr, l->l_con, &cw, &ch);
	if (rc == QSCREEN_OUTSIDE && x >= 0 && y >= 0 && w > 0 && h > 0 &&
	    qscreen_resize(scr, l->l_con, (uint32_t)x + (uint32_t)w > cw ?
	    (uint32_t)x + (uint32_t)w : cw, (uint32_t)y + (uint32_t)h > ch ?
	    (uint32_t)y + (uint32_t)h : ch, &err) == 0 &&
	    (rc = qscreen_update(scr, l->l_con, x, y, w, h, &px, &err)) == 0)
		qlisten_follow(l);
	if (rc != 0)
		return qlisten_refuse(l, m, "Update", &err);
	return sd_bus_reply_method_return(m, NULL);
}

/* The console's Width or Height changed (PropertiesChanged on the
 * display connection, the values in the signal): the primary follows. */
static int
qlisten_console_changed(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	const char *iface, *name;
	uint32_t v;

	(void)ret;
	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    strcmp(iface, QEMU_IFACE ".Console") != 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return 0;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &name) < 0)
			return 0;
		if ((strcmp(name, "Width") == 0 || strcmp(name, "Height") ==
		    0) && sd_bus_message_read(m, "v", "u", &v) >= 0)
			*(name[0] == 'W' ? &l->l_cw : &l->l_ch) = v;
		else if (sd_bus_message_skip(m, "v") < 0)
			return 0;
		if (sd_bus_message_exit_container(m) < 0)
			return 0;
	}
	qlisten_follow(l);
	return 0;
}

static int
qlisten_dmabuf(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	(void)arg;
	(void)ret;
	return sd_bus_reply_method_errorf(m, "org.qemu.Display1.Error."
	    "Unsupported", "spiced-qemu takes no DMABUF scanouts");
}

static int
qlisten_disable(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct spd_err err;

	(void)ret;
	/* The console has no picture for now: a mode change, or a monitor
	 * the guest turned off.  With several consoles its head goes
	 * until the next Scanout; one keeps its last picture. */
	log_debug("console %u disabled", l->l_q->q_cons[l->l_con].qc_id);
	qmap_end(l->l_map);
	if (qscreen_resize(l->l_q->q_screen, l->l_con, 0, 0, &err) == -1)
		log_warn("console disabled: %s", err.msg);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qlisten_mouse_set(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	int32_t x, y, on, ox, oy;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "iii", &x, &y, &on)) < 0)
		return r;
	/* The console's own coordinates; the cursor's are the primary's. */
	qscreen_origin(l->l_q->q_screen, l->l_con, &ox, &oy);
	qcursor_set(l->l_q->q_cursor, l->l_con,
	    x < INT32_MAX - ox ? x + ox : INT32_MAX, y + oy, on != 0);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qlisten_cursor_define(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct spd_err err;
	const void *data;
	size_t size;
	int32_t w, h, hx, hy;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "iiii", &w, &h, &hx, &hy)) < 0 ||
	    (r = sd_bus_message_read_array(m, 'y', &data, &size)) < 0)
		return r;
	if (qcursor_define(l->l_q->q_cursor, w, h, hx, hy, data, size,
	    &err) == -1)
		return qlisten_refuse(l, m, "CursorDefine", &err);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qlisten_scanout_map(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct spd_err err;
	uint32_t offset, w, h, stride, format;
	int fd, r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "huuuuu", &fd, &offset, &w, &h,
	    &stride, &format)) < 0)
		return r;
	log_debug("ScanoutMap %ux%u stride %u format 0x%x at offset %u", w,
	    h, stride, format, offset);
	if (qmap_scanout(l->l_map, l->l_q->q_screen, l->l_con, fd, offset, w,
	    h, stride, format, &err) == -1)
		return qlisten_refuse(l, m, "ScanoutMap", &err);
	qlisten_follow(l);
	return sd_bus_reply_method_return(m, NULL);
}

static int
qlisten_update_map(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	struct spd_err err;
	int32_t x, y, w, h;
	int r;

	(void)ret;
	if ((r = sd_bus_message_read(m, "iiii", &x, &y, &w, &h)) < 0)
		return r;
	if (qmap_update(l->l_map, l->l_q->q_screen, l->l_con, x, y, w, h,
	    &err) == -1)
		return qlisten_refuse(l, m, "UpdateMap", &err);
	return sd_bus_reply_method_return(m, NULL);
}

/* The optional interfaces the listener has, for QEMU 9.2 and later. */
static int
qlisten_interfaces(sd_bus *bus, const char *path, const char *iface,
    const char *prop, sd_bus_message *reply, void *arg, sd_bus_error *ret)
{
	(void)bus;
	(void)path;
	(void)iface;
	(void)prop;
	(void)arg;
	(void)ret;
	return sd_bus_message_append(reply, "as", 1, QLISTEN_MAP_IFACE);
}

static const sd_bus_vtable qlisten_map_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ScanoutMap", "huuuuu", "", qlisten_scanout_map, 0),
	SD_BUS_METHOD("UpdateMap", "iiii", "", qlisten_update_map, 0),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable qlisten_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Scanout", "uuuuay", "", qlisten_scanout, 0),
	SD_BUS_METHOD("Update", "iiiiuuay", "", qlisten_update, 0),
	SD_BUS_METHOD("ScanoutDMABUF", "huuuutb", "", qlisten_dmabuf, 0),
	SD_BUS_METHOD("UpdateDMABUF", "iiii", "", qlisten_dmabuf, 0),
	SD_BUS_METHOD("Disable", "", "", qlisten_disable, 0),
	SD_BUS_METHOD("MouseSet", "iii", "", qlisten_mouse_set, 0),
	SD_BUS_METHOD("CursorDefine", "iiiiay", "", qlisten_cursor_define, 0),
	SD_BUS_PROPERTY("Interfaces", "as", qlisten_interfaces, 0,
	    SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END
};

/* RegisterListener's answer: QEMU took the listener, or said why not. */
static int
qlisten_registered(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;
	const sd_bus_error *e;

	(void)ret;
	l->l_call = sd_bus_slot_unref(l->l_call);
	if ((e = sd_bus_message_get_error(m)) != NULL)
		qemu_quit(l->l_q, 1, "QEMU refused our display listener on %s:"
		    " %s", l->l_path, e->message != NULL ? e->message :
		    e->name);
	else
		log_debug("display listener on %s registered", l->l_path);
	return 0;
}

/* QEMU closed the listener's connection (it went away or dropped us). */
static int
qlisten_gone(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qlisten *l = arg;

	(void)m;
	(void)ret;
	qemu_quit(l->l_q, 1, "QEMU closed the display listener's connection "
	    "(%s)", l->l_path);
	return 0;
}

struct qlisten *
qlisten_new(struct qemu *q, unsigned con, struct spd_err *err)
{
	sd_bus_message *call = NULL;
	struct qlisten *l;
	int sv[2] = { -1, -1 }, r;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	l->l_q = q;
	l->l_con = con;
	l->l_path = q->q_cons[con].qc_path;
	if ((l->l_map = qmap_new((uint64_t)q->q_max_w * q->q_max_h)) == NULL) {
		spd_err_set(err, "out of memory");
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		spd_err_set(err, "socketpair: %s", strerror(errno));
		goto fail;
	}
	/* Our end first: its handshake must be ready to run as soon as
	 * QEMU starts waiting for it. */
	if ((r = sd_bus_new(&l->l_bus)) < 0 ||
	    (r = sd_bus_set_fd(l->l_bus, sv[0], sv[0])) < 0) {
		spd_err_set(err, "listener connection: %s", strerror(-r));
		goto fail;
	}
	sv[0] = -1;		/* the bus owns it */
	if ((r = sd_bus_add_object_vtable(l->l_bus, &l->l_vtable,
	    QLISTEN_PATH, QEMU_IFACE ".Listener", qlisten_vtable, l)) < 0 ||
	    (r = sd_bus_add_object_vtable(l->l_bus, &l->l_map_vtable,
	    QLISTEN_PATH, QLISTEN_MAP_IFACE, qlisten_map_vtable, l)) < 0 ||
	    (r = sd_bus_match_signal(l->l_bus, NULL, NULL, NULL,
	    "org.freedesktop.DBus.Local", "Disconnected", qlisten_gone,
	    l)) < 0 ||
	    (r = sd_bus_start(l->l_bus)) < 0 ||
	    (r = qemu_bus_attach(q, l->l_bus)) < 0) {
		spd_err_set(err, "listener connection: %s", strerror(-r));
		goto fail;
	}
	if ((r = sd_bus_match_signal(q->q_bus, &l->l_match, q->q_dest,
	    l->l_path, "org.freedesktop.DBus.Properties",
	    "PropertiesChanged", qlisten_console_changed, l)) < 0) {
		spd_err_set(err, "watching the console's size: %s",
		    strerror(-r));
		goto fail;
	}
	/* The call carries a copy of the fd (sd-bus dups it). */
	if ((r = sd_bus_message_new_method_call(q->q_bus, &call, q->q_dest,
	    l->l_path, QEMU_IFACE ".Console", "RegisterListener")) < 0 ||
	    (r = sd_bus_message_append(call, "h", sv[1])) < 0 ||
	    (r = sd_bus_call_async(q->q_bus, &l->l_call, call,
	    qlisten_registered, l, 0)) < 0) {
		spd_err_set(err, "RegisterListener: %s", strerror(-r));
		goto fail;
	}
	sd_bus_message_unref(call);
	close(sv[1]);
	return l;
fail:
	sd_bus_message_unref(call);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	qlisten_free(l);
	return NULL;
}

void
qlisten_free(struct qlisten *l)
{
	if (l == NULL)
		return;
	sd_bus_slot_unref(l->l_call);
	sd_bus_slot_unref(l->l_match);
	sd_bus_slot_unref(l->l_vtable);
	sd_bus_slot_unref(l->l_map_vtable);
	qmap_free(l->l_map);
	if (l->l_bus != NULL)
		sd_bus_flush_close_unref(l->l_bus);
	free(l);
}
