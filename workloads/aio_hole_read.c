// SPDX-License-Identifier: MIT
/*
 * aio_hole_read: the shape of race 1 (seed 000). For each iteration, an
 * AIO+DIO write of BS bytes into a hole of a sparse file, reaped with
 * io_getevents, then read back with pread(O_DIRECT) and verified.
 *
 * usage: aio_hole_read FILE [iterations] [block-size]
 * exit: 0 all data verified, 1 a read returned other data (zeros: the race),
 *       2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "aio_hole_read: %s: %s\n", what, strerror(err));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [iterations] [block-size]\n", argv[0]);
		return 2;
	}
	long iters = argc > 2 ? atol(argv[2]) : 1;
	size_t bs = argc > 3 ? (size_t)atol(argv[3]) : 4096;
	if (iters < 1 || bs < 512 || bs % 512)
		return fail("arguments", EINVAL);

	int fd = open(argv[1], O_DIRECT | O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return fail("open", errno);
	/* a sparse file: every write below lands in a hole */
	if (ftruncate(fd, (off_t)(iters + 1) * (off_t)bs * 4) < 0)
		return fail("ftruncate", errno);

	void *wbuf, *rbuf;
	if (posix_memalign(&wbuf, 4096, bs) || posix_memalign(&rbuf, 4096, bs))
		return fail("posix_memalign", ENOMEM);

	io_context_t ctx = 0;
	int err = io_setup(1, &ctx);
	if (err)
		return fail("io_setup", -err);

	int bad = 0;
	for (long i = 0; i < iters; i++) {
		unsigned char pattern = (unsigned char)(0xa0 + (i % 16) + 1);
		off_t off = (off_t)i * (off_t)bs * 4;
		struct iocb cb, *cbs[1] = { &cb };
		struct io_event ev;

		memset(wbuf, pattern, bs);
		io_prep_pwrite(&cb, fd, wbuf, bs, off);
		cb.data = (void *)(long)(i + 1);
		if ((err = io_submit(ctx, 1, cbs)) != 1)
			return fail("io_submit", err < 0 ? -err : EIO);
		if ((err = io_getevents(ctx, 1, 1, &ev, NULL)) != 1)
			return fail("io_getevents", err < 0 ? -err : EIO);
		if ((long)ev.res != (long)bs) {
			fprintf(stderr, "aio_hole_read: write %ld returned %ld\n", i, (long)ev.res);
			bad = 1;
			continue;
		}
		ssize_t n = pread(fd, rbuf, bs, off);
		if (n != (ssize_t)bs)
			return fail("pread", n < 0 ? errno : EIO);
		if (memcmp(rbuf, wbuf, bs)) {
			fprintf(stderr, "aio_hole_read: iteration %ld at %lld read back other data (first byte 0x%02x)\n",
				i, (long long)off, ((unsigned char *)rbuf)[0]);
			bad = 1;
		}
	}
	io_destroy(ctx);
	close(fd);
	return bad;
}
