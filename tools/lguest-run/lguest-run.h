/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lguest-run: a small KVM launcher. One thread per vCPU runs the guest and
 * handles its port and MMIO exits (the main thread is vCPU 0); one I/O
 * thread feeds stdin to the UART and enforces --timeout and signals.
 * Everything lives in struct lg.
 */
#ifndef LGUEST_RUN_H
#define LGUEST_RUN_H

#include <asm/bootparam.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "opts.h"
#include "signals.h"

/* Exit statuses beyond the shared ones (see lguest-run(1)). */
#define LG_EXIT_GUEST_CRASH 255 /* panic, triple fault without orderly shutdown */
#define LG_EXIT_TIMEOUT	    124 /* --timeout, like timeout(1) */
#define LG_EXIT_ESCAPE	    130 /* Ctrl-A x on the console, like an interrupt */

#define LG_EXIT_PORT  0x501 /* QEMU's isa-debug-exit port */
#define LG_MAX_BLOCKS 4
#define LG_MAX_SHARES 4
#define LG_MAX_VIRTIO 5	 /* PCI functions with a PIC line of their own */
#define LG_TAG_MAX    31 /* a --share tag's bytes */
#define LG_MAX_CPUS   64 /* --cpus: APIC ids below the I/O APIC's, 8-bit xAPIC ids */

/* Guest-physical layout of what the launcher writes below 1 MiB. */
#define LG_GDT_ADDR	    0x500
#define LG_BOOT_PARAMS_ADDR 0x7000
#define LG_PML4_ADDR	    0x9000
#define LG_PDPT_ADDR	    0xa000
#define LG_PD_ADDR	    0xb000 /* four pages: 4 GiB of 2 MiB pages */
#define LG_CMDLINE_ADDR	    0x20000
#define LG_CMDLINE_MAX	    0x10000
#define LG_FLAT_STACK	    0x80000
#define LG_EBDA_START	    0x9fc00
#define LG_MPTABLE_ADDR	    0xf0000 /* --cpus N > 1: in the BIOS area Linux scans */
#define LG_HIGH_START	    0x100000ULL
/* RAM above this goes above 4 GiB: the gap is the PCI/APIC hole. */
#define LG_LOWMEM_MAX 0xc0000000ULL
#define LG_4G	      0x100000000ULL
#define LG_HUGE_PAGE  0x200000UL

enum lg_stop {
	LG_RUNNING = 0,
	LG_STOP_EXITPORT,
	LG_STOP_RESET,
	LG_STOP_HALT,
	LG_STOP_CRASH,
	LG_STOP_TIMEOUT,
	LG_STOP_SIGNAL,
	LG_STOP_ESCAPE,
	LG_STOP_ERROR,
};

/* --block FILE[,ro]: opened and sized by lg_blk_open before KVM is touched. */
struct lg_block_opt {
	const char *path;
	bool ro;
	int fd;		   /* -1 until opened; lg_blk_add hands it to the device */
	uint64_t capacity; /* 512-byte sectors */
};

/* --share HOSTDIR[,tag=TAG][,rw]: the directory opened by lg_share_open before KVM. */
struct lg_share_opt {
	const char *path;
	char tag[LG_TAG_MAX + 1];
	bool rw;
	bool cross_mounts; /* --run's root: see p9.h */
	int fd; /* O_PATH of HOSTDIR; -1 until opened, lg_9p_add hands it to the device */
};

/*
 * The checked boot plan: what lg_check_kernel found in the kernel and
 * initrd files, every field bounds-checked against the guest's memory
 * layout, so that loading only copies. The header was read once and the
 * fields are that copy's; the files are read, never mapped: another writer
 * may change or truncate them meanwhile, and loading then fails cleanly.
 */
