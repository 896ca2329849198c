# vfio-bind: libpci (names) and libkmod (module loading) are dlopen()ed on
# first use, not linked: see libs.c for the start-up cost they add. popt is
# linked statically for the same reason (Debian ships libpopt.a); the binary
# then needs only libc at start-up.
vfio-bind_LIBS := -Wl,--as-needed -Wl,-Bstatic $(POPT_LIBS) -Wl,-Bdynamic
vfio-bind_CFLAGS := $(LIBPCI_CFLAGS) $(LIBKMOD_CFLAGS)
vfio-bind_NEEDS := HAVE_LIBPCI HAVE_LIBKMOD HAVE_POPT
