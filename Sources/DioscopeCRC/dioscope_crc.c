// Hardware CRC-32C (SSE4.2 `crc32`) for trace chunk payloads.
//
// Compiled for every x86-64 CPU: only these functions carry
// __attribute__((target("sse4.2"))), and Swift calls them only after
// dsc_crc32c_hw_available() said yes (the software tables in CRC32C.swift
// are the fallback). The crc32 instruction has a latency of 3 cycles and a
// throughput of 1 per cycle, so long inputs run three independent streams
// over three thirds of the input and join them with the GF(2) rule
// crc(A||B) = crc(A) * x^(8|B|) mod P xor crc(B).
#include "dioscope_crc.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <string.h>

int dsc_crc32c_hw_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

#define POLY 0x82F63B78u  // reflected Castagnoli polynomial

// a*b mod P, reflected (bit 31 is x^0).
static uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
        if (a & m) {
            product ^= b;
            if ((a & (m - 1)) == 0) break;
        }
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return product;
}

// x^(8n) mod P by square-and-multiply.
static uint32_t x_pow_8n(uint64_t n) {
    uint32_t result = 1u << 31;  // x^0
    uint32_t square = 1u << 23;  // x^8
    while (n != 0) {
        if (n & 1) result = gf2_multiply(square, result);
        square = gf2_multiply(square, square);
        n >>= 1;
    }
    return result;
}

__attribute__((target("sse4.2")))
static uint64_t one_stream(uint64_t c, const unsigned char *p, size_t len) {
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    return c;
}

__attribute__((target("sse4.2")))
uint32_t dsc_crc32c_hw(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t a = (uint32_t)~crc;
    if (len < 3 * 256) return ~(uint32_t)one_stream(a, p, len);
    size_t third = (len / 3) & ~(size_t)7;
    const unsigned char *pb = p + third, *pc = p + 2 * third;
    uint64_t b = 0xFFFFFFFFu, c = 0xFFFFFFFFu;
    for (size_t i = 0; i < third; i += 8) {
        uint64_t wa, wb, wc;
        memcpy(&wa, p + i, 8);
        memcpy(&wb, pb + i, 8);
        memcpy(&wc, pc + i, 8);
        a = _mm_crc32_u64(a, wa);
        b = _mm_crc32_u64(b, wb);
        c = _mm_crc32_u64(c, wc);
    }
    size_t rest = len - 3 * third;
    uint32_t ca = ~(uint32_t)a, cb = ~(uint32_t)b;
    uint32_t cc = ~(uint32_t)one_stream(c, pc + third, rest);
    // (each stream's CRC is of its own bytes with the standard pre/post inversion)
    uint32_t ab = gf2_multiply(x_pow_8n(third), ca) ^ cb;
    return gf2_multiply(x_pow_8n(third + rest), ab) ^ cc;
}

#else

int dsc_crc32c_hw_available(void) { return 0; }
uint32_t dsc_crc32c_hw(uint32_t crc, const void *p, size_t len) {
    (void)p; (void)len;
    return crc;
}

#endif
