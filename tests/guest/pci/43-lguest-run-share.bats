#!/usr/bin/env bats
# lguest-run --share on nested KVM: the Debian kernel, booted with the
# inner initramfs (tests/lguest/mkinner: its 9p modules in etc/modules-9p),
# mounts a read-only and a ,rw share over virtio-9p (lgmode=share in
# tests/lguest/inner-init) and reports what it read and could not write;
# this side checks the reads byte for byte and the writes on the host.
# The server's escape and bounds checks are tests/unit/test-p9.c's and
# tests/fuzz/fuzz-p9.c's (no KVM needed); the symlink race through a real
# client is 44-lguest-run-run.bats'.

load lguest

setup_file() {
	KERNEL=$(echo /boot/vmlinuz-*)
	export KERNEL
	export INNER=/boot/lguest-inner.cpio.gz
}

setup() {
	lg_prereqs "$INNER"
}

# tree_sum DIR: every regular file's sha256 by path, as inner-init computes it.
tree_sum() {
	local sum
	sum=$(cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum)
	echo "${sum%% *}"
}

@test "--share: a read-only tree byte for byte, EROFS on every change, ,rw writes land on the host" {
	local src=$BATS_TEST_TMPDIR/src out=$BATS_TEST_TMPDIR/out sum big i
	mkdir -p "$src/sub/deeper" "$src/many" "$out"
	: >"$src/empty"
	echo small >"$src/small.txt"
	# Around a page, and over the client's msize (a read in several requests).
	head -c 4095 /dev/urandom >"$src/sub/a"
	head -c 4096 /dev/urandom >"$src/sub/b"
	head -c 4097 /dev/urandom >"$src/sub/c"
	head -c 3145729 /dev/urandom >"$src/sub/deeper/big"
	# More entries than one Treaddir reply holds.
	for i in $(seq 300); do echo "$i" >"$src/many/file-$i"; done
	ln -s /etc/passwd "$src/abs-link"
	echo "host secret" >"$BATS_TEST_TMPDIR/secret"
	ln -s ../secret "$src/up-link"
	echo "to be removed" >"$out/gone"
	sum=$(tree_sum "$src")

	run lguest-run -i "$INNER" --share "$src" --share "$out,tag=out,rw" --timeout 300 \
		"$KERNEL" -- quiet lgmode=share lgexit=5
	printf '%s\n' "${lines[@]}" | tail -n 30
	exits_with 5
	has_line "SHARE-MOUNTED ro"
	has_line "SHARE-MOUNTED rw"
	has_line "SHARE-TREE $sum"
	has_line "SHARE-FILES 306"
	has_line "SHARE-LISTED 300"
	has_line "SHARE-LINK /etc/passwd"
	for i in CREATE APPEND MKDIR RM; do
		printf '%s\n' "${lines[@]}" | tr -d '\r' | grep -q "^SHARE-RO-$i .*Read-only file system$"
	done
	has_line "SHARE-UP-LINK unreadable"
	[[ $output != *"host secret"* ]]
	# The read-only tree is unchanged; the writable one has the guest's changes.
	[ "$(tree_sum "$src")" = "$sum" ]
	[ ! -e "$src/new" ] && [ ! -e "$src/d" ]
	has_line "SHARE-RW-WRITE ok"
	[ "$(cat "$out/hello")" = "written by the guest" ]
	has_line "SHARE-RW-RENAME ok"
	[ "$(cat "$out/dir/g")" = data ] && [ ! -e "$out/dir/f" ]
	big=$(sha256sum "$out/big")
	[ "$(stat -c %s "$out/big")" -eq 2621440 ]
	has_line "SHARE-RW-BIG ${big%% *}"
	has_line "SHARE-RW-RM ok"
	[ ! -e "$out/gone" ]
}
