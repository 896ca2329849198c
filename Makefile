# hvutils top-level Makefile: hand-written, non-recursive.
#
# configure only finds things (config.mk); this file knows how to build them.
# Each tools/<cmd>/build.mk names its sources' libraries; lib/ is one static
# library; kmod/<module>/ is built by Kbuild against the guest kernel.

# Goals that must work before the build dependencies exist (a fresh machine
# has no autoconf yet) do not read the configuration; check and demo install
# the dependencies first and then re-enter make.
NOCONF_GOALS := deps print-deps check-packages clean distclean check check-valgrind demo
ifeq ($(MAKECMDGOALS),)
  NEED_CONF := 1
else ifneq ($(filter-out $(NOCONF_GOALS),$(MAKECMDGOALS)),)
  NEED_CONF := 1
endif
ifeq ($(NEED_CONF),1)
  # A fresh clone generates its configuration here; make then re-reads itself.
  # Before `make deps` there is no autoconf: say so in one line.
  ifeq ($(wildcard config.mk)$(shell command -v autoreconf),)
    $(error hvutils: autoreconf not found, the build dependencies are missing: run 'make deps' first (as root, on Debian 12))
  endif
  include config.mk
endif
config.mk config.h: configure.ac config.mk.in
	@echo "  CONFIG  (autoreconf + configure)"
	$(Q){ test configure -nt configure.ac || autoreconf -fi; } && ./configure $(CONFIGURE_FLAGS) && touch config.mk config.h

V ?= 0
LIBHV := lib/libhvutils.a
Q := $(if $(filter 1,$(V)),,@)
prefix      ?= /usr/local
bindir      ?= $(prefix)/bin
libdir      ?= $(prefix)/lib
libexecdir  ?= $(prefix)/libexec
mandir      ?= $(prefix)/share/man
datadir     ?= $(prefix)/share
bashcompdir ?= $(datadir)/bash-completion/completions
# Debian's zsh looks in vendor-completions for the distribution's files and
# in site-functions under /usr/local for the administrator's.
zshcompdir  ?= $(if $(filter /usr,$(prefix)),$(datadir)/zsh/vendor-completions,$(datadir)/zsh/site-functions)
# udev reads /usr/lib/udev/rules.d (the distribution's; /lib/udev is the same
# directory on Debian 12's merged /usr) and /usr/local/lib/udev/rules.d.
udevrulesdir ?= $(prefix)/lib/udev/rules.d
VB_UDEV_RULE := 60-hvutils-vfio-bind.rules

CC      ?= gcc
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
           -Wmissing-prototypes -Wstrict-prototypes
CFLAGS  ?= -O2 -g
HV_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -Ilib -include config.h \
             -DHV_VERSION='"$(VERSION)"' -DHV_LIBEXECDIR='"$(libexecdir)/hvutils"' \
             $(POPT_CFLAGS)
# SANITIZE=1: ASan + UBSan everywhere, except in code that lives inside the
# programs uffd-watch observes (its preload agent, the test programs it
# traces), built with $(call nosan,FLAGS): a sanitizer runtime there maps
# memory of its own (ASan terabytes of shadow and allocator regions, UBSan
# a few MiB) that the agent registers and traces like the program's, and
# ASan must be the first library of a process, which a preloaded agent
# in an uninstrumented program cannot be. tests/README has the details.
ifeq ($(SANITIZE),1)
  SAN_FLAGS := -fsanitize=address,undefined
  CFLAGS    += $(SAN_FLAGS) -fno-omit-frame-pointer
  LDFLAGS   += $(SAN_FLAGS)
  nosan      = $(subst $(SAN_FLAGS),,$(1))
else
  nosan      = $(1)
endif

# The flavour of what is built, as make variable assignments (SANITIZE and
# whatever a build.mk adds to FLAVOUR_VARS because it changes how a tool is
# linked, e.g. VFIO_BIND_STATIC), is recorded in build/flavour; everything
# compiled depends on it, so switching between a SANITIZE=1 build and a
# normal one (or a static and a dynamic vfio-bind) rebuilds all of it
# instead of linking stale objects of the other kind. tests/guest/
# mkinitramfs passes it to `make install`, tests/valgrind/run checks it.
FLAVOUR = $(foreach v,SANITIZE $(FLAVOUR_VARS),$(v)=$($(v)))
FLAVOUR_STAMP := build/flavour
# Rewritten (new mtime) only when the flavour changes; goals that build
# nothing (check-run) leave it alone.
$(FLAVOUR_STAMP): FORCE
	$(Q)mkdir -p build && { [ "$$(cat $@ 2>/dev/null)" = "$(FLAVOUR)" ] || echo "$(FLAVOUR)" >$@; }
FORCE:
.PHONY: FORCE

