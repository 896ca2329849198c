/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tools' main() functions under their applet names. For the multi-call
 * binary each tools/<cmd>/main.c is compiled a second time with
 * -Dmain=<cmd>_main and this header included first (multicall/build.mk),
 * so the compiler checks every definition against the prototype here.
 */
#ifndef HV_APPLETS_H
#define HV_APPLETS_H

int gntshare_main(int argc, const char **argv);
int lguest_run_main(int argc, char **argv);
int uffd_watch_main(int argc, const char **argv);
int vfio_bind_main(int argc, const char **argv);
int xsctl_main(int argc, char **argv);

#endif
