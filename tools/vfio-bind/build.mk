# vfio-bind: libpci (names) and libkmod (module loading) are dlopen()ed on
# first use, not linked (libs.c), and the binary is linked statically: the
# dynamic loader alone costs 10.6 ms per process in the pci bench guest (TCG:
# a static hello 3.8 ms, the same dynamically linked 14.4 ms), more than the
# kernel's own work for a bind + restore of an edu device (8 ms), and scripts
# run vfio-bind once per step (bench/vfio-bind/RESULTS).
# The price: glibc prints two link-time warnings (dlopen, getpwnam in a static
# program need the same glibc's shared libraries at run time; a mismatch only
# costs names or module auto-loading, and a rebuild fixes it).
# VFIO_BIND_STATIC=no links it dynamically (popt still static); sanitizer
# builds are always dynamic (ASan cannot link statically).
VFIO_BIND_STATIC ?= yes
# It changes the link: part of the build's flavour (top Makefile).
FLAVOUR_VARS += VFIO_BIND_STATIC
ifeq ($(SANITIZE),1)
  VFIO_BIND_STATIC := no
endif
ifeq ($(VFIO_BIND_STATIC),yes)
vfio-bind_LIBS := -static $(JSONC_LIBS)
else
vfio-bind_LIBS := -Wl,--as-needed -Wl,-Bstatic $(POPT_LIBS) -Wl,-Bdynamic $(JSONC_LIBS)
endif
# json-c reads mdevctl's definition files (mdevjson.c).
vfio-bind_CFLAGS := $(LIBPCI_CFLAGS) $(LIBKMOD_CFLAGS) $(JSONC_CFLAGS)
vfio-bind_NEEDS := HAVE_LIBPCI HAVE_LIBKMOD HAVE_POPT HAVE_JSONC
