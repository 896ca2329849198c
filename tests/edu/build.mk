# edu-test (one behavioural suite for QEMU's edu through vfio-pci and for
# mdev-edu instances) and edu-abuse (robustness of mdev-edu), both run by
# tests/guest/pci*/50-mdev-edu.bats; edu-load (concurrent open/ioctl/remove)
# run by tests/guest/pci/60-load-mdev-edu.bats; edu-uffd (a DMA stuck on a
# userfaultfd must not hold up the device) run by 50-mdev-edu.bats.
EDU_TESTS := tests/edu/edu-test tests/edu/edu-abuse tests/edu/edu-load tests/edu/edu-uffd
TEST_EXTRA  += $(EDU_TESTS)
CLEAN_EXTRA += $(EDU_TESTS)

$(EDU_TESTS): tests/edu/%: tests/edu/%.c tests/edu/edu-vfio.c tests/edu/edu-vfio.h
	$(call hv_prog)
