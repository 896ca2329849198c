# gntshare: the grant devices through their ioctls (kernel UAPI headers from
# linux-libc-dev), XenStore for --publish/--refs-from through lib/xs.
# vchan is Xen's libxenvchan (its protocol, so Xen's tools can be the other
# end) with libxengnttab, libxenevtchn and libxentoollog under it.
# Every share and map is a process start, and only --publish/--refs-from
# use XenStore: these libraries, libxentoolcore and popt are linked statically
# (Debian ships the .a files), so the dynamic loader maps only libc instead
# of four libraries (as xsctl does). --as-needed drops the dynamic -lpopt
# the top Makefile adds afterwards. -z now: full RELRO, as for xsctl.
gntshare_LIBS   := -Wl,-z,now -Wl,--as-needed -Wl,-Bstatic -lxenvchan -lxengnttab -lxenevtchn \
                   -lxentoollog $(XENSTORE_LIBS) -lxentoolcore $(POPT_LIBS) -Wl,-Bdynamic
gntshare_CFLAGS := $(XENSTORE_CFLAGS)
gntshare_NEEDS  := HAVE_XENSTORE HAVE_XENVCHAN

# The benchmark's reference program on Xen's libxengnttab (bench/gntshare).
ifeq ($(HAVE_XENGNTTAB),yes)
TEST_EXTRA  += bench/gntshare/gntshare-ref
endif
CLEAN_EXTRA += bench/gntshare/gntshare-ref
bench/gntshare/gntshare-ref: bench/gntshare/gntshare-ref.c
	$(call hv_prog,$(XENGNTTAB_CFLAGS),$(XENGNTTAB_LIBS))

# Guest suite helper: an event channel loopback for --notify-port.
TEST_EXTRA  += tests/guest/xen/evtchn-peer
CLEAN_EXTRA += tests/guest/xen/evtchn-peer
tests/guest/xen/evtchn-peer: tests/guest/xen/evtchn-peer.c
	$(call hv_prog)
