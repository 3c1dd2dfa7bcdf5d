/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading identities out of inodes, kiocbs and file descriptors.
 */
#ifndef DIOSCOPE_INODE_BPF_H
#define DIOSCOPE_INODE_BPF_H

/*
 * Read src->a->b...: with @btf (a tp_btf program, whose arguments are
 * BTF-typed pointers) as plain loads, which the verifier makes fault-safe;
 * otherwise (raw_tp, pointers from maps) one bpf_probe_read_kernel() per
 * level, which costs some 20 ns each. @btf is a constant: the compiler
 * keeps one branch. Only for fields of the pointer's own type: a cast to
 * a containing struct (aio_kiocb, xfs_inode) needs BPF_CORE_READ.
 */
#define DSC_RD(btf, src, a, ...)					\
	((btf) ? ___arrow(src, a, ##__VA_ARGS__) :			\
		 BPF_CORE_READ(src, a, ##__VA_ARGS__))

static __always_inline u32 dsc_inode_dev(struct inode *inode, bool btf)
{
	return DSC_RD(btf, inode, i_sb, s_dev);
}

static __always_inline u64 dsc_inode_ino(struct inode *inode, bool btf)
{
	return DSC_RD(btf, inode, i_ino);
}

static __always_inline s64 dsc_inode_size(struct inode *inode, bool btf)
{
	return DSC_RD(btf, inode, i_size);
}

static __always_inline u8 dsc_inode_blkbits(struct inode *inode, bool btf)
{
	return DSC_RD(btf, inode, i_blkbits);
}

static __always_inline struct inode *dsc_kiocb_inode(struct kiocb *iocb, bool btf)
{
	return DSC_RD(btf, iocb, ki_filp, f_inode);
}

/* Which user API submitted this kiocb (enum dsc_api). */
static __always_inline u8 dsc_kiocb_api(struct kiocb *iocb, bool btf)
{
	u64 fn = (u64)DSC_RD(btf, iocb, ki_complete);

	if (!fn)
		return DSC_API_SYNC;
	if (dsc_addr_aio_complete_rw && fn == dsc_addr_aio_complete_rw)
		return DSC_API_LIBAIO;
	if ((dsc_addr_io_complete_rw && fn == dsc_addr_io_complete_rw) ||
	    (dsc_addr_io_complete_rw_iopoll && fn == dsc_addr_io_complete_rw_iopoll))
		return DSC_API_IO_URING;
	return DSC_API_ASYNC_OTHER;
}

/*
 * The user's handle on an async kiocb: for libaio the user iocb pointer
 * (aio_kiocb.ki_res.obj), for io_uring the SQE's user_data (the kiocb
 * is at the start of the io_kiocb's cmd area).
 */
static __always_inline u64 dsc_kiocb_user_ref(struct kiocb *iocb, u8 api)
{
	if (api == DSC_API_LIBAIO) {
		struct aio_kiocb *req = (struct aio_kiocb *)iocb;

		return BPF_CORE_READ(req, ki_res.obj);
	}
	if (api == DSC_API_IO_URING) {
		struct io_kiocb *req = (struct io_kiocb *)iocb;

		return BPF_CORE_READ(req, cqe.user_data);
	}
	return 0;
}

/* The file behind a file descriptor of the current task, or NULL. */
static __always_inline struct file *dsc_fd_file(s32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;
	unsigned int max;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	max = BPF_CORE_READ(fdt, max_fds);
	if ((unsigned int)fd >= max)
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	return f;
}

/* O_DIRECT in f_flags: x86's (the generic) value; arm64's differs, but the
 * raw system call dispatcher that uses it is x86-64's */
#define DSC_O_DIRECT 040000

/*
 * Reserve a record for a filesystem event on @inode, if the filters let
 * events on that inode through (in any context): the common preamble of
 * the iomap, xfs and ext4 handlers. NULL when filtered out or dropped.
 */
static __always_inline struct dsc_event *dsc_reserve_fs(struct inode *inode,
							 u32 probe, u16 type,
							 bool btf)
{
	u32 dev = dsc_inode_dev(inode, btf);
	u64 ino = dsc_inode_ino(inode, btf);

	if (!dsc_pass_fs_event(dev, ino))
		return NULL;
	return dsc_reserve(probe, type, dev, ino);
}

#endif /* DIOSCOPE_INODE_BPF_H */
