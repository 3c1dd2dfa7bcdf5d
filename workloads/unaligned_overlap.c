// SPDX-License-Identifier: MIT
/*
 * unaligned_overlap: the shape of race 2 (seed 001, xfstests generic/240).
 * Each iteration picks a NEW filesystem block (in a hole of a sparse file)
 * and writes W sub-block pieces of it (default two 512-byte pieces, at 0 and
 * at 512) with async O_DIRECT writes submitted together in ONE io_submit /
 * io_uring_enter. Both are reaped, then the whole block is read back with
 * pread(O_DIRECT): every piece must hold its writer's data and the rest of
 * the block must be zero. A piece of zeros means one write's sub-block
 * zeroing overwrote another's data.
 *
 * exit: 0 all data verified, 1 a block read back wrong, 2 usage or system
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/engine.h"
#include "common/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: unaligned_overlap [--engine libaio|uring] [-n ITERATIONS] [--io-size BYTES]\n"
		"                         [--writers W] [--fs-block BYTES] FILE\n"
		"W (default 2, at most %d) async O_DIRECT writes of BYTES (default 512) side by side\n"
		"in one new fs block (default: st_blksize), submitted together, reaped, read back, verified.\n"
		"exit: 0 data verified, 1 data mismatch (race hit), 2 usage/system error\n",
		ENGINE_MAX_BATCH);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "io-size", required_argument, NULL, 's' },
		{ "writers", required_argument, NULL, 'w' },
		{ "fs-block", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum engine_kind kind = ENGINE_LIBAIO;
	long long iters = 1, io = 512, writers = 2, fsb = 0;
	long mismatches = 0, verified = 0;
	struct engine_result res[ENGINE_MAX_BATCH];
	struct engine eng;
	unsigned char *wbuf, *rbuf;
	struct stat st;
	int c, fd, err;

	wl_prog = "unaligned_overlap";
	while ((c = getopt_long(argc, argv, "e:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (engine_parse(optarg, &kind))
				goto bad_usage;
			break;
		case 'n':
			if (wl_parse_size(optarg, 1, 1LL << 30, &iters))
				goto bad_usage;
			break;
		case 's':
			if (wl_parse_size(optarg, 512, 1 << 20, &io) || io % 512)
				goto bad_usage;
			break;
		case 'w':
			if (wl_parse_size(optarg, 1, ENGINE_MAX_BATCH, &writers))
				goto bad_usage;
			break;
		case 'B':
			if (wl_parse_size(optarg, 512, 1 << 20, &fsb) || fsb % 512)
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
	if (fstat(fd, &st) < 0)
		return wl_fail("fstat", errno);
	if (!fsb)
		fsb = st.st_blksize;
	if (writers * io > fsb) {
		fprintf(stderr, "unaligned_overlap: %lld writers of %lld bytes do not fit one %lld-byte block\n",
			writers, io, fsb);
		return WL_ERROR;
	}
	/* every iteration's block is new: a hole, with a hole after it */
	if (ftruncate(fd, (off_t)(iters + 1) * fsb * 2) < 0)
		return wl_fail("ftruncate", errno);
	wbuf = wl_alloc((size_t)(io * writers));
	rbuf = wl_alloc((size_t)fsb);
	if (!wbuf || !rbuf)
		return wl_fail("posix_memalign", ENOMEM);
	err = engine_init(&eng, kind);
	if (err)
		return wl_fail("engine setup", -err);

	for (long long i = 0; i < iters; i++) {
		long long blk = i * fsb * 2, end = blk + writers * io;
		int bad = 0;
		ssize_t n;

		for (long long w = 0; w < writers; w++) {
			unsigned int seed = (unsigned int)((i * writers + w) % 251) + 1;
			long long off = blk + w * io;

			wl_fill(wbuf + w * io, (size_t)io, off, seed);
			err = engine_prep_write(&eng, fd, wbuf + w * io, (size_t)io, off, (uint64_t)w);
			if (err)
				return wl_fail("prepare", -err);
		}
		err = engine_submit(&eng);
		if (err < 0)
			return wl_fail("submit", -err);
		err = engine_reap(&eng, (unsigned int)writers, res);
		if (err)
			return wl_fail("reap", -err);
		for (long long w = 0; w < writers; w++) {
			if (res[w].res != io) {
				fprintf(stderr, "unaligned_overlap: iteration %lld: write %llu returned %ld, wanted %lld\n",
					i, (unsigned long long)res[w].tag, res[w].res, io);
				return WL_ERROR;
			}
		}
		n = pread(fd, rbuf, (size_t)fsb, blk);
		if (n != fsb)
			return wl_fail("pread", n < 0 ? errno : EIO);
		for (long long w = 0; w < writers; w++) {
			unsigned int seed = (unsigned int)((i * writers + w) % 251) + 1;
			char what[64];

			snprintf(what, sizeof(what), "iteration %lld writer %lld", i, w);
			if (wl_check(rbuf + w * io, (size_t)io, blk + w * io, seed, what) >= 0)
				bad = 1;
		}
		if (wl_check(rbuf + (end - blk), (size_t)(fsb - (end - blk)), end, 0,
			     "rest of block (must be zero)") >= 0)
			bad = 1;
		if (bad)
			mismatches++;
		else
			verified++;
	}
	engine_exit(&eng);
	close(fd);
	printf("unaligned_overlap: engine=%s iterations=%lld writers=%lld io=%lld fs_block=%lld verified=%ld mismatched=%ld result=%s\n",
	       engine_name(kind), iters, writers, io, fsb, verified, mismatches,
	       mismatches ? "MISMATCH" : "ok");
	return mismatches ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
