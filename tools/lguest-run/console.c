// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console thread: stdin to the UART (raw mode on a terminal, with
 * Ctrl-A x to quit and Ctrl-A Ctrl-A for a literal Ctrl-A), the --timeout
 * deadline, SIGINT/SIGTERM/SIGHUP through the signalfd, and guest output
 * to stdout: each line when the UART kicks, a prompt without a newline at
 * the next tick, and never a write that waits on the reader (serial.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "lguest-run.h"

#define CTRL_A	      0x01
#define FLUSH_MS      50
#define HALT_CHECK_NS 250000000ULL /* how often the vCPU looks for a powered-off guest */

/* Feeds input to the guest, interpreting the escape in raw mode. */
static void input(struct lg *lg, const uint8_t *buf, unsigned len)
{
	uint8_t out[512];
	unsigned n = 0;

	for (unsigned i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (lg->raw && lg->escape_pending) {
			lg->escape_pending = false;
			if (c == 'x' || c == 'X') {
				lg_request_stop(lg, LG_STOP_ESCAPE, LG_EXIT_ESCAPE);
				return;
			}
			if (c != CTRL_A)
				out[n++] = CTRL_A;
			out[n++] = c;
			continue;
		}
		if (lg->raw && c == CTRL_A) {
			lg->escape_pending = true;
			continue;
		}
		out[n++] = c;
	}
	/* Room was checked before reading; the UART drops nothing here. */
	lg_uart_feed(lg, out, n);
}

int lg_setup_interrupted(struct lg *lg)
{
	int sig = lg->sigs_blocked ? hv_signals_pending(&lg->sigs) : 0;

	if (sig > 0) {
		lg_request_stop(lg, LG_STOP_SIGNAL, hv_signal_exit_code(sig));
		return hv_signal_exit_code(sig);
	}
	if (lg->timeout_ms && hv_now_ns() >= lg->t_start_ns + lg->timeout_ms * 1000000ULL) {
		lg_request_stop(lg, LG_STOP_TIMEOUT, LG_EXIT_TIMEOUT);
		if (!lg->common.quiet)
			hv_err(0, NULL, "--timeout expired while setting up the guest");
		return LG_EXIT_TIMEOUT;
	}
	return 0;
}

static void *console_thread(void *arg)
{
	struct lg *lg = arg;
	bool stdin_open = lg->stdin_fd >= 0;
	uint64_t deadline = lg->timeout_ms ? lg->t_start_ns + lg->timeout_ms * 1000000ULL : 0;
	uint64_t next_kick = hv_now_ns() + HALT_CHECK_NS;

	while (atomic_load(&lg->stop) == LG_RUNNING) {
		struct pollfd pfd[5];
		unsigned room = stdin_open ? lg_uart_rx_room(lg) : 0;
		int timeout = FLUSH_MS, n;

		pfd[0] = (struct pollfd){.fd = lg->wake_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = lg->sigs.fd, .events = POLLIN};
		/* A full FIFO stops reading: the guest drains it, we look again soon. */
		pfd[2] = (struct pollfd){.fd = room >= 8 ? lg->stdin_fd : -1, .events = POLLIN};
		pfd[3] = (struct pollfd){.fd = lg->uart.kick_fd, .events = POLLIN};
		/* A reader that stopped reading: look again when it takes more. */
		pfd[4] = (struct pollfd){.fd = lg_uart_out_blocked(lg) ? lg->uart.out_fd : -1,
					 .events = POLLOUT};
		if (deadline) {
			uint64_t t = hv_now_ns();

			if (t >= deadline) {
				lg_request_stop(lg, LG_STOP_TIMEOUT, LG_EXIT_TIMEOUT);
				break;
			}
			if ((deadline - t) / 1000000 < (uint64_t)timeout)
				timeout = (deadline - t) / 1000000 + 1;
		}
		n = poll(pfd, 5, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && pfd[3].revents) {
			uint64_t v;
			ssize_t r = read(lg->uart.kick_fd, &v, sizeof(v));

			(void)r; /* only clears the counter */
		}
		lg_uart_write_out(lg);
		if (hv_now_ns() >= next_kick) {
			lg_kick(lg);
			next_kick = hv_now_ns() + HALT_CHECK_NS;
		}
		if (n <= 0)
			continue;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			int sig = hv_signals_pending(&lg->sigs);

			if (sig > 0)
				lg_request_stop(lg, LG_STOP_SIGNAL, hv_signal_exit_code(sig));
		}
		if (pfd[2].revents) {
			uint8_t buf[256];
			ssize_t r;

			if (room > sizeof(buf))
				room = sizeof(buf);
			/* Escape pairs can expand one byte into two: keep slack. */
			r = read(lg->stdin_fd, buf, room / 2);
			if (r > 0)
				input(lg, buf, r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				stdin_open =
				    false; /* EOF (CI, </dev/null): the guest just gets no input */
		}
	}
	return NULL;
}

int lg_console_start(struct lg *lg)
{
	pthread_attr_t attr;
	int rc;

	lg->stdin_fd = STDIN_FILENO;
	if (isatty(lg->stdin_fd) && tcgetattr(lg->stdin_fd, &lg->saved_tio) == 0) {
		struct termios raw = lg->saved_tio;

		/* Raw: Ctrl-C and friends go to the guest; Ctrl-A x is ours. */
		cfmakeraw(&raw);
		if (tcsetattr(lg->stdin_fd, TCSANOW, &raw) == 0)
			lg->raw = true;
	}
	lg->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (lg->wake_fd < 0)
		return hv_fail(-errno, NULL, "eventfd");
	lg->uart.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (lg->uart.kick_fd < 0)
		return hv_fail(-errno, NULL, "eventfd");
	/*
	 * A small stack: the default 8 MiB one lands right below the 2 MiB
	 * aligned guest RAM, its top 2 MiB is then a whole transparent huge
	 * page, and the first touch costs 2 MiB of RSS for a thread that uses
	 * a few KiB. Stderr messages (hv_err) are the deepest thing it runs.
	 */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	rc = pthread_create(&lg->io_thread, &attr, console_thread, lg);
	pthread_attr_destroy(&attr);
	if (rc)
		return hv_fail(-rc, NULL, "starting the console thread");
	lg->io_started = true;
	return 0;
}

void lg_console_stop(struct lg *lg)
{
	uint64_t one = 1;

	if (lg->io_started) {
		if (write(lg->wake_fd, &one, sizeof(one)) < 0)
			hv_warn("waking the console thread: %s", strerror(errno));
		pthread_join(lg->io_thread, NULL);
		lg->io_started = false;
	}
	if (lg->wake_fd >= 0)
		close(lg->wake_fd);
	lg->wake_fd = -1;
	if (lg->uart.kick_fd >= 0)
		close(lg->uart.kick_fd);
	lg->uart.kick_fd = -1;
	lg_uart_drain(lg, true);
	if (lg->raw) {
		tcsetattr(lg->stdin_fd, TCSANOW, &lg->saved_tio);
		lg->raw = false;
	}
}
