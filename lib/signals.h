/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Clean-up on SIGINT/SIGTERM/SIGHUP without handlers or global flags: the
 * signals are blocked and read from a signalfd that the tool polls next to
 * its devices, so release paths run in normal context, never in a handler.
 */
#ifndef HV_SIGNALS_H
#define HV_SIGNALS_H

#include <signal.h>

struct hv_signals {
	int fd;
	sigset_t old_mask;
};

/* Blocks SIGINT, SIGTERM, SIGHUP (and SIGCHLD if with_child) and opens the signalfd. */
int hv_signals_block(struct hv_signals *s, int with_child);
/* Returns the pending signal number, 0 if none, -errno on error. Non-blocking. */
int hv_signals_pending(struct hv_signals *s);
/* Restores the old mask and closes the fd; call in a child before exec too. */
void hv_signals_restore(struct hv_signals *s);
/* Shell convention for "ended by signal n". */
static inline int hv_signal_exit_code(int signo)
{
	return 128 + signo;
}

#endif
