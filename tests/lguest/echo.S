/*
 * Reads one line from COM1 (lguest-run's stdin), echoes it back as
 * "got <line>", and exits with the line's decimal value (mod 256).
 */
#include "guest.h"
	LG_HEADER
entry:
	LG_PUTS prompt
	xor %ecx, %ecx		/* the number */
	lea buf(%rip), %rdi
1:	call getc
	cmp $'\n', %al
	je 2f
	stosb
	movzbl %al, %eax
	sub $'0', %eax
	cmp $9, %eax
	ja 1b			/* not a digit: echoed, not counted */
	imul $10, %ecx, %ecx
	add %eax, %ecx
	jmp 1b
2:	movb $0, (%rdi)
	LG_PUTS got
	LG_PUTS buf
	mov $'\n', %al
	call putc
	mov %cl, %al
	mov $EXIT_PORT, %dx
	out %al, (%dx)
3:	hlt
	jmp 3b
	LG_ROUTINES
prompt:	.asciz "number? "
got:	.asciz "got "
	LG_END
	.set buf, image_end