struct lg_boot {
	int fd, initrd_fd;	      /* the files, open read-only; -1 when none */
	const uint8_t *img;	      /* the fuzz harness's input, in place of fd */
	uint64_t img_len, initrd_len; /* sizes at fstat() time */
	bool is_bzimage;
	uint64_t entry, rsi, rsp; /* the vCPU's start (--unpack: set when unpacked) */
	/* flat image */
	uint64_t load_addr, load_size;
	/* bzImage */
	struct setup_header hdr;
	size_t hdr_len;
	uint16_t version;
	uint32_t cmdline_max; /* bytes the kernel takes, without the NUL */
	uint64_t setup_size, payload_len, kernel_end, initrd_addr;
	uint64_t packed_off, packed_len; /* --unpack: the compressed payload in the kernel file */
};

struct lg_mem {
	uint8_t *base;	    /* host mapping of all guest RAM */
	uint64_t size;	    /* bytes of guest RAM */
	uint64_t low_size;  /* RAM mapped at guest-physical 0 */
	uint64_t high_size; /* RAM mapped at 4 GiB */
};

/* 16550A, enough of it for Linux's 8250 driver with interrupts. */
struct lg_uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_ipending;
	bool irq_level;
	uint8_t rx[256];
	unsigned rx_head, rx_len;
	/*
	 * Guest output on its way to out_fd: the vCPU adds, only the console
	 * thread (or, before it runs and after it ends, the vCPU thread)
	 * writes it out, never with the lock held and never waiting on the
	 * reader. A full ring makes the guest's THR write wait (out_room).
	 */
	uint8_t out[64 << 10];
	unsigned out_head, out_len;
	bool out_blocked;	 /* the last write found out_fd full */
	pthread_cond_t out_room; /* signalled when the console thread took bytes */
	int out_fd;
	int kick_fd; /* eventfd: a line is complete, write it now (-1: none) */
};

struct lg_rtc {
	uint8_t index;
	uint8_t ram[128];
};

struct lg_virtq {
	uint16_t size;
	uint32_t pfn;
	uint16_t last_avail;
	uint64_t desc, avail, used; /* guest-physical */
};

struct lg;
struct lg_virtio;
struct lg_virtio_ops {
	const char *name;
	uint16_t pci_device; /* transitional PCI device id */
	uint16_t type;	     /* virtio device id (subsystem id) */
	uint32_t class_code;
	unsigned nqueues;
	uint32_t (*features)(struct lg_virtio *v);
	/* Reads device config bytes [off, off + len); off + len is checked. */
	void (*config_read)(struct lg_virtio *v, unsigned off, uint8_t *buf, unsigned len);
	unsigned config_size;
	/* Handles the avail ring of queue q; returns true if it used buffers. */
	bool (*notify)(struct lg *lg, struct lg_virtio *v, unsigned q);
	/* Optional: the guest reset the device; the launcher frees it. */
	void (*reset)(struct lg_virtio *v);
	void (*release)(struct lg_virtio *v);
};

struct lg_virtio {
	const struct lg_virtio_ops *ops;
	uint8_t slot;
	uint8_t irq;	  /* the PIC line the function's INTA# is wired to */
	uint8_t int_line; /* Interrupt Line register: scratch for the guest */
	uint16_t io_base;
	uint32_t bar0; /* as the guest wrote it (sizing probes) */
	uint16_t command;
	uint32_t guest_features;
	uint16_t queue_sel;
	uint8_t status, isr;
	struct lg_virtq vq[2];
	/* device state */
	int fd;
	bool ro;
	uint64_t capacity; /* 512-byte sectors */
	uint64_t requests, bytes;
	void *priv; /* the device model's own state (virtio-9p's server) */
};

struct lg_pci {
	uint32_t addr; /* 0xcf8 */
};

/*
 * One vCPU. Only its own thread issues its ioctls: KVM holds a vCPU's
 * mutex for as long as it sits in KVM_RUN, halted ones included.
 */
struct lg_vcpu {
	struct lg *lg;
	unsigned id; /* KVM's vCPU id, also its APIC id; 0 boots */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	atomic_bool started; /* thread is valid (vCPU 0: the main thread); see lg_request_stop */
	atomic_bool off;     /* last seen halted with interrupts off, or never started */
};

