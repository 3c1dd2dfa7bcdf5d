// SPDX-License-Identifier: MIT
/*
 * aio_abandon: a process that dies with completed libaio writes it never
 * reaped (a writer killed mid-run, a crash test's victim). It submits N
 * O_DIRECT writes with libaio, waits until the kernel has posted every
 * completion to the context's ring (read from user space: the ring's tail
 * moves, its head does not), then exits without io_getevents, by _exit or
 * by SIGKILL. The kernel waits for the context's I/Os at exit (exit_aio);
 * nothing will ever reap these completions. A tracer must settle them at the
 * exit rather than hold them to the end of its run.
 *
 * exit: 0 (or killed by SIGKILL with --kill) after the completions were
 * posted, 2 usage or system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libaio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

/* The head of the ring the kernel maps at the context's address (fs/aio.c). */
struct aio_ring_head {
	unsigned int id;
	unsigned int nr;
	unsigned int head;
	unsigned int tail;
	unsigned int magic;
};

#define AIO_RING_MAGIC 0xa10a10a1u
#define MAX_IOS 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: aio_abandon [-n WRITES] [-b BLOCK_SIZE] [--kill] FILE\n"
		"Submit WRITES libaio O_DIRECT writes, wait until every completion is posted,\n"
		"then exit (or SIGKILL itself) without reaping them.\n"
		"exit: 0 completions posted and abandoned, 2 usage/system error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "writes", required_argument, NULL, 'n' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "kill", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct iocb cbs[MAX_IOS], *cbp[MAX_IOS];
	const struct aio_ring_head *ring;
	long long n = 4, bs = 4096, i;
	io_context_t ctx = 0;
	int c, fd, ret, kill_self = 0;
	struct timespec nap = { 0, 1000000 };
	void *buf;

	wl_prog = "aio_abandon";
	while ((c = getopt_long(argc, argv, "n:b:kh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (wl_parse_size(optarg, 1, MAX_IOS, &n))
				goto bad_usage;
			break;
		case 'b':
			if (wl_parse_size(optarg, 512, 1 << 20, &bs) || bs % 512)
				goto bad_usage;
			break;
		case 'k':
			kill_self = 1;
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

	fd = open(argv[optind], O_RDWR | O_CREAT | O_DIRECT, 0644);
	if (fd < 0)
		return wl_fail(argv[optind], errno);
	buf = wl_alloc((size_t)(n * bs));
	if (!buf)
		return wl_fail("alloc", ENOMEM);
	ret = io_setup((int)n, &ctx);
	if (ret < 0)
		return wl_fail("io_setup", -ret);
	ring = (const struct aio_ring_head *)ctx;
	if (ring->magic != AIO_RING_MAGIC) {
		fprintf(stderr, "%s: the aio ring is not mapped at the context's address\n", wl_prog);
		return WL_ERROR;
	}
	for (i = 0; i < n; i++) {
		wl_fill((char *)buf + i * bs, (size_t)bs, i * bs, 1);
		io_prep_pwrite(&cbs[i], fd, (char *)buf + i * bs, (size_t)bs, i * bs);
		cbs[i].data = (void *)(long)i;
		cbp[i] = &cbs[i];
	}
	ret = io_submit(ctx, (long)n, cbp);
	if (ret != n)
		return wl_fail("io_submit", ret < 0 ? -ret : EAGAIN);
	/* every completion posted: (tail - head) mod nr == n, for at most 10 s */
	for (i = 0; i < 10000; i++) {
		unsigned int head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
		unsigned int tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);

		if ((tail + ring->nr - head) % ring->nr == (unsigned int)n)
			break;
		nanosleep(&nap, NULL);
	}
	if (i == 10000) {
		fprintf(stderr, "%s: the completions were not posted within 10 s\n", wl_prog);
		return WL_ERROR;
	}
	printf("%lld completions posted, abandoned\n", n);
	fflush(stdout);
	if (kill_self)
		raise(SIGKILL);
	_exit(WL_OK);

bad_usage:
	usage(stderr);
	return WL_ERROR;
}
