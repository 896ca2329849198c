/*
 * Takes interrupts from the UART through the in-kernel PIC: an IDT, the
 * 8259 remapped to vectors 0x20-0x2f, COM1's IRQ 4 unmasked. First the
 * THR-empty interrupt, then a received-data interrupt for one byte of
 * input, which the handler echoes. Exits with 17 when both arrived.
 */
#include "guest.h"
	LG_HEADER
entry:
	/* IDT: every vector to `spurious`, vector 0x24 (IRQ 4) to `com1`. */
	lea idt(%rip), %rdi
	xor %ecx, %ecx
1:	lea spurious(%rip), %rax
	cmp $0x24, %ecx
	jne 2f
	lea com1(%rip), %rax
2:	mov %ax, (%rdi)			/* offset 15:0 */
	movw $0x10, 2(%rdi)		/* selector: the launcher's code segment */
	movw $0x8e00, 4(%rdi)		/* present, interrupt gate */
	shr $16, %rax
	mov %ax, 6(%rdi)		/* offset 31:16 */
	movq $0, 8(%rdi)		/* offset 63:32 = 0 below 4 GiB */
	add $16, %rdi
	inc %ecx
	cmp $256, %ecx
	jne 1b
	lidt idtr(%rip)

	/* 8259: ICW1..4, vectors 0x20/0x28, then mask all but IRQ 4 (and 2). */
	mov $0x11, %al ; out %al, $0x20 ; out %al, $0xa0
	mov $0x20, %al ; out %al, $0x21
	mov $0x28, %al ; out %al, $0xa1
	mov $0x04, %al ; out %al, $0x21
	mov $0x02, %al ; out %al, $0xa1
	mov $0x01, %al ; out %al, $0x21 ; out %al, $0xa1
	mov $0xeb, %al ; out %al, $0x21
	mov $0xff, %al ; out %al, $0xa1

	LG_PUTS start
	mov $COM1 + 4, %dx
	mov $0x08, %al			/* OUT2: the PC's IRQ gate */
	out %al, (%dx)
	mov $COM1 + 1, %dx
	mov $0x02, %al			/* THR empty interrupt */
	out %al, (%dx)
	/*
	 * Spin, not sti;hlt: nested KVM on QEMU's TCG sometimes delivers the
	 * interrupt inside sti's shadow, before hlt, whose wait then never
	 * ends (seen 1 in 150: the handler had run, the vCPU halted after it,
	 * with nothing pending). A real kernel's timer hides that; we have none.
	 */
	sti
3:	pause
	cmpb $1, thre_seen(%rip)
	jne 3b
	cli
	LG_PUTS thre
	mov $COM1 + 1, %dx
	mov $0x01, %al			/* received data interrupt */
	out %al, (%dx)
	sti
4:	pause
	cmpb $0, rx_byte(%rip)
	je 4b
	cli
	LG_PUTS rx
	mov rx_byte(%rip), %al
	call putc
	mov $'\n', %al
	call putc
	LG_EXIT 17

com1:
	push %rax
	push %rdx
	mov $COM1 + 2, %dx
	in (%dx), %al			/* IIR: which condition */
	and $0x0f, %al
	cmp $0x02, %al
	jne 5f
	movb $1, thre_seen(%rip)
	mov $COM1 + 1, %dx		/* THRI off, or it fires again on every write */
	xor %al, %al
	out %al, (%dx)
	jmp 6f
5:	cmp $0x04, %al
	jne 6f
	mov $COM1, %dx
	in (%dx), %al
	mov %al, rx_byte(%rip)
6:	mov $0x20, %al			/* EOI */
	out %al, $0x20
	pop %rdx
	pop %rax
	iretq
spurious:
	LG_PUTS unexpected
	LG_EXIT 99

	LG_ROUTINES
start:	.asciz "irq: waiting\n"
thre:	.asciz "irq: THR empty on IRQ 4\n"
rx:	.asciz "irq: received "
unexpected: .asciz "irq: unexpected vector\n"
thre_seen: .byte 0
rx_byte: .byte 0
	.balign 16
idtr:	.word 256 * 16 - 1
	.quad idt
	LG_END
	.set idt, image_end
