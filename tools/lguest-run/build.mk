# lguest-run: a small KVM launcher. Links nothing beyond libc, pthreads and
# popt: start-up time is part of boot time.
lguest-run_LIBS := -lpthread
