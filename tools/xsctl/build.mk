# xsctl: XenStore command line.
# Every scripted call pays the start-up, so the libraries are linked
# statically (Debian ships the .a files): the binary needs only libc.
# --as-needed drops the dynamic -lpopt the top Makefile adds afterwards.
# -z now: libc's symbols bound at start-up (full RELRO for a tool run as
# root), which in the bench's PV dom0 is also cheaper than the lazy-binding
# trampoline on the first call of each (bench/xsctl/README).
xsctl_LIBS   := -Wl,-z,now -Wl,--as-needed -Wl,-Bstatic $(XENSTORE_LIBS) -lxentoolcore \
                $(JSONC_LIBS) $(POPT_LIBS) -Wl,-Bdynamic
xsctl_CFLAGS := $(XENSTORE_CFLAGS) $(JSONC_CFLAGS)
xsctl_NEEDS  := HAVE_XENSTORE HAVE_JSONC HAVE_POPT
