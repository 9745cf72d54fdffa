# SPDX-License-Identifier: GPL-2.0
# mdev-ims: a thin front over tests/bench/. Every step is idempotent and
# caches its results under $(MDEV_IMS_CACHE) (default ~/.cache/mdev-ims),
# keyed by its inputs.
#
#   make check            set up everything, run the whole suite on both kernels
#   make demo             boot a guest and show instances at work
#   make bench            the project's mtty and mdpy against the kernel's samples
#   make fuzz             the fuzzer long on both kernels (FUZZ_OPS per device type)
#   make shell            the test guest with an interactive shell
#   make lint             checkpatch --strict, W=1 and sparse on both kernels
#   make modules KERNEL=stock|ims
#   make check KERNEL=stock TESTS='irqs/*'   a subset

BENCH := tests/bench
MDEV_IMS_CACHE ?= $(HOME)/.cache/mdev-ims
export MDEV_IMS_CACHE
KERNELS ?= stock ims
KERNEL ?= stock
TESTS ?=

.PHONY: all deps qemu kernels kernel modules guest-tests check demo bench shell \
	lint clean fuzz

all: modules

deps:
	@$(BENCH)/deps.sh

qemu: deps
	@$(BENCH)/qemu.sh

kernels: deps
	@for k in $(KERNELS); do $(BENCH)/kernel.sh $$k || exit 1; done

kernel: deps
	@$(BENCH)/kernel.sh $(KERNEL)

modules: kernel
	@$(BENCH)/modules.sh $(KERNEL)

check: deps
	@$(BENCH)/check.sh $(if $(filter command line,$(origin KERNEL)),$(KERNEL),$(KERNELS))

demo: deps
	@$(BENCH)/demo.sh

bench: deps
	@$(BENCH)/bench.sh

fuzz: deps
	@$(BENCH)/fuzz.sh $(if $(filter command line,$(origin KERNEL)),$(KERNEL),$(KERNELS))

shell: deps
	@$(BENCH)/run.sh --shell $(KERNEL)

lint: deps
	@$(BENCH)/lint.sh

clean:
	rm -rf $(MDEV_IMS_CACHE)/modules-* $(MDEV_IMS_CACHE)/initramfs-*
