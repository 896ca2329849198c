// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A 16550A UART at 0x3f8 on IRQ 4: what Linux's 8250 driver needs for
 * console=ttyS0 with interrupts. Output goes to stdout at once (no baud
 * rate), input comes from the console thread through a small FIFO. The
 * vCPU thread and the console thread both touch it: one mutex.
 *
 * The legacy PIC is edge-triggered, so every new interrupt condition must be
 * a low-to-high edge: the line follows the interrupt identification like a
 * real chip's INTR pin does, and a THR write drops it before raising it.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "lguest-run.h"

#define UART_IRQ 4

enum {
	IER_RDI = 0x01, IER_THRI = 0x02,
	IIR_NO_INT = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_FIFO = 0xc0,
	LCR_DLAB = 0x80,
	MCR_LOOP = 0x10,
	LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40,
	FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02,
};

void lg_uart_init(struct lg *lg)
{
	struct lg_uart *u = &lg->uart;

	pthread_mutex_init(&u->lock, NULL);
	u->out_fd = STDOUT_FILENO;
	u->lcr = 0x03;
}

/* Lock held. */
static void flush_locked(struct lg_uart *u)
{
	if (u->tx_len) {
		/* Errors are ignored; a closed pipe ends us by SIGPIPE like any filter. */
		(void)hv_write_full(u->out_fd, u->tx, u->tx_len);
		u->tx_len = 0;
	}
}

void lg_uart_flush(struct lg *lg)
{
	pthread_mutex_lock(&lg->uart.lock);
	flush_locked(&lg->uart);
	pthread_mutex_unlock(&lg->uart.lock);
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
		lg_irq_line(lg, UART_IRQ, level);
	}
}

static void tx(struct lg_uart *u, uint8_t c)
{
	u->tx[u->tx_len++] = c;
	if (c == '\n' || u->tx_len == sizeof(u->tx))
		flush_locked(u);
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
				tx(u, v);
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
				v = ((u->mcr & 0x0c) << 4) | ((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3);
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
