# lguest-run: a small KVM launcher. Links nothing beyond libc, pthreads and
# popt: start-up time is part of boot time.
lguest-run_LIBS := -lpthread
# liblzma and libzstd (optional): --unpack decodes a bzImage's xz (Debian
# 12's 6.1) or zstd (6.12 and newer) payload in the launcher.
ifeq ($(HAVE_LZMA),yes)
lguest-run_LIBS += $(LZMA_LIBS)
lguest-run_CFLAGS += $(LZMA_CFLAGS) -DHAVE_LZMA
endif
ifeq ($(HAVE_ZSTD),yes)
lguest-run_LIBS += $(ZSTD_LIBS)
lguest-run_CFLAGS += $(ZSTD_CFLAGS) -DHAVE_ZSTD
endif
# The 9p server (p9.c) needs no KVM: its unit test links it alone.
tests/unit/test-p9: tools/lguest-run/p9.c tools/lguest-run/p9.h
tests/unit/test-p9: UNIT_CFLAGS := -Itools/lguest-run
# lguest-run-init: PID 1 of a --run guest, static (the initramfs holds
# nothing else), installed to $(libexecdir)/hvutils and found next to the
# binary in the build tree. No libhvutils and no sanitizer: it runs alone
# in the guest.
lguest-run_EXTRA += tools/lguest-run/lguest-run-init
INSTALL_LIBEXEC  += tools/lguest-run/lguest-run-init
CLEAN_EXTRA      += tools/lguest-run/lguest-run-init
tools/lguest-run/lguest-run-init: CFLAGS := $(call nosan,$(CFLAGS))
tools/lguest-run/lguest-run-init: LDFLAGS := $(call nosan,$(LDFLAGS))
tools/lguest-run/lguest-run-init: tools/lguest-run/init/lguest-run-init.c
	$(call hv_prog,-static)
# The kernel cache's hash (hash.c) needs nothing else: its unit test links it alone.
tests/unit/test-hash: tools/lguest-run/hash.c tools/lguest-run/hash.h
tests/unit/test-hash: UNIT_CFLAGS := -Itools/lguest-run
