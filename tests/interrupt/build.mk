# ir-sigdfl: the interruption suites' launcher (tests/interrupt.bash).
TEST_EXTRA  += tests/interrupt/ir-sigdfl
CLEAN_EXTRA += tests/interrupt/ir-sigdfl

tests/interrupt/ir-sigdfl: tests/interrupt/sigdfl.c
	$(call hv_prog)
