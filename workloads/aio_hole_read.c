// SPDX-License-Identifier: MIT
/*
 * aio_hole_read: the shape of race 1 (seed 000). Each iteration submits one
 * async O_DIRECT write of BS bytes into a hole of a sparse file (libaio or
 * io_uring), reaps it, then reads the range back with pread(O_DIRECT) and
 * verifies it. A read that returns zeros means the completion reached us
 * before the unwritten extent was converted.
 *
 * exit: 0 all data verified, 1 a read returned other data, 2 usage or
 * system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/engine.h"
#include "common/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aio_hole_read [--engine libaio|uring] [-n ITERATIONS] [-b BLOCK_SIZE] FILE\n"
		"       aio_hole_read FILE [ITERATIONS] [BLOCK_SIZE]   (positional form)\n"
		"Async O_DIRECT write into a hole, reap, pread(O_DIRECT) and verify.\n"
		"exit: 0 data verified, 1 data mismatch (race hit), 2 usage/system error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum engine_kind kind = ENGINE_LIBAIO;
	long long iters = 1, bs = 4096;
	long mismatches = 0, verified = 0;
	struct engine eng;
	void *wbuf, *rbuf;
	int c, fd, err;

	wl_prog = "aio_hole_read";
	while ((c = getopt_long(argc, argv, "e:n:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (engine_parse(optarg, &kind))
				goto bad_usage;
			break;
		case 'n':
			if (wl_parse_size(optarg, 1, 1LL << 30, &iters))
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
	if (optind >= argc || argc - optind > 3)
		goto bad_usage;
	if (argc - optind > 1 && wl_parse_size(argv[optind + 1], 1, 1LL << 30, &iters))
		goto bad_usage;
	if (argc - optind > 2 &&
	    (wl_parse_size(argv[optind + 2], 512, 64 << 20, &bs) || bs % 512))
		goto bad_usage;

	fd = open(argv[optind], O_DIRECT | O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return wl_fail(argv[optind], errno);
	/* a sparse file: every write below lands in a hole */
	if (ftruncate(fd, (off_t)(iters + 1) * bs * 4) < 0)
		return wl_fail("ftruncate", errno);
	wbuf = wl_alloc((size_t)bs);
	rbuf = wl_alloc((size_t)bs);
	if (!wbuf || !rbuf)
		return wl_fail("posix_memalign", ENOMEM);
	err = engine_init(&eng, kind);
	if (err)
		return wl_fail("engine setup", -err);

	for (long long i = 0; i < iters; i++) {
		long long off = i * bs * 4;
		unsigned int seed = (unsigned int)(i % 251) + 1;
		struct engine_result r;
		ssize_t n;

		wl_fill(wbuf, (size_t)bs, off, seed);
		err = engine_prep_write(&eng, fd, wbuf, (size_t)bs, off, (uint64_t)i);
		if (!err)
			err = engine_submit(&eng);
		if (err < 0)
			return wl_fail("submit", -err);
		err = engine_reap(&eng, 1, &r);
		if (err)
			return wl_fail("reap", -err);
		if (r.res != bs) {
			fprintf(stderr, "aio_hole_read: iteration %lld: write at %lld returned %ld, wanted %lld\n",
				i, off, r.res, bs);
			return WL_ERROR;
		}
		n = pread(fd, rbuf, (size_t)bs, off);
		if (n != bs)
			return wl_fail("pread", n < 0 ? errno : EIO);
		if (wl_check(rbuf, (size_t)bs, off, seed, "read after reaped write") >= 0)
			mismatches++;
		else
			verified++;
	}
	engine_exit(&eng);
	close(fd);
	printf("aio_hole_read: engine=%s iterations=%lld block=%lld verified=%ld mismatched=%ld result=%s\n",
	       engine_name(kind), iters, bs, verified, mismatches, mismatches ? "MISMATCH" : "ok");
	return mismatches ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
