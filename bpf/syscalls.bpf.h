/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * System calls, from the classic syscalls:sys_enter_* / sys_exit_*
 * tracepoints. The enter side stashes what the exit side needs, per
 * thread; io_getevents' exit also reports each io_event it returned.
 */
#ifndef DIOSCOPE_SYSCALLS_BPF_H
#define DIOSCOPE_SYSCALLS_BPF_H

/* Layout of the syscalls:* tracepoint records (see their format files). */
struct dsc_sys_enter_ctx {
	u64 common;
	s32 syscall_nr;
	u32 _pad;
	u64 args[6];
};

struct dsc_sys_exit_ctx {
	u64 common;
	s32 syscall_nr;
	u32 _pad;
	s64 ret;
};

#define DSC_MAX_IOVECS 16

/* Total length of a user iovec array, or -1 if it is too long to sum. */
static __always_inline s64 dsc_iov_total(const struct iovec *iov, u64 vlen)
{
	s64 total = 0;
	struct iovec v;
	int i;

	if (vlen > DSC_MAX_IOVECS)
		return -1;
	for (i = 0; i < DSC_MAX_IOVECS; i++) {
		if (i >= vlen)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			return -1;
		total += v.iov_len;
	}
	return total;
}

static __always_inline void dsc_emit_sys_enter(struct dsc_sys_stash *st,
					       u32 probe)
{
	struct dsc_event *e;

	e = dsc_reserve(probe, DSC_EV_SYS_ENTER, st->dev, st->ino);
	if (!e)
		return;
	e->hdr.ts_ns = st->enter_ts;
	e->sys_enter.sysno = st->sysno;
	e->sys_enter.fd = st->fd;
	e->sys_enter.args[0] = st->args[0];
	e->sys_enter.args[1] = st->args[1];
	e->sys_enter.args[2] = st->args[2];
	e->sys_enter.isize = st->inode ? dsc_inode_size((struct inode *)st->inode, false) : -1;
	bpf_get_current_comm(e->sys_enter.comm, sizeof(e->sys_enter.comm));
	dsc_submit(e, probe);
	st->enter_emitted = 1;
}

/*
 * io_submit's enter and exit as one DSC_EV_SYS_CALL (with in-kernel
 * assembly on): one record per call instead of two. Both events were
 * counted; a lost record loses both.
 */
static __always_inline void dsc_emit_sys_call(struct dsc_sys_stash *st, u32 probe, s64 ret)
{
	struct dsc_event *e;

	e = dsc_reserve(probe, DSC_EV_SYS_CALL, st->dev, st->ino);
	if (!e) {
		dsc_count(probe, DSC_CNT_DROPPED);
		return;
	}
	e->sys_call.sysno = st->sysno;
	e->sys_call.ret = ret;
	e->sys_call.enter_ts = st->enter_ts;
	e->sys_call.args[0] = st->args[0];
	e->sys_call.args[1] = st->args[1];
	e->sys_call.args[2] = st->args[2];
	bpf_get_current_comm(e->sys_call.comm, sizeof(e->sys_call.comm));
	dsc_submit(e, probe);
}

/*
 * io_getevents returning exactly one io_event (with in-kernel assembly
 * on): its exit and its reap as one DSC_EV_SYS_EXIT_REAP. False if the
 * io_event cannot be read: the caller then writes the two records (whose
 * reap fails to read too, and is left out as before).
 */
static __always_inline bool dsc_emit_sys_exit_reap(struct dsc_sys_stash *st, u32 probe, s64 ret)
{
	struct dsc_event *e;
	struct io_event ev;

	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)st->user_events))
		return false;
	e = dsc_reserve(probe, DSC_EV_SYS_EXIT_REAP, st->dev, st->ino);
	if (!e) {
		dsc_count(probe, DSC_CNT_DROPPED);
		return true;
	}
	e->sys_exit_reap.sysno = st->sysno;
	e->sys_exit_reap.ret = ret;
	e->sys_exit_reap.enter_ts = st->enter_ts;
	e->sys_exit_reap.ctx = st->args[0];
	e->sys_exit_reap.data = ev.data;
	e->sys_exit_reap.obj = ev.obj;
	e->sys_exit_reap.res = ev.res;
	e->sys_exit_reap.res2 = ev.res2;
	dsc_submit(e, probe);
	dsc_count(probe, DSC_CNT_ABSORBED);
	return true;
}

