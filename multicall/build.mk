# hvutils, the multi-call program (multicall/hvutils.c): every built tool as
# an applet, picked by the name it is called by or by its first argument.
# Two links of it:
#   multicall/hvutils         libc shared, every other library static (as
#                             xsctl and gntshare link them): `make hvutils`
#   multicall/hvutils-static  nothing shared, for an initramfs or a rescue
#                             image: `make hvutils-static` (not with
#                             SANITIZE=1: ASan cannot link statically)
# `make install` still installs the separate programs; `make install-hvutils`
# installs the static one (stripped; HVUTILS_STATIC=no: the other) and a
# symlink per applet instead.
#
# An applet shares its tool's objects except main.o: tools/<cmd>/main.c is
# compiled once more as main-applet.o, main renamed <cmd>_main and checked
# against its prototype in multicall/applets.h.
HVUTILS_APPLETS := $(BUILT_TOOLS)

define applet_rules
tools/$(1)/main-applet.o: tools/$(1)/main.c multicall/applets.h config.h $$(FLAVOUR_STAMP)
	@echo "  CC      $$@"
	$$(Q)$$(CC) $$(HV_CFLAGS) $$($(1)_CFLAGS) $$(CFLAGS) -include multicall/applets.h \
	  -Dmain=$(subst -,_,$(1))_main -MMD -MP -c -o $$@ $$<
HVUTILS_OBJS += $$(filter-out tools/$(1)/main.o,$$($(1)_OBJS)) tools/$(1)/main-applet.o
endef
$(foreach t,$(HVUTILS_APPLETS),$(eval $(call applet_rules,$(t))))

multicall/hvutils.o: CFLAGS_EXTRA := $(foreach t,$(HVUTILS_APPLETS),-DHV_APPLET_$(subst -,_,$(t)))
HVUTILS_OBJS := multicall/hvutils.o $(HVUTILS_OBJS)

# The tools' libraries, each list as it is, without the switches between
# static and shared: the first link takes all but libc static, the second
# everything (dlopen()ed libraries stay shared: vfio-bind's libpci and
# libkmod, xsctl's threaded libxenstore for watches).
mc_comma := ,
HVUTILS_LIBS := $(filter-out -static -Wl$(mc_comma)-Bstatic -Wl$(mc_comma)-Bdynamic,\
  $(foreach t,$(HVUTILS_APPLETS),$($(t)_LIBS))) $(POPT_LIBS)

multicall/hvutils: $(HVUTILS_OBJS) $(LIBHV)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(HVUTILS_OBJS) $(LIBHV) -Wl,-Bstatic $(HVUTILS_LIBS) -Wl,-Bdynamic

multicall/hvutils-static: $(HVUTILS_OBJS) $(LIBHV)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $(HVUTILS_OBJS) $(LIBHV) $(HVUTILS_LIBS)

# uffd-watch finds its preload agent next to the binary first (run-spawn.c).
multicall/uffd-watch-agent.so:
	$(Q)ln -sf ../tools/uffd-watch/uffd-watch-agent.so $@

hvutils: multicall/hvutils
hvutils-static: multicall/hvutils-static
ALL += multicall/hvutils
ifneq ($(SANITIZE),1)
ALL += multicall/hvutils-static
endif
ifneq ($(filter uffd-watch,$(HVUTILS_APPLETS)),)
ALL += multicall/uffd-watch-agent.so
endif

# Stripped, as an initramfs wants it (a SANITIZE=1 build keeps its symbols
# for the reports); HVUTILS_STATIC=no installs multicall/hvutils instead.
HVUTILS_STATIC ?= yes
HVUTILS_INSTALL := $(if $(filter 1,$(SANITIZE))$(filter-out yes,$(HVUTILS_STATIC)),\
  multicall/hvutils,multicall/hvutils-static)
install-hvutils: install $(HVUTILS_INSTALL)
	$(Q)install -m 0755 $(if $(filter 1,$(SANITIZE)),,-s) $(HVUTILS_INSTALL) $(DESTDIR)$(bindir)/hvutils
	$(Q)for t in $(HVUTILS_APPLETS); do ln -sf hvutils $(DESTDIR)$(bindir)/$$t; done
	$(Q)install -m 0644 completions/bash/hvutils $(DESTDIR)$(bashcompdir)/hvutils
	$(Q)install -m 0644 completions/zsh/_hvutils $(DESTDIR)$(zshcompdir)/_hvutils

uninstall-hvutils:
	$(Q)rm -f $(DESTDIR)$(bindir)/hvutils $(DESTDIR)$(bashcompdir)/hvutils \
	  $(DESTDIR)$(zshcompdir)/_hvutils
uninstall: uninstall-hvutils

.PHONY: hvutils hvutils-static install-hvutils uninstall-hvutils
CLEAN_EXTRA += multicall/hvutils multicall/hvutils-static multicall/*.o multicall/*.d \
  multicall/uffd-watch-agent.so
-include $(wildcard multicall/*.d)

# bench/multicall: each tool linked alone the way hvutils-static is, to set
# one static multi-call binary's size against five static programs.
define static_tool_rules
build/static/$(1): $$($(1)_OBJS) $(LIBHV)
	@echo "  LD      $$@"
	$$(Q)mkdir -p build/static && $$(CC) $$(LDFLAGS) -static -o $$@ $$($(1)_OBJS) $(LIBHV) \
	  $$(filter-out -static -Wl$$(mc_comma)-Bstatic -Wl$$(mc_comma)-Bdynamic,$$($(1)_LIBS)) $$(POPT_LIBS)
endef
$(foreach t,$(HVUTILS_APPLETS),$(eval $(call static_tool_rules,$(t))))
static-tools: $(HVUTILS_APPLETS:%=build/static/%)
.PHONY: static-tools
