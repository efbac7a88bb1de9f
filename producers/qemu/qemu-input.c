/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-input: see qemu-input.h.  QEMU numbers buttons from 0 (left,
 * middle, right, wheel up, wheel down, side, extra), SPICE from 1; keys
 * are the same numbers on both sides (0x80 | code for E0 keys).  QEMU's
 * Modifiers bits (scroll, num, caps lock LEDs) are SPICE's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qemu-input.h"
#include "qemu-screen.h"

struct qinput {
	struct qemu	*i_q;
	sd_bus_slot	*i_match;	/* PropertiesChanged */
	sd_event_source	*i_io;		/* spiced's input socket */
	int		 i_abs;		/* Mouse.IsAbsolute */
	uint32_t	 i_leds;	/* Keyboard.Modifiers */
	unsigned	 i_con;		/* the pointer's console */
};

/* A call QEMU answers but nobody waits for. */
static void
qinput_call(struct qinput *in, unsigned con, const char *iface,
    const char *member, const char *sig, uint32_t a, uint32_t b)
{
	sd_bus *bus = in->i_q->q_bus;
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, in->i_q->q_dest,
	    in->i_q->q_cons[con].qc_path, iface, member);
	if (r >= 0)
		r = sd_bus_message_set_expect_reply(m, 0);
	if (r >= 0 && sig[0] != '\0')
		r = sig[1] == '\0' ? sd_bus_message_append(m, sig, a) :
		    sd_bus_message_append(m, sig, a, b);
	if (r >= 0)
		r = sd_bus_send(bus, m, NULL);
	if (r < 0)
		log_warn("input to QEMU (%s.%s): %s", iface, member,
		    strerror(-r));
	sd_bus_message_unref(m);
}

static void
qinput_event(const struct qxlshm_input_event *ev, void *arg)
{
	struct qinput *in = arg;
	int32_t x = ev->x, y = ev->y;
	int con;

	switch (ev->type) {
	case QXLSHM_IN_KEY_DOWN:
	case QXLSHM_IN_KEY_UP:
		qinput_call(in, 0, QEMU_IFACE ".Keyboard", ev->type ==
		    QXLSHM_IN_KEY_DOWN ? "Press" : "Release", "u",
		    (uint32_t)ev->x & QXLSHM_KEY_MAX, 0);
		break;
	case QXLSHM_IN_MOTION:
		qinput_call(in, in->i_con, QEMU_IFACE ".Mouse", "RelMotion",
		    "ii", (uint32_t)ev->x, (uint32_t)ev->y);
		break;
	case QXLSHM_IN_POSITION:
		if (x < 0 || y < 0 || (con = qscreen_locate(in->i_q->q_screen,
		    ev->display, &x, &y)) == -1)
			break;
		in->i_con = (unsigned)con;
		qinput_call(in, in->i_con, QEMU_IFACE ".Mouse",
		    "SetAbsPosition", "uu", (uint32_t)x, (uint32_t)y);
		break;
	case QXLSHM_IN_BUTTON_DOWN:
	case QXLSHM_IN_BUTTON_UP:
		if (ev->x >= 1 && ev->x <= 7)
			qinput_call(in, in->i_con, QEMU_IFACE ".Mouse",
			    ev->type ==
			    QXLSHM_IN_BUTTON_DOWN ? "Press" : "Release", "u",
			    (uint32_t)ev->x - 1, 0);
		break;
	default:
		break;
	}
}

static int
qinput_io_cb(sd_event_source *es, int fd, uint32_t revents, void *arg)
{
	struct qinput *in = arg;

	(void)es;
	(void)fd;
	(void)revents;
	if (qxlshm_handle_input(in->i_q->q_shm) == -1)
		qemu_quit(in->i_q, 1, "spiced: %s",
		    qxlshm_error(in->i_q->q_shm));
	return 0;
}

static void
qinput_set_abs(struct qinput *in, int abs)
{
	if (abs == in->i_abs)
		return;
	in->i_abs = abs;
	log_info("the console takes %s", abs ? "absolute positions "
	    "(client mouse mode)" : "relative motion (server mouse mode)");
	if (qxlshm_input_flags(in->i_q->q_shm, abs ? QXLSHM_INPUT_ABSOLUTE :
	    0) == -1)
		qemu_quit(in->i_q, 1, "spiced: %s",
		    qxlshm_error(in->i_q->q_shm));
}

