# shellcheck shell=bash
# stage is mkinitramfs' staging directory.
# shellcheck disable=SC2154
# Extra files for the xen family's image, sourced by tests/guest/mkinitramfs
# (add_file SRC [DST], add_bin PATH, add_module NAME). One commented section
# per tool.

# ---- xsctl: the benchmark script, run by bench/xsctl/run -------------------
add_file "$HV_TOP/bench/xsctl/bench.sh" /bench/xsctl/bench.sh

# ---- gntshare: the benchmark script and its C reference (bench/gntshare/run)
add_file "$HV_TOP/bench/gntshare/bench.sh" /bench/gntshare/bench.sh
add_file "$HV_TOP/bench/gntshare/vchan.sh" /bench/gntshare/vchan.sh
if [[ -x $HV_TOP/bench/gntshare/gntshare-ref ]]; then
	add_file "$HV_TOP/bench/gntshare/gntshare-ref" /usr/bin/gntshare-ref
fi

# ---- gntshare: a small PV domU (kernel + initramfs) for `xl create` --------
# Any xen suite may use it: tests/guest/xen/domu/domu.cfg, jobs/NAME.sh.
# libxenguest unpacks a bzImage's payload itself, in dom0's user space, at
# every `xl create`: its xz (6.1's kernels) takes 10 s of TCG there, where
# the ELF unpacked beforehand takes 5 s (a xen run creates 6 domUs); its
# zstd (6.12 on) is as quick as the ELF, whose 60 MB would only make the
# image slower. So an xz kernel is unpacked here, once, natively.
domu_kernel=$HV_KERNEL_IMAGE
if [[ $("$HV_TOP/tests/guest/xen/domu/unpack-vmlinux" --format "$domu_kernel") == xz ]]; then
	domu_kernel=$HV_GUEST_BUILD/vmlinux-domu-$KVER
	if [[ ! -s $domu_kernel || $domu_kernel -ot $HV_KERNEL_IMAGE ]]; then
		"$HV_TOP/tests/guest/xen/domu/unpack-vmlinux" "$HV_KERNEL_IMAGE" "$domu_kernel"
	fi
fi
add_file "$domu_kernel" /boot/vmlinuz-domu
mkdir -p "$stage/var/lib/hvbench"
"$HV_TOP/tests/guest/xen/domu/mkdomu" "$stage/var/lib/hvbench/domu.cpio.gz" "$stage"

# ---- gntshare vchan: Xen's own vchan end, for the interop tests -------------
if [[ -x $XEN_BIN_DIR/vchan-socket-proxy ]]; then
	add_bin "$XEN_BIN_DIR/vchan-socket-proxy"
	ln -sf "$XEN_BIN_DIR/vchan-socket-proxy" "$stage/usr/sbin/vchan-socket-proxy"
fi