.DEFAULT_GOAL := all
ALL := $(LIBHV)

# ---- lib/ ------------------------------------------------------------------
LIB_SRCS := $(wildcard lib/*.c)
ifneq ($(HAVE_XENSTORE),yes)
  LIB_SRCS := $(filter-out lib/xs.c,$(LIB_SRCS))
endif
LIB_OBJS := $(LIB_SRCS:.c=.o)
$(LIB_OBJS): CFLAGS_EXTRA := $(XENSTORE_CFLAGS)
$(LIBHV): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

%.o: %.c config.h $(FLAVOUR_STAMP)
	@echo "  CC      $@"
	$(Q)$(CC) $(HV_CFLAGS) $(CFLAGS_EXTRA) $(CFLAGS) -MMD -MP -c -o $@ $<

# The one recipe of every program outside lib/ and config.h (the tests'
# helpers, lguest-run-init, the uffd-watch agent): the .c files among its
# prerequisites compiled and linked in one step, as
#   $(call hv_prog,EXTRA-CFLAGS,LIBS)
# A program that must not carry the sanitizers sets CFLAGS and LDFLAGS
# through nosan for its target (tests/uffd/build.mk).
define hv_prog
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(1) $(LDFLAGS) -o $@ $(filter %.c,$^) $(2)
endef

# ---- tools/ ----------------------------------------------------------------
# A tool's build.mk may set:
#   <cmd>_LIBS   libraries it links (only those it uses: start-up time matters)
#   <cmd>_CFLAGS extra compiler flags
#   <cmd>_NEEDS  HAVE_* variables that must be 'yes' for it to build
#   <cmd>_EXTRA  further targets the tool owns (preload agents, helpers)
TOOLS := $(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/build.mk))))
include $(wildcard tools/*/build.mk)

define tool_rules
$(1)_SRCS := $$(wildcard tools/$(1)/*.c)
$(1)_OBJS := $$($(1)_SRCS:.c=.o)
$$($(1)_OBJS): CFLAGS_EXTRA := $$($(1)_CFLAGS)
tools/$(1)/$(1): $$($(1)_OBJS) $(LIBHV)
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $(LIBHV) $$($(1)_LIBS) $(POPT_LIBS)
ifeq ($$(strip $$(foreach n,$$($(1)_NEEDS),$$(filter-out yes,$$($$(n))))),)
BUILT_TOOLS += $(1)
ALL += tools/$(1)/$(1) $$($(1)_EXTRA)
else
SKIPPED_TOOLS += $(1)
endif
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rules,$(t))))
# The same tools as one multi-call program, hvutils.
include $(wildcard multicall/build.mk)

# ---- man/ ------------------------------------------------------------------
# Pages are written in roff directly; tests/host/man.bats checks that they
# render without a warning and list the options the tools' --help lists.
MANPAGES := $(wildcard man/*.[1-8])

# ---- kmod/ -----------------------------------------------------------------
KMODS := $(patsubst kmod/%/Kbuild,%,$(wildcard kmod/*/Kbuild))
KDIR  ?= /lib/modules/$(KVER)/build
# Modules must use the compiler the kernel was built with, whatever CC says.
KERNEL_CC ?= gcc
ifeq ($(HAVE_KERNEL),yes)
ALL += kmod
endif
kmod:
	$(Q)for m in $(KMODS); do $(MAKE) -C kmod/$$m KDIR=$(KDIR) CC=$(KERNEL_CC) || exit 1; done
.PHONY: kmod

# ---- tests -----------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)
# A unit test of code outside lib/ names that code's .c files as further
# prerequisites and its directory in UNIT_CFLAGS (tools/lguest-run/build.mk).
tests/unit/%: tests/unit/%.c tests/unit/unit.h $(LIBHV)
	@echo "  LD      $@"
	$(Q)$(CC) $(HV_CFLAGS) $(CFLAGS) -Itests/unit $(UNIT_CFLAGS) $(LDFLAGS) -o $@ \
	  $(filter %.c,$^) $(LIBHV) $(POPT_LIBS)
