// SPDX-License-Identifier: GPL-2.0-or-later
#include "diag.h"
#include "uffd.h"
int uw_serve(void *ctx, int argc, const char **argv)
{
	(void)ctx; (void)argc; (void)argv;
	return 1;
}
