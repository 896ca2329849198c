/*
 * Port and memory-mapped I/O: unassigned MMIO reads as all ones and
 * ignores writes, RAM at the top of guest memory works, the CMOS clock
 * answers (status D = battery good, a BCD seconds value), PCI config
 * mechanism #1 finds the host bridge, an unassigned port reads 0xff.
 * Prints what it read; exits with 0 if all matched, 1 otherwise.
 */
#include "guest.h"
	LG_HEADER
entry:
	xor %r12d, %r12d		/* failures */

	mov $0xd0000000, %rbx
	movl $0x12345678, (%rbx)	/* MMIO write: discarded */
	mov (%rbx), %eax
	LG_PUTS mmio
	call puthex
	call nl
	cmp $0xffffffff, %eax
	je 1f
	inc %r12d
1:	mov $0x1ff0000, %rbx		/* 32 MiB - 64K: RAM with -m 32M */
	movl $0xcafe, (%rbx)
	mov (%rbx), %eax
	LG_PUTS ram
	call puthex
	call nl
	cmp $0xcafe, %eax
	je 2f
	inc %r12d
2:	mov $0x0d, %al
	out %al, $0x70
	in $0x71, %al
	movzbl %al, %eax
	LG_PUTS rtc
	call puthex
	call nl
	cmp $0x80, %eax
	je 3f
	inc %r12d
3:	mov $0x80000000, %eax		/* 00:00.0 register 0 */
	mov $0xcf8, %dx
	out %eax, (%dx)
	mov $0xcfc, %dx
	in (%dx), %eax
	LG_PUTS pci
	call puthex
	call nl
	cmp $0x00081b36, %eax
	je 4f
	inc %r12d
4:	mov $0x80000800, %eax		/* 00:01.0: empty without devices */
	mov $0xcf8, %dx
	out %eax, (%dx)
	mov $0xcfc, %dx
	in (%dx), %eax
	LG_PUTS pci1
	call puthex
	call nl
	mov $0x2f8, %dx			/* COM2: nothing there */
	in (%dx), %al
	movzbl %al, %eax
	LG_PUTS port
	call puthex
	call nl
	cmp $0xff, %eax
	je 5f
	inc %r12d
5:	mov %r12b, %al
	mov $EXIT_PORT, %dx
	out %al, (%dx)
6:	hlt
	jmp 6b
nl:	push %rax
	mov $'\n', %al
	call putc
	pop %rax
	ret
	LG_ROUTINES
mmio:	.asciz "mmio 0xd0000000: "
ram:	.asciz "ram 0x1ff0000: "
rtc:	.asciz "cmos register D: "
pci:	.asciz "pci 00:00.0 id: "
pci1:	.asciz "pci 00:01.0 id: "
port:	.asciz "port 0x2f8: "
	LG_END
