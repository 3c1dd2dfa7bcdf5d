// SPDX-License-Identifier: MIT
/*
 * extend_vs_fallocate: the shape of race 3 (seed 002). Each iteration
 * submits an async O_DIRECT write at EOF that extends the file (libaio or
 * io_uring) while a second thread, released at the same moment, changes the
 * size from the other side:
 *   falloc     fallocate(mode 0) of the first half of the write's range
 *   keep-size  fallocate(FALLOC_FL_KEEP_SIZE) of the same range
 *   truncate   ftruncate() to beyond the end of the write
 * After the write is reaped and the racer has returned, the file size must be
 * the write's end (falloc, keep-size) or the truncate size, and the written
 * range must read back intact (the truncate gap as zeros). A fallocate that
 * computed its new size before the write completed would cut the data off.
 *
 * exit: 0 data and sizes verified, 1 a mismatch, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/engine.h"
#include "common/util.h"

enum racer_mode {
	RACE_FALLOC,
	RACE_KEEP_SIZE,
	RACE_TRUNCATE,
	RACE_NR,
	RACE_ALL = RACE_NR,	/* rotate through all three */
};

static const char *const mode_names[] = { "falloc", "keep-size", "truncate", "all" };

struct racer {
	int fd;
	long long iters;
	long delay_us;
	enum racer_mode mode;
	pthread_barrier_t start, done;
	/* set by main before the start barrier of each iteration */
	long long eof, io;
	enum racer_mode now;
	int err;	/* errno of a failed racer call, 0 if fine */
};

static long long truncate_size(long long eof, long long io)
{
	return eof + io + io / 2;
}

static void *race(void *arg)
{
	struct racer *r = arg;

	for (long long i = 0; i < r->iters; i++) {
		int ret = 0;

		pthread_barrier_wait(&r->start);
		if (r->delay_us) {
			struct timespec ts = { 0, r->delay_us * 1000 };

			nanosleep(&ts, NULL);
		}
		switch (r->now) {
		case RACE_FALLOC:
			ret = fallocate(r->fd, 0, r->eof, r->io / 2);
			break;
		case RACE_KEEP_SIZE:
			ret = fallocate(r->fd, FALLOC_FL_KEEP_SIZE, r->eof, r->io / 2);
			break;
		default:
			ret = ftruncate(r->fd, truncate_size(r->eof, r->io));
			break;
		}
		r->err = ret < 0 ? errno : 0;
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: extend_vs_fallocate [--engine libaio|uring] [-n ITERATIONS] [--io-size BYTES]\n"
		"                           [--mode falloc|keep-size|truncate|all] [--delay-us US] FILE\n"
		"Extending async O_DIRECT write at EOF (default 256k) racing fallocate / ftruncate from\n"
		"another thread; verifies the final size and the data. --mode all (default) rotates.\n"
		"exit: 0 data verified, 1 data or size mismatch (race hit), 2 usage/system error\n");
}

