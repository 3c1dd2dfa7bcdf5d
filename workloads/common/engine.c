// SPDX-License-Identifier: MIT
/*
 * engine: libaio and io_uring behind one batch-write interface.
 */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <string.h>

int engine_parse(const char *name, enum engine_kind *kind)
{
	if (!strcmp(name, "libaio") || !strcmp(name, "aio")) {
		*kind = ENGINE_LIBAIO;
		return 0;
	}
	if (!strcmp(name, "uring") || !strcmp(name, "io_uring")) {
		*kind = ENGINE_URING;
		return 0;
	}
	return -EINVAL;
}

const char *engine_name(enum engine_kind kind)
{
	return kind == ENGINE_URING ? "uring" : "libaio";
}

int engine_init(struct engine *e, enum engine_kind kind)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (kind == ENGINE_LIBAIO)
		return io_setup(ENGINE_MAX_BATCH, &e->aio);
	return io_uring_queue_init(ENGINE_MAX_BATCH, &e->ring, 0);
}

int engine_prep_write(struct engine *e, int fd, const void *buf, size_t len,
		      off_t off, uint64_t tag)
{
	if (e->pending + e->inflight >= ENGINE_MAX_BATCH)
		return -EBUSY;
	if (e->kind == ENGINE_LIBAIO) {
		struct iocb *cb = &e->cbs[e->pending];

		io_prep_pwrite(cb, fd, (void *)buf, len, off);
		cb->data = (void *)(uintptr_t)tag;
	} else {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&e->ring);

		if (!sqe)
			return -EBUSY;
		io_uring_prep_write(sqe, fd, buf, (unsigned int)len, (uint64_t)off);
		io_uring_sqe_set_data64(sqe, tag);
	}
	e->pending++;
	return 0;
}

int engine_submit(struct engine *e)
{
	int ret;

	if (!e->pending)
		return 0;
	if (e->kind == ENGINE_LIBAIO) {
		struct iocb *list[ENGINE_MAX_BATCH];

		for (unsigned int i = 0; i < e->pending; i++)
			list[i] = &e->cbs[i];
		ret = io_submit(e->aio, (long)e->pending, list);
	} else {
		ret = io_uring_submit(&e->ring);
	}
	if (ret < 0)
		return ret;
	if ((unsigned int)ret != e->pending)
		return -EAGAIN;	/* partial submission: treat as a system error */
	e->inflight += e->pending;
	e->pending = 0;
	return ret;
}

static int reap_libaio(struct engine *e, unsigned int n, struct engine_result *out)
{
	struct io_event ev[ENGINE_MAX_BATCH];
	unsigned int got = 0;

	while (got < n) {
		int r = io_getevents(e->aio, n - got, n - got, ev, NULL);

		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		for (int i = 0; i < r; i++) {
			out[got].tag = (uint64_t)(uintptr_t)ev[i].data;
			out[got].res = (long)ev[i].res;
			got++;
		}
	}
	return 0;
}

static int reap_uring(struct engine *e, unsigned int n, struct engine_result *out)
{
	unsigned int got = 0;

	while (got < n) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&e->ring, &cqe);

		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		out[got].tag = io_uring_cqe_get_data64(cqe);
		out[got].res = cqe->res;
		io_uring_cqe_seen(&e->ring, cqe);
		got++;
	}
	return 0;
}

int engine_reap(struct engine *e, unsigned int n, struct engine_result *out)
{
	int ret;

	if (n > e->inflight)
		return -EINVAL;
	if (e->kind == ENGINE_LIBAIO)
		ret = reap_libaio(e, n, out);
	else
		ret = reap_uring(e, n, out);
	if (!ret)
		e->inflight -= n;
	return ret;
}

void engine_exit(struct engine *e)
{
	if (e->kind == ENGINE_LIBAIO)
		io_destroy(e->aio);
	else
		io_uring_queue_exit(&e->ring);
}
