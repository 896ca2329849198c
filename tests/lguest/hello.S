/* Prints a greeting on COM1 and exits with 42 through the exit port. */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS msg
	LG_EXIT 42
	LG_ROUTINES
msg:	.asciz "Hello from a lguest-run test guest\n"
	LG_END
