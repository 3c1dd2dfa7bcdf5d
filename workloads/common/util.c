// SPDX-License-Identifier: MIT
/*
 * util: helpers shared by the workloads.
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wl_prog = "workload";

int wl_fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", wl_prog, what, strerror(err));
	return WL_ERROR;
}

int wl_parse_size(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K':
		v *= 1024;
		end++;
		break;
	case 'm': case 'M':
		v *= 1024 * 1024;
		end++;
		break;
	case 'g': case 'G':
		v *= 1024 * 1024 * 1024;
		end++;
		break;
	}
	if (*end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

void *wl_alloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len ? len : 4096))
		return NULL;
	memset(p, 0, len);
	return p;
}

void wl_fill(void *buf, size_t len, long long off, unsigned int seed)
{
	uint8_t *b = buf;

	for (size_t i = 0; i < len; i++)
		b[i] = wl_byte(seed, off + (long long)i);
}

long long wl_check(const void *buf, size_t len, long long off, unsigned int seed,
		   const char *what)
{
	const uint8_t *b = buf;
	size_t i, zeros;

	for (i = 0; i < len; i++)
		if (b[i] != wl_byte(seed, off + (long long)i))
			break;
	if (i == len)
		return -1;
	for (zeros = 0; i + zeros < len && !b[i + zeros]; zeros++)
		;
	fprintf(stderr, "%s: %s: mismatch at offset %lld: expected 0x%02x found 0x%02x (%zu zero bytes from there)\n",
		wl_prog, what, off + (long long)i, wl_byte(seed, off + (long long)i), b[i], zeros);
	return off + (long long)i;
}
