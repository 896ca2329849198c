# tests/fuzz: one harness per parser of untrusted input, built two ways.
#
#   make fuzz          libFuzzer + ASan + UBSan (clang), each harness runs for
#                      FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME);
#                      new inputs and crash reproducers stay in build/fuzz/.
#   make check-build   tests/fuzz/fuzz-NAME-replay: the same harness with
#                      replay.c as main, any compiler; make check runs it over
#                      the seed corpus in the unit section.
#
# A harness is tests/fuzz/fuzz-NAME.c; what it links beyond lib/ is set here:
#   FUZZ_SRCS_NAME   tool sources (the parser's own small file)
#   FUZZ_CFLAGS_NAME FUZZ_LIBS_NAME FUZZ_NEEDS_NAME (HAVE_* that must be yes)
FUZZ_SECONDS ?= 20

FUZZ_SRCS_xsctl   := lib/xs.c $(wildcard tools/xsctl/*.c)
# main() is renamed: the harness runs the verbs through xsctl_dispatch().
FUZZ_CFLAGS_xsctl := -Itools/xsctl -Dmain=xsctl_tool_main -Wno-missing-prototypes
FUZZ_LIBS_xsctl   := $(XENSTORE_LIBS) $(JSONC_LIBS)
FUZZ_NEEDS_xsctl  := HAVE_XENSTORE HAVE_JSONC
FUZZ_SRCS_xsrestore   := $(FUZZ_SRCS_xsctl)
FUZZ_CFLAGS_xsrestore := $(FUZZ_CFLAGS_xsctl)
FUZZ_LIBS_xsrestore   := $(FUZZ_LIBS_xsctl)
FUZZ_NEEDS_xsrestore  := $(FUZZ_NEEDS_xsctl)
# The daemons' control replies (xsctl control/quota), read by ctlreply.c alone.
FUZZ_SRCS_xsctlreply   := tools/xsctl/ctlreply.c
FUZZ_CFLAGS_xsctlreply := -Itools/xsctl
FUZZ_NEEDS_xsctlreply  := HAVE_XENSTORE
FUZZ_SRCS_xspath  := lib/xs.c tools/xsctl/escape.c
FUZZ_CFLAGS_xspath := -Itools/xsctl
FUZZ_LIBS_xspath  := $(XENSTORE_LIBS)
FUZZ_NEEDS_xspath := HAVE_XENSTORE
FUZZ_NEEDS_json   := HAVE_JSONC
FUZZ_LIBS_json    := $(JSONC_LIBS) -lm
FUZZ_SRCS_pciaddr := tools/vfio-bind/pciaddr.c tools/vfio-bind/record.c
FUZZ_CFLAGS_pciaddr := -Itools/vfio-bind $(LIBPCI_CFLAGS)
FUZZ_SRCS_vfioproc := tools/vfio-bind/proctext.c
FUZZ_CFLAGS_vfioproc := -Itools/vfio-bind $(LIBPCI_CFLAGS)
# regs scripts: the parser alone, a pure function over the script's bytes.
FUZZ_SRCS_regscript := tools/vfio-bind/regscript.c
FUZZ_CFLAGS_regscript := -Itools/vfio-bind $(LIBPCI_CFLAGS)
# mdevctl definition files: the parser and writer alone.
FUZZ_SRCS_mdevjson := tools/vfio-bind/mdevjson.c
FUZZ_CFLAGS_mdevjson := -Itools/vfio-bind $(LIBPCI_CFLAGS)
FUZZ_LIBS_mdevjson := $(JSONC_LIBS)
FUZZ_NEEDS_mdevjson := HAVE_JSONC
# gntshare vchan's rings under a hostile peer: Xen's libxenvchan (static,
# as gntshare links it), its event channel calls wrapped by the harness.
FUZZ_CFLAGS_vchanring := -Wno-missing-prototypes
FUZZ_LIBS_vchanring := -Wl,--wrap=xenevtchn_notify -Wl,--wrap=xenevtchn_pending \
  -Wl,--wrap=xenevtchn_unmask -Wl,-Bstatic -lxenvchan -lxengnttab -lxenevtchn -lxentoollog \
  $(XENSTORE_LIBS) -lxentoolcore -Wl,-Bdynamic
FUZZ_NEEDS_vchanring := HAVE_XENVCHAN HAVE_XENSTORE
FUZZ_SRCS_gntrefs := tools/gntshare/refs.c
FUZZ_CFLAGS_gntrefs := -Itools/gntshare $(XENSTORE_CFLAGS)
FUZZ_NEEDS_gntrefs := HAVE_XENSTORE
# With liblzma and libzstd the loader unpacks xz and zstd payloads (unpack.c): fuzzed as well.
FUZZ_SRCS_bzimage := tools/lguest-run/boot.c tools/lguest-run/mem.c tools/lguest-run/unpack.c \
  tools/lguest-run/kcache.c tools/lguest-run/hash.c
FUZZ_CFLAGS_bzimage := -Itools/lguest-run
ifeq ($(HAVE_LZMA),yes)
FUZZ_CFLAGS_bzimage += $(LZMA_CFLAGS) -DHAVE_LZMA
FUZZ_LIBS_bzimage += $(LZMA_LIBS)
endif
ifeq ($(HAVE_ZSTD),yes)
FUZZ_CFLAGS_bzimage += $(ZSTD_CFLAGS) -DHAVE_ZSTD
FUZZ_LIBS_bzimage += $(ZSTD_LIBS)
endif
# The device models a guest drives through port I/O (virtq.c walks the rings).
FUZZ_SRCS_virtq := tools/lguest-run/pci.c tools/lguest-run/virtio-pci.c tools/lguest-run/virtq.c \
  tools/lguest-run/virtio-blk.c \
  tools/lguest-run/virtio-rng.c tools/lguest-run/mem.c tools/lguest-run/serial.c \
  tools/lguest-run/rtc.c tools/lguest-run/virtio-9p.c tools/lguest-run/p9.c
FUZZ_CFLAGS_virtq := -Itools/lguest-run
FUZZ_LIBS_virtq := -lpthread
# The 9p server behind --share: messages straight in, no virtio.
FUZZ_SRCS_p9 := tools/lguest-run/p9.c
FUZZ_CFLAGS_p9 := -Itools/lguest-run
FUZZ_SRCS_pciconf := tools/lguest-run/pci.c tools/lguest-run/virtio-pci.c tools/lguest-run/virtq.c \
  tools/lguest-run/mem.c
FUZZ_CFLAGS_pciconf := -Itools/lguest-run
FUZZ_SRCS_uffdmsg := tools/uffd-watch/agentmsg.c
FUZZ_CFLAGS_uffdmsg := -Itools/uffd-watch
FUZZ_SRCS_uffd    := tools/uffd-watch/regions.c
FUZZ_CFLAGS_uffd  := -Itools/uffd-watch
FUZZ_LIBS_uffd    := $(JSONC_LIBS)
FUZZ_NEEDS_uffd   := HAVE_JSONC
# output.c for uw_kind_names, the names the trace writer uses.
FUZZ_SRCS_uffdtrace  := tools/uffd-watch/tracefile.c tools/uffd-watch/output.c
FUZZ_CFLAGS_uffdtrace := -Itools/uffd-watch
FUZZ_LIBS_uffdtrace  := $(JSONC_LIBS)
FUZZ_NEEDS_uffdtrace := HAVE_JSONC

FUZZ_ALL := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_NAMES := $(foreach n,$(FUZZ_ALL),$(if $(strip $(foreach v,$(FUZZ_NEEDS_$(n)),\
  $(filter-out yes,$($(v))))),,$(n)))
FUZZ_BINS := $(FUZZ_NAMES:%=tests/fuzz/fuzz-%)
FUZZ_REPLAYS := $(FUZZ_NAMES:%=tests/fuzz/fuzz-%-replay)

# libFuzzer builds recompile lib/ and the tool sources with coverage
# instrumentation; lib/xs.c only where a harness asks for it (libxenstore).
FUZZ_FLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -I. -Ilib -Itests/fuzz -include config.h \
  -DHV_VERSION='"$(VERSION)"' -DHV_LIBEXECDIR='"$(libexecdir)/hvutils"' \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  $(POPT_CFLAGS) $(JSONC_CFLAGS) $(XENSTORE_CFLAGS)
FUZZ_LIB_SRCS := $(filter-out lib/xs.c,$(wildcard lib/*.c))

define fuzz_rules
tests/fuzz/fuzz-$(1): tests/fuzz/fuzz-$(1).c tests/fuzz/fuzz.h $(FUZZ_LIB_SRCS) $(FUZZ_SRCS_$(1)) config.h
	@echo "  FUZZ-LD $$@"
	$$(Q)$$(CLANG) $$(FUZZ_FLAGS) $$(FUZZ_CFLAGS_$(1)) -o $$@ $$< $$(FUZZ_SRCS_$(1)) \
	  $$(FUZZ_LIB_SRCS) $$(FUZZ_LIBS_$(1)) $$(POPT_LIBS)
tests/fuzz/fuzz-$(1)-replay: tests/fuzz/fuzz-$(1).c tests/fuzz/replay.c tests/fuzz/fuzz.h \
		$(FUZZ_SRCS_$(1)) $(LIBHV)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(HV_CFLAGS) $$(CFLAGS) -Itests/fuzz $$(JSONC_CFLAGS) $$(XENSTORE_CFLAGS) \
	  $$(FUZZ_CFLAGS_$(1)) -DHV_FUZZ_NAME='"$(1)"' $$(LDFLAGS) -o $$@ $$< tests/fuzz/replay.c \
	  $$(FUZZ_SRCS_$(1)) $(LIBHV) $$(FUZZ_LIBS_$(1)) $$(POPT_LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rules,$(n))))

# The replays are unit tests: built by check-build, run by run-all's unit section.
UNIT_BINS += $(FUZZ_REPLAYS)

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)
.PHONY: fuzz
CLEAN_EXTRA += $(FUZZ_BINS) $(FUZZ_REPLAYS)
