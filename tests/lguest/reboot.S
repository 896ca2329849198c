/*
 * Masks every PIC line, as Linux does when it shuts down in order, then
 * resets through the reset control register 0xcf9: an orderly reboot,
 * lguest-run exits 0. (A triple fault is the same to lguest-run, but a
 * PVM host reports it as an emulation failure.)
 */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	mov $0xff, %al
	out %al, $0x21
	out %al, $0xa1
	mov $0x06, %al			/* full reset */
	mov $0xcf9, %dx
	out %al, (%dx)
	LG_EXIT 1
	LG_ROUTINES
msg:	.asciz "reboot: orderly\n"
	LG_END
