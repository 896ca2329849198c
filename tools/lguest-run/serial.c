// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A 16550A UART at 0x3f8 on IRQ 4: what Linux's 8250 driver needs for
 * console=ttyS0 with interrupts. Output goes to stdout through a ring the
 * console thread writes out (no baud rate), input comes from the console
 * thread through a small FIFO. The vCPU thread and the console thread both
 * touch it: one mutex, never held across a write to stdout, so a reader
 * that stops reading can stall the guest's console but not --timeout or a
 * signal.
 *
 * The legacy PIC is edge-triggered, so every new interrupt condition must be
 * a low-to-high edge: the line follows the interrupt identification like a
 * real chip's INTR pin does, and a THR write drops it before raising it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "lguest-run.h"

#define UART_IRQ      4
#define OUT_WAIT_MS   50  /* a full ring: how often the waiting vCPU looks at the stop flag */
#define OUT_GIVEUP_MS 250 /* the last drain: how long a reader may take nothing */

enum {
	IER_RDI = 0x01,
	IER_THRI = 0x02,
	IIR_NO_INT = 0x01,
	IIR_THRI = 0x02,
	IIR_RDI = 0x04,
	IIR_FIFO = 0xc0,
	LCR_DLAB = 0x80,
	MCR_LOOP = 0x10,
	LSR_DR = 0x01,
	LSR_THRE = 0x20,
	LSR_TEMT = 0x40,
	FCR_ENABLE = 0x01,
	FCR_CLEAR_RX = 0x02,
};

void lg_uart_init(struct lg *lg)
{
	struct lg_uart *u = &lg->uart;

	pthread_condattr_t ca;

	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&u->out_room, &ca);
	pthread_condattr_destroy(&ca);
	u->out_fd = STDOUT_FILENO;
	u->kick_fd = -1;
	u->lcr = 0x03;
}

/*
 * Writes out what the ring holds as far as out_fd takes it without
 * waiting: after POLLOUT at most PIPE_BUF bytes per write(2), which a pipe
 * or FIFO then takes whole. Returns the bytes written; sets out_blocked
 * when bytes are left. Only one thread at a time calls it (see struct
 * lg_uart). Errors drop the output; a closed pipe ends us by SIGPIPE like
 * any filter.
 */
unsigned lg_uart_write_out(struct lg *lg)
{
	struct lg_uart *u = &lg->uart;
	uint8_t buf[PIPE_BUF];
	unsigned done = 0;

	for (;;) {
		struct pollfd p = {.fd = u->out_fd, .events = POLLOUT};
		unsigned len;
		ssize_t n;

		pthread_mutex_lock(&u->lock);
		len = u->out_len;
		if (len > sizeof(u->out) - u->out_head)
			len = sizeof(u->out) - u->out_head;
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, u->out + u->out_head, len);
		u->out_blocked = false;
		pthread_mutex_unlock(&u->lock);
		if (!len)
			return done;
		if (poll(&p, 1, 0) != 1) {
			n = -1;
			errno = EAGAIN;
		} else {
			n = write(u->out_fd, buf, len);
		}
		pthread_mutex_lock(&u->lock);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			u->out_blocked = true;
			pthread_mutex_unlock(&u->lock);
			return done;
		}
		if (n < 0)
			n = len; /* dropped */
		u->out_head = (u->out_head + (unsigned)n) % sizeof(u->out);
		u->out_len -= (unsigned)n;
		done += (unsigned)n;
		pthread_cond_signal(&u->out_room);
		pthread_mutex_unlock(&u->lock);
	}
}

bool lg_uart_out_blocked(struct lg *lg)
{
	bool b;

	pthread_mutex_lock(&lg->uart.lock);
	b = lg->uart.out_blocked;
	pthread_mutex_unlock(&lg->uart.lock);
	return b;
}

/*
 * Writes out the rest when no console thread runs. last: lguest-run is
 * ending. After the guest ended by itself, a slow reader gets all of it,
 * unless a signal comes or --timeout expires meanwhile (then the rest is
 * dropped); after --timeout, a signal or Ctrl-A x, and without last, a
 * reader that takes nothing for OUT_GIVEUP_MS loses the rest.
 */
void lg_uart_drain(struct lg *lg, bool last)
{
	int stop = atomic_load(&lg->stop);
	bool wait =
	    last && stop != LG_STOP_TIMEOUT && stop != LG_STOP_SIGNAL && stop != LG_STOP_ESCAPE;
	uint64_t deadline = lg->timeout_ms ? lg->t_start_ns + lg->timeout_ms * 1000000ULL : 0;
	int idle = 0;

	while (idle < OUT_GIVEUP_MS) {
		struct pollfd p[2] = {
		    {.fd = lg->uart.out_fd, .events = POLLOUT},
		    {.fd = wait ? lg->sigs.fd : -1, .events = POLLIN},
		};
		int n;

		if (lg_uart_write_out(lg)) {
			idle = 0;
			continue;
		}
		if (!lg_uart_out_blocked(lg))
			return;
		n = poll(p, 2, OUT_WAIT_MS);
		if (wait) {
			if (n > 0 && p[1].revents) {
				(void)hv_signals_pending(&lg->sigs);
				return;
			}
			if (deadline && hv_now_ns() >= deadline)
				return;
		} else if (n == 0 || (n > 0 && (p[0].revents & (POLLERR | POLLNVAL)))) {
			idle += OUT_WAIT_MS;
		}
	}
}