/*
 * io_getevents returning exactly one io_event, whose enter was held (the
 * call found its events waiting): its enter, exit and reap as one
 * DSC_EV_SYS_CALL_REAP. False if the io_event cannot be read or the record
 * cannot carry the call (an io_event with a res2, an enter more than 4 s
 * before the exit): the caller then writes a DSC_EV_SYS_CALL and the reap.
 */
static __always_inline bool dsc_emit_sys_call_reap(struct dsc_sys_stash *st, u32 probe)
{
	struct dsc_event *e;
	struct io_event ev;
	u64 now;

	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)st->user_events) || ev.res2)
		return false;
	now = bpf_ktime_get_ns();
	if (now - st->enter_ts > 0xffffffffULL)
		return false;
	e = dsc_reserve(probe, DSC_EV_SYS_CALL_REAP, st->dev, st->ino);
	if (!e) {
		/* three events lost: the reserve counted one */
		dsc_count(probe, DSC_CNT_DROPPED);
		dsc_count(probe, DSC_CNT_DROPPED);
		return true;
	}
	e->hdr.ts_ns = now;
	e->sys_call_reap.sysno = st->sysno;
	e->sys_call_reap.enter_ago = (u32)(now - st->enter_ts);
	e->sys_call_reap.min_nr = (s32)st->args[1];
	e->sys_call_reap.nr = (s32)st->args[2];
	e->sys_call_reap.ctx = st->args[0];
	e->sys_call_reap.data = ev.data;
	e->sys_call_reap.obj = ev.obj;
	e->sys_call_reap.res = ev.res;
	bpf_get_current_comm(e->sys_call_reap.comm, sizeof(e->sys_call_reap.comm));
	dsc_submit(e, probe);
	dsc_count(probe, DSC_CNT_ABSORBED);
	return true;
}

/* The head of the aio ring (struct aio_ring, uapi-stable since 2.6): it
 * is mapped in the process at the aio_context_t's address. */
struct dsc_aio_ring_head {
	u32 id;
	u32 nr;
	u32 head;
	u32 tail;
	u32 magic;
};

#define DSC_AIO_RING_MAGIC 0xa10a10a1

/*
 * Whether an io_getevents(ctx, min_nr, nr, ...) entered now finds at least
 * min_nr io_events waiting, so that it returns without sleeping: then its
 * enter can be held and written with its exit without arriving late.
 * (Another thread reaping the same ring at the same moment can still make
 * it sleep; its enter then arrives late, as a blocked io_submit's does.)
 * The record stores min_nr and nr as 32 bits: larger values are not held.
 */
static __always_inline bool dsc_aio_events_waiting(s64 ctx, s64 min_nr, s64 nr)
{
	struct dsc_aio_ring_head r;
	u32 avail;

	if (min_nr < 0 || min_nr > 0x7fffffff || nr < 0 || nr > 0x7fffffff)
		return false;
	if (bpf_probe_read_user(&r, sizeof(r), (void *)ctx))
		return false;
	if (r.magic != DSC_AIO_RING_MAGIC || !r.nr || r.head >= r.nr || r.tail >= r.nr)
		return false;
	avail = r.tail >= r.head ? r.tail - r.head : r.nr - r.head + r.tail;
	return (u64)min_nr <= avail;
}

/* What a call's fd is (dsc_sys_enter's `resolve`). */
enum {
	DSC_FD_NONE = 0,	/* no file, or (io_uring_enter) not a data file */
	DSC_FD_FILE = 1,	/* the file the I/O is done on */
	/* the same, and the call is reported only if the file is O_DIRECT:
	 * read(2)/write(2), which every program makes, mostly on other files */
	DSC_FD_DIRECT = 2,
};

/*
 * Common enter path. fd < 0: the call has no file (or, for
 * io_uring_enter, not a data file); `resolve` (DSC_FD_*) says whether fd
 * names the file the I/O is done on.
 */
