// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lguest-run's kernel loader: the input is the kernel file. Every header
 * field of a bzImage (boot protocol 2.12+) or a flat test image must be
 * checked before it is used, so whatever the file says, the loader only
 * touches guest memory inside its RAM ranges (ASan watches the bounds of
 * the buffer that stands in for it), and a loaded image enters where the
 * header promised: inside the bytes that were loaded. Each input is loaded
 * twice: as the guest's decompressor gets it, and with --unpack (the xz or zstd
 * payload decoded by liblzma or libzstd, its ELF segments placed by the launcher).
 *
 * Guest memory here is 4 MiB low + 2 MiB at 4 GiB: small enough to copy
 * quickly, large enough for a small kernel; "too small" is a valid answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lguest-run.h"

#define LOW  (4ull << 20)
#define HIGH (2ull << 20)

/* The stand-in for the launcher's guest RAM mapping, allocated once. */
static uint8_t *guest;

struct entry_state {
	bool set;
	uint64_t entry, rsi, rsp;
};
/* What the loader asked the vCPU to start with (the stub below records it). */
static struct entry_state last;

int lg_kvm_set_long_mode(struct lg *lg, uint64_t entry, uint64_t rsi, uint64_t rsp)
{
	(void)lg;
	last = (struct entry_state){true, entry, rsi, rsp};
	return 0;
}

/* No signals and no --timeout here: decoding always runs to its end. */
int lg_setup_interrupted(struct lg *lg)
{
	(void)lg;
	return 0;
}

uint32_t lg_tsc_khz(struct lg *lg)
{
	(void)lg;
	return 2400000;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	guest = malloc(LOW + HIGH);
	return guest ? 0 : -1;
}

/* One load of the input, by the in-guest path (unpack 0) or --unpack (1). */
static void load_once(const uint8_t *data, size_t size, int unpack)
{
	struct lg *lg = calloc(1, sizeof(*lg));
	int rc;

	FUZZ_CHECK(lg && guest);
	lg->kernel_path = "fuzz-input";
	lg->unpack = unpack;
	lg->mem =
	    (struct lg_mem){.base = guest, .size = LOW + HIGH, .low_size = LOW, .high_size = HIGH};
	last.set = false;
	/* The stages of lguest-run's start-up: check, copy, vCPU entry state. */
	rc = lg_check_image(lg, data, size);
	if (!rc)
		rc = lg_load_kernel(lg);
	if (!rc)
		rc = lg_start_kernel(lg);
	/* Success and a vCPU start state come together. */
	FUZZ_CHECK(!rc == last.set);
	FUZZ_CHECK(!lg->unpacked || unpack);
	if (!rc && lg->boot.is_bzimage && lg->unpacked) {
		/* Unpacked in the launcher: the ELF entry, in guest RAM above 1 MiB. */
		FUZZ_CHECK(last.entry >= 0x100000 && lg_gpa(lg, last.entry, 1) != NULL);
		FUZZ_CHECK(last.rsi == LG_BOOT_PARAMS_ADDR);
	} else if (!rc && lg->boot.is_bzimage) {
		/* The 64-bit entry of the decompressor, with boot_params in rsi. */
		FUZZ_CHECK(!unpack);
		FUZZ_CHECK(last.entry == 0x100200 && last.rsi == LG_BOOT_PARAMS_ADDR);
		FUZZ_CHECK(lg_gpa(lg, 0x100000, size > 0x200 ? 0x200 : size) != NULL);
	} else if (!rc) {
		uint64_t load;

		/* Flat: load_addr is at byte 16 of the header; the entry is in the file. */
		memcpy(&load, data + 16, sizeof(load));
		FUZZ_CHECK(last.entry >= load && last.entry - load >= 64 &&
			   last.entry - load < size);
		FUZZ_CHECK(lg_gpa(lg, load, size) != NULL && last.rsp == LG_FLAT_STACK);
	}
	free(lg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load_once(data, size, 0);
	load_once(data, size, 1);
	return 0;
}
