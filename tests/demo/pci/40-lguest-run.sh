#!/bin/bash
# The demo's lguest-run part: boot the stock Debian kernel on (nested) KVM
# with one command, its console on stdout, its exit code as ours; --run a
# command on the machine's own files.
set -uo pipefail

# shellcheck disable=SC2034 # read by lib.sh
DEMO_SHOW_STATUS=1
. "$(dirname "$0")/../lib.sh"

kernel=/boot/vmlinuz-$KVER
inner=/boot/lguest-inner.cpio.gz
cd "$(mktemp -d)" || exit 1

echo "== lguest-run: a kernel on /dev/kvm, console on stdio =="
run lguest-run --version
echo "# A flat test guest: prints, then writes 42 to the exit port 0x501."
run lguest-run /tests/lguest/hello.img
echo "# A disk for the guest, and the Debian kernel with a small initramfs whose"
echo "# init checksums /dev/vda, reads /dev/hwrng and writes 7 to port 0x501."
sh_run "printf 'hello from the host\n' >disk.img && truncate -s 1M disk.img && sha256sum disk.img"
run lguest-run -v -m 256M -i "$inner" --block disk.img --rng --timeout 120 "$kernel" -- \
	quiet lgmode=disk lgexit=7
sh_run "dd if=disk.img bs=512 skip=1 count=1 2>/dev/null | head -n 1"
echo "# A guest that panics: lguest-run exits 255."
sh_run "lguest-run -i $inner --timeout 120 $kernel -- quiet lgmode=panic 2>&1 | grep -a -e 'Kernel panic' -e '^lguest-run:'; exit \${PIPESTATUS[0]}"
echo "# --run: a command in a fresh kernel on this machine's root (read-only),"
echo "# the current directory writable (--rwdir), its exit status ours."
# shellcheck disable=SC2016 # expanded in the guest
run lguest-run --kernel "$kernel" --modules /boot/lguest-modules --rwdir "$PWD" --timeout 120 \
	--run -- sh -c 'echo "in $(pwd) on $(uname -r), $(nproc) CPU"; touch /usr/x || echo "> from the guest" >note; exit 3'
sh_run "cat note"
