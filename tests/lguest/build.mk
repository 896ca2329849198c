# Tiny lguest-run test guests: flat images assembled from tests/lguest/*.S
# (the header lguest-run loads is in guest.h). Built by `make check-build`.
LGUEST_GUESTS := $(patsubst %.S,%.img,$(wildcard tests/lguest/*.S))
TEST_EXTRA  += $(LGUEST_GUESTS)
CLEAN_EXTRA += $(LGUEST_GUESTS) tests/lguest/*.elf

tests/lguest/%.img: tests/lguest/%.S tests/lguest/guest.h
	@echo "  AS      $@"
	$(Q)$(CC) -c -x assembler-with-cpp -o $(@:.img=.o) $<
	$(Q)ld -static -nostdlib -Ttext=0x100000 -e _start -o $(@:.img=.elf) $(@:.img=.o)
	$(Q)objcopy -O binary $(@:.img=.elf) $@
	$(Q)rm -f $(@:.img=.o) $(@:.img=.elf)
