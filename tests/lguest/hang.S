/*
 * Never ends: halted with interrupts enabled but none unmasked, as an idle
 * kernel waits; for --timeout and signals.
 */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	sti
1:	hlt
	jmp 1b
	LG_ROUTINES
msg:	.asciz "hang: idle forever\n"
	LG_END
