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

#define TKEEP_MAGIC	0x314b5454u	/* "TTK1" */

/* One ticket: fixed size, little-endian as this host writes it (the same
 * host reads it back). */
struct tkeep_rec {
	char		tr_display[CONF_NAME_LEN];
	uint32_t	tr_kind;	/* 0: the ticket, 1: view-only */
	char		tr_password[AUTH_TICKET_PASSWORD_MAX + 1];
	int64_t		tr_expires;
	/* The configured password when it was set, so that a later
	 * change of spiced.conf wins over it. */
	char		tr_conf[AUTH_TICKET_PASSWORD_MAX + 1];
} __attribute__((packed));

#define TKEEP_MAX	(2 * CONF_MAX_DISPLAYS)

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
	struct tkeep_rec rec;
	struct spd_err err;
	uint32_t magic, count = 0, k;
	struct auth_ticket *t;
	size_t i;
	int fd, applied = 0;

	if ((fd = act_take_tickets()) < 0)
		return;
	if (pread(fd, &magic, sizeof(magic), 0) != sizeof(magic) ||
	    pread(fd, &count, sizeof(count), 4) != sizeof(count) ||
	    magic != TKEEP_MAGIC || count > TKEEP_MAX) {
		log_warn("fd store: the kept tickets are unreadable; the "
		    "configuration's stand");
		goto out;
	}
	for (k = 0; k < count; k++) {
		if (pread(fd, &rec, sizeof(rec), 8 + (off_t)k * sizeof(rec)) !=
		    sizeof(rec) || rec.tr_kind > 1 ||
		    memchr(rec.tr_display, '\0', sizeof(rec.tr_display)) ==
		    NULL || memchr(rec.tr_password, '\0',
		    sizeof(rec.tr_password)) == NULL ||
		    memchr(rec.tr_conf, '\0', sizeof(rec.tr_conf)) == NULL)
			break;
		for (i = 0; i < n; i++)
			if (ds[i].d_conf != NULL &&
			    strcmp(ds[i].d_name, rec.tr_display) == 0)
				break;
		if (i == n || strcmp(rec.tr_conf, tkeep_conf_password(&ds[i],
		    (int)rec.tr_kind)) != 0)
			continue;	/* gone, or its configuration changed */
		t = rec.tr_kind ? ds[i].d_ticket_view : ds[i].d_ticket;
		if (auth_ticket_disabled(ds[i].d_ticket) ||
		    auth_ticket_set_password(t, rec.tr_password, &err) != 0)
			continue;
		auth_ticket_set_expiry(t, (time_t)rec.tr_expires);
		ds[i].d_ticket_runtime[rec.tr_kind] = 1;
		applied++;
		log_info("display \"%s\": %s set at run time kept from the "
		    "previous run", ds[i].d_name, rec.tr_kind ?
		    "view-only ticket" : "ticket");
	}
out:
	explicit_bzero(&rec, sizeof(rec));
	close(fd);
	/* Stored again as this run has them (or forgotten). */
	if (applied > 0 || count > 0)
		tkeep_save(ds, n);
}
