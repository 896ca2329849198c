/*
 * Drives lguest-run's legacy virtio-pci disk by hand: finds 1af4:1001 on
 * PCI bus 0, sets up queue 0, reads sector 0 and prints its first line,
 * writes a line to sector 1, and reads far past the end of the disk
 * (which must fail with VIRTIO_BLK_S_IOERR). Exits 0 when every step
 * behaved, else the number of the step that did not. Needs -m 32M.
 */
#include "guest.h"
#define RING   0x200000		/* desc table; avail at +0x800; used at +0x1000 (128 entries) */
#define HDR    0x300000
#define DATA   0x301000
#define STATUS 0x302000

	LG_HEADER
entry:
	/* Step 1: find the disk. */
	mov $1, %ecx
1:	mov %ecx, %eax
	shl $11, %eax
	or $0x80000000, %eax
	mov $0xcf8, %dx
	out %eax, (%dx)
	mov $0xcfc, %dx
	in (%dx), %eax
	cmp $0x10011af4, %eax
	je 2f
	inc %ecx
	cmp $32, %ecx
	jne 1b
	LG_EXIT 1
2:	mov %ecx, %eax			/* BAR0 */
	shl $11, %eax
	or $0x80000010, %eax
	mov $0xcf8, %dx
	out %eax, (%dx)
	mov $0xcfc, %dx
	in (%dx), %eax
	and $0xfffc, %eax
	mov %eax, %r15d

	/* Step 2: reset, ACK, DRIVER, no features, queue 0 at RING, DRIVER_OK. */
	xor %al, %al
	lea 18(%r15), %edx
	out %al, (%dx)
	mov $3, %al
	out %al, (%dx)
	xor %eax, %eax
	lea 4(%r15), %edx
	out %eax, (%dx)
	lea 14(%r15), %edx
	out %ax, (%dx)
	lea 12(%r15), %edx
	in (%dx), %ax
	cmp $128, %ax
	je 3f
	LG_EXIT 2
3:	mov $RING >> 12, %eax
	lea 8(%r15), %edx
	out %eax, (%dx)
	mov $7, %al
	lea 18(%r15), %edx
	out %al, (%dx)

	/* Step 3: read sector 0, print up to its first newline. */
	xor %edi, %edi			/* type IN */
	xor %esi, %esi			/* sector 0 */
	mov $2, %ebx			/* data descriptor: device writes */
	call request
	cmpw $1, RING + 0x1002		/* used->idx */
	jne 4f
	cmpb $0, STATUS
	je 5f
4:	LG_EXIT 3
5:	LG_PUTS read0
	mov $DATA, %rsi
6:	lodsb
	call putc
	cmp $'\n', %al
	jne 6b

	/* Step 4: write a line to sector 1. */
	mov $DATA, %rdi
	lea line(%rip), %rsi
	mov $line_end - line, %ecx
	rep movsb
	mov $1, %edi			/* type OUT */
	mov $1, %esi
	xor %ebx, %ebx			/* data descriptor: device reads */
	call request
	cmpw $2, RING + 0x1002
	jne 7f
	cmpb $0, STATUS
	je 8f
7:	LG_EXIT 4
8:	LG_PUTS wrote

	/* Step 5: a read past the end gets IOERR (1), not data. */
	xor %edi, %edi
	mov $0x7fffffff, %esi
	mov $2, %ebx
	call request
	cmpw $3, RING + 0x1002
	jne 9f
	cmpb $1, STATUS
	je 10f
9:	LG_EXIT 5
10:	LG_PUTS ioerr

	/* Step 6: the device raised its interrupt status; reading it clears. */
	lea 19(%r15), %edx
	in (%dx), %al
	cmp $1, %al
	jne 11f
	in (%dx), %al
	test %al, %al
	jz 12f
11:	LG_EXIT 6
12:	LG_PUTS isr
	LG_EXIT 0

/* request: %edi type, %esi sector, %ebx flags of the data descriptor. */
request:
	movl %edi, HDR
	movl $0, HDR + 4
	movq %rsi, HDR + 8
	movb $0xff, STATUS
	movq $HDR, RING			/* desc 0: header */
	movl $16, RING + 8
	movw $1, RING + 12		/* NEXT */
	movw $1, RING + 14
	movq $DATA, RING + 16		/* desc 1: data */
	movl $512, RING + 24
	mov %bx, %ax
	or $1, %ax
	movw %ax, RING + 28
	movw $2, RING + 30
	movq $STATUS, RING + 32		/* desc 2: status */
	movl $1, RING + 40
	movw $2, RING + 44		/* WRITE */
	movzwl RING + 0x802, %eax	/* avail->idx */
	mov %eax, %ecx
	and $127, %ecx
	movw $0, RING + 0x804(,%rcx,2)	/* ring[idx % 128] = head 0 */
	inc %eax
	movw %ax, RING + 0x802
	xor %eax, %eax
	lea 16(%r15), %edx		/* notify queue 0 */
	out %ax, (%dx)
	ret

	LG_ROUTINES
read0:	.asciz "blk: sector 0: "
wrote:	.asciz "blk: wrote sector 1\n"
ioerr:	.asciz "blk: read past the end: IOERR\n"
isr:	.asciz "blk: interrupt status set, cleared by reading\n"
line:	.ascii "written by the blk guest\n"
line_end:
	LG_END
