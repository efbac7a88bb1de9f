/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ticket-keep: see ticket-keep.h. */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activation.h"
#include "auth-ticket.h"
#include "display.h"
#include "log.h"
#include "service.h"
#include "ticket-keep.h"
#include "ticket-keep-fmt.h"

static const char *
tkeep_conf_password(const struct display *d, uint32_t kind)
{
	return kind == TKEEP_TICKET ? d->d_conf->cd_password :
	    kind == TKEEP_VIEW ? d->d_conf->cd_password_view : "";
}

/* One record of display d's ticket t of kind. */
static void
tkeep_rec_fill(struct tkeep_rec *r, const struct display *d,
    const struct auth_ticket *t, uint32_t kind)
{
	snprintf(r->tr_display, sizeof(r->tr_display), "%s", d->d_name);
	r->tr_kind = kind;
	auth_ticket_password(t, r->tr_password);
	r->tr_expires = (int64_t)auth_ticket_expiry(t);
	snprintf(r->tr_conf, sizeof(r->tr_conf), "%s",
	    tkeep_conf_password(d, kind));
}

static const char *const tkeep_names[] = {
	[TKEEP_TICKET] = "ticket set at run time",
	[TKEEP_VIEW] = "view-only ticket set at run time",
	[TKEEP_ONCE] = "one-time ticket (spicectl vv)",
	[TKEEP_ONCE_VIEW] = "view-only one-time ticket (spicectl vv)",
};

void
tkeep_save(struct display *ds, size_t n)
{
	struct tkeep_rec rec[TKEEP_MAX];
	uint32_t magic = TKEEP_MAGIC, count = 0;
	const struct auth_ticket *o;
	size_t i;
	int fd, kind;
	time_t exp;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < n; i++) {
		if (ds[i].d_conf == NULL)
			continue;
		for (kind = 0; kind < 2; kind++)
			if (ds[i].d_ticket_runtime[kind])
				tkeep_rec_fill(&rec[count++], &ds[i], kind ?
				    ds[i].d_ticket_view : ds[i].d_ticket,
				    kind ? TKEEP_VIEW : TKEEP_TICKET);
		o = ds[i].d_ticket_once;
		if (o != NULL && auth_ticket_has_password(o) &&
		    ((exp = auth_ticket_expiry(o)) == 0 || exp > time(NULL)))
			tkeep_rec_fill(&rec[count++], &ds[i], o,
			    ds[i].d_policy.once_view_only ? TKEEP_ONCE_VIEW :
			    TKEEP_ONCE);
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
		(void)svc_fdstore_put(fd, ACT_TICKETS_NAME, 1);
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
	struct display *d;
	uint32_t count = 0, k;
	ssize_t len;
	int fd, once;

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
		if ((d = display_find(ds, n, rec[k].tr_display)) == NULL ||
		    strcmp(rec[k].tr_conf, tkeep_conf_password(d,
		    rec[k].tr_kind)) != 0)
			continue;	/* gone, or its configuration changed */
		once = rec[k].tr_kind >= TKEEP_ONCE;
		t = once ? d->d_ticket_once : rec[k].tr_kind == TKEEP_VIEW ?
		    d->d_ticket_view : d->d_ticket;
		if (auth_ticket_disabled(d->d_ticket) ||
		    d->d_conf->cd_sasl ||
		    auth_ticket_set_password(t, rec[k].tr_password, &err) != 0)
			continue;
		auth_ticket_set_expiry(t, (time_t)rec[k].tr_expires);
		if (once)
			/* One session again: the .vv not yet opened, or the
			 * viewer that used it linking anew. */
			display_once_arm(d,
			    rec[k].tr_kind == TKEEP_ONCE_VIEW);
		else
			d->d_ticket_runtime[rec[k].tr_kind] = 1;
		log_info("display \"%s\": %s kept from the previous run",
		    d->d_name, tkeep_names[rec[k].tr_kind]);
	}
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(rec, sizeof(rec));
	/* Stored again as this run has them (or forgotten). */
	tkeep_save(ds, n);
}