static __always_inline int dsc_sys_enter(u32 probe, u16 sysno, s32 fd,
					 u8 resolve, s64 a0, s64 a1, s64 a2,
					 u64 user_events)
{
	struct dsc_sys_stash st = {};
	struct dsc_sys_stash *slot;
	struct inode *inode = NULL;
	bool pass;

	if (dsc_task_filtered() && !dsc_task_ok())
		return 0;
	if (resolve) {
		struct file *f = dsc_fd_file(fd);

		if (resolve == DSC_FD_DIRECT &&
		    (!f || !(BPF_CORE_READ(f, f_flags) & DSC_O_DIRECT)))
			return 0;
		inode = f ? BPF_CORE_READ(f, f_inode) : NULL;
		if (inode) {
			st.dev = dsc_inode_dev(inode, false);
			st.ino = dsc_inode_ino(inode, false);
		}
		if (!dsc_dev_ok(st.dev))
			return 0;
		pass = true;
	} else {
		pass = dsc_pass_fileless_event();
	}
	st.enter_ts = bpf_ktime_get_ns();
	st.inode = (u64)inode;
	st.user_events = user_events;
	st.args[0] = a0;
	st.args[1] = a1;
	st.args[2] = a2;
	st.fd = fd;
	st.sysno = sysno;
	slot = bpf_task_storage_get(&dsc_sys_inflight, bpf_get_current_task_btf(),
				    0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pass && slot && dsc_assemble &&
	    (sysno == DSC_SYS_IO_SUBMIT ||
	     ((sysno == DSC_SYS_IO_GETEVENTS || sysno == DSC_SYS_IO_PGETEVENTS) &&
	      dsc_aio_events_waiting(a0, a1, a2)))) {
		/* written with the exit: DSC_EV_SYS_CALL or DSC_EV_SYS_CALL_REAP */
		st.enter_held = 1;
		dsc_count(probe, DSC_CNT_ABSORBED);
	} else if (pass) {
		dsc_emit_sys_enter(&st, probe);
	}
	if (slot)
		*slot = st;
	return 0;
}

/* io_getevents/io_pgetevents: one record per io_event handed back. */
static __always_inline void dsc_emit_reaps(struct dsc_sys_stash *st, s64 ret,
					   u32 probe)
{
	struct io_event ev;
	u32 n, i;

	if (ret <= 0 || !st->user_events)
		return;
	n = ret > 0x7fffffff ? 0x7fffffff : (u32)ret;
	for (i = 0; i < DSC_MAX_REAP_PER_CALL; i++) {
		struct dsc_event *e;

		if (i >= n)
			break;
		if (bpf_probe_read_user(&ev, sizeof(ev),
					(void *)(st->user_events + (u64)i * sizeof(ev))))
			break;
		e = dsc_reserve(probe, DSC_EV_AIO_REAP, 0, 0);
		if (!e)
			continue;
		e->reap.ctx = st->args[0];
		e->reap.data = ev.data;
		e->reap.obj = ev.obj;
		e->reap.res = ev.res;
		e->reap.res2 = ev.res2;
		e->reap.index = i;
		e->reap.total = n;
		dsc_submit(e, probe);
	}
	/* Events beyond what we can report are lost: count them as drops. */
	if (n > DSC_MAX_REAP_PER_CALL) {
		struct dsc_counter *c = bpf_map_lookup_elem(&dsc_counters, &probe);

		if (c)
			dsc_note_drops(c, n - DSC_MAX_REAP_PER_CALL);
	}
}

static __always_inline int dsc_sys_exit(u32 probe, u16 sysno, s64 ret)
{
	struct dsc_sys_stash *st;
	struct dsc_event *e;

	st = bpf_task_storage_get(&dsc_sys_inflight, bpf_get_current_task_btf(), 0, 0);
	if (!st || !st->sysno)
		return 0;
	if (st->sysno != sysno)
		goto out;
	if (!st->enter_emitted) {
		/* Held for a DSC_EV_SYS_CALL(_REAP); or a file-less call whose process
		 * did its first traced I/O during the call: report the enter
		 * now, with its own time. */
		if (!st->enter_held && !dsc_pass_fileless_event())
			goto out;
		if (sysno == DSC_SYS_IO_SUBMIT && dsc_assemble) {
			dsc_emit_sys_call(st, probe, ret);
			goto out;
		}
		if (st->enter_held) {	/* io_getevents that found its events waiting */
			if (ret == 1 && st->user_events && dsc_emit_sys_call_reap(st, probe))
				goto out;
			dsc_emit_sys_call(st, probe, ret);
			dsc_emit_reaps(st, ret, probe);
			goto out;
		}
		dsc_emit_sys_enter(st, probe);
	}
	if ((sysno == DSC_SYS_IO_GETEVENTS || sysno == DSC_SYS_IO_PGETEVENTS) && ret == 1 &&
	    st->user_events && dsc_assemble && dsc_emit_sys_exit_reap(st, probe, ret))
		goto out;
	e = dsc_reserve(probe, DSC_EV_SYS_EXIT, st->dev, st->ino);
	if (e) {
		e->sys_exit.sysno = sysno;
		e->sys_exit.fd = st->fd;
		e->sys_exit.ret = ret;
		e->sys_exit.isize = st->inode ? dsc_inode_size((struct inode *)st->inode, false) : -1;
		e->sys_exit.enter_ts = st->enter_ts;
		dsc_submit(e, probe);
	}
	if (sysno == DSC_SYS_IO_GETEVENTS || sysno == DSC_SYS_IO_PGETEVENTS)
		dsc_emit_reaps(st, ret, probe);
out:
	st->sysno = 0;
	return 0;
}

