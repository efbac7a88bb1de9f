/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ticket-keep: see ticket-keep.h. */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "auth-ticket.h"
#include "log.h"
#include "service.h"
#include "ticket-keep.h"
#include "ticket-keep-fmt.h"

static const char *
tkeep_conf_password(const struct display *d, int kind)
{
	return kind ? d->d_conf->cd_password_view : d->d_conf->cd_password;
}

void
tkeep_save(struct display *ds, size_t n)
{
	struct tkeep_rec rec[TKEEP_MAX];
	uint32_t magic = TKEEP_MAGIC, count = 0;
	const struct auth_ticket *t;
	size_t i;
	int fd, kind;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < n; i++) {
		if (ds[i].d_conf == NULL)
			continue;
		for (kind = 0; kind < 2; kind++) {
			if (!ds[i].d_ticket_runtime[kind])
				continue;
			t = kind ? ds[i].d_ticket_view : ds[i].d_ticket;
			snprintf(rec[count].tr_display,
			    sizeof(rec[count].tr_display), "%s", ds[i].d_name);
			rec[count].tr_kind = (uint32_t)kind;
			auth_ticket_password(t, rec[count].tr_password);
			rec[count].tr_expires = (int64_t)auth_ticket_expiry(t);
			snprintf(rec[count].tr_conf, sizeof(rec[count].tr_conf),
			    "%s", tkeep_conf_password(&ds[i], kind));
			count++;
		}
	}
	svc_fdstore_forget(ACT_TICKETS_NAME);
	if (count == 0)
		goto out;
	if ((fd = memfd_create("spiced-tickets", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0) {
		log_warn("tickets set at run time will not outlive a restart: "
		    "memfd_create: %s", strerror(errno));
		goto out;
	}
	if (write(fd, &magic, sizeof(magic)) != sizeof(magic) ||
	    write(fd, &count, sizeof(count)) != sizeof(count) ||
	    write(fd, rec, count * sizeof(rec[0])) !=
	    (ssize_t)(count * sizeof(rec[0])) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) != 0)
		log_warn("tickets set at run time will not outlive a restart: "
		    "writing them: %s", strerror(errno));
	else
		svc_fdstore_put(fd, ACT_TICKETS_NAME);
	close(fd);
out:
	explicit_bzero(rec, sizeof(rec));
}

void
tkeep_restore(struct display *ds, size_t n)
{
	static uint8_t buf[TKEEP_MAX_BYTES + 1];
	static struct tkeep_rec rec[TKEEP_MAX];
	struct spd_err err;
	struct auth_ticket *t;
	uint32_t count = 0, k;
	ssize_t len;
	size_t i;
	int fd;

	if ((fd = act_take_tickets()) < 0)
		return;
	if ((len = pread(fd, buf, sizeof(buf), 0)) < 0 ||
	    tkeep_parse(buf, (size_t)len, rec, &count, &err) != 0) {
		log_warn("fd store: the kept tickets are unreadable (%s); the "
		    "configuration's stand", len < 0 ? strerror(errno) :
		    err.msg);
		count = 0;
	}
	close(fd);
	for (k = 0; k < count; k++) {
		for (i = 0; i < n; i++)
			if (ds[i].d_conf != NULL &&
			    strcmp(ds[i].d_name, rec[k].tr_display) == 0)
				break;
		if (i == n || strcmp(rec[k].tr_conf, tkeep_conf_password(
		    &ds[i], (int)rec[k].tr_kind)) != 0)
			continue;	/* gone, or its configuration changed */
		t = rec[k].tr_kind ? ds[i].d_ticket_view : ds[i].d_ticket;
		if (auth_ticket_disabled(ds[i].d_ticket) ||
		    auth_ticket_set_password(t, rec[k].tr_password, &err) != 0)
			continue;
		auth_ticket_set_expiry(t, (time_t)rec[k].tr_expires);
		ds[i].d_ticket_runtime[rec[k].tr_kind] = 1;
		log_info("display \"%s\": %s set at run time kept from the "
		    "previous run", ds[i].d_name, rec[k].tr_kind ?
		    "view-only ticket" : "ticket");
	}
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(rec, sizeof(rec));
	/* Stored again as this run has them (or forgotten). */
	tkeep_save(ds, n);
}
