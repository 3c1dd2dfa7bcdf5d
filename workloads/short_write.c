// SPDX-License-Identifier: MIT
/*
 * short_write: the shape of race 5 (seed 004). A direct write that comes
 * back short (or fails) and the buffered fallback that writes the rest:
 *   --mode rlimit  RLIMIT_FSIZE is lowered to LIMIT (default 1m) with SIGXFSZ
 *                  ignored, and a SIZE (default 2m) O_DIRECT write at offset 0
 *                  is issued: the kernel shortens it to LIMIT. The limit is
 *                  then restored and the rest written with buffered I/O.
 *   --mode enospc  the filesystem is first filled (a fallocated FILE.fill) up
 *                  to LEAVE (default 4m) of free space, then an O_DIRECT write
 *                  of LEAVE+OVER (default 4m over) is issued: it fails with
 *                  ENOSPC (res -28) or comes back short. The rest is tried with
 *                  buffered I/O, which also stops when the space runs out.
 * Every iteration reports what the direct write returned, then verifies all
 * bytes that were reported written (direct + buffered) and the file size.
 * --engine pwrite|libaio|uring chooses how the direct write is issued
 * (default: pwrite for rlimit, libaio for enospc).
 *
 * exit: 0 every reported-written byte verified (short writes are expected),
 * 1 data or size mismatch, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/engine.h"
#include "common/util.h"

#define ENGINE_PWRITE (-1)

struct outcome {
	long full, shortened, failed;
	long long direct_bytes, buffered_bytes, unwritten_bytes;
	long last_res;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: short_write [--mode rlimit|enospc] [--engine pwrite|libaio|uring] [-n ITERATIONS]\n"
		"                   [--size BYTES] [--limit BYTES] [--leave BYTES] [--over BYTES] [--keep] FILE\n"
		"rlimit: O_DIRECT write of SIZE (2m) under RLIMIT_FSIZE=LIMIT (1m) -> short; enospc: O_DIRECT\n"
		"write of LEAVE+OVER (4m+4m) with only LEAVE free -> ENOSPC or short. The remainder is written\n"
		"with buffered I/O; all reported-written bytes are verified.\n"
		"exit: 0 data verified, 1 data mismatch, 2 usage/system error\n");
}

static long direct_write(int kind, struct engine *eng, int fd, const void *buf,
			 size_t len, off_t off)
{
	struct engine_result r;
	ssize_t n;
	int err;

	if (kind == ENGINE_PWRITE) {
		n = pwrite(fd, buf, len, off);
		return n < 0 ? -errno : (long)n;
	}
	err = engine_prep_write(eng, fd, buf, len, off, 1);
	if (!err)
		err = engine_submit(eng);
	if (err < 0)
		return err;
	err = engine_reap(eng, 1, &r);
	return err ? err : r.res;
}

/*
 * Fills the filesystem holding @fd so that about @leave bytes stay free: a
 * file at @fill_path grows by fallocate until statvfs reports little more
 * than @leave available (metadata and reserves make one step inexact).
 */