include $(wildcard tests/*/build.mk)
# Programs built straight from sources (no .o) follow the flavour too.
$(UNIT_BINS) $(TEST_EXTRA) $(foreach t,$(TOOLS),$($(t)_EXTRA)): $(FLAVOUR_STAMP)

all: $(ALL)
	@test -z "$(SKIPPED_TOOLS)" || echo "  SKIP    $(SKIPPED_TOOLS) (missing libraries: see ./configure's summary or run 'make deps')"

check-build: all $(UNIT_BINS) $(TEST_EXTRA)

# make check: deps, build, then every suite (unit, host bats, each guest
# profile) through one runner that ends with 'N passed, N failed'.
# The build runs on every core unless the caller chose -j.
BUILD_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))
check: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD_JOBS) check-build
	$(Q)$(MAKE) --no-print-directory check-run

check-run:
	$(Q)$(MAKE_ENV) tests/run-all

# make check-valgrind: the host suites with every tool they start under
# valgrind (tests/valgrind/run, section "valgrind" of tests/run-all). A
# normal build: valgrind and SANITIZE=1 exclude each other; vfio-bind linked
# dynamically: memcheck replaces malloc only through the dynamic loader.
check-valgrind: deps
	$(Q)$(MAKE) --no-print-directory check-build SANITIZE= VFIO_BIND_STATIC=no
	$(Q)HV_SUITES=valgrind $(MAKE) --no-print-directory check-run SANITIZE= VFIO_BIND_STATIC=no

# make check-long: the tests tagged long (minutes of TCG each, left out of
# make check's 25 minutes), in the xen guest on 6.1: vchan's 64 MiB rounds
# with a PV domU.
check-long: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD_JOBS) check-build
	$(Q)HV_SUITES=xen HV_BATS_TAGS=long $(MAKE) --no-print-directory check-run

# The demo parts run some of the tests' helper programs (edu-test,
# uffd-fc-client) besides the tools.
demo: deps
	$(Q)$(MAKE) --no-print-directory $(BUILD_JOBS) demo-build
	$(Q)$(MAKE) --no-print-directory demo-run

demo-build: all $(TEST_EXTRA)

demo-run:
	$(Q)$(MAKE_ENV) tests/demo/run

# What the build, the images, the tests, the demo and the benchmarks need,
# by Debian package name: a fresh machine has nothing else (tests/deps-check,
# run by the host suite, checks that every program they use is covered).
DEPS_PKGS := build-essential autoconf automake pkg-config clang file kmod pciutils \
  libpopt-dev libpci-dev libkmod-dev libjson-c-dev libxen-dev liblzma-dev libzstd-dev zstd xz-utils \
  qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio bats \
  xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils hyperfine \
  bash-completion zsh libclang-rt-14-dev dkms valgrind jq python3 git debootstrap \
  groff-base mandoc shellcheck mmdebstrap dwarves clang-format libxml2-utils librsvg2-bin
print-deps:
	@echo $(DEPS_PKGS)
# The guest kernels besides Debian 12's own 6.1 (tests/guest/kernels): fetched
# and unpacked into /var/cache/hvutils by make deps, with the sid build root
# the newest kernel's modules are built in.
HV_KERNELS ?= 6.1 6.12 newest
# The kernels make check runs the kernel-facing guest profiles on (xen, pci,
# pci-noiommu; tests/run-all): all three supported ones (README, "Supported
# kernels"). HV_CHECK_KERNELS=6.1 for a quicker run on Debian 12's alone.
HV_CHECK_KERNELS ?= 6.1 6.12 newest
deps:
	$(Q)missing=; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "  DEPS    all present"; \
	else echo "  DEPS    installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { echo "make deps: apt-get install failed:$$missing (run as root on Debian 12)" >&2; exit 1; }; \
	  rm -f config.mk; \
	fi
	$(Q)tests/guest/kernels fetch $(HV_KERNELS)
	$(Q)tests/guest/debs fetch
	$(Q)case " $(HV_KERNELS) " in *" newest "*) tests/guest/kernels buildroot newest ;; esac

# Variables the test and demo scripts read.
MAKE_ENV = HV_TOP=$(CURDIR) KVER=$(KVER) QEMU=$(QEMU) BATS=$(BATS) BUSYBOX=$(BUSYBOX) \
  XENSTORED=$(XENSTORED) OXENSTORED=$(OXENSTORED) XEN_IMAGE=$(XEN_IMAGE) \
  HV_BUILT_TOOLS="$(BUILT_TOOLS)" HV_UNIT_BINS="$(UNIT_BINS)" HV_KERNELS="$(HV_KERNELS)" \
  HV_CHECK_KERNELS="$(HV_CHECK_KERNELS)"

.PHONY: all check check-build check-run check-valgrind check-long demo demo-build demo-run deps print-deps install uninstall clean distclean dist

# ---- install ---------------------------------------------------------------
install: all
	$(Q)install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man4 \
	  $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(libexecdir)/hvutils
	$(Q)for t in $(BUILT_TOOLS); do install -m 0755 tools/$$t/$$t $(DESTDIR)$(bindir)/$$t; \
	  test ! -f completions/bash/$$t || install -m 0644 completions/bash/$$t $(DESTDIR)$(bashcompdir)/$$t; \
	  test ! -f completions/zsh/_$$t || install -m 0644 completions/zsh/_$$t $(DESTDIR)$(zshcompdir)/_$$t; \
	done
	$(Q)for m in $(MANPAGES); do s=$${m##*.}; install -d $(DESTDIR)$(mandir)/man$$s; \
	  install -m 0644 $$m $(DESTDIR)$(mandir)/man$$s/; done
	$(Q)for f in $(INSTALL_LIBEXEC); do install -m 0755 $$f $(DESTDIR)$(libexecdir)/hvutils/; done
	$(Q)case " $(BUILT_TOOLS) " in *" vfio-bind "*) install -d $(DESTDIR)$(udevrulesdir) && \
	  sed 's|@bindir@|$(bindir)|g' tools/vfio-bind/vfio-bind.rules.in \
	    >$(DESTDIR)$(udevrulesdir)/$(VB_UDEV_RULE) && \
	  chmod 0644 $(DESTDIR)$(udevrulesdir)/$(VB_UDEV_RULE);; esac

uninstall:
	$(Q)for t in $(TOOLS); do rm -f $(DESTDIR)$(bindir)/$$t $(DESTDIR)$(bashcompdir)/$$t $(DESTDIR)$(zshcompdir)/_$$t; done
	$(Q)for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(mandir)/man$$s/$${m##*/}; done
	$(Q)rm -rf $(DESTDIR)$(libexecdir)/hvutils
	$(Q)rm -f $(DESTDIR)$(udevrulesdir)/$(VB_UDEV_RULE)

