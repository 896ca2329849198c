# Test programs for uffd-watch (tests/host/uffd-watch.bats and the pci guest).
# They are the programs it traces: no sanitizer in them (see the top Makefile).
UFFD_TEST_BINS := tests/uffd/uffd-touch tests/uffd/uffd-threads tests/uffd/uffd-forker \
	tests/uffd/uffd-fc-client tests/uffd/uffd-entry tests/uffd/uffd-bad-agent \
	tests/uffd/uffd-load
TEST_EXTRA  += $(UFFD_TEST_BINS)
CLEAN_EXTRA += $(UFFD_TEST_BINS)

$(UFFD_TEST_BINS): CFLAGS := $(call nosan,$(CFLAGS))
$(UFFD_TEST_BINS): LDFLAGS := $(call nosan,$(LDFLAGS))
tests/uffd/uffd-%: tests/uffd/%.c
	$(call hv_prog,,-lpthread)
