/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * log-journal: structured journal entries for the supervisor's log lines
 * under systemd (see log-journal.c for the fields).
 */
#ifndef SPICED_LOG_JOURNAL_H
#define SPICED_LOG_JOURNAL_H

/* If $JOURNAL_STREAM says stderr is the journal, send log lines to the
 * journal with their fields from now on and return 1; else 0 (plain
 * stderr lines, as before).  A line the journal refuses goes to stderr. */
int	log_journal_start(void);

#endif
