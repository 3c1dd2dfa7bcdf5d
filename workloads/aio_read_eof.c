// SPDX-License-Identifier: MIT
/*
 * aio_read_eof: libaio O_DIRECT reads up to and past the end of a file, the
 * way a reader finds where the file ends. The file gets BS * 2 bytes with
 * pwrite(O_DIRECT); each iteration then submits, in one io_submit, a read of
 * the file's last block and a read at or past its end (the end itself, then
 * a block further each iteration), reaps both with io_getevents and checks
 * the data and that the read at the end returned 0.
 *
 * Not a race: iomap returns 0 for a read at or past i_size before mapping
 * anything and records no completion, and io_submit posts that read's event
 * itself. A tracer must end such a read where it began instead of waiting
 * for a completion that never comes (an ftrace capture shows only how many
 * events each io_getevents returned).
 *
 * exit: 0 all data verified, 1 a read returned other data or the read at
 * the end did not return 0, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aio_read_eof [-n ITERATIONS] [-b BLOCK_SIZE] FILE\n"
		"libaio O_DIRECT reads of the last block and at or past the end, in one io_submit.\n"
		"exit: 0 data verified, 1 data mismatch or a non-zero read at the end, 2 usage/system error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const unsigned int seed = 7;
	long long iters = 1, bs = 4096;
	long bad = 0, verified = 0;
	io_context_t ctx = 0;
	void *wbuf, *inside, *atEnd;
	int c, fd, err;

	wl_prog = "aio_read_eof";
	while ((c = getopt_long(argc, argv, "n:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (wl_parse_size(optarg, 1, 1LL << 20, &iters))
				goto bad_usage;
			break;
		case 'b':
			if (wl_parse_size(optarg, 512, 64 << 20, &bs) || bs % 512)
				goto bad_usage;
			break;
		case 'h':
			usage(stdout);
			return WL_OK;
		default:
			goto bad_usage;
		}
	}
	if (optind != argc - 1)
		goto bad_usage;

	fd = open(argv[optind], O_DIRECT | O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return wl_fail(argv[optind], errno);
	wbuf = wl_alloc((size_t)bs * 2);
	inside = wl_alloc((size_t)bs);
	atEnd = wl_alloc((size_t)bs);
	if (!wbuf || !inside || !atEnd)
		return wl_fail("posix_memalign", ENOMEM);
	wl_fill(wbuf, (size_t)bs * 2, 0, seed);
	if (pwrite(fd, wbuf, (size_t)bs * 2, 0) != bs * 2)
		return wl_fail("pwrite", errno ? errno : EIO);
	err = io_setup(4, &ctx);
	if (err)
		return wl_fail("io_setup", -err);

	for (long long i = 0; i < iters; i++) {
		long long last = bs, end = bs * 2 + i * bs;
		struct iocb a, b, *list[2] = { &a, &b };
		struct io_event ev[2];
		int got = 0;

		io_prep_pread(&a, fd, inside, (size_t)bs, last);
		a.data = inside;
		io_prep_pread(&b, fd, atEnd, (size_t)bs, end);
		b.data = atEnd;
		err = io_submit(ctx, 2, list);
		if (err != 2)
			return wl_fail("io_submit", err < 0 ? -err : EAGAIN);
		while (got < 2) {
			int n = io_getevents(ctx, 1, 2 - got, ev + got, NULL);

			if (n < 0)
				return wl_fail("io_getevents", -n);
			got += n;
		}
		for (int k = 0; k < 2; k++) {
			long res = (long)ev[k].res;

			if (ev[k].data == atEnd) {
				if (res != 0) {
					fprintf(stderr, "aio_read_eof: iteration %lld: read at %lld (end %lld) returned %ld, wanted 0\n",
						i, end, bs * 2, res);
					bad++;
				} else {
					verified++;
				}
			} else if (res != bs) {
				fprintf(stderr, "aio_read_eof: iteration %lld: read at %lld returned %ld, wanted %lld\n",
					i, last, res, bs);
				bad++;
			} else if (wl_check(inside, (size_t)bs, last, seed, "last block") >= 0) {
				bad++;
			} else {
				verified++;
			}
		}
	}
	io_destroy(ctx);
	close(fd);
	printf("aio_read_eof: iterations=%lld block=%lld verified=%ld bad=%ld result=%s\n",
	       iters, bs, verified, bad, bad ? "MISMATCH" : "ok");
	return bad ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
