/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* service: sd_notify for the supervisor; see service.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "mono-time.h"
#include "producer.h"
#include "service.h"

#define SVC_BARRIER_US	(5 * 1000 * 1000)

static struct display	*svc_displays;
static size_t		 svc_ndisplays;
static struct event	*svc_watchdog;
static void		(*svc_change_hook)(int at_once);

void
svc_on_change(void (*hook)(int at_once))
{
	svc_change_hook = hook;
}

void
svc_changed(void)
{
	if (svc_change_hook != NULL)
		svc_change_hook(0);
}

void
svc_changed_now(void)
{
	if (svc_change_hook != NULL)
		svc_change_hook(1);
}

static void
svc_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)sd_notify(0, "WATCHDOG=1");
}

int
svc_ready(struct display *displays, size_t n, struct spd_err *err)
{
	struct timeval tv;
	uint64_t usec;
	int rc;

	svc_displays = displays;
	svc_ndisplays = n;
	if ((rc = sd_watchdog_enabled(1, &usec)) < 0)
		return spd_err_set(err, "systemd watchdog settings: %s",
		    strerror(-rc));
	if (rc > 0) {
		/* Twice per period, as sd_watchdog_enabled(3) advises. */
		usec /= 2;
		tv.tv_sec = (time_t)(usec / 1000000);
		tv.tv_usec = (suseconds_t)(usec % 1000000);
		if ((svc_watchdog = event_new(spiced_base, -1, EV_PERSIST,
		    svc_watchdog_cb, NULL)) == NULL ||
		    event_add(svc_watchdog, &tv) != 0)
			return spd_err_set(err, "cannot start the systemd "
			    "watchdog timer");
		log_debug("systemd watchdog: keep-alive every %llu us",
		    (unsigned long long)usec);
	}
	(void)sd_notify(0, "READY=1");
	svc_status();
	return 0;
}

void
svc_status(void)
{
	unsigned producers = 0, sessions = 0, displays = 0;
	size_t i;

	svc_changed();

	for (i = 0; i < svc_ndisplays; i++) {
		if (svc_displays[i].d_conf == NULL)
			continue;
		displays++;
		if (producer_running(&svc_displays[i]))
			producers++;
		sessions += (unsigned)svc_displays[i].d_nsessions;
	}
	(void)sd_notifyf(0, "STATUS=%u display%s, %u producer%s attached, "
	    "%u session%s", displays, displays == 1 ? "" : "s",
	    producers, producers == 1 ? "" : "s", sessions,
	    sessions == 1 ? "" : "s");
}

void
svc_reloading(int begin)
{
	if (begin)
		(void)sd_notify(0, "RELOADING=1");
	else {
		(void)sd_notify(0, "READY=1");
		svc_status();
	}
}

void
svc_stopping(void)
{
	if (svc_watchdog != NULL) {
		event_free(svc_watchdog);
		svc_watchdog = NULL;
	}
	(void)sd_notify(0, "STOPPING=1");
}

int
svc_fdstore_put(int fd, const char *name, int poll)
{
	char msg[160];
	int rc;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return -1;
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s%s", name,
	    poll ? "" : "\nFDPOLL=0");
	if ((rc = sd_pid_notify_with_fds(0, 0, msg, &fd, 1)) <= 0) {
		log_warn("fd store: cannot keep \"%s\": %s", name,
		    rc < 0 ? strerror(-rc) : "no notification socket");
		return -1;
	}
	return 0;
}

int
svc_barrier(void)
{
	uint64_t now, deadline;
	int rc;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	/* Five seconds: systemd answers at once unless it is wedged.  A
	 * signal (a worker ending as we stop) interrupts the wait: ask
	 * again, each barrier being a new pipe of its own. */
	now = mono_ns() / 1000;
	deadline = now + SVC_BARRIER_US;
	while ((rc = sd_notify_barrier(0, deadline - now)) == -EINTR &&
	    (now = mono_ns() / 1000) < deadline)
		;
	if (rc < 0) {
		log_warn("systemd did not confirm our notifications: %s",
		    strerror(-rc));
		return -1;
	}
	return 0;
}

void
svc_fdstore_forget(const char *name)
{
	(void)sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
}