#define DSC_SYSCALL(name, probe, sysno, fd, resolve, a0, a1, a2, uev)	\
SEC("tracepoint/syscalls/sys_enter_" #name)				\
int sys_enter_##name(struct dsc_sys_enter_ctx *ctx)			\
{									\
	return dsc_sys_enter(probe, sysno, fd, resolve, a0, a1, a2, uev); \
}									\
SEC("tracepoint/syscalls/sys_exit_" #name)				\
int sys_exit_##name(struct dsc_sys_exit_ctx *ctx)			\
{									\
	return dsc_sys_exit(probe, sysno, ctx->ret);			\
}

#define A(i) ((s64)ctx->args[i])

DSC_SYSCALL(pread64, DSC_P_SYS_PREAD64, DSC_SYS_PREAD64, (s32)A(0), DSC_FD_FILE,
	    A(1), A(2), A(3), 0)
DSC_SYSCALL(pwrite64, DSC_P_SYS_PWRITE64, DSC_SYS_PWRITE64, (s32)A(0), DSC_FD_FILE,
	    A(1), A(2), A(3), 0)
DSC_SYSCALL(preadv2, DSC_P_SYS_PREADV2, DSC_SYS_PREADV2, (s32)A(0), DSC_FD_FILE,
	    A(1), dsc_iov_total((const struct iovec *)ctx->args[1], ctx->args[2]),
	    A(3), 0)
DSC_SYSCALL(pwritev2, DSC_P_SYS_PWRITEV2, DSC_SYS_PWRITEV2, (s32)A(0), DSC_FD_FILE,
	    A(1), dsc_iov_total((const struct iovec *)ctx->args[1], ctx->args[2]),
	    A(3), 0)
DSC_SYSCALL(io_submit, DSC_P_SYS_IO_SUBMIT, DSC_SYS_IO_SUBMIT, -1, DSC_FD_NONE,
	    A(0), A(1), A(2), 0)
DSC_SYSCALL(io_getevents, DSC_P_SYS_IO_GETEVENTS, DSC_SYS_IO_GETEVENTS, -1, DSC_FD_NONE,
	    A(0), A(1), A(2), ctx->args[3])
DSC_SYSCALL(io_pgetevents, DSC_P_SYS_IO_PGETEVENTS, DSC_SYS_IO_PGETEVENTS, -1, DSC_FD_NONE,
	    A(0), A(1), A(2), ctx->args[3])
DSC_SYSCALL(io_uring_enter, DSC_P_SYS_IO_URING_ENTER, DSC_SYS_IO_URING_ENTER,
	    (s32)A(0), DSC_FD_NONE, A(1), A(2), A(3), 0)
DSC_SYSCALL(fallocate, DSC_P_SYS_FALLOCATE, DSC_SYS_FALLOCATE, (s32)A(0), DSC_FD_FILE,
	    A(1), A(2), A(3), 0)
DSC_SYSCALL(ftruncate, DSC_P_SYS_FTRUNCATE, DSC_SYS_FTRUNCATE, (s32)A(0), DSC_FD_FILE,
	    A(1), 0, 0, 0)
DSC_SYSCALL(fsync, DSC_P_SYS_FSYNC, DSC_SYS_FSYNC, (s32)A(0), DSC_FD_FILE, 0, 0, 0, 0)
DSC_SYSCALL(fdatasync, DSC_P_SYS_FDATASYNC, DSC_SYS_FDATASYNC, (s32)A(0), DSC_FD_FILE,
	    0, 0, 0, 0)
DSC_SYSCALL(read, DSC_P_SYS_READ, DSC_SYS_READ, (s32)A(0), DSC_FD_DIRECT,
	    A(1), A(2), 0, 0)
DSC_SYSCALL(write, DSC_P_SYS_WRITE, DSC_SYS_WRITE, (s32)A(0), DSC_FD_DIRECT,
	    A(1), A(2), 0, 0)

#undef A

#endif /* DIOSCOPE_SYSCALLS_BPF_H */
