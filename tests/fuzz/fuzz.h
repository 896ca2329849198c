/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every harness defines. The same harness source is linked two ways:
 * with libFuzzer (make fuzz: clang -fsanitize=fuzzer,address,undefined) and
 * with replay.c (make check-build: any compiler), which feeds it each file
 * of its seed corpus so the parsers stay exercised in make check.
 */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: once, before the first input (libFuzzer's weak hook). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * A broken invariant: abort() so that libFuzzer saves a reproducer and the
 * replay dies (its TAP plan is then never completed, which run-all counts).
 */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#endif
