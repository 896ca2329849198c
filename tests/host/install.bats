#!/usr/bin/env bats
# make install (into a DESTDIR): completions go where the shells of a Debian
# machine look for them. zsh reads /usr/share/zsh/vendor-completions for the
# distribution's files and /usr/local/share/zsh/site-functions for the
# administrator's: a prefix of /usr is the distribution's, /usr/local the
# administrator's. The tree must be built (make check-build).

setup() {
	HV_TOP=${HV_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	dest=$BATS_TEST_TMPDIR/root
}

# install PREFIX: make install into $dest, output on failure.
install_at() {
	run make -s -C "$HV_TOP" --no-print-directory install prefix="$1" DESTDIR="$dest"
	[ "$status" -eq 0 ] || {
		echo "$output"
		false
	}
}

# in_fpath DIR: Debian's zsh (started without any rc file) searches DIR.
in_fpath() {
	command -v zsh >/dev/null || skip "needs zsh"
	zsh -fc 'print -l $fpath' | grep -qx "$1"
}

@test "make install prefix=/usr/local puts zsh completions in /usr/local/share/zsh/site-functions" {
	install_at /usr/local
	for t in vfio-bind xsctl gntshare uffd-watch lguest-run; do
		[ -f "$dest/usr/local/share/zsh/site-functions/_$t" ]
		[ -f "$dest/usr/local/share/bash-completion/completions/$t" ]
	done
	[ ! -e "$dest/usr/local/share/zsh/vendor-completions" ]
	in_fpath /usr/local/share/zsh/site-functions
}

@test "make install prefix=/usr puts zsh completions in /usr/share/zsh/vendor-completions" {
	install_at /usr
	for t in vfio-bind xsctl gntshare uffd-watch lguest-run; do
		[ -f "$dest/usr/share/zsh/vendor-completions/_$t" ]
		[ -f "$dest/usr/share/bash-completion/completions/$t" ]
	done
	[ ! -e "$dest/usr/share/zsh/site-functions" ]
	in_fpath /usr/share/zsh/vendor-completions
}

@test "make uninstall removes the completions make install put there" {
	install_at /usr/local
	run make -s -C "$HV_TOP" --no-print-directory uninstall prefix=/usr/local DESTDIR="$dest"
	[ "$status" -eq 0 ]
	run find "$dest" -type f -path '*completion*' -o -type f -path '*site-functions*'
	[ "$output" = "" ]
}

@test "make install puts the boot rule for persistent bindings where udev reads it, naming bindir" {
	install_at /usr
	local r=$dest/usr/lib/udev/rules.d/60-hvutils-vfio-bind.rules
	[ -f "$r" ]
	grep -q 'TEST!="/etc/driverctl.d/pci-$kernel", GOTO=' "$r"
	# driverctl's own rule needs systemd: without it, this rule binds.
	grep -q 'TEST=="/usr/sbin/driverctl", TEST=="/run/systemd/system", GOTO=' "$r"
	grep -q '^RUN+="/usr/bin/vfio-bind -q bind --if-persistent $kernel"' "$r"
	! grep -q @ "$r"
	run make -s -C "$HV_TOP" --no-print-directory uninstall prefix=/usr DESTDIR="$dest"
	[ ! -e "$r" ]
}
