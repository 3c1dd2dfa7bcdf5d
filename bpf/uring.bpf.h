/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * io_uring: a completion queue entry is posted.
 */
#ifndef DIOSCOPE_URING_BPF_H
#define DIOSCOPE_URING_BPF_H

/* io_uring_complete(io_ring_ctx *, void *req, io_uring_cqe *) */
static __always_inline int dsc_uring_complete(u64 *ctx, bool btf)
{
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)ctx[2];
	struct dsc_event *e;

	if (!dsc_pass_fileless_event())
		return 0;
	e = dsc_reserve(DSC_P_URING_COMPLETE, DSC_EV_URING_COMPLETE, 0, 0);
	if (!e)
		return 0;
	e->uring.ctx = ctx[0];
	e->uring.req = ctx[1];
	e->uring.user_data = DSC_RD(btf, cqe, user_data);
	e->uring.res = DSC_RD(btf, cqe, res);
	e->uring.cflags = DSC_RD(btf, cqe, flags);
	dsc_submit(e, DSC_P_URING_COMPLETE);
	return 0;
}

#endif /* DIOSCOPE_URING_BPF_H */
