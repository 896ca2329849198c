#!/usr/bin/env bats
# lguest-run on nested KVM (kvm_amd inside the TCG pci guest): it boots the
# stock Debian bzImage with a small initramfs (tests/lguest/mkinner, added by
# extra.sh) whose init prints a marker, checksums a virtio-blk disk and ends
# through the exit port; an orderly reboot or poweroff gives 0 (a panic and
# a hang at --timeout: 44-lguest-run-run.bats). Each test is one inner boot
# (about 10-25 s here). The tiny test guests run in 41-lguest-run-tiny.bats.

load lguest

setup_file() {
	# Debian 12's 6.1 on every guest kernel (extra.sh says why): the only
	# vmlinuz in the image.
	KERNEL=$(echo /boot/vmlinuz-*)
	export KERNEL
	export INNER=/boot/lguest-inner.cpio.gz
	export MARKER=LGUEST-RUN-INIT-MARKER
}

setup() {
	lg_prereqs "$INNER"
}

@test "boots the Debian kernel: marker, virtio-blk checksum, virtio-rng, exit-port code" {
	local disk=$BATS_TEST_TMPDIR/disk.img sum t0
	head -c 1048576 /dev/urandom >"$disk"
	sum=$(sha256sum "$disk" | cut -d' ' -f1)
	t0=${EPOCHREALTIME/./} # busybox date has no %N
	run lguest-run -m 256M -i "$INNER" --block "$disk" --rng --timeout 240 "$KERNEL" -- \
		quiet lgmode=disk lgexit=7
	echo "$(((${EPOCHREALTIME/./} - t0) / 1000))" >"$BATS_FILE_TMPDIR/boot-ms"
	echo "# launch to exit port: $(cat "$BATS_FILE_TMPDIR/boot-ms") ms" >&3
	printf '%s\n' "${lines[@]}" | tail -n 20
	exits_with 7
	has_line "$MARKER"
	has_line "VDA-SIZE 2048"
	has_line "VDA-SHA256 $sum"
	has_line "VDA-WRITE ok"
	printf '%s\n' "${lines[@]}" | tr -d '\r' | grep -Eq '^RNG virtio_rng\.[0-9]+ [0-9a-f]{32}$'
	# The guest's write reached the file: sector 1 now starts with its text.
	[ "$(dd if="$disk" bs=512 skip=1 count=1 2>/dev/null | head -c 20)" = "written by the guest" ]
}

# The launcher refuses the writes itself (its virtio-blk model); the
# kernel's part, the disk's reads and writes, is the test above.
# bats test_tags=userspace
@test "a read-only disk (,ro) is read-only in the guest and the file is unchanged" {
	local disk=$BATS_TEST_TMPDIR/ro.img sum
	head -c 65536 /dev/urandom >"$disk"
	sum=$(sha256sum "$disk" | cut -d' ' -f1)
	run lguest-run -q -i "$INNER" --block "$disk,ro" --timeout 240 "$KERNEL" -- quiet lgmode=disk lgexit=3
	exits_with 3
	has_line "VDA-SHA256 $sum"
	! has_line "VDA-WRITE ok"
	[ "$(sha256sum "$disk" | cut -d' ' -f1)" = "$sum" ]
}

# The next two end a real kernel by reboot -f and poweroff -f; a panic and
# --timeout are 44-lguest-run-run.bats' (--run boots the same kernel). The
# KVM exits they end in (a reset, a halt with interrupts off, a stop from
# outside) are checked on every kernel by 41-lguest-run-tiny's crash,
# reboot, halt and hang guests; what these add is the launcher's reading of
# a real kernel's way there, the same nested 6.1 on every guest kernel:
# userspace.
# bats test_tags=userspace
@test "an orderly reboot -f makes lguest-run exit 0" {
	run lguest-run -i "$INNER" --timeout 240 "$KERNEL" -- quiet lgmode=reboot
	[ "$status" -eq 0 ]
	has_line "$MARKER"
}

# bats test_tags=userspace
# On 2 vCPUs: the guest is off only once both are halted (the other CPU is
# stopped first); one vCPU's halt is 41-lguest-run-tiny's halt guest.
@test "poweroff -f on 2 vCPUs (no ACPI: every CPU halts with interrupts off) makes lguest-run exit 0" {
	run lguest-run -v --cpus 2 -i "$INNER" --timeout 120 "$KERNEL" -- quiet lgmode=poweroff
	[ "$status" -eq 0 ]
	has_line "$MARKER"
	has_line "lguest-run: guest halted with interrupts disabled: powered off"
}
