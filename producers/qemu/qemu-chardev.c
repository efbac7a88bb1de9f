/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-chardev: see qemu-chardev.h.  GetManagedObjects on
 * /org/qemu/Display1 answers a{oa{sa{sv}}}; the chardevs are the objects
 * with org.qemu.Display1.Chardev, their Name a property of it.
 */
#include <stdio.h>
#include <string.h>

#include "qemu-chardev.h"

/* Inside an object's a{sa{sv}}: the Chardev interface's Name, into
 * name (empty if absent).  0, or -1 on a malformed message. */
static int
qchardev_object(sd_bus_message *m, char *name, size_t len)
{
	const char *iface, *prop, *v;

	name[0] = '\0';
	if (sd_bus_message_enter_container(m, 'a', "{sa{sv}}") < 0)
		return -1;
	while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
		if (sd_bus_message_read(m, "s", &iface) < 0 ||
		    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
			return -1;
		while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
			if (sd_bus_message_read(m, "s", &prop) < 0)
				return -1;
			if (strcmp(iface, QEMU_IFACE ".Chardev") == 0 &&
			    strcmp(prop, "Name") == 0) {
				if (sd_bus_message_read(m, "v", "s", &v) < 0)
					return -1;
				snprintf(name, len, "%s", v);
			} else if (sd_bus_message_skip(m, "v") < 0)
				return -1;
			if (sd_bus_message_exit_container(m) < 0)
				return -1;
		}
		if (sd_bus_message_exit_container(m) < 0 ||
		    sd_bus_message_exit_container(m) < 0)
			return -1;
	}
	return sd_bus_message_exit_container(m) < 0 ? -1 : 0;
}

int
qchardev_list(struct qemu *q, struct qchardev *out, int max,
    struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	char name[64];
	int r, n = 0;

	if ((r = sd_bus_call_method(q->q_bus, q->q_dest, "/org/qemu/Display1",
	    "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &e,
	    &reply, "")) < 0) {
		spd_err_set(err, "listing QEMU's display objects: %s",
		    e.message != NULL ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return -1;
	}
	if (sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
		goto bad;
	while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
		if (sd_bus_message_read(reply, "o", &path) < 0 ||
		    qchardev_object(reply, name, sizeof(name)) < 0 ||
		    sd_bus_message_exit_container(reply) < 0)
			goto bad;
		/* Names and paths that do not fit are not ours to serve. */
		if (name[0] == '\0' || n == max ||
		    strlen(path) >= sizeof(out[n].cd_path) ||
		    strlen(name) >= sizeof(out[n].cd_name) - 1)
			continue;
		snprintf(out[n].cd_path, sizeof(out[n].cd_path), "%s", path);
		snprintf(out[n].cd_name, sizeof(out[n].cd_name), "%s", name);
		n++;
	}
	sd_bus_message_unref(reply);
	return n;
bad:
	sd_bus_message_unref(reply);
	return spd_err_set(err, "QEMU's object list is malformed");
}

int
qchardev_register(struct qemu *q, const struct qchardev *cd, int fd,
    int *opened, struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r, b = 0;

	if ((r = sd_bus_call_method(q->q_bus, q->q_dest, cd->cd_path,
	    QEMU_IFACE ".Chardev", "Register", &e, NULL, "h", fd)) < 0) {
		spd_err_set(err, "registering on QEMU's chardev %s: %s",
		    cd->cd_name, e.message != NULL ? e.message :
		    strerror(-r));
		sd_bus_error_free(&e);
		return -1;
	}
	(void)sd_bus_get_property_trivial(q->q_bus, q->q_dest, cd->cd_path,
	    QEMU_IFACE ".Chardev", "FEOpened", &e, 'b', &b);
	sd_bus_error_free(&e);
	*opened = b != 0;
	return 0;
}

int
qchardev_opened_changed(sd_bus_message *m)
{
	const char *iface, *name;
	int b, r, opened = -1;

	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    strcmp(iface, QEMU_IFACE ".Chardev") != 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return -1;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		if (sd_bus_message_read(m, "s", &name) < 0)
			return -1;
		if (strcmp(name, "FEOpened") == 0 &&
		    sd_bus_message_read(m, "v", "b", &b) >= 0)
			opened = b != 0;
		else if (sd_bus_message_skip(m, "v") < 0)
			return -1;
		if (sd_bus_message_exit_container(m) < 0)
			return -1;
	}
	return opened;
}
