// SPDX-License-Identifier: MIT
/*
 * write_fsync: the shape of race 4 (seed 003). Each iteration submits one
 * async O_DIRECT write into a hole of a sparse file (libaio or io_uring),
 * reaps it, calls fsync or fdatasync, then reads the range back with
 * pread(O_DIRECT) and verifies it. With --order sync-first the sync is
 * issued while the write is still in flight (it promises nothing about that
 * write; the data must still read back once reaped). Durability itself
 * cannot be checked without a crash: this produces the sequence to trace,
 * where the unwritten-extent conversion must precede the sync's return.
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
#include <string.h>
#include <unistd.h>

#include "common/engine.h"
#include "common/util.h"

enum sync_kind { SYNC_FSYNC, SYNC_FDATASYNC, SYNC_ALTERNATE };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: write_fsync [--engine libaio|uring] [-n ITERATIONS] [-b BLOCK_SIZE]\n"
		"                   [--sync fsync|fdatasync|alternate] [--order reap-first|sync-first] FILE\n"
		"Async O_DIRECT write into a hole, reap, fsync/fdatasync (default: alternate), pread, verify.\n"
		"exit: 0 data verified, 1 data mismatch (race hit), 2 usage/system error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "sync", required_argument, NULL, 'S' },
		{ "order", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const sync_names[] = { "fsync", "fdatasync", "alternate" };
	enum engine_kind kind = ENGINE_LIBAIO;
	enum sync_kind sync_kind = SYNC_ALTERNATE;
	long long iters = 1, bs = 4096;
	long mismatches = 0, verified = 0;
	int sync_first = 0;
	struct engine eng;
	void *wbuf, *rbuf;
	int c, fd, err;

	wl_prog = "write_fsync";
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
		case 'S':
			if (!strcmp(optarg, "fsync"))
				sync_kind = SYNC_FSYNC;
			else if (!strcmp(optarg, "fdatasync"))
				sync_kind = SYNC_FDATASYNC;
			else if (!strcmp(optarg, "alternate"))
				sync_kind = SYNC_ALTERNATE;
			else
				goto bad_usage;
			break;
		case 'o':
			if (!strcmp(optarg, "reap-first"))
				sync_first = 0;
			else if (!strcmp(optarg, "sync-first"))
				sync_first = 1;
			else
				goto bad_usage;
			break;
		case 'h':
			usage(stdout);
			return WL_OK;
		default:
			goto bad_usage;
		}
	}
	if (argc - optind != 1)
		goto bad_usage;

	fd = open(argv[optind], O_DIRECT | O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return wl_fail(argv[optind], errno);
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
		enum sync_kind now = sync_kind == SYNC_ALTERNATE ? (enum sync_kind)(i % 2) : sync_kind;
		struct engine_result r;
		ssize_t n;

		wl_fill(wbuf, (size_t)bs, off, seed);
		err = engine_prep_write(&eng, fd, wbuf, (size_t)bs, off, (uint64_t)i);
		if (!err)
			err = engine_submit(&eng);
		if (err < 0)
			return wl_fail("submit", -err);
		if (!sync_first) {
			err = engine_reap(&eng, 1, &r);
			if (err)
				return wl_fail("reap", -err);
		}
		if ((now == SYNC_FSYNC ? fsync(fd) : fdatasync(fd)) < 0)
			return wl_fail(sync_names[now], errno);
		if (sync_first) {
			err = engine_reap(&eng, 1, &r);
			if (err)
				return wl_fail("reap", -err);
		}
		if (r.res != bs) {
			fprintf(stderr, "write_fsync: iteration %lld: write at %lld returned %ld, wanted %lld\n",
				i, off, r.res, bs);
			return WL_ERROR;
		}
		n = pread(fd, rbuf, (size_t)bs, off);
		if (n != bs)
			return wl_fail("pread", n < 0 ? errno : EIO);
		if (wl_check(rbuf, (size_t)bs, off, seed, "read after write and sync") >= 0)
			mismatches++;
		else
			verified++;
	}
	engine_exit(&eng);
	close(fd);
	printf("write_fsync: engine=%s sync=%s order=%s iterations=%lld block=%lld verified=%ld mismatched=%ld result=%s\n",
	       engine_name(kind), sync_names[sync_kind], sync_first ? "sync-first" : "reap-first",
	       iters, bs, verified, mismatches, mismatches ? "MISMATCH" : "ok");
	return mismatches ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
