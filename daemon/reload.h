/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reload: apply a changed configuration file to a running spiced
 * (SIGHUP, `systemctl reload spiced`).  What applies and what waits for a
 * restart is listed in reload.c and spiced(8).
 */
#ifndef SPICED_RELOAD_H
#define SPICED_RELOAD_H

#include "conf.h"
#include "err.h"
#include "spiced.h"

struct auth_keypool;

/*
 * Read path again and apply it to the live configuration and the
 * display table (CONF_MAX_DISPLAYS slots, slot i configured by
 * live->c_displays[i]; an empty cd_name marks a free slot).  A file that
 * does not parse returns -1 with err naming the file and line, and
 * nothing changes; otherwise 0, with each change logged.
 */
int	reload_apply(const char *path, struct conf *live,
	    struct display *displays, struct auth_keypool *keys,
	    struct spd_err *err);

#endif