struct lg_stats {
	uint64_t exits, io, mmio, intr, other;
	uint64_t io_serial, io_pci, io_rtc, io_virtio, io_unhandled, mmio_unhandled;
};

struct lg {
	struct hv_common common;
	int (*irq_line)(struct lg *lg, unsigned irq, int level); /* see lg_irq() */
	/* options */
	uint64_t mem_size;
	const char *kernel_path, *initrd_path;
	const char *user_cmdline;
	struct lg_boot boot;
	struct lg_block_opt blocks[LG_MAX_BLOCKS];
	unsigned nblocks;
	struct lg_share_opt shares[LG_MAX_SHARES];
	unsigned nshares;
	/* --run: the command, its writable directories, the modules' directory */
	int run_mode;
	int run_argc;
	char **run_argv;
	const char *rwdirs[LG_MAX_SHARES];
	unsigned nrwdirs;
	const char *modules_dir;
	int run_fd; /* the initramfs memfd; -1 without --run */
	int rng;
	int unpack;   /* --unpack: the launcher unpacks the bzImage's payload (LG_UNPACK_IF_ABLE:
			 --run's) */
	int no_cache; /* --no-cache */
	const char *cache_dir; /* --cache-dir; NULL: the user's cache directory */
	bool kcache;	       /* the decoded kernel is looked up and kept in the cache */
	uint64_t timeout_ms;
	unsigned cpus;
	/* KVM */
	int kvm_fd, vm_fd;
	struct lg_vcpu vcpu[LG_MAX_CPUS];
	size_t run_size;
	/* The devices and the exit statistics: one vCPU at a time (the UART has its own lock). */
	pthread_mutex_t io_lock;
	bool unpacked; /* the launcher unpacked the bzImage's payload */
	/* devices */
	struct lg_mem mem;
	struct lg_uart uart;
	struct lg_rtc rtc;
	struct lg_pci pci;
	struct lg_virtio *virtio[LG_MAX_VIRTIO];
	unsigned nvirtio;
	/* console */
	int stdin_fd;
	bool raw;
	struct termios saved_tio;
	bool escape_pending;
	/* threads and stopping */
	pthread_t io_thread;
	bool io_started;
	atomic_int stop;
	int exit_code; /* for LG_STOP_EXITPORT / signals */
	char crash_why[96];
	int wake_fd; /* eventfd: the vCPU thread tells the I/O thread to stop */
	struct hv_signals sigs;
	bool sigs_blocked;
	struct lg_stats st;
	uint64_t t_start_ns;
	uint64_t t_run_ns; /* first KVM_RUN */
	uint64_t t_end_ns;
};

/* kvm.c */
int lg_kvm_open(struct lg *lg);
/* Creates --cpus vCPUs; vCPU 0 is the one the kernel starts on. */
int lg_kvm_create_vcpus(struct lg *lg);
int lg_kvm_set_long_mode(struct lg *lg, uint64_t entry, uint64_t rsi, uint64_t rsp);
/* Starts the other vCPUs' threads, runs vCPU 0 until a stop is requested. */
int lg_kvm_run(struct lg *lg);
void lg_request_stop(struct lg *lg, enum lg_stop why, int code);
/* Makes every vCPU but the caller leave KVM_RUN once, so each looks at its own state. */
void lg_kick(struct lg *lg);
/* Joins the vCPU threads (after a stop), closes everything. */
void lg_kvm_close(struct lg *lg);
/* Where a stopped vCPU stands: what -v reports when --timeout stopped a guest. */
struct lg_vcpu_state {
	bool halted;	 /* in HLT, waiting for an interrupt */
	bool parked;	 /* an AP waiting for INIT/SIPI */
	bool interrupts; /* RFLAGS.IF */
	uint64_t rip;
	uint8_t pic_irr, pic_isr, pic_imr; /* the master 8259: requested, in service, masked */
};
int lg_kvm_vcpu_state(struct lg *lg, struct lg_vcpu_state *s);
uint32_t lg_tsc_khz(struct lg *lg);

