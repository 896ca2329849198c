# Helpers the guest suites run. Built by `make check-build` (TEST_EXTRA) and
# carried into every bench initramfs with the rest of tests/.
GUEST_HELPERS := tests/guest/pci/kvm-api tests/guest/pci/p9-race
TEST_EXTRA  += $(GUEST_HELPERS)
CLEAN_EXTRA += $(GUEST_HELPERS)

tests/guest/pci/kvm-api: tests/guest/pci/kvm-api.c
	$(call hv_prog)

tests/guest/pci/p9-race: tests/guest/pci/p9-race.c
	$(call hv_prog)
