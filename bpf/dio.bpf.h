/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * iomap direct I/O: begin, queued, complete, destination mapping.
 */
#ifndef DIOSCOPE_DIO_BPF_H
#define DIOSCOPE_DIO_BPF_H

/* iomap_dio_rw_begin(kiocb *, iov_iter *, unsigned int dio_flags, size_t done_before) */
static __always_inline int dsc_dio_begin(u64 *ctx, bool btf)
{
	struct kiocb *iocb = (struct kiocb *)ctx[0];
	struct iov_iter *iter = (struct iov_iter *)ctx[1];
	struct inode *inode = dsc_kiocb_inode(iocb, btf);
	u32 dev = dsc_inode_dev(inode, btf);
	u64 ino = dsc_inode_ino(inode, btf);
	struct dsc_event *e;
	s64 pos;
	u64 count;
	u8 api;

	if (!dsc_pass_task_event(dev))
		return 0;
	if (dsc_task_filtered() || dsc_filter_dev)
		dsc_note_active(dev, ino, DSC_RD(btf, inode, i_sb, s_bdev, bd_dev));
	e = dsc_reserve(DSC_P_DIO_BEGIN, DSC_EV_DIO_BEGIN, dev, ino);
	if (!e)
		return 0;
	api = dsc_kiocb_api(iocb, btf);
	pos = DSC_RD(btf, iocb, ki_pos);
	count = DSC_RD(btf, iter, count);
	e->dio_begin.kiocb = (u64)iocb;
	e->dio_begin.pos = pos;
	e->dio_begin.count = count;
	e->dio_begin.isize = dsc_inode_size(inode, btf);
	e->dio_begin.done_before = ctx[3];
	e->dio_begin.user_ref = dsc_kiocb_user_ref(iocb, api);
	e->dio_begin.ki_flags = DSC_RD(btf, iocb, ki_flags);
	e->dio_begin.dio_flags = (u16)ctx[2];
	/*
	 * Synchronous kiocbs never carry IOCB_WRITE (only aio and io_uring set
	 * it), so the direction comes from the iterator.
	 */
	if (bpf_core_field_exists(iter->data_source) && DSC_RD(btf, iter, data_source))
		e->dio_begin.dio_flags |= DSC_DIO_X_WRITE;
	e->dio_begin.api = api;
	e->dio_begin.blkbits = dsc_inode_blkbits(inode, btf);
	dsc_submit(e, DSC_P_DIO_BEGIN);
	dsc_asm_begin((u64)iocb, dev, ino, pos, count);
	return 0;
}

/* iomap_dio_rw_queued(inode *, loff_t offset, u64 length) */
static __always_inline int dsc_dio_queued(u64 *ctx, bool btf)
{
	struct inode *inode = (struct inode *)ctx[0];
	struct dsc_event *e;

	dsc_asm_submitted();
	e = dsc_reserve_fs(inode, DSC_P_DIO_QUEUED, DSC_EV_DIO_QUEUED, btf);
	if (!e)
		return 0;
	e->dio_queued.offset = (s64)ctx[1];
	e->dio_queued.length = ctx[2];
	e->dio_queued.isize = dsc_inode_size(inode, btf);
	dsc_submit(e, DSC_P_DIO_QUEUED);
	return 0;
}

/* iomap_dio_complete(kiocb *, int error, ssize_t ret) */
static __always_inline int dsc_dio_complete(u64 *ctx, bool btf)
{
	struct kiocb *iocb = (struct kiocb *)ctx[0];
	struct inode *inode = dsc_kiocb_inode(iocb, btf);
	struct dsc_event *e;
	u8 api;

	/* the steps held back go first: their record precedes this one */
	dsc_asm_complete((u64)iocb);
	e = dsc_reserve_fs(inode, DSC_P_DIO_COMPLETE, DSC_EV_DIO_COMPLETE, btf);
	if (!e)
		return 0;
	api = dsc_kiocb_api(iocb, btf);
	e->dio_complete.kiocb = (u64)iocb;
	e->dio_complete.pos = DSC_RD(btf, iocb, ki_pos);
	e->dio_complete.isize = dsc_inode_size(inode, btf);
	e->dio_complete.ret = (s64)ctx[2];
	e->dio_complete.user_ref = dsc_kiocb_user_ref(iocb, api);
	e->dio_complete.error = (s32)ctx[1];
	e->dio_complete.ki_flags = DSC_RD(btf, iocb, ki_flags);
	e->dio_complete.api = api;
	dsc_submit(e, DSC_P_DIO_COMPLETE);
	return 0;
}

/* iomap_iter_dstmap(inode *, iomap *) */
static __always_inline int dsc_iomap_dstmap(u64 *ctx, bool btf)
{
	struct inode *inode = (struct inode *)ctx[0];
	struct iomap *map = (struct iomap *)ctx[1];
	u32 dev = dsc_inode_dev(inode, btf);
	u64 ino = dsc_inode_ino(inode, btf);
	struct dsc_event *e;
	u64 addr, length;
	s64 offset;
	u16 type, flags;
	u32 bdev;
	u8 blkbits;

	if (!dsc_pass_fs_event(dev, ino))
		return 0;
	bdev = DSC_RD(btf, map, bdev, bd_dev);
	if ((dsc_task_filtered() || dsc_filter_dev) && dsc_task_ok())
		dsc_note_bdev(bdev);
	addr = DSC_RD(btf, map, addr);
	offset = DSC_RD(btf, map, offset);
	length = DSC_RD(btf, map, length);
	type = DSC_RD(btf, map, type);
	flags = DSC_RD(btf, map, flags);
	blkbits = dsc_inode_blkbits(inode, btf);
	if (dsc_asm_mapping(dev, ino, addr, offset, length, type, flags, bdev, blkbits))
		return 0;
	e = dsc_reserve(DSC_P_IOMAP_DSTMAP, DSC_EV_IOMAP_DSTMAP, dev, ino);
	if (!e)
		return 0;
	e->iomap.addr = addr;
	e->iomap.offset = offset;
	e->iomap.length = length;
	e->iomap.type = type;
	e->iomap.flags = flags;
	e->iomap.bdev = bdev;
	e->iomap.blkbits = blkbits;
	dsc_submit(e, DSC_P_IOMAP_DSTMAP);
	return 0;
}

#endif /* DIOSCOPE_DIO_BPF_H */
