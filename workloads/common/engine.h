/* SPDX-License-Identifier: MIT */
/*
 * engine: one small interface over libaio and io_uring so that each
 * workload can submit a batch of O_DIRECT writes in ONE submission call
 * (io_submit or io_uring_enter) and reap their completions.
 */
#ifndef DIOSCOPE_WORKLOAD_ENGINE_H
#define DIOSCOPE_WORKLOAD_ENGINE_H

#include <libaio.h>
#include <liburing.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ENGINE_MAX_BATCH 8

enum engine_kind {
	ENGINE_LIBAIO,
	ENGINE_URING,
};

struct engine_result {
	uint64_t tag;	/* what engine_prep_write was given */
	long res;	/* bytes written, or -errno */
};

struct engine {
	enum engine_kind kind;
	unsigned int pending;	/* prepared, not yet submitted */
	unsigned int inflight;	/* submitted, not yet reaped */
	io_context_t aio;
	struct iocb cbs[ENGINE_MAX_BATCH];
	struct io_uring ring;
};

/* "libaio" or "uring" (also "io_uring"); returns 0 or -EINVAL. */
int engine_parse(const char *name, enum engine_kind *kind);
const char *engine_name(enum engine_kind kind);

/* All return 0 or a negative errno. */
int engine_init(struct engine *e, enum engine_kind kind);
int engine_prep_write(struct engine *e, int fd, const void *buf, size_t len,
		      off_t off, uint64_t tag);
/* Submits every prepared write in one system call; returns how many. */
int engine_submit(struct engine *e);
/* Waits for n completions (n <= inflight) and stores them in out[]. */
int engine_reap(struct engine *e, unsigned int n, struct engine_result *out);
void engine_exit(struct engine *e);

#endif
