/*
 * kvm-api: proves /dev/kvm works in the pci guest (nested kvm_amd under
 * TCG), not merely that the node exists: it prints the API version and then
 * creates a VM and a vCPU, which needs the SVM support to be real.
 * Exit 0 only if the version is the stable API's 12 and both creations work.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "kvm-api: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	int kvm, vm, vcpu, version;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version < 0)
		return fail("KVM_GET_API_VERSION");
	printf("KVM_GET_API_VERSION=%d\n", version);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "kvm-api: API version %d, expected %d\n", version, KVM_API_VERSION);
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	printf("KVM_CREATE_VM and KVM_CREATE_VCPU work\n");
	close(vcpu);
	close(vm);
	close(kvm);
	return 0;
}
