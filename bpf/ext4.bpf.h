/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ext4: extent mapping that allocates or converts, unwritten extent
 * handling, and space operations.
 */
#ifndef DIOSCOPE_EXT4_BPF_H
#define DIOSCOPE_EXT4_BPF_H

#define DSC_EXT4_INTERESTING \
	(DSC_EXT4_CREATE | DSC_EXT4_UNWRIT | DSC_EXT4_CONVERT | \
	 DSC_EXT4_CONVERT_UNWRITTEN)

/* ext4_ext_map_blocks_enter(inode *, ext4_lblk_t lblk, unsigned len, unsigned flags) */
static __always_inline int dsc_ext4_map_blocks(u64 *ctx, bool btf)
{
	struct inode *inode = (struct inode *)ctx[0];
	u32 flags = (u32)ctx[3];
	struct dsc_event *e;
	u32 dev;
	u64 ino;

	/* It fires for every lookup; keep only allocation and conversion. */
	if (!(flags & DSC_EXT4_INTERESTING))
		return 0;
	dev = dsc_inode_dev(inode, btf);
	ino = dsc_inode_ino(inode, btf);
	if (!dsc_pass_fs_event(dev, ino))
		return 0;
	e = dsc_reserve(DSC_P_EXT4_MAP_BLOCKS, DSC_EV_EXT4_MAP_BLOCKS, dev, ino);
	if (!e)
		return 0;
	e->ext4.lblk = (u32)ctx[1];
	e->ext4.len = (u32)ctx[2];
	e->ext4.flags = flags;
	e->ext4.blkbits = dsc_inode_blkbits(inode, btf);
	dsc_submit(e, DSC_P_EXT4_MAP_BLOCKS);
	return 0;
}

/*
 * ext4_ext_handle_unwritten_extents(inode *, ext4_map_blocks *, int flags,
 *                                   unsigned int allocated, ext4_fsblk_t newblock)
 */
static __always_inline int dsc_ext4_unwritten(u64 *ctx, bool btf)
{
	struct inode *inode = (struct inode *)ctx[0];
	struct ext4_map_blocks *map = (struct ext4_map_blocks *)ctx[1];
	struct dsc_event *e;

	e = dsc_reserve_fs(inode, DSC_P_EXT4_UNWRITTEN, DSC_EV_EXT4_UNWRITTEN, btf);
	if (!e)
		return 0;
	e->ext4.lblk = DSC_RD(btf, map, m_lblk);
	e->ext4.len = DSC_RD(btf, map, m_len);
	e->ext4.flags = (u32)ctx[2];
	e->ext4.allocated = (u32)ctx[3];
	e->ext4.pblk = DSC_RD(btf, map, m_pblk);
	e->ext4.newblk = ctx[4];
	e->ext4.blkbits = dsc_inode_blkbits(inode, btf);
	dsc_submit(e, DSC_P_EXT4_UNWRITTEN);
	return 0;
}

static __always_inline int dsc_ext4_space(u64 *ctx, u32 probe, u32 op,
					  s64 offset, s64 len, s32 mode, bool btf)
{
	struct inode *inode = (struct inode *)ctx[0];
	struct dsc_event *e;

	e = dsc_reserve_fs(inode, probe, DSC_EV_FS_SPACE_OP, btf);
	if (!e)
		return 0;
	e->space.offset = offset;
	e->space.len = len;
	e->space.isize = dsc_inode_size(inode, btf);
	e->space.mode = mode;
	e->space.op = op;
	dsc_submit(e, probe);
	return 0;
}

/* ext4_fallocate_enter(inode *, loff_t offset, loff_t len, int mode) */
static __always_inline int dsc_ext4_fallocate_enter(u64 *ctx, bool btf)
{
	return dsc_ext4_space(ctx, DSC_P_EXT4_FALLOCATE_ENTER,
			      DSC_SPACE_EXT4_FALLOCATE_ENTER,
			      (s64)ctx[1], (s64)ctx[2], (s32)ctx[3], btf);
}

/* ext4_fallocate_exit(inode *, loff_t offset, unsigned int max_blocks, int ret) */
static __always_inline int dsc_ext4_fallocate_exit(u64 *ctx, bool btf)
{
	return dsc_ext4_space(ctx, DSC_P_EXT4_FALLOCATE_EXIT,
			      DSC_SPACE_EXT4_FALLOCATE_EXIT,
			      (s64)ctx[1], (s64)(u32)ctx[2], (s32)ctx[3], btf);
}

/* ext4_truncate_enter(inode *) */
static __always_inline int dsc_ext4_truncate_enter(u64 *ctx, bool btf)
{
	return dsc_ext4_space(ctx, DSC_P_EXT4_TRUNCATE_ENTER,
			      DSC_SPACE_EXT4_TRUNCATE_ENTER, 0, 0, 0, btf);
}

#endif /* DIOSCOPE_EXT4_BPF_H */
