/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Offsets of every ABI field, for the Swift ABI layout test. Not used by BPF. */
#ifndef DIOSCOPE_ABI_OFFSETS_H
#define DIOSCOPE_ABI_OFFSETS_H
#include <stddef.h>

struct dsc_abi_field {
	const char *name;   /* "payload.field", e.g. "dio_begin.kiocb" */
	size_t offset;      /* from the start of the record */
	size_t size;
};

size_t dsc_abi_field_count(void);
const struct dsc_abi_field *dsc_abi_field_at(size_t i);
unsigned int dsc_abi_version(void);
size_t dsc_abi_record_size(void);
#endif
