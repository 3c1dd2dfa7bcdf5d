/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * XFS: direct write entry, direct write end_io, unwritten extent
 * conversion, on-disk size update, and space operations.
 */
#ifndef DIOSCOPE_XFS_BPF_H
#define DIOSCOPE_XFS_BPF_H

/* xfs_file_direct_write(kiocb *, iov_iter *) */
static __always_inline int dsc_xfs_direct_write(u64 *ctx, bool btf)
{
	struct kiocb *iocb = (struct kiocb *)ctx[0];
	struct iov_iter *iter = (struct iov_iter *)ctx[1];
	struct inode *inode = dsc_kiocb_inode(iocb, btf);
	struct xfs_inode *ip;
	struct dsc_event *e;

	e = dsc_reserve_fs(inode, DSC_P_XFS_DIRECT_WRITE, DSC_EV_XFS_DIRECT_WRITE, btf);
	if (!e)
		return 0;
	ip = (struct xfs_inode *)((char *)inode -
				  bpf_core_field_offset(struct xfs_inode, i_vnode));
	e->xfs.isize = dsc_inode_size(inode, btf);
	/* ip is computed from inode: not a BTF pointer the verifier knows */
	e->xfs.disize = BPF_CORE_READ(ip, i_disk_size);
	e->xfs.offset = DSC_RD(btf, iocb, ki_pos);
	e->xfs.count = DSC_RD(btf, iter, count);
	e->xfs.kiocb = (u64)iocb;
	dsc_submit(e, DSC_P_XFS_DIRECT_WRITE);
	return 0;
}

/* (xfs_inode *, xfs_off_t offset, ssize_t count) class of events */
static __always_inline int dsc_xfs_io(u64 *ctx, u32 probe, u16 type, bool btf)
{
	struct xfs_inode *ip = (struct xfs_inode *)ctx[0];
	struct inode *inode = &ip->i_vnode;
	struct dsc_event *e;

	e = dsc_reserve_fs(inode, probe, type, btf);
	if (!e)
		return 0;
	e->xfs.isize = dsc_inode_size(inode, btf);
	e->xfs.disize = DSC_RD(btf, ip, i_disk_size);
	e->xfs.offset = (s64)ctx[1];
	e->xfs.count = ctx[2];
	dsc_submit(e, probe);
	return 0;
}

static __always_inline int dsc_xfs_end_io_direct(u64 *ctx, bool btf)
{
	return dsc_xfs_io(ctx, DSC_P_XFS_END_IO_DIRECT, DSC_EV_XFS_END_IO_DIRECT, btf);
}

static __always_inline int dsc_xfs_unwritten_convert(u64 *ctx, bool btf)
{
	return dsc_xfs_io(ctx, DSC_P_XFS_UNWRITTEN_CONV, DSC_EV_XFS_UNWRITTEN_CONV, btf);
}

static __always_inline int dsc_xfs_setfilesize(u64 *ctx, bool btf)
{
	return dsc_xfs_io(ctx, DSC_P_XFS_SETFILESIZE, DSC_EV_XFS_SETFILESIZE, btf);
}

/* Space operations on an xfs_inode; offset/len where the event has them. */
static __always_inline int dsc_xfs_space(u64 *ctx, u32 probe, u32 op,
					 s64 offset, s64 len, bool btf)
{
	struct xfs_inode *ip = (struct xfs_inode *)ctx[0];
	struct inode *inode = &ip->i_vnode;
	struct dsc_event *e;

	e = dsc_reserve_fs(inode, probe, DSC_EV_FS_SPACE_OP, btf);
	if (!e)
		return 0;
	e->space.offset = offset;
	e->space.len = len;
	e->space.isize = dsc_inode_size(inode, btf);
	e->space.op = op;
	dsc_submit(e, probe);
	return 0;
}

/* xfs_alloc_file_space(xfs_inode *) */
static __always_inline int dsc_xfs_alloc_file_space(u64 *ctx, bool btf)
{
	return dsc_xfs_space(ctx, DSC_P_XFS_ALLOC_FILE_SPACE,
			     DSC_SPACE_XFS_ALLOC_FILE_SPACE, 0, 0, btf);
}

/* xfs_setattr(xfs_inode *) */
static __always_inline int dsc_xfs_setattr(u64 *ctx, bool btf)
{
	return dsc_xfs_space(ctx, DSC_P_XFS_SETATTR, DSC_SPACE_XFS_SETATTR, 0, 0, btf);
}

/* xfs_zero_eof(xfs_inode *, xfs_off_t offset, ssize_t count) */
static __always_inline int dsc_xfs_zero_eof(u64 *ctx, bool btf)
{
	return dsc_xfs_space(ctx, DSC_P_XFS_ZERO_EOF, DSC_SPACE_XFS_ZERO_EOF,
			     (s64)ctx[1], (s64)ctx[2], btf);
}

#endif /* DIOSCOPE_XFS_BPF_H */