static int fill_fs(const char *fill_path, int fd, long long leave)
{
	long long size = 0;
	int ffd, err = 0;

	ffd = open(fill_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (ffd < 0)
		return -errno;
	for (int round = 0; round < 16; round++) {
		struct statvfs sv;
		long long step;

		if (fstatvfs(fd, &sv) < 0) {
			err = -errno;
			break;
		}
		/* root may use the blocks ext4 reserves for it: count them */
		step = ((long long)(geteuid() ? sv.f_bavail : sv.f_bfree) *
			(long long)sv.f_frsize - leave) & ~4095LL;
		if (step < 65536)
			break;
		while (fallocate(ffd, 0, size, step) < 0) {
			if (errno != ENOSPC || step <= 65536) {
				err = errno == ENOSPC ? 0 : -errno;
				goto out;
			}
			step = (step / 2) & ~4095LL;
		}
		size += step;
	}
out:
	close(ffd);
	return err;
}

static long long buffered_rest(int bfd, const unsigned char *buf, long long from,
			       long long to, int *err)
{
	long long done = from;

	*err = 0;
	while (done < to) {
		ssize_t n = pwrite(bfd, buf + done, (size_t)(to - done), done);

		if (n <= 0) {
			*err = n < 0 ? errno : EIO;
			break;
		}
		done += n;
	}
	return done - from;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "engine", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "leave", required_argument, NULL, 'L' },
		{ "over", required_argument, NULL, 'O' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long iters = 1, size = 2 << 20, limit = 1 << 20, leave = 4 << 20, over = 4 << 20;
	int enospc = 0, keep = 0, kind = -2, c, fd, bfd, err;
	struct outcome o = { 0 };
	long mismatches = 0, verified = 0;
	char fill_path[4096] = "";
	struct rlimit saved, lowered;
	enum engine_kind ek;
	struct engine eng;
	unsigned char *wbuf, *rbuf;

	wl_prog = "short_write";
	while ((c = getopt_long(argc, argv, "m:e:n:kh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "rlimit"))
				enospc = 0;
			else if (!strcmp(optarg, "enospc"))
				enospc = 1;
			else
				goto bad_usage;
			break;
		case 'e':
			if (!strcmp(optarg, "pwrite"))
				kind = ENGINE_PWRITE;
			else if (!engine_parse(optarg, &ek))
				kind = (int)ek;
			else
				goto bad_usage;
			break;
		case 'n':
			if (wl_parse_size(optarg, 1, 1LL << 30, &iters))
				goto bad_usage;
			break;
		case 's':
			if (wl_parse_size(optarg, 4096, 1LL << 30, &size) || size % 4096)
				goto bad_usage;
			break;
		case 'l':
			if (wl_parse_size(optarg, 4096, 1LL << 40, &limit) || limit % 4096)
				goto bad_usage;
			break;
		case 'L':
			if (wl_parse_size(optarg, 0, 1LL << 30, &leave) || leave % 4096)
				goto bad_usage;
			break;
		case 'O':
			if (wl_parse_size(optarg, 4096, 1LL << 30, &over) || over % 4096)
				goto bad_usage;
			break;
		case 'k':
			keep = 1;
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
	if (kind == -2)
		kind = enospc ? (int)ENGINE_LIBAIO : ENGINE_PWRITE;
	if (enospc)
		size = leave + over;

	fd = open(argv[optind], O_DIRECT | O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return wl_fail(argv[optind], errno);
	bfd = open(argv[optind], O_RDWR);
	if (bfd < 0)
		return wl_fail(argv[optind], errno);
	if (enospc) {
		snprintf(fill_path, sizeof(fill_path), "%s.fill", argv[optind]);
		err = fill_fs(fill_path, fd, leave);
		if (err)
			return wl_fail("filling the filesystem", -err);
	}
	wbuf = wl_alloc((size_t)size);
	rbuf = wl_alloc((size_t)size);
	if (!wbuf || !rbuf)
		return wl_fail("posix_memalign", ENOMEM);
	if (kind != ENGINE_PWRITE) {
		err = engine_init(&eng, (enum engine_kind)kind);
		if (err)
			return wl_fail("engine setup", -err);
	}
	if (getrlimit(RLIMIT_FSIZE, &saved) < 0)
		return wl_fail("getrlimit", errno);
	signal(SIGXFSZ, SIG_IGN);

	for (long long i = 0; i < iters; i++) {
		unsigned int seed = (unsigned int)(i % 251) + 1;
		long long done, bdone, total;
		struct stat st;
		long res;
		ssize_t n;
		int berr;

		if (ftruncate(fd, 0) < 0)
			return wl_fail("ftruncate", errno);
		wl_fill(wbuf, (size_t)size, 0, seed);
		if (!enospc) {
			lowered = saved;
			lowered.rlim_cur = (rlim_t)limit;
			if (setrlimit(RLIMIT_FSIZE, &lowered) < 0)
				return wl_fail("setrlimit", errno);
		}
		res = direct_write(kind, &eng, fd, wbuf, (size_t)size, 0);
		if (!enospc && setrlimit(RLIMIT_FSIZE, &saved) < 0)
			return wl_fail("setrlimit (restore)", errno);
		o.last_res = res;
		if (res == size)
			o.full++;
		else if (res >= 0)
			o.shortened++;
		else
			o.failed++;
		if (res < 0 && res != -ENOSPC && res != -EFBIG)
			return wl_fail("direct write", (int)-res);
		done = res > 0 ? res : 0;
		bdone = buffered_rest(bfd, wbuf, done, size, &berr);
		if (berr && berr != ENOSPC)
			return wl_fail("buffered fallback", berr);
		total = done + bdone;
		o.direct_bytes += done;
		o.buffered_bytes += bdone;
		o.unwritten_bytes += size - total;
		if (i == 0 || res != size)
			printf("short_write: iteration %lld: %s direct write of %lld at 0 returned %ld%s%s; buffered fallback wrote %lld%s%s\n",
			       i, kind == ENGINE_PWRITE ? "pwrite" : engine_name((enum engine_kind)kind),
			       size, res, res < 0 ? " " : "", res < 0 ? strerror((int)-res) : "",
			       bdone, berr ? ", then " : "", berr ? strerror(berr) : "");

		if (fstat(fd, &st) < 0)
			return wl_fail("fstat", errno);
		memset(rbuf, 0, (size_t)size);
		n = pread(bfd, rbuf, (size_t)total, 0);
		if (n < 0)
			return wl_fail("pread", errno);
		if (st.st_size != total || n != total) {
			fprintf(stderr, "short_write: iteration %lld: size %lld, read %zd, but %lld bytes were reported written\n",
				i, (long long)st.st_size, n, total);
			mismatches++;
		} else if (wl_check(rbuf, (size_t)total, 0, seed, "direct + buffered data") >= 0) {
			mismatches++;
		} else {
			verified++;
		}
	}
	if (kind != ENGINE_PWRITE)
		engine_exit(&eng);
	close(bfd);
	close(fd);
	if (enospc && !keep) {
		unlink(fill_path);
		unlink(argv[optind]);
	}
	printf("short_write: mode=%s engine=%s iterations=%lld size=%lld full=%ld short=%ld failed=%ld direct_bytes=%lld buffered_bytes=%lld unwritten_bytes=%lld verified=%ld mismatched=%ld result=%s\n",
	       enospc ? "enospc" : "rlimit",
	       kind == ENGINE_PWRITE ? "pwrite" : engine_name((enum engine_kind)kind),
	       iters, size, o.full, o.shortened, o.failed, o.direct_bytes, o.buffered_bytes,
	       o.unwritten_bytes, verified, mismatches, mismatches ? "MISMATCH" : "ok");
	return mismatches ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
