/*
 * Halts with interrupts disabled, as Linux does for poweroff and halt
 * without ACPI: the guest is off, lguest-run exits 0.
 */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	cli
1:	hlt
	jmp 1b
	LG_ROUTINES
msg:	.asciz "halt: interrupts off, halted\n"
	LG_END
