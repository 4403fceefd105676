# pbx-firmware: two commands on a fresh Debian 12 machine: `make run` and `make test`.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
PIP   := $(VENV)/bin/pip
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: DSP library, systemd-python build deps, real SIP peers, browser, prompts,
# independent decoders for cross-checks, image tooling.
DEB_PACKAGES := python3-venv python3-dev gcc pkg-config libsystemd-dev \
	libspandsp2 libspandsp-dev sqlite3 \
	sip-tester kamailio kamailio-sqlite-modules kamailio-tls-modules kamailio-presence-modules rtpengine-daemon baresip-core \
	chromium chromium-driver espeak-ng sox multimon-ng \
	openssl iproute2 procps \
	device-tree-compiler mmdebstrap genimage dosfstools e2fsprogs mtools fdisk squashfs-tools \
	grub-efi-amd64-bin grub-common ovmf qemu-system-x86 qemu-system-arm qemu-user-static binfmt-support \
	qemu-utils rauc python3-installer arch-test cpio zstd

.PHONY: setup run test lint bench clean overlays image image-check prompts
setup: .stamp-apt .stamp-venv .stamp-prompts

.stamp-apt: Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@touch $@

.stamp-venv: pyproject.toml setup.py firmware/sip/native/analog_port.c .stamp-apt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	@touch $@

# The caller-facing prompt set (espeak-ng, 8 kHz WAV) into firmware/prompts/voice/ (not committed; shipped in the package).
.stamp-prompts: .stamp-venv firmware/prompts/phrases.py firmware/prompts/generate.py
	$(PY) -m firmware.prompts.generate
	@touch $@

prompts: .stamp-venv
	$(PY) -m firmware.prompts.generate

run: setup
	$(VENV)/bin/pbxd --virtual

lint: setup
	$(VENV)/bin/ruff check firmware webui tests hil tools image
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --disallow-untyped-defs image/mkimage.py image/pi.py image/pi_tryboot.py
	$(VENV)/bin/lint-imports

test: setup lint
	$(VENV)/bin/pytest -q

# Device-tree overlay of the telephony board (overlays/README.md): regenerate from board.yaml, compile, no warnings.
overlays: setup
	$(PY) overlays/generate.py
	@mkdir -p overlays/build
	dtc -@ -I dts -O dtb -o overlays/build/pbx-board.dtbo overlays/pbx-board.dts 2>overlays/build/dtc.log; \
	  rc=$$?; cat overlays/build/dtc.log; test $$rc = 0 && test ! -s overlays/build/dtc.log

# The amd64 virtual appliance (image/README.md); ARCH=arm64 WHEELS=dir builds the Raspberry Pi 4 / CM4 SD image.
image: setup overlays
	$(PY) image/mkimage.py --arch $(or $(ARCH),amd64) $(if $(WHEELS),--wheels $(WHEELS))

# Slow checks outside `make test`: the amd64 VM boot, update and power-cut tests; the arm64 build (PBX_ARM64_WHEELS);
# the arm64 smoke image (no pjsua2, pbxd masked) booted under qemu-system-aarch64 -M virt. The arm64 root file
# system is built through qemu-user binfmt: binfmt_misc is mounted and qemu-aarch64 enabled first.
image-check: setup overlays
	@test -e /proc/sys/fs/binfmt_misc/status || $(SUDO) mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || \
	  { echo "image-check: cannot mount binfmt_misc (needed to build the arm64 root file system)" >&2; exit 1; }
	@grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || $(SUDO) update-binfmts --enable qemu-aarch64 || \
	  { echo "image-check: cannot enable qemu-aarch64 binfmt (qemu-user-static, binfmt-support installed?)" >&2; exit 1; }
	PBX_IMAGE_CHECK=1 $(VENV)/bin/pytest -q tests/image

bench: setup
	$(PY) -m tools.bench

clean:
	rm -rf $(VENV) .stamp-* build *.egg-info