static void
qinput_set_leds(struct qinput *in, uint32_t leds)
{
	leds &= QXLSHM_LED_SCROLL | QXLSHM_LED_NUM | QXLSHM_LED_CAPS;
	if (leds == in->i_leds)
		return;
	in->i_leds = leds;
	if (qxlshm_set_leds(in->i_q->q_shm, leds) == -1)
		qemu_quit(in->i_q, 1, "spiced: %s",
		    qxlshm_error(in->i_q->q_shm));
}

/* PropertiesChanged (s interface, a{sv} changed, as invalidated): only
 * IsAbsolute and Modifiers matter.  A malformed signal is ignored. */
static int
qinput_changed_cb(sd_bus_message *m, void *arg, sd_bus_error *ret)
{
	struct qinput *in = arg;
	const char *iface, *name;
	uint32_t u;
	int b, r;

	(void)ret;
	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return 0;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if (sd_bus_message_read(m, "s", &name) < 0)
			return 0;
		if (strcmp(iface, QEMU_IFACE ".Mouse") == 0 &&
		    strcmp(name, "IsAbsolute") == 0 &&
		    sd_bus_message_read(m, "v", "b", &b) >= 0)
			qinput_set_abs(in, b != 0);
		else if (strcmp(iface, QEMU_IFACE ".Keyboard") == 0 &&
		    strcmp(name, "Modifiers") == 0 &&
		    sd_bus_message_read(m, "v", "u", &u) >= 0)
			qinput_set_leds(in, u);
		else if (sd_bus_message_skip(m, "v") < 0)
			return 0;
		if (sd_bus_message_exit_container(m) < 0)
			return 0;
	}
	return 0;
}

struct qinput *
qinput_new(struct qemu *q, struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct qinput *in;
	uint32_t leds = 0;
	int abs = 0, r;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		spd_err_set(err, "out of memory");
		return NULL;
	}
	in->i_q = q;
	/* Watched before they are read: a change in between is a signal,
	 * never lost. */
	if ((r = sd_bus_match_signal(q->q_bus, &in->i_match, q->q_dest,
	    q->q_cons[0].qc_path, "org.freedesktop.DBus.Properties",
	    "PropertiesChanged", qinput_changed_cb, in)) < 0) {
		spd_err_set(err, "watching the console's properties: %s",
		    strerror(-r));
		goto fail;
	}
	if ((r = sd_bus_get_property_trivial(q->q_bus, q->q_dest,
	    q->q_cons[0].qc_path, QEMU_IFACE ".Mouse", "IsAbsolute", &e, 'b',
	    &abs)) < 0) {
		spd_err_set(err, "reading the console's Mouse.IsAbsolute: %s",
		    e.message != NULL ? e.message : strerror(-r));
		goto fail;
	}
	(void)sd_bus_get_property_trivial(q->q_bus, q->q_dest,
	    q->q_cons[0].qc_path, QEMU_IFACE ".Keyboard", "Modifiers", &e, 'u',
	    &leds);
	sd_bus_error_free(&e);
	in->i_abs = abs != 0;
	if (qxlshm_input_open(q->q_shm, in->i_abs ? QXLSHM_INPUT_ABSOLUTE :
	    0, qinput_event, in) == -1) {
		spd_err_set(err, "spiced: %s", qxlshm_error(q->q_shm));
		goto fail;
	}
	if (sd_event_add_io(q->q_event, &in->i_io,
	    qxlshm_input_fd(q->q_shm), EPOLLIN, qinput_io_cb, in) < 0) {
		spd_err_set(err, "sd_event_add_io failed");
		goto fail;
	}
	log_info("the console takes %s", in->i_abs ? "absolute positions "
	    "(client mouse mode)" : "relative motion (server mouse mode)");
	qinput_set_leds(in, leds);
	return in;
fail:
	sd_bus_error_free(&e);
	qinput_free(in);
	return NULL;
}

void
qinput_free(struct qinput *in)
{
	if (in == NULL)
		return;
	sd_event_source_unref(in->i_io);
	sd_bus_slot_unref(in->i_match);
	free(in);
}
