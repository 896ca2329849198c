/*
 * Shared by the lguest-run test guests: the flat image header lguest-run
 * loads (see "Flat test images" in lguest-run(1)) and a few routines.
 * The image is linked at 1 MiB and entered in 64-bit mode with identity
 * page tables for the first 4 GiB, rsp below 512 KiB, interrupts off.
 */
#define COM1	  0x3f8
#define EXIT_PORT 0x501

/* The flat header; entry is the label `entry`, bss up to 64 KiB after the image. */
.macro LG_HEADER
	.code64
	.text
	.globl _start
_start:
	.ascii "LGRUNFLT"
	.long 1, 64
	.quad 0x100000
	.quad entry
	.quad image_end - _start + 0x10000
	.quad 0, 0, 0
.endm

.macro LG_EXIT code
	mov $\code, %al
	mov $EXIT_PORT, %dx
	out %al, (%dx)
	/* Not reached when lguest-run honours the exit port. */
9:	hlt
	jmp 9b
.endm

.macro LG_PUTS str
	lea \str(%rip), %rsi
	call puts
.endm

/* Routines: putc (%al), puts (%rsi, NUL-terminated), puthex (%eax, 8 digits), getc (-> %al). */
.macro LG_ROUTINES
putc:
	push %rdx
	push %rax
	mov $COM1 + 5, %dx
1:	in (%dx), %al
	test $0x20, %al
	jz 1b
	pop %rax
	mov $COM1, %dx
	out %al, (%dx)
	pop %rdx
	ret
puts:
	push %rax
2:	lodsb
	test %al, %al
	jz 3f
	call putc
	jmp 2b
3:	pop %rax
	ret
puthex:
	push %rax
	push %rcx
	push %rbx
	mov %eax, %ebx
	mov $8, %ecx
4:	rol $4, %ebx
	mov %bl, %al
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 5f
	add $'a' - '9' - 1, %al
5:	call putc
	dec %ecx
	jnz 4b
	pop %rbx
	pop %rcx
	pop %rax
	ret
getc:
	push %rdx
	mov $COM1 + 5, %dx
6:	in (%dx), %al
	test $1, %al
	jz 6b
	mov $COM1, %dx
	in (%dx), %al
	pop %rdx
	ret
.endm

.macro LG_END
	.balign 16
image_end:
.endm
