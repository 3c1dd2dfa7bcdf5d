/* The BPF object compiled from the bpf/ directory, embedded in the binary. */
#ifndef DIOSCOPE_BPF_OBJECT_H
#define DIOSCOPE_BPF_OBJECT_H
#include <stddef.h>
const unsigned char *dioscope_bpf_object(size_t *size);
#endif