static uint8_t iir(const struct lg_uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && u->rx_len)
		return IIR_RDI | fifo;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI | fifo;
	return IIR_NO_INT | fifo;
}

/* Lock held. */
static void update_irq(struct lg *lg)
{
	struct lg_uart *u = &lg->uart;
	bool level = !(iir(u) & IIR_NO_INT);

	if (level != u->irq_level) {
		u->irq_level = level;
		lg_irq(lg, UART_IRQ, level);
	}
}

/*
 * Lock held. A full ring waits for the console thread to write some out,
 * as a real line holds the THR; when lguest-run is stopping, or nobody
 * writes the ring out, the byte is dropped instead.
 */
static void tx(struct lg *lg, uint8_t c)
{
	struct lg_uart *u = &lg->uart;

	while (u->out_len == sizeof(u->out)) {
		struct timespec ts;

		if (!lg->io_started || atomic_load(&lg->stop) != LG_RUNNING)
			return;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += OUT_WAIT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&u->out_room, &u->lock, &ts);
	}
	u->out[(u->out_head + u->out_len++) % sizeof(u->out)] = c;
	if (u->kick_fd >= 0 && (c == '\n' || u->out_len == PIPE_BUF)) {
		uint64_t one = 1;

		/* Non-blocking; when it fails, a counter already set says the same. */
		ssize_t r = write(u->kick_fd, &one, sizeof(one));

		(void)r;
	}
}

void lg_uart_io(struct lg *lg, uint16_t port, bool write, uint8_t *val)
{
	struct lg_uart *u = &lg->uart;
	unsigned reg = port - 0x3f8;
	bool dlab = u->lcr & LCR_DLAB;

	pthread_mutex_lock(&u->lock);
	if (write) {
		uint8_t v = *val;

		switch (reg) {
		case 0:
			if (dlab) {
				u->dll = v;
				break;
			}
			/* Transmission is instant: THR empties while we look. */
			u->thr_ipending = false;
			update_irq(lg);
			if (u->mcr & MCR_LOOP) {
				if (u->rx_len < sizeof(u->rx))
					u->rx[(u->rx_head + u->rx_len++) % sizeof(u->rx)] = v;
			} else {
				tx(lg, v);
			}
			u->thr_ipending = true;
			break;
		case 1:
			if (dlab) {
				u->dlm = v;
				break;
			}
			/* Enabling THRI with an empty THR raises it at once, as on a 16550. */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thr_ipending = true;
			u->ier = v & 0x0f;
			break;
		case 2:
			u->fcr = v;
			if (v & FCR_CLEAR_RX)
				u->rx_len = 0;
			break;
		case 3:
			u->lcr = v;
			break;
		case 4:
			u->mcr = v & 0x1f;
			break;
		case 7:
			u->scr = v;
			break;
		default:
			break;
		}
	} else {
		uint8_t v = 0;

		switch (reg) {
		case 0:
			if (dlab) {
				v = u->dll;
			} else if (u->rx_len) {
				v = u->rx[u->rx_head];
				u->rx_head = (u->rx_head + 1) % sizeof(u->rx);
				u->rx_len--;
			}
			break;
		case 1:
			v = dlab ? u->dlm : u->ier;
			break;
		case 2:
			v = iir(u);
			/* Reading IIR acknowledges a THR-empty interrupt. */
			if ((v & 0x0f) == IIR_THRI)
				u->thr_ipending = false;
			break;
		case 3:
			v = u->lcr;
			break;
		case 4:
			v = u->mcr;
			break;
		case 5:
			v = LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0);
			break;
		case 6:
			/* Loopback wires OUT/RTS/DTR back; otherwise carrier and DSR/CTS up. */
			if (u->mcr & MCR_LOOP)
				v = ((u->mcr & 0x0c) << 4) | ((u->mcr & 0x01) << 5) |
				    ((u->mcr & 0x02) << 3);
			else
				v = 0xb0;
			break;
		case 7:
			v = u->scr;
			break;
		}
		*val = v;
	}
	update_irq(lg);
	pthread_mutex_unlock(&u->lock);
	/* No console thread (the fuzz harness): the output goes out at once. */
	if (write && !lg->io_started && u->out_len)
		lg_uart_drain(lg, false);
}

unsigned lg_uart_rx_room(struct lg *lg)
{
	unsigned room;

	pthread_mutex_lock(&lg->uart.lock);
	room = sizeof(lg->uart.rx) - lg->uart.rx_len;
	pthread_mutex_unlock(&lg->uart.lock);
	return room;
}

unsigned lg_uart_feed(struct lg *lg, const uint8_t *buf, unsigned len)
{
	struct lg_uart *u = &lg->uart;
	unsigned n = 0;

	pthread_mutex_lock(&u->lock);
	/* In loopback mode the line is disconnected from the outside. */
	if (!(u->mcr & MCR_LOOP)) {
		while (n < len && u->rx_len < sizeof(u->rx)) {
			u->rx[(u->rx_head + u->rx_len++) % sizeof(u->rx)] = buf[n++];
		}
		update_irq(lg);
	} else {
		n = len;
	}
	pthread_mutex_unlock(&u->lock);
	return n;
}
