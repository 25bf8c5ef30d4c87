# SPDX-License-Identifier: GPL-2.0
#
# Stand-in for the kernel's tools/testing/selftests/lib.mk when building
# out of tree: kselftest_harness.h comes from linux-source-6.12 unpacked in
# the cache (never copied into the repo), the uapi headers from ../include.
# Test modules (TEST_GEN_MODS_DIR) are built per kernel by
# scripts/build-modules.

KSFT_DIR := $(shell bash -c '. ../scripts/lib/common.sh && halo_ksrc')/tools/testing/selftests
CFLAGS += -I$(KSFT_DIR) -I../include/uapi
OUTPUT ?= .

all: $(addprefix $(OUTPUT)/,$(TEST_GEN_PROGS))

$(OUTPUT)/%: %.c ../include/uapi/linux/halo.h
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

run_tests: all
	./run.sh $(TEST_GEN_PROGS) $(TEST_PROGS)

clean:
	rm -f $(addprefix $(OUTPUT)/,$(TEST_GEN_PROGS))

.PHONY: all run_tests clean
