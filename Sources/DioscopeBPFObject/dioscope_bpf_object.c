/* PLACEHOLDER: replaced by `make bpf` (generated from bpf/dioscope.bpf.o). */
#include "dioscope_bpf_object.h"
const unsigned char *dioscope_bpf_object(size_t *size) { *size = 0; return 0; }
