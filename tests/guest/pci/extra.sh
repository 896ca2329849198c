# shellcheck shell=bash
# Extra files for the pci image, sourced by tests/guest/mkinitramfs (add_file,
# add_bin, add_module available). One commented section per tool.

# ---- lguest-run (40-lguest-run.bats, tests/demo/pci/40-lguest-run.sh) --------
# The Debian bzImage lguest-run boots on nested KVM, and that guest's own
# small initramfs (tests/lguest/mkinner: busybox, virtio modules, inner-init).
"$HV_TOP/tests/lguest/mkinner" "$HV_GUEST_BUILD/lguest-inner.cpio.gz" "$KVER"
add_file "$HV_GUEST_BUILD/lguest-inner.cpio.gz" /boot/lguest-inner.cpio.gz
add_file "/boot/vmlinuz-$KVER" "/boot/vmlinuz-$KVER"
# bench/lguest-run only (HV_BENCH_LGUEST=1): QEMU to compare with, and its
# firmware (SeaBIOS for -M pc, qboot for -M microvm, the linuxboot ROMs).
if [[ ${HV_BENCH_LGUEST:-} == 1 ]]; then
	add_bin qemu-system-x86_64
	add_file /usr/share/seabios
	for f in /usr/share/qemu/{qboot.rom,bios-microvm.bin,linuxboot.bin,linuxboot_dma.bin,kvmvapic.bin,pvh.bin}; do
		add_file "$f"
	done
fi

# ---- vfio-bind (20-vfio-bind.bats, tests/demo/pci/20-vfio-bind.sh) ------------
# Device names in 'vfio-bind list' come from libpci's pci.ids.
add_file /usr/share/misc/pci.ids
