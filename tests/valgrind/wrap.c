/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stand-in for a tool in tests/valgrind/run's shadow tree: runs the
 * real binary under valgrind with the same arguments, stdin, stdout and
 * stderr. A compiled program, not a script: some tests copy the tool into
 * a directory another user cannot read and run it as that user, which
 * works for an executable but not for a script (the shell must open it).
 * tests/valgrind/run compiles it once per tool with the paths defined.
 */
#include <stdio.h>
#include <unistd.h>

#if !defined(VALGRIND) || !defined(REAL) || !defined(LOGFILE) || !defined(SUPP)
#error "build through tests/valgrind/run"
#endif

int main(int argc, char **argv)
{
	char *args[argc + 16];
	int n = 0;

	args[n++] = VALGRIND;
	args[n++] = "-q";
	args[n++] = "--error-exitcode=99";
	args[n++] = "--leak-check=full";
	args[n++] = "--show-leak-kinds=definite,indirect";
	args[n++] = "--errors-for-leak-kinds=definite,indirect";
	/*
	 * A forked child that fails to exec exits with its parent's heap
	 * still allocated: that is not a leak, and the child only prepares
	 * the exec; the parent is checked in full.
	 */
	args[n++] = "--child-silent-after-fork=yes";
	args[n++] = "--suppressions=" SUPP;
	args[n++] = "--log-file=" LOGFILE;
	args[n++] = "--";
	args[n++] = REAL;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execv(VALGRIND, args);
	perror("tests/valgrind/wrap: " VALGRIND);
	return 127;
}
