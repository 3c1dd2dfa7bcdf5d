#ifndef DIOSCOPE_CRC_H
#define DIOSCOPE_CRC_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SSE4.2 crc32 instruction (x86-64 only), else 0.
int dsc_crc32c_hw_available(void);

/// CRC-32C of `len` bytes at `p`, continuing from `crc` (0 to start), with
/// the SSE4.2 crc32 instruction. Call only when dsc_crc32c_hw_available().
uint32_t dsc_crc32c_hw(uint32_t crc, const void *p, size_t len);

#endif
