// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uffd-forker: the parent reads pages 0-3 of a region, forks; the child
 * reads pages 4-7 and exits with status 7; the parent then reads pages 8-11
 * and exits with the child's status + 1. Prints "region ADDR PAGES",
 * "parent PID" and "child PID", so a trace's pids can be checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

int main(void)
{
	volatile unsigned char *p;
	unsigned int sum = 0;
	pid_t c;
	int st;

	p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 4;
	printf("region 0x%lx 16\nparent %d\n", (unsigned long)p, getpid());
	fflush(stdout);
	for (int i = 0; i < 4; i++)
		sum += p[(size_t)i * PG];
	c = fork();
	if (c < 0)
		return 5;
	if (c == 0) {
		for (int i = 4; i < 8; i++)
			sum += p[(size_t)i * PG];
		_exit(sum == 0 ? 7 : 1);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return 6;
	for (int i = 8; i < 12; i++)
		sum += p[(size_t)i * PG];
	printf("child %d\n", c);
	return sum == 0 ? WEXITSTATUS(st) + 1 : 1;
}
