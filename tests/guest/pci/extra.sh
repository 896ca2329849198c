# shellcheck shell=bash
# stage is mkinitramfs' staging directory.
# shellcheck disable=SC2154
# Extra files for the pci image, sourced by tests/guest/mkinitramfs (add_file,
# add_bin, add_module available). One commented section per tool.

# ---- lguest-run (40-lguest-run.bats, 41-lguest-run-tiny.bats, tests/demo/pci/40-lguest-run.sh)
# The Debian bzImage lguest-run boots on nested KVM, and that guest's own
# small initramfs (tests/lguest/mkinner: busybox, virtio modules, inner-init).
# The nested guest is Debian 12's 6.1 whatever kernel the pci guest runs
# (pci@6.12, pci@newest test lguest-run on their KVM): Linux 7.2 as a
# nested guest oopses at once in fpstate_reset on this bench, whose QEMU
# 7.2 TCG does not intercept the nested guest's XSETBV (fixed in QEMU 8.2),
# so KVM never learns the guest's XCR0 (6.1 and 6.12 fall back to FXSAVE).
# Hiding XSAVE from the guest made 7.2 boot but 6.1 and 6.12 hang.
inner_env=$("$HV_TOP/tests/guest/kernels" env 6.1)
inner_kver=$(sed -n 's/^KVER=//p' <<<"$inner_env")
inner_root=$(sed -n 's/^HV_KERNEL_ROOT=//p' <<<"$inner_env")
inner_image=$(sed -n 's/^HV_KERNEL_IMAGE=//p' <<<"$inner_env")
HV_KERNEL_ROOT=$inner_root "$HV_TOP/tests/lguest/mkinner" "$HV_GUEST_BUILD/lguest-inner-$inner_kver.cpio.gz" "$inner_kver"
add_file "$HV_GUEST_BUILD/lguest-inner-$inner_kver.cpio.gz" /boot/lguest-inner.cpio.gz
add_file "$inner_image" "/boot/vmlinuz-$inner_kver"
# 44-lguest-run-run.bats: lguest-run --run --modules DIR takes the inner
# kernel's virtio-pci and 9p modules from a modules.dep of their own (the
# image's /lib/modules is the outer kernel's, and has no 9p).
lgmods=$HV_GUEST_BUILD/lguest-modules-$inner_kver
rm -rf "$lgmods"
mkdir -p "$lgmods"
while read -r kind path _; do
	[[ $kind == insmod ]] || continue
	rel=${path#*/lib/modules/"$inner_kver"/}
	if [[ -e $lgmods/$rel ]]; then continue; fi
	mkdir -p "$lgmods/$(dirname "$rel")"
	cp "$path" "$lgmods/$rel"
	grep "^$rel:" "$inner_root/lib/modules/$inner_kver/modules.dep" >>"$lgmods/modules.dep"
done < <(for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$inner_kver" -d "${inner_root:-/}" --show-depends "$m"
done)
add_file "$lgmods" /boot/lguest-modules
# 41-lguest-run-tiny.bats (tests/lguest/tiny-guests.bats): the guest's
# console on a terminal, through util-linux's script(1) (busybox has none).
add_bin /usr/bin/script
# bench/lguest-run only (HV_BENCH_LGUEST=1): QEMU to compare with, and its
# firmware (SeaBIOS for -M pc, qboot for -M microvm, the linuxboot ROMs).
if [[ ${HV_BENCH_LGUEST:-} == 1 ]]; then
	add_bin qemu-system-x86_64
	# xz: the bench times decompressing the kernel's payload (the floor).
	add_bin xz
	add_file /usr/share/seabios
	for f in /usr/share/qemu/{qboot.rom,bios-microvm.bin,linuxboot.bin,linuxboot_dma.bin,kvmvapic.bin,pvh.bin}; do
		add_file "$f"
	done
fi

# ---- vfio-bind (20-vfio-bind.bats, tests/demo/pci/20-vfio-bind.sh) ------------
# Device names in 'vfio-bind list' come from libpci's pci.ids. vfio-bind
# (the static hvutils' applet) dlopen()s libpci and libkmod (ldd lists
# neither): add them by name (mkinitramfs adds the loader their dlopen()
# needs).
add_file /usr/share/misc/pci.ids
add_bin /usr/lib/x86_64-linux-gnu/libpci.so.3
add_bin /usr/lib/x86_64-linux-gnu/libkmod.so.2
# bench/vfio-bind/run only: the peers (Debian driverctl and dpdk, unpacked by
# the run script), python3 with just the modules dpdk-devbind.py imports, and
# lspci, which it runs. Left out of the test image to keep it small.
if [[ -n ${HV_BENCH_VFIO_BIND_ROOT:-} ]]; then
	add_file "$HV_TOP/bench/vfio-bind/bench.sh" /bench/vfio-bind/bench.sh
	[[ ! -f $HV_BENCH_VFIO_BIND_ROOT/../bench.env ]] ||
		add_file "$HV_BENCH_VFIO_BIND_ROOT/../bench.env" /bench/vfio-bind/bench.env
	add_file "$HV_BENCH_VFIO_BIND_ROOT/../vb-floor" /bench/vfio-bind/vb-floor
	add_file "$HV_BENCH_VFIO_BIND_ROOT/../vb-floor-dyn" /bench/vfio-bind/vb-floor-dyn
	add_file "$HV_BENCH_VFIO_BIND_ROOT/usr/sbin/driverctl" /usr/sbin/driverctl
	add_file "$HV_BENCH_VFIO_BIND_ROOT/usr/bin/dpdk-devbind.py" /usr/bin/dpdk-devbind.py
	add_bin /usr/bin/python3.11
	ln -sf python3.11 "$stage/usr/bin/python3"
	# Python finds its exec prefix by this directory (all needed modules are built in).
	mkdir -p "$stage/usr/lib/python3.11/lib-dynload"
	add_bin /usr/bin/lspci
	while read -r f; do
		add_file "$f"
	done < <(/usr/bin/python3 -c 'import sys, os, subprocess, argparse, platform, glob
for m in list(sys.modules.values()):
    for f in (getattr(m, "__file__", None), getattr(m, "__cached__", None)):
        if f and os.path.isfile(f):
            print(f)')
fi

# ---- uffd-watch (30-uffd-watch.bats = the host suite, tests/demo/pci/30-uffd-watch.sh)
# The suite reads JSON with jq and drops privileges with util-linux setpriv
# (busybox's lacks --inh-caps).
add_bin jq
add_bin /usr/bin/setpriv

# ---- vfio-bind persistence (tests/guest/pci-boot: boots on one disk) ---------
# A real udev, started by /init only when the kernel line says hv.udev=1 (in
# the other suites its coldplug would load drivers behind their backs), and
# the peers whose files vfio-bind shares: driverctl and mdevctl, Debian 12's
# packages unpacked by 'make deps' (tests/guest/debs), never installed on
# the host. The disk: virtio-pci, virtio-blk and ext4 (ext2 on it, formatted
# by busybox).
debs=$("$HV_TOP/tests/guest/debs" root)
# systemd-udevd is udevadm under another name (an absolute link in the deb).
add_file "$debs/bin/udevadm" /usr/bin/udevadm
add_libs "$debs/bin/udevadm"
mkdir -p "$stage/usr/lib/systemd"
ln -sf ../../bin/udevadm "$stage/usr/lib/systemd/systemd-udevd"
add_file "$debs/lib/udev/rules.d" /usr/lib/udev/rules.d
add_file "$debs/lib/udev/vfio_name" /usr/lib/udev/vfio_name
add_file "$debs/usr/sbin/driverctl" /usr/sbin/driverctl
add_file "$debs/usr/bin/mdevctl" /usr/bin/mdevctl
# mdevctl refuses to run without its packaged callout directories.
add_file "$debs/etc/mdevctl.d" /etc/mdevctl.d
add_file "$debs/etc/driverctl.d" /etc/driverctl.d
add_libs "$debs/usr/bin/mdevctl"
add_module virtio_pci
add_module virtio_blk
add_module ext4