# ---- Debian packages ---------------------------------------------------------
# make deb: hvutils and mdev-edu-dkms built by dpkg-buildpackage from a clean
# copy of the tracked files (build/deb/), then checked by lintian: no errors
# and no warnings (an override only with a comment saying why).
DEB_DIR := build/deb
DEPS_PKGS += debhelper dh-dkms lintian piuparts
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/hvutils-$(VERSION)
	$(Q)git ls-files -z | tar --null -cf - -T - | tar -C $(DEB_DIR)/hvutils-$(VERSION) -xf -
	@echo "  DEB     $(DEB_DIR)/*.deb (dpkg-buildpackage -us -uc -b)"
	$(Q)cd $(DEB_DIR)/hvutils-$(VERSION) && dpkg-buildpackage -us -uc -b >$(CURDIR)/$(DEB_DIR)/build.log 2>&1 || \
	  { tail -n 30 $(CURDIR)/$(DEB_DIR)/build.log; echo "make deb: dpkg-buildpackage failed (log: $(DEB_DIR)/build.log)" >&2; exit 1; }
	@echo "  LINTIAN $(DEB_DIR)/hvutils_$(VERSION)_amd64.changes"
	$(Q)lintian --fail-on error,warning --no-tag-display-limit $(DEB_DIR)/hvutils_$(VERSION)_amd64.changes

# make check-packages: for Debian 12 and 13 each, a clean-root build with only
# the Build-Depends, lintian, piuparts and autopkgtest, and on Debian 12
# mdev-edu-dkms with two kernels' headers (tests/packages/check-release);
# slow (roots, two builds), so not in check.
check-packages: deps
	$(Q)out=$$(mktemp); for r in bookworm trixie; do tests/packages/check-release $$r | tee -a $$out; done; \
	  ok=$$(grep -c '^ok ' $$out); nok=$$(grep -c '^not ok ' $$out); rm -f $$out; \
	  echo "$$ok passed, $$nok failed"; test $$nok -eq 0 -a $$ok -gt 0
.PHONY: deb check-packages

# ---- dist ------------------------------------------------------------------
DISTNAME := hvutils-$(VERSION)
dist:
	$(Q)test -x configure || autoreconf -fi
	$(Q)rm -rf $(DISTNAME) $(DISTNAME).tar.gz
	$(Q)mkdir $(DISTNAME) && git ls-files | tar -cf - -T - | tar -C $(DISTNAME) -xf - \
	  && cp configure config.h.in $(DISTNAME)/ \
	  && tar -czf $(DISTNAME).tar.gz $(DISTNAME) && rm -rf $(DISTNAME)
	@echo "  DIST    $(DISTNAME).tar.gz"

clean:
	$(Q)rm -f $(LIBHV) lib/*.o lib/*.d tools/*/*.o tools/*/*.d $(UNIT_BINS) $(CLEAN_EXTRA)
	$(Q)for t in $(TOOLS); do rm -f tools/$$t/$$t; done
	$(Q)for m in $(KMODS); do $(MAKE) -s -C kmod/$$m KDIR=$(KDIR) clean 2>/dev/null || true; done

distclean: clean
	$(Q)rm -rf config.mk config.h config.log config.status autom4te.cache configure config.h.in config.h.in~ build

-include $(wildcard lib/*.d tools/*/*.d)
