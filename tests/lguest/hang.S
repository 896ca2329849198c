/* Never ends: interrupts off and halted (HLT loop), for --timeout and signals. */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	cli
1:	hlt
	jmp 1b
	LG_ROUTINES
msg:	.asciz "hang: halted for good\n"
	LG_END
