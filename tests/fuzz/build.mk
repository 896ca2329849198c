# make fuzz: libFuzzer harnesses (clang), each run for FUZZ_SECONDS with its
# seed corpus from git; new inputs found go to a scratch copy, not to git.
FUZZ_SECONDS ?= 30
FUZZ_HARNESSES := $(patsubst %.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -Ilib -include config.h \
  -DHV_VERSION='"$(VERSION)"' -DHV_LIBEXECDIR='"$(libexecdir)/hvutils"' \
  -fsanitize=fuzzer,address,undefined $(POPT_CFLAGS) $(JSONC_CFLAGS) $(XENSTORE_CFLAGS)
# Harness-specific sources (a tool's parser file) are listed as
# FUZZ_SRCS_<harness> by whoever adds a harness.
tests/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(LIB_SRCS)
	@echo "  FUZZ-LD $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_fuzz-$*) $(filter-out lib/xs.c,$(LIB_SRCS)) \
	  $(POPT_LIBS) $(JSONC_LIBS)

fuzz: $(FUZZ_HARNESSES)
	$(Q)for h in $(FUZZ_HARNESSES); do n=$${h##*/}; \
	  c=tests/fuzz/corpus/$${n#fuzz-}; w=$$(mktemp -d); cp -r $$c/. $$w/ 2>/dev/null; \
	  echo "  FUZZ    $$n ($(FUZZ_SECONDS) s)"; \
	  $$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$w >$$w.log 2>&1; rc=$$?; \
	  grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' $$w.log; rm -rf $$w $$w.log; \
	  [ $$rc -eq 0 ] || { echo "fuzz: $$n found a crash" >&2; exit 1; }; done
.PHONY: fuzz
CLEAN_EXTRA += $(FUZZ_HARNESSES)
