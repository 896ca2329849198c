# lguest-run: a small KVM launcher. Links nothing beyond libc, pthreads and
# popt: start-up time is part of boot time.
lguest-run_LIBS := -lpthread
# liblzma (optional): --unpack decodes a bzImage's xz payload in the launcher.
ifeq ($(HAVE_LZMA),yes)
lguest-run_LIBS += $(LZMA_LIBS)
lguest-run_CFLAGS += $(LZMA_CFLAGS) -DHAVE_LZMA
endif
