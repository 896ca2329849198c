# uffd-watch: the tool, plus its preload agent (a shared library installed
# to $(libexecdir)/hvutils and found next to the binary in the build tree).
uffd-watch_LIBS   := $(JSONC_LIBS)
uffd-watch_CFLAGS := $(JSONC_CFLAGS)
uffd-watch_NEEDS  := HAVE_JSONC
uffd-watch_EXTRA  := tools/uffd-watch/uffd-watch-agent.so
INSTALL_LIBEXEC   += tools/uffd-watch/uffd-watch-agent.so
CLEAN_EXTRA       += tools/uffd-watch/uffd-watch-agent.so tools/uffd-watch/agent/*.d

# No libhvutils in the agent: it lives inside other programs (and no sanitizer
# in a SANITIZE=1 build: see the top Makefile).
tools/uffd-watch/uffd-watch-agent.so: CFLAGS := $(call nosan,$(CFLAGS))
tools/uffd-watch/uffd-watch-agent.so: LDFLAGS := $(call nosan,$(LDFLAGS))
tools/uffd-watch/uffd-watch-agent.so: tools/uffd-watch/agent/uffd-watch-agent.c \
		tools/uffd-watch/proto.h
	$(call hv_prog,-fPIC -shared -fvisibility=hidden -MMD -MP \
	  -MF tools/uffd-watch/agent/uffd-watch-agent.d,-lpthread)
-include tools/uffd-watch/agent/uffd-watch-agent.d
