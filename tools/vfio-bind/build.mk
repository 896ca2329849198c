# vfio-bind: libpci for names, libkmod to load vfio-pci; nothing else.
vfio-bind_LIBS := $(LIBPCI_LIBS) $(LIBKMOD_LIBS)
vfio-bind_CFLAGS := $(LIBPCI_CFLAGS) $(LIBKMOD_CFLAGS)
vfio-bind_NEEDS := HAVE_LIBPCI HAVE_LIBKMOD