static int verify(int fd, long long eof, long long io, enum racer_mode mode,
		  unsigned int seed, unsigned char *rbuf, long long i)
{
	long long want = mode == RACE_TRUNCATE ? truncate_size(eof, io) : eof + io;
	struct stat st;
	ssize_t n;
	int bad = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size != want) {
		fprintf(stderr, "extend_vs_fallocate: iteration %lld (%s): size %lld, wanted %lld\n",
			i, mode_names[mode], (long long)st.st_size, want);
		bad = 1;
	}
	/* a cut-off file reads short: zero the buffer so that shows as zeros */
	memset(rbuf, 0, (size_t)io);
	n = pread(fd, rbuf, (size_t)io, eof);
	if (n < 0)
		return -errno;
	if (wl_check(rbuf, (size_t)io, eof, seed, "extending write") >= 0)
		bad = 1;
	if (mode == RACE_TRUNCATE) {
		long long gap = want - (eof + io);

		memset(rbuf, 0xff, (size_t)io);
		n = pread(fd, rbuf, (size_t)gap, eof + io);
		if (n < 0)
			return -errno;
		if (n != gap || wl_check(rbuf, (size_t)gap, eof + io, 0, "truncate gap (must be zero)") >= 0)
			bad = 1;
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "io-size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "delay-us", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum engine_kind kind = ENGINE_LIBAIO;
	long long iters = 1, io = 256 * 1024, delay = 0;
	long mismatches = 0, verified = 0, per_mode[RACE_NR] = { 0 };
	struct racer r = { 0 };
	struct engine eng;
	unsigned char *wbuf, *rbuf;
	pthread_t thread;
	int c, fd, err;

	wl_prog = "extend_vs_fallocate";
	r.mode = RACE_ALL;
	while ((c = getopt_long(argc, argv, "e:n:m:h", opts, NULL)) != -1) {
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
			if (wl_parse_size(optarg, 8192, 64 << 20, &io) || io % 8192)
				goto bad_usage;
			break;
		case 'm':
			for (r.mode = 0; r.mode <= RACE_ALL; r.mode++)
				if (!strcmp(optarg, mode_names[r.mode]))
					break;
			if (r.mode > RACE_ALL)
				goto bad_usage;
			break;
		case 'd':
			if (wl_parse_size(optarg, 0, 999999, &delay))
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
	wbuf = wl_alloc((size_t)io);
	rbuf = wl_alloc((size_t)io);
	if (!wbuf || !rbuf)
		return wl_fail("posix_memalign", ENOMEM);
	err = engine_init(&eng, kind);
	if (err)
		return wl_fail("engine setup", -err);
	r.fd = fd;
	r.iters = iters;
	r.delay_us = (long)delay;
	r.io = io;
	if (pthread_barrier_init(&r.start, NULL, 2) || pthread_barrier_init(&r.done, NULL, 2))
		return wl_fail("pthread_barrier_init", EINVAL);
	err = pthread_create(&thread, NULL, race, &r);
	if (err)
		return wl_fail("pthread_create", err);

	for (long long i = 0; i < iters; i++) {
		enum racer_mode mode = r.mode == RACE_ALL ? (enum racer_mode)(i % RACE_NR) : r.mode;
		unsigned int seed = (unsigned int)(i % 251) + 1;
		struct engine_result res;
		struct stat st;

		if (fstat(fd, &st) < 0)
			return wl_fail("fstat", errno);
		r.eof = st.st_size;
		r.now = mode;
		wl_fill(wbuf, (size_t)io, r.eof, seed);
		err = engine_prep_write(&eng, fd, wbuf, (size_t)io, r.eof, (uint64_t)i);
		if (err)
			return wl_fail("prepare", -err);
		pthread_barrier_wait(&r.start);
		err = engine_submit(&eng);
		if (err < 0)
			return wl_fail("submit", -err);
		err = engine_reap(&eng, 1, &res);
		if (err)
			return wl_fail("reap", -err);
		pthread_barrier_wait(&r.done);
		if (r.err)
			return wl_fail(mode_names[mode], r.err);
		if (res.res != io) {
			fprintf(stderr, "extend_vs_fallocate: iteration %lld: write at %lld returned %ld, wanted %lld\n",
				i, r.eof, res.res, io);
			return WL_ERROR;
		}
		err = verify(fd, r.eof, io, mode, seed, rbuf, i);
		if (err < 0)
			return wl_fail("read back", -err);
		if (err) {
			mismatches++;
		} else {
			verified++;
			per_mode[mode]++;
		}
	}
	pthread_join(thread, NULL);
	engine_exit(&eng);
	close(fd);
	printf("extend_vs_fallocate: engine=%s mode=%s iterations=%lld io=%lld verified=%ld (falloc %ld, keep-size %ld, truncate %ld) mismatched=%ld result=%s\n",
	       engine_name(kind), mode_names[r.mode], iters, io, verified,
	       per_mode[RACE_FALLOC], per_mode[RACE_KEEP_SIZE], per_mode[RACE_TRUNCATE],
	       mismatches, mismatches ? "MISMATCH" : "ok");
	return mismatches ? WL_MISMATCH : WL_OK;

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
