/* SPDX-License-Identifier: MIT */
/*
 * util: argument parsing, error reporting and the position-dependent data
 * pattern that every workload writes and verifies.
 */
#ifndef DIOSCOPE_WORKLOAD_UTIL_H
#define DIOSCOPE_WORKLOAD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses shared by all workloads. */
#define WL_OK		0	/* every byte verified */
#define WL_MISMATCH	1	/* data read back differs: a race was hit */
#define WL_ERROR	2	/* usage or system error */

/* Set once from main(); prefixes every message. */
extern const char *wl_prog;

/* Prints "prog: what: strerror(err)" and returns WL_ERROR. */
int wl_fail(const char *what, int err);
/* Parses a decimal number with optional k/m/g suffix (powers of 1024). */
int wl_parse_size(const char *s, long long min, long long max, long long *out);
/* Page-aligned, zeroed buffer suitable for O_DIRECT; NULL on failure. */
void *wl_alloc(size_t len);

/*
 * The byte a writer tagged @seed puts at file offset @off: never zero, and
 * different for neighbouring 16-byte chunks and for different seeds, so zeros,
 * stale data and misplaced data are all detected. Seed 0 means "zeros".
 */
static inline uint8_t wl_byte(unsigned int seed, long long off)
{
	if (!seed)
		return 0;
	return (uint8_t)(0x80 | ((seed * 29u + (unsigned int)(off >> 4)) & 0x7f));
}

void wl_fill(void *buf, size_t len, long long off, unsigned int seed);
/*
 * Checks buf (holding file offsets [off, off+len)) against seed's pattern.
 * Returns -1 if it matches, else the file offset of the first bad byte, after
 * printing one line that describes the mismatch (what, offset, expected,
 * found, and how many bytes of zeros follow).
 */
long long wl_check(const void *buf, size_t len, long long off, unsigned int seed,
		   const char *what);

#endif
