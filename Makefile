# SPDX-License-Identifier: GPL-2.0
#
# halo: top-level entry points. The README's two commands are `make demo`
# and `make check`; both install their own dependencies (scripts/deps).

KERNELS ?= 6.1 6.12

all: tools modules

deps:
	@scripts/deps

tools:
	@$(MAKE) -s -C userspace

# haloctl into $(DESTDIR)$(PREFIX)/sbin (PREFIX /usr/local); the modules
# are dkms's (README, "Install")
install:
	@$(MAKE) -s -C userspace install

modules:
	@for k in $(KERNELS); do scripts/build-modules $$k >/dev/null || exit 1; done

# Regenerate include/uapi/ from Documentation/netlink/specs/.
uapi:
	@scripts/ynl-gen

selftests: tools
	@$(MAKE) -s -C selftests

unit:
	@$(MAKE) -s -C selftests/unit run_tests

style:
	@scripts/style

debug-kernel:
	@scripts/debug-kernel

dkms-check:
	@scripts/dkms-check

demo: deps
	@scripts/demo

check: deps
	@scripts/check

check-extended: deps
	@scripts/check --extended

clean:
	rm -rf build
	@$(MAKE) -s -C selftests clean

.PHONY: all deps tools install modules uapi selftests unit style debug-kernel \
	dkms-check demo check check-extended clean
