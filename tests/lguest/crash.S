/* Triple fault with the PIC untouched: a crash, lguest-run exits 255. */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	lidt idtr(%rip)
	int3
	LG_EXIT 1
	LG_ROUTINES
msg:	.asciz "crash: triple fault\n"
idtr:	.word 0
	.quad 0
	LG_END
