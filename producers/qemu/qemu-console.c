/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qemu-console: see qemu-console.h.  What QEMU answers is bounded before
 * it is used: at most QEMU_MAX_CONSOLES are shown, and a console list
 * longer than QCONSOLE_MAX_IDS is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qemu-console.h"

#define QCONSOLE_VM_PATH	"/org/qemu/Display1/VM"
#define QCONSOLE_MAX_IDS	256	/* VM.ConsoleIDs we read at most */

/* Read a string property of console path (freed by the caller). */
static int
qconsole_string(struct qemu *q, const char *path, const char *prop,
    char **out, struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	*out = NULL;
	if ((r = sd_bus_get_property_string(q->q_bus, q->q_dest, path,
	    QEMU_IFACE ".Console", prop, &e, out)) < 0) {
		spd_err_set(err, "QEMU's console %s: %s", path,
		    e.message != NULL ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return -1;
	}
	return 0;
}

static void
qconsole_path(char *buf, size_t len, uint32_t id)
{
	snprintf(buf, len, "/org/qemu/Display1/Console_%u", id);
}

/* Add console id to those shown; its label goes to the log. */
static int
qconsole_add(struct qemu *q, uint32_t id, struct spd_err *err)
{
	struct qemu_con *c;
	char *label;
	unsigned i;

	for (i = 0; i < q->q_ncons; i++)
		if (q->q_cons[i].qc_id == id)
			return spd_err_set(err, "console %u given twice", id);
	if (q->q_ncons == QEMU_MAX_CONSOLES)
		return spd_err_set(err, "more than %d consoles",
		    QEMU_MAX_CONSOLES);
	c = &q->q_cons[q->q_ncons];
	c->qc_id = id;
	qconsole_path(c->qc_path, sizeof(c->qc_path), id);
	if (qconsole_string(q, c->qc_path, "Label", &label, err) == -1)
		return -1;
	log_info("QEMU console %s (%s)%s", c->qc_path, label,
	    q->q_ncons > 0 ? ", a monitor more" : "");
	free(label);
	q->q_ncons++;
	return 0;
}

/* Every graphic console QEMU has, in its order. */
static int
qconsole_all(struct qemu *q, struct spd_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	uint32_t ids[QCONSOLE_MAX_IDS], id;
	unsigned i, n = 0, skipped = 0;
	char path[64], *type;
	int graphic, r;

	if ((r = sd_bus_get_property(q->q_bus, q->q_dest, QCONSOLE_VM_PATH,
	    QEMU_IFACE ".VM", "ConsoleIDs", &e, &reply, "au")) < 0) {
		spd_err_set(err, "QEMU's console list (VM.ConsoleIDs): %s",
		    e.message != NULL ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return -1;
	}
	if ((r = sd_bus_message_enter_container(reply, 'a', "u")) >= 0)
		while (n < QCONSOLE_MAX_IDS &&
		    (r = sd_bus_message_read(reply, "u", &id)) > 0)
			ids[n++] = id;
	sd_bus_message_unref(reply);
	if (r < 0)
		return spd_err_set(err, "QEMU's console list: %s",
		    strerror(-r));
	if (n == QCONSOLE_MAX_IDS)
		return spd_err_set(err, "QEMU lists %d consoles or more",
		    QCONSOLE_MAX_IDS);
	for (i = 0; i < n; i++) {
		qconsole_path(path, sizeof(path), ids[i]);
		if (qconsole_string(q, path, "Type", &type, err) == -1)
			return -1;
		graphic = strcmp(type, "Graphic") == 0;
		free(type);
		if (!graphic)
			continue;
		if (q->q_ncons == QEMU_MAX_CONSOLES)
			skipped++;
		else if (qconsole_add(q, ids[i], err) == -1)
			return -1;
	}
	if (skipped > 0)
		log_warn("%u graphic consoles more than the %d shown left out",
		    skipped, QEMU_MAX_CONSOLES);
	if (q->q_ncons == 0)
		return spd_err_set(err, "QEMU has no graphic console");
	return 0;
}

int
qconsole_pick(struct qemu *q, const uint32_t *want, unsigned n,
    struct spd_err *err)
{
	unsigned i;

	q->q_ncons = 0;
	if (n == 0)
		return qconsole_all(q, err);
	for (i = 0; i < n; i++)
		if (qconsole_add(q, want[i], err) == -1)
			return -1;
	return 0;
}
