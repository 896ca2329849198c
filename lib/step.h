/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Named steps of an operation, a testing aid for interruption tests: the
 * tools call hv_step() between the steps whose interruption must leave the
 * system consistent, and a test can list the steps and stop the tool at any
 * of them to deliver a signal exactly there.
 *
 *   HVUTILS_STEP_TRACE=1    prints "tool: step NAME" on stderr at each step
 *   HVUTILS_STEP_STOP=NAME  the process stops itself (SIGSTOP) at the first
 *                           step called NAME; the test then sends its
 *                           signal and SIGCONT
 *   HVUTILS_TEST_STOP_AFTER=NAME
 *                           the process kills itself (SIGKILL) at the first
 *                           step called NAME: a one-shot form of the above
 *                           for SIGKILL, which vfio-bind's suites use to
 *                           leave a bind or restore half done
 *
 * Unset, a step costs three getenv()s: keep steps out of per-fault or
 * per-I/O paths anyway.
 */
#ifndef HV_STEP_H
#define HV_STEP_H

void hv_step(const char *name);

#endif