/*
 * mem.c: the layout from --memory (no allocation), the mapping, then its
 * registration with the VM.
 */
void lg_mem_layout(struct lg *lg);
int lg_mem_alloc(struct lg *lg);
int lg_mem_register(struct lg *lg);
/* Whether [gpa, gpa + len) lies in one RAM range of the layout. */
bool lg_ram_range(const struct lg *lg, uint64_t gpa, uint64_t len);
void *lg_gpa(struct lg *lg, uint64_t gpa, uint64_t len);
unsigned lg_e820(const struct lg *lg, void *table, unsigned max);
void lg_mem_free(struct lg *lg);

/*
 * mptable.c: the MP table that describes --cpus N > 1 and the I/O APIC to
 * the guest; after the devices are added (their lines are in it).
 */
int lg_mptable_write(struct lg *lg);

/*
 * boot.c, in the order main.c calls them; each returns an exit code.
 * lg_check_kernel maps the kernel and initrd files and checks them against
 * the options and the memory layout (no guest RAM, no KVM yet): after it,
 * only the --unpack payload's contents are left to fail.
 */
int lg_check_kernel(struct lg *lg);
/* The checks over an image already in memory (the fuzz harness's input). */
int lg_check_image(struct lg *lg, const uint8_t *img, size_t len);
/* Reads the checked files into guest RAM (--unpack decodes here), closes them. */
int lg_load_kernel(struct lg *lg);
/* Once the vCPU exists: the command line (lpj= needs its TSC rate), entry registers. */
int lg_start_kernel(struct lg *lg);
void lg_release_kernel(struct lg *lg);

/* --run unpacks when the payload and the build allow, else the guest does. */
#define LG_UNPACK_IF_ABLE 2

/* unpack.c */
#define LG_ELF_HDR_MAX	65536 /* ELF and program headers must lie in this much */
#define LG_ELF_MAX_LOAD 16    /* PT_LOAD segments: vmlinux has 4 or 5 */
/* A decoded vmlinux: its first bytes and where its load segments went. */
struct lg_elf {
	uint8_t *hdr; /* the file's first hdr_len bytes (malloc'd) */
	size_t hdr_len;
	uint64_t entry;
	unsigned nseg;
	struct lg_seg {
		uint64_t off, filesz, paddr, memsz;
		uint8_t *dst; /* in guest memory */
	} seg[LG_ELF_MAX_LOAD];
};
/*
 * Checks e->hdr's ELF headers and fills the rest of e: the number of load
 * segments; -1 with why set; -2 with *need set if guest memory is too small.
 */
int lg_elf_parse(struct lg *lg, struct lg_elf *e, uint64_t *need, char *why, size_t whylen);
/*
 * Whether --unpack can decode a payload starting with these bytes: -ENOSYS
 * without liblzma and libzstd, -ENOPKG without the one it needs, -ENOTSUP
 * if it is neither xz nor zstd.
 */
int lg_unpack_check(const uint8_t *payload, size_t len);
int lg_unpack(struct lg *lg, const uint8_t *payload, size_t len, struct lg_elf *e, uint64_t *need);

/* kcache.c: the decoded kernel kept for the next start (--unpack, --run) */
/* true: the kernel is in guest memory, *entry set; false: decode it (memory untouched). */
bool lg_kcache_load(struct lg *lg, uint64_t key, uint64_t *entry);
/* Best effort: a failure is a note with -v, never an error. */
void lg_kcache_store(struct lg *lg, uint64_t key, const struct lg_elf *e);

/* serial.c */
void lg_uart_init(struct lg *lg);
void lg_uart_io(struct lg *lg, uint16_t port, bool write, uint8_t *val);
/* Appends input bytes for the guest; returns how many fitted. */
unsigned lg_uart_feed(struct lg *lg, const uint8_t *buf, unsigned len);
unsigned lg_uart_rx_room(struct lg *lg);
unsigned lg_uart_write_out(struct lg *lg);
bool lg_uart_out_blocked(struct lg *lg);
void lg_uart_drain(struct lg *lg, bool last);

/* rtc.c */
void lg_rtc_init(struct lg *lg);
void lg_rtc_io(struct lg *lg, uint16_t port, bool write, uint8_t *val);

/*
 * A device raises or lowers its interrupt line through the hook kvm.c sets
 * (KVM_IRQ_LINE); without one (the fuzz harnesses) the line goes nowhere.
 */
static inline void lg_irq(struct lg *lg, unsigned irq, int level)
{
	if (lg->irq_line)
		lg->irq_line(lg, irq, level);
}

/* Little-endian fields of PCI configuration space and virtio registers. */
static inline void lg_put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void lg_put32(uint8_t *p, uint32_t v)
{
	lg_put16(p, v);
	lg_put16(p + 2, v >> 16);
}

static inline uint32_t lg_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#define LG_VIRTIO_IO_SIZE     0x100 /* each function's legacy I/O BAR */
#define LG_VQ_SIZE	      128
#define LG_VIRTIO_NEEDS_RESET 0x40 /* device status: a malformed ring stopped it */

/* pci.c: configuration space, a function per virtio device */
void lg_pci_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data);
int lg_virtio_add(struct lg *lg, struct lg_virtio *v);

/* virtio-pci.c: the legacy I/O registers; false if no function decodes port */
bool lg_virtio_io(struct lg *lg, uint16_t port, bool write, unsigned size, uint8_t *data);

/* virtq.c: the virtqueue walk, for the transport and the device models */
void lg_vq_reset(struct lg_virtq *q, uint16_t size);
/* A queue address the guest wrote; one outside guest memory stops the device. */
void lg_vq_set_pfn(struct lg *lg, struct lg_virtio *v, struct lg_virtq *q, uint32_t pfn);
/* Raises the device's line for queue qi unless the guest asked for none. */
void lg_virtio_interrupt(struct lg *lg, struct lg_virtio *v, unsigned qi);
struct lg_desc_chain {
	unsigned n;
	uint16_t head;
	struct {
		uint64_t addr;
		uint32_t len;
		bool write; /* device writes into it */
	} d[130];
};
int lg_vq_pop(struct lg *lg, struct lg_virtio *v, unsigned q, struct lg_desc_chain *c);
void lg_vq_push(struct lg *lg, struct lg_virtio *v, unsigned q, uint16_t head, uint32_t len);

/* virtio-blk.c, virtio-rng.c, virtio-9p.c */
int lg_blk_open(struct lg_block_opt *opt);
int lg_blk_add(struct lg *lg, struct lg_block_opt *opt);
int lg_rng_add(struct lg *lg);
/* --share's argument into opt (its path allocated); a usage error's exit code. */
int lg_share_parse(struct lg_share_opt *opt, const char *arg, unsigned index);
int lg_share_open(struct lg_share_opt *opt);
int lg_9p_add(struct lg *lg, struct lg_share_opt *opt);
void lg_virtio_free(struct lg *lg);

/*
 * run.c: --run's in-memory initramfs (lguest-run-init, the kernel's 9p
 * modules, the command); sets initrd_path to it. Before lg_check_kernel.
 */
int lg_run_prepare(struct lg *lg);

/* console.c */
/*
 * Long set-up steps (decoding --unpack's payload) call this now and then:
 * before the console thread runs nobody else reads the signalfd or watches
 * the clock. 0 to go on, or the exit code of a pending signal or of an
 * expired --timeout (whose message it prints), the stop recorded.
 */
int lg_setup_interrupted(struct lg *lg);
int lg_console_start(struct lg *lg);
void lg_console_stop(struct lg *lg);

#endif
